"""Task pages: my unit's tasks, all tasks, task detail with history, and the workflow forms.

Every change goes through tracker.services.tasks (the same rules as the API and the
bot). A refused change re-renders the task page with the reason and the matching status
(409 for a stale version); nothing is written in that case.
"""
import math

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from markupsafe import Markup
from markupsafe import escape
from sqlmodel import select

from tracker.db import get_session
from tracker.deadline_state import STATES
from tracker.deadline_state import deadline_state
from tracker.models import TASK_STATUSES
from tracker.models import Attachment
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import Unit
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import inputs
from tracker.services import permissions
from tracker.services import tasks as task_service
from tracker.services.cache import data_version
from tracker.services.clock import local_today
from tracker.services.dates import parse_user_date
from tracker.web.auth import current_user
from tracker.web.auth import login_required
from tracker.web.auth import role_required

bp = Blueprint("tasks", __name__)

PER_PAGE = 30


def _due_soon() -> int:
    return int(current_app.config.get("DUE_SOON_DAYS", 3))


def _page_arg() -> int:
    return inputs.to_int(request.args.get("page"), 1, minimum=1)


def _int_or_none(value) -> int | None:
    return inputs.to_int(value, minimum=-inputs.INT_MAX)


def _listing(template: str, query: dict, version: tuple | None = None, **context):
    """One page of a task list (a lean row per task: services.tasks.LIST_COLUMNS)."""
    session = get_session()
    user = current_user()
    page = _page_arg()
    state = request.args.get("state") or None
    if state not in STATES:
        state = None
    status = request.args.get("status") or None
    if status not in TASK_STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:200]
    rows, total = task_service.list_tasks(
        session, user, today=local_today(), due_soon_days=_due_soon(), state=state, status=status, q=q or None,
        page=page, per_page=PER_PAGE, columns=task_service.LIST_COLUMNS, with_directive_code=True,
        version=version, **query)
    co = task_service.co_units_for(session, [t.id for t, _, _ in rows])
    codes = {t.directive_id: t.directive_code for t, _, _ in rows}
    pages = max(1, math.ceil(total / PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(template, rows=rows, co=co, codes=codes, total=total, page=page, pages=pages,
                           state=state, status=status, q=q, args=args, today=local_today(), **context)


@bp.get("/tasks/mine")
@role_required("staff", "head")
def mine():
    user = current_user()
    if user.unit_id is None:
        abort(403)
    scope = request.args.get("scope") or "lead"
    if scope not in ("lead", "co", "all"):
        scope = "lead"
    query = {"own_unit_only": scope == "lead", "coordinated_only": scope == "co"}
    session = get_session()
    unit = session.get(Unit, user.unit_id)
    version = data_version(session)  # read once: the counts and the total are kept per version
    counts = task_service.state_counts(session, user, today=local_today(), due_soon_days=_due_soon(),
                                       version=version, **query)
    return _listing("tasks/mine.html", query, version=version, unit=unit, scope=scope, counts=counts)


@bp.get("/tasks")
@role_required("clerk", "leader", "admin")
def index():
    session = get_session()
    unit_id = _int_or_none(request.args.get("unit"))
    directive_id = _int_or_none(request.args.get("directive"))
    pending_ext = request.args.get("ext") == "pending"
    units = tuple(tuple(u) for u in session.exec(select(Unit.id, Unit.name).where(Unit.active == sa.true())
                                                  .order_by(Unit.name)).all())
    query = {"unit_id": unit_id, "directive_id": directive_id, "pending_extension": pending_ext}
    return _listing("tasks/index.html", query, unit_options=_unit_options(units, unit_id), **query)


_UNIT_OPTIONS: dict = {}


def _unit_options(units: tuple, selected: int | None) -> Markup:
    """The unit filter's <option>s (300 in a province): built once per list of (id, name)
    rows, which are read fresh every time (a renamed unit shows at once), then only the
    selected one is marked."""
    html = _UNIT_OPTIONS.get(units)
    if html is None:
        html = "".join(f'<option value="{uid}">{escape(name)}</option>' for uid, name in units)
        if len(_UNIT_OPTIONS) > 8:  # a few lists at most (units change rarely)
            _UNIT_OPTIONS.clear()
        _UNIT_OPTIONS[units] = html
    if selected is not None:
        html = html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)
    return Markup(html)


def _detail_context(task: Task) -> dict:
    session = get_session()
    user = current_user()
    today = local_today()
    directive = session.get(Directive, task.directive_id)
    lead = session.get(Unit, task.lead_unit_id)
    present = _present(task.id)

    def has(part: str) -> bool:
        return present is None or present[part]

    co_units = task_service.co_units_for(session, [task.id])[task.id] if has("co_units") else []
    events = task_service.history(session, task)
    requests_ = session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
                             .order_by(ExtensionRequest.created_at.desc())).all() if has("requests") else []
    attachments = session.exec(select(Attachment).where(Attachment.task_id == task.id)
                               .order_by(Attachment.created_at)).all() if has("attachments") else []
    actor_ids = {e.actor_id for e in events} | {r.requested_by_id for r in requests_} | \
        {r.decided_by_id for r in requests_} | {a.uploaded_by_id for a in attachments}
    actor_ids.discard(None)
    actors = session.exec(select(User).where(User.id.in_(actor_ids))).all() if actor_ids else []
    names = {u.id: u.display_name for u in actors}
    actor_units = {u.id: u.unit_id for u in actors}  # a coordinating unit's report is marked as such
    series_root = task.series_id or task.id
    occurrences = []
    if task.recurrence:
        occurrences = session.exec(select(Task).where((Task.id == series_root) | (Task.series_id == series_root))
                                   .order_by(Task.deadline)).all()
    pending = next((r for r in requests_ if r.status == "pending"), None)
    is_lead = permissions.is_lead(user, task)
    closed = task.status in task_service.CLOSED
    office = user.role in ("clerk", "admin")
    return {
        "task": task, "directive": directive, "lead": lead, "co_units": co_units, "events": events,
        "ext_requests": requests_, "attachments": attachments, "names": names, "occurrences": occurrences,
        "actor_units": actor_units,
        "state": deadline_state(task.deadline, task.status, task.completed_on, today, _due_soon()),
        "today": today, "pending_request": pending,
        "can_update": is_lead and not closed,
        "can_note": permissions.can_add_note(session, user, task) and (office or not closed),
        "can_confirm": _can_confirm(session, user, task) and task.status == "cho_xac_nhan",
        "can_request_extension": is_lead and not closed and pending is None,
        "can_decide": permissions.can_decide_extension(user) and pending is not None and not closed,
        "can_correct": office and task.status != "da_huy",
        "can_cancel": office and not closed,
        "can_reopen": office and closed,
        "closed": closed,
        "deadline_history": _deadline_history(task, events, requests_),
        "all_units": session.exec(select(Unit.id, Unit.name).where(Unit.active == sa.true(), Unit.kind != "group")
                                  .order_by(Unit.name)).all() if office else [],
        "lead_statuses": [(s, TASK_STATUSES[s]) for s in task_service.LEAD_SETTABLE],
        "source_span": (directive.source_text[task.source_start:task.source_end]
                        if directive and task.source_start is not None and task.source_end is not None else ""),
        "max_upload_mb": current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
        **_collab_context(task, user, present, attachments),
    }


