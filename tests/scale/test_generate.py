"""`flask --app app demo generate` writes the requested counts, every state, and the same rows for a seed."""
from datetime import date

import pytest
import sqlalchemy as sa

from tests.dbutil import truncate_all
from tracker.deadline_state import STATES
from tracker.deadline_state import deadline_state_sql
from tracker.demo.synthetic import generate
from tracker.models import TASK_STATUSES
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import User

TODAY = date(2026, 3, 16)
ARGS = ["demo", "generate", "--tasks", "400", "--units", "40", "--directives", "25", "--seed", "5",
        "--today", TODAY.isoformat()]
SNAPSHOT_TABLES = (Unit, User, Directive, Task, TaskCoUnit, TaskEvent, ExtensionRequest)


def count(conn, model):
    return conn.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar()


def snapshot(engine) -> dict:
    """Every synthetic row, minus the salted password hash, in id order."""
    out = {}
    with engine.connect() as conn:
        for model in SNAPSHOT_TABLES:
            table = model.__table__
            cols = [c for c in table.c if c.name != "password_hash"]
            rows = conn.execute(sa.select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def test_generate_command_writes_requested_counts_and_every_state(app, runner):
    result = runner.invoke(args=ARGS)
    assert result.exit_code == 0, result.output
    assert "400 nhiệm vụ" in result.output
    engine = app.extensions["engine"]
    with engine.connect() as conn:
        assert count(conn, Task) == 400
        assert count(conn, Unit) == 40
        assert count(conn, Directive) == 25
        assert count(conn, User) >= 40 * 2 + 7  # a head and staff per unit, clerks, leaders, admin
        assert count(conn, TaskEvent) >= 400  # at least the "created" event per task
        assert count(conn, TaskCoUnit) > 0
        assert count(conn, ExtensionRequest) > 0
        kinds = set(conn.execute(sa.select(Unit.kind).distinct()).scalars())
        assert {"department", "commune"} <= kinds
        statuses = set(conn.execute(sa.select(Task.status).distinct()).scalars())
        assert statuses == set(TASK_STATUSES)
        state = deadline_state_sql(Task, TODAY)
        states = set(conn.execute(sa.select(state).distinct()).scalars())
        assert states == set(STATES) | {None}  # None: cancelled tasks have no deadline state
        # every task belongs to a unit that exists and has a search text; events point at tasks
        assert conn.execute(sa.select(sa.func.count()).select_from(Task)
                            .where(Task.search_text.is_(None))).scalar() == 0
        every_task_has_created = conn.execute(
            sa.select(sa.func.count(sa.distinct(TaskEvent.task_id))).where(TaskEvent.kind == "created")).scalar()
        assert every_task_has_created == 400
        roles = set(conn.execute(sa.select(User.role).distinct()).scalars())
        assert roles == {"admin", "clerk", "leader", "head", "staff"}
    # A second run on the same database is refused with a clear message, nothing written
    again = runner.invoke(args=ARGS)
    assert again.exit_code == 1
    assert "cơ sở dữ liệu mới" in again.output
    with engine.connect() as conn:
        assert count(conn, Task) == 400


def test_generate_is_deterministic_for_a_seed(app):
    engine = app.extensions["engine"]
    generate(engine, tasks=300, units=30, directives=20, seed=11, today=TODAY)
    first = snapshot(engine)
    truncate_all(engine)
    generate(engine, tasks=300, units=30, directives=20, seed=11, today=TODAY)
    assert snapshot(engine) == first
    truncate_all(engine)
    generate(engine, tasks=300, units=30, directives=20, seed=12, today=TODAY)
    assert snapshot(engine)["task"] != first["task"]


def test_generated_ids_leave_sequences_usable(app, session, make_unit):
    """After explicit-id bulk inserts, ordinary inserts still get fresh ids (PostgreSQL sequences)."""
    generate(app.extensions["engine"], tasks=50, units=5, directives=5, seed=1, today=TODAY)
    unit = make_unit(name="Sở Mới")
    assert unit.id > 5


def test_generate_gives_the_same_rows_on_both_backends(app, tmp_path):
    """A seed means the same province on SQLite and PostgreSQL (compared with a fresh SQLite file)."""
    from tracker.db import make_engine
    from tracker.migrate import upgrade

    other = make_engine(f"sqlite:///{tmp_path}/other.db")
    upgrade(other)
    try:
        generate(app.extensions["engine"], tasks=200, units=20, directives=10, seed=3, today=TODAY)
        generate(other, tasks=200, units=20, directives=10, seed=3, today=TODAY)
        assert snapshot(app.extensions["engine"]) == snapshot(other)
    finally:
        other.dispose()


def test_every_page_shows_generated_data(app, client):
    """Synthetic rows are rows the app can show: every task page, every list filter, the dashboard."""
    from tracker.deadline_state import STATES as DEADLINE_STATES

    generate(app.extensions["engine"], tasks=120, units=15, directives=8, seed=9)
    rules = {r.rule for r in app.url_map.iter_rules()}
    response = client.post("/login", data={"login": "syn.vanphong1", "password": "demo12345"})
    assert response.status_code in (302, 303)
    with app.extensions["engine"].connect() as conn:
        task_ids = conn.execute(sa.select(Task.id)).scalars().all()
        directive_ids = conn.execute(sa.select(Directive.id)).scalars().all()
    urls = []
    if "/tasks/<int:task_id>" in rules:
        urls += [f"/tasks/{i}" for i in task_ids]
    if "/tasks" in rules:
        urls += ["/tasks"] + [f"/tasks?state={s}" for s in DEADLINE_STATES] + ["/tasks?q=ra+soat"]
    if "/directives/<int:directive_id>" in rules:
        urls += [f"/directives/{i}" for i in directive_ids]
    for url in ("/directives", "/dashboard", "/dashboard/overdue"):
        if url in rules:
            urls.append(url)
    if not urls:
        pytest.skip("no pages built yet")
    failures = [(url, r.status_code) for url in urls if (r := client.get(url)).status_code != 200]
    assert failures == []
