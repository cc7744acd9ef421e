"""A task's deadline state on a given day, in Python and as an equal SQL expression.

The two must always agree: lists and per-unit counts use the SQL twin so the database
does the work; single tasks, reminders and messages use the Python function.
A task counts as done only when the clerk has confirmed it (status `hoan_thanh`);
`completed_on` is the local (Asia/Ho_Chi_Minh) day the unit reported it done.
"""
from datetime import date
from datetime import timedelta

from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import literal
from sqlalchemy import null
from sqlalchemy import or_

from tracker.vocab import DeadlineState
from tracker.vocab import TaskStatus

ON_TRACK = DeadlineState.ON_TRACK
DUE_SOON = DeadlineState.DUE_SOON
OVERDUE = DeadlineState.OVERDUE
DONE_ON_TIME = DeadlineState.DONE_ON_TIME
DONE_LATE = DeadlineState.DONE_LATE
NO_DEADLINE = DeadlineState.NO_DEADLINE

LABELS = DeadlineState.labels()
STATES = tuple(LABELS)
DONE_STATUS = TaskStatus.HOAN_THANH
CANCELLED_STATUS = TaskStatus.DA_HUY  # a cancelled task has no deadline state (None / SQL NULL) and leaves every figure
DEFAULT_DUE_SOON_DAYS = 3


def deadline_state(
    deadline: date | None,
    status: str,
    completed_on: date | None,
    today: date,
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
) -> str | None:
    if status == CANCELLED_STATUS:
        return None
    if deadline is None:
        return NO_DEADLINE
    if status == DONE_STATUS:
        finished = completed_on or today
        return DONE_ON_TIME if finished <= deadline else DONE_LATE
    if today > deadline:
        return OVERDUE
    if deadline <= today + timedelta(days=due_soon_days):
        return DUE_SOON
    return ON_TRACK


def deadline_state_sql(task_table, today: date, due_soon_days: int = DEFAULT_DUE_SOON_DAYS):
    """SQL CASE over a Task table (or alias) giving the same strings as `deadline_state`."""
    t = task_table
    soon = today + timedelta(days=due_soon_days)
    done = t.status == DONE_STATUS
    return case(
        (t.status == CANCELLED_STATUS, null()),
        (t.deadline.is_(None), literal(NO_DEADLINE)),
        (and_(done, t.completed_on.is_(None), literal(today) <= t.deadline), literal(DONE_ON_TIME)),
        (and_(done, t.completed_on.is_(None)), literal(DONE_LATE)),
        (and_(done, t.completed_on <= t.deadline), literal(DONE_ON_TIME)),
        (done, literal(DONE_LATE)),
        (t.deadline < literal(today), literal(OVERDUE)),
        (t.deadline <= literal(soon), literal(DUE_SOON)),
        else_=literal(ON_TRACK),
    )


def state_filter_sql(task_table, state: str, today: date, due_soon_days: int = DEFAULT_DUE_SOON_DAYS):
    """A sargable WHERE clause selecting tasks in one deadline state (uses the deadline index)."""
    t = task_table
    soon = today + timedelta(days=due_soon_days)
    done = t.status == DONE_STATUS
    open_ = t.status.not_in((DONE_STATUS, CANCELLED_STATUS))
    if state == NO_DEADLINE:
        return and_(t.deadline.is_(None), t.status != CANCELLED_STATUS)
    if state == OVERDUE:
        return and_(t.deadline < today, open_)
    if state == DUE_SOON:
        return and_(t.deadline >= today, t.deadline <= soon, open_)
    if state == ON_TRACK:
        return and_(t.deadline > soon, open_)
    if state == DONE_ON_TIME:
        return and_(
            t.deadline.is_not(None),
            done,
            or_(t.completed_on <= t.deadline, and_(t.completed_on.is_(None), t.deadline >= today)),
        )
    if state == DONE_LATE:
        return and_(
            t.deadline.is_not(None),
            done,
            or_(t.completed_on > t.deadline, and_(t.completed_on.is_(None), t.deadline < today)),
        )
    raise ValueError(f"unknown deadline state {state!r}")
