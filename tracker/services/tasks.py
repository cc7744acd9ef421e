"""The task workflow: status changes, progress, completion and its confirmation, extensions.

Every change writes a TaskEvent (who, when, channel, old and new value) and bumps the
task's version with a guarded UPDATE, so two concurrent writers cannot both win.
"""
import contextlib
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy import orm as sa_orm
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import select

from tracker.models import TASK_STATUSES
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import User
from tracker.services import Conflict
from tracker.services import Forbidden
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services import permissions
from tracker.services.clock import format_date
from tracker.services.clock import local_today
from tracker.services.clock import utc_now
from tracker.services.search import task_search_clause
from tracker.vocab import SEES_EVERYTHING
from tracker.vocab import UNIT_ROLES

# Statuses the lead unit may set itself; hoan_thanh/tra_lai are the clerk's decision.
LEAD_SETTABLE = ("chua_thuc_hien", "dang_thuc_hien", "cho_xac_nhan", "tam_dung")
CLOSED = ("hoan_thanh", "da_huy")  # confirmed or cancelled: the unit changes nothing until the office reopens
CLOSED_MESSAGE = {
    "hoan_thanh": "Nhiệm vụ đã được Văn phòng xác nhận hoàn thành; không thể thay đổi cho đến khi Văn phòng mở lại.",
    "da_huy": "Nhiệm vụ đã bị hủy; không thể thay đổi cho đến khi Văn phòng mở lại.",
}


def refuse_if_closed(task: Task) -> None:
    """409 `closed` for a confirmed or cancelled task (pages, API and the bot share this)."""
    if task.status in CLOSED:
        raise ServiceError(CLOSED_MESSAGE[task.status], code="closed", status=409)


def get_task_for(session: Session, user: User, task_id: int) -> Task:
    """A task the user may see; 404 otherwise (so ids of other units' tasks leak nothing)."""
    task = session.get(Task, task_id)
    if task is None or not permissions.can_view_task(session, user, task):
        raise NotFound("Không tìm thấy nhiệm vụ")
    return task


def record(session: Session, task: Task, actor: User | None, channel: str, kind: str,
           old=None, new=None, note: str | None = None, now: datetime | None = None) -> TaskEvent:
    event = TaskEvent(
        task_id=task.id,
        actor_id=actor.id if actor else None,
        at=utc_now(now),
        channel=channel,
        kind=kind,
        old_value=None if old is None else str(old),
        new_value=None if new is None else str(new),
        note=note,
    )
    session.add(event)
    return event


