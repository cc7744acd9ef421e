"""Leadership views: the dashboard, the overdue drill-down, exports and GET /api/v1/stats/units.

Routes (filters everywhere: period=deadline|issued, from, to (DD/MM/YYYY or YYYY-MM-DD),
directive, signer, unit, q):
- GET /dashboard                      four-way table per unit and total, ranking, charts
- GET /dashboard/overdue[?unit=ID]    overdue list, most overdue first; `unit` drills down
- GET /dashboard/export.xlsx|csv      the four-way table (+ an overdue sheet in the xlsx)
- GET /exports/tasks.xlsx|csv         any filtered task list in the official layout; also
                                      `state` (deadline state or four-way column),
                                      `status`, `scope`, `ext`; unit staff get only what
                                      they may see (templates/dashboard/_export_links.html
                                      renders the two buttons for any list page)
- GET /api/v1/stats/units             {"today", "filters", "total": {...}, "units": [{"unit":
                                      {"id", "code", "name"}, "rank", "hoan_thanh_dung_han",
                                      "hoan_thanh_qua_han", "chua_hoan_thanh_trong_han",
                                      "chua_hoan_thanh_qua_han", "khong_co_han", "tong_so",
                                      "ty_le_dung_han" (percent, 1 decimal, or null)}]}

The page and the API read the same `stats.dashboard` result, so their figures cannot
disagree. Charts are SVG drawn here on the server (no CDN, no script; the CSP forbids
inline styles, so only SVG presentation attributes are used).
"""
from datetime import date

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy import and_
from sqlalchemy import select

from tracker.db import get_session
from tracker.models import ADMIN
from tracker.models import CLERK
from tracker.models import LEADER
from tracker.models import TASK_STATUSES
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import exports
from tracker.services import permissions
from tracker.services import stats
from tracker.services.clock import local_today
from tracker.web.auth import api_auth_required
from tracker.services import inputs
from tracker.web.auth import current_user
from tracker.web.auth import login_required
from tracker.web.auth import role_required

bp = Blueprint("dashboard", __name__)

VIEWERS = (LEADER, CLERK, ADMIN)
OVERDUE_PREVIEW = 10
OVERDUE_PER_PAGE = 50
CHART_UNITS = 15
# The unit table lists every unit up to this many; beyond it, the best and the worst
# UNITS_EACH_END units with a link to the full table (?all_units=1): 300 rows of figures
# were most of a 365 KB page.
UNITS_FULL_MAX = 60
UNITS_EACH_END = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
COLORS = {
    stats.DONE_ON_TIME: "#18794e",
    stats.DONE_LATE: "#c27c0e",
    stats.OPEN_ON_TIME: "#0b5cad",
    stats.OPEN_OVERDUE: "#b42318",
    stats.NO_DEADLINE: "#8a94a3",
}


def _filters() -> stats.Filters:
    return stats.parse_filters(request.args)


def _cache() -> stats.ResultCache:
    """This worker's cache of dashboard figures (see stats.ResultCache)."""
    cache = current_app.extensions.get("dashboard_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("dashboard_cache", stats.ResultCache())
    return cache


def _filter_choices(session, directive_id: int | None, version: tuple) -> tuple[list, list]:
    """(signers, recent directives) for the filter form, cached like the figures: both
    change only when a directive is published, which adds tasks (a new max task id)."""
    return _cache().get_or_compute(
        ("filter_choices", directive_id, version),
        lambda: (stats.signers(session), stats.recent_directives(session, include_id=directive_id)))


def _page() -> int:
    return inputs.to_int(request.args.get("page"), 1, minimum=1)


# --- SVG charts ------------------------------------------------------------------------

def _pct(n: int, total: int) -> str:
    return f"{(100 * n / total):.1f}".rstrip("0").rstrip(".") if total else "0"


def composition_svg(figures: stats.Figures) -> Markup:
    """One 100% stacked bar of the total with a legend."""
    total = figures.total
    width, height, bar_h = 1200, 92, 30
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             "<title>Cơ cấu nhiệm vụ theo bốn nhóm</title>"]
    x = 0.0
    for column in stats.COLUMNS:
        n = getattr(figures, column)
        if not total or not n:
            continue
        w = width * n / total
        label = f"{stats.COLUMN_LABELS[column]}: {_number_filter(n)} ({_pct(n, total)}%)"
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{bar_h}" fill="{COLORS[column]}">'
                     f"<title>{escape(label)}</title></rect>")
        x += w
    if not total:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{bar_h}" fill="#eef1f5"/>'
                     f'<text x="8" y="20" font-size="13" fill="#5d6776">Chưa có nhiệm vụ</text>')
    lx, ly = 0, bar_h + 22
    for column in stats.COLUMNS:
        n = getattr(figures, column)
        text = f"{stats.COLUMN_LABELS[column]}: {_number_filter(n)}"
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="11" height="11" fill="{COLORS[column]}"/>'
                     f'<text x="{lx + 15}" y="{ly}" font-size="12" fill="#1d2430">{escape(text)}</text>')
        lx += 15 + 7 * len(text) + 24
        if lx > width - 260:
            lx, ly = 0, ly + 20
    parts.append("</svg>")
    return Markup("".join(parts))


