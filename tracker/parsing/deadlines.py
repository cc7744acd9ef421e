"""Vietnamese deadline grammar: find and resolve the timing of a task.

Public API: DeadlineHit, find_deadlines(text, issued), pick_deadline(text,
issued), resolve_recurrence_first(recurrence, on_or_after).

The grammar works in two layers:

1. *Time expressions*: the calendar phrases of Vietnamese administrative
   writing, each with a resolver: ``ngày 15/02/2022``, ``15 tháng 3 năm 2022``,
   ``tháng 3/2022``, ``cuối tháng 2/2022``, ``quý II năm 2023``,
   ``6 tháng đầu năm``, ``năm 2022``, ``Tết Nguyên đán Nhâm Dần``,
   ``ngày 25 tháng Chạp``, ``05 ngày làm việc``, recurrences
   (``trước ngày 20 hằng tháng``), urgency (``ngay``, ``khẩn trương``) and
   ongoing work (``thường xuyên``).
2. *Position*: a calendar phrase is a deadline only in a deadline position.
   Vietnamese marks that position with an operator right before the phrase
   (``trước``, ``chậm nhất``, ``hạn chót``, ``không muộn hơn``, ``trong``,
   ``đến hết``, ``vào``), by putting the phrase in a time slot
   (``Thời gian hoàn thành: quý II năm 2024``, the last cell of a table row), or
   by attaching it to a meeting (``tại cuộc họp giao ban tháng 9/2024``). The same
   phrase is *not* a deadline after ``đến``/``tính đến`` (data cut-off),
   ``từ``/``kể từ`` (start), ``dịp``/``lúc`` (an occasion or the clock time of
   an event), after a document number (``Nghị quyết số 128/NQ-CP ngày 11/10/2021``),
   inside a fronted topic (``Đối với các nhiệm vụ triển khai trong năm 2025, ...``),
   as a bare qualifier of a noun (``vốn đầu tư công năm 2022``,
   ``các nhiệm vụ được giao trong năm 2025``), or when an already expired date is
   reported in the past tense (``đã chỉ đạo ... trước ngày 30/10``).

Resolution follows the corpus rules (shared/corpus/README.md): a date without a
year is the next such date on or after the issue date; a month, quarter or year
is due on its last day; ``đầu``/``giữa tháng`` on day 10/20; working days skip
weekends and Vietnamese holidays (tracker.vncalendar); lunar dates use the
Vietnamese (UTC+7) calendar; a recurrence with a day is due at its first
occurrence on or after the issue date, one without a day has no date.

Everything is compiled regular expressions plus calendar arithmetic. Each
scanning pattern has literal anchors (see _finditer), so the text is scanned
quickly and the full patterns only run near candidate words; no pattern has
nested unbounded repetition. Input is expected in NFC (see
tracker.parsing.normalize); offsets refer to the text passed in.
"""
from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import timedelta

from tracker.vncalendar import add_working_days
from tracker.vncalendar import lunar_to_solar
from tracker.vncalendar import solar_to_lunar
from tracker.vncalendar import tet
from tracker.vncalendar import year_from_name
from tracker.vncalendar.lunar import CAN
from tracker.vncalendar.lunar import CHI
from tracker.vncalendar.lunar import last_day_of_lunar_year

from .startcache import compile as _re  # re.compile, kept between processes

__all__ = ["DeadlineHit", "find_deadlines", "pick_deadline", "resolve_recurrence_first"]


@dataclass(frozen=True)
class DeadlineHit:
    """One temporal phrase of a task and what it resolves to."""

    start: int  # char offset of the phrase within the text passed in
    end: int
    text: str  # == text[start:end]: the shortest phrase carrying the timing, with its operator
    deadline: date | None  # None if unresolvable / urgency / ongoing / recurrence without a day
    # daily | weekly | weekly:N | monthly | monthly:D | quarterly | quarterly:D | yearly | yearly:MM-DD
    recurrence: str | None
    urgent: bool  # ngay, khẩn trương, gấp, hỏa tốc
    ongoing: bool  # thường xuyên
    kind: str  # rule name, shown to the reviewer as the reason


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

_F = re.IGNORECASE | re.VERBOSE

