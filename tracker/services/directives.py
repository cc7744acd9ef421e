"""Directives: parse into a draft, let the clerk edit the proposed tasks, publish atomically."""
from datetime import date
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import update as sa_update
from sqlmodel import Session
from sqlmodel import select

from tracker.models import DIRECTIVE_KINDS
from tracker.models import DRAFT
from tracker.models import PUBLISHED
from tracker.models import RECURRENCE_PATTERN
from tracker.models import AuditEvent
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import TaskInfoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.services import Conflict
from tracker.services import Forbidden
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services import inputs
from tracker.services import permissions
from tracker.services.clock import utc_now
from tracker.services.search import search_text_for_directive
from tracker.services.search import search_text_for_task
from tracker.services.tasks import record
from tracker.services.units import expand_group
from tracker.services.units import registry_for_parser

if TYPE_CHECKING:  # the parser loads when a directive is parsed, not with the web app
    from tracker.parsing import ParsedTask

MAX_TEXT_CHARS = 2 * 1024 * 1024
MAX_TASKS = 2000


class DraftInvalid(ServiceError):
    """Publishing refused; `errors` maps task index (1-based) to messages."""

    code, status = "invalid_tasks", 422

    def __init__(self, errors: dict[int, list[str]]):
        lines = [f"Nhiệm vụ {i}: {'; '.join(msgs)}" for i, msgs in sorted(errors.items())]
        super().__init__("Chưa thể ban hành. " + " | ".join(lines))
        self.errors = errors


def validate_text(text: str | None, max_bytes: int = MAX_TEXT_CHARS) -> str:
    if text is None or not text.strip():
        raise ServiceError("Nội dung văn bản trống", code="empty_text", status=422)
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ServiceError(f"Văn bản quá lớn (tối đa {max_bytes // (1024 * 1024)} MB)", code="too_large", status=413)
    if "\x00" in text:
        raise ServiceError("Văn bản chứa ký tự nhị phân, không phải văn bản thuần", code="binary_text", status=422)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_iso_date(value, field: str = "ngày") -> date | None:
    """A typed date: '2022-03-15', '15/03/2022' or free text ("15/3", "cuối tháng 3"), counted
    from today; a clear Vietnamese error for impossible dates (see tracker.services.dates)."""
    from tracker.services.clock import local_today
    from tracker.services.dates import parse_user_date

    return parse_user_date(value, field, today=local_today())


def _draft_from_parsed(task: "ParsedTask", code_to_id: dict[str, int], session: Session, registry) -> dict:
    """The draft-task dict kept on the directive (JSON column) for one parsed task."""
    unit_id = (task.unit.id or code_to_id.get(task.unit.code)) if task.unit is not None else None
    co_ids = []
    for name in task.co_owners:
        uid = _resolve_quiet(session, name, registry)
        if uid and uid != unit_id and uid not in co_ids:
            co_ids.append(uid)
    return {
        "owner": task.owner,
        "unit_id": unit_id,
        "co_owners": list(task.co_owners),
        "co_unit_ids": co_ids,
        "action": task.action or "",
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "deadline_text": task.deadline_text,
        "recurrence": task.recurrence,
        "urgent": task.urgent,
        "start": task.start,
        "end": task.end,
        "confidence": task.confidence,
        "reasons": list(task.reasons),
    }


def _resolve_quiet(session: Session, name: str, registry) -> int | None:
    """The unit id a coordinating unit's name resolves to, against the document's one registry
    (building it per name made 134 KB of 'phối hợp Sở …, Sở …' take 22 s, and 1.35 MB a 500)."""
    from tracker.parsing import resolve_unit

    hit = resolve_unit(name, registry)
    if not hit:
        return None
    if hit.get("id"):
        return hit["id"]
    unit = session.exec(select(Unit).where(Unit.code == hit.get("code"))).first()
    return unit.id if unit else None


