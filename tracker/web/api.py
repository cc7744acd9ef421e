"""JSON API under /api/v1 (bearer tokens; same permission rules as the pages).

Errors are always `{"error": {"code", "message"}}` with the matching HTTP status.
`task_to_json` and `api_error` are shared with the other API blueprints (stats, follow-up).
"""
from datetime import date

import sqlalchemy as sa
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
from tracker.services import inputs
from tracker.services import tasks as task_service
from tracker.services.clock import local_today
from tracker.web.auth import api_auth_required
from tracker.web.auth import current_user
from tracker.web.schemas import DirectivePublic
from tracker.web.schemas import ExtensionPublic
from tracker.web.schemas import TaskPublic
from tracker.web.schemas import TaskUpdate
from tracker.web.schemas import UnitList
from tracker.web.schemas import UnitPublic
from tracker.web.schemas import UnitRef
from tracker.web.schemas import UserRef

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
    if task.status == "da_huy":
        state = None  # a cancelled task has no deadline state
    # built with model_construct: the values come from the database, and a list is not
    # validated row by row (tests/web/test_api_contracts.py checks the shape against the schema)
    return TaskPublic.model_construct(
        id=task.id,
        directive_id=task.directive_id,
        lead_unit=UnitRef.model_construct(id=task.lead_unit_id, name=lead_name),
        owner_text=task.owner_text,
        co_units=[UnitRef.model_construct(id=uid, name=name) for uid, name in co_units],
        info_units=[UnitRef.model_construct(id=uid, name=name) for uid, name in info_units],
        assignee=UserRef.model_construct(id=task.assignee_id, name=assignee_name) if task.assignee_id else None,
        parent_id=task.parent_id,
        action=task.action,
        deadline=task.deadline,
        deadline_text=task.deadline_text,
        recurrence=task.recurrence,
        series_id=task.series_id,
        urgent=task.urgent,
        state=task.status,
        state_label=TASK_STATUSES.get(task.status, task.status),
        deadline_state=state,
        progress=task.progress,
        result_note=task.result_note,
        completed_on=task.completed_on,
        updated_at=task.updated_at.isoformat() if task.updated_at else None,
        version=task.version,
    ).model_dump(mode="json")


def directive_to_json(directive: Directive) -> dict:
    """The API form of a directive (the endpoints add `tasks`, `duplicate_of`, ...: see `DirectiveDetail`)."""
    return DirectivePublic.model_construct(
        id=directive.id,
        number=directive.number,
        code=directive.code,
        kind=directive.kind,
        title=directive.title,
        issuer=directive.issuer,
        signer=directive.signer,
        issued=directive.issued_date,
        state=directive.state,
        replaced_by=directive.replaced_by_id,
        version=directive.version,
    ).model_dump(mode="json")


def _draft_rows_json(session: Session, directive: Directive) -> list[dict]:
    """The draft's proposed tasks, each with `expanded_count`: the tasks it creates when published."""
    counts = directive_service.expanded_counts(session, directive.draft_tasks)
    return [{**row, "expanded_count": n} for row, n in zip(directive.draft_tasks, counts, strict=False)]


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError("Nội dung yêu cầu phải là một đối tượng JSON", code="invalid_json", status=400)
    return data


