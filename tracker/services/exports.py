"""Excel (.xlsx) and CSV exports in the layout Vietnamese offices hand to meetings.

Task lists use the official columns: STT, Nội dung nhiệm vụ, Văn bản giao, Đơn vị chủ
trì, Đơn vị phối hợp, Thời hạn, Tình trạng, Kết quả thực hiện. The rows come from ONE
SQL query (tasks joined to their directive and lead unit, coordinating units aggregated
by a correlated subquery).

Workbooks are in office layout (`sheet_layout.py`): the national header beside the issuing
body, the title merged and centred, Times New Roman, column widths and wrap, the heading
row frozen and repeated on every printed page, A4 landscape fitted to the width with page
numbers, deadlines as real dates shown DD/MM/YYYY, a totals row and the signature block.
They are written by `xlsx_stream` (one XML string per cell, every format defined once): a
10,000-row export takes ~0.2 s of CPU to write, where openpyxl spent most of 1.7 s styling
cells and XlsxWriter (constant memory) still ~0.7 s.

User text (actions, directive titles, unit names, notes) goes through
`cellsafe.neutralize` and is written with `write_string` (an inline string), so it is
always a string cell, never a formula. CSV is UTF-8 with a BOM and one header row (machine-readable).
"""
import csv
import io
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlmodel import Session

from tracker import deadline_state as ds
from tracker.models import TASK_STATUSES
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import inputs
from tracker.services import permissions
from tracker.services import sheet_layout
from tracker.services import stats
from tracker.services.cellsafe import neutralize
from tracker.services.clock import format_date
from tracker.services.clock import local_today

TASK_COLUMNS = ("STT", "Nội dung nhiệm vụ", "Văn bản giao", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn",
                "Tình trạng", "Kết quả thực hiện")
TASK_COLUMN_WIDTHS = (6, 60, 28, 28, 30, 14, 30, 45)
UNIT_COLUMNS = ("STT", "Đơn vị", "Tổng số nhiệm vụ", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                "Chưa hoàn thành, trong hạn", "Chưa hoàn thành, quá hạn", "Không có hạn",
                "Tỷ lệ hoàn thành đúng hạn (%)", "Xếp hạng")
UNIT_COLUMN_WIDTHS = (6, 40, 12, 14, 14, 16, 16, 12, 16, 10)
HEADER_ROWS = sheet_layout.DATA_ROW  # national header, title, subtitle, headings; data starts below
TRAILER_ROWS = sheet_layout.TRAILER_ROWS  # totals row and signature block after the data
MAX_EXPORT_ROWS = 50_000
RECURRENCE_LABELS = {"daily": "Hằng ngày", "weekly": "Hằng tuần", "monthly": "Hằng tháng",
                     "quarterly": "Hằng quý", "yearly": "Hằng năm"}
# filter values accepted for `state`: a deadline state or one of the four official columns
STATE_FILTERS = {
    **{s: s for s in ds.STATES},
    stats.OPEN_ON_TIME: (ds.ON_TRACK, ds.DUE_SOON),
    stats.OPEN_OVERDUE: ds.OVERDUE,
    stats.DONE_ON_TIME: ds.DONE_ON_TIME,
    stats.DONE_LATE: ds.DONE_LATE,
}


@dataclass
class TaskRow:
    """One exported task, already in the office's words."""

    stt: int
    action: str
    directive: str
    lead_unit: str
    co_units: str
    deadline: date | None
    deadline_text: str
    status_text: str
    result: str
    task_id: int
    recurrence: str | None = None

    def cells(self) -> tuple:
        return (self.stt, self.action, self.directive, self.lead_unit, self.co_units, self.deadline_text,
                self.status_text, self.result)


def state_filter(state: str | None, today: date):
    """WHERE clause for a `state` filter value (deadline state or official column), or None."""
    if not state:
        return None
    wanted = STATE_FILTERS.get(state)
    if wanted is None:
        raise ServiceError(f"Tình trạng '{state}' không hợp lệ", code="invalid_filter", status=422)
    if isinstance(wanted, tuple):
        return or_(*(ds.state_filter_sql(Task, s, today) for s in wanted))
    return ds.state_filter_sql(Task, wanted, today)


