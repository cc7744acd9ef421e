"""Delegation down the unit hierarchy (issue 16).

A unit passes a task, or a part of it, to a subordinate unit of the registry (a unit
whose `parent_id` is the delegating unit) as a child task with a deadline no later than
the parent's. The delegating unit confirms (or, with a reason, closes) its children; the
office confirms the parent, and not while a child is open. Nothing here commits.

Roll-up (written, not only shown): from its first delegation on, a task's progress is its
children's. `roll_up` runs after every change of a child's progress or status (update,
report, confirmation, return, closing by the delegating unit, cancel, reopen, a new
child): the parent's progress becomes the mean of its children's, a finished child
counting 100 and a cancelled one not at all, rounded half up; when it moves, the parent's
version is bumped and its history gets a `rollup` entry (old and new progress, how many
children are done), and the change climbs to the grandparent. A parent that was reported
complete, confirmed or cancelled keeps its figure. The lead unit no longer types the
parent's progress itself (422 `progress_from_children`); it still reports completion,
which the office confirms only when no child is open.
"""
from __future__ import annotations

from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.followup import outbox
from tracker.models import HEAD
from tracker.models import STAFF
from tracker.models import Task
from tracker.models import Unit
from tracker.models import User
from tracker.services import Forbidden
from tracker.services import ServiceError
from tracker.services import permissions
from tracker.services.clock import format_date
from tracker.services.clock import local_today
from tracker.services.clock import utc_now

DONE = "hoan_thanh"
CANCELLED = "da_huy"
# a parent in these states follows its children; reported, confirmed or cancelled ones keep their figure
ROLLUP_STATES = ("chua_thuc_hien", "dang_thuc_hien", "tra_lai", "tam_dung")


def can_delegate(session: Session, user: User, task: Task) -> bool:
    """The lead unit's head, the officer in charge, or its staff when the unit lets staff assign."""
    if not permissions.is_lead(user, task):
        return False
    if user.role == HEAD or user.id == task.assignee_id:
        return True
    unit = session.get(Unit, task.lead_unit_id)
    return bool(unit and unit.staff_may_assign)


def subordinate_units(session: Session, unit_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.parent_id == unit_id, Unit.active == sa.true())
                             .order_by(Unit.name)).all())


def _parse_deadline(raw) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise ServiceError("'deadline' phải là ngày (YYYY-MM-DD hoặc DD/MM/YYYY)", code="invalid_date", status=422)
    from tracker.services.directives import parse_iso_date

    return parse_iso_date(raw, "thời hạn")


def delegate(session: Session, user: User, task: Task, *, unit_id, action=None, deadline=None,
             channel: str = "web", now: datetime | None = None) -> Task:
    """Create the child task; history on both; the child unit's heads (or staff) are told."""
    from tracker.services.tasks import record

    if not can_delegate(session, user, task):
        raise Forbidden("Chỉ lãnh đạo đơn vị chủ trì hoặc chuyên viên xử lý được giao nhiệm vụ cho đơn vị cấp dưới")
    if task.status == DONE:
        raise ServiceError("Nhiệm vụ đã hoàn thành", code="closed", status=409)
    if not isinstance(unit_id, int) or isinstance(unit_id, bool):
        raise ServiceError("Cần 'unit_id' (số nguyên) của đơn vị cấp dưới", code="invalid_unit", status=422)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active or unit.parent_id != task.lead_unit_id:
        raise ServiceError("Chỉ giao được cho đơn vị cấp dưới trực tiếp của đơn vị chủ trì (theo danh mục đơn vị)",
                           code="not_subordinate", status=422)
    if action is not None and not isinstance(action, str):
        raise ServiceError("'action' phải là chuỗi", code="invalid_action", status=422)
    action = (action or "").strip() or task.action
    if len(action) > 5000:
        raise ServiceError("Nội dung quá dài (tối đa 5000 ký tự)", code="too_long", status=422)
    due = _parse_deadline(deadline) or task.deadline
    if task.deadline and due and due > task.deadline:
        raise ServiceError(f"Hạn của đơn vị cấp dưới không được sau hạn của nhiệm vụ ({format_date(task.deadline)})",
                           code="deadline_after_parent", status=422)
    if due and due < local_today(now):
        raise ServiceError("Hạn không được ở quá khứ", code="invalid_date", status=422)
    when = utc_now(now)
    child = Task(directive_id=task.directive_id, lead_unit_id=unit.id, owner_text=unit.name, action=action,
                 deadline=due, deadline_text=format_date(due) if due else None, urgent=task.urgent,
                 search_text=task.search_text, parent_id=task.id, created_at=when, updated_at=when)
    session.add(child)
    session.flush()
    record(session, child, user, channel, "created", None, format_date(due) if due else None,
           f"Giao từ nhiệm vụ #{task.id}", now)
    record(session, task, user, channel, "delegated", None, unit.name, f"Nhiệm vụ con #{child.id}: {action[:500]}", now)
    roll_up(session, child, user, channel, now)
    people = session.exec(select(User.id, User.role).where(User.unit_id == unit.id, User.active == sa.true(),
                                                           User.role.in_((STAFF, HEAD)))).all()
    heads = [uid for uid, role in people if role == HEAD] or [uid for uid, _ in people]
    if heads:
        outbox.enqueue(session, recipient_ids=heads, kind="assigned", now=when, task_id=child.id,
                       text=f"Đơn vị được giao nhiệm vụ #{child.id} (từ nhiệm vụ #{task.id}): {action[:150]}",
                       dedupe=f"delegated:t{child.id}")
    session.flush()
    return child


