"""Vietnamese public holidays and working-day arithmetic.

The data lives in ``holidays.csv`` next to this module (see its header):
- ``off``/``work`` rows: the official schedule of a year (days off, and
  weekend days declared working days). A year with any ``off`` row is taken
  as complete.
- ``rule`` rows: the holidays of the Labour Code 2019 (Điều 112), solar
  (``09-02``) or lunar (``âm:03-10``), with the years they apply to.

For a year without an official schedule the rules are applied mechanically:
- the ``rule`` rows of the CSV;
- Tết Nguyên đán, 5 days: the last day of the lunar year and mùng 1-4;
- from 2021, a second Quốc khánh day next to 02/9: 01/9 when 02/9 is a
  Tuesday, Friday or Saturday, else 03/9 (a long weekend, as in the official
  schedules of 2021-2025);
- a holiday on a Saturday or Sunday is compensated on the next working day
  (nghỉ bù).
The official schedule usually moves days around Tết and 30/4; the default is
an estimate until the year is added to the CSV.

Weekends are Saturday and Sunday (public administration), except ``work`` days.

An *override file* (same columns, ``off``/``work`` rows only) holds the years the
admin edits in the app (the government sets each year's schedule): a year with rows
there replaces that year of ``holidays.csv``. ``set_override_file(path)`` names it; the
calendar is re-read when the file changes (by mtime), so every process sees an edit.

API: is_holiday(d), is_working_day(d), add_working_days(d, n),
working_days_between(a, b), holidays_in_year(year), set_override_file(path),
read_override(), write_override(year, rows).
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from tracker.vncalendar.lunar import lunar_to_solar
from tracker.vncalendar.lunar import tet

_CSV_PATH = Path(__file__).with_name("holidays.csv")
_ONE_DAY = timedelta(days=1)
_LUNAR_PREFIX = "âm:"


@dataclass(frozen=True)
class _Rule:
    """A holiday that comes back every year (solar or lunar month-day)."""

    month: int
    day: int
    lunar: bool
    from_year: int | None
    to_year: int | None

    def applies_to(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (self.to_year is None or year <= self.to_year)

    def date_in(self, year: int) -> date:
        if self.lunar:
            return lunar_to_solar(self.day, self.month, year)
        return date(year, self.month, self.day)


@dataclass(frozen=True)
class _Calendar:
    rules: tuple[_Rule, ...]
    days_off: dict[int, frozenset[date]]  # official schedules, by year
    working_weekend_days: frozenset[date]


def _optional_year(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


_override: Path | None = None


def set_override_file(path: str | os.PathLike | None) -> None:
    """Where the admin's edited years live (None: only holidays.csv)."""
    global _override
    _override = Path(path) if path else None


def _override_key() -> tuple:
    if _override is None:
        return (None, None)
    try:
        st = _override.stat()
        return (str(_override), (st.st_mtime_ns, st.st_size))
    except OSError:
        return (str(_override), None)


def _calendar() -> _Calendar:
    return _calendar_for(_override_key())


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    return list(csv.DictReader(lines))


def read_override() -> dict[int, list[tuple[str, date, str]]]:
    """The edited years: {year: [(kind, day, name), ...]} (kind 'off' or 'work')."""
    out: dict[int, list[tuple[str, date, str]]] = {}
    key = _override_key()
    if key[1] is None:
        return out
    for row in _rows(_override):
        d = date.fromisoformat(row["date"].strip())
        out.setdefault(d.year, []).append((row["kind"].strip(), d, (row.get("name") or "").strip()))
    return out


def write_override(year: int, rows: list[tuple[str, date, str]]) -> None:
    """Replace one year of the override file (an empty list removes the year's edit)."""
    if _override is None:
        raise RuntimeError("no override file configured")
    years = read_override()
    years.pop(year, None)
    if rows:
        years[year] = sorted(rows, key=lambda r: (r[1], r[0]))
    _override.parent.mkdir(parents=True, exist_ok=True)
    tmp = _override.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "kind", "name", "from_year", "to_year"])
        for y in sorted(years):
            for kind, d, name in years[y]:
                writer.writerow([d.isoformat(), kind, name, "", ""])
    os.replace(tmp, _override)


@lru_cache(maxsize=4)
def _calendar_for(override_key: tuple) -> _Calendar:
    rules: list[_Rule] = []
    off: dict[int, set[date]] = {}
    work: set[date] = set()
    rows = _rows(_CSV_PATH)
    if override_key[1] is not None:
        edited = _rows(Path(override_key[0]))
        years = {date.fromisoformat(r["date"].strip()).year for r in edited}
        rows = [r for r in rows if r["kind"].strip() == "rule" or
                date.fromisoformat(r["date"].strip()).year not in years] + edited
    for row in rows:
        kind, raw = row["kind"].strip(), row["date"].strip()
        if kind == "rule":
            lunar = raw.startswith(_LUNAR_PREFIX)
            month, day = (int(x) for x in raw.removeprefix(_LUNAR_PREFIX).split("-"))
            rules.append(_Rule(month, day, lunar, _optional_year(row.get("from_year")),
                               _optional_year(row.get("to_year"))))
        elif kind == "off":
            d = date.fromisoformat(raw)
            off.setdefault(d.year, set()).add(d)
        elif kind == "work":
            work.add(date.fromisoformat(raw))
        else:
            raise ValueError(f"holidays.csv: unknown kind {kind!r} in row {row}")
    return _Calendar(tuple(rules), {y: frozenset(s) for y, s in off.items()}, frozenset(work))


def _national_day_extra(year: int) -> date:
    weekday = date(year, 9, 2).weekday()  # Monday = 0
    return date(year, 9, 1) if weekday in (1, 4, 5) else date(year, 9, 3)


def _default_days_off(year: int) -> frozenset[date]:
    """Rule-based days off of a year (see the module docstring)."""
    named = [rule.date_in(year) for rule in _calendar().rules if rule.applies_to(year)]
    first_tet = tet(year)
    named += [first_tet + timedelta(days=i) for i in range(-1, 4)]
    if year >= 2021:
        named.append(_national_day_extra(year))
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


def holidays_in_year(year: int) -> frozenset[date]:
    """All holiday days off of a Gregorian year (official if known, else by rule).

    Compensation days that spill into the next January are included in the
    year that caused them.
    """
    return _holidays_in_year(_override_key(), year)


@lru_cache(maxsize=256)
def _holidays_in_year(override_key: tuple, year: int) -> frozenset[date]:
    official = _calendar().days_off.get(year)
    return official if official is not None else _default_days_off(year)


def official_rows(year: int) -> list[tuple[str, date, str]]:
    """A year's rows as holidays.csv has them (before the admin's edits)."""
    out = []
    for row in _rows(_CSV_PATH):
        kind = row["kind"].strip()
        if kind in ("off", "work"):
            d = date.fromisoformat(row["date"].strip())
            if d.year == year:
                out.append((kind, d, (row.get("name") or "").strip()))
    return out


def is_holiday(d: date) -> bool:
    """True if `d` is a public holiday or an official/compensatory day off."""
    return d in holidays_in_year(d.year) or d in holidays_in_year(d.year - 1)


def is_working_day(d: date) -> bool:
    """True for a Monday-Friday that is not a holiday, or a weekend day declared a working day."""
    if d in _calendar().working_weekend_days:
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
    """Working days in (a, b], so that add_working_days(a, working_days_between(a, b)) <= b.

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
