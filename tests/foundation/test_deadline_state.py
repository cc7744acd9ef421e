"""The Python deadline-state function and its SQL twin agree on a table of cases."""
from datetime import date

import pytest
from sqlmodel import select

from tracker.deadline_state import STATES
from tracker.deadline_state import deadline_state
from tracker.deadline_state import deadline_state_sql
from tracker.deadline_state import state_filter_sql
from tracker.models import Task

TODAY = date(2025, 3, 10)

# (deadline, status, completed_on, expected)
CASES = [
    (None, "chua_thuc_hien", None, "khong_co_han"),
    (None, "hoan_thanh", date(2025, 3, 1), "khong_co_han"),
    (date(2025, 3, 10), "dang_thuc_hien", None, "sap_den_han"),  # due today
    (date(2025, 3, 13), "chua_thuc_hien", None, "sap_den_han"),  # edge of the 3-day window
    (date(2025, 3, 14), "chua_thuc_hien", None, "trong_han"),
    (date(2025, 3, 9), "dang_thuc_hien", None, "qua_han"),
    (date(2025, 3, 9), "cho_xac_nhan", date(2025, 3, 8), "qua_han"),  # not confirmed yet
    (date(2025, 3, 9), "tra_lai", None, "qua_han"),  # returned counts as not done
    (date(2025, 3, 5), "hoan_thanh", date(2025, 3, 5), "hoan_thanh_dung_han"),  # done on the deadline day
    (date(2025, 3, 5), "hoan_thanh", date(2025, 3, 6), "hoan_thanh_qua_han"),
    (date(2025, 3, 20), "hoan_thanh", date(2025, 3, 1), "hoan_thanh_dung_han"),
    (date(2025, 3, 20), "hoan_thanh", None, "hoan_thanh_dung_han"),
    (date(2025, 3, 1), "hoan_thanh", None, "hoan_thanh_qua_han"),
    (date(2025, 4, 20), "tam_dung", None, "trong_han"),
    # occurrences of a recurring task (monthly:20) are separate dated rows
    (date(2025, 2, 20), "hoan_thanh", date(2025, 2, 19), "hoan_thanh_dung_han"),
    (date(2025, 3, 20), "chua_thuc_hien", None, "trong_han"),
]


@pytest.mark.parametrize("deadline,status,completed_on,expected", CASES)
def test_python_function(deadline, status, completed_on, expected):
    assert deadline_state(deadline, status, completed_on, TODAY) == expected


def test_sql_twin_agrees(session, make_unit, make_task):
    unit = make_unit()
    ids = {}
    for i, (deadline, status, completed_on, expected) in enumerate(CASES):
        task = make_task(unit, action=f"case {i}", deadline=deadline, status=status, completed_on=completed_on,
                         recurrence="monthly:20" if i >= 14 else None)
        ids[task.id] = expected
    rows = session.exec(select(Task.id, deadline_state_sql(Task, TODAY))).all()
    assert {tid: state for tid, state in rows} == ids
    for state in STATES:
        selected = set(session.exec(select(Task.id).where(state_filter_sql(Task, state, TODAY))).all())
        assert selected == {tid for tid, exp in ids.items() if exp == state}, state


def test_window_is_configurable():
    assert deadline_state(date(2025, 3, 17), "chua_thuc_hien", None, TODAY, due_soon_days=7) == "sap_den_han"
    assert deadline_state(date(2025, 3, 17), "chua_thuc_hien", None, TODAY) == "trong_han"
