"""Issue #18's shortcuts keep the lists' answers: the scoped lists without the visibility OR,
the counts kept per data version, the lean rows, and the per-transaction data version."""
from datetime import UTC
from datetime import date
from datetime import timedelta

from tracker.models import Task
from tracker.services import tasks as task_service
from tracker.services.cache import data_version

TODAY = date(2025, 6, 10)


def _province(make_unit, make_user, make_task):
    a, b = make_unit(name="Sở Tài chính", code="STC"), make_unit(name="Sở Y tế", code="SYT")
    staff = make_user("stc.cb", role="staff", unit=a)
    clerk = make_user("vp", role="clerk")
    led = [make_task(a, action=f"Việc chủ trì {i}", deadline=TODAY + timedelta(days=i - 3)) for i in range(6)]
    co = [make_task(b, action=f"Việc phối hợp {i}", deadline=TODAY + timedelta(days=i), co_units=(a,))
          for i in range(3)]
    other = [make_task(b, action=f"Việc khác {i}") for i in range(4)]
    return staff, clerk, a, led, co, other


def _ids(rows):
    return [t.id for t, _, _ in rows]


def test_scoped_lists_equal_visibility_and_scope(session, make_unit, make_user, make_task):
    staff, _, a, led, co, other = _province(make_unit, make_user, make_task)
    lead_rows, lead_total = task_service.list_tasks(session, staff, today=TODAY, own_unit_only=True, per_page=50)
    co_rows, co_total = task_service.list_tasks(session, staff, today=TODAY, coordinated_only=True, per_page=50)
    all_rows, all_total = task_service.list_tasks(session, staff, today=TODAY, per_page=50)
    assert sorted(_ids(lead_rows)) == sorted(t.id for t in led) and lead_total == 6
    assert sorted(_ids(co_rows)) == sorted(t.id for t in co) and co_total == 3
    assert sorted(_ids(all_rows)) == sorted(t.id for t in led + co) and all_total == 9
    assert not set(_ids(all_rows)) & {t.id for t in other}


def test_lean_rows_match_orm_rows(session, make_unit, make_user, make_task):
    staff, clerk, *_ = _province(make_unit, make_user, make_task)
    full, total = task_service.list_tasks(session, clerk, today=TODAY, per_page=50)
    lean, lean_total = task_service.list_tasks(session, clerk, today=TODAY, per_page=50,
                                               columns=task_service.API_COLUMNS, with_directive_code=True)
    assert total == lean_total == 13
    assert _ids(full) == _ids(lean)
    for (task, state, unit), (row, lean_state, lean_unit) in zip(full, lean, strict=True):
        assert (state, unit) == (lean_state, lean_unit)
        assert all(getattr(task, c) == getattr(row, c) for c in task_service.API_COLUMNS)
        assert row.directive_code == "1/TB-TEST"


def test_kept_counts_follow_a_new_task_and_a_change(session, make_unit, make_user, make_task):
    staff, clerk, a, led, *_ = _province(make_unit, make_user, make_task)

    def counts():
        _, total = task_service.list_tasks(session, staff, today=TODAY, own_unit_only=True)
        states = task_service.state_counts(session, staff, today=TODAY, own_unit_only=True)
        _, clerk_total = task_service.list_tasks(session, clerk, today=TODAY, status="hoan_thanh")
        return total, states, clerk_total

    total, states, done = counts()
    assert (total, sum(states.values()), done) == (6, 6, 0)
    assert counts() == (total, states, done)  # served from the cache, same answer
    make_task(a, action="Việc mới", deadline=TODAY - timedelta(days=30))  # a new id moves the version
    total, states, done = counts()
    assert total == 7 and states.get("qua_han", 0) == 1 + sum(1 for t in led if t.deadline < TODAY)
    task = session.get(Task, led[0].id)  # an ORM change moves updated_at
    task.status, task.completed_on, task.progress = "hoan_thanh", TODAY, 100
    session.add(task)
    session.commit()
    assert counts()[2] == 1


def test_data_version_is_read_again_after_a_write_in_the_same_transaction(session, make_unit, make_task):
    from datetime import datetime

    from sqlalchemy import update

    task = make_task(make_unit(name="Sở Nội vụ", code="SNV"))
    before = data_version(session)
    assert data_version(session) == before  # remembered within the transaction
    other = make_task(make_unit(name="Sở Xây dựng", code="SXD"))  # committed: a new transaction
    assert data_version(session)[0] == other.id
    seen = data_version(session)
    session.get(Task, task.id).progress = 40
    session.flush()  # an ORM write inside the same transaction stamps updated_at
    assert data_version(session) != seen
    session.execute(update(Task).where(Task.id == task.id).values(updated_at=datetime(2100, 1, 1, tzinfo=UTC)))
    assert data_version(session)[1].year == 2100  # a write statement, no flush: read again too
    session.rollback()
