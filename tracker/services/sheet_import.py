"""Import an existing Excel tracking sheet as published tasks.

Offices keep years of tasks in workbooks laid out by hand: a merged title over the first
rows, the header on row 3 or 4, dates typed as text or stored as Excel dates, states in
free words. The steps:

1. `read_grid` reads the first sheet's cell values (merged title rows are plain rows whose
   first cell holds the text), refusing zip bombs first;
2. `find_header` picks the row that names the most known columns, and `guess_mapping`
   maps the columns to the fields (nội dung, đơn vị chủ trì, phối hợp, hạn, trạng thái,
   kết quả, văn bản, ngày hoàn thành), the office correcting it on the preview;
3. `plan_rows` checks every row and says which will fail and why; the distinct free-text
   states are mapped through STATE_WORDS (shown on the preview, the office may override);
4. `import_rows` writes the rows that pass as published tasks with a history event
   "nhập từ bảng tính". A re-import matches rows by (directive, folded action, lead
   unit): a matching task is updated where the sheet changed, never duplicated.

The directive the rows belong to is chosen by the office (one for the sheet), or comes
from a column with the document's code (a directive per code, created when unknown).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.models import PUBLISHED
from tracker.models import TASK_STATUSES
from tracker.models import AuditEvent
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.services import Forbidden
from tracker.services import ServiceError
from tracker.services import permissions
from tracker.services.clock import utc_now
from tracker.services.imports import check_zip_safe
from tracker.services.imports import sniff
from tracker.services.search import search_text_for_directive
from tracker.services.search import search_text_for_task
from tracker.services.tasks import record
from tracker.services.text import fold

HISTORY_NOTE = "nhập từ bảng tính"
MAX_ROWS = 5000
HEADER_SCAN_ROWS = 15

FIELDS = {
    "action": "Nội dung nhiệm vụ",
    "lead": "Đơn vị chủ trì",
    "co": "Đơn vị phối hợp",
    "deadline": "Hạn hoàn thành",
    "status": "Trạng thái",
    "result": "Kết quả",
    "document": "Văn bản (số, ký hiệu)",
    "completed": "Ngày hoàn thành",
}
# folded header words per field, most specific first (checked in this order)
_HEADER_WORDS = [
    ("completed", ("ngay hoan thanh", "ngay xong", "hoan thanh ngay")),
    ("co", ("phoi hop",)),
    ("lead", ("chu tri", "don vi thuc hien", "co quan thuc hien", "don vi", "co quan")),
    ("deadline", ("thoi han", "han hoan thanh", "thoi gian hoan thanh", "thoi gian", "han xu ly", "han")),
    ("status", ("trang thai", "tinh trang", "tien do")),
    ("result", ("ket qua", "bao cao ket qua", "ghi chu")),
    ("document", ("van ban", "so hieu", "ky hieu", "so van ban")),
    ("action", ("noi dung", "nhiem vu", "cong viec", "trich yeu")),
]
# free-text states (folded) -> workflow status; the preview shows this table
STATE_WORDS = [
    ("chua hoan thanh", "dang_thuc_hien"),
    ("hoan thanh", "hoan_thanh"),
    ("da xong", "hoan_thanh"),
    ("xong", "hoan_thanh"),
    ("dang thuc hien", "dang_thuc_hien"),
    ("dang trien khai", "dang_thuc_hien"),
    ("dang lam", "dang_thuc_hien"),
    ("dang xu ly", "dang_thuc_hien"),
    ("qua han", "dang_thuc_hien"),
    ("cham", "dang_thuc_hien"),
    ("chua thuc hien", "chua_thuc_hien"),
    ("chua trien khai", "chua_thuc_hien"),
    ("chua", "chua_thuc_hien"),
    ("moi giao", "chua_thuc_hien"),
    ("tam dung", "tam_dung"),
    ("dung", "tam_dung"),
    ("cho xac nhan", "cho_xac_nhan"),
]


def state_for(text: str) -> str | None:
    """The workflow status a free-text state means (None: unknown, the office decides)."""
    key = fold(text or "").strip(" .")
    if not key:
        return "chua_thuc_hien"
    for code, label in TASK_STATUSES.items():
        if key in (code, fold(label)):
            return code
    for words, code in STATE_WORDS:
        if re.search(rf"\b{re.escape(words)}\b", key):
            return code
    return None


# --- reading ------------------------------------------------------------------------------

def read_grid(data: bytes) -> list[list]:
    """The first sheet's values, row by row (None for empty cells), at most MAX_ROWS rows."""
    if sniff(data) != "xlsx":
        raise ServiceError("Tệp không phải bảng tính Excel (.xlsx)", code="unsupported_type", status=422)
    check_zip_safe(data)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on broken files
        raise ServiceError("Không đọc được tệp Excel: tệp bị hỏng", code="corrupt_file", status=422) from None
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
            raise ServiceError(f"Bảng tính quá dài (tối đa {MAX_ROWS} dòng)", code="too_large", status=413)
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def _field_of(header_cell) -> str | None:
    key = fold(str(header_cell or "")).strip()
    if not key:
        return None
    for name, words in _HEADER_WORDS:
        if any(re.search(rf"\b{re.escape(w)}\b", key) for w in words):
            return name
    return None


