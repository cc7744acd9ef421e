"""Pages of issue 16: "Việc của tôi" (/tasks/assigned), the inbox (/thong-bao) and its
bell, and the task page's forms for the officer in charge, the discussion, following,
delegation and closing a child; print views and the help page (/huong-dan).

Every change goes through tracker.services.collab / delegation (the API's rules).
"""
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlmodel import select

from tracker.db import get_session
from tracker.models import Directive
from tracker.models import Notification
from tracker.models import Task
from tracker.models import Unit
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import collab
from tracker.services import delegation
from tracker.services import inbox
from tracker.services import permissions
from tracker.services import tasks as task_service
from tracker.services.clock import local_today
from tracker.web.auth import current_user
from tracker.web.auth import login_required
from tracker.web.auth import role_required

bp = Blueprint("collab", __name__)


@bp.app_context_processor
def _bell():
    """The bell's unread count: one COUNT on the inbox index, only when a page asks for it."""
    def unread() -> int:
        user = g.get("user")
        if user is None:
            return 0
        if "inbox_unread" not in g:
            g.inbox_unread = inbox.unread_count(get_session(), user.id)
        return g.inbox_unread

    return {"inbox_unread": unread}


def detail_context(task: Task, user: User, *, present: dict | None = None, attachments=None) -> dict:
    """What the task page needs for issue 16, in a fixed number of queries. `present` (the
    task page's EXISTS flags, tracker/web/tasks.py) skips the parts known to be empty;
    `attachments` (all of the task's files, already read) gives the comments' files."""
    session = get_session()

    def has(part: str) -> bool:
        return present is None or present[part]

    assignee = session.get(User, task.assignee_id) if task.assignee_id else None
    children = delegation.children_of(session, task) if has("children") else []
    parent = session.get(Task, task.parent_id) if task.parent_id else None
    can_assign = collab.can_assign(session, user, task) and task.status != "hoan_thanh"
    can_delegate = delegation.can_delegate(session, user, task) and task.status != "hoan_thanh"
    return {
        "assignee": assignee,
        "officers": collab.unit_officers(session, task.lead_unit_id) if can_assign else [],
        "can_assign": can_assign,
        "comments": collab.comments_of(session, task) if has("comments") else [],
        "comment_files": collab.comment_files(session, task, attachments) if has("comments") else {},
        "can_comment": permissions.can_view_task(session, user, task),
        "can_direct": user.role == "leader",
        "following": present["following"] if present is not None else collab.is_following(session, user, task),
        "info_units": collab.info_units_for(session, [task.id])[task.id] if has("info_units") else [],
        "children": children,
        "rollup": delegation.rollup(children),
        "parent": parent,
        "can_delegate": can_delegate,
        "subordinates": delegation.subordinate_units(session, task.lead_unit_id) if can_delegate else [],
        "can_close_children": bool(children) and permissions.is_lead(user, task),
        "is_coordinator": permissions.is_coordinator(session, user, task),
        "is_info_unit": permissions.is_info_unit(session, user, task),
    }


def _back(task_id: int, message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for("tasks.detail", task_id=task_id))


def _refused(task_id: int, exc: ServiceError):
    from tracker.web.tasks import _refused as tasks_refused

    return tasks_refused(task_id, exc)


def _form_int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ServiceError(f"Giá trị '{name}' không hợp lệ", code="invalid_parameter", status=422) from None


# --- "Việc của tôi" -------------------------------------------------------------------

@bp.get("/tasks/assigned")
@role_required("staff", "head")
def assigned():
    from tracker.web.tasks import _listing

    user = current_user()
    unit = get_session().get(Unit, user.unit_id) if user.unit_id else None
    return _listing("tasks/assigned.html", {"assignee_id": user.id}, unit_allows=bool(unit and unit.staff_may_assign))


# --- task page forms --------------------------------------------------------------------

@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int):
    session = get_session()
    try:
        task = task_service.get_task_for(session, current_user(), task_id)
        version = _form_int("version")
        if version is None:
            raise ServiceError("Thiếu phiên bản của biểu mẫu; vui lòng tải lại trang", code="version_required",
                               status=400)
        collab.assign(session, current_user(), task, _form_int("assignee_id"), version=version)
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    return _back(task_id, "Đã phân công chuyên viên xử lý." if task.assignee_id else "Đã bỏ phân công.")


@bp.post("/tasks/<int:task_id>/comments")
@login_required
def comment(task_id: int):
    session = get_session()
    user = current_user()
    try:
        task = task_service.get_task_for(session, user, task_id)
        if not permissions.can_view_task(session, user, task):
            abort(404)
        collab.add_comment(session, user, task, request.form.get("text", ""),
                           directing=request.form.get("directing") == "1", **uploaded_files())
        session.commit()
    except ServiceError as exc:
        session.rollback()  # a file already written is removed with the transaction (tasks.store_file)
        return _refused(task_id, exc)
    return _back(task_id, "Đã gửi ý kiến.")


def uploaded_files(field: str = "file") -> dict:
    """The files of a multipart request's `field` (several allowed), as add_comment's keywords.
    Each is read up to one byte past MAX_UPLOAD_BYTES, so the size check sees an oversize file."""
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    files = [(upload.filename, upload.read(max_bytes + 1))
             for upload in request.files.getlist(field) if upload is not None and upload.filename]
    return {"files": files, "upload_dir": current_app.config["UPLOAD_FOLDER"], "max_bytes": max_bytes}


