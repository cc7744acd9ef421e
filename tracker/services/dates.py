"""Dates typed by people: DD/MM/YYYY first, ISO too, and free text.

Order: ISO `YYYY-MM-DD`; `DD/MM/YYYY` (also `-` or `.`); then the project's deadline
grammar (tracker.parsing.deadlines: "15/3", "cuối tháng 3", "quý II") counted from
`base`; then a few relative phrases of spoken Vietnamese ("thứ Sáu tuần sau",
"3 ngày nữa"); last `dateparser` for what it reads well (English month names,
"ngày mai", "in 2 weeks"). A date that cannot exist (31/02) is an error naming it,
never a silently different day. Pure: no Flask.
"""
import re
from datetime import date
from datetime import datetime
from datetime import timedelta

from tracker.services import ServiceError
from tracker.services.text import fold

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3, "sau": 4, "6": 4,
             "bay": 5, "7": 5}
_WEEKDAY_PHRASE = re.compile(r"^(?:thu\s+(hai|ba|tu|nam|sau|bay|[2-7])|(chu\s+nhat))"
                             r"(?:\s+(tuan\s+(?:sau|toi)|tuan\s+nay))?$")
_IN_N = re.compile(r"^(\d{1,3})\s+(ngay|tuan|thang)\s+(?:nua|toi)$")
_NEXT = {"ngay mai": 1, "ngay kia": 2, "mai": 1, "hom nay": 0, "tuan sau": 7, "tuan toi": 7}


def _error(field: str, value: str, why: str = "") -> ServiceError:
    return ServiceError(f"{field.capitalize()} “{value[:40]}” không hợp lệ{why}. Hãy nhập theo dạng DD/MM/YYYY, "
                        "ví dụ 15/03/2026.", code="invalid_date", status=422)


def _exact(y: int, m: int, d: int, field: str, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise _error(field, raw, f": ngày {d:02d}/{m:02d}/{y} không có trong lịch") from None


def _relative(folded: str, base: date) -> date | None:
    if folded in _NEXT:
        return base + timedelta(days=_NEXT[folded])
    m = _WEEKDAY_PHRASE.match(folded)
    if m:
        wd = 6 if m.group(2) else _WEEKDAYS[m.group(1)]
        week = m.group(3) or ""
        monday = base - timedelta(days=base.weekday())
        if week.startswith("tuan sau") or week.startswith("tuan toi"):
            return monday + timedelta(days=7 + wd)
        target = monday + timedelta(days=wd)
        if week == "tuan nay":
            return target
        return target if target >= base else target + timedelta(days=7)
    m = _IN_N.match(folded)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if unit == "ngay":
            return base + timedelta(days=n)
        if unit == "tuan":
            return base + timedelta(days=7 * n)
        month = base.month - 1 + n
        y, mo = base.year + month // 12, month % 12 + 1
        for d in range(base.day, 27, -1):
            try:
                return date(y, mo, d)
            except ValueError:
                continue
        return date(y, mo, min(base.day, 28))
    return None


def parse_user_date(value, field: str = "ngày", *, today: date, base: date | None = None) -> date | None:
    """A typed date, or None when empty; relative phrases count from `base` (default `today`)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    if not raw:
        return None
    base = base or today
    m = _ISO.match(raw)
    if m:
        return _exact(int(m.group(1)), int(m.group(2)), int(m.group(3)), field, raw)
    m = _DMY.match(raw)
    if m:
        return _exact(int(m.group(3)), int(m.group(2)), int(m.group(1)), field, raw)
    if len(raw) > 80:
        raise _error(field, raw)
    folded = fold(raw)
    rel = _relative(folded, base)
    if rel is not None:
        return rel
    from tracker.parsing.deadlines import find_deadlines

    hits = [h for h in find_deadlines(raw, base) if h.deadline is not None]
    if hits:
        return hits[-1].deadline
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?", raw):
        raise _error(field, raw, ": ngày không có trong lịch")
    parsed = _dateparser(raw, base)
    if parsed is not None:
        return parsed
    raise _error(field, raw, ": không hiểu ngày này")


def _dateparser(raw: str, base: date) -> date | None:
    try:
        import dateparser
    except ImportError:  # pragma: no cover - a dependency of the project
        return None
    got = dateparser.parse(raw, languages=["vi", "en"], settings={
        "RELATIVE_BASE": datetime.combine(base, datetime.min.time()), "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day"]})
    return got.date() if got else None


def impossible_dates(text: str | None) -> list[str]:
    """Written dates that do not exist in the calendar ("31/02/2022"), as written."""
    out = []
    for m in re.finditer(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])", text or ""):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            date(y, mo, d)
        except ValueError:
            out.append(m.group(0))
    return out
