"""What a reminder, digest, summary or bot command talks about: read-only queries.

Shared by the sender (rendering outbox rows at send time, so a message always shows
the task's current state) and the Telegram commands (/viec, /quahan, /homnay, /tuannay).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.followup import policy
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.services import permissions

LIST_LIMIT = 20


@dataclass
class TaskLine:
    id: int
    action: str
    deadline: date | None
    status: str
    urgent: bool
    directive_code: str
    coordinating: bool = False


def _lines(session: Session, stmt, unit_id: int | None, limit: int) -> tuple[list[TaskLine], int]:
    total = session.exec(select(sa.func.count()).select_from(stmt.order_by(None).subquery())).one()
    rows = session.exec(stmt.limit(limit)).all()
    out = [
        TaskLine(t.id, t.action, t.deadline, t.status, t.urgent, d.code or d.number or f"VB {d.id}",
                 coordinating=unit_id is not None and t.lead_unit_id != unit_id)
        for t, d in rows
    ]
    return out, total


def _base(user: User):
    stmt = select(Task, Directive).join(Directive, Directive.id == Task.directive_id)
    clause = permissions.visible_tasks_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    return stmt


def task_list(session: Session, user: User, which: str, today: date,
              limit: int = LIST_LIMIT) -> tuple[list[TaskLine], int]:
    """Open tasks the user's unit leads or coordinates (everything for clerks and leaders).

    which: 'open' | 'overdue' | 'today' | 'week' (Monday to Sunday of today's week) | 'window'
    (overdue or due within the digest window).
    """
    stmt = _base(user).where(Task.status.not_in(("hoan_thanh", "da_huy")))
    if which == "overdue":
        stmt = stmt.where(Task.deadline < today)
    elif which == "today":
        stmt = stmt.where(Task.deadline == today)
    elif which == "week":
        monday = today - timedelta(days=today.weekday())
        stmt = stmt.where(Task.deadline >= monday, Task.deadline <= monday + timedelta(days=6))
    elif which != "open":
        raise ValueError(which)
    stmt = stmt.order_by(Task.deadline.is_(None), Task.deadline, Task.id)
    return _lines(session, stmt, user.unit_id, limit)


@dataclass
class Digest:
    overdue: list[TaskLine]
    overdue_total: int
    today: list[TaskLine]
    today_total: int
    soon: list[TaskLine]
    soon_total: int
    awaiting_confirmation: int = 0
    pending_extensions: int = 0

    @property
    def empty(self) -> bool:
        return not (self.overdue_total or self.today_total or self.soon_total
                    or self.awaiting_confirmation or self.pending_extensions)


def digest_for(session: Session, user: User, today: date, window_days: int = 7, limit: int = 10) -> Digest:
    """The daily digest's content; staff and heads see their unit's (lead and
    coordinating) reminded tasks, clerks also the decisions waiting for them."""
    empty: tuple[list, int] = ([], 0)
    overdue = soon = due_today = empty
    if user.unit_id is not None and user.role in permissions.UNIT_ROLES:
        co = select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == user.unit_id)
        base = (select(Task, Directive).join(Directive, Directive.id == Task.directive_id)
                .where(Task.status.in_(policy.REMINDABLE_STATUSES),
                       (Task.lead_unit_id == user.unit_id) | Task.id.in_(co)))
        order = (Task.deadline, Task.id)
        overdue = _lines(session, base.where(Task.deadline < today).order_by(*order), user.unit_id, limit)
        due_today = _lines(session, base.where(Task.deadline == today).order_by(*order), user.unit_id, limit)
        soon = _lines(session, base.where(Task.deadline > today,
                                          Task.deadline <= today + timedelta(days=window_days)).order_by(*order),
                      user.unit_id, limit)
    waiting = pending = 0
    if user.role == "clerk":
        waiting = session.exec(select(sa.func.count()).select_from(Task).where(Task.status == "cho_xac_nhan")).one()
        pending = session.exec(select(sa.func.count()).select_from(ExtensionRequest)
                               .where(ExtensionRequest.status == "pending")).one()
    return Digest(overdue[0], overdue[1], due_today[0], due_today[1], soon[0], soon[1], waiting, pending)


@dataclass
class WeeklySummary:
    overdue_total: int
    by_unit: list[tuple[str, int]]
    oldest: list[TaskLine]


def weekly_summary(session: Session, today: date, limit: int = 10) -> WeeklySummary:
    overdue = Task.status.not_in(("hoan_thanh", "da_huy")) & (Task.deadline < today)
    total = session.exec(select(sa.func.count()).select_from(Task).where(overdue)).one()
    by_unit = session.exec(
        select(Unit.name, sa.func.count(Task.id)).join(Unit, Unit.id == Task.lead_unit_id).where(overdue)
        .group_by(Unit.name).order_by(sa.func.count(Task.id).desc(), Unit.name).limit(15)
    ).all()
    stmt = (select(Task, Directive).join(Directive, Directive.id == Task.directive_id).where(overdue)
            .order_by(Task.deadline, Task.id))
    oldest, _ = _lines(session, stmt, None, limit)
    return WeeklySummary(total, [(n, c) for n, c in by_unit], oldest)