def status_text(state: str, status: str, deadline: date | None, today: date) -> str:
    """'Tình trạng' as offices write it: the four-way column, days overdue, workflow notes."""
    if state == ds.DONE_ON_TIME:
        text = "Hoàn thành đúng hạn"
    elif state == ds.DONE_LATE:
        text = "Hoàn thành quá hạn"
    elif state == ds.OVERDUE:
        text = f"Chưa hoàn thành, quá hạn {(today - deadline).days} ngày"
    elif state == ds.NO_DEADLINE:
        text = "Hoàn thành (không có hạn)" if status == ds.DONE_STATUS else "Chưa hoàn thành (không có hạn)"
    else:
        text = "Chưa hoàn thành, trong hạn"
    if status == "cho_xac_nhan":
        text += " (đơn vị báo hoàn thành, chờ xác nhận)"
    elif status == "tra_lai":
        text += " (bị trả lại)"
    elif status == "tam_dung":
        text += " (tạm dừng)"
    return text


def _deadline_text(deadline: date | None, recurrence: str | None) -> str:
    if deadline is None:
        return "Không có hạn"
    text = format_date(deadline)
    if recurrence:
        label = RECURRENCE_LABELS.get(recurrence.split(":")[0])
        if label:
            text = f"{text} ({label.lower()})"
    return text


def _directive_text(code: str | None, issued: date | None, title: str) -> str:
    if code:
        return f"{code} ngày {format_date(issued)}" if issued else code
    return (title or "")[:200]


def _result_text(note: str | None, status: str, progress: int) -> str:
    note = (note or "").strip()
    if note:
        return note
    if status != ds.DONE_STATUS and progress:
        return f"Tiến độ {progress}%"
    return ""


def _task_ids(filters: stats.Filters, today: date, state: str | None, visible):
    """The ids of the tasks an export covers (unordered, unlimited)."""
    picked = stats.apply_filters(select(Task.id).select_from(Task), filters)
    clause = state_filter(state, today)
    if clause is not None:
        picked = picked.where(clause)
    if visible is not None:
        picked = picked.where(visible)
    return picked


def count_task_rows(session: Session, filters: stats.Filters, *, today: date, state: str | None = None,
                    visible=None, limit: int | None = None, cap: int | None = None) -> int:
    """How many rows a task export would write: min(matching tasks, limit, MAX_EXPORT_ROWS).

    With `cap`, counting stops after cap + 1 ids (deciding "more than the job threshold"
    reads at most that many index entries, not the whole filtered set)."""
    limit = min(limit or MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)
    bound = min(limit, cap + 1) if cap is not None else limit
    ids = _task_ids(filters, today, state, visible).limit(bound).subquery("counted")
    return int(session.execute(select(func.count()).select_from(ids)).scalar() or 0)


def task_statement(filters: stats.Filters, today: date, *, state: str | None = None, visible=None,
                   limit: int = MAX_EXPORT_ROWS):
    """The single query behind every task export (and the filtered lists it mirrors).

    The filtered, ordered, limited task ids are picked first (a narrow scan the indexes
    serve), then only those rows are joined and given their coordinating units."""
    order = (Task.deadline.is_(None), Task.deadline, Task.id)
    picked = _task_ids(filters, today, state, visible).order_by(*order).limit(limit).subquery("picked")
    co_units = (
        select(func.aggregate_strings(Unit.name, "; "))
        .select_from(TaskCoUnit)
        .join(Unit, Unit.id == TaskCoUnit.unit_id)
        .where(TaskCoUnit.task_id == Task.id)
        .correlate(Task)
        .scalar_subquery()
    )
    return (
        select(Task.id, Task.action, Directive.code, Directive.issued_date, Directive.title, Unit.name, co_units,
               Task.deadline, Task.recurrence, Task.status, Task.progress, Task.result_note,
               ds.deadline_state_sql(Task, today))
        .select_from(picked)
        .join(Task, Task.id == picked.c.id)
        .join(Unit, Unit.id == Task.lead_unit_id)
        .join(Directive, Directive.id == Task.directive_id)
        .order_by(*order)
    )


@dataclass
class TaskScope:
    """What a task export covers, read from its query parameters for one user."""

    filters: stats.Filters
    state: str | None
    visible: object | None   # SQL condition: what the user may see, status, scope, ext
    limit: int | None
    stem: str                # file name stem