def find_header(grid: list[list]) -> int:
    """Index of the header row: the one among the first rows naming the most fields."""
    best, best_score = None, 1
    for i, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        fields = {_field_of(c) for c in row if isinstance(c, str)} - {None}
        if len(fields) > best_score:
            best, best_score = i, len(fields)
    if best is None:
        raise ServiceError("Không tìm thấy dòng tiêu đề cột (nội dung, đơn vị chủ trì, hạn...) trong "
                           f"{HEADER_SCAN_ROWS} dòng đầu", code="no_header", status=422)
    return best


def guess_mapping(header: list) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = _field_of(cell)
        if name and name not in mapping:
            mapping[name] = i
    return mapping


_DATE_TEXT = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})\s*$")
_ISO_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_cell_date(value) -> date | None:
    """A date from an Excel date, an Excel serial number, or text (DD/MM/YYYY, YYYY-MM-DD).
    Raises ValueError for text that is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(str(value))
    text = str(value).strip()
    m = _DATE_TEXT.match(text)
    if m:
        d, mth, y = (int(g) for g in m.groups())
        return date(y + 2000 if y < 100 else y, mth, d)
    m = _ISO_TEXT.match(text)
    if m:
        y, mth, d = (int(g) for g in m.groups())
        return date(y, mth, d)
    raise ValueError(text)


# --- planning -----------------------------------------------------------------------------

@dataclass
class PlannedRow:
    number: int                      # 1-based row number in the sheet
    cells: dict[str, str]
    action: str = ""
    lead: Unit | None = None
    co: list[Unit] = field(default_factory=list)
    co_texts: list[str] = field(default_factory=list)
    deadline: date | None = None
    completed: date | None = None
    status: str = "chua_thuc_hien"
    result: str | None = None
    document: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None       # a title or blank row, not an error

    @property
    def ok(self) -> bool:
        return not self.errors and self.skipped is None


class UnitIndex:
    """Active units by the one unit-name rule (`services.units.UnitNames`), then by the
    parser's owner-phrase lookup (word order, a trailing place name ...)."""

    def __init__(self, session: Session):
        from tracker.services.units import UnitNames
        from tracker.services.units import registry_for_parser

        self.names = UnitNames(session.exec(select(Unit).where(Unit.active == sa.true())).all())
        self.by_code = self.names.by_code
        self.registry = registry_for_parser(session)

    def find(self, text: str) -> Unit | None:
        if not fold(text or "").strip(" .;,"):
            return None
        hit = self.names.find(text)
        if hit is None:
            from tracker.parsing import resolve_unit

            found = resolve_unit(text, self.registry)   # abbreviations, word order, diacritics
            if found:
                hit = self.by_code.get(found.get("code"))
        return hit


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    return re.sub(r"\s+", " ", str(value)).strip()