def units_svg(rows: list[stats.UnitRow], title: str) -> Markup:
    """Horizontal stacked bars of the four-way figures, one per unit (rows as given)."""
    label_w, bar_w, row_h, top = 300, 800, 22, 8
    width = label_w + bar_w + 100
    height = top + row_h * max(1, len(rows)) + 6
    biggest = max((r.figures.total for r in rows), default=0) or 1
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, row in enumerate(rows):
        y = top + i * row_h
        name = row.name if len(row.name) <= 44 else row.name[:43] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" text-anchor="end" fill="#1d2430">'
                     f"{escape(name)}</text>")
        x = float(label_w)
        for column in stats.COLUMNS:
            n = getattr(row.figures, column)
            if not n:
                continue
            w = bar_w * n / biggest
            parts.append(f'<rect x="{x:.2f}" y="{y + 3}" width="{w:.2f}" height="{row_h - 7}" '
                         f'fill="{COLORS[column]}"><title>{escape(row.name)} · '
                         f"{escape(stats.COLUMN_LABELS[column])}: {n}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 5:.2f}" y="{y + 14}" font-size="12" fill="#5d6776">'
                     f"{row.figures.total}</text>")
    if not rows:
        parts.append(f'<text x="8" y="{top + 14}" font-size="13" fill="#5d6776">Không có dữ liệu</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_svg(rows: list[stats.UnitRow], title: str) -> Markup:
    """On-time rate per unit as horizontal bars (0-100%)."""
    label_w, bar_w, row_h, top = 300, 800, 22, 8
    width = label_w + bar_w + 100
    height = top + row_h * max(1, len(rows)) + 6
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{label_w}" y="{top}" width="{bar_w}" height="{height - top - 6}" fill="#f5f6f8"/>']
    for i, row in enumerate(rows):
        y = top + i * row_h
        rate = row.figures.on_time_rate or 0.0
        name = row.name if len(row.name) <= 44 else row.name[:43] + "…"
        color = "#18794e" if rate >= 0.8 else "#c27c0e" if rate >= 0.5 else "#b42318"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" text-anchor="end" fill="#1d2430">'
                     f"{row.rank}. {escape(name)}</text>"
                     f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * rate:.2f}" height="{row_h - 7}" '
                     f'fill="{color}"><title>{escape(row.name)}: {rate * 100:.1f}%</title></rect>'
                     f'<text x="{label_w + bar_w * rate + 5:.2f}" y="{y + 14}" font-size="12" fill="#5d6776">'
                     f"{rate * 100:.1f}%</text>")
    if not rows:
        parts.append(f'<text x="{label_w + 8}" y="{top + 14}" font-size="13" fill="#5d6776">'
                     "Chưa có nhiệm vụ đến hạn</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


@bp.get("/dashboard/dashboard.css")
def stylesheet():
    """The dashboard's few extra rules, kept beside its templates."""
    import os

    path = os.path.join(current_app.template_folder, "dashboard", "dashboard.css")
    with open(path, encoding="utf-8") as fh:
        response = Response(fh.read(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# --- pages -----------------------------------------------------------------------------

@bp.get("/dashboard")
@role_required(*VIEWERS)
def index():
    session = get_session()
    filters = _filters()
    today = local_today()
    version = stats.data_version(session)
    board = stats.dashboard(session, filters, today=today, cache=_cache(), version=version)
    # the overdue list's count is the total's "chưa hoàn thành, quá hạn" figure
    overdue = stats.overdue_page(session, filters, today=today, per_page=OVERDUE_PREVIEW,
                                 total=board.total.chua_hoan_thanh_qua_han)
    ranked = [u for u in board.units if u.rank is not None]
    most_overdue = sorted((u for u in board.units if u.figures.chua_hoan_thanh_qua_han),
                          key=lambda u: (-u.figures.chua_hoan_thanh_qua_han, u.name))[:CHART_UNITS]
    units_head, units_tail = board.units, []
    if len(board.units) > UNITS_FULL_MAX and request.args.get("all_units") != "1":
        units_head, units_tail = board.units[:UNITS_EACH_END], board.units[-UNITS_EACH_END:]
    signers, directives = _filter_choices(session, filters.directive_id, version)
    return render_template(
        "dashboard/index.html", board=board, filters=filters, args=filters.query_args(), overdue=overdue,
        labels=stats.COLUMN_LABELS, columns=stats.COLUMNS, colors=COLORS,
        units_head=units_head, units_tail=units_tail,
        units_hidden=len(board.units) - len(units_head) - len(units_tail),
        signers=signers, directives=directives,
        chart_total=composition_svg(board.total),
        chart_overdue=units_svg(most_overdue, "Đơn vị có nhiều nhiệm vụ quá hạn nhất"),
        chart_best=rate_svg(ranked[:CHART_UNITS], "Đơn vị có tỷ lệ hoàn thành đúng hạn cao nhất"),
        chart_worst=rate_svg(ranked[-CHART_UNITS:][::-1] if len(ranked) > CHART_UNITS else [],
                             "Đơn vị có tỷ lệ hoàn thành đúng hạn thấp nhất"),
        has_task_pages="tasks.detail" in current_app.view_functions,
        # drill-down links end in "unit=<id>" (built once, not once per unit row)
        overdue_base=url_for("dashboard.overdue", **{**filters.without_unit().query_args(), "unit": ""}),
    )


@bp.get("/dashboard/overdue")
@role_required(*VIEWERS)
def overdue():
    """The overdue list, most overdue first; `unit` drills down to one unit."""
    session = get_session()
    filters = _filters()
    today = local_today()
    page = stats.overdue_page(session, filters, today=today, page=_page(), per_page=OVERDUE_PER_PAGE)
    unit = session.get(Unit, filters.unit_id) if filters.unit_id else None
    if filters.unit_id and unit is None:
        abort(404)
    unit_figures = None
    if unit is not None:
        board = stats.dashboard(session, filters, today=today, cache=_cache())
        unit_figures = board.units[0].figures if board.units else stats.Figures()
    return render_template("dashboard/overdue.html", page=page, filters=filters, args=filters.query_args(),
                           args_no_unit=filters.without_unit().query_args(),
                           unit=unit, unit_figures=unit_figures, today=today, labels=stats.COLUMN_LABELS,
                           columns=stats.COLUMNS, has_task_pages="tasks.detail" in current_app.view_functions)


# --- exports ---------------------------------------------------------------------------

def _download(data: bytes, stem: str, fmt: str) -> Response:
    name = f"{stem}-{local_today().isoformat()}.{fmt}"
    response = Response(data, mimetype=XLSX if fmt == "xlsx" else CSV)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/dashboard/export.<fmt>")
@role_required(*VIEWERS)
def export_dashboard(fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    session = get_session()
    filters = _filters()
    if fmt == "xlsx":
        return _download(exports.dashboard_xlsx(session, filters, today=local_today()), "tong-hop-nhiem-vu", fmt)
    return _download(exports.dashboard_csv(session, filters, today=local_today()), "tong-hop-nhiem-vu", fmt)


@bp.get("/exports/tasks.<fmt>")
@login_required
def export_tasks(fmt: str):
    """Any filtered task list (the same query parameters as the list pages and the
    dashboard: unit, state, status, directive, signer, period/from/to, q, and the list
    pages' scope=lead|co and ext=pending), limited to what the user may see."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    session = get_session()
    user = current_user()
    filters = _filters()
    state = (request.args.get("state") or "").strip() or None
    status = (request.args.get("status") or "").strip() or None
    if status and status not in TASK_STATUSES:
        raise ServiceError(f"Trạng thái '{status}' không hợp lệ", code="invalid_filter", status=422)
    conditions = [c for c in (permissions.visible_tasks_clause(user),) if c is not None]
    if status:
        conditions.append(Task.status == status)
    # the list pages' own filters: "Việc của đơn vị tôi" (scope=lead|co) and pending extensions
    scope = request.args.get("scope")
    if scope == "lead":
        conditions.append(Task.lead_unit_id == (user.unit_id or -1))
    elif scope == "co":
        conditions.append(Task.id.in_(select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == (user.unit_id or -1))))
    if request.args.get("ext") == "pending":
        conditions.append(Task.id.in_(select(ExtensionRequest.task_id).where(ExtensionRequest.status == "pending")))
    visible = and_(*conditions) if conditions else None
    limit = inputs.to_int(request.args.get("limit"), minimum=1)
    stem = "nhiem-vu-qua-han" if state in ("qua_han", stats.OPEN_OVERDUE) else "danh-sach-nhiem-vu"
    if fmt == "xlsx":
        data = exports.tasks_xlsx(session, filters, today=local_today(), state=state, visible=visible,
                                  limit=limit)
    else:
        data = exports.tasks_csv(session, filters, today=local_today(), state=state, visible=visible,
                                 limit=limit)
    return _download(data, stem, fmt)


@bp.get("/dashboard/export/tasks.xlsx")
@login_required
def export_tasks_xlsx():
    """The same export at the path `bench/pages.py` measures."""
    return export_tasks("xlsx")


# --- API -------------------------------------------------------------------------------

@bp.get("/api/v1/stats/units")
@api_auth_required
def api_stats_units():
    """The dashboard's figures as JSON; the same filters as query parameters."""
    user = current_user()
    if user.role not in VIEWERS:
        response = jsonify({"error": {"code": "forbidden",
                                      "message": "Chỉ lãnh đạo, Văn phòng và quản trị xem được số liệu tổng hợp"}})
        response.status_code = 403
        return response
    board = stats.dashboard(get_session(), _filters(), today=local_today(), cache=_cache())
    return jsonify(board.as_dict())


@bp.app_template_filter("rate")
def _rate_filter(value) -> str:
    """0.4 -> '40,0%' (Vietnamese decimal comma); None -> '—'."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%".replace(".", ",")


@bp.app_template_global("dashboard_date_input")
def _date_input(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@bp.app_template_filter("vnnum")
def _number_filter(value) -> str:
    """12345 -> '12.345' (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)