# query parameters a task export reads (also what a background export job keeps)
TASK_EXPORT_ARGS = ("period", "from", "to", "directive", "signer", "unit", "q", "level", "state", "status",
                    "scope", "ext", "limit")


def task_scope(user, args) -> TaskScope:
    """The filters of GET /exports/tasks.<fmt> (the list pages' and the dashboard's query
    parameters: unit, state, status, directive, signer, period/from/to, q, and the list
    pages' scope=lead|co and ext=pending), limited to what `user` may see."""
    filters = stats.parse_filters(args)
    state = (args.get("state") or "").strip() or None
    status = (args.get("status") or "").strip() or None
    if status and status not in TASK_STATUSES:
        raise ServiceError(f"Trạng thái '{status}' không hợp lệ", code="invalid_filter", status=422)
    conditions = [c for c in (permissions.visible_tasks_clause(user),) if c is not None]
    if status:
        conditions.append(Task.status == status)
    # the list pages' own filters: "Việc của đơn vị tôi" (scope=lead|co) and pending extensions
    scope = args.get("scope")
    if scope == "lead":
        conditions.append(Task.lead_unit_id == (user.unit_id or -1))
    elif scope == "co":
        conditions.append(Task.id.in_(select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == (user.unit_id or -1))))
    if args.get("ext") == "pending":
        conditions.append(Task.id.in_(select(ExtensionRequest.task_id).where(ExtensionRequest.status == "pending")))
    visible = and_(*conditions) if conditions else None
    limit = inputs.to_int(args.get("limit"), minimum=1)
    stem = "nhiem-vu-qua-han" if state in ("qua_han", stats.OPEN_OVERDUE) else "danh-sach-nhiem-vu"
    return TaskScope(filters=filters, state=state, visible=visible, limit=limit, stem=stem)


def dashboard_row_count(session: Session, filters: stats.Filters, *, today: date, overdue_limit: int = 10_000,
                        cap: int | None = None) -> int:
    """Rows of the dashboard workbook: one per unit (and the total) plus its overdue sheet."""
    units = int(session.execute(select(func.count()).select_from(Unit)).scalar() or 0)
    overdue = count_task_rows(session, filters, today=today, state=ds.OVERDUE, limit=overdue_limit, cap=cap)
    return units + 1 + overdue


def task_rows(session: Session, filters: stats.Filters, *, today: date, state: str | None = None,
              visible=None, limit: int | None = None) -> list[TaskRow]:
    limit = min(limit or MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)
    result = session.execute(task_statement(filters, today, state=state, visible=visible, limit=limit))
    rows = []
    for n, (task_id, action, code, issued, title, lead, co, deadline, recurrence, status, progress, note,
            state_value) in enumerate(result, 1):
        co_names = "; ".join(sorted(s for s in (co or "").split("; ") if s))
        # user text is neutralised here, once, so every writer (XLSX sheets, CSV) gets text, never a formula
        rows.append(TaskRow(
            stt=n, action=neutralize(action), directive=neutralize(_directive_text(code, issued, title)),
            lead_unit=neutralize(lead), co_units=neutralize(co_names), deadline=deadline,
            deadline_text=_deadline_text(deadline, recurrence),
            status_text=status_text(state_value, status, deadline, today),
            result=neutralize(_result_text(note, status, progress)), task_id=task_id,
            recurrence=(recurrence or "").split(":")[0] or None,
        ))
    return rows


def describe_filters(session: Session, filters: stats.Filters, today: date, state: str | None = None) -> str:
    """One line saying what the export covers, for the sheet's subtitle."""
    parts = [f"Tính đến ngày {format_date(today)}"]
    if filters.date_from or filters.date_to:
        label = "thời hạn" if filters.period_field == "deadline" else "ngày ban hành"
        span = f"từ {format_date(filters.date_from)}" if filters.date_from else ""
        if filters.date_to:
            span += (" " if span else "") + f"đến {format_date(filters.date_to)}"
        parts.append(f"{label} {span}")
    if filters.directive_id:
        code = session.execute(select(Directive.code).where(Directive.id == filters.directive_id)).scalar()
        parts.append(f"văn bản {code or filters.directive_id}")
    if filters.signer:
        parts.append(f"lãnh đạo chỉ đạo {filters.signer}")
    if filters.unit_id:
        name = session.execute(select(Unit.name).where(Unit.id == filters.unit_id)).scalar()
        parts.append(f"đơn vị {name or filters.unit_id}")
    if state:
        label = stats.COLUMN_LABELS.get(state) or ds.LABELS.get(state) or state
        parts.append(f"tình trạng: {label.lower()}")
    if filters.q:
        parts.append(f"tìm: “{filters.q}”")
    cancelled = stats.excluded_counts(session, filters)[ds.CANCELLED_STATUS]
    if cancelled:
        parts.append(f"không tính {cancelled} nhiệm vụ đã hủy")
    return "; ".join(parts)


