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


_UNSET = object()


def task_to_json(session: Session, task: Task, today: date, *, lead_name: str | None = None,
                 co_units: list[tuple[int, str]] | None = None, state: str | None = None,
                 info_units: list[tuple[int, str]] | None = None, assignee_name=_UNSET) -> dict:
    """The API form of a task. Pass `lead_name`/`co_units`/`state`/`info_units`/`assignee_name`
    from a list query (see `_extras`) to avoid per-row queries."""
    from tracker.models import User
    from tracker.services import collab

    if info_units is None:
        info_units = collab.info_units_for(session, [task.id])[task.id]
    if assignee_name is _UNSET:
        person = session.get(User, task.assignee_id) if task.assignee_id else None
        assignee_name = person.display_name if person else None
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
        "info_units": [{"id": uid, "name": name} for uid, name in info_units],
        "assignee": {"id": task.assignee_id, "name": assignee_name} if task.assignee_id else None,
        "parent_id": task.parent_id,
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


@bp.post("/directives")
@api_auth_required
def create_directive():
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
        body["tasks"] = directive.draft_tasks
    else:
        rows, _ = task_service.list_tasks(session, user, today=local_today(), due_soon_days=_due_soon_days(),
                                          directive_id=directive.id, per_page=10_000)
        body["tasks"] = _rows_to_json(session, rows)
    return jsonify(body)


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
    try:
        created = directive_service.publish(session, user, directive, tasks, channel="api")
        session.commit()
    except Exception:
        session.rollback()
        raise
    today = local_today()
    body = directive_to_json(directive)
    co = task_service.co_units_for(session, [t.id for t in created])
    info, people = _extras(session, created)
    names = {u.id: u.name for u in session.exec(select(Unit).where(Unit.id.in_({t.lead_unit_id for t in created}))).all()}
    body["tasks"] = [task_to_json(session, t, today, lead_name=names.get(t.lead_unit_id, ""), co_units=co[t.id],
                                  info_units=info[t.id], assignee_name=people.get(t.assignee_id))
                     for t in created]
    return jsonify(body), 201


def _extras(session: Session, tasks) -> tuple[dict, dict]:
    """For-information units and assignee names of many tasks: two queries in all."""
    from tracker.models import User
    from tracker.services import collab

    info = collab.info_units_for(session, [t.id for t in tasks])
    ids = {t.assignee_id for t in tasks if t.assignee_id}
    people = dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return info, people


def _rows_to_json(session: Session, rows) -> list[dict]:
    today = local_today()
    co = task_service.co_units_for(session, [task.id for task, _, _ in rows])
    info, people = _extras(session, [task for task, _, _ in rows])
    return [task_to_json(session, task, today, lead_name=name, co_units=co[task.id], state=state,
                         info_units=info[task.id], assignee_name=people.get(task.assignee_id))
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
    unknown = set(data) - {"state", "progress", "note", "version", "assignee_id", "info_unit_ids"}
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
    task = task_service.get_task_for(session, user, task_id)  # 404 before anything else
    try:
        from tracker.services import collab

        if "assignee_id" in data:  # the officer in charge (issue 16)
            collab.assign(session, user, task, data["assignee_id"], version=version, channel="api")
            version = task.version
        if "info_unit_ids" in data:  # the clerk's for-information units (issue 16)
            ids = collab.validate_unit_ids(session, data["info_unit_ids"])
            collab.set_info_units(session, user, task, ids, version=version, channel="api")
            version = task.version
        if state is not None or data.get("progress") is not None or note is not None \
                or not ({"assignee_id", "info_unit_ids"} & set(data)):
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