def plan_rows(session: Session, grid: list[list], header_index: int, mapping: dict[str, int],
              state_overrides: dict[str, str] | None = None) -> list[PlannedRow]:
    """Every data row below the header, checked; nothing is written."""
    if "action" not in mapping:
        raise ServiceError("Chưa chọn cột “Nội dung nhiệm vụ”", code="mapping_incomplete", status=422)
    if "lead" not in mapping:
        raise ServiceError("Chưa chọn cột “Đơn vị chủ trì”", code="mapping_incomplete", status=422)
    units = UnitIndex(session)
    overrides = {fold(k): v for k, v in (state_overrides or {}).items() if v in TASK_STATUSES}
    out = []
    for offset, row in enumerate(grid[header_index + 1:header_index + 1 + MAX_ROWS]):
        cells = {name: _text(row[i]) if i < len(row) else "" for name, i in mapping.items()}
        raw = {name: (row[i] if i < len(row) else None) for name, i in mapping.items()}
        planned = PlannedRow(header_index + 2 + offset, cells)
        filled = [c for c in row if _text(c)]
        if not filled:
            continue
        if len(filled) == 1 and not (cells.get("lead") and cells.get("action")):
            planned.skipped = "dòng tiêu đề nhóm"
            out.append(planned)
            continue
        if re.fullmatch(r"\(?\d{1,2}\)?", cells.get("action", "")) and not cells.get("lead"):
            planned.skipped = "dòng đánh số cột"
            out.append(planned)
            continue
        planned.action = cells.get("action", "")[:5000]
        if not planned.action:
            planned.errors.append("thiếu nội dung nhiệm vụ")
        lead_text = cells.get("lead", "")
        planned.lead = units.find(lead_text)
        if not lead_text:
            planned.errors.append("thiếu đơn vị chủ trì")
        elif planned.lead is None:
            planned.errors.append(f"không tìm thấy đơn vị “{lead_text}” trong danh mục")
        for name in [n.strip() for n in re.split(r"[;,\n]", cells.get("co", "")) if n.strip()]:
            unit = units.find(name)
            if unit is None:
                planned.warnings.append(f"đơn vị phối hợp “{name}” chưa có trong danh mục (giữ nguyên chữ)")
                planned.co_texts.append(name)
            elif unit not in planned.co and unit is not planned.lead:
                planned.co.append(unit)
        for name in ("deadline", "completed"):
            try:
                setattr(planned, name, parse_cell_date(raw.get(name)))
            except (ValueError, OverflowError):
                label = "hạn" if name == "deadline" else "ngày hoàn thành"
                planned.errors.append(f"{label} “{cells.get(name)}” không đọc được (dạng DD/MM/YYYY)")
        state_text = cells.get("status", "")
        state = overrides.get(fold(state_text)) or state_for(state_text)
        if state is None:
            planned.errors.append(f"trạng thái “{state_text}” chưa được ánh xạ (chọn ở bảng trạng thái)")
        else:
            planned.status = state
        if planned.completed and planned.status not in ("hoan_thanh", "cho_xac_nhan"):
            planned.status = "hoan_thanh"
        planned.result = cells.get("result") or None
        planned.document = cells.get("document") or None
        out.append(planned)
    return out