DEADLINE_EVENTS = ("deadline", "corrected_deadline")


def _deadline_history(task: Task, events, requests_) -> list[dict]:
    """The original deadline, then each change (extension or correction) with who and why."""
    changes = [e for e in events if e.kind in DEADLINE_EVENTS]
    original = changes[0].old_value if changes else (task.deadline.strftime("%d/%m/%Y") if task.deadline else "")
    out = [{"what": "Hạn ban đầu", "date": original or "không có hạn", "actor_id": None, "at": None, "note": None}]
    for e in changes:
        out.append({"what": "Gia hạn" if e.kind == "deadline" else "Điều chỉnh hạn", "date": e.new_value or "",
                    "actor_id": e.actor_id, "at": e.at, "note": e.note})
    return out


def _collab_context(task: Task, user: User, present: dict | None, attachments) -> dict:
    """Officer in charge, discussion, follow, delegation (issue 16; tracker/web/collab.py)."""
    from tracker.web.collab import detail_context

    return detail_context(task, user, present=present, attachments=attachments)


def _confirm_gate(task_id: int) -> None:
    """The office's door (403 for others), except for a delegated task, whose delegating unit
    confirms it (the service decides who exactly)."""
    if current_user().role in ("clerk", "admin"):
        return
    task = get_session().get(Task, task_id)
    if task is None or task.parent_id is None:
        abort(403)


