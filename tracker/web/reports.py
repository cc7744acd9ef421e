"""Official reports: the periodic results report (page, .docx, JSON) and the unit scores.

Routes (leaders, the office and admins; unit staff are refused):
- GET  /reports/                       period form, the figures, the editable narrative
- POST /reports/periodic.docx          the .docx with the narrative as edited on the page
- GET  /reports/scores                 the ranking by the loaded scoring rules
- GET  /reports/scores.xlsx|csv        the ranking as a spreadsheet
- GET  /api/v1/reports/periodic        {"from", "to", "as_of", "totals", "units"}
- GET  /api/v1/reports/periodic.docx   the .docx with the generated narrative
- GET  /api/v1/reports/scores          {"from", "to", "rules", "units": [{"unit", "points", "rank",
                                        "ty_le_dung_han", "dat_80"}]}
- GET|POST /admin/scoring              the scoring rules (admin and the office load a YAML file)
"""
import re
from datetime import date
from datetime import timedelta

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import select

from tracker.db import get_session
from tracker.models import ADMIN
from tracker.models import CLERK
from tracker.models import LEADER
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import periodic
from tracker.services import report_docx
from tracker.services import scoring
from tracker.services import stats
from tracker.services.clock import local_today
from tracker.web.auth import api_auth_required
from tracker.web.auth import current_user
from tracker.web.auth import role_required

bp = Blueprint("reports", __name__)

VIEWERS = (LEADER, CLERK, ADMIN)
RULE_EDITORS = (CLERK, ADMIN)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_NARRATIVE = 20_000


def _api_forbidden():
    response = jsonify({"error": {"code": "forbidden",
                                  "message": "Chỉ lãnh đạo, Văn phòng và quản trị xem được báo cáo"}})
    response.status_code = 403
    return response


def _heading(form=None) -> report_docx.Heading:
    cfg = current_app.config
    form = form or {}
    number = (form.get("number") or "").strip()[:64]
    signer = (form.get("signer_name") or "").strip()[:128]
    return report_docx.Heading(org_parent=cfg.get("ORG_PARENT") or "", org_name=cfg.get("ORG_NAME") or "",
                               place=cfg.get("ORG_PLACE") or "", signer_title=cfg.get("REPORT_SIGNER_TITLE") or "",
                               signer_name=_CONTROL.sub("", signer), number=_CONTROL.sub("", number) or
                               "       /BC-VP", issued=local_today())


def _scope(session, filters: stats.Filters) -> str:
    parts = []
    if filters.unit_id:
        name = session.get(Unit, filters.unit_id)
        parts.append(f"đơn vị {name.name if name else filters.unit_id}")
    if filters.signer:
        parts.append(f"lãnh đạo chỉ đạo {filters.signer}")
    return "; ".join(parts)