def state_table(grid: list[list], header_index: int, mapping: dict[str, int],
                overrides: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """The distinct free-text states of the sheet with the status each maps to."""
    if "status" not in mapping:
        return []
    overrides = {fold(k): v for k, v in (overrides or {}).items() if v in TASK_STATUSES}
    seen: dict[str, str | None] = {}
    for row in grid[header_index + 1:header_index + 1 + MAX_ROWS]:
        i = mapping["status"]
        text = _text(row[i]) if i < len(row) else ""
        if text and text not in seen:
            seen[text] = overrides.get(fold(text)) or state_for(text)
    return sorted(seen.items(), key=lambda kv: fold(kv[0]))


# --- importing ----------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    directives: list[int] = field(default_factory=list)


def _directive_for_code(session: Session, user: User, code: str, cache: dict) -> Directive:
    key = fold(code)
    if key in cache:
        return cache[key]
    found = None
    for d in session.exec(select(Directive).where(Directive.code.is_not(None))).all():
        if fold(d.code or "") == key or fold(d.number or "") == key:
            found = d
            break
    if found is None:
        found = new_directive(session, user, title=code, number=code)
    cache[key] = found
    return found


def new_directive(session: Session, user: User, *, title: str, number: str | None = None,
                  issued: date | None = None) -> Directive:
    """A published directive that holds imported rows (no source text: it came as a sheet)."""
    directive = Directive(number=(number or None) and number[:32], code=(number or None) and number[:64],
                          kind="other", title=title[:2000] or "Nhập từ bảng tính", issued_date=issued,
                          source_text="", state=PUBLISHED, draft_tasks=[], created_by_id=user.id,
                          published_at=utc_now())
    directive.search_text = search_text_for_directive(directive)
    session.add(directive)
    session.flush()
    session.add(AuditEvent(actor_id=user.id, channel="web", entity="directive", entity_id=directive.id,
                           action="create_from_sheet", new_value=directive.code or directive.title[:100]))
    return directive


def import_rows(session: Session, user: User, rows: list[PlannedRow], *, directive: Directive | None,
                filename: str = "") -> ImportResult:
    """Write the rows that pass (does not commit). `directive` None: each row's document column decides."""
    if not permissions.can_import(user):
        raise Forbidden("Chỉ Văn phòng được nhập bảng tính")
    result = ImportResult()
    cache: dict[str, Directive] = {}
    existing: dict[int, dict[tuple[str, int], Task]] = {}
    note = HISTORY_NOTE + (f" ({filename[:120]})" if filename else "")
    for row in rows:
        if not row.ok:
            result.failed += 1 if row.errors else 0
            continue
        target = directive
        if target is None:
            if not row.document:
                result.failed += 1
                row.errors.append("thiếu số hiệu văn bản")
                continue
            target = _directive_for_code(session, user, row.document, cache)
        if target.id not in result.directives:
            result.directives.append(target.id)
        known = existing.get(target.id)
        if known is None:
            known = {(fold(t.action), t.lead_unit_id): t
                     for t in session.exec(select(Task).where(Task.directive_id == target.id)).all()}
            existing[target.id] = known
        key = (fold(row.action), row.lead.id)
        task = known.get(key)
        progress = 100 if row.status == "hoan_thanh" else 0
        if task is None:
            task = Task(directive_id=target.id, lead_unit_id=row.lead.id, owner_text=row.cells.get("lead") or None,
                        co_owner_texts=row.co_texts, action=row.action, deadline=row.deadline, status=row.status,
                        progress=progress, result_note=row.result, completed_on=row.completed,
                        completed_at=utc_now() if row.status == "hoan_thanh" else None)
            task.search_text = search_text_for_task(task.action, target, row.lead.name)
            session.add(task)
            session.flush()
            for unit in row.co:
                session.add(TaskCoUnit(task_id=task.id, unit_id=unit.id))
            record(session, task, user, "web", "created", None, task.action[:200], note)
            known[key] = task
            result.created += 1
            continue
        changes = []
        for attr, value in (("deadline", row.deadline), ("status", row.status), ("result_note", row.result),
                            ("completed_on", row.completed)):
            if value is not None and getattr(task, attr) != value:
                changes.append((attr, getattr(task, attr), value))
                setattr(task, attr, value)
        if changes:
            if task.status == "hoan_thanh":
                task.progress = 100
            task.version += 1
            session.add(task)
            for attr, old, new in changes:
                record(session, task, user, "web", "status" if attr == "status" else attr,
                       old if old is None else str(old), str(new), note)
            if task.parent_id is not None and any(attr == "status" for attr, _, _ in changes):
                from tracker.services import delegation

                session.flush()
                delegation.roll_up(session, task, user, "web")  # a delegated task's new state reaches its parent
            result.updated += 1
        else:
            result.unchanged += 1
    return result
