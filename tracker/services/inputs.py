"""One place that reads integers and dates out of request input (query, form, JSON, bot data).

Why a helper: `str.isdigit()` and `\\d` accept superscript and other Unicode digits
("²", "١٢") that `int()` then refuses or reads differently; `int()` refuses strings of more
than 4,300 digits with a ValueError; `date(y, m, d)` raises OverflowError for a 20-digit
year. Each of these was a 500 somewhere. Here an integer is ASCII digits with an optional
sign, at most 18 of them, within the bounds the caller gives (32-bit by default, what
the database columns hold); a date is DD/MM/YYYY or YYYY-MM-DD in ASCII digits.
Pure code: no Flask, so the bot, the services and the web views share it.
"""
import re
from datetime import date

from tracker.services import ServiceError

INT_MAX = 2**31 - 1
_INT = re.compile(r"[+-]?[0-9]{1,18}")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def to_int(value, default=None, *, minimum: int | None = -INT_MAX, maximum: int | None = INT_MAX):
    """The integer in `value` (int or ASCII-digit string), or `default` for anything else or out of range.

    Never raises."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and len(value) <= 40 and _INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return default
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return default
    return number


def is_int(value, **bounds) -> bool:
    return to_int(value, **bounds) is not None


def parse_int(value, field: str, *, default=None, minimum: int | None = -INT_MAX, maximum: int | None = INT_MAX,
              code: str = "invalid_number", status: int = 422):
    """Like `to_int`, but empty gives `default` and anything else that is not a fitting integer
    raises ServiceError with a Vietnamese message naming `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    number = to_int(value, minimum=minimum, maximum=maximum)
    if number is None:
        shown = str(value)[:40]
        if to_int(value, maximum=None) is not None:
            raise ServiceError(f"{field} '{shown}' không hợp lệ (ngoài khoảng cho phép)", code=code, status=status)
        raise ServiceError(f"{field} '{shown}' không hợp lệ (phải là số nguyên)", code=code, status=status)
    return number


def to_date(value) -> date | None:
    """A date from DD/MM/YYYY or YYYY-MM-DD (ASCII digits), else None. Never raises."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip()
    match = _DMY.fullmatch(text)
    if match:
        d, m, y = (int(g) for g in match.groups())
    else:
        match = _ISO.fullmatch(text)
        if not match:
            return None
        y, m, d = (int(g) for g in match.groups())
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(value, field: str = "Ngày", *, code: str = "invalid_date", status: int = 422) -> date | None:
    """`to_date`, with empty giving None and anything else raising ServiceError (DD/MM/YYYY hint)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    found = to_date(value)
    if found is None:
        raise ServiceError(f"{field} '{str(value).strip()[:40]}' không hợp lệ (dạng DD/MM/YYYY)", code=code,
                           status=status)
    return found
