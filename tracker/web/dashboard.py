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

from tracker.db import get_session
from tracker.models import ADMIN
from tracker.models import CLERK
from tracker.models import LEADER
from tracker.models import Unit
from tracker.services import exports
from tracker.services import inputs
from tracker.services import stats
from tracker.services.clock import local_today
from tracker.web import charts
from tracker.web import export_jobs as export_jobs_web
from tracker.web.auth import api_auth_required
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
COLORS = charts.COLORS


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


# --- pages -----------------------------------------------------------------------------

@bp.get("/dashboard")
@role_required(*VIEWERS)
def index():
    session = get_session()
    filters = _filters()
    today = local_today()
    version = stats.data_version(session)
    board = stats.dashboard(session, filters, today=today, cache=_cache(), version=version)
    all_units = request.args.get("all_units") == "1"
    # The body depends on the figures (data version), the filters, the day and the unit
    # names, which are read fresh above (a renamed unit shows at once): it is rendered
    # once per such key and kept, so a repeated view renders only the frame around it.
    names = tuple((u.unit_id, u.name, u.code) for u in board.units)
    key = ("board_html", stats.filters_key(filters), today, version, all_units, names)
    html = _html_cache().get_or_compute(key, lambda: _render_board(session, board, filters, today, version,
                                                                   all_units))
    return render_template("dashboard/index.html", board_html=html)


def _html_cache() -> stats.ResultCache:
    """This worker's rendered dashboard bodies (about 90 KB each, so fewer than the figures)."""
    cache = current_app.extensions.get("dashboard_html_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("dashboard_html_cache", stats.ResultCache(maxsize=32))
    return cache


def _render_board(session, board, filters, today, version, all_units: bool):
    # the overdue list's count is the total's "chưa hoàn thành, quá hạn" figure
    overdue = stats.overdue_page(session, filters, today=today, per_page=OVERDUE_PREVIEW,
                                 total=board.total.chua_hoan_thanh_qua_han)
    ranked = [u for u in board.units if u.rank is not None]
    most_overdue = sorted((u for u in board.units if u.figures.chua_hoan_thanh_qua_han),
                          key=lambda u: (-u.figures.chua_hoan_thanh_qua_han, u.name))[:CHART_UNITS]
    units_head, units_tail = board.units, []
    if len(board.units) > UNITS_FULL_MAX and not all_units:
        units_head, units_tail = board.units[:UNITS_EACH_END], board.units[-UNITS_EACH_END:]
    signers, directives = _filter_choices(session, filters.directive_id, version)
    return Markup(render_template(
        "dashboard/_board.html", board=board, filters=filters, args=filters.query_args(), overdue=overdue,
        labels=stats.COLUMN_LABELS, columns=stats.COLUMNS, colors=COLORS,
        units_head=units_head, units_tail=units_tail,
        units_hidden=len(board.units) - len(units_head) - len(units_tail),
        signers=signers, directives=directives,
        chart_total=charts.composition(board.total),
        chart_overdue=charts.units_stacked(most_overdue, "Đơn vị có nhiều nhiệm vụ quá hạn nhất"),
        chart_best=charts.on_time_rates(ranked[:CHART_UNITS], "Đơn vị có tỷ lệ hoàn thành đúng hạn cao nhất"),
        chart_worst=charts.on_time_rates(ranked[-CHART_UNITS:][::-1] if len(ranked) > CHART_UNITS else [],
                                         "Đơn vị có tỷ lệ hoàn thành đúng hạn thấp nhất"),
        has_task_pages="tasks.detail" in current_app.view_functions,
        # drill-down links end in "unit=<id>" (built once, not once per unit row)
        overdue_base=url_for("dashboard.overdue", **{**filters.without_unit().query_args(), "unit": ""}),
    ))


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


def _as_job(kind: str, fmt: str, rows: int, args: dict, today: date, stem: str | None = None):
    """Over EXPORT_JOB_ROWS rows the worker builds the file: queue the job, then send the
    person to its page (or answer 202 with the job and its poll URL to a JSON client)."""
    from tracker.services import export_jobs

    session = get_session()
    job = export_jobs.enqueue_export(session, current_user(), kind, fmt, args, rows=rows, stem=stem, today=today)
    session.commit()
    return export_jobs_web.job_response(job)


@bp.get("/dashboard/export.<fmt>")
@role_required(*VIEWERS)
def export_dashboard(fmt: str):
    from tracker.services import export_jobs

    if fmt not in ("xlsx", "csv"):
        abort(404)
    session = get_session()
    filters = _filters()
    today = local_today()
    if fmt == "xlsx":
        limit = export_jobs.threshold(current_app.config)
        rows = exports.dashboard_row_count(session, filters, today=today, cap=limit)
        if rows > limit:
            rows = exports.dashboard_row_count(session, filters, today=today)
            return _as_job("dashboard", fmt, rows, export_jobs.export_args(request.args, exports.TASK_EXPORT_ARGS),
                           today)
        return _download(exports.dashboard_xlsx(session, filters, today=today), "tong-hop-nhiem-vu", fmt)
    return _download(exports.dashboard_csv(session, filters, today=today), "tong-hop-nhiem-vu", fmt)


@bp.get("/exports/tasks.<fmt>")
@login_required
def export_tasks(fmt: str):
    """Any filtered task list (the same query parameters as the list pages and the
    dashboard: unit, state, status, directive, signer, period/from/to, q, and the list
    pages' scope=lead|co and ext=pending), limited to what the user may see. Over
    EXPORT_JOB_ROWS rows it becomes a background job (services/export_jobs.py)."""
    from tracker.services import export_jobs

    if fmt not in ("xlsx", "csv"):
        abort(404)
    session = get_session()
    scope = exports.task_scope(current_user(), request.args)
    today = local_today()
    limit = export_jobs.threshold(current_app.config)
    rows = exports.count_task_rows(session, scope.filters, today=today, state=scope.state, visible=scope.visible,
                                   limit=scope.limit, cap=limit)
    if rows > limit:   # the exact figure for the job's page (counting stopped at limit + 1)
        rows = exports.count_task_rows(session, scope.filters, today=today, state=scope.state,
                                       visible=scope.visible, limit=scope.limit)
        return _as_job("tasks", fmt, rows, export_jobs.export_args(request.args, exports.TASK_EXPORT_ARGS),
                       today, stem=scope.stem)
    build = exports.tasks_xlsx if fmt == "xlsx" else exports.tasks_csv
    data = build(session, scope.filters, today=today, state=scope.state, visible=scope.visible, limit=scope.limit)
    return _download(data, scope.stem, fmt)


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
