"""JSON API under /api/v1 (bearer tokens; same permission rules as the pages).

Errors are always `{"error": {"code", "message"}}` with the matching HTTP status.
`task_to_json` and `api_error` are shared with the other API blueprints (stats, follow-up).
"""
from datetime import date

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from sqlmodel import Session
from sqlmodel import select

from tracker.db import get_session
from tracker.deadline_state import deadline_state
from tracker.models import DIRECTIVE_KINDS
from tracker.models import TASK_STATUSES
from tracker.models import Directive
from tracker.models import Task
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import directives as directive_service
from tracker.services import tasks as task_service
from tracker.services.clock import local_today
from tracker.web.auth import api_auth_required
from tracker.web.auth import current_user

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 200


def api_error(code: str, message: str, status: int):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _due_soon_days() -> int:
    try:
        return int(current_app.config.get("DUE_SOON_DAYS", 3))
    except RuntimeError:  # outside an app context
        return 3


def _iso(d) -> str | None:
    return d.isoformat() if d else None


def task_to_json(session: Session, task: Task, today: date, *, lead_name: str | None = None,
                 co_units: list[tuple[int, str]] | None = None, state: str | None = None) -> dict:
    """The API form of a task. Pass `lead_name`/`co_units`/`state` from a list query to avoid per-row queries."""
    if lead_name is None:
        unit = session.get(Unit, task.lead_unit_id)
        lead_name = unit.name if unit else ""
    if co_units is None:
        co_units = task_service.co_units_for(session, [task.id])[task.id]
    if state is None:
        state = deadline_state(task.deadline, task.status, task.completed_on, today, _due_soon_days())
    return {
        "id": task.id,
        "directive_id": task.directive_id,
        "lead_unit": {"id": task.lead_unit_id, "name": lead_name},
        "owner_text": task.owner_text,
        "co_units": [{"id": uid, "name": name} for uid, name in co_units],
        "action": task.action,
        "deadline": _iso(task.deadline),
        "deadline_text": task.deadline_text,
        "recurrence": task.recurrence,
        "series_id": task.series_id,
        "urgent": task.urgent,
        "state": task.status,
        "state_label": TASK_STATUSES.get(task.status, task.status),
        "deadline_state": state,
        "progress": task.progress,
        "result_note": task.result_note,
        "completed_on": _iso(task.completed_on),
        "updated_at": task.updated_at.isoformat() if task.updated_at else None,
        "version": task.version,
    }


def directive_to_json(directive: Directive) -> dict:
    return {
        "id": directive.id,
        "number": directive.number,
        "code": directive.code,
        "kind": directive.kind,
        "title": directive.title,
        "issuer": directive.issuer,
        "signer": directive.signer,
        "issued": _iso(directive.issued_date),
        "state": directive.state,
        "version": directive.version,
    }


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError("Nội dung yêu cầu phải là một đối tượng JSON", code="invalid_json", status=400)
    return data


