"""The task page's one prefetch query probes an index for every part, also on SQLite after
ANALYZE (whose statistics make a mostly-NULL parent_id look unselective: it scanned the task
table, 30 ms at 100,000 tasks)."""
import pytest
from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task
from tracker.models import Unit
from tracker.web import tasks as task_pages


def test_prefetch_never_scans_the_task_table(app, session, backend, make_unit, make_user, make_task):
    if backend != "sqlite":
        pytest.skip("SQLite's statistics only (PostgreSQL keeps a NULL fraction)")
    unit = make_unit()
    user = make_user("cb", "staff", unit)
    tasks = [make_task(unit) for _ in range(60)]
    engine = app.extensions["engine"]
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    with app.test_request_context():
        present = task_pages._present_columns(user)
        query = (select(Task.id, Directive.id, Unit.id, *present).join(Directive, Directive.id == Task.directive_id)
                 .join(Unit, Unit.id == Task.lead_unit_id).where(Task.id == tasks[0].id))
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        steps = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    assert not [s for s in steps if s.startswith(("SCAN task ", "SCAN task_1"))], steps
    assert any("ix_task_parent_id" in s for s in steps), steps
