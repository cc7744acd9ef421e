"""The tracking office's control of published work: correct, cancel, reopen, withdraw.

Only the clerk and the admin act here, always with a reason. Each action is one
compare-and-set on the task's `version` (a correction of several fields is one step in
the task's version sequence), is written to the task history (old → new, who, when, why)
and tells the affected units' users through the outbox.
"""
from dataclasses import dataclass
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.models import CANCELLED
from tracker.models import DRAFT
from tracker.models import PUBLISHED
from tracker.models import RECURRENCE_PATTERN
from tracker.models import REPLACED
from tracker.models import WITHDRAWN
from tracker.models import AuditEvent
from tracker.models import Directive
from tracker.models import Notification
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.services import Forbidden
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services import delegation
from tracker.services import permissions
from tracker.services import tasks as task_service
from tracker.services.clock import format_date
from tracker.services.clock import utc_now
from tracker.services.search import search_text_for_task

CORRECTION_FIELDS = ("lead_unit_id", "co_unit_ids", "action", "deadline", "recurrence")
MAX_REASON = 2000
# reminder kinds addressed to a unit's people about one task (see tracker.followup.policy)
_TASK_REMINDER_KINDS = ("before", "overdue", "escalation", "snooze")


def is_office(user: User) -> bool:
    return user.role in ("clerk", "admin")


def require_office(user: User, message: str) -> None:
    if not is_office(user):
        raise Forbidden(message)


def clean_reason(reason, what: str = "thao tác này") -> str:
    if reason is not None and not isinstance(reason, str):
        raise ServiceError("'reason' (lý do) phải là chuỗi", code="invalid_reason", status=422)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(f"Cần nêu lý do {what}", code="reason_required", status=422)
    if len(reason) > MAX_REASON:
        raise ServiceError(f"Lý do quá dài (tối đa {MAX_REASON} ký tự)", code="too_long", status=422)
    return reason


@dataclass
class Correction:
    """The fields a correction changes; a field left as None is not changed (`clear_*` empties it)."""

    lead_unit_id: int | None = None
    co_unit_ids: list[int] | None = None
    action: str | None = None
    deadline: date | None = None
    clear_deadline: bool = False
    recurrence: str | None = None
    clear_recurrence: bool = False

    def empty(self) -> bool:
        return (self.lead_unit_id is None and self.co_unit_ids is None and self.action is None
                and self.deadline is None and not self.clear_deadline and self.recurrence is None
                and not self.clear_recurrence)


def _unit(session: Session, unit_id, label: str) -> Unit:
    if not isinstance(unit_id, int) or isinstance(unit_id, bool):
        raise ServiceError(f"{label} phải là mã số đơn vị (số nguyên)", code="invalid_unit", status=422)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise ServiceError(f"{label}: không có đơn vị số {unit_id} (hoặc đơn vị đã ngừng hoạt động)",
                           code="invalid_unit", status=422)
    if unit.kind == "group":
        raise ServiceError(f"{label}: “{unit.name}” là một nhóm đơn vị; hãy chọn một đơn vị cụ thể",
                           code="invalid_unit", status=422)
    return unit


def _names(session: Session, ids) -> str:
    ids = list(ids)
    if not ids:
        return "không có"
    rows = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    return ", ".join(sorted(rows.get(i, f"#{i}") for i in ids))