def _int_arg(name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServiceError(f"Tham số '{name}' phải là số nguyên", code="invalid_parameter", status=400) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ServiceError(f"Tham số '{name}' ngoài khoảng cho phép", code="invalid_parameter", status=400)
    return value


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    get_session().rollback()
    response = api_error(exc.code, exc.message, exc.status)
    errors = getattr(exc, "errors", None)
    if errors:
        body = response.get_json()
        body["error"]["details"] = {str(k): v for k, v in errors.items()}
        response.set_data(jsonify(body).get_data())
    return response


def _create_directive_from_file():
    """multipart/form-data: the file in `file`, optional `issued`, `number`, `kind`.

    A file with text answers 201 like the JSON form; a scan or an image 202
    {"id", "state": "processing", "progress"}, to be polled at GET /api/v1/directives/{id}."""
    from tracker.services import intake
    from tracker.web.directives import read_limited_upload

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return api_error("missing_file", "Thiếu tệp trong trường 'file'", 422)
    kind = request.form.get("kind") or None
    if kind is not None and kind not in DIRECTIVE_KINDS:
        return api_error("invalid_kind", f"Loại văn bản '{kind}' không hợp lệ ({', '.join(DIRECTIVE_KINDS)})", 422)
    session = get_session()
    directive = intake.create_from_file(
        session, current_user(), instance_path=current_app.instance_path, filename=upload.filename,
        data=read_limited_upload(upload), issued=request.form.get("issued") or None,
        number=request.form.get("number") or None, kind=kind, channel="api",
        max_text_bytes=current_app.config.get("MAX_DIRECTIVE_BYTES", directive_service.MAX_TEXT_CHARS))
    session.commit()
    status = intake.intake_status(session, directive)
    if status and status["state"] == "processing":
        return jsonify({"id": directive.id, "state": "processing", "progress": status["progress"]}), 202
    body = directive_to_json(directive)
    body["tasks"] = directive.draft_tasks
    return jsonify(body), 201


@bp.post("/directives")
@api_auth_required
def create_directive():
    if request.mimetype == "multipart/form-data":
        return _create_directive_from_file()
    data = _json_body()
    text = data.get("text")
    if not isinstance(text, str):
        return api_error("empty_text", "Thiếu trường 'text' (nội dung văn bản)", 422)
    max_bytes = current_app.config.get("MAX_DIRECTIVE_BYTES", directive_service.MAX_TEXT_CHARS)
    directive_service.validate_text(text, max_bytes)
    if data.get("number") is not None and not isinstance(data.get("number"), str):
        return api_error("invalid_number", "'number' (số hiệu văn bản) phải là chuỗi", 422)
    kind = data.get("kind")
    if kind is not None and (not isinstance(kind, str) or kind not in DIRECTIVE_KINDS):
        return api_error("invalid_kind", f"Loại văn bản '{kind}' không hợp lệ ({', '.join(DIRECTIVE_KINDS)})", 422)
    session = get_session()
    directive = directive_service.create_draft(
        session, current_user(), text=text, issued=data.get("issued"), number=data.get("number"), kind=kind,
        channel="api")
    session.commit()
    body = directive_to_json(directive)
    body["tasks"] = directive.draft_tasks
    return jsonify(body), 201


@bp.get("/directives/<int:directive_id>")
@api_auth_required
def get_directive(directive_id: int):
    session = get_session()
    directive = directive_service.get_directive(session, directive_id)
    user = current_user()
    body = directive_to_json(directive)
    if directive.state == "draft":
        if user.role not in ("clerk", "admin"):
            return api_error("not_found", "Không tìm thấy văn bản", 404)
        from tracker.services import intake

        status = intake.intake_status(session, directive)
        if status and status["state"] == "processing":
            return jsonify({"id": directive.id, "state": "processing", "progress": status["progress"],
                            "message": status["message"]})
        if status and status["state"] == "failed":
            return jsonify({"id": directive.id, "state": "failed", "progress": status["progress"],
                            "error": {"code": "ocr_failed", "message": status["message"]}})
        if status:
            body["text_origin"] = status["origin"]
        body["tasks"] = directive.draft_tasks
    else:
        rows, _ = task_service.list_tasks(session, user, today=local_today(), due_soon_days=_due_soon_days(),
                                          directive_id=directive.id, per_page=10_000)
        body["tasks"] = _rows_to_json(session, rows)
    return jsonify(body)


@bp.get("/directives/<int:directive_id>/original")
@api_auth_required
def directive_original(directive_id: int):
    """The original file (office, leaders, units with tasks in the directive)."""
    from tracker.services import intake
    from tracker.web.directives import send_original

    row = intake.original_for(get_session(), current_user(), directive_id)
    return send_original(row)


@bp.post("/directives/<int:directive_id>/publish")
@api_auth_required
def publish_directive(directive_id: int):
    data = request.get_json(silent=True)
    if request.data and not isinstance(data, dict):
        return api_error("invalid_json", "Nội dung yêu cầu phải là một đối tượng JSON", 400)
    tasks = (data or {}).get("tasks")
    if tasks is not None and not isinstance(tasks, list):
        return api_error("invalid_tasks", "'tasks' phải là một danh sách", 422)
    session = get_session()
    directive = directive_service.get_directive(session, directive_id)
    user = current_user()
    if directive.state == "draft" and user.role not in ("clerk", "admin"):
        return api_error("forbidden", "Chỉ Văn phòng được ban hành văn bản", 403)
    from tracker.services import intake

    status = intake.intake_status(session, directive)
    if status and status["state"] == "processing":
        return api_error("processing", "Bản quét đang được nhận dạng chữ; chờ xong rồi ban hành", 409)
    try:
        created = directive_service.publish(session, user, directive, tasks, channel="api")
        session.commit()
    except Exception:
        session.rollback()
        raise
    today = local_today()
    body = directive_to_json(directive)
    co = task_service.co_units_for(session, [t.id for t in created])
    names = {u.id: u.name for u in session.exec(select(Unit).where(Unit.id.in_({t.lead_unit_id for t in created}))).all()}
    body["tasks"] = [task_to_json(session, t, today, lead_name=names.get(t.lead_unit_id, ""), co_units=co[t.id])
                     for t in created]
    return jsonify(body), 201


def _rows_to_json(session: Session, rows) -> list[dict]:
    today = local_today()
    co = task_service.co_units_for(session, [task.id for task, _, _ in rows])
    return [task_to_json(session, task, today, lead_name=name, co_units=co[task.id], state=state)
            for task, state, name in rows]


@bp.get("/tasks")
@api_auth_required
def list_tasks():
    session = get_session()
    page = _int_arg("page", 1)
    per_page = _int_arg("per_page", 50, maximum=MAX_PER_PAGE)
    rows, total = task_service.list_tasks(
        session, current_user(), today=local_today(), due_soon_days=_due_soon_days(),
        unit_id=_int_arg("unit"), state=request.args.get("state") or None,
        directive_id=_int_arg("directive"), q=request.args.get("q"), status=request.args.get("status") or None,
        page=page, per_page=per_page)
    return jsonify({"items": _rows_to_json(session, rows), "page": page, "per_page": per_page, "total": total})


@bp.get("/tasks/<int:task_id>")
@api_auth_required
def get_task(task_id: int):
    session = get_session()
    task = task_service.get_task_for(session, current_user(), task_id)
    return jsonify(task_to_json(session, task, local_today()))


@bp.patch("/tasks/<int:task_id>")
@api_auth_required
def patch_task(task_id: int):
    data = _json_body()
    unknown = set(data) - {"state", "progress", "note", "version"}
    if unknown:
        return api_error("unknown_field", f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}", 422)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        return api_error("version_required", "Cần trường 'version' (số nguyên) để tránh ghi đè thay đổi của người khác", 422)
    state = data.get("state")
    if state is not None and not isinstance(state, str):
        return api_error("invalid_state", "'state' phải là chuỗi", 422)
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        return api_error("invalid_note", "'note' phải là chuỗi", 422)
    session = get_session()
    user = current_user()
    task_service.get_task_for(session, user, task_id)  # 404 before anything else
    try:
        task = task_service.update_task(session, user, task_id, version=version, status=state,
                                        progress=data.get("progress"), note=note, channel="api")
        session.commit()
    except task_service.Conflict:
        session.rollback()  # the refused attempt is kept in the history, in its own transaction
        task_service.record_conflict(session, user, task_id, expected_version=version, status=state,
                                     progress=data.get("progress"), note=note, channel="api")
        session.commit()
        raise
    except Exception:
        session.rollback()
        raise
    return jsonify(task_to_json(session, task, local_today()))


@bp.get("/units")
@api_auth_required
def list_units():
    session = get_session()
    units = session.exec(select(Unit).where(Unit.active == True).order_by(Unit.name)).all()  # noqa: E712
    return jsonify({"items": [{"id": u.id, "code": u.code, "name": u.name, "short_name": u.short_name,
                               "kind": u.kind, "aliases": list(u.aliases or [])} for u in units]})


@bp.get("/openapi.json")
def openapi():
    from tracker.web.openapi import openapi_document

    return jsonify(openapi_document())