@bp.post("/tasks/<int:task_id>/follow")
@login_required
def follow(task_id: int):
    session = get_session()
    user = current_user()
    task = task_service.get_task_for(session, user, task_id)
    if request.form.get("action") == "unfollow":
        collab.unfollow(session, user, task)
        message = "Đã bỏ theo dõi nhiệm vụ."
    else:
        collab.follow(session, user, task)
        message = "Đang theo dõi nhiệm vụ: bạn sẽ nhận thông báo khi có ý kiến mới."
    session.commit()
    return _back(task_id, message)


@bp.post("/tasks/<int:task_id>/delegate")
@login_required
def delegate(task_id: int):
    session = get_session()
    user = current_user()
    try:
        task = task_service.get_task_for(session, user, task_id)
        child = delegation.delegate(session, user, task, unit_id=_form_int("unit_id"),
                                    action=request.form.get("action") or None,
                                    deadline=request.form.get("deadline") or None)
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    return _back(task_id, f"Đã giao nhiệm vụ #{child.id} cho đơn vị cấp dưới.")


@bp.post("/tasks/<int:task_id>/close")
@login_required
def close_child(task_id: int):
    session = get_session()
    user = current_user()
    try:
        task = task_service.get_task_for(session, user, task_id)
        delegation.close_child(session, user, task, reason=request.form.get("reason", ""))
        session.commit()
    except ServiceError as exc:
        return _refused(task_id, exc)
    return _back(task.parent_id or task_id, f"Đã đóng nhiệm vụ #{task_id} của đơn vị cấp dưới.")


# --- inbox ----------------------------------------------------------------------------

@bp.get("/thong-bao")
@login_required
def inbox_page():
    session = get_session()
    user = current_user()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    unread_only = request.args.get("unread") == "1"
    rows = inbox.items(session, user, page=page, unread_only=unread_only)
    return render_template("collab/inbox.html", rows=rows, page=page, unread_only=unread_only,
                           labels=inbox.KIND_LABELS, has_next=len(rows) == inbox.PAGE)


@bp.post("/thong-bao/read")
@login_required
def inbox_read():
    session = get_session()
    user = current_user()
    if request.form.get("all") == "1":
        n = inbox.mark_read(session, user, all_=True)
    else:
        ids = []
        for raw in request.form.getlist("id"):
            try:
                ids.append(int(raw))
            except ValueError:
                continue
        n = inbox.mark_read(session, user, ids=ids) if ids else 0
    session.commit()
    flash(f"Đã đánh dấu đã đọc {n} thông báo.", "success")
    return redirect(url_for("collab.inbox_page"))


@bp.get("/thong-bao/<int:notification_id>")
@login_required
def inbox_open(notification_id: int):
    """Open an item: marked read, then its task (or the inbox when it has none)."""
    session = get_session()
    user = current_user()
    item = session.get(Notification, notification_id)
    if item is None or item.recipient_id != user.id or item.channel != "web":
        abort(404)
    inbox.mark_read(session, user, ids=[item.id])
    session.commit()
    g.pop("inbox_unread", None)  # read with the user before the item was marked
    if item.task_id:
        return redirect(url_for("tasks.detail", task_id=item.task_id))
    if item.kind in ("due_soon", "overdue") and user.role in ("staff", "head"):
        return redirect(url_for("tasks.mine", state="overdue" if item.kind == "overdue" else "due_soon"))
    return redirect(url_for("collab.inbox_page"))


# --- print views and help ---------------------------------------------------------------

@bp.get("/tasks/<int:task_id>/print")
@login_required
def print_task(task_id: int):
    from tracker.web.tasks import _detail_context

    task = task_service.get_task_for(get_session(), current_user(), task_id)
    return render_template("collab/print_task.html", printed_on=local_today(),
                           back_url=url_for("tasks.detail", task_id=task.id), **_detail_context(task))


@bp.get("/directives/<int:directive_id>/print")
@login_required
def print_directive(directive_id: int):
    from tracker.web.api import _due_soon_days

    session = get_session()
    directive = session.get(Directive, directive_id)
    if directive is None or directive.state != "published":
        abort(404)
    rows, _ = task_service.list_tasks(session, current_user(), today=local_today(), due_soon_days=_due_soon_days(),
                                      directive_id=directive.id, per_page=10_000)
    co = task_service.co_units_for(session, [t.id for t, _, _ in rows])
    ids = {t.assignee_id for t, _, _ in rows if t.assignee_id}
    people = dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return render_template("collab/print_directive.html", directive=directive, rows=rows, co=co, people=people,
                           printed_on=local_today(), back_url=url_for("directives.detail", directive_id=directive.id))


@bp.get("/huong-dan")
@login_required
def help_page():
    return render_template("collab/help.html", role=current_user().role)


@bp.post("/don-vi/phan-cong")
@role_required("head")
def unit_setting():
    """The unit head lets (or stops) the unit's staff name the officer in charge."""
    session = get_session()
    user = current_user()
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is None:
        abort(403)
    from tracker.models import AuditEvent

    allowed = request.form.get("staff_may_assign") == "1"
    if unit.staff_may_assign != allowed:
        session.add(AuditEvent(actor_id=user.id, channel="web", entity="unit", entity_id=unit.id,
                               action="staff_may_assign", old_value=str(unit.staff_may_assign), new_value=str(allowed)))
    unit.staff_may_assign = allowed
    session.add(unit)
    session.commit()
    flash("Đã lưu cài đặt phân công của đơn vị.", "success")
    return redirect(url_for("collab.assigned"))