def correct_task(session: Session, user: User, task_id: int, change: Correction, *, version: int | None,
                 reason: str, channel: str = "web", now: datetime | None = None) -> Task:
    """Correct a published task; one version step, one history event per changed field. Does not commit."""
    require_office(user, "Chỉ Văn phòng được điều chỉnh nhiệm vụ đã ban hành")
    reason = clean_reason(reason, "điều chỉnh")
    task = task_service.get_task_for(session, user, task_id)
    if task.status == CANCELLED:
        raise ServiceError("Nhiệm vụ đã bị hủy; hãy mở lại trước khi điều chỉnh", code="closed", status=409)
    old_lead = task.lead_unit_id
    old_co = permissions.co_unit_ids(session, task)
    events: list[tuple[str, str, str]] = []  # (kind, old, new)
    new_lead = old_lead
    if change.lead_unit_id is not None and change.lead_unit_id != old_lead:
        new_lead = _unit(session, change.lead_unit_id, "Đơn vị chủ trì").id
    new_co = old_co
    if change.co_unit_ids is not None:
        if not isinstance(change.co_unit_ids, list):
            raise ServiceError("'co_unit_ids' phải là danh sách mã đơn vị", code="invalid_unit", status=422)
        new_co = {_unit(session, uid, "Đơn vị phối hợp").id for uid in change.co_unit_ids}
    new_co = set(new_co) - {new_lead}
    action = None
    if change.action is not None:
        if not isinstance(change.action, str) or not change.action.strip():
            raise ServiceError("Nội dung nhiệm vụ không được để trống", code="invalid_action", status=422)
        action = change.action.strip()[:5000]
        if action == task.action:
            action = None
    deadline_changes = change.clear_deadline or (change.deadline is not None and change.deadline != task.deadline)
    recurrence = None
    if change.recurrence is not None:
        if not isinstance(change.recurrence, str) or not RECURRENCE_PATTERN.fullmatch(change.recurrence.strip()):
            raise ServiceError("Chu kỳ không hợp lệ (ví dụ: hằng tháng ngày 20 là monthly:20)",
                               code="invalid_recurrence", status=422)
        recurrence = change.recurrence.strip()
    recurrence_changes = (change.clear_recurrence and task.recurrence is not None) or \
        (recurrence is not None and recurrence != task.recurrence)
    if change.clear_deadline and task.deadline is None:
        deadline_changes = False
    if new_lead == old_lead and new_co == old_co and action is None and not deadline_changes \
            and not recurrence_changes:
        raise ServiceError("Không có thay đổi nào so với nhiệm vụ hiện tại", code="no_change", status=422)

    task_service._bump_version(session, task, version, now)  # one step of the version sequence
    if new_lead != old_lead:
        events.append(("corrected_lead", _names(session, [old_lead]), _names(session, [new_lead])))
        record_lead_move(session, user, task.id, old_lead, new_lead, channel, now)
        task.lead_unit_id = new_lead
        lead_name = session.get(Unit, new_lead).name
        task.owner_text = lead_name[:512]
        directive = session.get(Directive, task.directive_id)
        task.search_text = search_text_for_task(task.action, directive, lead_name)
    if new_co != old_co:
        events.append(("corrected_co", _names(session, old_co), _names(session, new_co)))
        session.execute(sa.delete(TaskCoUnit).where(TaskCoUnit.task_id == task.id))
        for uid in sorted(new_co):
            session.add(TaskCoUnit(task_id=task.id, unit_id=uid))
    if action is not None:
        events.append(("corrected_action", task.action[:2000], action[:2000]))
        task.action = action
        directive = session.get(Directive, task.directive_id)
        task.search_text = search_text_for_task(action, directive, session.get(Unit, task.lead_unit_id).name)
    if deadline_changes:
        new_deadline = None if change.clear_deadline else change.deadline
        events.append(("corrected_deadline", format_date(task.deadline) or "không có hạn",
                       format_date(new_deadline) or "không có hạn"))
        task.deadline = new_deadline
        task.deadline_text = format_date(new_deadline) or None
    if recurrence_changes:
        new_rec = None if change.clear_recurrence else recurrence
        events.append(("corrected_recurrence", task.recurrence or "", new_rec or ""))
        task.recurrence = new_rec
    for kind, old, new in events:
        task_service.record(session, task, user, channel, kind, old, new, reason, now)
    session.add(task)
    session.flush()
    if new_lead != old_lead or new_co != old_co:
        _drop_reminders_of_former_units(session, task, {new_lead} | set(new_co), now)
    parts = [f"{CORRECTION_LABELS[k]} {old} → {new}" for k, old, new in events if k != "corrected_action"]
    if action is not None:
        parts.append("nội dung nhiệm vụ")
    text = f"Nhiệm vụ #{task.id} đã được điều chỉnh: {'; '.join(parts)}. Lý do: {reason}"
    _notify(session, {old_lead, new_lead} | old_co | new_co, "corrected", text, task, now)
    return task