def _docx_response(data: bytes, period: periodic.Period) -> Response:
    name = f"bao-cao-ket-qua-{period.date_from.isoformat()}-{period.date_to.isoformat()}.docx"
    response = Response(data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _quarter_bounds(today: date, months: int = 3) -> tuple[date, date]:
    """The last finished period of `months` months (a quarter by default: what the office
    reports most often; 1, 6 or 12 for the scoring rules' month, half-year or year)."""
    start = date(today.year, months * ((today.month - 1) // months) + 1, 1)
    prev_end = start - timedelta(days=1)
    return date(prev_end.year, months * ((prev_end.month - 1) // months) + 1, 1), prev_end


# --- pages --------------------------------------------------------------------------

@bp.get("/reports/")
@role_required(*VIEWERS)
def index():
    session = get_session()
    args = dict(request.args)
    if not args.get("from") and not args.get("to"):
        start, end = _quarter_bounds(local_today())
        args.update({"from": start.isoformat(), "to": end.isoformat()})
    period, filters = periodic.parse_period(args)
    data = periodic.report_data(session, period, filters, today=local_today())
    return render_template("reports/index.html", data=data, period=period, filters=filters,
                           narrative=periodic.narrative(data), labels=stats.COLUMN_LABELS, columns=stats.COLUMNS,
                           signers=stats.signers(session),
                           units=session.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all(),
                           args={"from": period.date_from.isoformat(), "to": period.date_to.isoformat(),
                                 **({"unit": str(filters.unit_id)} if filters.unit_id else {}),
                                 **({"signer": filters.signer} if filters.signer else {})})


@bp.post("/reports/periodic.docx")
@role_required(*VIEWERS)
def download_docx():
    """The document with the narrative as the office edited it on the page."""
    session = get_session()
    period, filters = periodic.parse_period(request.form)
    data = periodic.report_data(session, period, filters, today=local_today())
    text = request.form.get("narrative")
    if text is None or not text.strip():
        text = periodic.narrative(data)
    if len(text) > MAX_NARRATIVE:
        raise ServiceError(f"Nội dung báo cáo quá dài (tối đa {MAX_NARRATIVE} ký tự)", code="too_long", status=422)
    body = report_docx.report_docx(data, _heading(request.form), _CONTROL.sub("", text),
                                   scope=_scope(session, filters))
    return _docx_response(body, period)


@bp.get("/reports/scores")
@role_required(*VIEWERS)
def scores_page():
    session = get_session()
    args = dict(request.args)
    if not args.get("from") and not args.get("to"):
        months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[scoring.active_rules(session).period]
        start, end = _quarter_bounds(local_today(), months)
        args.update({"from": start.isoformat(), "to": end.isoformat()})
    period, filters = periodic.parse_period(args)
    board = scoring.scores(session, period, filters, today=local_today())
    return render_template("reports/scores.html", board=board, period=period,
                           args={"from": period.date_from.isoformat(), "to": period.date_to.isoformat()})


@bp.get("/reports/scores.<fmt>")
@role_required(*VIEWERS)
def scores_export(fmt: str):
    from flask import abort

    from tracker.services import exports

    if fmt not in ("xlsx", "csv"):
        abort(404)
    session = get_session()
    period, filters = periodic.parse_period(request.args)
    board = scoring.scores(session, period, filters, today=local_today())
    if fmt == "xlsx":
        body, mimetype = exports.scores_xlsx(board), XLSX
    else:
        body, mimetype = exports.scores_csv(board), CSV
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="xep-hang-don-vi-{period.date_from.isoformat()}-{period.date_to.isoformat()}.{fmt}"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/scoring", methods=["GET", "POST"])
@role_required(*RULE_EDITORS)
def admin_scoring():
    session = get_session()
    if request.method == "POST":
        upload = request.files.get("file")
        text = upload.read().decode("utf-8", "replace") if upload and upload.filename else request.form.get("rules", "")
        try:
            rules = scoring.load_rules(session, text, user=current_user())
            session.commit()
        except ServiceError as exc:
            session.rollback()
            flash(exc.message, "error")
            return render_template("reports/scoring.html", rules=scoring.active_rules(session), source=text), 422
        flash(f"Đã nạp quy tắc chấm điểm “{rules.name}”.", "success")
        return redirect(url_for("reports.admin_scoring"))
    rules = scoring.active_rules(session)
    return render_template("reports/scoring.html", rules=rules, source=rules.source)


# --- API ------------------------------------------------------------------------------

@bp.get("/api/v1/reports/periodic")
@api_auth_required
def api_periodic():
    if current_user().role not in VIEWERS:
        return _api_forbidden()
    period, filters = periodic.parse_period(request.args)
    figures = periodic.period_figures(get_session(), period, filters, today=local_today())
    return jsonify(figures.as_dict())


@bp.get("/api/v1/reports/periodic.docx")
@api_auth_required
def api_periodic_docx():
    if current_user().role not in VIEWERS:
        return _api_forbidden()
    session = get_session()
    period, filters = periodic.parse_period(request.args)
    data = periodic.report_data(session, period, filters, today=local_today())
    body = report_docx.report_docx(data, _heading(), periodic.narrative(data), scope=_scope(session, filters))
    return _docx_response(body, period)


@bp.get("/api/v1/reports/scores")
@api_auth_required
def api_scores():
    if current_user().role not in VIEWERS:
        return _api_forbidden()
    period, filters = periodic.parse_period(request.args)
    board = scoring.scores(get_session(), period, filters, today=local_today())
    return jsonify(board.as_dict())