# --- writers -------------------------------------------------------------------------

def _write_task_sheet(book: sheet_layout.Book, name: str, rows: list[TaskRow], title: str, subtitle: str) -> None:
    ws = book.sheet(name, TASK_COLUMN_WIDTHS, title, subtitle, TASK_COLUMNS)
    f = book.formats
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    dated = {label: book.date_format(label) for label in (None, *RECURRENCE_LABELS)}
    r = sheet_layout.DATA_ROW
    fit = sheet_layout.row_height
    for row in rows:
        ws.set_row(r, fit(((row.action, 60), (row.directive, 28), (row.lead_unit, 28), (row.co_units, 30),
                           (row.status_text, 30), (row.result, 45))))
        write_number(r, 0, row.stt, f["center"])
        write_string(r, 1, row.action, f["wrap"])
        write_string(r, 2, row.directive, f["wrap"])
        write_string(r, 3, row.lead_unit, f["wrap"])
        write_string(r, 4, row.co_units, f["wrap"])
        if row.deadline is None:
            write_string(r, 5, "Không có hạn", f["center"])
        else:
            write_datetime(r, 5, datetime(row.deadline.year, row.deadline.month, row.deadline.day),
                           dated.get(row.recurrence, dated[None]))
        write_string(r, 6, row.status_text, f["wrap"])
        write_string(r, 7, row.result, f["wrap"])
        r += 1
    ws.merge_range(r, 0, r, 5, f"Tổng cộng: {len(rows)} nhiệm vụ", f["total_label"])
    ws.write_blank(r, 6, None, f["total"])
    ws.write_blank(r, 7, None, f["total"])
    book.signature(ws, r + 1, len(TASK_COLUMNS))


def tasks_xlsx(session: Session, filters: stats.Filters, *, today: date | None = None, state: str | None = None,
               visible=None, limit: int | None = None, title: str = "DANH MỤC NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN",
               heading: sheet_layout.Heading | None = None) -> bytes:
    today = today or local_today()
    rows = task_rows(session, filters, today=today, state=state, visible=visible, limit=limit)
    book = sheet_layout.Book(heading or sheet_layout.Heading.from_settings(today))
    _write_task_sheet(book, "Nhiệm vụ", rows, title, neutralize(describe_filters(session, filters, today, state)))
    return book.close()


