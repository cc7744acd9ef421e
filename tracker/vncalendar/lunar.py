"""Vietnamese lunisolar calendar (âm lịch), computed astronomically.

This is Hồ Ngọc Đức's algorithm (https://www.informatik.uni-leipzig.de/~duc/amlich/):
new moons and solar longitudes from Meeus-style series, with the day boundary
taken in Vietnam's time zone, UTC+7. Using UTC+7 instead of China's UTC+8 is
what makes the Vietnamese calendar differ from the Chinese one in some years
(Tết 1985 = 21/01/1985 in Vietnam, 20/02 in China; Tết 2007 = 17/02/2007 in
Vietnam, 18/02 in China).

Rules (as in the reference implementation):
- a lunar month starts on the day (local time) of a new moon;
- the 11th month is the one containing the winter solstice;
- a year with 13 months between two 11th months gets a leap month: the first
  month that contains no major solar term (trung khí).

The algorithm is accurate for 1800-2199; the project relies on 1990-2060 and
tests it against known Tết dates.
"""
from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

TIME_ZONE = 7.0  # hours east of UTC (Asia/Ho_Chi_Minh)

_JD_OFFSET = 1721425  # Julian day number = date.toordinal() + _JD_OFFSET
_SYNODIC = 29.530588853
_K_EPOCH = 2415021.076998695  # Julian date of the new moon of 1900-01-01

CAN = ("Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý")
CHI = ("Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi")

# Spelling variants seen in texts, mapped to the canonical spelling above.
_NAME_VARIANTS = {
    "kỉ": "kỷ", "tí": "tý", "tị": "tỵ", "mẹo": "mão", "quí": "quý",
}


def _jd(d: date) -> int:
    return d.toordinal() + _JD_OFFSET


def _from_jd(jd: int) -> date:
    return date.fromordinal(jd - _JD_OFFSET)


def _new_moon(k: int) -> float:
    """Julian date (UT) of the k-th new moon after 1900-01-01."""
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 = c1 - 0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 = c1 - 0.0004 * math.sin(dr * 3 * mpr)
    c1 = c1 + 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 = c1 - 0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 = c1 - 0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 = c1 + 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - deltat