def record_lead_move(session: Session, actor: User | None, task_id: int, old_unit: int, new_unit: int, channel: str,
                     now=None) -> None:
    """The move in machine form (unit ids, instant) for reports that count a task for the unit
    that led it at the report's end date; the task history keeps the names for people."""
    session.add(AuditEvent(actor_id=actor.id if actor else None, channel=channel, entity="task", entity_id=task_id,
                           action="lead_unit_moved", old_value=str(old_unit), new_value=str(new_unit),
                           at=utc_now(now)))


CORRECTION_LABELS = {
    "corrected_lead": "đơn vị chủ trì", "corrected_co": "đơn vị phối hợp", "corrected_action": "nội dung",
    "corrected_deadline": "hạn", "corrected_recurrence": "chu kỳ",
}


def _drop_reminders_of_former_units(session: Session, task: Task, unit_ids: set[int], now) -> None:
    """Pending reminders of this task addressed to people no longer on it are not sent."""
    keep = task_service.unit_user_ids(session, unit_ids)
    stmt = (sa.update(Notification)
            .where(Notification.task_id == task.id, Notification.status == "pending",
                   Notification.kind.in_(_TASK_REMINDER_KINDS))
            .values(status="skipped", last_error="Nhiệm vụ đã chuyển cho đơn vị khác")
            .execution_options(synchronize_session=False))
    if keep:
        stmt = stmt.where(Notification.recipient_id.not_in(sorted(keep)))
    session.execute(stmt)


def _notify(session: Session, unit_ids, kind: str, text: str, task: Task, now) -> None:
    from tracker.followup import outbox

    outbox.enqueue(session, recipient_ids=task_service.unit_user_ids(session, unit_ids), kind=kind, text=text,
                   now=utc_now(now), task_id=task.id, dedupe=f"{kind}:t{task.id}:v{task.version}")


def _cancel(session: Session, user: User, task: Task, reason: str, channel: str, now, note: str) -> None:
    """Set one task to `da_huy` (the caller has bumped its version)."""
    task_service.record(session, task, user, channel, "status", task.status, CANCELLED, note, now)
    task.status = CANCELLED
    session.add(task)
    task_service.cancel_pending_extensions(session, task, user, "Tự hủy: nhiệm vụ đã bị hủy", channel, now)
    session.execute(sa.update(Notification)
                    .where(Notification.task_id == task.id, Notification.status == "pending",
                           Notification.kind.in_(_TASK_REMINDER_KINDS))
                    .values(status="skipped", last_error="Nhiệm vụ đã bị hủy")
                    .execution_options(synchronize_session=False))


def cancel_task(session: Session, user: User, task_id: int, *, reason: str, version: int | None,
                channel: str = "web", now: datetime | None = None) -> Task:
    """Cancel a task ("hủy"): it leaves every figure and reminder but stays in the history."""
    require_office(user, "Chỉ Văn phòng được hủy nhiệm vụ")
    reason = clean_reason(reason, "hủy nhiệm vụ")
    task = task_service.get_task_for(session, user, task_id)
    if task.status == CANCELLED:
        raise ServiceError("Nhiệm vụ đã bị hủy trước đó", code="closed", status=409)
    if task.status == "hoan_thanh":
        raise ServiceError("Nhiệm vụ đã hoàn thành; hãy mở lại trước khi hủy", code="closed", status=409)
    task_service._bump_version(session, task, version, now)
    _cancel(session, user, task, reason, channel, now, reason)
    session.flush()
    delegation.roll_up(session, task, user, channel, now)  # a cancelled child leaves its parent's mean
    units = {task.lead_unit_id} | permissions.co_unit_ids(session, task)
    _notify(session, units, "cancelled", f"Nhiệm vụ #{task.id} đã được hủy. Lý do: {reason}", task, now)
    return task


