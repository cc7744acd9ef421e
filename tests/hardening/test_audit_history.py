"""The history tables (task_event, audit_event) are append-only in the database itself.

Triggers created by the 0001 migration refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) whatever the code path: ORM, raw SQL, a future bug. Only a sanctioned purge
(the flag the test fixtures set when they empty the tables) may delete rows.
"""
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
    with pytest.raises(DBAPIError) as info:
        with engine.begin() as conn:
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
        assert conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": event_id}).scalar() != "sửa lén"


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
    from tests.conftest import truncate_all

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
