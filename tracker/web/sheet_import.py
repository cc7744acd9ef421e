"""Pages: import an Excel tracking sheet (upload -> preview with column mapping -> import).

The uploaded workbook is kept under instance/sheet-imports/<id>.xlsx with a small JSON
beside it naming its owner and file name, so the preview can be re-rendered as the office
changes the mapping; only the user who uploaded it may open it, and it is deleted after
the import. Nothing is written to the tasks before the office presses "Nhập".
"""
import contextlib
import json
import os
import re
import secrets

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlmodel import select

from tracker.db import get_session
from tracker.models import PUBLISHED
from tracker.models import TASK_STATUSES
from tracker.models import Directive
from tracker.services import ServiceError
from tracker.services import sheet_import
from tracker.services.directives import parse_iso_date
from tracker.web.auth import current_user
from tracker.web.auth import role_required

bp = Blueprint("sheet_import", __name__)

FOLDER = "sheet-imports"
_ID = re.compile(r"^[0-9a-f]{32}$")


def _folder() -> str:
    path = os.path.join(current_app.instance_path, FOLDER)
    os.makedirs(path, exist_ok=True)
    return path


def _load(upload_id: str) -> tuple[bytes, dict]:
    if not _ID.match(upload_id or ""):
        abort(404)
    base = os.path.join(_folder(), upload_id)
    try:
        with open(base + ".json", encoding="utf-8") as fh:
            meta = json.load(fh)
        with open(base + ".xlsx", "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        abort(404)
    if meta.get("owner_id") != current_user().id:
        abort(404)
    return data, meta


def save_upload(data: bytes, filename: str, owner_id: int) -> str:
    upload_id = secrets.token_hex(16)
    base = os.path.join(_folder(), upload_id)
    with open(base + ".xlsx", "xb") as fh:
        fh.write(data)
    with open(base + ".json", "x", encoding="utf-8") as fh:
        json.dump({"owner_id": owner_id, "filename": os.path.basename(filename or "")[:200]}, fh)
    return upload_id


def _discard(upload_id: str) -> None:
    for ext in (".xlsx", ".json"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(_folder(), upload_id + ext))


@bp.route("/imports/sheet", methods=["GET", "POST"])
@role_required("clerk", "admin")
def upload():
    if request.method == "GET":
        return render_template("imports/sheet_upload.html", error=None)
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise ServiceError("Chọn tệp Excel (.xlsx) để tải lên", code="missing_file", status=422)
        limit = current_app.config["MAX_SCAN_BYTES"]
        data = file.read(limit + 1)
        if len(data) > limit:
            raise ServiceError(f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB)", code="too_large", status=413)
        sheet_import.find_header(sheet_import.read_grid(data))  # refuse a file without a header now
    except ServiceError as exc:
        return render_template("imports/sheet_upload.html", error=exc.message), exc.status
    upload_id = save_upload(data, file.filename, current_user().id)
    return redirect(url_for("sheet_import.preview", upload_id=upload_id))


def _mapping_from_form(header_len: int, guessed: dict[str, int]) -> dict[str, int]:
    if "map_submitted" not in request.form:
        return guessed
    mapping = {}
    for name in sheet_import.FIELDS:
        raw = request.form.get(f"map-{name}", "")
        if raw.isdigit() and int(raw) < header_len:
            mapping[name] = int(raw)
    return mapping


def _state_overrides() -> dict[str, str]:
    out = {}
    count = int(request.form.get("state_count") or 0) if (request.form.get("state_count") or "").isdigit() else 0
    for i in range(min(count, 500)):
        text, code = request.form.get(f"state-{i}-text"), request.form.get(f"state-{i}-code")
        if text and code in TASK_STATUSES:
            out[text] = code
    return out


@bp.route("/imports/sheet/<upload_id>", methods=["GET", "POST"])
@role_required("clerk", "admin")
def preview(upload_id: str):
    session = get_session()
    data, meta = _load(upload_id)
    error = None
    grid = sheet_import.read_grid(data)
    try:
        header_index = int(request.form.get("header_row", "")) - 1 if request.form.get("header_row", "").isdigit() \
            else sheet_import.find_header(grid)
        header_index = max(0, min(header_index, len(grid) - 1))
    except ServiceError as exc:
        return render_template("imports/sheet_upload.html", error=exc.message), exc.status
    header = grid[header_index]
    mapping = _mapping_from_form(len(header), sheet_import.guess_mapping(header))
    overrides = _state_overrides()
    target = request.form.get("target") or ("column" if "document" in mapping else "existing")
    rows = []
    try:
        rows = sheet_import.plan_rows(session, grid, header_index, mapping, overrides)
    except ServiceError as exc:
        error = exc.message
    directives = session.exec(select(Directive).where(Directive.state == PUBLISHED)
                              .order_by(Directive.id.desc()).limit(200)).all()
    form = {"directive_id": request.form.get("directive_id", ""), "new_title": request.form.get("new_title", ""),
            "new_number": request.form.get("new_number", ""), "new_issued": request.form.get("new_issued", "")}
    status = 200
    if request.method == "POST" and request.form.get("op") == "import" and error is None:
        try:
            directive = _target_directive(session, target, form)
            result = sheet_import.import_rows(session, current_user(), rows, directive=directive,
                                              filename=meta.get("filename", ""))
            session.commit()
        except ServiceError as exc:
            session.rollback()
            error, status = exc.message, exc.status
        else:
            _discard(upload_id)
            flash(f"Đã nhập bảng tính: {result.created} nhiệm vụ mới, {result.updated} cập nhật, "
                  f"{result.unchanged} không đổi, {result.failed} dòng lỗi không nhập.", "success")
            if len(result.directives) == 1:
                return redirect(url_for("directives.detail", directive_id=result.directives[0]))
            return redirect(url_for("directives.index"))
    return render_template(
        "imports/sheet_preview.html", upload_id=upload_id, filename=meta.get("filename", ""), grid=grid,
        header_index=header_index, header=header, mapping=mapping, fields=sheet_import.FIELDS, rows=rows,
        states=sheet_import.state_table(grid, header_index, mapping, overrides), statuses=TASK_STATUSES,
        directives=directives, target=target, form=form, error=error,
        ok_count=sum(1 for r in rows if r.ok), fail_count=sum(1 for r in rows if r.errors),
    ), status


def _target_directive(session, target: str, form: dict):
    if target == "column":
        return None
    if target == "new":
        title = form["new_title"].strip()
        if not title:
            raise ServiceError("Nhập trích yếu cho văn bản mới", code="missing_title", status=422)
        return sheet_import.new_directive(session, current_user(), title=title,
                                          number=form["new_number"].strip() or None,
                                          issued=parse_iso_date(form["new_issued"] or None, "ngày ban hành"))
    raw = form["directive_id"]
    directive = session.get(Directive, int(raw)) if raw.isdigit() else None
    if directive is None or directive.state != PUBLISHED:
        raise ServiceError("Chọn văn bản đã ban hành mà các dòng thuộc về, hoặc tạo văn bản mới",
                           code="missing_directive", status=422)
    return directive
