"""The history tables (task_event, audit_event) are append-only in the database itself.

Triggers created by the 0001 migration refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) whatever the code path: ORM, raw SQL, a future bug. Only a sanctioned purge
(the flag the test fixtures set when they empty the tables) may delete rows.
"""
from datetime import UTC

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from sqlmodel import select

from tracker.models import AuditEvent
from tracker.models import TaskEvent
from tracker.services import tasks as task_service


@pytest.fixture
def history(session, make_unit, make_user, make_task):
    unit = make_unit()
    staff = make_user("nv-history", unit=unit)
    task = make_task(unit)
    task_service.update_task(session, staff, task.id, version=task.version, status="dang_thuc_hien")
    session.add(AuditEvent(actor_id=staff.id, channel="web", entity="user", entity_id=staff.id, action="login"))
    session.commit()
    event = session.exec(select(TaskEvent).where(TaskEvent.task_id == task.id)).one()
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "login")).one()
    session.commit()  # end the read transaction: PostgreSQL's TRUNCATE would wait on its locks
    return event, audit


def _refused(engine, sql, **params):
    with pytest.raises(DBAPIError) as info, engine.begin() as conn:
        conn.execute(sa.text(sql), params)
    assert "append-only" in str(info.value)


@pytest.mark.parametrize("table", ["task_event", "audit_event"])
def test_update_and_delete_are_refused_by_the_database(app, history, table):
    engine = app.extensions["engine"]
    event_id = history[0].id if table == "task_event" else history[1].id
    column = "note" if table == "task_event" else "new_value"
    _refused(engine, f"UPDATE {table} SET {column} = 'sửa lén' WHERE id = :id", id=event_id)
    _refused(engine, f"UPDATE {table} SET at = at")  # even a no-op rewrite of every row
    _refused(engine, f"DELETE FROM {table} WHERE id = :id", id=event_id)
    _refused(engine, f"DELETE FROM {table}")
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE id = :id"), {"id": event_id}).scalar() == 1
        assert conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE id = :id"),
                            {"id": event_id}).scalar() != "sửa lén"


def test_truncate_is_refused_on_postgresql(app, history, backend):
    if backend != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    engine = app.extensions["engine"]
    _refused(engine, "TRUNCATE task_event CASCADE")
    _refused(engine, "TRUNCATE task CASCADE")  # cascading into the history is refused too


def test_orm_changes_are_refused_and_rolled_back(app, history):
    event, _ = history
    with Session(app.extensions["engine"]) as s:
        row = s.get(TaskEvent, event.id)
        row.new_value = "hoan_thanh"
        with pytest.raises(DBAPIError):
            s.commit()
        s.rollback()
        s.delete(s.get(TaskEvent, event.id))
        with pytest.raises(DBAPIError):
            s.commit()
    with Session(app.extensions["engine"]) as s:
        assert s.get(TaskEvent, event.id).new_value == "dang_thuc_hien"


def test_inserts_still_work_and_the_flag_does_not_leak(app, history, backend):
    """Appending is allowed; after a sanctioned purge the next connection is guarded again."""
    from tests.dbutil import truncate_all

    engine = app.extensions["engine"]
    event, audit = history
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_event (at, channel, entity, action) "
                             "VALUES (CURRENT_TIMESTAMP, 'system', 'test', 'append')"))
    truncate_all(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar() == 0
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_event (at, channel, entity, action) "
                             "VALUES (CURRENT_TIMESTAMP, 'system', 'test', 'again')"))
    # every pooled connection, including the one that purged, refuses deletion again
    for _ in range(3):
        _refused(engine, "DELETE FROM audit_event")


# --- no page or API call can edit or delete history; the admin can export it -----------

HOSTILE_FORM = {"note": "x", "reason": "x", "event_id": "1", "id": "1", "delete": "1", "op": "delete",
                "action": "delete", "kind": "note", "old_value": "sửa", "new_value": "sửa", "at": "2000-01-01",
                "decision": "reject", "version": "1"}


def _history(engine):
    with engine.connect() as conn:
        tasks = {r[0]: tuple(r) for r in conn.execute(sa.text(
            "SELECT id, task_id, actor_id, at, channel, kind, old_value, new_value, note FROM task_event"))}
        audits = {r[0]: tuple(r) for r in conn.execute(sa.text(
            "SELECT id, actor_id, at, channel, entity, entity_id, action, old_value, new_value FROM audit_event"))}
    return tasks, audits


