"""JSON API of issue 16 under /api/v1: who am I, a task's discussion, the inbox, delegation.

Same rules and error shape as tracker/web/api.py (the officer in charge and the
for-information units are fields of its PATCH /api/v1/tasks/{id}).
"""
from flask import Blueprint
from flask import jsonify
from flask import request

from tracker.db import get_session
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import collab
from tracker.services import delegation
from tracker.services import inbox
from tracker.services import tasks as task_service
from tracker.services.clock import local_today
from tracker.web.api import _int_arg
from tracker.web.api import _json_body
from tracker.web.api import _service_error
from tracker.web.api import task_to_json
from tracker.web.auth import api_auth_required
from tracker.web.auth import current_user
from tracker.web.collab import uploaded_files
from tracker.web.schemas import CommentCreate
from tracker.web.schemas import CommentFile
from tracker.web.schemas import CommentPublic
from tracker.web.schemas import Inbox
from tracker.web.schemas import NotificationPublic
from tracker.web.schemas import ReadResult
from tracker.web.schemas import TaskDelegate
from tracker.web.schemas import UnitRef
from tracker.web.schemas import UserPublic
from tracker.web.schemas import UserRef
from tracker.web.tasks import send_attachment

bp = Blueprint("collab_api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ServiceError, _service_error)

# the fields each body may carry: its model's, and `version` (accepted and ignored, as always)
_COMMENT_FIELDS = frozenset(CommentCreate.model_fields) | {"version"}
_DELEGATE_FIELDS = frozenset(TaskDelegate.model_fields) | {"version"}


def comment_to_json(comment, author_name: str, files=()) -> dict:
    """A comment as the API answers it, with the files sent with it."""
    return CommentPublic.model_construct(
        id=comment.id, author=UserRef.model_construct(id=comment.author_id, name=author_name), text=comment.text,
        directing=comment.directing, attachment_id=comment.attachment_id,
        attachments=[CommentFile.model_construct(id=a.id, name=a.original_name, size=a.size,
                                                 url=f"/api/v1/attachments/{a.id}") for a in files],
        created_at=comment.created_at.isoformat() if comment.created_at else None,
    ).model_dump(mode="json")


def _notification(n) -> NotificationPublic:
    return NotificationPublic.model_construct(
        id=n.id, kind=n.kind, task_id=n.task_id, text=inbox.text_of(n), read=n.read_at is not None,
        created_at=n.created_at.isoformat() if n.created_at else None)


def notification_to_json(n) -> dict:
    """An inbox item as the API answers it."""
    return _notification(n).model_dump(mode="json")


@bp.get("/me")
@api_auth_required
def me():
    user = current_user()
    unit = get_session().get(Unit, user.unit_id) if user.unit_id else None
    return jsonify(UserPublic.model_construct(
        id=user.id, login=user.login, name=user.display_name, role=user.role,
        unit=UnitRef.model_construct(id=unit.id, name=unit.name) if unit else None).model_dump(mode="json"))


@bp.get("/tasks/<int:task_id>/comments")
@api_auth_required
def list_comments(task_id: int):
    session = get_session()
    task = task_service.get_task_for(session, current_user(), task_id)
    files = collab.comment_files(session, task)
    return jsonify({"items": [comment_to_json(c, name, files.get(c.id, ()))
                              for c, name in collab.comments_of(session, task)]})


_MULTIPART_DIRECTING = {"": False, "0": False, "false": False, "1": True, "true": True}


@bp.post("/tasks/<int:task_id>/comments")
@api_auth_required
def post_comment(task_id: int):
    """JSON `{"text", "directing"}`, or multipart/form-data: `text`, `directing`, files in `file`
    (several allowed; the web page's evidence rules, tasks.store_file)."""
    uploads = {}
    if request.mimetype == "multipart/form-data":
        unknown = (set(request.form) - _COMMENT_FIELDS) | (set(request.files) - {"file"})
        raw = (request.form.get("directing") or "").strip().lower()
        if raw not in _MULTIPART_DIRECTING:
            raise ServiceError("'directing' phải là true hoặc false", code="invalid_directing", status=422)
        data = {"text": request.form.get("text"), "directing": _MULTIPART_DIRECTING[raw]}
        uploads = uploaded_files()
    else:
        data = _json_body()
        unknown = set(data) - _COMMENT_FIELDS
    if unknown:
        raise ServiceError(f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}", code="unknown_field", status=422)
    session = get_session()
    user = current_user()
    task = task_service.get_task_for(session, user, task_id)
    comment = collab.add_comment(session, user, task, data.get("text"), directing=data.get("directing", False),
                                 channel="api", **uploads)
    files = collab.comment_files(session, task).get(comment.id, ())
    session.commit()
    return jsonify(comment_to_json(comment, user.display_name, files)), 201


@bp.get("/attachments/<int:attachment_id>")
@api_auth_required
def download_attachment(attachment_id: int):
    """A file of a task the caller can see (evidence or sent with a comment); 404 otherwise."""
    row = task_service.get_attachment_for(get_session(), current_user(), attachment_id)
    return send_attachment(row)


@bp.get("/notifications")
@api_auth_required
def list_notifications():
    session = get_session()
    user = current_user()
    page = _int_arg("page", 1)
    per_page = _int_arg("per_page", inbox.PAGE, maximum=200)
    unread_only = request.args.get("unread") in ("1", "true")
    rows = inbox.items(session, user, page=page, per_page=per_page, unread_only=unread_only)
    return jsonify(Inbox.model_construct(items=[_notification(n) for n in rows],
                                         unread=inbox.unread_count(session, user.id)).model_dump(mode="json"))


@bp.post("/notifications/read")
@api_auth_required
def read_notifications():
    data = _json_body()
    session = get_session()
    user = current_user()
    marked = inbox.mark_read(session, user, ids=data.get("ids"), all_=data.get("all") is True)
    session.commit()
    return jsonify(ReadResult.model_construct(marked=marked, unread=inbox.unread_count(session, user.id))
                   .model_dump(mode="json"))


@bp.post("/tasks/<int:task_id>/delegate")
@api_auth_required
def delegate(task_id: int):
    data = _json_body()
    unknown = set(data) - _DELEGATE_FIELDS
    if unknown:
        raise ServiceError(f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}", code="unknown_field", status=422)
    session = get_session()
    user = current_user()
    task = task_service.get_task_for(session, user, task_id)
    child = delegation.delegate(session, user, task, unit_id=data.get("unit_id"), action=data.get("action"),
                                deadline=data.get("deadline"), channel="api")
    session.commit()
    return jsonify(task_to_json(session, child, local_today())), 201