def create_draft(session: Session, user: User, *, text: str, issued=None, number: str | None = None,
                 kind: str | None = None, title: str | None = None, issuer: str | None = None,
                 signer: str | None = None, channel: str = "web", now: datetime | None = None) -> Directive:
    """Parse the text and keep a draft with the proposed tasks. Does not commit."""
    from tracker.parsing import parse_directive

    if not permissions.can_import(user):
        raise Forbidden("Chỉ Văn phòng được nhập văn bản")
    text = validate_text(text)
    issued_date = parse_iso_date(issued, "ngày ban hành")
    if kind and kind not in DIRECTIVE_KINDS:
        raise ServiceError(f"Loại văn bản '{kind}' không hợp lệ", code="invalid_kind", status=422)
    from tracker.parsing.registry import Registry

    units = registry_for_parser(session)
    registry = Registry(units)  # built once per document, shared by the parser and the co-unit lookups
    parsed = parse_directive(text, issued=issued_date, units=registry)
    doc, tasks = parsed.document, parsed.tasks
    code_to_id = {u["code"]: u["id"] for u in units}
    directive = Directive(
        number=_clip(number or doc.number, 32),
        code=_clip(number if number else doc.code, 64),
        kind=kind or doc.kind or "other",
        title=(title or doc.title or "")[:2000],
        issuer=_clip(issuer or doc.issuer, 255),
        signer=_clip(signer or doc.signer, 255),
        issued_date=issued_date or doc.issued,
        source_text=text,
        state=DRAFT,
        draft_tasks=[_draft_from_parsed(t, code_to_id, session, registry) for t in tasks[:MAX_TASKS]],
        created_by_id=user.id,
        created_at=utc_now(now),
    )
    if directive.kind not in DIRECTIVE_KINDS:
        directive.kind = "other"
    directive.search_text = search_text_for_directive(directive)
    session.add(directive)
    session.flush()
    session.add(AuditEvent(actor_id=user.id, channel=channel, entity="directive", entity_id=directive.id,
                           action="create_draft", new_value=directive.code or directive.title[:100]))
    return directive


def _clip(value, n):
    return None if value in (None, "") else str(value)[:n]


def get_directive(session: Session, directive_id: int) -> Directive:
    directive = session.get(Directive, directive_id)
    if directive is None:
        raise NotFound("Không tìm thấy văn bản")
    return directive