@lru_cache(maxsize=4096)
def _new_moon_day(k: int, tz: float = TIME_ZONE) -> int:
    """Julian day number (local date) of the k-th new moon."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_longitude(jdn: float) -> float:
    """Solar longitude in radians, 0..2π, at Julian date jdn (UT)."""
    t = (jdn - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    lon = (l0 + dl) * dr
    return lon - math.pi * 2 * math.floor(lon / (math.pi * 2))


def _sun_sector(day_number: int, tz: float = TIME_ZONE) -> int:
    """Which of the 12 major solar terms (0..11) the local day starts in."""
    return math.floor(_sun_longitude(day_number - 0.5 - tz / 24) / math.pi * 6)


@lru_cache(maxsize=512)
def _lunar_month_11(year: int, tz: float = TIME_ZONE) -> int:
    """Julian day number of the start of the 11th lunar month of `year` (contains the winter solstice)."""
    off = _jd(date(year, 12, 31)) - 2415021
    k = math.floor(off / _SYNODIC)
    nm = _new_moon_day(k, tz)
    if _sun_sector(nm, tz) >= 9:
        nm = _new_moon_day(k - 1, tz)
    return nm


def _leap_month_offset(a11: int, tz: float = TIME_ZONE) -> int:
    """Index (after month 11) of the leap month in a 13-month lunar year starting at a11."""
    k = math.floor((a11 - _K_EPOCH) / _SYNODIC + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            break
    return i - 1


def solar_to_lunar(d: date) -> tuple[int, int, int, bool]:
    """Gregorian date -> (lunar day, lunar month 1..12, lunar year, is leap month)."""
    day_number = _jd(d)
    k = math.floor((day_number - _K_EPOCH) / _SYNODIC)
    month_start = _new_moon_day(k + 1)
    while month_start > day_number:   # the estimate of k can be one month ahead (e.g. 07/5/2054)
        k -= 1
        month_start = _new_moon_day(k + 1)
    a11 = _lunar_month_11(d.year)
    b11 = a11
    if a11 >= month_start:
        lunar_year = d.year
        a11 = _lunar_month_11(d.year - 1)
    else:
        lunar_year = d.year + 1
        b11 = _lunar_month_11(d.year + 1)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11)
        if diff >= leap_diff:
            lunar_month = diff + 10
            if diff == leap_diff:
                leap = True
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return lunar_day, lunar_month, lunar_year, leap


def lunar_to_solar(day: int, month: int, year: int, leap: bool = False) -> date:
    """Lunar (day, month, year[, leap]) -> Gregorian date.

    Raises ValueError for a leap month that does not exist in that year, or a
    day beyond the month's length (29 or 30).
    """
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"invalid lunar date {day}/{month}/{year}")
    if month < 11:
        a11 = _lunar_month_11(year - 1)
        b11 = _lunar_month_11(year)
    else:
        a11 = _lunar_month_11(year)
        b11 = _lunar_month_11(year + 1)
    k = math.floor(0.5 + (a11 - _K_EPOCH) / _SYNODIC)
    off = month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11)
        leap_month = leap_off - 2
        if leap_month < 0:
            leap_month += 12
        if leap and month != leap_month:
            raise ValueError(f"lunar year {year} has no leap month {month}")
        if leap or off >= leap_off:
            off += 1
    elif leap:
        raise ValueError(f"lunar year {year} has no leap month")
    month_start = _new_moon_day(k + off)
    if day > _new_moon_day(k + off + 1) - month_start:
        raise ValueError(f"lunar month {month}/{year} has fewer than {day} days")
    return _from_jd(month_start + day - 1)


def lunar_month_length(month: int, year: int, leap: bool = False) -> int:
    """Number of days (29 or 30) of a lunar month."""
    first = lunar_to_solar(1, month, year, leap)
    d, m, y, lp = solar_to_lunar(date.fromordinal(first.toordinal() + 29))
    return 30 if (d, m, y, lp) == (30, month, year, leap) else 29


def tet(year: int) -> date:
    """Lunar new year's day (mùng 1 Tết) of the lunar year that starts in Gregorian `year`."""
    return lunar_to_solar(1, 1, year)


def last_day_of_lunar_year(lunar_year: int) -> date:
    """The last day of tháng Chạp (29 or 30 Chạp): the day before the next Tết."""
    return date.fromordinal(tet(lunar_year + 1).toordinal() - 1)


def year_name(lunar_year: int) -> str:
    """Can Chi name of a lunar year: 2022 -> 'Nhâm Dần'."""
    return f"{CAN[(lunar_year + 6) % 10]} {CHI[(lunar_year + 8) % 12]}"


def _fold(word: str) -> str:
    w = word.strip().lower()
    return _NAME_VARIANTS.get(w, w)


def year_from_name(name: str, near_year: int) -> int | None:
    """Inverse of year_name: the lunar year called `name` closest to `near_year`.

    The Can Chi cycle repeats every 60 years, so a name alone is ambiguous;
    ties go to the later year. Spelling variants (Tị/Tỵ, Mẹo/Mão, Kỉ/Kỷ, Tí/Tý)
    and any letter case are accepted. Returns None for an unknown name.
    """
    parts = name.split()
    if len(parts) != 2:
        return None
    can, chi = _fold(parts[0]), _fold(parts[1])
    cans = [c.lower() for c in CAN]
    chis = [c.lower() for c in CHI]
    if can not in cans or chi not in chis:
        return None
    ci, zi = cans.index(can), chis.index(chi)
    # lunar_year ≡ ci - 6 (mod 10) and ≡ zi - 8 (mod 12)  ->  one residue mod 60
    for base in range(60):
        if (base + 6) % 10 == ci and (base + 8) % 12 == zi:
            break
    else:
        return None  # parity mismatch (e.g. "Giáp Sửu" does not exist)
    candidate = near_year - ((near_year - base) % 60)
    options = [candidate, candidate + 60]
    return min(options, key=lambda y: (abs(y - near_year), -y))