def _csv_bytes(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def tasks_csv(session: Session, filters: stats.Filters, *, today: date | None = None, state: str | None = None,
              visible=None, limit: int | None = None) -> bytes:
    today = today or local_today()
    rows = task_rows(session, filters, today=today, state=state, visible=visible, limit=limit)
    return _csv_bytes(TASK_COLUMNS, (r.cells() for r in rows))


def _unit_cells(n, name, figures: stats.Figures, rank) -> tuple:
    d = figures.as_dict()
    return (n, neutralize(name), d["tong_so"], d[stats.DONE_ON_TIME], d[stats.DONE_LATE], d[stats.OPEN_ON_TIME],
            d[stats.OPEN_OVERDUE], d[stats.NO_DEADLINE], d["ty_le_dung_han"], rank)


def dashboard_tables(board: stats.Dashboard) -> list[tuple]:
    """The four-way table: one row per unit (ranked order) and the total row."""
    rows = [_unit_cells(i, u.name, u.figures, u.rank) for i, u in enumerate(board.units, 1)]
    rows.append(_unit_cells("", "Tổng cộng", board.total, None))
    return rows


def _write_figure_rows(book: sheet_layout.Book, ws, table: list[tuple], text_columns=(1,)) -> int:
    """Rows of numbers (None -> empty), the last one the totals row; returns the next free row."""
    f = book.formats
    r = sheet_layout.DATA_ROW
    for i, values in enumerate(table):
        last = i == len(table) - 1
        for j, value in enumerate(values):
            if j in text_columns:
                ws.write_string(r, j, str(value), f["total_label" if last else "wrap"])
            elif value is None or value == "":
                ws.write_blank(r, j, None, f["total" if last else "center"])
            elif isinstance(value, float):
                ws.write_number(r, j, value, f["total_rate" if last else "rate"])
            else:
                ws.write_number(r, j, value, f["total" if last else "center"])
        r += 1
    return r


def dashboard_xlsx(session: Session, filters: stats.Filters, *, today: date | None = None,
                   overdue_limit: int = 10_000, heading: sheet_layout.Heading | None = None) -> bytes:
    """Sheet 1: the four-way figures per unit and in total; sheet 2: the overdue tasks."""
    today = today or local_today()
    board = stats.dashboard(session, filters, today=today)
    subtitle = neutralize(describe_filters(session, filters, today))
    book = sheet_layout.Book(heading or sheet_layout.Heading.from_settings(today))
    ws = book.sheet("Tổng hợp", UNIT_COLUMN_WIDTHS, "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO ĐƠN VỊ", subtitle,
                    UNIT_COLUMNS)
    end = _write_figure_rows(book, ws, dashboard_tables(board))
    book.signature(ws, end, len(UNIT_COLUMNS))
    rows = task_rows(session, filters, today=today, state=ds.OVERDUE, limit=overdue_limit)
    rows.sort(key=lambda r: (r.deadline, r.task_id))
    _write_task_sheet(book, "Quá hạn", rows, "DANH MỤC NHIỆM VỤ CHƯA HOÀN THÀNH, QUÁ HẠN", subtitle)
    return book.close()


def dashboard_csv(session: Session, filters: stats.Filters, *, today: date | None = None) -> bytes:
    today = today or local_today()
    board = stats.dashboard(session, filters, today=today)
    return _csv_bytes(UNIT_COLUMNS, dashboard_tables(board))


# --- unit scores ------------------------------------------------------------------------

SCORE_COLUMNS = ("Xếp hạng", "Đơn vị", "Điểm", "Tổng số nhiệm vụ", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                 "Chưa hoàn thành, trong hạn", "Chưa hoàn thành, quá hạn", "Không có hạn", "Lượt trả lại",
                 "Lượt gia hạn", "Tỷ lệ hoàn thành đúng hạn (%)", "Đạt ngưỡng")
SCORE_COLUMN_WIDTHS = (9, 40, 10, 11, 12, 12, 13, 13, 10, 9, 9, 14, 11)


def _score_cells(u) -> tuple:
    d = u.figures.as_dict()
    reached = "" if u.dat_80 is None else ("Đạt" if u.dat_80 else "Chưa đạt")
    return (u.rank, neutralize(u.name), float(u.points), d["tong_so"], *(d[c] for c in stats.COLUMNS), u.returned,
            u.extensions, d["ty_le_dung_han"], reached)


def scores_xlsx(board, *, heading: sheet_layout.Heading | None = None) -> bytes:
    book = sheet_layout.Book(heading or sheet_layout.Heading.from_settings(board.as_of))
    subtitle = neutralize(f"Kỳ từ {format_date(board.period.date_from)} đến {format_date(board.period.date_to)}; "
                          f"quy tắc: {board.rules.name}; ngưỡng tỷ lệ đúng hạn {board.rules.threshold:g}%")
    ws = book.sheet("Xếp hạng", SCORE_COLUMN_WIDTHS, "KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG ĐƠN VỊ", subtitle, SCORE_COLUMNS)
    table = [_score_cells(u) for u in board.units]
    total = stats.Figures()
    for u in board.units:
        for c in stats.COLUMNS:
            total.add(c, getattr(u.figures, c))
    d = total.as_dict()
    table.append(("", "Tổng cộng", None, d["tong_so"], *(d[c] for c in stats.COLUMNS),
                  sum(u.returned for u in board.units), sum(u.extensions for u in board.units),
                  d["ty_le_dung_han"], ""))
    end = _write_figure_rows(book, ws, table, text_columns=(1, 12))
    book.signature(ws, end, len(SCORE_COLUMNS))
    return book.close()


def scores_csv(board) -> bytes:
    return _csv_bytes(SCORE_COLUMNS, (_score_cells(u) for u in board.units))