def save_draft(session: Session, user: User, directive: Directive, tasks: list[dict], **header) -> Directive:
    """Replace the draft's proposed tasks (and header fields) with the clerk's edits."""
    if not permissions.can_import(user):
        raise Forbidden("Chỉ Văn phòng được sửa văn bản")
    if directive.state != DRAFT:
        raise ServiceError("Văn bản đã ban hành, không sửa bản nháp được nữa", code="published", status=409)
    # compare-and-set on the version the clerk edited: of two saves at once, the second is refused
    claimed = session.execute(
        sa_update(Directive)
        .where(Directive.id == directive.id, Directive.state == DRAFT, Directive.version == directive.version)
        .values(version=directive.version + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict("Bản nháp vừa được người khác sửa hoặc ban hành; thay đổi của bạn CHƯA được lưu. "
                       "Hãy mở lại trang rà soát để xem bản mới nhất.")
    for key in ("number", "code", "kind", "title", "issuer", "signer"):
        if key in header and header[key] is not None:
            setattr(directive, key, str(header[key]).strip() or None if key != "title" else str(header[key]))
    if "issued" in header:
        directive.issued_date = parse_iso_date(header["issued"], "ngày ban hành")
    if directive.kind not in DIRECTIVE_KINDS:
        raise ServiceError("Loại văn bản không hợp lệ", code="invalid_kind", status=422)
    directive.draft_tasks = [dict(t) for t in tasks[:MAX_TASKS]]
    directive.search_text = search_text_for_directive(directive)
    directive.version += 1
    session.add(directive)
    session.flush()
    return directive


def _row_id(value) -> int | None:
    """A unit id from a form or JSON row: a positive 32-bit integer (or its ASCII digits), else None."""
    return inputs.to_int(value, minimum=1)


_TEXT_FIELDS = ("action", "deadline_text", "recurrence", "owner")
_LIST_FIELDS = ("co_unit_ids", "co_owners", "info_unit_ids")


def _clean_task(session: Session, raw: dict, text_len: int) -> tuple[dict, list[str]]:
    """A draft row (review form or API) as publish needs it, plus its errors in Vietnamese.
    Each check is a small validator below; the errors keep this order."""
    errors = []
    # A row from the API may hold any JSON: refuse wrong types clearly instead of failing on them.
    wrong = _wrong_types(raw)
    if wrong:
        errors.append("dữ liệu không hợp lệ ở trường " + ", ".join(wrong))
        raw = {k: v for k, v in raw.items() if k not in wrong}
    action = (raw.get("action") or "").strip()
    if not action:
        errors.append("thiếu nội dung nhiệm vụ")
    unit = _lead_unit(session, raw.get("unit_id"), errors)
    deadline = _deadline(raw.get("deadline"), errors)
    recurrence = _recurrence(raw.get("recurrence"), errors)
    co_ids = _unit_ids(session, raw.get("co_unit_ids"))
    info_ids = _unit_ids(session, raw.get("info_unit_ids"), exclude=co_ids)  # "nhận để biết", issue 16
    start, end = _span(raw.get("start"), raw.get("end"), text_len)
    return {
        "unit": unit, "action": action[:5000], "deadline": deadline,
        "deadline_text": ((raw.get("deadline_text") or "").strip() or None),
        "recurrence": recurrence, "urgent": bool(raw.get("urgent")),
        "owner": (raw.get("owner") or (unit.name if unit else None)),
        "co_owners": [str(c)[:255] for c in (raw.get("co_owners") or [])][:50],
        "co_unit_ids": co_ids, "info_unit_ids": info_ids, "start": start, "end": end,
    }, errors


def _wrong_types(raw: dict) -> list[str]:
    """Fields holding the wrong JSON type: text fields must be strings, id/name lists lists."""
    wrong = [k for k in _TEXT_FIELDS if raw.get(k) is not None and not isinstance(raw.get(k), str)]
    return wrong + [k for k in _LIST_FIELDS if raw.get(k) is not None and not isinstance(raw.get(k), list)]


def _lead_unit(session: Session, value, errors: list[str]) -> Unit | None:
    unit_id = _row_id(value)
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None:
        errors.append("chưa chọn đơn vị chủ trì")
    return unit


def _deadline(value, errors: list[str]) -> date | None:
    try:
        return parse_iso_date(value, "hạn")
    except ServiceError as exc:
        errors.append(exc.message)
        return None


def _recurrence(value, errors: list[str]) -> str | None:
    recurrence = (value or "").strip() or None
    if recurrence and not RECURRENCE_PATTERN.fullmatch(recurrence):
        errors.append(f"chu kỳ '{recurrence}' không hợp lệ")
    return recurrence


def _unit_ids(session: Session, values, exclude=()) -> list[int]:
    """Existing unit ids of a row's list, once each, in order, without those in `exclude`."""
    out: list[int] = []
    for value in values or []:
        uid = _row_id(value)
        if uid is not None and uid not in out and uid not in exclude and session.get(Unit, uid) is not None:
            out.append(uid)
    return out


def _span(start, end, text_len: int) -> tuple[int | None, int | None]:
    """The row's offsets in the source text, or (None, None) when they do not fit it."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= text_len:
        return start, end
    return None, None


class DuplicateDirective(ServiceError):
    """Publishing a copy of a published directive without the clerk's explicit confirmation."""

    code, status = "duplicate", 409

    def __init__(self, original: Directive):
        label = original.code or f"#{original.id}"
        super().__init__(f"Văn bản này trùng với văn bản {label} đã ban hành. Nếu vẫn muốn ban hành thêm một bản, "
                         "hãy xác nhận ban hành bản trùng.")
        self.duplicate_of = original.id


def expanded_counts(session: Session, rows: list[dict]) -> list[int]:
    """How many tasks each draft row creates when published (a group fans out to its members)."""
    out = []
    for raw in rows:
        unit_id = _row_id(raw.get("unit_id")) if isinstance(raw, dict) else None
        unit = session.get(Unit, unit_id) if unit_id is not None else None
        out.append(0 if unit is None else len(expand_group(session, unit) or [unit]))
    return out


def publish(session: Session, user: User, directive: Directive, tasks: list[dict] | None = None,
            channel: str = "web", now: datetime | None = None, *, confirm_duplicate: bool = False,
            issued=None) -> list[Task]:
    """Create every task of the directive or none. A group lead expands to its member units.

    Refused without an issue date (`issued` may supply it) and, for a copy of a published
    directive, without `confirm_duplicate`. The caller commits; on any error nothing has
    been written (raise before the first add, and the caller rolls back on exceptions)."""
    from tracker.services.duplicates import find_duplicate

    if not permissions.can_import(user):
        raise Forbidden("Chỉ Văn phòng được ban hành văn bản")
    if directive.state != DRAFT:
        raise ServiceError("Văn bản đã được ban hành", code="already_published", status=409)
    # the size limit first: an oversized body is refused before anything is read or written
    raw_tasks = tasks if tasks is not None else directive.draft_tasks
    if not raw_tasks:
        raise ServiceError("Văn bản chưa có nhiệm vụ nào để ban hành", code="no_tasks", status=422)
    if len(raw_tasks) > MAX_TASKS:
        # the web form caps its rows at MAX_TASKS; the API must not publish more than a draft can hold
        raise ServiceError(f"Một văn bản có tối đa {MAX_TASKS} nhiệm vụ (gửi {len(raw_tasks)}); hãy tách văn bản",
                           code="too_many_tasks", status=422)
    if issued not in (None, ""):
        directive.issued_date = parse_iso_date(issued, "ngày ban hành")
        session.add(directive)
        session.flush()  # the claim below refreshes the row: write the date first
    if directive.issued_date is None:
        raise ServiceError("Văn bản chưa có ngày ban hành; hãy nhập ngày ban hành (DD/MM/YYYY) trước khi ban hành",
                           code="issued_required", status=422)
    if not confirm_duplicate:
        original = find_duplicate(session, directive)
        if original is not None:
            raise DuplicateDirective(original)
    cleaned, errors = [], {}
    for i, raw in enumerate(raw_tasks, 1):
        if not isinstance(raw, dict):
            errors[i] = ["dữ liệu không hợp lệ"]
            continue
        task, errs = _clean_task(session, raw, len(directive.source_text))
        if errs:
            errors[i] = errs
        cleaned.append(task)
    if errors:
        raise DraftInvalid(errors)

    created: list[Task] = []
    stamp = utc_now(now)
    # Claim the draft with a guarded UPDATE before writing any task: of two clerks who
    # publish at once, the second waits on the first one's lock, then finds no draft and
    # creates nothing (found by tests/hardening/test_concurrency.py).
    claimed = session.execute(
        sa_update(Directive)
        .where(Directive.id == directive.id, Directive.state == DRAFT)
        .values(state=PUBLISHED, published_at=stamp, version=Directive.version + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise ServiceError("Văn bản vừa được người khác ban hành; vui lòng tải lại trang", code="already_published",
                           status=409)
    session.refresh(directive)
    for item in cleaned:
        leads = expand_group(session, item["unit"]) or [item["unit"]]
        for lead in leads:
            task = Task(
                directive_id=directive.id, lead_unit_id=lead.id, owner_text=(item["owner"] or "")[:512],
                co_owner_texts=item["co_owners"], action=item["action"], source_start=item["start"],
                source_end=item["end"], deadline=item["deadline"], deadline_text=(item["deadline_text"] or None),
                recurrence=item["recurrence"], urgent=item["urgent"], created_at=stamp, updated_at=stamp,
            )
            if task.deadline_text:
                task.deadline_text = task.deadline_text[:512]
            task.search_text = search_text_for_task(task.action, directive, lead.name)
            session.add(task)
            session.flush()
            for cid in item["co_unit_ids"]:
                if cid != lead.id:
                    session.add(TaskCoUnit(task_id=task.id, unit_id=cid))
            for iid in item.get("info_unit_ids") or []:
                if iid != lead.id:
                    session.add(TaskInfoUnit(task_id=task.id, unit_id=iid))
            record(session, task, user, channel, "created", None, task.action[:200], None, now)
            created.append(task)
    directive.search_text = search_text_for_directive(directive)
    session.add(directive)
    session.add(AuditEvent(actor_id=user.id, channel=channel, entity="directive", entity_id=directive.id,
                           action="publish", new_value=f"{len(created)} nhiệm vụ"))
    session.flush()
    _tell_lead_units(session, directive, created, now)
    return created


def _tell_lead_units(session: Session, directive: Directive, created: list[Task], now: datetime | None) -> None:
    """The inbox item "new task for my unit" (issue 16): one event per lead unit, to its heads."""
    from tracker.followup import outbox
    from tracker.models import HEAD

    by_unit: dict[int, list[Task]] = {}
    for task in created:
        by_unit.setdefault(task.lead_unit_id, []).append(task)
    heads: dict[int, list[int]] = {}
    for uid, unit_id in session.exec(select(User.id, User.unit_id).where(
            User.unit_id.in_(list(by_unit)), User.role == HEAD, User.active == sa.true())).all():
        heads.setdefault(unit_id, []).append(uid)
    label = directive.code or f"văn bản #{directive.id}"
    for unit_id, tasks in by_unit.items():
        if not heads.get(unit_id):
            continue
        one = tasks[0] if len(tasks) == 1 else None
        text = (f"Đơn vị được giao nhiệm vụ #{one.id} theo {label}: {one.action[:150]}" if one else
                f"Đơn vị được giao {len(tasks)} nhiệm vụ theo {label}")
        outbox.enqueue(session, recipient_ids=heads[unit_id], kind="assigned", text=text, now=utc_now(now),
                       task_id=one.id if one else None, dedupe=f"published:d{directive.id}:u{unit_id}")


def task_source_span(directive: Directive, task: Task) -> str:
    if task.source_start is None or task.source_end is None:
        return ""
    return directive.source_text[task.source_start:task.source_end]
