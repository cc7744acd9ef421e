"""Turn a task draft into the public ParsedTask (tracker/parsing/output.py; its to_dict()
is the contract of issue #3): owner, unit, co_owners, action, deadline, deadline_text,
recurrence, urgent, start, end (offsets in the caller's original text), confidence, reasons.
"""
from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from . import deadlines as _deadlines
from .explain import reason_texts
from .explain import task_warnings
from .output import ParsedTask
from .output import UnitRef
from .registry import resolve_unit
from .startcache import compile as _re  # re.compile, kept between processes

log = logging.getLogger("tracker.parsing")

# Spans (a, b) of the normalised text where the deadline grammar raised, for the parse in
# progress: the tasks over them carry a warning for the clerk (issue #12: a grammar crash is
# logged and shown, never silently read as "no deadline"). Under TRACKER_PARSER_STRICT=1 (the
# test suite) the crash raises instead.
_CRASHES: ContextVar[list | None] = ContextVar("deadline_grammar_crashes", default=None)
CRASH_WARNING = "lỗi khi đọc hạn của nhiệm vụ này: kiểm tra và nhập hạn bằng tay"


def _grammar_crashed(t: str, a: int, b: int) -> None:
    if os.environ.get("TRACKER_PARSER_STRICT") == "1":
        raise
    log.exception("Ngữ pháp hạn lỗi trên đoạn %d-%d: %r", a, b, t[a:min(b, a + 120)])
    crashes = _CRASHES.get()
    if crashes is not None:
        crashes.append((a, b))


def collect_crashes() -> list:
    """Start collecting grammar crashes for one parse (call from parse_directive)."""
    crashes: list = []
    _CRASHES.set(crashes)
    return crashes


@dataclass
class TaskDraft:
    """A task while the walk still edits it (owner, span, deadline hit)."""

    owner: str | None
    co_owners: list[str]
    start: int
    end: int
    action_start: int
    reasons: list[str]
    confidence: float
    hit: object = None          # DeadlineHit
    deadline_span: tuple[int, int] | None = None  # where the deadline was searched
    action_end: int | None = None  # a table row: the action is its task cell, not the whole row


def deadline_in(t: str, a: int, b: int, issued: date):
    """The deadline of the text span t[a:b] (a DeadlineHit or None)."""
    try:
        return _deadlines.pick_deadline(t[a:b], issued)
    except Exception:  # a deadline bug must not lose the task: logged, and the task is flagged
        _grammar_crashed(t, a, b)
        return None


_SCAN_LIMIT = 2000  # characters of a task's span read for its action and warnings


def deadlines_of(t: str, a: int, b: int, issued: date) -> list:
    """All deadline hits of t[a:b] (offsets relative to a)."""
    try:
        return list(_deadlines.find_deadlines(t[a:b], issued))
    except Exception:  # as in deadline_in
        _grammar_crashed(t, a, b)
        return []


def is_urgent(marked: bool, deadline: date | None, issued: date | None) -> bool:
    """Issue #15: a task is urgent when its document carries an urgency mark (Hỏa tốc,
    Thượng khẩn, Khẩn) or its deadline is the issue date itself ("trong ngày", "trước 17 giờ
    hôm nay"). "khẩn trương", "ngay", "gấp" in the sentence are ordinary urging."""
    return marked or (deadline is not None and issued is not None and deadline == issued)


def to_contract(task: TaskDraft, t: str, norm, issued: date, registry, *, marked: bool = False,
                issue_known: bool = True, crashes: list | tuple = ()) -> ParsedTask:
    """`marked`: the document carries an urgency mark; `issue_known`: `issued` is the real issue
    date (given or read from the text), not today standing in for it."""
    hit = task.hit
    dl = getattr(hit, "deadline", None) if hit is not None else None
    rec = getattr(hit, "recurrence", None) if hit is not None else None
    dtext = getattr(hit, "text", None) if hit is not None else None
    urgent = is_urgent(marked, dl, issued if issue_known else None)
    reasons = list(dict.fromkeys(task.reasons))
    if hit is not None and getattr(hit, "kind", None):
        reasons.append(f"deadline:{hit.kind}")
    unit = resolve_unit(task.owner, registry) if task.owner else None
    conf = task.confidence
    if task.owner is None:
        conf -= 0.3
        reasons.append("no_owner")
    elif unit is None:
        conf -= 0.15
        reasons.append("owner_not_in_registry")
    action = _action(t, task)
    # owner, co-owners and the deadline phrase are given as the source spells them
    near = task.start
    owner = norm.as_written(task.owner, near)
    return ParsedTask(
        owner=owner,
        unit=UnitRef.from_dict(unit),
        co_owners=tuple(norm.as_written(c, near) for c in dict.fromkeys(task.co_owners) if c and c != task.owner),
        action=action,
        deadline=dl,
        deadline_text=norm.as_written(dtext, (task.deadline_span or (near, near))[0]),
        recurrence=rec,
        urgent=urgent,
        start=norm.to_original(task.start),
        end=norm.to_original(task.end),
        confidence=round(max(0.05, min(1.0, conf)), 2),
        reasons=tuple(reasons),
        reason_texts=tuple(reason_texts(reasons, dtext)),
        warnings=tuple(task_warnings(t[task.start:min(task.end, task.start + _SCAN_LIMIT)], owner, unit is not None)
                       + ([CRASH_WARNING] if any(a < task.end and b > task.start for a, b in crashes) else [])),
    )


_ACTION_LEAD = _re(r"^[\s,;:]*(?:và\s+)?(?:(?:Đồng thời|Bên cạnh đó|Ngoài ra|Trên cơ sở đó|Sau đó|"
                   r"Cùng với đó)\s*,?\s*)?"
                          r"(?:(?:chủ trì|phối hợp)\s*,?\s*)*(?:các đơn vị liên quan\s*)?(?:(?:có trách nhiệm|"
                          r"được giao|cần|phải)\s+)?")


def _action(t: str, task: TaskDraft) -> str:
    a = max(task.start, min(task.action_start, task.end))
    if task.co_owners and re.match(r"\s*(?:[Cc]hủ trì|[Pp]hối hợp|[Tt]iếp tục chủ trì)", t[a:a + 30]):
        # "Chủ trì, phối hợp với A, B tổ chức ..." -> the action starts after B
        last = t.find(task.co_owners[-1], a, min(task.end, a + 400))
        if last != -1:
            a = last + len(task.co_owners[-1])
    # only the opening of the span matters: keep the work bounded on huge spans
    end = task.end if task.action_end is None else max(a, min(task.action_end, task.end))
    s = t[a:min(end, a + _SCAN_LIMIT)]
    s = _ACTION_LEAD.sub("", s).strip()
    if not s:
        s = t[task.start:min(task.end, task.start + _SCAN_LIMIT)].strip()
    s = re.sub(r"\s+", " ", s)
    if len(s) > 160:
        cut = s.rfind(" ", 0, 157)
        s = s[: cut if cut > 40 else 157].rstrip(" ,;") + "…"
    s = s.rstrip(" .;,")
    return s[:1].upper() + s[1:] if s else s