def _int_arg(name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None) -> int | None:
    return inputs.parse_int(request.args.get(name), f"Tham số '{name}'", default=default, minimum=minimum,
                            maximum=inputs.INT_MAX if maximum is None else maximum, code="invalid_parameter",
                            status=400)


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    get_session().rollback()
    response = api_error(exc.code, exc.message, exc.status)
    errors = getattr(exc, "errors", None)
    if errors:
        body = response.get_json()
        body["error"]["details"] = {str(k): v for k, v in errors.items()}
        response.set_data(jsonify(body).get_data())
    duplicate_of = getattr(exc, "duplicate_of", None)
    if duplicate_of is not None:
        body = response.get_json()
        body["duplicate_of"] = duplicate_of
        body["error"]["details"] = {"duplicate_of": duplicate_of}
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
    from tracker.services.duplicates import find_duplicate

    original = find_duplicate(session, directive)
    body = directive_to_json(directive)
    body["duplicate_of"] = original.id if original else None
    body["tasks"] = _draft_rows_json(session, directive)
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
    from tracker.services.duplicates import find_duplicate

    original = find_duplicate(session, directive)
    body = directive_to_json(directive)
    body["duplicate_of"] = original.id if original else None
    body["tasks"] = _draft_rows_json(session, directive)
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
        body["tasks"] = _draft_rows_json(session, directive)
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
    confirm_duplicate = (data or {}).get("confirm_duplicate", False)
    if not isinstance(confirm_duplicate, bool):
        return api_error("invalid_confirm_duplicate", "'confirm_duplicate' phải là true hoặc false", 422)
    issued = (data or {}).get("issued")
    if issued is not None and not isinstance(issued, str):
        return api_error("invalid_date", "'issued' phải là ngày dạng YYYY-MM-DD", 422)
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
        created = directive_service.publish(session, user, directive, tasks, channel="api",
                                            confirm_duplicate=confirm_duplicate, issued=issued)
        session.commit()
    except Exception:
        session.rollback()
        raise
    today = local_today()
    body = directive_to_json(directive)
    co = task_service.co_units_for(session, [t.id for t in created])
    info, people = _extras(session, created)
    leads = {t.lead_unit_id for t in created}
    names = {u.id: u.name for u in session.exec(select(Unit).where(Unit.id.in_(leads))).all()}
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


def _deadline_state_arg() -> str | None:
    """The deadline-state filter: `deadline_state`, or the deprecated `state` (not both)."""
    new, old = request.args.get("deadline_state") or None, request.args.get("state") or None
    if new and old:
        raise ServiceError("Chỉ dùng một trong hai tham số 'deadline_state' và 'state' (cũ)",
                           code="conflicting_parameters", status=422)
    return new or old


@bp.get("/tasks")
@api_auth_required
def list_tasks():
    session = get_session()
    page = _int_arg("page", 1)
    per_page = _int_arg("per_page", 50, maximum=MAX_PER_PAGE)
    rows, total = task_service.list_tasks(
        session, current_user(), today=local_today(), due_soon_days=_due_soon_days(),
        unit_id=_int_arg("unit"), state=_deadline_state_arg(),
        directive_id=_int_arg("directive"), q=request.args.get("q"), status=request.args.get("status") or None,
        page=page, per_page=per_page, columns=task_service.API_COLUMNS)  # rows of the JSON's fields, no ORM objects
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
    """A unit's state/progress/note, or the office's correction (with `reason`), or both."""
    from tracker.services import office

    data = _json_body()
    unknown = set(data) - set(TaskUpdate.model_fields)
    if unknown:
        return api_error("unknown_field", f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}", 422)
    user = current_user()
    corrects = [f for f in office.CORRECTION_FIELDS if f in data]
    if corrects and not office.is_office(user):  # before any field check
        return api_error("forbidden",
                         "Chỉ Văn phòng được điều chỉnh đơn vị, nội dung, hạn hoặc chu kỳ của nhiệm vụ", 403)
    if corrects and not (isinstance(data.get("reason"), str) and data["reason"].strip()):
        return api_error("reason_required", "Cần nêu lý do điều chỉnh ('reason')", 422)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        return api_error("version_required",
                         "Cần trường 'version' (số nguyên) để tránh ghi đè thay đổi của người khác", 422)
    state = data.get("state")
    if state is not None and not isinstance(state, str):
        return api_error("invalid_state", "'state' phải là chuỗi", 422)
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        return api_error("invalid_note", "'note' phải là chuỗi", 422)
    session = get_session()
    task = task_service.get_task_for(session, user, task_id)  # 404 before anything else
    collab_fields = {"assignee_id", "info_unit_ids"} & set(data)
    unit_update = any(k in data for k in ("state", "progress", "note"))
    try:
        from tracker.services import collab

        if corrects:
            change = _correction_from_json(data)
            task = office.correct_task(session, user, task_id, change, version=version, reason=data["reason"],
                                       channel="api")
            version = task.version
        if "assignee_id" in data:  # the officer in charge (issue 16)
            collab.assign(session, user, task, data["assignee_id"], version=version, channel="api")
            version = task.version
        if "info_unit_ids" in data:  # the clerk's for-information units (issue 16)
            ids = collab.validate_unit_ids(session, data["info_unit_ids"])
            collab.set_info_units(session, user, task, ids, version=version, channel="api")
            version = task.version
        if unit_update or not (corrects or collab_fields):
            task = task_service.update_task(session, user, task_id, version=version, status=state,
                                            progress=data.get("progress"), note=note, channel="api")
        session.commit()
    except task_service.Conflict:
        session.rollback()  # the refused attempt is kept in the history, in its own transaction
        task_service.record_conflict(session, user, task_id, expected_version=data.get("version"), status=state,
                                     progress=data.get("progress"), note=note, channel="api")
        session.commit()
        raise
    except Exception:
        session.rollback()
        raise
    return jsonify(task_to_json(session, task, local_today()))