def _bump_version(session: Session, task: Task, expected: int | None, now: datetime | None) -> None:
    """Compare-and-set on `version`; raises Conflict when someone else changed the task first."""
    current = task.version if expected is None else expected
    if not isinstance(current, int) or isinstance(current, bool) or not 0 <= current < 2**31 - 1:
        raise Conflict("Phiên bản nhiệm vụ không hợp lệ. Vui lòng tải lại trang và thử lại.")
    result = session.execute(
        update(Task)
        .where(Task.id == task.id, Task.version == current)
        .values(version=current + 1, updated_at=utc_now(now))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("Nhiệm vụ vừa được người khác cập nhật. Vui lòng tải lại trang và thử lại.")
    session.refresh(task)


def update_task(
    session: Session,
    user: User,
    task_id: int,
    *,
    version: int | None,
    status: str | None = None,
    progress: int | None = None,
    note: str | None = None,
    channel: str = "web",
    now: datetime | None = None,
) -> Task:
    """Apply a status/progress/note update from a unit (or a clerk's note). Does not commit."""
    task = get_task_for(session, user, task_id)
    if user.role not in ("clerk", "admin"):
        refuse_if_closed(task)  # the unit's progress, state or note on a closed task
    if status is not None and status not in TASK_STATUSES:
        raise ServiceError(f"Trạng thái '{status}' không hợp lệ", code="invalid_state", status=422)
    if progress is not None and (not isinstance(progress, int) or isinstance(progress, bool)
                                 or not 0 <= progress <= 100):
            raise ServiceError("Tiến độ phải là số nguyên từ 0 đến 100", code="invalid_progress", status=422)
    note = (note or "").strip() or None
    if note and len(note) > 5000:
        raise ServiceError("Ghi chú quá dài (tối đa 5000 ký tự)", code="too_long", status=422)
    changes_state = ((status is not None and status != task.status)
                     or (progress is not None and progress != task.progress))
    if changes_state and not permissions.can_change_status(user, task):
        raise Forbidden("Chỉ đơn vị chủ trì được cập nhật trạng thái, tiến độ của nhiệm vụ này")
    if not changes_state and note and not permissions.can_add_note(session, user, task):
        raise Forbidden("Bạn không có quyền ghi nhận tiến độ cho nhiệm vụ này")
    if status is not None and status != task.status:
        refuse_if_closed(task)
        if status not in LEAD_SETTABLE:
            raise Forbidden("Trạng thái này do Văn phòng xác nhận")
    if not changes_state and not note:
        raise ServiceError("Không có thay đổi nào", code="no_change", status=422)
    if progress is not None and progress != task.progress:
        from tracker.services import delegation

        if delegation.has_counted_children(session, task):
            raise ServiceError("Tiến độ của nhiệm vụ này được tổng hợp từ các nhiệm vụ đã giao cho đơn vị cấp dưới",
                               code="progress_from_children", status=422)

    _bump_version(session, task, version, now)
    if status is not None and status != task.status:
        record(session, task, user, channel, "status", task.status, status, note, now)
        if status == "cho_xac_nhan":
            task.completed_at = utc_now(now)
            task.completed_on = local_today(now)
            if progress is None:
                progress = 100
        elif task.status == "cho_xac_nhan":
            task.completed_at = None
            task.completed_on = None
        task.status = status
        note_recorded = True
    else:
        note_recorded = False
    if progress is not None and progress != task.progress:
        record(session, task, user, channel, "progress", task.progress, progress, None if note_recorded else note, now)
        task.progress = progress
        note_recorded = True
    if note and not note_recorded:
        record(session, task, user, channel, "note", None, None, note, now)
    if note and permissions.is_lead(user, task):
        task.result_note = note
    session.add(task)
    session.flush()
    if changes_state and task.parent_id is not None:
        from tracker.services import delegation

        delegation.roll_up(session, task, user, channel, now)
    return task


def record_conflict(session: Session, user: User, task_id: int, *, expected_version: int | None,
                    status: str | None = None, progress=None, note: str | None = None, channel: str = "web",
                    now: datetime | None = None) -> TaskEvent | None:
    """Keep a refused (stale-version) update in the history as a "conflict" event.

    Call it after rolling back the refused transaction, then commit: the task is unchanged,
    but the history shows who tried to change what, against which version. Nothing is
    written for a task the user may not see."""
    import json

    task = session.get(Task, task_id)
    if task is None or not permissions.can_view_task(session, user, task):
        return None
    attempted = {k: v for k, v in (("status", status), ("progress", progress), ("note", (note or "").strip() or None))
                 if v is not None}
    parts = []
    if status is not None:
        parts.append(f"trạng thái {TASK_STATUSES.get(status, status)}")
    if progress is not None:
        parts.append(f"tiến độ {progress}%")
    if attempted.get("note"):
        parts.append("ghi chú: " + attempted["note"][:500])
    summary = (f"Thay đổi không được lưu vì nhiệm vụ đã được cập nhật trước (bạn sửa phiên bản {expected_version}, "
               f"hiện là {task.version})." + (" Nội dung định gửi: " + "; ".join(parts) if parts else ""))
    return record(session, task, user, channel, "conflict", expected_version,
                  json.dumps(attempted, ensure_ascii=False, sort_keys=True, default=str)[:4000], summary, now)


def confirm_completion(session: Session, user: User, task_id: int, *, version: int | None = None,
                       channel: str = "web", now: datetime | None = None) -> Task:
    """The clerk confirms a reported completion; a recurring task opens its next occurrence.

    A delegated task (issue 16) is confirmed by the unit that delegated it, and a task
    is not confirmed while one of its children is open."""
    from tracker.services import delegation

    task = get_task_for(session, user, task_id)
    if not delegation.can_confirm_task(session, user, task):
        raise Forbidden("Chỉ Văn phòng (hoặc đơn vị giao, với nhiệm vụ của cấp dưới) được xác nhận hoàn thành")
    if task.status != "cho_xac_nhan":
        raise ServiceError("Nhiệm vụ không ở trạng thái chờ xác nhận", code="invalid_state", status=409)
    delegation.check_confirmable(session, task)
    _bump_version(session, task, version, now)
    record(session, task, user, channel, "status", task.status, "hoan_thanh", "Xác nhận hoàn thành", now)
    task.status = "hoan_thanh"
    task.progress = 100
    if task.completed_on is None:
        task.completed_at, task.completed_on = utc_now(now), local_today(now)
    session.add(task)
    cancel_pending_extensions(session, task, user, "Tự hủy: nhiệm vụ đã được xác nhận hoàn thành", channel, now)
    session.flush()
    delegation.roll_up(session, task, user, channel, now)
    if task.recurrence and task.deadline:
        open_next_occurrence(session, task, user, channel, now)
    return task


def return_completion(session: Session, user: User, task_id: int, *, reason: str, version: int | None = None,
                      channel: str = "web", now: datetime | None = None) -> Task:
    from tracker.services import delegation

    task = get_task_for(session, user, task_id)
    if not delegation.can_confirm_task(session, user, task):
        raise Forbidden("Chỉ Văn phòng (hoặc đơn vị giao, với nhiệm vụ của cấp dưới) được trả lại nhiệm vụ")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Cần nêu lý do trả lại", code="reason_required", status=422)
    if task.status != "cho_xac_nhan":
        raise ServiceError("Nhiệm vụ không ở trạng thái chờ xác nhận", code="invalid_state", status=409)
    _bump_version(session, task, version, now)
    record(session, task, user, channel, "status", task.status, "tra_lai", reason, now)
    task.status = "tra_lai"
    task.completed_at = None
    task.completed_on = None
    session.add(task)
    session.flush()
    delegation.roll_up(session, task, user, channel, now)
    return task


def next_occurrence(recurrence: str, after: date) -> date | None:
    """The first occurrence strictly after `after` (the parser's grammar knows the rules)."""
    from datetime import timedelta

    from tracker.parsing.deadlines import resolve_recurrence_first

    return resolve_recurrence_first(recurrence, after + timedelta(days=1))


def open_next_occurrence(session: Session, task: Task, actor: User | None, channel: str,
                         now: datetime | None = None) -> Task | None:
    from tracker.models import TaskCoUnit

    nxt = next_occurrence(task.recurrence, task.deadline)
    if nxt is None:
        return None
    series = task.series_id or task.id
    exists = session.exec(select(Task).where(Task.series_id == series, Task.deadline == nxt)).first()
    if exists:
        return exists
    new = Task(
        directive_id=task.directive_id, lead_unit_id=task.lead_unit_id, owner_text=task.owner_text,
        co_owner_texts=list(task.co_owner_texts), action=task.action, source_start=task.source_start,
        source_end=task.source_end, deadline=nxt, deadline_text=task.deadline_text,
        recurrence=task.recurrence, series_id=series, urgent=task.urgent, search_text=task.search_text,
        created_at=utc_now(now), updated_at=utc_now(now),
    )
    session.add(new)
    session.flush()
    for unit_id in permissions.co_unit_ids(session, task):
        session.add(TaskCoUnit(task_id=new.id, unit_id=unit_id))
    record(session, new, actor, channel, "created", None, format_date(nxt),
           f"Kỳ tiếp theo của nhiệm vụ #{task.id}", now)
    session.flush()
    return new


def request_extension(session: Session, user: User, task_id: int, *, new_date: date, reason: str,
                      channel: str = "web", now: datetime | None = None) -> ExtensionRequest:
    task = get_task_for(session, user, task_id)
    if not permissions.can_change_status(user, task):
        raise Forbidden("Chỉ đơn vị chủ trì được xin gia hạn")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Cần nêu lý do xin gia hạn", code="reason_required", status=422)
    refuse_if_closed(task)
    if task.deadline and new_date <= task.deadline:
        raise ServiceError("Hạn mới phải sau hạn hiện tại", code="invalid_date", status=422)
    if new_date < local_today(now):
        raise ServiceError("Hạn mới không được ở quá khứ", code="invalid_date", status=422)
    # Serialize requests for one task: touching the row takes its lock (PostgreSQL) or the
    # write lock (SQLite) before the check below, so two requests at once cannot both pass it.
    session.execute(update(Task).where(Task.id == task.id).values(updated_at=utc_now(now))
                    .execution_options(synchronize_session=False))
    pending = session.exec(select(ExtensionRequest).where(
        ExtensionRequest.task_id == task.id, ExtensionRequest.status == "pending")).first()
    if pending:
        raise ServiceError("Đã có một đề nghị gia hạn đang chờ quyết định", code="pending_exists", status=409)
    req = ExtensionRequest(task_id=task.id, requested_by_id=user.id, old_deadline=task.deadline,
                           requested_date=new_date, reason=reason, created_at=utc_now(now))
    session.add(req)
    record(session, task, user, channel, "extension_requested", format_date(task.deadline), format_date(new_date),
           reason, now)
    session.flush()
    return req


def cancel_pending_extensions(session: Session, task: Task, actor: User | None, note: str, channel: str,
                              now: datetime | None = None) -> int:
    """Close every pending extension request of the task (confirmation, cancellation)."""
    result = session.execute(
        update(ExtensionRequest)
        .where(ExtensionRequest.task_id == task.id, ExtensionRequest.status == "pending")
        .values(status="cancelled", decided_by_id=actor.id if actor else None, decided_at=utc_now(now),
                decision_note=note)
        .execution_options(synchronize_session=False))
    if result.rowcount:
        record(session, task, actor, channel, "extension_cancelled", None, None, note, now)
    return result.rowcount


def decide_extension(session: Session, user: User, request_id: int, *, approve: bool, note: str | None = None,
                     granted_date: date | None = None, channel: str = "web",
                     now: datetime | None = None) -> ExtensionRequest:
    """Approve (with the date asked, or another date the approver grants) or reject a request.

    Refused on a confirmed or cancelled task: a late task cannot be turned on time after
    the fact. The unit is told the decision and its note."""
    if not permissions.can_decide_extension(user):
        raise Forbidden("Bạn không có quyền quyết định gia hạn")
    req = session.get(ExtensionRequest, request_id)
    if req is None:
        raise NotFound("Không tìm thấy đề nghị gia hạn")
    if req.status != "pending":
        raise ServiceError("Đề nghị này đã được quyết định hoặc đã tự hủy", code="already_decided", status=409)
    task = session.get(Task, req.task_id)
    if task.status in CLOSED:
        raise ServiceError("Nhiệm vụ đã đóng (đã xác nhận hoàn thành hoặc đã hủy); không thể quyết định gia hạn",
                           code="closed", status=409)
    note = (note or "").strip() or None
    if note and len(note) > 2000:
        raise ServiceError("Ý kiến quá dài (tối đa 2000 ký tự)", code="too_long", status=422)
    new_deadline = granted_date or req.requested_date
    if approve and task.deadline and new_deadline <= task.deadline:
        raise ServiceError("Hạn được duyệt phải sau hạn hiện tại", code="invalid_date", status=422)
    # Claim the pending request with a guarded UPDATE: of two people deciding at once, the
    # second finds it decided (found by tests/hardening/test_concurrency.py).
    claimed = session.execute(
        update(ExtensionRequest)
        .where(ExtensionRequest.id == req.id, ExtensionRequest.status == "pending")
        .values(status="approved" if approve else "rejected", decided_by_id=user.id, decided_at=utc_now(now),
                decision_note=note, granted_date=new_deadline if approve else None)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ServiceError("Đề nghị này vừa được người khác quyết định", code="already_decided", status=409)
    session.refresh(req)
    if approve:
        _bump_version(session, task, None, now)
        why = f"Duyệt gia hạn: {req.reason}"
        if new_deadline != req.requested_date:
            why += f" (đơn vị đề nghị {format_date(req.requested_date)}, được duyệt {format_date(new_deadline)})"
        if note:
            why += f". Ý kiến: {note}"
        record(session, task, user, channel, "deadline", format_date(task.deadline), format_date(new_deadline),
               why, now)
        task.deadline = new_deadline
        task.deadline_text = format_date(new_deadline)
        session.add(task)
        text = f"Đề nghị gia hạn nhiệm vụ #{task.id} đã được duyệt: hạn mới {format_date(new_deadline)}."
    else:
        record(session, task, user, channel, "extension_rejected", format_date(task.deadline),
               format_date(req.requested_date), note, now)
        text = f"Đề nghị gia hạn nhiệm vụ #{task.id} đến {format_date(req.requested_date)} không được duyệt."
    if note:
        text += f" Ý kiến: {note}"
    from tracker.followup import outbox

    outbox.enqueue(session, recipient_ids=unit_user_ids(session, [task.lead_unit_id]) | {req.requested_by_id},
                   kind="extension_decided", text=text, now=utc_now(now), task_id=task.id,
                   dedupe=f"extension_decided:r{req.id}")
    session.flush()
    return req


def unit_user_ids(session: Session, unit_ids) -> set[int]:
    """Active users of these units (who are told about changes to their tasks)."""
    ids = [u for u in set(unit_ids) if u is not None]
    if not ids:
        return set()
    return set(session.exec(select(User.id).where(User.unit_id.in_(ids), User.active == sa.true())).all())


def history(session: Session, task: Task) -> list[TaskEvent]:
    return list(session.exec(select(TaskEvent).where(TaskEvent.task_id == task.id)
                             .order_by(TaskEvent.at, TaskEvent.id)).all())


# --- Listing (pages and API share one query) -------------------------------------------

# A search with at most this many matches reads them all in one scan, ordered in SQL, and
# keeps their ids (services.search.cached_search_ids); a broader one counts, then walks.
SEARCH_SORT_IN_PYTHON = 20000

def _scope_conditions(user: User, own_unit_only: bool, coordinated_only: bool) -> list:
    """WHERE clauses: what the user may see, narrowed to the tasks their unit leads or coordinates.

    The visibility clause is left out when a narrowing implies it: a unit always sees the
    tasks it leads or coordinates, and `lead OR co OR info OR delegated` AND `lead` is
    `lead`. Without the OR the unit's count is one range of ix_task_unit_deadline instead
    of a scan testing four conditions per row (issue #18)."""
    from tracker.models import TaskCoUnit

    conditions = []
    narrowed = (own_unit_only or coordinated_only) and user.role in UNIT_ROLES and user.unit_id is not None
    visible = None if narrowed else permissions.visible_tasks_clause(user)
    if visible is not None:
        conditions.append(visible)
    if own_unit_only:
        conditions.append(Task.lead_unit_id == (user.unit_id or -1))
    if coordinated_only:
        conditions.append(Task.id.in_(select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == (user.unit_id or -1))))
    return conditions


def _counts_key(user: User, **parts) -> tuple | None:
    """A cache key for a count over the task list's conditions, or None when the result
    may change without the task data version moving (see services/cache.py): only counts
    whose conditions read Task columns alone are cached, i.e. a user who sees everything
    or a unit's own lead tasks, without the pending-extension filter (a rejected request
    changes no task row)."""
    if parts.get("pending_extension") or parts.get("coordinated_only"):
        return None
    if user.role in SEES_EVERYTHING:
        who = "all"
    elif parts.get("own_unit_only") and user.role in UNIT_ROLES and user.unit_id is not None:
        who = ("lead", user.unit_id)
    else:
        return None
    return (who, *sorted(parts.items()))


def _cached(session: Session, kind: str, key: tuple | None, compute, version: tuple | None = None):
    """`compute()` reused per data version when `key` is not None (services/cache.py)."""
    if key is None:
        return compute()
    from tracker.services.cache import cache_for
    from tracker.services.cache import data_version

    version = version if version is not None else data_version(session)
    return cache_for(session, "task_counts").get_or_compute((kind, key, version), compute)


# The columns a task list row carries (pages: `LIST_COLUMNS`; the API: every field of
# its JSON): a row is a named tuple with these attributes, not an ORM object, so a page
# of rows costs no identity-map work and never reads search_text or the source offsets.
LIST_COLUMNS = ("id", "action", "directive_id", "recurrence", "deadline", "status", "progress")
API_COLUMNS = ("id", "directive_id", "lead_unit_id", "owner_text", "assignee_id", "parent_id", "action",
               "deadline", "deadline_text", "recurrence", "series_id", "urgent", "status", "progress",
               "result_note", "completed_on", "updated_at", "version")


def list_tasks(session: Session, user: User, *, today: date, due_soon_days: int = 3, unit_id: int | None = None,
               state: str | None = None, status: str | None = None, directive_id: int | None = None,
               q: str | None = None, page: int = 1, per_page: int = 50, own_unit_only: bool = False,
               coordinated_only: bool = False, pending_extension: bool = False, assignee_id: int | None = None,
               columns: tuple[str, ...] | None = None, with_directive_code: bool = False,
               version: tuple | None = None):
    """One page of the tasks `user` may see, sorted by deadline (none last), with the total.

    Filtering, the deadline state and paging all run in SQL (deadline_state_sql /
    state_filter_sql), so a page costs two queries whatever the table size. Returns
    (rows, total) where each row is (task, deadline_state, lead_unit_name). With
    `columns` (names of Task fields, e.g. LIST_COLUMNS) `task` is a row with just those
    attributes (plus `directive_code` with `with_directive_code`), read without the ORM.
    The total of a list that depends on task rows only is kept per data version
    (`version`: services.cache.data_version when the caller has read it already)."""
    from sqlalchemy import func as sa_func

    from tracker.deadline_state import STATES
    from tracker.deadline_state import state_filter_sql

    conditions = _scope_conditions(user, own_unit_only, coordinated_only)
    if pending_extension:
        conditions.append(Task.id.in_(select(ExtensionRequest.task_id).where(ExtensionRequest.status == "pending")))
    if unit_id is not None:
        conditions.append(Task.lead_unit_id == unit_id)
    if assignee_id is not None:  # "Việc của tôi" (issue 16)
        conditions.append(Task.assignee_id == assignee_id)
    if state:
        if state not in STATES:
            raise ServiceError(f"Trạng thái hạn '{state}' không hợp lệ", code="invalid_state", status=422)
        conditions.append(state_filter_sql(Task, state, today, due_soon_days))
    if status:
        if status not in TASK_STATUSES:
            raise ServiceError(f"Trạng thái '{status}' không hợp lệ", code="invalid_status", status=422)
        conditions.append(Task.status == status)
    if directive_id is not None:
        conditions.append(Task.directive_id == directive_id)
    if q and q.strip():
        conditions.append(task_search_clause(q, session.get_bind().dialect.name))
    offset = (max(page, 1) - 1) * per_page
    reader = _RowReader(today, due_soon_days, columns, with_directive_code)
    if q and q.strip():
        # A search: one scan for the matches (at most SEARCH_SORT_IN_PYTHON of them), in
        # the list's order. Walking the deadline index instead would visit most rows to fill
        # one page; a count and a walk would scan the matches twice.
        from tracker.services.search import cached_search_ids

        found = cached_search_ids(session, select(Task.id).where(*conditions)
                                  .order_by(Task.deadline.is_(None), Task.deadline, Task.id)
                                  .limit(SEARCH_SORT_IN_PYTHON + 1), SEARCH_SORT_IN_PYTHON)
        if found is not None:
            ids = list(found[offset:offset + per_page])
            return (reader.by_ids(session, ids) if ids else []), len(found)
    # One scan counts both the total and the dated tasks; the page is then read in two
    # index-ordered segments (dated tasks by deadline, then undated ones), because sorting
    # on "deadline IS NULL" would defeat the deadline indexes and sort every match.
    count_stmt = select(sa_func.count(), sa_func.count(Task.deadline)).select_from(Task).where(*conditions)
    if q and q.strip():  # a broad search: its count is a scan, kept while the data is unchanged
        from tracker.services.search import cached_search_rows

        total, dated = cached_search_rows(session, count_stmt)[0]
    else:
        key = _counts_key(user, own_unit_only=own_unit_only, coordinated_only=coordinated_only,
                          pending_extension=pending_extension, unit_id=unit_id, assignee_id=assignee_id,
                          state=state, status=status, directive_id=directive_id, today=today,
                          due_soon_days=due_soon_days)
        total, dated = _cached(session, "total", key, lambda: tuple(session.exec(count_stmt).one()), version)
    # a broad search walks the deadline index testing each row's text: ids first, so the
    # planner keeps that walk (with the row columns and joins it scanned the matches, 130 ms)
    direct = not (q and q.strip())
    return _page_by_index(session, reader, conditions, dated, total, offset, per_page, direct), total


# Up to this offset a segment query reads the rows themselves (one query per segment);
# deeper pages first walk the index for the ids alone, so the skipped rows cost no heap
# reads or joins, then read the page by id.
DIRECT_OFFSET_MAX = 300


class _RowReader:
    """Reads list rows: (Task, deadline_state, lead unit name), or with `columns` a named
    tuple of just those Task fields (plus `directive_code`) in one Core query, no ORM."""

    def __init__(self, today: date, due_soon_days: int, columns, with_directive_code: bool):
        from sqlalchemy import select as core_select

        from tracker.deadline_state import deadline_state_sql
        from tracker.models import Directive
        from tracker.models import Unit

        state_col = deadline_state_sql(Task, today, due_soon_days).label("deadline_state")
        self.lean = columns is not None
        if not self.lean:
            self.base = select(Task, state_col, Unit.name).join(Unit, Unit.id == Task.lead_unit_id)
            return
        names = tuple(columns) + (("directive_code",) if with_directive_code else ())
        self.row_type, self.width = _row_type(names), len(names)
        extra = [Directive.code] if with_directive_code else []
        base = core_select(*(getattr(Task, c) for c in columns), *extra, state_col, Unit.name) \
            .select_from(Task).join(Unit, Unit.id == Task.lead_unit_id)
        if with_directive_code:
            base = base.join(Directive, Directive.id == Task.directive_id)
        self.base = base

    def _rows(self, session: Session, stmt) -> list[tuple]:
        if not self.lean:
            return [tuple(r) for r in session.exec(stmt).all()]
        make, w = self.row_type._make, self.width
        return [(make(r[:w]), r[w], r[w + 1]) for r in session.execute(stmt)]

    def segment(self, session: Session, conditions: list, order, offset: int, limit: int) -> list[tuple]:
        return self._rows(session, self.base.where(*conditions).order_by(*order).offset(offset).limit(limit))

    def by_ids(self, session: Session, ids: list[int]) -> list[tuple]:
        by_id = {row[0].id: row for row in self._rows(session, self.base.where(Task.id.in_(ids)))}
        return [by_id[i] for i in ids if i in by_id]


def _page_by_index(session: Session, reader: _RowReader, conditions: list, dated: int, total: int, offset: int,
                   per_page: int, direct: bool = True) -> list[tuple]:
    """Dated tasks by (deadline, id) through the deadline indexes, then undated ones by id."""
    if offset > DIRECT_OFFSET_MAX or not direct:
        ids = _page_ids_by_index(session, conditions, dated, total, offset, per_page, cached=not direct)
        return reader.by_ids(session, ids) if ids else []
    rows: list[tuple] = []
    if offset < dated:
        rows = reader.segment(session, [*conditions, Task.deadline.is_not(None)], (Task.deadline, Task.id),
                              offset, per_page)
    if len(rows) < per_page and total > dated:
        rows += reader.segment(session, [*conditions, Task.deadline.is_(None)], (Task.id,),
                               max(0, offset - dated), per_page - len(rows))
    return rows


_ROW_TYPES: dict = {}


def _row_type(names: tuple[str, ...]):
    """One named-tuple class per column set (built once per process)."""
    row_type = _ROW_TYPES.get(names)
    if row_type is None:
        from collections import namedtuple

        row_type = _ROW_TYPES.setdefault(names, namedtuple("TaskRow", names))
    return row_type


def _page_ids_by_index(session: Session, conditions: list, dated: int, total: int, offset: int,
                       per_page: int, cached: bool = False) -> list[int]:
    """Dated tasks by (deadline, id) through the deadline indexes, then undated ones by id.

    `cached`: a broad search's page, whose index walk tests the text of every row it passes
    (40 to 70 ms on PostgreSQL at 100,000 tasks): its ids are kept per data version like
    the search's count (search.cached_search_rows)."""
    def ids_of(stmt) -> list[int]:
        if cached:
            from tracker.services.search import cached_search_rows

            return [r[0] for r in cached_search_rows(session, stmt)]
        return list(session.exec(stmt).all())

    ids: list[int] = []
    if offset < dated:
        ids = ids_of(select(Task.id).where(*conditions, Task.deadline.is_not(None))
                     .order_by(Task.deadline, Task.id).offset(offset).limit(per_page))
    if len(ids) < per_page and total > dated:
        ids += ids_of(select(Task.id).where(*conditions, Task.deadline.is_(None))
                      .order_by(Task.id).offset(max(0, offset - dated)).limit(per_page - len(ids)))
    return ids


def co_units_for(session: Session, task_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Coordinating units of many tasks in one query: {task_id: [(unit_id, name), ...]}."""
    from tracker.models import TaskCoUnit
    from tracker.models import Unit

    out: dict[int, list[tuple[int, str]]] = {tid: [] for tid in task_ids}
    if not task_ids:
        return out
    rows = session.exec(select(TaskCoUnit.task_id, Unit.id, Unit.name).join(Unit, Unit.id == TaskCoUnit.unit_id)
                        .where(TaskCoUnit.task_id.in_(task_ids)).order_by(Unit.name)).all()
    for task_id, unit_id, name in rows:
        out[task_id].append((unit_id, name))
    return out


# --- Evidence files ----------------------------------------------------------------------

def add_attachment(session: Session, user: User, task_id: int, *, filename: str, data: bytes, upload_dir: str,
                   max_bytes: int, channel: str = "web", now: datetime | None = None):
    """Store an evidence file under `upload_dir` with a generated name and record it. Does not commit.

    Returns the Attachment; its file is on disk already, so a caller that rolls back
    should call `discard_attachment_file`."""
    task = get_task_for(session, user, task_id)
    if not permissions.can_add_note(session, user, task):
        raise Forbidden("Bạn không có quyền gửi minh chứng cho nhiệm vụ này")
    attachment = store_file(session, user, task, filename=filename, data=data, upload_dir=upload_dir,
                            max_bytes=max_bytes, now=now)
    record(session, task, user, channel, "attachment", None, attachment.original_name, None, now)
    session.flush()
    return attachment


def store_file(session: Session, user: User, task: Task, *, filename: str, data: bytes, upload_dir: str,
               max_bytes: int, comment_id: int | None = None, now: datetime | None = None):
    """The one home of the evidence rules, for evidence and files sent with a comment alike:
    the size cap (413), the type sniffed from the bytes against the allowlist (422), the
    served name (real extension, no bidi tricks), a random 128-bit stored name. Does not
    check permissions (the caller does) and does not commit; on a rollback the caller
    calls `discard_attachment_file`."""
    import os
    import secrets

    from tracker.models import Attachment
    from tracker.services.imports import evidence_kind
    from tracker.services.imports import served_name

    if len(data) > max_bytes:
        raise ServiceError(f"Tệp quá lớn (tối đa {max_bytes // (1024 * 1024)} MB)", code="too_large", status=413)
    kind, content_type = evidence_kind(filename, data)
    original = served_name(filename, kind)  # stored as it will be served
    stored = secrets.token_hex(16)
    os.makedirs(upload_dir, exist_ok=True)
    with open(os.path.join(upload_dir, stored), "xb") as fh:
        fh.write(data)
    attachment = Attachment(task_id=task.id, uploaded_by_id=user.id, original_name=original, stored_name=stored,
                            content_type=content_type, size=len(data), comment_id=comment_id,
                            created_at=utc_now(now))
    session.add(attachment)
    session.flush()
    session.info.setdefault("stored_files", []).append((upload_dir, stored))
    return attachment


def _forget_stored_files(session) -> None:
    session.info.pop("stored_files", None)  # committed: the files are the rows' now


def _discard_stored_files(session) -> None:
    """A rolled-back transaction leaves no file behind that `store_file` wrote in it."""
    import os

    for upload_dir, stored in session.info.pop("stored_files", []):
        with contextlib.suppress(OSError):
            os.remove(os.path.join(upload_dir, stored))


sa_event.listen(sa_orm.Session, "after_commit", _forget_stored_files)
sa_event.listen(sa_orm.Session, "after_rollback", _discard_stored_files)


def discard_attachment_file(upload_dir: str, attachment) -> None:
    import os

    with contextlib.suppress(OSError):
        os.remove(os.path.join(upload_dir, attachment.stored_name))


def get_attachment_for(session: Session, user: User, attachment_id: int):
    """An attachment of a task the user may see; 404 otherwise."""
    from tracker.models import Attachment

    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("Không tìm thấy tệp")
    get_task_for(session, user, attachment.task_id)
    return attachment


def state_counts(session: Session, user: User, *, today: date, due_soon_days: int = 3, own_unit_only: bool = False,
                 coordinated_only: bool = False, version: tuple | None = None) -> dict[str, int]:
    """How many of the user's visible tasks are in each deadline state (one GROUP BY query)."""
    from sqlalchemy import func as sa_func

    from tracker.deadline_state import deadline_state_sql

    conditions = _scope_conditions(user, own_unit_only, coordinated_only)
    state_col = deadline_state_sql(Task, today, due_soon_days)
    stmt = select(state_col, sa_func.count()).where(*conditions).group_by(state_col)
    key = _counts_key(user, own_unit_only=own_unit_only, coordinated_only=coordinated_only, today=today,
                      due_soon_days=due_soon_days)
    counts = _cached(session, "states", key, lambda: {state: n for state, n in session.exec(stmt).all()}, version)
    return dict(counts)  # the cached dict is shared: callers get their own
