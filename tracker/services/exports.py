"""Excel (.xlsx) and CSV exports in the layout Vietnamese offices hand to meetings.

Task lists use the official columns: STT, Nội dung nhiệm vụ, Văn bản giao, Đơn vị chủ
trì, Đơn vị phối hợp, Thời hạn, Tình trạng, Kết quả thực hiện. The rows come from ONE
SQL query (tasks joined to their directive and lead unit, coordinating units aggregated
by a correlated subquery), and the workbook is written by openpyxl in write-only mode,
so a 10,000-row export stays well under two seconds. CSV is UTF-8 with a BOM so Excel
opens Vietnamese text correctly.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.styles import Border
from openpyxl.styles import Font
from openpyxl.styles import PatternFill
from openpyxl.styles import Side
from openpyxl.formatting.rule import FormulaRule
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlmodel import Session

from tracker import deadline_state as ds
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.services import ServiceError
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
HEADER_ROWS = 3  # title, subtitle, column headings; data starts on row 4
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

_TITLE_FONT = Font(bold=True, size=13)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


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


def task_statement(filters: stats.Filters, today: date, *, state: str | None = None, visible=None,
                   limit: int = MAX_EXPORT_ROWS):
    """The single query behind every task export (and the filtered lists it mirrors).

    The filtered, ordered, limited task ids are picked first (a narrow scan the indexes
    serve), then only those rows are joined and given their coordinating units."""
    order = (Task.deadline.is_(None), Task.deadline, Task.id)
    picked = stats.apply_filters(select(Task.id).select_from(Task), filters)
    clause = state_filter(state, today)
    if clause is not None:
        picked = picked.where(clause)
    if visible is not None:
        picked = picked.where(visible)
    picked = picked.order_by(*order).limit(limit).subquery("picked")
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

def _title_rows(ws, title: str, subtitle: str, width: int):
    cell = WriteOnlyCell(ws, value=title)
    cell.font = _TITLE_FONT
    ws.append([cell])
    ws.append([subtitle])


def _header(ws, columns):
    row = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill, cell.border, cell.alignment = _HEAD_FONT, _HEAD_FILL, _BORDER, _CENTER
        row.append(cell)
    ws.append(row)


def _set_widths(ws, widths):
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _style_of(ws, **attrs):
    """A cell style computed once; assigning it to each cell skips openpyxl's per-cell
    style lookup, which otherwise dominates the time of a large export."""
    cell = WriteOnlyCell(ws)
    for key, value in attrs.items():
        setattr(cell, key, value)
    return cell._style


def _write_task_sheet(ws, rows: list[TaskRow], title: str, subtitle: str):
    _set_widths(ws, TASK_COLUMN_WIDTHS)
    _title_rows(ws, title, subtitle, len(TASK_COLUMNS))
    _header(ws, TASK_COLUMNS)
    center = _style_of(ws, alignment=_CENTER)
    wrap = _style_of(ws, alignment=_WRAP)
    for r in rows:
        # Only STT and the long texts (action, status, result) get a cell style;
        # giving every value a styled cell doubles the time of a 10,000-row export.
        stt, action, status, result = (WriteOnlyCell(ws, value=r.stt), WriteOnlyCell(ws, value=r.action),
                                       WriteOnlyCell(ws, value=r.status_text), WriteOnlyCell(ws, value=r.result or None))
        stt._style, action._style, status._style, result._style = center, wrap, wrap, wrap
        ws.append((stt, action, r.directive, r.lead_unit, r.co_units or None, r.deadline_text, status, result))
    if rows:
        # table borders for the whole data range in one rule instead of one style per cell
        last = HEADER_ROWS + len(rows)
        ws.conditional_formatting.add(f"A{HEADER_ROWS + 1}:H{last}",
                                      FormulaRule(formula=["TRUE"], border=_BORDER, stopIfTrue=False))


def _workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def tasks_xlsx(session: Session, filters: stats.Filters, *, today: date | None = None, state: str | None = None,
               visible=None, limit: int | None = None, title: str = "DANH MỤC NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN") -> bytes:
    today = today or local_today()
    rows = task_rows(session, filters, today=today, state=state, visible=visible, limit=limit)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Nhiệm vụ")
    _write_task_sheet(ws, rows, title, describe_filters(session, filters, today, state))
    return _workbook_bytes(wb)


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


def dashboard_xlsx(session: Session, filters: stats.Filters, *, today: date | None = None,
                   overdue_limit: int = 10_000) -> bytes:
    """Sheet 1: the four-way figures per unit and in total; sheet 2: the overdue tasks."""
    today = today or local_today()
    board = stats.dashboard(session, filters, today=today)
    subtitle = describe_filters(session, filters, today)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tổng hợp")
    _set_widths(ws, UNIT_COLUMN_WIDTHS)
    _title_rows(ws, "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO ĐƠN VỊ", subtitle, len(UNIT_COLUMNS))
    _header(ws, UNIT_COLUMNS)
    table = dashboard_tables(board)
    for i, values in enumerate(table):
        out = []
        for j, value in enumerate(values):
            cell = WriteOnlyCell(ws, value=value)
            cell.border = _BORDER
            if i == len(table) - 1:
                cell.font = _HEAD_FONT
            if j == 8 and value is not None:
                cell.number_format = "0.0"
            out.append(cell)
        ws.append(out)
    overdue = wb.create_sheet("Quá hạn")
    rows = task_rows(session, filters, today=today, state=ds.OVERDUE, limit=overdue_limit)
    rows.sort(key=lambda r: (r.deadline, r.task_id))
    _write_task_sheet(overdue, rows, "DANH MỤC NHIỆM VỤ CHƯA HOÀN THÀNH, QUÁ HẠN", subtitle)
    return _workbook_bytes(wb)


def dashboard_csv(session: Session, filters: stats.Filters, *, today: date | None = None) -> bytes:
    today = today or local_today()
    board = stats.dashboard(session, filters, today=today)
    return _csv_bytes(UNIT_COLUMNS, dashboard_tables(board))