def _correction_from_json(data: dict):
    from tracker.services import office

    change = office.Correction()
    if "lead_unit_id" in data:
        if data["lead_unit_id"] is None:
            raise ServiceError("Nhiệm vụ phải có đơn vị chủ trì", code="invalid_unit", status=422)
        change.lead_unit_id = data["lead_unit_id"]
        if not isinstance(change.lead_unit_id, int) or isinstance(change.lead_unit_id, bool):
            raise ServiceError("'lead_unit_id' phải là số nguyên", code="invalid_unit", status=422)
    if "co_unit_ids" in data:
        ids = data["co_unit_ids"] if data["co_unit_ids"] is not None else []
        if not isinstance(ids, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
            raise ServiceError("'co_unit_ids' phải là danh sách số nguyên", code="invalid_unit", status=422)
        change.co_unit_ids = ids
    if "action" in data:
        if not isinstance(data["action"], str):
            raise ServiceError("'action' phải là chuỗi", code="invalid_action", status=422)
        change.action = data["action"]
    if "deadline" in data:
        if data["deadline"] is None:
            change.clear_deadline = True
        else:
            change.deadline = _iso_date(data["deadline"], "deadline")
    if "recurrence" in data:
        if data["recurrence"] is None or data["recurrence"] == "":
            change.clear_recurrence = True
        elif not isinstance(data["recurrence"], str):
            raise ServiceError("'recurrence' phải là chuỗi", code="invalid_recurrence", status=422)
        else:
            change.recurrence = data["recurrence"]
    return change


def _iso_date(value, field: str) -> date:
    """A YYYY-MM-DD date from JSON; a clear 422 otherwise."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ServiceError(f"'{field}' phải là ngày có thật dạng YYYY-MM-DD", code="invalid_date", status=422)


def _task_action(task_id: int, action):
    """Run one office or unit action on a task and answer the task's JSON."""
    session = get_session()
    task_service.get_task_for(session, current_user(), task_id)  # 404 first
    try:
        task = action(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return jsonify(task_to_json(session, task, local_today()))


def _version(data: dict):
    version = data.get("version")
    if version is None:
        return None
    if not isinstance(version, int) or isinstance(version, bool):
        raise ServiceError("'version' phải là số nguyên", code="version_required", status=422)
    return version


@bp.post("/tasks/<int:task_id>/cancel")
@api_auth_required
def cancel_task(task_id: int):
    from tracker.services import office

    data = _json_body()
    office.require_office(current_user(), "Chỉ Văn phòng được hủy nhiệm vụ")
    return _task_action(task_id, lambda s: office.cancel_task(s, current_user(), task_id, reason=data.get("reason"),
                                                              version=_version(data), channel="api"))


@bp.post("/tasks/<int:task_id>/reopen")
@api_auth_required
def reopen_task(task_id: int):
    from tracker.services import office

    data = _json_body()
    office.require_office(current_user(), "Chỉ Văn phòng được mở lại nhiệm vụ")
    return _task_action(task_id, lambda s: office.reopen_task(s, current_user(), task_id, reason=data.get("reason"),
                                                              version=_version(data), channel="api"))


@bp.post("/tasks/<int:task_id>/confirm")
@api_auth_required
def confirm_task(task_id: int):
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise ServiceError("Nội dung yêu cầu phải là một đối tượng JSON", code="invalid_json", status=400)
    if not task_service.permissions.can_confirm(current_user()):
        raise task_service.Forbidden("Chỉ Văn phòng được xác nhận hoàn thành")
    return _task_action(task_id, lambda s: task_service.confirm_completion(s, current_user(), task_id,
                                                                           version=_version(data), channel="api"))


@bp.post("/tasks/<int:task_id>/return")
@api_auth_required
def return_task(task_id: int):
    data = _json_body()
    if not task_service.permissions.can_confirm(current_user()):
        raise task_service.Forbidden("Chỉ Văn phòng được trả lại nhiệm vụ")
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ServiceError("'reason' phải là chuỗi", code="invalid_reason", status=422)
    return _task_action(task_id, lambda s: task_service.return_completion(
        s, current_user(), task_id, reason=reason or "", version=_version(data), channel="api"))


def extension_to_json(req) -> dict:
    return ExtensionPublic.model_construct(
        id=req.id, task_id=req.task_id, status=req.status, old_deadline=req.old_deadline,
        requested_date=req.requested_date, granted_date=req.granted_date, reason=req.reason,
        decision_note=req.decision_note, requested_by=req.requested_by_id, decided_by=req.decided_by_id,
    ).model_dump(mode="json")


@bp.post("/tasks/<int:task_id>/extensions")
@api_auth_required
def request_extension(task_id: int):
    from tracker.services.dates import parse_user_date

    data = _json_body()
    session = get_session()
    user = current_user()
    task_service.get_task_for(session, user, task_id)
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ServiceError("'reason' phải là chuỗi", code="invalid_reason", status=422)
    if not isinstance(data.get("date"), str):
        raise ServiceError("Cần trường 'date' (hạn mới, YYYY-MM-DD hoặc DD/MM/YYYY)", code="invalid_date", status=422)
    new_date = parse_user_date(data["date"], "hạn mới", today=local_today())
    try:
        req = task_service.request_extension(session, user, task_id, new_date=new_date, reason=reason or "",
                                             channel="api")
        session.commit()
    except Exception:
        session.rollback()
        raise
    return jsonify(extension_to_json(req)), 201


@bp.post("/extensions/<int:request_id>/decide")
@api_auth_required
def decide_extension(request_id: int):
    from tracker.services.dates import parse_user_date

    data = _json_body()
    user = current_user()
    if not task_service.permissions.can_decide_extension(user):
        raise task_service.Forbidden("Bạn không có quyền quyết định gia hạn")
    decision = data.get("decision")
    if decision not in ("approve", "reject"):
        raise ServiceError("'decision' phải là \"approve\" (duyệt) hoặc \"reject\" (từ chối)", code="invalid_decision",
                           status=422)
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ServiceError("'note' phải là chuỗi", code="invalid_note", status=422)
    granted = None
    if data.get("date") not in (None, ""):
        if not isinstance(data["date"], str):
            raise ServiceError("'date' phải là ngày dạng YYYY-MM-DD", code="invalid_date", status=422)
        granted = parse_user_date(data["date"], "hạn được duyệt", today=local_today())
    session = get_session()
    try:
        req = task_service.decide_extension(session, user, request_id, approve=decision == "approve", note=note,
                                            granted_date=granted, channel="api")
        session.commit()
    except Exception:
        session.rollback()
        raise
    body = extension_to_json(req)
    body["task"] = task_to_json(session, session.get(Task, req.task_id), local_today())
    return jsonify(body)


@bp.post("/directives/<int:directive_id>/withdraw")
@api_auth_required
def withdraw_directive(directive_id: int):
    from tracker.services import office

    data = _json_body()
    user = current_user()
    office.require_office(user, "Chỉ Văn phòng được thu hồi văn bản")
    session = get_session()
    directive_service.get_directive(session, directive_id)
    try:
        directive, cancelled = office.withdraw_directive(session, user, directive_id, reason=data.get("reason"),
                                                         replaced_by=data.get("replaced_by"), channel="api")
        session.commit()
    except Exception:
        session.rollback()
        raise
    body = directive_to_json(directive)
    body["cancelled_tasks"] = [t.id for t in cancelled]
    return jsonify(body)


@bp.get("/units")
@api_auth_required
def list_units():
    session = get_session()
    units = session.exec(select(Unit).where(Unit.active == sa.true()).order_by(Unit.name)).all()
    return jsonify(UnitList.model_construct(items=[UnitPublic.model_construct(
        id=u.id, code=u.code, name=u.name, short_name=u.short_name, kind=u.kind, aliases=list(u.aliases or []))
        for u in units]).model_dump(mode="json"))


@bp.get("/openapi.json")
def openapi():
    from tracker.web.openapi import openapi_document

    return jsonify(openapi_document())
