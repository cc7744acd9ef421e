"""Vietnamese public holidays and working-day arithmetic.

Sources of truth, in order:
1. ``holidays.csv`` (next to this module): the official schedule of days off
   (and swapped working Saturdays) for the years it lists. A year with any row
   in the file is taken as complete.
2. For other years, the rules of the Labour Code 2019 (Bộ luật Lao động, Điều 112)
   applied mechanically:
   - Tết Dương lịch 01/01; Giỗ Tổ Hùng Vương 10/3 âm lịch; 30/4; 01/5;
     Quốc khánh 02/9 plus one adjacent day (from 2021; we take 01/9 when 02/9 is
     a Tuesday, Friday or Saturday and 03/9 otherwise, which makes a long weekend
     like the official schedules of 2021-2025); Ngày Văn hóa Việt Nam 24/11 (from 2026);
   - Tết Nguyên đán: 5 days, the last day of the lunar year and mùng 1-4 Tết;
   - a holiday that falls on a Saturday or Sunday is compensated on the next
     working day (nghỉ bù).
   The official schedule usually moves days around Tết and 30/4; this default is
   a sensible estimate until the year is added to the CSV.

Weekends are Saturday and Sunday (public administration), except weekend days
listed as ``work`` in the CSV.

API: is_holiday(d), is_working_day(d), add_working_days(d, n),
working_days_between(a, b), holidays_in_year(year).
"""
from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from tracker.vncalendar.lunar import lunar_to_solar, tet

_CSV_PATH = Path(__file__).with_name("holidays.csv")
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def _official() -> tuple[dict[int, frozenset[date]], dict[int, frozenset[date]]]:
    """(days off by year, swapped working weekend days by year) from the CSV."""
    off: dict[int, set[date]] = {}
    work: dict[int, set[date]] = {}
    with _CSV_PATH.open(encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.startswith("#")]
    for row in csv.DictReader(lines):
        d = date.fromisoformat(row["date"].strip())
        target = work if row["kind"].strip() == "work" else off
        target.setdefault(d.year, set()).add(d)
    return ({y: frozenset(s) for y, s in off.items()},
            {y: frozenset(s) for y, s in work.items()})


def _national_day_extra(year: int) -> date:
    weekday = date(year, 9, 2).weekday()  # Monday = 0
    return date(year, 9, 1) if weekday in (1, 4, 5) else date(year, 9, 3)


def _default_days_off(year: int) -> frozenset[date]:
    """Rule-based days off of a year (see the module docstring)."""
    first_tet = tet(year)
    named = [date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    named += [first_tet + timedelta(days=i) for i in range(-1, 4)]
    named.append(lunar_to_solar(10, 3, year))
    if year >= 2021:
        named.append(_national_day_extra(year))
    if year >= 2026:
        named.append(date(year, 11, 24))
    days = set(named)
    # nghỉ bù: each holiday on a weekend moves to the next day that is neither
    # a weekend day nor already off.
    for d in sorted(named):
        if d.weekday() >= 5:
            sub = d + _ONE_DAY
            while sub.weekday() >= 5 or sub in days:
                sub += _ONE_DAY
            days.add(sub)
    return frozenset(days)


@lru_cache(maxsize=256)
def holidays_in_year(year: int) -> frozenset[date]:
    """All holiday days off of a Gregorian year (official if known, else by rule).

    Compensation days that spill into the next January are included in the
    year that caused them.
    """
    off, _ = _official()
    if year in off:
        return off[year]
    return _default_days_off(year)


def _is_swapped_working_day(d: date) -> bool:
    _, work = _official()
    return d in work.get(d.year, frozenset())


def is_holiday(d: date) -> bool:
    """True if `d` is a public holiday or an official/compensatory day off."""
    return d in holidays_in_year(d.year) or d in holidays_in_year(d.year - 1)


def is_working_day(d: date) -> bool:
    """True for a Monday-Friday that is not a holiday, or a swapped working Saturday."""
    if _is_swapped_working_day(d):
        return True
    return d.weekday() < 5 and not is_holiday(d)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after `d` (d itself is not counted).

    "trong 05 ngày làm việc" issued on Wed 28/8/2024 -> Fri 06/9/2024 (02/9 and
    03/9 are skipped). n = 0 returns d; negative n counts backwards.
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b]: add_working_days(a, working_days_between(a, b)) <= b.

    Negative when b < a (the count of working days in (b, a], negated).
    """
    if b < a:
        return -working_days_between(b, a)
    count = 0
    current = a
    while current < b:
        current += _ONE_DAY
        if is_working_day(current):
            count += 1
    return count