_CANCHI = r"(?:{})\s+(?:{})".format(
    "|".join(CAN + ("Kỉ", "Quí")),
    "|".join(CHI + ("Tí", "Tị", "Mẹo")),
)
_NUM_WORDS = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
    "chín": 9, "mười": 10, "mười lăm": 15, "hai mươi": 20, "ba mươi": 30,
}
_NUM = r"(?:\d{1,3}|mười\s+lăm|hai\s+mươi|ba\s+mươi|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)"
_CLOCK = r"""(?:\d{1,2}\s*(?:giờ|h|g)(?:\s*\d{1,2}(?:\s*phút|['’])?)?|\d{1,2}:\d{2})(?:\s+(?:sáng|trưa|chiều|tối))?"""
_WEEKDAY = r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)"
_WEEKDAY_NUMBER = {"hai": 1, "ba": 2, "tư": 3, "năm": 4, "sáu": 5, "bảy": 6,
                   "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_LUNAR_MONTH_NAMES = {"giêng": 1, "chạp": 12}  # "tháng Một" is left out: also read as January
_DOC_NAME = (r"\s+(?:văn\s+bản|công\s+văn|thông\s+báo|chỉ\s+thị|quyết\s+định|kế\s+hoạch|"
             r"công\s+điện|thông\s+tư|nghị\s+quyết|nghị\s+định|kết\s+luận)(?:\s+này)?")
_DOC_TAIL = (r"(?:\s+(?:văn\s+bản|công\s+văn|thông\s+báo|chỉ\s+thị|quyết\s+định|kế\s+hoạch|"
             r"công\s+điện|thông\s+tư|nghị\s+quyết|nghị\s+định|kết\s+luận))?(?:\s+này)?")


def _to_int(word: str) -> int | None:
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    return _NUM_WORDS.get(word)


# ---------------------------------------------------------------------------
# Calendar helpers
# ---------------------------------------------------------------------------

def _day_month_year(d: int, mo: int, y: str | None, issued: date) -> date | None:
    """A written day/month[/year]: the date itself, or without a year the next such day on or after `issued`."""
    if y:
        return _safe_date(int(y), mo, d) if _plausible_year(int(y), issued) else None
    return _next_day_month(d, mo, issued)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_end(y: int, m: int) -> date | None:
    if not 1 <= m <= 12 or not 1 <= y <= 9999:
        return None
    return date(y, m, calendar.monthrange(y, m)[1])


def _plausible_year(y: int, issued: date) -> bool:
    return abs(y - issued.year) <= 30


def _next_day_month(day: int, month: int, on_or_after: date) -> date | None:
    """The first day/month on or after a date (29/02 waits for a leap year)."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    for y in range(on_or_after.year, on_or_after.year + 9):
        d = _safe_date(y, month, day)
        if d is not None and d >= on_or_after:
            return d
    return None


def _next_month_end(month: int, on_or_after: date) -> date | None:
    end = _month_end(on_or_after.year, month)
    if end is None:
        return None
    return end if end >= on_or_after else _month_end(on_or_after.year + 1, month)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _quarter_end(q: int, y: int) -> date:
    return _month_end(y, 3 * q)  # type: ignore[return-value]


def resolve_recurrence_first(recurrence: str, on_or_after: date) -> date | None:
    """First occurrence of a recurrence string on or after a date.

    monthly:20 -> next 20th (a day past the month's end means its last day);
    quarterly:15 -> 15th of Mar/Jun/Sep/Dec; yearly:12-15; weekly:N -> next
    weekday N (1 = Monday ... 7 = Sunday); daily -> that day. Plain monthly /
    quarterly / yearly / weekly, or an unknown string, -> None.
    """
    kind, _, arg = recurrence.partition(":")
    try:
        if kind == "daily":
            return on_or_after
        if not arg:
            return None
        if kind == "weekly":
            n = int(arg)
            if not 1 <= n <= 7:
                return None
            return on_or_after + timedelta(days=(n - 1 - on_or_after.weekday()) % 7)
        if kind in ("monthly", "quarterly"):
            day = int(arg)
            if not 1 <= day <= 31:
                return None
            y, m = on_or_after.year, on_or_after.month
            for _ in range(15):
                if kind == "monthly" or m % 3 == 0:
                    d = date(y, m, min(day, calendar.monthrange(y, m)[1]))
                    if d >= on_or_after:
                        return d
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            return None
        if kind == "yearly":
            mm, _, dd = arg.partition("-")
            return _next_day_month(int(dd), int(mm), on_or_after)
    except ValueError:
        return None
    return None


def _lunar_year_of(g: re.Match, group: str, issued: date) -> int | None:
    """Lunar year named by a Can Chi name or a number in `group`, else None."""
    raw = g.group(group)
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    return year_from_name(" ".join(raw.split()), issued.year)


def _lunar_date(day: int, month: int, lunar_year: int) -> date | None:
    """Gregorian date of a lunar day; "30 Chạp" in a 29-day month is the year's last day."""
    try:
        return lunar_to_solar(day, month, lunar_year)
    except ValueError:
        if month == 12 and day == 30:
            return last_day_of_lunar_year(lunar_year)
        return None


def _next_tet_eve(issued: date) -> date:
    """The day before the first Tết strictly after the issue date."""
    first = tet(issued.year)
    if first <= issued:
        first = tet(issued.year + 1)
    return first - timedelta(days=1)


# ---------------------------------------------------------------------------
# Time expressions (the "cores"). A core says *when*; whether it is a deadline
# is decided from its left context (_position). Date cores start at the
# digits: a clock time or the word "ngày" before them is read from the left
# window (_DATE_PREFIX_LEFT).
# ---------------------------------------------------------------------------

_DATE_NUMERIC = _re(r"""
    (?<![\w/.,:-])
    (?P<d>\d{1,2})\s?(?P<sep>[/.-])\s?(?P<m>\d{1,2})
    (?:\s?(?P=sep)\s?(?P<y>\d{4}))?
    (?![\w%]|\s?[/.,:-]\s?\d)
""", _F)

_DATE_LONG = _re(r"""
    (?<![\w/])
    (?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})
    (?:\s*,?\s*năm\s+(?P<y>\d{4}))?
    (?![\w/])
""", _F)

_DATE_DAY_ONLY = _re(r"""
    (?<![\w])[Nn]gày\s+(?P<d>\d{1,2})
    (?!\s*[/.-]\s*\d|\s+(?:tháng|hằng|hàng|mỗi|của|đến|tới|và)\b|\d|\s*%)
""", re.VERBOSE)

# What may stand before a date: a clock time and/or the word "ngày" ("trước 17 giờ ngày 30/6").
_DATE_PREFIX_LEFT = _re(r"""
    (?:(?<![\w:])(?P<clock>""" + _CLOCK + r""")\s*,?\s*)?
    (?:(?<![\w])""" + _WEEKDAY + r"""\s*,?\s*)?
    (?:(?<![\w])(?P<ngay>ngày)\s+)?$
""", _F)
_CLOCK_LEFT = _re(r"(?<![\w:])(?P<clock>" + _CLOCK + r")\s*,?\s*$", _F)

_DATE_LUNAR = _re(r"""
    (?:(?P<ngay>ngày|mùng|mồng)\s+)
    (?P<d>\d{1,2})\s+tháng\s+
    (?P<lm>Chạp|Giêng|\d{1,2}(?=\s*\(?\s*âm\s+lịch))
    (?:\s*\(?\s*âm\s+lịch\s*\)?)?
    (?:\s*,?\s+(?:năm\s+)?(?P<yn>""" + _CANCHI + r"""|(?:âm\s+lịch\s+)?\d{4}))?
""", _F)

_TODAY = _re(r"""
    (?<![\w])
    (?:(?:[Nn]gày\s+)?[Hh]ôm\s+nay|[Tt]rong\s+(?:cùng\s+)?ngày(?:\s+hôm\s+nay)?|[Cc]ùng\s+ngày|(?P<tomorrow>[Nn]gày\s+mai))
    (?!\s*(?:\d|làm\s+việc|lễ|[Tt]ết|nghỉ|thứ|này|đó|hôm\s+qua|mai\b))
""", re.VERBOSE)

_MONTH = _re(r"""
    (?<![\w/])
    (?:(?P<part>đầu|giữa|cuối)\s+)?
    tháng\s+(?:(?P<m>\d{1,2})(?:\s*(?:/|-|,?\s*năm)\s*(?P<y>\d{4}))?(?![\w/]|\s*[/.-]\s*\d)
              |(?P<rel>này|sau|tới)\b)
""", _F)

_QUARTER = _re(r"""
    (?<![\w/])
    (?:(?P<part>đầu|giữa|cuối)\s+)?
    quý\s+(?:(?P<q>IV|I{1,3}|[1-4])\b(?:\s*(?:/|-|,?\s*năm)\s*(?P<y>\d{4}))?(?![\w/])
             |(?P<rel>này|sau|tới)\b)
    (?P<cont>\s+và\s+(?:các|những)\s+năm\s+tiếp\s+theo)?
""", _F)

_PART_OF_YEAR = _re(r"""
    (?<![\w/])
    (?P<n>\d{1,2}|ba|sáu|chín)\s+tháng\s+(?P<part>đầu|cuối)\s+năm
    (?:\s+(?P<y>\d{4}))?
    (?P<open>\s+và\s+(?:những|các)\s+tháng\s+đầu\s+năm(?:\s+\d{4})?)?
""", _F)

_YEAR_RE = _re(r"""
    (?<![\w/])
    năm\s+(?:(?P<y>\d{4})(?![\w/]|\s*[-–]\s*\d)|(?P<rel>nay)\b)
    (?P<cont>\s+và\s+(?:các|những)\s+năm\s+tiếp\s+theo)?
""", _F)

_RELATIVE = _re(r"""
    (?P<op>trong|chậm\s+nhất(?:\s+(?:sau|trong|là))?|không\s+quá)\s+
    (?:(?:thời\s+hạn|vòng|thời\s+gian)\s+)?
    (?P<n>""" + _NUM + r""")\s+
    (?P<unit>ngày\s+làm\s+việc|ngày|tuần|tháng|giờ)(?!\s+(?:đầu|cuối|tới|qua|trước)\b)
    (?P<tail>\s*,?\s*(?:kể\s+|tính\s+)?từ\s+(?:ngày|khi)\s+
        (?P<ref>(?:ký|ban\s+hành|có\s+hiệu\s+lực)(?:\s+ban\s+hành)?""" + _DOC_TAIL + r"""
               |nhận(?:\s+được)?""" + _DOC_NAME + r"""))?
""", _F)

_TET = _re(r"""
    Tết(?:\s+(?:Nguyên\s+[đĐ]án|âm\s+lịch|cổ\s+truyền))?
    (?:\s+(?:năm\s+)?(?P<yn>""" + _CANCHI + r"""|\d{4})(?:\s+(?:năm\s+)?\d{4}(?![\w/]))?)?
    (?P<more>\s+và\s+Tết\s+(?:Nguyên\s+[đĐ]án\s+|âm\s+lịch\s+)?(?:năm\s+)?(?:""" + _CANCHI + r"""|\d{4}))?
    (?![\w])
""", _F)

_TET_DAY = _re(r"""
    (?:mùng|mồng)\s+(?P<d>\d{1,2})\s+Tết(?:\s+(?:Nguyên\s+[đĐ]án\s+)?(?:năm\s+)?(?P<yn>"""
    + _CANCHI + r"""|\d{4}))?(?![\w])
""", _F)

_TET_SOLAR = _re(r"""
    Tết\s+[Dd]ương\s+lịch(?:\s+(?:năm\s+)?(?P<y>\d{4}))?
    (?P<more>\s+và\s+Tết\s+(?:Nguyên\s+[đĐ]án\s+|âm\s+lịch\s+)?(?:năm\s+)?(?:""" + _CANCHI + r"""|\d{4}))?
""", _F)

_PERIOD_ANCHOR = _re(
    r"(?<![\w])(?P<each>[Hh]ằng|[Hh]àng|[Mm]ỗi|HẰNG|HÀNG|MỖI)\s+(?P<p>ngày|tuần|tháng|quý|năm)(?![\w])")
_PERIODIC_NO_EACH = _re(r"(?<![\w])[Đđ]ịnh\s+kỳ\s+(?P<p>ngày|tuần|tháng|quý|năm)(?![\w])")
_END_OF_QUARTER = _re(r"(?<![\w])tháng\s+cuối\s+(?:của\s+)?(?:mỗi\s+|hằng\s+|hàng\s+)?quý(?![\w])")

_REC_OP = r"(?P<op>trước|vào|chậm\s+nhất(?:\s+(?:là|trước|vào))?|hạn\s+chót)"
_DM = r"(?:(?P<d>\d{1,2})\s?[/.-]\s?(?P<m>\d{1,2})|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2}))"
_DEFINITELY_PERIODIC_LEFT = _re(r"(?<![\w])định\s+kỳ\s+$", _F)
# "hằng tháng, trước ngày 20" / "trước ngày 20 hằng tháng"
_MONTH_DAY_RIGHT = _re(r"""\s*,?\s*(?:(?P<paren>\()\s*)?""" + _REC_OP + r"""\s+ngày\s+(?P<d>\d{1,2})
    (?!\s*[/.-]\s*\d|\s+tháng|\d)(?(paren)\s*\))""", _F)
_MONTH_DAY_LEFT = _re(r"(?<![\w])(?:" + _REC_OP + r"\s+)?ngày\s+(?P<d>\d{1,2})\s*,?\s+(?:của\s+)?$", _F)
# "hằng năm trước ngày 15/12" / "trước ngày 25/12 hàng năm"
_YEAR_DAY_RIGHT = _re(r"\s*,?\s*(?:(?P<paren>\()\s*)?" + _REC_OP + r"\s+ngày\s+" + _DM
                             + r"(?![\w/]|\s?[/.-]\s?\d)(?(paren)\s*\))", _F)
_YEAR_DAY_LEFT = _re(r"(?<![\w])(?:" + _REC_OP + r"\s+)?ngày\s+" + _DM + r"\s*,?\s+$", _F)
# "hằng quý (trước ngày 15 của tháng cuối quý)"
_QUARTER_DAY_RIGHT = _re(r"""\s*,?\s*(?:(?P<paren>\()\s*)?""" + _REC_OP + r"""\s+ngày\s+(?P<d>\d{1,2})\s+
    (?:của\s+)?tháng\s+cuối\s+(?:của\s+)?(?:mỗi\s+|hằng\s+|hàng\s+)?quý(?(paren)\s*\))""", _F)
_QUARTER_DAY_LEFT = _re(r"(?<![\w])" + _REC_OP + r"\s+ngày\s+(?P<d>\d{1,2})\s+(?:của\s+)?$", _F)
# "trong tháng 12 hằng năm": yearly, due at the month's end
_MONTH_EACH_YEAR_LEFT = _re(r"(?<![\w])(?:(?:trong|vào|trước\s+hết|đến\s+hết)\s+)?tháng\s+(?P<m>\d{1,2})\s*,?\s+$", _F)
# "thứ Sáu hằng tuần" / "hằng tuần vào thứ Hai"
_WEEKDAY_RIGHT = _re(r"""\s*,?\s*(?:\(\s*)?(?:vào\s+|trước\s+)?(?:""" + _CLOCK + r"""\s*,?\s*)?
    (?:(?:sáng|chiều)\s+)?(?:ngày\s+)?(?P<wd>""" + _WEEKDAY + r""")(?![\w])""", _F)
_WEEKDAY_LEFT = _re(r"""(?<![\w])(?:(?:trước|vào|chậm\s+nhất)\s+)?(?:""" + _CLOCK + r"""\s*,?\s*)?
    (?:(?:sáng|chiều)\s+)?(?:ngày\s+)?(?P<wd>""" + _WEEKDAY + r""")\s+$""", _F)
# "trước 16 giờ hằng ngày"
_DAILY_CLOCK_LEFT = _re(r"(?<![\w])(?:(?:trước|vào|lúc)\s+)?" + _CLOCK + r"\s*,?\s*$", _F)

_UNSPECIFIED_PERIODIC = _re(r"(?:theo\s+)?định\s+kỳ\s+hoặc\s+đột\s+xuất", _F)

_URGENT = _re(r"""
    (?<![\w])(?:khẩn\s+trương|hỏa\s+tốc|hoả\s+tốc|gấp(?!\s+(?:đôi|ba|\d|nhiều|rút\s+nhiều)|\w)|gấp\s+rút
    |ngay(?:\s+lập\s+tức)?(?!\s+(?:cả|tại|từ|sau|khi|lúc|trước|bên|cạnh|đầu|trên|dưới|giữa|trong|ngắn|thẳng)\b|\w))
""", _F)

_ONGOING = _re(r"(?<![\w])thường\s+xuyên(?![\w])", _F)

_SOON = _re(r"""
    (?<![\w])(?:(?:trong\s+)?thời\s+gian\s+(?:tới|sớm\s+nhất)|càng\s+sớm\s+càng\s+tốt|sớm\s+nhất\s+có\s+thể)(?![\w])
""", _F)

_AFTER_EVENT = _re(r"""
    (?<![\w])sau\s+khi\s+[^.;:\n|]{1,200}?\s(?:được\s+)?(?:ban\s+hành|phê\s+duyệt|có\s+hiệu\s+lực|thông\s+qua)(?![\w])
""", _F)

_MEETING_BEFORE = _re(r"""
    (?<![\w])trước\s+(?:kỳ|phiên)\s+họp(?:\s+[^\s,.;:()|]+){1,6}?(?=\s*(?:[,.;:()|\n]|$|\s(?:để|và|theo|của|nhằm)\b))
""", _F)

_SEASON = _re(r"(?<![\w])(?P<part>cuối|đầu|giữa)\s+năm(?:\s+(?P<y>\d{4}))?(?![\w/])", _F)

_TIME_LABEL = _re(r"""
    (?:thời\s+gian|thời\s+hạn|tiến\s+độ)(?:\s+(?:thực\s+hiện|hoàn\s+thành|triển\s+khai|xong))*\s*:\s*
    (?P<cell>[^\s|:][^\n|:]*?)\s*\.?\s*(?=\n|\||$)
""", _F)


# Left context: what stands right before a core. Matched against a short window
# that ends where the core starts. Search finds the leftmost start, so longer
# operators ("tính đến hết") win over their tails ("đến hết").
_OPERATOR_LEFT = _re(r"""
    (?:^|(?<=[\s(|:;,"'“]))
    (?P<verb>(?:hoàn\s+thành|xong)(?:\s+xong)?\s+)?
    (?:
      (?P<latest>chậm\s+nhất(?:\s+là)?(?:\s+(?:trước|vào|trong|(?:đến|tới)(?:\s+hết)?))?)
    | (?P<cutoff>tính\s+(?:đến|tới)(?:\s+hết)?|(?:đến|tới)(?!\s+hết)|kể\s+từ|tính\s+từ|từ|sau|lúc
                 |(?:trong\s+)?dịp|giai\s+đoạn)
    | (?P<before>(?:hạn\s+chót|hạn\s+cuối(?:\s+cùng)?)(?:\s+là)?(?:\s+(?:vào|trước))?|không\s+muộn\s+hơn|trước)
    | (?P<until>(?:đến|tới)\s+hết|hết)
    | (?P<within>(?:ngay\s+)?trong(?:\s+thời\s+hạn)?(?:\s+vòng)?(?:\s+khoảng)?)
    | (?P<at>vào)
    )\s+$
""", _F)

_CELL_START_LEFT = _re(r"""
    (?:^|[\n|:])\s*(?:[-+•*]\s*)?(?:[a-zđ]\)\s*)?$
    |(?:thời\s+gian|thời\s+hạn|tiến\s+độ)(?:\s+(?:thực\s+hiện|hoàn\s+thành|triển\s+khai|xong))*\s*:?\s*$
""", _F)

# "số" + a token with a digit ("Công văn số 12/UBND-KT"); not "chuyển đổi số trong ...", "chữ ký số trước ...".
_DOC_NUMBER_LEFT = _re(r"""
    (?:\bsố\s+(?=[\w./&-]*\d)[\w./&-]+|[\w.&-]*\d[\w.&-]*/[\w./&-]+)\s*,?\s*(?:của\s+[^,;.]{1,60}\s+)?(?:ban\s+hành\s+)?$
""", _F)

_MEETING_LEFT = _re(r"""
    (?P<op>tại|trước|trong|trình)\s+(?:cuộc\s+họp|phiên\s+họp|buổi\s+làm\s+việc|kỳ\s+họp|hội\s+nghị)
    [^,.;:()|\n]{0,80}$
""", _F)

_PARTICIPLE_LEFT = _re(r"""
    (?:(?<!phải\s)(?<!cần\s)(?:được|đã|đang)(?:\s+[^\s,.;:()]+){0,2}|(?<!bàn\s)giao|của|nhiệm\s+vụ|chỉ\s+tiêu)\s+$
""", _F)
_COMPLETION_VERB_LEFT = _re(r"""
    (?<![\w])(?P<verb>hoàn\s+thành|xong|thông\s+xe(?:\s+kỹ\s+thuật)?|khánh\s+thành|bàn\s+giao|
      đưa\s+vào\s+(?:sử\s+dụng|khai\s+thác|vận\s+hành)|vận\s+hành(?:\s+thương\s+mại)?)\s+$
""", _F)
_NOUN_BEFORE_VERB = _re(r"(?:khối\s+lượng|kế\s+hoạch|mục\s+tiêu|dự\s+kiến|đã|được|sẽ)\s+$", _F)

# Nouns after which "hằng năm/tháng/ngày" qualifies the noun ("Nghị quyết hằng
# năm", "ngân sách hằng năm", "dự báo hằng ngày") instead of scheduling the task.
_NOUN_QUALIFIED_PERIODIC = _re(r"""
    (?:nghị\s+quyết|quyết\s+định|ngân\s+sách|dự\s+toán|chi\s+thường\s+xuyên|dự\s+báo|bản\s+tin|
       sinh\s+hoạt|cuộc\s+sống|đời\s+sống|thu\s+nhập|tăng\s+trưởng|bình\s+quân|trung\s+bình|
       sản\s+lượng|lượng\s+mưa|nhiệt\s+độ|thói\s+quen|nhu\s+cầu|lễ\s+hội|sự\s+kiện|công\s+việc|
       hoạt\s+động|giao\s+dịch|lượng\s+khách|lưu\s+lượng|số\s+lượng|công\s+suất)
    (?:\s+[^\s,.;:]+){0,3}\s+$
""", _F)
_FORECAST_LEFT = _re(r"dự\s+báo[^.;:\n]{0,110}$", _F)
_DUE_CLOCK_LEFT = _re(r"(?<![\w])(?:trước|chậm\s+nhất)\s+" + _CLOCK + r"\s*,?\s*$", _F)

_ONGOING_NOUN_LEFT = _re(r"""
    (?:chi|kinh\s+phí|nhiệm\s+vụ|ngân\s+sách|dự\s+toán|công\s+việc|hoạt\s+động|cập\s+nhật|việc|
       một\s+cách|kịp\s+thời|,)\s*$
""", _F)
_SHORT_CELL_LEFT = _re(r"(?:^|[\n|:])\s*(?:[-+•*]\s*)?(?P<pre>(?:(?:thực\s+hiện|triển\s+khai|làm)\s+)?)$", re.I)
_ONGOING_NEXT_BAD = _re(r"\s*(?:[,.;:)]|$|về\b|và\b|hơn\b|nữa\b)", _F)


def _left(text: str, pos: int, width: int = 48) -> str:
    return text[max(0, pos - width):pos]


# ---------------------------------------------------------------------------
# Fast scanning. Python's regex engine only skips ahead quickly when a pattern
# starts with a literal; patterns that start with optional words or a
# lookbehind are tried at every character. Each full pattern therefore gets a
# cheap literal *anchor*; the full pattern is only tried in a small window
# around each anchor hit.
# ---------------------------------------------------------------------------

_ANCHORS: dict[int, tuple[re.Pattern, int]] = {}


def _anchor(full: re.Pattern, back: int, *anchors: str) -> re.Pattern:
    """Register the anchors of a full pattern. Anchors are lower-case patterns
    starting with a literal (fast to scan for); `back` = how far before an
    anchor hit a match of the full pattern may start."""
    _ANCHORS[id(full)] = (_one_scan(anchors), back)
    return full


def _one_scan(anchors: tuple[str, ...]) -> re.Pattern:
    """One pattern that finds every hit of every anchor in one pass, overlapping ones included.

    Each branch consumes the anchor's first character only and looks ahead for the rest (its
    own group), so the scan resumes one character later, and as every branch opens with a
    literal the engine skips ahead in C. A hit is (match start, end of the branch's group). At
    one position at most one anchor of a pattern can match (their first words differ), so the
    hits are those of the anchors scanned one by one, merged in order."""
    branches = []
    for a in anchors:
        first = a[:2] if a.startswith("\\") else a[:1]
        if first in "([.^$*+?{|\\" or (first.startswith("\\") and first[1:].isalnum()):
            raise ValueError(f"anchor must open with a literal character: {a!r}")
        branches.append(f"{first}(?=({a[len(first):]}))")
    return _re("|".join(branches))


def _lower(text: str) -> str:
    """Lower-cased text with the same length (offsets stay valid)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _finditer(full: re.Pattern, text: str, low: str, ahead: int = 160):
    """Like full.finditer(text), but only tried near anchor hits in `low`: a
    match must start at most `back` characters before its anchor hit and not
    after the hit's end."""
    scan, back = _ANCHORS[id(full)]
    hits = [(a.start(), a.end(a.lastindex)) for a in scan.finditer(low)]
    last_end = 0
    for hit_start, hit_end in hits:
        if hit_start < last_end:
            continue
        endpos = min(len(text), hit_end + ahead)
        if back == 0:
            m = full.match(text, hit_start, endpos)
        else:
            m = full.search(text, max(last_end, hit_start - back), endpos)
        if m is None or m.start() > hit_end:
            continue
        last_end = m.end()
        yield m


# Anchors of the scanning patterns (see _finditer).
_anchor(_DATE_NUMERIC, 6, r"/", r"-[12][09]\d\d", r"\.[12][09]\d\d", r"ngày\s")
_anchor(_DATE_LONG, 4, r"tháng\s+\d")
_anchor(_DATE_DAY_ONLY, 0, r"ngày\s+\d")
_anchor(_DATE_LUNAR, 30, r"tháng\s+chạp", r"tháng\s+giêng", r"âm\s+lịch")
_anchor(_TODAY, 8, r"hôm\s+nay", r"ngày\s+mai", r"cùng\s+ngày", r"trong\s+ngày")
_anchor(_MONTH, 8, r"tháng\s")
_anchor(_QUARTER, 8, r"quý\s")
_anchor(_PART_OF_YEAR, 8, r"tháng\s+đầu\s+năm", r"tháng\s+cuối\s+năm")
_anchor(_YEAR_RE, 0, r"năm\s+(?:\d|nay)")
_anchor(_RELATIVE, 0, r"trong\s", r"chậm\s+nhất", r"không\s+quá")
_anchor(_TET, 0, r"tết")
_anchor(_TET_SOLAR, 0, r"tết\s+dương")
_anchor(_TET_DAY, 0, r"mùng\s+\d", r"mồng\s+\d")
_anchor(_UNSPECIFIED_PERIODIC, 40, r"đột\s+xuất")
_anchor(_URGENT, 0, r"khẩn\s+trương", r"hỏa\s+tốc", r"hoả\s+tốc", r"gấp", r"ngay")
_anchor(_ONGOING, 0, r"thường\s+xuyên")
_anchor(_SOON, 8, r"thời\s+gian\s+(?:tới|sớm)", r"càng\s+sớm", r"sớm\s+nhất")
_anchor(_AFTER_EVENT, 0, r"sau\s+khi")
_anchor(_MEETING_BEFORE, 0, r"trước\s+(?:kỳ|phiên)")
_anchor(_SEASON, 0, r"cuối\s+năm", r"đầu\s+năm", r"giữa\s+năm")
_anchor(_TIME_LABEL, 0, r"thời\s+gian", r"thời\s+hạn", r"tiến\s+độ")
_anchor(_PERIOD_ANCHOR, 0, r"hằng\s", r"hàng\s", r"mỗi\s")
_anchor(_PERIODIC_NO_EACH, 0, r"định\s+kỳ")
_anchor(_END_OF_QUARTER, 0, r"tháng\s+cuối")


# ---------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    deadline: date | None
    recurrence: str | None
    kind: str
    urgent: bool = False
    ongoing: bool = False
    rank: int = 0  # overlap tie-break


@dataclass(frozen=True)
class _Position:
    start: int  # where the hit text starts (operator included, "vào" maybe not)
    kind: str  # before | latest | until | within | at | cell | cell_range | none | excluded
    op: str  # the operator text, lower case


def _position(text: str, core_start: int, include_vao: bool) -> _Position:
    """Classify what precedes a core and where the hit text should start."""
    window = _left(text, core_start)
    m = _OPERATOR_LEFT.search(window)
    base = core_start - len(window)
    if m:
        group = next(g for g in ("latest", "cutoff", "before", "until", "within", "at") if m.group(g))
        op_start = base + m.start(group)
        op_text = " ".join(m.group(group).lower().split())
        if group == "cutoff":
            if op_text in ("đến", "tới"):
                rng = _CELL_RANGE_LEFT.search(_left(text, base + m.start(group), 70))
                if rng:  # "Thời gian thực hiện: từ tháng 01/2026 đến tháng 6/2026": due at the end
                    return _Position(base + m.start(group) - len(_left(text, base + m.start(group), 70))
                                     + rng.start("from"), "cell_range", op_text)
            return _Position(core_start, "excluded", op_text)
        if group == "until" and _FROM_LEFT.search(_left(text, base + m.start(group), 40)):
            return _Position(core_start, "excluded", op_text)  # "từ nay đến hết năm 2025": a period
        if group == "before" and _RANGE_COMMA_LEFT.search(_left(text, op_start, 4) + text[op_start:core_start]):
            return _Position(core_start, "excluded", op_text)
        start = op_start
        if group == "at" and not include_vao:
            start = core_start
        if m.group("verb") and _CELL_START_LEFT.search(_left(text, base + m.start("verb"), 60)) \
                and text[base + m.start("verb")].isupper():
            start = base + m.start("verb")
        return _Position(start, group, op_text)
    if _CELL_START_LEFT.search(_left(text, core_start, 60)):
        return _Position(core_start, "cell", "")
    dash = _CELL_DASH_RANGE_LEFT.search(_left(text, core_start, 70))
    if dash:  # "Thời gian: Quý IV/2025 - Quý I/2026": due at the end of the range
        return _Position(core_start - len(_left(text, core_start, 70)) + dash.start("from"), "cell_range", "-")
    return _Position(core_start, "none", "")


_CELL_END = _re(r"\s*(?:[.;]\s*)?(?:$|\n|\|)")


def _ends_cell(text: str, end: int) -> bool:
    """A time slot holds only the phrase: "| Quý II năm 2026", "Thời gian: năm 2024."
    (not a fronted adverbial such as "Năm 2020, ..." or "Ngày 11/9/2025, ...")."""
    return bool(_CELL_END.match(text, end))


_PAST_TENSE_LEFT = _re(r"(?<![\w])đã\s[^.;\n]*$", _F)
_CELL_RANGE_LEFT = _re(r"""
    (?:(?:^|[\n|:])\s*(?:[-+•*]\s*)?|(?:thời\s+gian|thời\s+hạn)(?:\s+(?:thực\s+hiện|hoàn\s+thành))*\s*:?\s*)
    (?P<from>từ\s+[^\n|:;]{1,40}?\s+)$
""", _F)
_CELL_DASH_RANGE_LEFT = _re(r"""
    (?:(?:^|[\n|:])\s*(?:[-+•*]\s*)?|(?:thời\s+gian|thời\s+hạn)(?:\s+(?:thực\s+hiện|hoàn\s+thành))*\s*:?\s*)
    (?P<from>(?:từ\s+)?(?:(?:đầu|giữa|cuối)\s+)?(?:tháng|quý|năm|ngày)\s[^\n|:;]{1,30}?\s*[-–]\s*)$
""", _F)
_FROM_LEFT = _re(r"(?<![\w])từ\s+[^,.;:\n]{0,30}$", re.I)
_RANGE_COMMA_LEFT = _re(r"trước\s*,", re.I)


def _in_meeting(text: str, core_start: int) -> int | None:
    """Start of "tại/trước cuộc họp ..." when the core is the time of a meeting."""
    window = _left(text, core_start, 120)
    m = _MEETING_LEFT.search(window)
    if not m:
        return None
    start = core_start - len(window) + m.start("op")
    if m.group("op").lower() == "trình":  # "trình kỳ họp ... tháng 7": the time, not the verb
        return core_start
    return start


def _is_doc_date(text: str, start: int) -> bool:
    return bool(_DOC_NUMBER_LEFT.search(_left(text, start, 90)))


_TOPIC_CLAUSE = _re(r"""
    (?:^|[.;:\n])\s*(?:[-+•*]\s*|\d+(?:\.\d+)*\.\s*|[a-zđ]\)\s*)*(?:đối\s+với|riêng|về)\s[^,.;:\n]*$
""", _F)


_TOPIC_HEADING_LEFT = _re(r"""
    (?:^|[.;\n])\s*(?:[-+•*]\s*|\d+(?:\.\d+)*\.\s*|[a-zđ]\)\s*)*(?:về|đối\s+với)\s[^.;:\n]*$
""", _F)
_COLON_AHEAD = _re(r"[^.;\n]*:")


def _in_topic_phrase(text: str, start: int) -> bool:
    """True inside a fronted topic: "Đối với các nhiệm vụ triển khai trong năm 2025, ..."
    or an item heading "5. Về điều chuyển số vốn dư, không giải ngân trong năm 2025 ...: ..."."""
    if _TOPIC_CLAUSE.search(_left(text, start, 200)):
        return True
    return bool(_TOPIC_HEADING_LEFT.search(_left(text, start, 300))) and bool(_COLON_AHEAD.match(text, start))


_SELF_MARKED_KINDS = {"month_early", "month_mid", "month_end"}


def _dated_core(text: str, start: int, end: int, issued: date, deadline: date | None, kind: str, *,
                include_vao: bool = False, allow_bare: bool = False) -> _Cand | None:
    """Place a date-like core text[start:end] in its position; None if it is not a deadline there."""
    if _is_doc_date(text, start) or _in_topic_phrase(text, start):
        return None
    pos = _position(text, start, include_vao)
    if pos.kind == "excluded":
        return None
    if pos.kind == "cell_range" and not _ends_cell(text, end):
        return None
    if pos.kind == "cell" and not _ends_cell(text, end):
        pos = _Position(start, "none", "")
    if pos.kind == "none":
        meeting = _in_meeting(text, start)
        if meeting is not None:
            if deadline is not None and deadline < issued:
                return None  # a meeting that already took place
            return _Cand(meeting, end, deadline, None, "event")
        if not allow_bare:
            return None
        return _Cand(start, end, deadline, None, kind)
    if kind in _SELF_MARKED_KINDS and pos.kind in ("within", "at"):
        pos = _Position(start, "none", pos.op)  # "vào/trong khoảng cuối tháng 2": the phrase is "cuối tháng 2"
    if pos.kind == "at" and deadline is not None and deadline < issued:
        return None  # "vào ngày 15/11" before the issue date is history, not a deadline
    if deadline is not None and deadline < issued and _PAST_TENSE_LEFT.search(_left(text, pos.start, 240)):
        return None  # "UBND tỉnh đã chỉ đạo ... trước ngày 30/10": an earlier, expired deadline
    if pos.kind == "within" and _PARTICIPLE_LEFT.search(_left(text, pos.start, 30)):
        return None  # "được xử lý trong tháng 12": qualifies a noun, not the task
    if pos.kind == "within" and deadline is not None and deadline < issued:
        return None  # "Trong 6 tháng đầu năm 2025, toàn tỉnh đã ...": a period already over is reported
    return _Cand(pos.start, end, deadline, None, kind)


def _date_prefix(text: str, core_start: int) -> tuple[int, bool, bool]:
    """(start, has "ngày", has a clock time) of the prefix before a date core."""
    window = _left(text, core_start, 32)
    m = _DATE_PREFIX_LEFT.search(window)
    if not m or m.start() == len(window):
        return core_start, False, False
    return core_start - len(window) + m.start(), bool(m["ngay"]), bool(m["clock"])


def _place_date(text: str, m: re.Match, issued: date, deadline: date, kind: str, rank: int) -> _Cand | None:
    start, ngay, clock = _date_prefix(text, m.start())
    c = _dated_core(text, start, m.end(), issued, deadline, kind, include_vao=ngay and not clock)
    return replace(c, rank=rank) if c else None


def _scan_dates(text: str, low: str, issued: date) -> list[_Cand]:
    out: list[_Cand] = []
    for m in _finditer(_DATE_NUMERIC, text, low):
        d, mo, y = int(m["d"]), int(m["m"]), m["y"]
        _, ngay, _ = _date_prefix(text, m.start())
        if not ngay and not y and m["sep"] != "/":
            continue  # "7.5", "5-10" need "ngày" or a year to be a date
        if not ngay and _left(text, m.start(), 4).rstrip().endswith(("-", "–")):
            continue  # "16-22/11/2025": a period
        deadline = _day_month_year(d, mo, y, issued)
        if deadline is not None:
            c = _place_date(text, m, issued, deadline, "date_dmy" if y else "date_dm", 5)
            if c:
                out.append(c)
    for m in _finditer(_DATE_LONG, text, low):
        d, mo, y = int(m["d"]), int(m["m"]), m["y"]
        _, ngay, _ = _date_prefix(text, m.start())
        if not ngay and not y:
            continue  # "30 tháng 6" alone may be a duration ("30 tháng")
        deadline = _day_month_year(d, mo, y, issued)
        if deadline is not None:
            c = _place_date(text, m, issued, deadline, "date_long" if y else "date_long_dm", 5)
            if c:
                out.append(c)
    for m in _finditer(_DATE_DAY_ONLY, text, low):
        d = int(m["d"])
        if not 1 <= d <= 31:
            continue
        clock = _CLOCK_LEFT.search(_left(text, m.start(), 24))
        start = m.start() - len(_left(text, m.start(), 24)) + clock.start() if clock else m.start()
        if _position(text, start, True).kind not in ("before", "latest", "until"):
            continue
        c = _dated_core(text, start, m.end(), issued, resolve_recurrence_first(f"monthly:{d}", issued),
                        "day_of_month", include_vao=True)
        if c:
            out.append(replace(c, rank=1))
    for m in _finditer(_DATE_LUNAR, text, low):
        d = int(m["d"])
        raw_month = m["lm"].lower()
        month = _LUNAR_MONTH_NAMES.get(raw_month) or int(raw_month)
        ly = _lunar_year_of(m, "yn", issued) if m["yn"] else None
        if m["yn"] and m["yn"][-4:].isdigit():
            ly = int(m["yn"][-4:])
        if ly is None:
            current = solar_to_lunar(issued)[2]
            deadline = _lunar_date(d, month, current)
            if deadline is not None and deadline < issued:
                deadline = _lunar_date(d, month, current + 1)
        else:
            deadline = _lunar_date(d, month, ly)
        if deadline is None:
            continue
        c = _dated_core(text, m.start(), m.end(), issued, deadline, "lunar_date", include_vao=True)
        if c:
            out.append(replace(c, rank=6))
    for m in _finditer(_TODAY, text, low):
        deadline = issued + timedelta(days=1) if m["tomorrow"] else issued
        window = _left(text, m.start(), 24)
        clock = _CLOCK_LEFT.search(window)
        start = m.start() - len(window) + clock.start() if clock else m.start()
        within = m.group(0).lower().startswith("trong")
        pos = _position(text, start, True)
        if pos.kind == "excluded":
            continue
        if pos.kind in ("before", "latest", "within", "until", "at"):
            out.append(_Cand(pos.start, m.end(), deadline, None, "today", rank=3))
        elif within:
            out.append(_Cand(start, m.end(), deadline, None, "today", rank=3))
    return out


# "trước tháng 6/2026", "trước quý III": the last day allowed is the day before the period starts.
_BEFORE_PERIOD_LEFT = _re(r"(?<![\w])trước\s+$", _F)


# "tháng 3 và tháng 4/2026", "quý I và quý II/2026": two periods sharing the year; due at the later one's end.
_AND_MONTH_RIGHT = _re(r"\s*(?:,|và|đến|-|–)\s*(?:hết\s+)?tháng\s+(?P<m>\d{1,2})\s*(?:/|-|"
                       r",?\s*năm)\s*(?P<y>\d{4})(?![\w/])", _F)
_AND_QUARTER_RIGHT = _re(r"\s*(?:,|và|đến|-|–)\s*(?:hết\s+)?quý\s+(?P<q>IV|I{1,3}|[1-4])\b\s*(?:/|-|"
                         r",?\s*năm)\s*(?P<y>\d{4})(?![\w/])", _F)


def _scan_periods(text: str, low: str, issued: date) -> list[_Cand]:
    out: list[_Cand] = []
    for scan in (_scan_months, _scan_quarters, _scan_parts_of_year, _scan_years, _scan_relative):
        out.extend(scan(text, low, issued))
    return out


def _scan_months(text: str, low: str, issued: date) -> list[_Cand]:
    """Month candidates (_MONTH): a month's end, its early or middle part, or the day before it."""
    out: list[_Cand] = []
    for m in _finditer(_MONTH, text, low):
        if _DAY_BEFORE_MONTH.search(_left(text, m.start(), 12)):
            continue  # the month of a full date ("ngày 07 tháng 11 năm 2025")
        part = (m["part"] or "").lower()
        if m["rel"]:
            rel = m["rel"].lower()
            base = issued if rel == "này" else _add_months(issued.replace(day=1), 1)
            y, mo = base.year, base.month
        else:
            mo = int(m["m"])
            if not 1 <= mo <= 12:
                continue
            if m["y"]:
                y = int(m["y"])
                if not _plausible_year(y, issued):
                    continue
            else:
                end = _next_month_end(mo, issued)
                if end is None:
                    continue
                y = end.year
        core_end = m.end()
        nxt = _AND_MONTH_RIGHT.match(text, m.end()) if not (m["rel"] or m["y"] or part) else None
        if nxt and 1 <= int(nxt["m"]) <= 12 and _plausible_year(int(nxt["y"]), issued):
            mo, y, core_end = int(nxt["m"]), int(nxt["y"]), nxt.end()  # "trong tháng 3 và tháng 4/2026": the later
        end = _month_end(y, mo)
        if end is None:
            continue
        deadline = {"đầu": end.replace(day=10), "giữa": end.replace(day=20)}.get(part, end)
        kind = {"đầu": "month_early", "giữa": "month_mid", "cuối": "month_end"}.get(part, "month")
        if not part and _BEFORE_PERIOD_LEFT.search(_left(text, m.start(), 12)):
            deadline, kind = date(y, mo, 1) - timedelta(days=1), "before_month"  # "trước tháng 6/2026": 31/5
        if _PAST_RIGHT.match(text, m.end()):
            continue  # "cuối tháng 10 vừa qua"
        c = _dated_core(text, m.start(), core_end, issued, deadline, kind, allow_bare=bool(part and m["y"]))
        if c:
            out.append(replace(c, rank=4))
    return out


def _scan_quarters(text: str, low: str, issued: date) -> list[_Cand]:
    """Quarter candidates (_QUARTER)."""
    out: list[_Cand] = []
    for m in _finditer(_QUARTER, text, low):
        if m["rel"]:
            q = (issued.month - 1) // 3 + 1 + (0 if m["rel"].lower() == "này" else 1)
            y = issued.year + (q - 1) // 4
            q = (q - 1) % 4 + 1
        else:
            q = _ROMAN[m["q"].lower()]
            if m["y"]:
                y = int(m["y"])
                if not _plausible_year(y, issued):
                    continue
            else:
                y = issued.year if _quarter_end(q, issued.year) >= issued else issued.year + 1
        core_end = m.end()
        nxt = _AND_QUARTER_RIGHT.match(text, m.end()) if not (m["rel"] or m["y"] or m["part"]) else None
        if nxt and _plausible_year(int(nxt["y"]), issued):
            q, y, core_end = _ROMAN[nxt["q"].lower()], int(nxt["y"]), nxt.end()  # "trong quý I và quý II/2026"
        deadline = _quarter_end(q, y)
        if (m["part"] or "").lower() == "đầu":
            deadline = date(y, 3 * q - 2, 10)
        elif not m["part"] and _BEFORE_PERIOD_LEFT.search(_left(text, m.start(), 12)):
            deadline = date(y, 3 * q - 2, 1) - timedelta(days=1)  # "trước quý III/2026": 30/6
        c = _dated_core(text, m.start(), core_end, issued, deadline, "quarter", allow_bare=bool(m["part"]))
        if c:
            out.append(replace(c, rank=4))
    return out


def _scan_parts_of_year(text: str, low: str, issued: date) -> list[_Cand]:
    """Part-of-year candidates (_PART_OF_YEAR)."""
    out: list[_Cand] = []
    for m in _finditer(_PART_OF_YEAR, text, low):
        n = _to_int(m["n"]) or 0
        part = m["part"].lower()
        y = int(m["y"]) if m["y"] else issued.year
        if not _plausible_year(y, issued):
            continue
        if m["open"]:
            deadline, kind = None, "open_period"
        elif part == "cuối":
            deadline, kind = date(y, 12, 31), "part_of_year"
        elif 1 <= n <= 12:
            deadline, kind = _month_end(y, n), "part_of_year"
        else:
            continue
        c = _dated_core(text, m.start(), m.end(), issued, deadline, kind)
        if c:
            out.append(replace(c, rank=6))
    return out


def _scan_years(text: str, low: str, issued: date) -> list[_Cand]:
    """Year candidates (_YEAR_RE)."""
    out: list[_Cand] = []
    for m in _finditer(_YEAR_RE, text, low):
        y = issued.year if m["rel"] else int(m["y"])
        if not _plausible_year(y, issued):
            continue
        c = _year_cand(text, m, issued, date(y, 12, 31))
        if c:
            out.append(c)
    return out


def _scan_relative(text: str, low: str, issued: date) -> list[_Cand]:
    """Relative periods (_RELATIVE) counted from the issue date."""
    out: list[_Cand] = []
    for m in _finditer(_RELATIVE, text, low):
        n = _to_int(m["n"])
        if n is None or n > 400:
            continue
        unit = " ".join(m["unit"].lower().split())
        if m["tail"] is None and _FROM_OTHER.match(text, m.end()):
            out.append(_Cand(m.start(), m.end(), None, None, "relative_unanchored", rank=3))
            continue
        if unit == "ngày làm việc":
            deadline, kind = add_working_days(issued, n), "working_days"
        elif unit == "ngày":
            deadline, kind = issued + timedelta(days=n), "calendar_days"
        elif unit == "tuần":
            deadline, kind = issued + timedelta(weeks=n), "weeks"
        elif unit == "giờ":
            deadline, kind = issued + timedelta(days=-(-n // 24)), "hours"  # "trong 24 giờ": by the next day
        else:
            deadline, kind = _add_months(issued, n), "months"
        out.append(_Cand(m.start(), m.end(), deadline, None, kind, rank=3))
    return out


_CLAUSE_START_LEFT = _re(r"(?:^|[.;:\n])\s*(?:[-+•*]\s*|\d+\.\s*|[a-zđ]\)\s*)?$", re.I)
_DAY_BEFORE_MONTH = _re(r"\d\s+$")
_PAST_RIGHT = _re(r"(?:\s+và\s+tháng\s+\d{1,2})?\s+(?:vừa\s+qua|qua|trước|năm\s+trước)\b", re.I)
_FROM_OTHER = _re(r"\s*,?\s*(?:kể\s+|tính\s+)?từ\s+(?:ngày|khi)\b", re.I)


def _year_cand(text: str, m: re.Match, issued: date, deadline: date) -> _Cand | None:
    """A year is a deadline only after trong/đến hết/chậm nhất, in a time slot,
    or right after a completion verb ("hoàn thành năm 2025")."""
    if _in_topic_phrase(text, m.start()):
        return None
    pos = _position(text, m.start(), False)
    if pos.kind == "cell_range":
        return _Cand(pos.start, m.end(), deadline, None, "year", rank=2) if _ends_cell(text, m.end()) else None
    if pos.kind in ("within", "until", "latest"):
        op_left = _left(text, pos.start, 30)
        if pos.kind == "within" and _PARTICIPLE_LEFT.search(op_left):
            return None  # "các nhiệm vụ được giao trong năm 2025"
        return _Cand(pos.start, m.end(), deadline, None, "year", rank=2)
    if pos.kind == "cell":
        if not _ends_cell(text, m.end()):
            return None
        return _Cand(pos.start, m.end(), deadline, None, "year", rank=2)
    if pos.kind == "none":
        v = _COMPLETION_VERB_LEFT.search(_left(text, m.start(), 40))
        if v:
            verb_start = m.start() - len(_left(text, m.start(), 40)) + v.start("verb")
            if _NOUN_BEFORE_VERB.search(_left(text, verb_start, 20)):
                return None  # "khối lượng hoàn thành năm 2021", "có kế hoạch hoàn thành năm 2025"
            if m.end() < len(text) and not _CLAUSE_END.match(text, m.end()):
                return None
            return _Cand(verb_start, m.end(), deadline, None, "year_completion", rank=2)
    return None


_CLAUSE_END = _re(r"\s*(?:[.;,)\n|]|$|và\b|để\b|góp\b|theo\b|bảo\b)", re.I)


# "hoàn thiện các công trình ... phục vụ ... dịp Tết Bính Ngọ": work that must be ready for the
# occasion is due the day before it; "bảo đảm an ninh ... dịp Tết Bính Ngọ" is work during it.
_READY_FOR_LEFT = _re(r"(?<![\w])(?:phục\s+vụ|chuẩn\s+bị|kịp|hoàn\s+thành|hoàn\s+thiện|đưa\s+vào|khánh\s+thành|"
                             r"thông\s+xe|cung\s+ứng|dự\s+trữ|sẵn\s+sàng)\b[^.;:\n]*$", _F)


def _scan_lunar_holidays(text: str, low: str, issued: date) -> list[_Cand]:
    out: list[_Cand] = []
    for m in _finditer(_TET_SOLAR, text, low):
        y = int(m["y"]) if m["y"] else (issued.year + 1)
        pos = _position(text, m.start(), False)
        named = bool(m["y"])
        if pos.kind == "before" or (pos.kind == "excluded" and pos.op in ("dịp", "trong dịp") and named
                                    and _READY_FOR_LEFT.search(_left(text, m.start(), 160))):
            start = pos.start if pos.kind == "before" else _left_op_start(text, m.start())
            out.append(_Cand(start, m.end(), date(y, 1, 1) - timedelta(days=1), None, "holiday_eve", rank=6))
    for m in _finditer(_TET, text, low):
        after = text[m.end():m.end() + 2]
        if after.startswith(" d") or after.startswith(" D"):
            continue  # Tết dương lịch
        named = bool(m["yn"])
        pos = _position(text, m.start(), False)
        if m["yn"]:
            raw = " ".join(m["yn"].split())
            ly = int(raw) if raw.isdigit() else year_from_name(raw, issued.year)
            if ly is None:
                continue
            deadline = tet(ly) - timedelta(days=1)
        else:
            deadline = _next_tet_eve(issued)
        if pos.kind == "before" or (pos.kind == "latest"):
            out.append(_Cand(pos.start, m.end(), deadline, None, "lunar_tet", rank=6))
        elif pos.kind == "excluded" and pos.op in ("dịp", "trong dịp") and named and deadline >= issued \
                and _READY_FOR_LEFT.search(_left(text, m.start(), 160)):
            out.append(_Cand(_left_op_start(text, m.start()), m.end(), deadline, None, "lunar_tet", rank=6))
    return out


def _scan_tet_days(text: str, low: str, issued: date) -> list[_Cand]:
    """"mùng 10 Tết": lunar day N of month 1 (of the named year, else the next one)."""
    out: list[_Cand] = []
    for m in _finditer(_TET_DAY, text, low):
        d = int(m["d"])
        if not 1 <= d <= 30:
            continue
        if m["yn"]:
            raw = " ".join(m["yn"].split())
            ly = int(raw) if raw.isdigit() else year_from_name(raw, issued.year)
            deadline = _lunar_date(d, 1, ly) if ly else None
        else:
            ly = solar_to_lunar(issued)[2]
            deadline = _lunar_date(d, 1, ly)
            if deadline is not None and deadline < issued:
                deadline = _lunar_date(d, 1, ly + 1)
        if deadline is None:
            continue
        c = _dated_core(text, m.start(), m.end(), issued, deadline, "lunar_tet_day", include_vao=True)
        if c:
            out.append(replace(c, rank=7))
    return out


def _left_op_start(text: str, core_start: int) -> int:
    window = _left(text, core_start)
    m = _OPERATOR_LEFT.search(window)
    return core_start - len(window) + m.start("cutoff") if m and m.group("cutoff") else core_start


def _weekday_number(raw: str) -> int | None:
    words = raw.lower().split()
    return 7 if words[0] == "chủ" else _WEEKDAY_NUMBER.get(words[-1])


def _scan_recurrences(text: str, low: str, issued: date) -> list[_Cand]:
    """Recurring deadlines, anchored on "hằng/hàng/mỗi + period" (or "tháng cuối quý")."""
    out: list[_Cand] = []

    def add(start: int, end: int, rec: str, kind: str, rank: int = 8) -> None:
        out.append(_Cand(start, end, resolve_recurrence_first(rec, issued), rec, kind, rank=rank))

    for a in _finditer(_PERIOD_ANCHOR, text, low):
        period, each = a["p"].lower(), a["each"].lower()
        window = _left(text, a.start(), 60)
        base = a.start() - len(window)
        pre = _DEFINITELY_PERIODIC_LEFT.search(window)
        start = base + pre.start() if pre else a.start()
        if period == "tháng":
            r = _MONTH_DAY_RIGHT.match(text, a.end())
            if r and 1 <= int(r["d"]) <= 31:
                add(start, r.end(), f"monthly:{int(r['d'])}", "recurring_monthly")
                continue
            lm = _MONTH_DAY_LEFT.search(window)
            if lm and 1 <= int(lm["d"]) <= 31:
                add(base + lm.start(), a.end(), f"monthly:{int(lm['d'])}", "recurring_monthly")
                continue
        elif period == "năm":
            month_left = _MONTH_EACH_YEAR_LEFT.search(window)
            if month_left and _YEAR_DAY_LEFT.search(window):
                month_left = None  # "trước ngày 10 tháng 12 hằng năm": the day is given
            if month_left and 1 <= int(month_left["m"]) <= 12:
                mo = int(month_left["m"])
                last = 28 if mo == 2 else calendar.monthrange(2025, mo)[1]
                add(base + month_left.start(), a.end(), f"yearly:{mo:02d}-{last:02d}", "recurring_yearly")
                continue
            r = _YEAR_DAY_RIGHT.match(text, a.end()) or _YEAR_DAY_LEFT.search(window)
            if r:
                d, mo = int(r["d"] or r["d2"]), int(r["m"] or r["m2"])
                if _safe_date(2024, mo, d) is not None:
                    if r.re is _YEAR_DAY_RIGHT:
                        add(start, r.end(), f"yearly:{mo:02d}-{d:02d}", "recurring_yearly")
                    else:
                        add(base + r.start(), a.end(), f"yearly:{mo:02d}-{d:02d}", "recurring_yearly")
                    continue
        elif period == "tuần":
            r = _WEEKDAY_RIGHT.match(text, a.end())
            lw = None if r else _WEEKDAY_LEFT.search(window)
            n = _weekday_number((r or lw)["wd"]) if (r or lw) else None
            if n is not None:
                if r:
                    add(start, r.end(), f"weekly:{n}", "recurring_weekly")
                else:
                    add(base + lw.start(), a.end(), f"weekly:{n}", "recurring_weekly")
                continue
        elif period == "quý":
            r = _QUARTER_DAY_RIGHT.match(text, a.end())
            if r and 1 <= int(r["d"]) <= 31:
                add(start, r.end(), f"quarterly:{int(r['d'])}", "recurring_quarterly")
                continue
        # a period without a day: "hằng tuần", "định kỳ hằng tháng"
        if each == "mỗi" and not pre:
            continue  # "mỗi tháng đạt 20%" is a rate, not a schedule
        long_left = _left(text, a.start(), 120)
        if _NOUN_QUALIFIED_PERIODIC.search(long_left):
            continue  # "Nghị quyết hằng năm", "ngân sách hằng năm"
        if period == "ngày" and _FORECAST_LEFT.search(long_left) and not _DUE_CLOCK_LEFT.search(window):
            # "dự báo ... hằng ngày" (but "cập nhật dự báo, thông báo ... trước 16 giờ hằng ngày" is due daily)
            continue
        if period == "ngày" and not pre:
            clock = _DAILY_CLOCK_LEFT.search(window)
            if clock:
                start = base + clock.start()
        rec = {"ngày": "daily", "tuần": "weekly", "tháng": "monthly", "quý": "quarterly", "năm": "yearly"}[period]
        out.append(_Cand(start, a.end(), None, rec, f"recurring_{rec}", rank=7))
    for a in _finditer(_PERIODIC_NO_EACH, text, low):
        rec = {"ngày": "daily", "tuần": "weekly", "tháng": "monthly", "quý": "quarterly",
               "năm": "yearly"}[a["p"].lower()]
        out.append(_Cand(a.start(), a.end(), None, rec, f"recurring_{rec}", rank=6))
    for a in _finditer(_END_OF_QUARTER, text, low):
        window = _left(text, a.start(), 50)
        lq = _QUARTER_DAY_LEFT.search(window)
        if lq and 1 <= int(lq["d"]) <= 31:
            add(a.start() - len(window) + lq.start(), a.end(), f"quarterly:{int(lq['d'])}", "recurring_quarterly", 7)
    for m in _finditer(_UNSPECIFIED_PERIODIC, text, low):
        out.append(_Cand(m.start(), m.end(), None, None, "periodic_unspecified", rank=7))
    return out


def _scan_markers(text: str, low: str, issued: date) -> list[_Cand]:
    """Urgency, ongoing work and unresolvable references (deadline None)."""
    out: list[_Cand] = []
    for m in _finditer(_URGENT, text, low):
        out.append(_Cand(m.start(), m.end(), None, None, "urgent", urgent=True, rank=1))
    for m in _finditer(_ONGOING, text, low):
        left = _left(text, m.start(), 20)
        start = m.start()
        short_cell = _SHORT_CELL_LEFT.search(_left(text, m.start(), 40)) if _ends_cell(text, m.end()) else None
        if short_cell:
            start = m.start() - len(_left(text, m.start(), 40)) + short_cell.start("pre")  # "Thực hiện thường xuyên"
        elif not _CELL_START_LEFT.search(_left(text, m.start(), 60)) and (
                _ONGOING_NOUN_LEFT.search(left) or _ONGOING_NEXT_BAD.match(text, m.end())):
            continue
        out.append(_Cand(start, m.end(), None, None, "ongoing", ongoing=True, rank=1))
    for m in _finditer(_SOON, text, low):
        if _CLAUSE_START_LEFT.search(_left(text, m.start(), 12)) and text[m.end():m.end() + 1] == ",":
            continue  # "Trong thời gian tới, Tỉnh tổ chức ...": a discourse adverbial
        out.append(_Cand(m.start(), m.end(), None, None, "soon", rank=2))
    for m in _finditer(_AFTER_EVENT, text, low, 260):
        out.append(_Cand(m.start(), m.end(), None, None, "after_event", rank=2))
    for m in _finditer(_MEETING_BEFORE, text, low):
        out.append(_Cand(m.start(), m.end(), None, None, "event_unresolved", rank=2))
    for m in _finditer(_SEASON, text, low):
        meeting = _in_meeting(text, m.start())
        if meeting is not None and meeting != m.start():
            out.append(_Cand(meeting, m.end(), None, None, "event_unresolved", rank=3))
            continue
        if m["part"].lower() != "cuối":
            continue
        y = int(m["y"]) if m["y"] else issued.year
        pos = _position(text, m.start(), False)
        if pos.kind in ("before", "latest", "until") and _plausible_year(y, issued) \
                and not _in_topic_phrase(text, m.start()):
            out.append(_Cand(pos.start, m.end(), date(y, 12, 31), None, "year_end", rank=2))
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Non-overlapping candidates, longest first (then by rank), in text order."""
    starts: list[int] = []  # accepted candidates, kept sorted by start (they never overlap)
    chosen: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), -c.rank, c.start)):
        if c.end <= c.start:
            continue
        i = bisect.bisect_right(starts, c.start)
        if i > 0 and chosen[i - 1].end > c.start:
            continue
        if i < len(chosen) and chosen[i].start < c.end:
            continue
        starts.insert(i, c.start)
        chosen.insert(i, c)
    return chosen


_BARE_YEAR = _re(r"(?:19|20)\d{2}")


def _apply_time_cells(text: str, low: str, chosen: list[_Cand]) -> list[_Cand]:
    """A time slot ("Thời gian thực hiện: ...") with no date is one phrase: the whole slot.

    `chosen` is sorted by start and free of overlaps (see _select).
    """
    starts = [c.start for c in chosen]
    dropped: set[int] = set()
    added: list[_Cand] = []
    for m in _finditer(_TIME_LABEL, text, low):
        s, e = m.start("cell"), m.end("cell")
        first = bisect.bisect_left(starts, s)
        if first > 0 and chosen[first - 1].end > s:
            continue  # a phrase straddles the slot's start
        last = first
        while last < len(chosen) and chosen[last].start < e:
            last += 1
        inside = chosen[first:last]
        if any(c.end > e for c in inside):
            continue  # a phrase straddles the slot's end
        if any(c.deadline is not None or c.recurrence is not None for c in inside):
            continue  # the slot holds a real date: keep it
        dropped.update(range(first, last))
        if _BARE_YEAR.fullmatch(text, s, e):  # "Thời gian thực hiện: 2026"
            added.append(_Cand(s, e, date(int(text[s:e]), 12, 31), None, "year", rank=9))
            continue
        added.append(_Cand(s, e, None, None, inside[0].kind if inside else "time_slot",
                           urgent=any(c.urgent for c in inside),
                           ongoing=any(c.ongoing for c in inside), rank=9))
    kept = [c for k, c in enumerate(chosen) if k not in dropped]
    return sorted(kept + added, key=lambda c: c.start)


def find_deadlines(text: str, issued: date) -> list[DeadlineHit]:
    """All temporal deadline phrases in a sentence/segment, in text order, distractors excluded."""
    if not text:
        return []
    low = _lower(text)
    cands = (_scan_dates(text, low, issued) + _scan_periods(text, low, issued)
             + _scan_lunar_holidays(text, low, issued) + _scan_tet_days(text, low, issued)
             + _scan_recurrences(text, low, issued)
             + _scan_markers(text, low, issued))
    chosen = _apply_time_cells(text, low, _select(cands))
    hits = []
    for c in sorted(chosen, key=lambda c: c.start):
        start, end = c.start, c.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        hits.append(DeadlineHit(start, end, text[start:end], c.deadline, c.recurrence,
                                c.urgent, c.ongoing, c.kind))
    return hits


# "để Sở Nội vụ tổng hợp, báo cáo ..." (another actor): to the end of the clause;
# "để đầu tư ..., báo cáo ..." (same actor): only up to the next comma.
_PURPOSE_LEFT = _re(r"""
    (?<![\w])(?:để|nhằm)\s+(?:(?:Sở|Bộ|UBND|Ủy\s+ban|Văn\s+phòng|Thủ\s+tướng|Chính\s+phủ|cơ\s+quan|các)\b[^.;\n]*
                            |[^,.;\n]*)$
""", re.VERBOSE)


def _in_purpose_clause(text: str, pos: int) -> bool:
    """True after "để ..." in the same clause: "... để Sở X tổng hợp, báo cáo Bộ trước ngày 05/12"."""
    return bool(_PURPOSE_LEFT.search(_left(text, pos, 200)))


_UNRESOLVED_INFORMATIVE = {"event_unresolved", "after_event", "soon", "periodic_unspecified",
                           "open_period", "relative_unanchored", "time_slot"}


def pick_deadline(text: str, issued: date) -> DeadlineHit | None:
    """The single deadline of a task segment.

    Order of preference:
    1. the last phrase with a date (the closing "báo cáo ... trước ngày X" of a
       sentence carries its deadline; an explicit date beats "ngay"/"khẩn
       trương" and a recurrence without a day), skipping dates inside a purpose
       clause ("... trước ngày 30/11 để Sở Nội vụ tổng hợp, báo cáo Bộ trước
       ngày 05/12": the second date is someone else's);
    2. the last recurrence without a day ("định kỳ hằng tháng");
    3. the first unresolvable but informative phrase (a meeting, "sau khi ...
       ban hành", "trong thời gian tới");
    4. the first urgency or ongoing marker.
    """
    hits = find_deadlines(text, issued)
    if not hits:
        return None
    dated = [h for h in hits if h.deadline is not None]
    own = [h for h in dated if not _in_purpose_clause(text, h.start)]
    if own or dated:
        return (own or dated)[-1]
    recurring = [h for h in hits if h.recurrence is not None]
    if recurring:
        return recurring[-1]
    informative = [h for h in hits if h.kind in _UNRESOLVED_INFORMATIVE]
    if informative:
        return informative[0]
    return hits[0]
