"""The shared task list query: order (deadline, undated last), paging across the two segments,
the search path, the deadline-state filter agreeing with the Python rule, and no per-row queries."""
from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import event

from tracker.deadline_state import STATES
from tracker.deadline_state import deadline_state
from tracker.models import Directive
from tracker.services import tasks as task_service
from tracker.services.search import search_text_for_task


@pytest.fixture
def many(session, make_unit, make_user, make_task):
    unit = make_unit("Sở Tài chính", code="STC")
    other = make_unit("Sở Y tế", code="SYT")
    clerk = make_user("vp", "clerk")
    staff = make_user("cb", "staff", unit)
    today = date(2025, 6, 10)
    tasks = []
    for i in range(23):
        deadline = None if i % 5 == 0 else today + timedelta(days=(i * 7) % 30 - 10)
        status = "hoan_thanh" if i % 7 == 0 else "chua_thuc_hien"
        t = make_task(unit if i % 3 else other, action=f"Việc {'chuyển đổi số' if i % 2 else 'giải ngân'} {i}",
                      deadline=deadline, status=status, completed_on=today if status == "hoan_thanh" else None)
        t.search_text = search_text_for_task(t.action, session.get(Directive, t.directive_id))
        session.add(t)
        tasks.append(t)
    session.commit()
    return clerk, staff, unit, tasks, today


def _expected(tasks):
    return [t.id for t in sorted(tasks, key=lambda t: (t.deadline is None, t.deadline or date.min, t.id))]


def test_order_and_paging_across_dated_and_undated(session, many):
    clerk, _, _, tasks, today = many
    seen = []
    for page in range(1, 6):
        rows, total = task_service.list_tasks(session, clerk, today=today, page=page, per_page=5)
        assert total == 23
        seen += [t.id for t, _, _ in rows]
    assert seen == _expected(tasks)


def test_search_path_same_order(session, many):
    clerk, _, _, tasks, today = many
    wanted = [t for t in tasks if "chuyển đổi số" in t.action]
    seen = []
    for page in (1, 2, 3):
        rows, total = task_service.list_tasks(session, clerk, today=today, q="chuyen doi so", page=page, per_page=5)
        assert total == len(wanted)
        seen += [t.id for t, _, _ in rows]
    assert seen == _expected(wanted)


@pytest.mark.parametrize("state", STATES)
def test_state_filter_and_column_agree_with_python_rule(session, many, state):
    clerk, _, _, tasks, today = many
    rows, total = task_service.list_tasks(session, clerk, today=today, state=state, per_page=100)
    expected = [t for t in tasks if deadline_state(t.deadline, t.status, t.completed_on, today) == state]
    assert sorted(t.id for t, _, _ in rows) == sorted(t.id for t in expected)
    assert all(s == state for _, s, _ in rows)


def test_staff_sees_only_own_unit(session, many):
    _, staff, unit, tasks, today = many
    rows, total = task_service.list_tasks(session, staff, today=today, per_page=100)
    assert {t.lead_unit_id for t, _, _ in rows} == {unit.id}
    assert total == sum(1 for t in tasks if t.lead_unit_id == unit.id)


def test_constant_number_of_queries(session, many, app):
    clerk, _, _, _, today = many
    engine = app.extensions["engine"]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - a one-line local helper
    event.listen(engine, "before_cursor_execute", listener)
    try:
        rows, _ = task_service.list_tasks(session, clerk, today=today, per_page=50)
        task_service.co_units_for(session, [t.id for t, _, _ in rows])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(rows) == 23
    assert len(statements) <= 5


def test_broad_search_falls_back_to_index_order(session, many, monkeypatch):
    monkeypatch.setattr(task_service, "SEARCH_SORT_IN_PYTHON", 3)
    clerk, _, _, tasks, today = many
    wanted = [t for t in tasks if "chuyển đổi số" in t.action]
    seen = []
    for page in (1, 2, 3):
        rows, total = task_service.list_tasks(session, clerk, today=today, q="chuyen doi so", page=page, per_page=5)
        assert total == len(wanted)
        seen += [t.id for t, _, _ in rows]
    assert seen == _expected(wanted)