def test_no_route_edits_or_deletes_history(app, client, world):
    from tests.hardening.conftest import login_as
    from tests.hardening.conftest import url_for_rule

    engine = app.extensions["engine"]
    before_tasks, before_audits = _history(engine)
    assert before_tasks and before_audits
    writes = [r for r in app.url_map.iter_rules() if r.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    for rule in writes:
        assert not any(w in rule.rule for w in ("event", "history", "audit", "lich-su", "nhat-ky")), \
            f"{rule.rule}: a write route on the history"
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ("admin", "clerk", "leader", "staff", "head"):
                url = url_for_rule(rule, world, role=role)
                if url is None:
                    continue
                user = world.users[role]
                login_as(client, None if rule.rule.startswith("/api/") else user)
                headers = {"Authorization": f"Bearer {world.tokens[role]}"} if rule.rule.startswith("/api/") else {}
                if method == "GET":
                    response = client.get(url, headers=headers)
                elif rule.rule.startswith("/api/"):
                    response = client.open(url, method=method, headers=headers, json=HOSTILE_FORM)
                else:
                    response = client.open(url, method=method, data=HOSTILE_FORM)
                assert response.status_code < 500, f"{method} {url} as {role}"
    after_tasks, after_audits = _history(engine)
    for old, new in ((before_tasks, after_tasks), (before_audits, after_audits)):
        assert set(old) <= set(new), "a history row disappeared"
        assert all(new[i] == row for i, row in old.items()), "a history row changed"


def test_every_channel_lands_in_the_history_and_the_admin_export(app, client, world, session):
    """Who, when, channel, old and new value, for web, API, Telegram and system changes."""
    import csv
    import io
    from datetime import datetime

    from bots import actions
    from tests.hardening.conftest import login_as
    from tracker.followup import messages
    from tracker.models import Task
    from tracker.models import TelegramLink

    staff, head = world.users["staff"], world.users["head"]
    task = world.task_a
    login_as(client, staff)
    assert client.post(f"/tasks/{task.id}/update", data={"version": task.version, "progress": "20"}).status_code == 302
    session.expire_all()
    version = session.get(Task, task.id).version
    api = client.patch(f"/api/v1/tasks/{task.id}", json={"progress": 40, "version": version},
                       headers={"Authorization": f"Bearer {world.tokens['head']}"})
    assert api.status_code == 200
    session.add(TelegramLink(user_id=staff.id, chat_id=4242))
    session.commit()
    session.expire_all()
    version = session.get(Task, task.id).version
    reply = actions.callback(app.extensions["engine"], 4242, messages.callback_data(messages.DONE, task.id, version),
                             datetime.now(UTC))
    assert reply.ok
    session.expire_all()
    task_service.confirm_completion(session, world.users["clerk"], task.id, channel="system")
    session.commit()

    events = [(e.channel, e.actor_id, e.kind, e.old_value, e.new_value)
              for e in task_service.history(session, session.get(Task, task.id)) if e.kind != "created"]
    assert events == [
        ("web", staff.id, "progress", "0", "20"),
        ("api", head.id, "progress", "20", "40"),
        ("telegram", staff.id, "status", "chua_thuc_hien", "cho_xac_nhan"),
        ("telegram", staff.id, "progress", "40", "100"),
        ("system", world.users["clerk"].id, "status", "cho_xac_nhan", "hoan_thanh"),
        # the world's pending extension request closes with the confirmation (issue 14)
        ("system", world.users["clerk"].id, "extension_cancelled", None, None),
    ]
    assert all(e.at is not None and e.at.tzinfo is not None for e in task_service.history(session, task))

    login_as(client, world.users["admin"])
    export = client.get("/admin/audit.csv")
    assert export.status_code == 200 and export.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert "kenh" in header and "gia_tri_cu" in header and "gia_tri_moi" in header
    with app.extensions["engine"].connect() as conn:
        total = conn.execute(sa.text("SELECT (SELECT count(*) FROM task_event)"
                                     " + (SELECT count(*) FROM audit_event)")).scalar()
    assert len(body) == total, "every history row is exported"
    channels = {r[header.index("kenh")] for r in body}
    assert {"web", "api", "telegram", "system"} <= channels
    for role in ("clerk", "leader", "staff"):
        login_as(client, world.users[role])
        assert client.get("/admin/audit.csv").status_code == 403