def open_children(session: Session, task: Task) -> list[Task]:
    """Children still holding the parent back (a cancelled child is closed too)."""
    return list(session.exec(select(Task).where(Task.parent_id == task.id,
                                                Task.status.not_in((DONE, CANCELLED)))).all())


def children_of(session: Session, task: Task) -> list[tuple[Task, str]]:
    """Child tasks with their unit names (one query)."""
    rows = session.exec(select(Task, Unit.name).join(Unit, Unit.id == Task.lead_unit_id)
                        .where(Task.parent_id == task.id).order_by(Task.id)).all()
    return [(t, name) for t, name in rows]


def _mean(total_progress: int, count: int) -> int:
    """Rounded half up, the same on every database and in Python."""
    return (2 * total_progress + count) // (2 * count)


def rollup(children: list[tuple[Task, str]]) -> dict | None:
    """Progress and completion of the children, for the parent's page (cancelled ones left out)."""
    counted = [t for t, _ in children if t.status != CANCELLED]
    if not counted:
        return None
    done = sum(1 for t in counted if t.status == DONE)
    return {"total": len(counted), "done": done, "open": len(counted) - done,
            "progress": _mean(sum(100 if t.status == DONE else (t.progress or 0) for t in counted), len(counted))}


def has_counted_children(session: Session, task: Task) -> bool:
    return session.exec(select(Task.id).where(Task.parent_id == task.id, Task.status != CANCELLED).limit(1)).first() \
        is not None


def _children_figures(session: Session, parent_id: int) -> tuple[int, int, int]:
    """(counted children, done, sum of progress) in one aggregate query."""
    from sqlalchemy import case
    from sqlalchemy import func

    done = case((Task.status == DONE, 1), else_=0)
    value = case((Task.status == DONE, 100), else_=func.coalesce(Task.progress, 0))
    count, n_done, total = session.exec(
        select(func.count(), func.coalesce(func.sum(done), 0), func.coalesce(func.sum(value), 0))
        .where(Task.parent_id == parent_id, Task.status != CANCELLED)).one()
    return int(count), int(n_done), int(total)


def roll_up(session: Session, task: Task, actor: User | None, channel: str = "web",
            now: datetime | None = None) -> None:
    """After `task`'s progress or status changed: write its parent's progress, and on upward."""
    from tracker.services.tasks import _bump_version
    from tracker.services.tasks import record

    seen: set[int] = set()
    while task.parent_id is not None and task.parent_id not in seen:
        seen.add(task.parent_id)
        session.flush()
        # the parent's row lock first (PostgreSQL; SQLite has one writer): two children changed
        # at once are summed one after the other, so the second sees the first
        session.execute(select(Task.id).where(Task.id == task.parent_id).with_for_update())
        parent = session.get(Task, task.parent_id)
        if parent is None:
            return
        session.refresh(parent)
        if parent.status not in ROLLUP_STATES:
            return
        count, done, total = _children_figures(session, parent.id)
        if count == 0:
            return
        value = _mean(total, count)
        if value == parent.progress:
            return
        _bump_version(session, parent, None, now)
        record(session, parent, actor, channel, "rollup", parent.progress, value,
               f"Tổng hợp từ {count} nhiệm vụ cấp dưới ({done} đã hoàn thành), sau thay đổi ở nhiệm vụ #{task.id}",
               now)
        parent.progress = value
        session.add(parent)
        session.flush()
        task = parent


def can_confirm_task(session: Session, user: User, task: Task) -> bool:
    """The office confirms a directive's task; the delegating unit confirms its children."""
    if task.parent_id is not None:
        return permissions.is_delegating_unit(session, user, task)
    return permissions.can_confirm(user)


def check_confirmable(session: Session, task: Task) -> None:
    if open_children(session, task):
        raise ServiceError("Còn nhiệm vụ của đơn vị cấp dưới chưa hoàn thành; đơn vị chủ trì cần xác nhận "
                           "hoặc đóng (nêu lý do) trước", code="children_open", status=409)


def close_child(session: Session, user: User, child: Task, *, reason: str, channel: str = "web",
                now: datetime | None = None) -> Task:
    """The delegating unit closes an open child with a reason (it no longer holds the parent back)."""
    from tracker.services.tasks import _bump_version
    from tracker.services.tasks import record

    if child.parent_id is None or not permissions.is_delegating_unit(session, user, child):
        raise Forbidden("Chỉ đơn vị giao nhiệm vụ được đóng nhiệm vụ của đơn vị cấp dưới")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Cần nêu lý do đóng nhiệm vụ", code="reason_required", status=422)
    if child.status in (DONE, CANCELLED):
        raise ServiceError("Nhiệm vụ đã hoàn thành hoặc đã hủy", code="closed", status=409)
    _bump_version(session, child, None, now)
    record(session, child, user, channel, "status", child.status, DONE, f"Đóng bởi đơn vị giao: {reason}", now)
    child.status = DONE
    if child.completed_on is None:
        child.completed_at, child.completed_on = utc_now(now), local_today(now)
    session.add(child)
    session.flush()
    roll_up(session, child, user, channel, now)
    return child