def _can_confirm(session, user, task) -> bool:
    from tracker.services.delegation import can_confirm_task

    return can_confirm_task(session, user, task)


def _render_detail(task: Task, error: str | None = None, status: int = 200, form: dict | None = None):
    context = _detail_context(task)
    return render_template("tasks/detail.html", error=error, form=form or {}, **context), status


def _load(task_id: int) -> Task:
    return task_service.get_task_for(get_session(), current_user(), task_id)


@bp.get("/tasks/<int:task_id>")
@login_required
def detail(task_id: int):
    _prefetch(task_id)
    return _render_detail(_load(task_id))


def _prefetch(task_id: int) -> None:
    """The task, its directive and its lead unit in one query: they land in the session's
    identity map, so the permission check and the page read them without three round trips
    (nothing is shown before `_load` has checked that the user may see the task). The
    identity map holds objects weakly: the rows are kept on `g` for the request."""
    session = get_session()
    present = _present_columns(current_user())
    g.prefetched = session.exec(select(Task, Directive, Unit, *present)
                                .join(Directive, Directive.id == Task.directive_id)
                                .join(Unit, Unit.id == Task.lead_unit_id).where(Task.id == task_id)).all()
    if g.prefetched:
        g.task_present = (task_id, dict(zip((c.name for c in present), g.prefetched[0][3:], strict=True)))


def _present_columns(user: User) -> list:
    """EXISTS flags read with the task: what the page would otherwise query only to find
    nothing (most tasks have no comment, file, extension request or child task). Each is a
    probe of an index on the task id."""
    from sqlalchemy import exists
    from sqlalchemy.orm import aliased

    from tracker.models import TaskComment
    from tracker.models import TaskCoUnit
    from tracker.models import TaskFollow
    from tracker.models import TaskInfoUnit

    child = aliased(Task)
    has_child = child.parent_id == Task.id
    if get_session().get_bind().dialect.name == "sqlite":
        # after ANALYZE, SQLite's statistics count the NULL parent_id of every top-level task as
        # one value matching all rows, and it scans the table (30 ms at 100,000 tasks) instead of
        # probing ix_task_parent_id; likelihood() tells it the condition is selective
        has_child = sa.func.likelihood(has_child, sa.literal_column("0.000001"))
    return [exists().where(TaskCoUnit.task_id == Task.id).label("co_units"),
            exists().where(TaskInfoUnit.task_id == Task.id).label("info_units"),
            exists().where(ExtensionRequest.task_id == Task.id).label("requests"),
            exists().where(Attachment.task_id == Task.id).label("attachments"),
            exists().where(TaskComment.task_id == Task.id).label("comments"),
            exists().where(has_child).label("children"),
            exists().where(TaskFollow.task_id == Task.id, TaskFollow.user_id == user.id).label("following")]


def _present(task_id: int) -> dict | None:
    """The flags of `_prefetch` for this task, or None (then every part is queried)."""
    found = g.get("task_present")
    return found[1] if found is not None and found[0] == task_id else None