def reopen_task(session: Session, user: User, task_id: int, *, reason: str, version: int | None,
                channel: str = "web", now: datetime | None = None) -> Task:
    """Reopen a confirmed (or cancelled) task: back to `dang_thuc_hien`, completion day cleared."""
    require_office(user, "Chỉ Văn phòng được mở lại nhiệm vụ")
    reason = clean_reason(reason, "mở lại nhiệm vụ")
    task = task_service.get_task_for(session, user, task_id)
    if task.status not in task_service.CLOSED:
        raise ServiceError("Chỉ mở lại được nhiệm vụ đã hoàn thành hoặc đã hủy", code="invalid_state", status=409)
    task_service._bump_version(session, task, version, now)
    task_service.record(session, task, user, channel, "status", task.status, "dang_thuc_hien", f"Mở lại: {reason}",
                        now)
    task.status = "dang_thuc_hien"
    task.completed_on = None
    task.completed_at = None
    session.add(task)
    session.flush()
    delegation.roll_up(session, task, user, channel, now)
    units = {task.lead_unit_id} | permissions.co_unit_ids(session, task)
    _notify(session, units, "reopened", f"Nhiệm vụ #{task.id} đã được Văn phòng mở lại. Lý do: {reason}", task, now)
    return task


def withdraw_directive(session: Session, user: User, directive_id: int, *, reason: str,
                       replaced_by: int | None = None, channel: str = "web",
                       now: datetime | None = None) -> tuple[Directive, list[Task]]:
    """Withdraw ("thu hồi") a published directive, or mark it replaced ("thay thế") by another.

    Its tasks not yet `hoan_thanh` are cancelled (confirmed ones stay as they are). Does not commit."""
    require_office(user, "Chỉ Văn phòng được thu hồi văn bản")
    reason = clean_reason(reason, "thu hồi văn bản")
    directive = session.get(Directive, directive_id)
    if directive is None:
        raise NotFound("Không tìm thấy văn bản")
    if directive.state == DRAFT:
        raise ServiceError("Văn bản còn là bản nháp; hãy xóa bản nháp thay vì thu hồi", code="draft", status=409)
    if directive.state != PUBLISHED:
        raise ServiceError("Văn bản đã được thu hồi hoặc thay thế trước đó", code="withdrawn", status=409)
    newer = None
    if replaced_by is not None:
        if not isinstance(replaced_by, int) or isinstance(replaced_by, bool):
            raise ServiceError("'replaced_by' phải là mã số văn bản (số nguyên)", code="invalid_replaced_by",
                               status=422)
        newer = session.get(Directive, replaced_by)
        if newer is None or newer.id == directive.id or newer.state != PUBLISHED:
            raise ServiceError("Văn bản thay thế phải là một văn bản khác đã ban hành", code="invalid_replaced_by",
                               status=422)
    state = REPLACED if newer else WITHDRAWN
    claimed = session.execute(
        sa.update(Directive).where(Directive.id == directive.id, Directive.state == PUBLISHED)
        .values(state=state, withdrawn_at=utc_now(now), replaced_by_id=newer.id if newer else None,
                version=Directive.version + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ServiceError("Văn bản vừa được người khác thu hồi", code="withdrawn", status=409)
    session.refresh(directive)
    label = f"Thay thế bởi {newer.code or ('văn bản #' + str(newer.id))}" if newer else "Thu hồi văn bản"
    note = f"{label}: {reason}"
    open_tasks = session.exec(select(Task).where(Task.directive_id == directive.id,
                                                 Task.status.not_in(task_service.CLOSED))
                              .order_by(Task.id)).all()
    for task in open_tasks:
        task_service._bump_version(session, task, None, now)
        _cancel(session, user, task, reason, channel, now, note)
    session.add(AuditEvent(actor_id=user.id, channel=channel, entity="directive", entity_id=directive.id,
                           action="replace" if newer else "withdraw", old_value=PUBLISHED,
                           new_value=f"{state}: {reason}"[:2000] + (f" (văn bản #{newer.id})" if newer else ""),
                           at=utc_now(now)))
    session.flush()
    for task in open_tasks:
        units = {task.lead_unit_id} | permissions.co_unit_ids(session, task)
        _notify(session, units, "cancelled",
                f"Nhiệm vụ #{task.id} đã được hủy do văn bản {directive.code or '#' + str(directive.id)} "
                f"{'được thay thế' if newer else 'bị thu hồi'}. Lý do: {reason}", task, now)
    return directive, list(open_tasks)
