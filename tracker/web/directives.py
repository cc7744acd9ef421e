"""Directive pages: list and search, import (paste or upload), the review page, detail.

The review page edits the draft's proposed tasks as one form: each row is
`tasks-<i>-<field>`; buttons carry an `op` (save, publish, add, add_selection,
delete:<i>, split:<i>). The form is rebuilt from what was posted on every round trip,
so a refused save or publish shows the clerk's edits with the reasons, and nothing is
written. Publishing goes through `directives.publish` in one transaction.
"""
import math
from datetime import date
from itertools import pairwise

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup
from markupsafe import escape
from sqlmodel import func
from sqlmodel import select

from tracker.db import get_session
from tracker.models import DIRECTIVE_KINDS
from tracker.models import DRAFT
from tracker.models import RECURRENCE_PATTERN
from tracker.models import Directive
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import directives as directive_service
from tracker.services import inputs
from tracker.services import intake
from tracker.services import tasks as task_service
from tracker.services.clock import local_today
from tracker.services.search import directive_search_clause
from tracker.services.text import fold
from tracker.services.units import UnitNames
from tracker.web.auth import current_user
from tracker.web.auth import login_required
from tracker.web.auth import role_required

bp = Blueprint("directives", __name__)

PER_PAGE = 25
ROW_FIELDS = ("unit", "co", "action", "deadline", "deadline_text", "recurrence", "owner", "co_owners", "start",
              "end", "reasons", "urgent", "confidence", "info")
REASON_LABELS = {
    "trigger:giao": "có từ “giao”", "deadline:date_dmy": "có ngày hạn dạng DD/MM/YYYY",
    "owner_not_in_registry": "đơn vị chưa có trong danh mục",
}