def _refused(task_id: int, exc: ServiceError):
    """Roll back, reload the task as it is in the database, and show why."""
    session = get_session()
    session.rollback()
    session.expire_all()
    g.pop("task_present", None)  # read before the refused change: query every part again
    task = _load(task_id)
    message = exc.message
    if exc.status == 409 and exc.code == "conflict":
        if request.endpoint == "tasks.update":  # keep the refused attempt in the history (own transaction)
            task_service.record_conflict(
                session, current_user(), task_id, expected_version=_int_or_none(request.form.get("version")),
                status=request.form.get("state") or None, progress=(request.form.get("progress") or "").strip() or None,
                note=request.form.get("note"))
            session.commit()
        message = ("Nhiệm vụ vừa được người khác cập nhật trước bạn; thay đổi của bạn CHƯA được lưu. "
                   "Trang đã tải lại dữ liệu mới nhất, vui lòng kiểm tra và gửi lại.")
    return _render_detail(task, error=message, status=exc.status, form=request.form.to_dict())


def _form_version() -> int | None:
    value = _int_or_none(request.form.get("version"))
    if value is None:
        raise ServiceError("Thiếu phiên bản của biểu mẫu; vui lòng tải lại trang", code="version_required", status=400)
    return value


@bp.post("/tasks/<int:task_id>/update")
@login_required
def update(task_id: int):
    session = get_session()
    user = current_user()
    upload_dir = current_app.config["UPLOAD_FOLDER"]
    attachment = None
    try:
        task = _load(task_id)
        version = _form_version()
        status = request.form.get("state") or None
        if status == task.status:
            status = None
        progress_raw = (request.form.get("progress") or "").strip()
        progress = None
        if progress_raw:
            progress = inputs.to_int(progress_raw, minimum=-inputs.INT_MAX)
            if progress is None:
                raise ServiceError("Tiến độ phải là số nguyên từ 0 đến 100", code="invalid_progress", status=422)
            if progress == task.progress:
                progress = None
        note = request.form.get("note") or None
        upload = request.files.get("evidence")
        if upload is not None and upload.filename:
            data = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
            attachment = task_service.add_attachment(
                session, user, task.id, filename=upload.filename, data=data, upload_dir=upload_dir,
                max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
        if status is not None or progress is not None or (note and note.strip()) or attachment is None:
            task_service.update_task(session, user, task_id, version=version, status=status, progress=progress,
                                     note=note)
        elif attachment is not None and task.version != version:
            raise task_service.Conflict("stale")
        session.commit()
    except ServiceError as exc:
        if attachment is not None:
            task_service.discard_attachment_file(upload_dir, attachment)
        return _refused(task_id, exc)
    except Exception:
        if attachment is not None:
            task_service.discard_attachment_file(upload_dir, attachment)
        raise
    flash("Đã cập nhật nhiệm vụ." if status != "cho_xac_nhan" else
          "Đã báo hoàn thành; nhiệm vụ chờ Văn phòng xác nhận.", "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/confirm")
@login_required  # the office, or the delegating unit for a child task (services.delegation)
def confirm(task_id: int):
    session = get_session()
    _confirm_gate(task_id)
    try:
        _load(task_id)
        task_service.confirm_completion(session, current_user(), task_id, version=_form_version())
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    flash("Đã xác nhận hoàn thành.", "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/return")
@login_required  # the office, or the delegating unit for a child task (services.delegation)
def return_task(task_id: int):
    session = get_session()
    _confirm_gate(task_id)
    try:
        _load(task_id)
        task_service.return_completion(session, current_user(), task_id, reason=request.form.get("reason", ""),
                                       version=_form_version())
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    flash("Đã trả lại nhiệm vụ cho đơn vị.", "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/extension")
@login_required
def request_extension(task_id: int):
    session = get_session()
    try:
        _load(task_id)
        new_date = parse_user_date(request.form.get("new_date"), "hạn mới", today=local_today())
        if new_date is None:
            raise ServiceError("Cần chọn hạn mới", code="invalid_date", status=422)
        task_service.request_extension(session, current_user(), task_id, new_date=new_date,
                                       reason=request.form.get("reason", ""))
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    flash("Đã gửi đề nghị gia hạn.", "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/extensions/<int:request_id>/decide")
@role_required("clerk", "leader", "admin")
def decide_extension(request_id: int):
    session = get_session()
    req = session.get(ExtensionRequest, request_id)
    if req is None:
        abort(404)
    task_id = req.task_id
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        return _refused(task_id, ServiceError("Quyết định không hợp lệ", status=400))
    try:
        granted = None
        if decision == "approve" and (request.form.get("granted_date") or "").strip():
            granted = parse_user_date(request.form.get("granted_date"), "hạn được duyệt", today=local_today())
        task_service.decide_extension(session, current_user(), request_id, approve=decision == "approve",
                                      note=request.form.get("note"), granted_date=granted)
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    flash("Đã duyệt gia hạn." if decision == "approve" else "Đã từ chối gia hạn.", "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


# --- the office's control of a published task (tracker.services.office) ---------------

def _office_action(task_id: int, run, done: str):
    session = get_session()
    try:
        _load(task_id)
        run(session)
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    flash(done, "success")
    return redirect(url_for("tasks.detail", task_id=task_id))


def _correction_from_form(task: Task):
    """What the correction form changes (fields left as they are change nothing)."""
    from tracker.services import office

    change = office.Correction()
    form = request.form
    lead = _int_or_none(form.get("lead_unit_id"))
    if lead is not None and lead != task.lead_unit_id:
        change.lead_unit_id = lead
    if "co_unit_ids_sent" in form:
        wanted = sorted({i for i in (_int_or_none(v) for v in form.getlist("co_unit_ids")) if i is not None})
        current = sorted(permissions.co_unit_ids(get_session(), task))
        if wanted != current:
            change.co_unit_ids = wanted
    action = (form.get("action") or "").strip()
    if action and action != task.action:
        change.action = action
    if "deadline" in form:
        raw = (form.get("deadline") or "").strip()
        if not raw:
            change.clear_deadline = task.deadline is not None
        else:
            new = parse_user_date(raw, "hạn mới", today=local_today())
            if new != task.deadline:
                change.deadline = new
    if "recurrence" in form:
        rec = (form.get("recurrence") or "").strip()
        if not rec:
            change.clear_recurrence = task.recurrence is not None
        elif rec != (task.recurrence or ""):
            change.recurrence = rec
    return change


@bp.post("/tasks/<int:task_id>/correct")
@role_required("clerk", "admin")
def correct(task_id: int):
    from tracker.services import office

    def run(session):
        task = _load(task_id)
        office.correct_task(session, current_user(), task_id, _correction_from_form(task), version=_form_version(),
                            reason=request.form.get("reason", ""))
    return _office_action(task_id, run, "Đã điều chỉnh nhiệm vụ; các đơn vị liên quan đã được thông báo.")


@bp.post("/tasks/<int:task_id>/cancel")
@role_required("clerk", "admin")
def cancel(task_id: int):
    from tracker.services import office

    return _office_action(task_id, lambda s: office.cancel_task(
        s, current_user(), task_id, reason=request.form.get("reason", ""), version=_form_version()),
        "Đã hủy nhiệm vụ; nhiệm vụ không còn được tính vào số liệu và nhắc việc.")


@bp.post("/tasks/<int:task_id>/reopen")
@role_required("clerk", "admin")
def reopen(task_id: int):
    from tracker.services import office

    return _office_action(task_id, lambda s: office.reopen_task(
        s, current_user(), task_id, reason=request.form.get("reason", ""), version=_form_version()),
        "Đã mở lại nhiệm vụ; đơn vị có thể cập nhật tiếp.")


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    attachment_row = task_service.get_attachment_for(get_session(), current_user(), attachment_id)
    return send_attachment(attachment_row)


def send_attachment(attachment_row):
    """The one way a stored file is served (page and API): as a download under a safe name,
    with nosniff and a sandbox CSP."""
    import os

    path = os.path.join(current_app.config["UPLOAD_FOLDER"], attachment_row.stored_name)
    if not os.path.isfile(path):
        abort(404)
    from tracker.services.imports import kind_for_content_type
    from tracker.services.imports import served_name

    # the name again through served_name: files stored before the rule get a safe name too
    name = served_name(attachment_row.original_name, kind_for_content_type(attachment_row.content_type))
    response = send_file(path, mimetype=attachment_row.content_type.split(";")[0], as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