@bp.get("/directives")
@login_required
def index():
    session = get_session()
    user = current_user()
    q = (request.args.get("q") or "").strip()[:200]
    page = inputs.to_int(request.args.get("page"), 1, minimum=1)
    conditions = []
    if user.role not in ("clerk", "admin"):
        conditions.append(Directive.state != DRAFT)
    if q:
        conditions.append(directive_search_clause(q, session.get_bind().dialect.name))
    total = session.exec(select(func.count()).select_from(Directive).where(*conditions)).one()
    directives = session.exec(select(Directive).where(*conditions)
                              .order_by(Directive.issued_date.desc().nulls_last(), Directive.id.desc())
                              .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    pages = max(1, math.ceil(total / PER_PAGE))
    args = {"q": q} if q else {}
    return render_template("directives/index.html", directives=directives, q=q, total=total, page=page,
                           pages=pages, args=args)


# --- import ---------------------------------------------------------------------------

@bp.route("/directives/new", methods=["GET", "POST"])
@role_required("clerk", "admin")
def new():
    form = {"text": "", "number": "", "kind": "", "issued": ""}
    if request.method == "GET":
        return render_template("directives/new.html", form=form, error=None,
                               max_mb=current_app.config["MAX_DIRECTIVE_BYTES"] // (1024 * 1024),
                               max_scan_mb=current_app.config["MAX_SCAN_BYTES"] // (1024 * 1024))
    form = {k: (request.form.get(k) or "") for k in form}
    session = get_session()
    try:
        text = form["text"]
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            data = read_limited_upload(upload)
            directive = intake.create_from_file(
                session, current_user(), instance_path=current_app.instance_path, filename=upload.filename,
                data=data, issued=form["issued"] or None, number=form["number"] or None, kind=form["kind"] or None,
                max_text_bytes=current_app.config["MAX_DIRECTIVE_BYTES"])
        else:
            directive_service.validate_text(text, current_app.config["MAX_DIRECTIVE_BYTES"])
            directive = directive_service.create_draft(
                session, current_user(), text=text, issued=form["issued"] or None, number=form["number"] or None,
                kind=form["kind"] or None)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        if len(form["text"]) > 200_000:
            form["text"] = ""  # do not echo megabytes back
        return render_template("directives/new.html", form=form, error=exc.message,
                               max_mb=current_app.config["MAX_DIRECTIVE_BYTES"] // (1024 * 1024),
                               max_scan_mb=current_app.config["MAX_SCAN_BYTES"] // (1024 * 1024)), exc.status
    status = intake.intake_status(session, directive)
    if status and status["state"] == "processing":
        flash("Đã nhận bản quét. Hệ thống đang nhận dạng chữ từng trang; trang này tự cập nhật tiến độ.", "info")
    else:
        flash(f"Đã phân tích văn bản: {len(directive.draft_tasks)} nhiệm vụ đề xuất. "
              "Vui lòng rà soát trước khi ban hành.",
              "success")
    return redirect(url_for("directives.review", directive_id=directive.id))


# --- review ---------------------------------------------------------------------------

def _units():
    return get_session().exec(select(Unit).where(Unit.active == sa.true()).order_by(Unit.name)).all()


# What the clerk typed in a unit field, resolved by the one unit-name rule (services/units.py).
UnitLookup = UnitNames


def _row_from_draft(task: dict, lookup: UnitLookup) -> dict:
    return {
        "unit": lookup.name(task.get("unit_id")),
        "co": "; ".join(lookup.name(cid) for cid in (task.get("co_unit_ids") or []) if lookup.name(cid)),
        "info": "; ".join(lookup.name(cid) for cid in (task.get("info_unit_ids") or []) if lookup.name(cid)),
        "action": task.get("action") or "",
        "deadline": task.get("deadline") or "",
        "deadline_text": task.get("deadline_text") or "",
        "recurrence": task.get("recurrence") or "",
        "owner": task.get("owner") or "",
        "co_owners": "; ".join(task.get("co_owners") or []),
        "start": "" if task.get("start") is None else str(task.get("start")),
        "end": "" if task.get("end") is None else str(task.get("end")),
        "reasons": "\n".join(task.get("reasons") or []),
        "urgent": "1" if task.get("urgent") else "",
        "confidence": "" if task.get("confidence") is None else str(task.get("confidence")),
    }


def _rows_from_form() -> list[dict]:
    count = inputs.to_int(request.form.get("row_count") or "0", minimum=0)
    if count is None:
        raise ServiceError("Biểu mẫu không hợp lệ (số dòng nhiệm vụ); vui lòng tải lại trang", code="invalid_form",
                           status=400)
    rows = []
    for i in range(min(count, directive_service.MAX_TASKS)):
        rows.append({f: (request.form.get(f"tasks-{i}-{f}") or "") for f in ROW_FIELDS})
    return rows


def _int_or_none(value: str):
    return inputs.to_int(value, minimum=-inputs.INT_MAX)


def _draft_from_rows(rows: list[dict], lookup: UnitLookup, issued: date | None = None
                     ) -> tuple[list[dict], dict[int, list[str]]]:
    """Rows as typed -> draft task dicts, plus per-row errors (1-based) for what cannot be saved.

    A deadline may be typed as DD/MM/YYYY, ISO or free text; a relative phrase counts
    from the directive's issue date (today when it has none)."""
    from tracker.services.dates import parse_user_date

    tasks, errors = [], {}
    for i, row in enumerate(rows, 1):
        errs = []
        unit = lookup.find(row["unit"])
        if row["unit"].strip() and unit is None:
            errs.append(f"không tìm thấy đơn vị “{row['unit'].strip()}” trong danh mục")
        co_ids = []
        for name in [n.strip() for n in row["co"].replace(",", ";").split(";") if n.strip()]:
            co = lookup.find(name)
            if co is None:
                errs.append(f"không tìm thấy đơn vị phối hợp “{name}”")
            elif co.id not in co_ids and (unit is None or co.id != unit.id):
                co_ids.append(co.id)
        info_ids = []  # for-information units ("nhận để biết", issue 16)
        for name in [n.strip() for n in row.get("info", "").replace(",", ";").split(";") if n.strip()]:
            info = lookup.find(name)
            if info is None:
                errs.append(f"không tìm thấy đơn vị nhận để biết “{name}”")
            elif info.id not in info_ids and info.id not in co_ids and (unit is None or info.id != unit.id):
                info_ids.append(info.id)
        deadline = None
        if row["deadline"].strip():
            try:
                deadline = parse_user_date(row["deadline"], "hạn", today=local_today(), base=issued)
            except ServiceError as exc:
                errs.append(exc.message)
        recurrence = row["recurrence"].strip() or None
        if recurrence and not RECURRENCE_PATTERN.fullmatch(recurrence):
            errs.append(f"chu kỳ “{recurrence}” không hợp lệ (ví dụ: monthly:20, weekly:5, quarterly)")
        if len(row["action"]) > 5000:
            errs.append("nội dung quá dài (tối đa 5000 ký tự)")
        if errs:
            errors[i] = errs
        try:
            confidence = float(row["confidence"]) if row["confidence"] else None
        except ValueError:
            confidence = None
        tasks.append({
            "owner": row["owner"].strip() or None,
            "unit_id": unit.id if unit else None,
            "co_owners": [n.strip() for n in row["co_owners"].split(";") if n.strip()],
            "co_unit_ids": co_ids,
            "info_unit_ids": info_ids,
            "action": row["action"].strip(),
            "deadline": deadline.isoformat() if deadline else None,
            "deadline_text": row["deadline_text"].strip() or None,
            "recurrence": recurrence,
            "urgent": bool(row["urgent"]),
            "start": _int_or_none(row["start"]),
            "end": _int_or_none(row["end"]),
            "confidence": confidence,
            "reasons": [r for r in row["reasons"].splitlines() if r.strip()],
        })
    return tasks, errors


def highlight_source(text: str, spans: list[tuple[int | None, int | None]]) -> Markup:
    """The source text, escaped, with each task's span in a <mark> (overlapping spans share marks).

    The first mark of task n carries id="src-n" and data-n, which the stylesheet shows as a label;
    generated content is not part of the text, so selection offsets stay source offsets."""
    n = len(text)
    cuts = {0, n}
    clean = []
    for idx, (start, end) in enumerate(spans, 1):
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= n:
            clean.append((idx, start, end))
            cuts.update((start, end))
    points = sorted(cuts)
    out = []
    started = set()
    for a, b in pairwise(points):
        covering = [idx for idx, s, e in clean if s <= a and b <= e]
        piece = escape(text[a:b])
        if not covering:
            out.append(piece)
            continue
        first = [idx for idx in covering if idx not in started]
        started.update(first)
        attrs = ""
        if first:
            attrs = Markup(' id="src-{}" data-n="{}"').format(first[0], ",".join(str(i) for i in first))
        out.append(Markup('<mark data-tasks="{}"{}>{}</mark>').format(
            " ".join(str(i) for i in covering), attrs, piece))
    return Markup("").join(out)


def _header_from_form() -> dict:
    return {k: (request.form.get(k) or "").strip() for k in ("number", "code", "kind", "title", "issuer",
                                                             "signer", "issued")}


def _header_from_directive(d: Directive) -> dict:
    return {"number": d.number or "", "code": d.code or "", "kind": d.kind, "title": d.title or "",
            "issuer": d.issuer or "", "signer": d.signer or "",
            "issued": d.issued_date.isoformat() if d.issued_date else ""}


def _warnings(rows: list[dict], issued: str) -> dict[int, list[str]]:
    """Soft warnings the clerk may keep: a deadline before the issued date, a task without a deadline."""
    out: dict[int, list[str]] = {}
    from tracker.services.dates import parse_user_date

    try:
        issued_date = parse_user_date(issued, today=local_today()) if issued else None
    except ServiceError:
        issued_date = None
    for i, row in enumerate(rows, 1):
        try:
            deadline = parse_user_date(row["deadline"], today=local_today(), base=issued_date) \
                if row["deadline"].strip() else None
        except ServiceError:
            continue
        if deadline and issued_date and deadline < issued_date:
            out.setdefault(i, []).append(
                f"Hạn {deadline.strftime('%d/%m/%Y')} trước ngày ban hành {issued_date.strftime('%d/%m/%Y')} — "
                "có thể văn bản gõ nhầm. Sửa lại, hoặc giữ nguyên nếu đúng như văn bản.")
    return out


def _impossible_date_warnings(directive: Directive, rows: list[dict], warnings: dict[int, list[str]]) -> list[str]:
    """Dates written in the text that do not exist (31/02): on the task whose span holds them,
    else for the whole document. Never dropped silently."""
    from tracker.services.dates import impossible_dates

    text = directive.source_text or ""
    placed = set()
    for i, row in enumerate(rows, 1):
        start, end = _int_or_none(row["start"]), _int_or_none(row["end"])
        pieces = [row.get("deadline_text") or "", row.get("action") or ""]
        if start is not None and end is not None:
            pieces.append(text[start:end])
        for written in dict.fromkeys(d for piece in pieces for d in impossible_dates(piece)):
            placed.add(written)
            warnings.setdefault(i, []).append(
                f"Văn bản ghi ngày “{written}” nhưng ngày này không có trong lịch; hãy nhập hạn đúng "
                "(hỏi lại cơ quan ban hành nếu cần).")
    return [d for d in dict.fromkeys(impossible_dates(text)) if d not in placed]


def publish_preview(rows: list[dict], lookup: "UnitLookup") -> tuple[list[tuple[str, int]], int]:
    """How many tasks publishing creates for each unit, after group expansion, and in total."""
    from tracker.services.units import expand_group

    session = get_session()
    per_unit: dict[str, int] = {}
    for row in rows:
        unit = lookup.find(row["unit"])
        if unit is None:
            continue
        for member in expand_group(session, unit) or [unit]:
            per_unit[member.name] = per_unit.get(member.name, 0) + 1
    return sorted(per_unit.items(), key=lambda kv: (-kv[1], fold(kv[0]))), sum(per_unit.values())


def _row_expansions(rows: list[dict], lookup: "UnitLookup") -> list[int]:
    from tracker.services.units import expand_group

    session = get_session()
    out = []
    for row in rows:
        unit = lookup.find(row["unit"])
        out.append(0 if unit is None else len(expand_group(session, unit) or [unit]))
    return out


def read_limited_upload(upload) -> bytes:
    """The bytes of an uploaded directive file, refused above MAX_SCAN_BYTES."""
    limit = current_app.config["MAX_SCAN_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB)", code="too_large", status=413)
    return data


def _render_review(directive: Directive, header: dict, rows: list[dict], *, errors=None, error=None, status=200,
                   duplicate_unconfirmed: bool = False, notice: str | None = None):
    from tracker.services.duplicates import find_duplicate

    spans = [(_int_or_none(r["start"]), _int_or_none(r["end"])) for r in rows]
    units = _units()
    lookup = UnitLookup(units)
    warnings = _warnings(rows, header.get("issued", ""))
    document_warnings = _impossible_date_warnings(directive, rows, warnings)
    preview, preview_total = publish_preview(rows, lookup)
    return render_template(
        "directives/review.html", directive=directive, header=header, rows=rows, units=units,
        source=highlight_source(directive.source_text, spans), errors=errors or {}, error=error,
        warnings=warnings, kinds=DIRECTIVE_KINDS, reason_labels=REASON_LABELS,
        document_warnings=document_warnings, duplicate=find_duplicate(get_session(), directive),
        duplicate_unconfirmed=duplicate_unconfirmed, preview=preview, preview_total=preview_total,
        expansions=_row_expansions(rows, lookup),
        intake=intake.intake_status(get_session(), directive), ocr_note=intake.OCR_NOTE,
        can_add_unit=current_user().role == "clerk", notice=notice,
    ), status


def _draft_for_clerk(directive_id: int) -> Directive:
    directive = directive_service.get_directive(get_session(), directive_id)
    if directive.state != DRAFT:
        flash("Văn bản đã được ban hành.", "info")
        abort(redirect(url_for("directives.detail", directive_id=directive.id)))
    return directive


@bp.get("/directives/<int:directive_id>/review")
@role_required("clerk", "admin")
def review(directive_id: int):
    directive = _draft_for_clerk(directive_id)
    lookup = UnitLookup(_units())
    rows = [_row_from_draft(t, lookup) for t in directive.draft_tasks]
    return _render_review(directive, _header_from_directive(directive), rows)


@bp.post("/directives/<int:directive_id>/review")
@role_required("clerk", "admin")
def review_post(directive_id: int):
    session = get_session()
    directive = _draft_for_clerk(directive_id)
    status = intake.intake_status(session, directive)
    if status and status["state"] == "processing":
        flash("Bản quét đang được nhận dạng chữ; chờ xong rồi rà soát và ban hành.", "info")
        return redirect(url_for("directives.review", directive_id=directive.id))
    header = _header_from_form()
    rows = _rows_from_form()
    op = request.form.get("op") or "save"

    # Row operations only change the form; nothing is stored until save or publish.
    if op.startswith(("delete:", "split:")):
        kind, _, index = op.partition(":")
        i = _int_or_none(index)
        if i is not None and 0 <= i < len(rows):
            if kind == "delete":
                rows.pop(i)
            else:
                rows.insert(i + 1, dict(rows[i], reasons="tách từ nhiệm vụ " + str(i + 1)))
        return _render_review(directive, header, rows)
    if op in ("add", "add_selection"):
        new_row = {f: "" for f in ROW_FIELDS}
        if op == "add_selection":
            start, end = _int_or_none(request.form.get("new_start", "")), _int_or_none(request.form.get("new_end", ""))
            if start is not None and end is not None and 0 <= start < end <= len(directive.source_text):
                new_row.update(start=str(start), end=str(end),
                               action=directive.source_text[start:end].strip())
        new_row["reasons"] = "thêm thủ công"
        rows.append(new_row)
        return _render_review(directive, header, rows)
    if op not in ("save", "publish"):
        abort(400)

    version = _int_or_none(request.form.get("version", ""))
    if version != directive.version:
        return _render_review(directive, header, rows, status=409,
                              error="Bản nháp vừa được người khác sửa; thay đổi của bạn CHƯA được lưu. "
                                    "Hãy mở lại trang rà soát để xem bản mới nhất.")
    lookup = UnitLookup(_units())
    from tracker.services.dates import parse_user_date

    try:
        issued = parse_user_date(header["issued"], "ngày ban hành", today=local_today()) if header["issued"] else None
    except ServiceError as exc:
        tasks, errors = _draft_from_rows(rows, lookup)
        return _render_review(directive, header, rows, errors=errors, error=exc.message, status=422)
    if issued:
        header["issued"] = issued.isoformat()
    tasks, errors = _draft_from_rows(rows, lookup, issued)
    try:
        if header["kind"] not in DIRECTIVE_KINDS:
            raise ServiceError("Loại văn bản không hợp lệ", code="invalid_kind", status=422)
    except ServiceError as exc:
        return _render_review(directive, header, rows, errors=errors, error=exc.message, status=422)
    if errors:
        return _render_review(directive, header, rows, errors=errors, status=422,
                              error="Chưa lưu: có dòng cần sửa (xem các ô báo đỏ).")
    try:
        directive_service.save_draft(session, current_user(), directive, tasks,
                                     issued=header["issued"] or None,
                                     **{k: header[k] for k in ("number", "code", "kind", "title", "issuer", "signer")})
        if op == "publish":
            created = directive_service.publish(session, current_user(), directive,
                                                confirm_duplicate=request.form.get("confirm_duplicate") == "1")
        session.commit()
    except directive_service.DraftInvalid as exc:
        session.rollback()
        return _render_review(directive, header, rows, errors=exc.errors, status=422,
                              error="Chưa ban hành: có nhiệm vụ cần sửa (xem các ô báo đỏ). Không nhiệm vụ nào được"
                                    " tạo.")
    except ServiceError as exc:
        session.rollback()
        session.expire_all()
        directive = directive_service.get_directive(session, directive_id)
        return _render_review(directive, header, rows, error=exc.message, status=exc.status,
                              duplicate_unconfirmed=exc.code == "duplicate")
    if op == "publish":
        flash(f"Đã ban hành: {len(created)} nhiệm vụ đã được giao cho các đơn vị.", "success")
        return redirect(url_for("directives.detail", directive_id=directive.id))
    flash("Đã lưu bản nháp. Bạn có thể quay lại rà soát tiếp bất cứ lúc nào.", "success")
    return redirect(url_for("directives.review", directive_id=directive.id))


@bp.post("/directives/<int:directive_id>/review/units")
@role_required("clerk")
def review_add_unit(directive_id: int):
    """ "Thêm vào danh mục": the owner of row `row`, not in the registry, becomes a unit. The button
    posts the whole review form here, so the clerk's unsaved edits come back as they were, with
    every row that names this owner now led by the new unit. Nothing of the draft is saved."""
    from tracker.services import registry_admin

    session = get_session()
    directive = _draft_for_clerk(directive_id)
    header, rows = _header_from_form(), _rows_from_form()
    i = _int_or_none(request.form.get("row", ""))
    if i is None or not 0 <= i < len(rows) or not rows[i]["owner"].strip():
        return _render_review(directive, header, rows, status=422,
                              error="Không rõ dòng nào cần thêm đơn vị; vui lòng tải lại trang.")
    name = rows[i]["owner"].strip()
    try:
        unit = registry_admin.add_unit_from_review(session, current_user(), name=name)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _render_review(directive, header, rows, error=exc.message, status=exc.status)
    for row in rows:
        if not row["unit"].strip() and fold(row["owner"]) == fold(name):
            row["unit"] = unit.name
            row["reasons"] = "\n".join(r for r in row["reasons"].splitlines() if r != "owner_not_in_registry")
    return _render_review(directive, header, rows,
                          notice=f"Đã thêm “{unit.name}” (mã {unit.code}) vào danh mục đơn vị. "
                                 "Bản nháp chưa được lưu: bấm “Lưu bản nháp” hoặc “Ban hành”.")


@bp.post("/directives/<int:directive_id>/delete")
@role_required("clerk", "admin")
def delete_draft(directive_id: int):
    session = get_session()
    directive = _draft_for_clerk(directive_id)
    from tracker.models import AuditEvent

    session.add(AuditEvent(actor_id=current_user().id, channel="web", entity="directive", entity_id=directive.id,
                           action="delete_draft", old_value=directive.code or directive.title[:100]))
    # guarded: a clerk publishing this draft at the same moment wins, and nothing is half-deleted
    from sqlalchemy import delete as sa_delete

    deleted = session.execute(sa_delete(Directive).where(Directive.id == directive.id, Directive.state == DRAFT)
                              .execution_options(synchronize_session=False))
    if deleted.rowcount != 1:
        session.rollback()
        raise ServiceError("Văn bản vừa được ban hành, không xoá bản nháp được nữa", code="published", status=409)
    session.expunge(directive)
    session.commit()
    flash("Đã xoá bản nháp.", "success")
    return redirect(url_for("directives.index"))


# --- detail ---------------------------------------------------------------------------

@bp.get("/directives/<int:directive_id>")
@login_required
def detail(directive_id: int):
    session = get_session()
    user = current_user()
    directive = directive_service.get_directive(session, directive_id)
    if directive.state == DRAFT:
        if user.role in ("clerk", "admin"):
            return redirect(url_for("directives.review", directive_id=directive.id))
        abort(404)
    rows, total = task_service.list_tasks(session, user, today=local_today(),
                                          due_soon_days=int(current_app.config.get("DUE_SOON_DAYS", 3)),
                                          directive_id=directive.id, per_page=directive_service.MAX_TASKS * 10)
    co = task_service.co_units_for(session, [t.id for t, _, _ in rows])
    spans = sorted({(t.source_start, t.source_end) for t, _, _ in rows if t.source_start is not None},
                   key=lambda s: s[0])
    cancelled = sum(1 for t, _, _ in rows if t.status == "da_huy")
    replaced_by = session.get(Directive, directive.replaced_by_id) if directive.replaced_by_id else None
    return render_template("directives/detail.html", directive=directive, rows=rows, co=co, total=total,
                           cancelled=cancelled, replaced_by=replaced_by,
                           can_withdraw=user.role in ("clerk", "admin") and directive.state == "published",
                           codes={directive.id: directive.code}, source=highlight_source(directive.source_text, spans),
                           today=local_today(), intake=intake.intake_status(session, directive),
                           can_original=intake.can_view_original(session, user, directive), ocr_note=intake.OCR_NOTE)


@bp.post("/directives/<int:directive_id>/withdraw")
@role_required("clerk", "admin")
def withdraw(directive_id: int):
    """Withdraw a published directive, or mark it replaced by a newer one (its open tasks are cancelled)."""
    from tracker.services import office

    session = get_session()
    replaced_by = None
    if request.form.get("mode") == "replace":
        ref = (request.form.get("replaced_by") or "").strip()
        replaced_by = _find_directive_ref(ref)
    try:
        directive_service.get_directive(session, directive_id)
        directive, cancelled = office.withdraw_directive(session, current_user(), directive_id,
                                                         reason=request.form.get("reason", ""),
                                                         replaced_by=replaced_by)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("directives.detail", directive_id=directive_id))
    label = "Đã đánh dấu văn bản được thay thế" if replaced_by else "Đã thu hồi văn bản"
    flash(f"{label}; {len(cancelled)} nhiệm vụ chưa hoàn thành đã được hủy.", "success")
    return redirect(url_for("directives.detail", directive_id=directive_id))


def _find_directive_ref(ref: str) -> int:
    """The replacing directive, typed as its id or its code (số/ký hiệu)."""
    session = get_session()
    if ref.isdigit():
        return int(ref)
    if ref:
        found = session.exec(select(Directive.id).where(Directive.state == "published")
                             .order_by(Directive.id)).all()
        for d in session.exec(select(Directive).where(Directive.id.in_(found))).all():
            if d.code and fold(d.code).replace(" ", "") == fold(ref).replace(" ", ""):
                return d.id
    raise ServiceError(f"Không tìm thấy văn bản thay thế “{ref[:60]}” đã ban hành", code="invalid_replaced_by",
                       status=422)


@bp.get("/directives/<int:directive_id>/original")
@login_required
def original(directive_id: int):
    """The file the directive came in, for the office, leaders and units with tasks in it."""
    session = get_session()
    try:
        row = intake.original_for(session, current_user(), directive_id)
    except ServiceError:
        abort(404)
    return send_original(row)


def send_original(row):
    """Serve a stored original as an attachment (never rendered inline: it may be any file)."""
    import os

    from flask import send_file

    path = intake.original_path(current_app.instance_path, row)
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype=row.content_type.split(";")[0], as_attachment=True,
                         download_name=row.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
