"""Reminder policy: when a reminder is due and when a person may receive it.

Pure domain code: no Flask, no Telegram, no database. The sweep (`sweep.py`) turns
these rules into SQL; the sender uses `delivery_time` to keep messages out of the
night and off weekends and public holidays.

Times are wall-clock times in the service's zone (TIMEZONE, Asia/Ho_Chi_Minh by
default), carried by `ReminderSettings.tz`; the clock and the settings are always passed
in as plain values, never read here (`tracker/settings.py` builds them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from tracker.parsing.header import urgency_mark
from tracker.services.inputs import to_int
from tracker.vncalendar.holidays import add_working_days
from tracker.vncalendar.holidays import is_working_day
from tracker.vncalendar.holidays import working_days_between

DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VN_TZ = DEFAULT_TZ  # the default zone; the configured one is `ReminderSettings.tz`

# Notification kinds (the `kind` column of the outbox)
BEFORE = "before"          # N days before the deadline (N in the user's lead days; 0 = due today)
OVERDUE = "overdue"        # every working day after the deadline
ESCALATION = "escalation"  # the unit head, once the task is N working days overdue
DIGEST = "digest"          # the user's daily digest (only when non-empty)
WEEKLY = "weekly"          # leaders' weekly summary of overdue tasks
SNOOZE = "snooze"          # "Nhắc lại sau" chosen in Telegram
DAILY = "daily"            # the one message a day per person per channel (content at send time)
KINDS = (BEFORE, OVERDUE, ESCALATION, DIGEST, WEEKLY, SNOOZE, DAILY)
KIND_LABELS = {
    BEFORE: "Nhắc trước hạn",
    OVERDUE: "Nhắc quá hạn",
    ESCALATION: "Báo lãnh đạo đơn vị",
    DIGEST: "Tổng hợp hằng ngày",
    WEEKLY: "Tổng hợp tuần",
    SNOOZE: "Nhắc lại",
    DAILY: "Tin nhắc việc hằng ngày",
}
# Overdue tasks are listed in the daily message every day for this many working days,
# then only in the first message of each week ("quá hạn 184 ngày làm việc" is not news).
OVERDUE_DAILY_WORKING_DAYS = 10

# Task statuses that still need the lead unit's action. `cho_xac_nhan` (reported done,
# awaiting the clerk) and `tam_dung` (paused) are not reminded; `hoan_thanh` is done.
REMINDABLE_STATUSES = ("chua_thuc_hien", "dang_thuc_hien", "tra_lai")

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class PolicyError(ValueError):
    """A setting that cannot be used; the message is Vietnamese and fit for a form."""


@dataclass(frozen=True)
class ReminderSettings:
    """Service-wide settings (configuration), with the issue's defaults."""

    lead_days: tuple[int, ...] = (3, 1, 0)
    reminder_time: time = time(8, 0)
    escalate_after_working_days: int = 3
    weekly_summary_weekday: int = 0  # Monday
    weekly_summary_time: time = time(8, 0)
    digest_window_days: int = 7
    max_lead_days: int = 30
    tz: ZoneInfo = DEFAULT_TZ  # the wall clock of every time above (TIMEZONE)


@dataclass(frozen=True)
class UserPrefs:
    """One person's reminder settings (the profile page; columns of `User`)."""

    enabled: bool = True
    digest_time: time = time(8, 0)
    lead_days: tuple[int, ...] = (3, 1, 0)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    skip_non_working_days: bool = True

    @classmethod
    def of(cls, user, settings: ReminderSettings | None = None) -> UserPrefs:
        """Settings of a `User` row; a malformed stored value falls back to the default.
        An empty digest time is the service's REMINDER_TIME."""
        default = cls(digest_time=(settings or ReminderSettings()).reminder_time)

        def _time(value, fallback):
            try:
                return parse_hhmm(value)
            except PolicyError:
                return fallback

        try:
            lead = parse_lead_days(user.lead_days)
        except PolicyError:
            lead = default.lead_days
        return cls(
            enabled=bool(user.notify_enabled),
            digest_time=_time(user.digest_time, default.digest_time),
            lead_days=lead,
            quiet_start=_time(user.quiet_start, default.quiet_start),
            quiet_end=_time(user.quiet_end, default.quiet_end),
            skip_non_working_days=bool(user.skip_non_working_days),
        )


def parse_hhmm(value: str) -> time:
    """'07:30' -> time(7, 30); anything else -> PolicyError."""
    m = _HHMM.match((value or "").strip())
    if not m:
        raise PolicyError(f"Giờ không hợp lệ: {value!r} (dạng HH:MM, ví dụ 07:30)")
    return time(int(m.group(1)), int(m.group(2)))


def format_hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_lead_days(value: str, max_days: int = 30) -> tuple[int, ...]:
    """'3,1,0' -> (3, 1, 0): distinct, descending, each 0..max_days; '' means none."""
    text = (value or "").replace(";", ",").replace(" ", "")
    if not text:
        return ()
    out = set()
    for part in text.split(","):
        if not part:
            continue
        if to_int(part, minimum=0, maximum=max_days) is None or not part.isdigit():
            raise PolicyError(f"Số ngày nhắc trước hạn không hợp lệ: {part!r} (số từ 0 đến {max_days})")
        out.add(int(part))
    return tuple(sorted(out, reverse=True))


def format_lead_days(days: tuple[int, ...]) -> str:
    return ",".join(str(d) for d in days)


def in_quiet_hours(t: time, start: time, end: time) -> bool:
    """True if wall-clock `t` is inside [start, end); the window may wrap midnight.

    start == end means no quiet hours at all.
    """
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def may_deliver_at(prefs: UserPrefs, local: datetime) -> bool:
    """May this person receive a message at local time `local`?

    Nothing passes quiet hours, a day off or a switched-off setting, urgent or not:
    urgency orders and marks lines, it never wakes anyone at 23:00 or on Tết.
    """
    if not prefs.enabled:
        return False
    if in_quiet_hours(local.time().replace(second=0, microsecond=0), prefs.quiet_start, prefs.quiet_end):
        return False
    return not (prefs.skip_non_working_days and not is_working_day(local.date()))


def delivery_time(prefs: UserPrefs, local: datetime) -> datetime | None:
    """The earliest local time >= `local` at which a message may be delivered.

    None when reminders are switched off. Walks forward minute-free: to the end of the
    quiet window, then to the next working day's end of quiet hours (or 00:00).
    """
    if not prefs.enabled:
        return None
    if may_deliver_at(prefs, local):
        return local
    candidate = local
    for _ in range(40):  # at most a long Tết holiday plus weekends
        t = candidate.timetz().replace(second=0, microsecond=0)
        if in_quiet_hours(t.replace(tzinfo=None), prefs.quiet_start, prefs.quiet_end):
            end = datetime.combine(candidate.date(), prefs.quiet_end, candidate.tzinfo)
            if end <= candidate:
                end += timedelta(days=1)
            candidate = end
        if prefs.skip_non_working_days and not is_working_day(candidate.date()):
            nxt = candidate.date() + timedelta(days=1)
            while not is_working_day(nxt):
                nxt += timedelta(days=1)
            candidate = datetime.combine(nxt, time(0, 0), candidate.tzinfo)
            continue
        if may_deliver_at(prefs, candidate):
            return candidate
    return None


def escalation_cutoff(today: date, settings: ReminderSettings = ReminderSettings()) -> date:
    """Deadlines strictly before this day are escalated on `today` (a working day).

    A task is N working days overdue on `today` when N working days lie in (deadline,
    today]; that holds exactly when the deadline is before the (N-1)-th working day
    before today, whatever day of the week the deadline itself falls on (a Saturday
    deadline counts Monday as its first working day overdue).
    """
    n = max(settings.escalate_after_working_days, 1)
    return add_working_days(today, -(n - 1))


def previous_working_day(d: date) -> date:
    """`d` itself when it is a working day, else the last working day before it."""
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def lead_reminder_days(deadline: date, lead_days: tuple[int, ...]) -> set[date]:
    """The days an upcoming deadline is announced: each lead day, moved to the previous
    working day when it falls on a weekend or holiday (never dropped). A deadline that is
    itself a day off is announced on the working day before it, like a lead day."""
    out = set()
    for lead in lead_days:
        day = deadline - timedelta(days=lead)
        out.add(previous_working_day(day) if (lead > 0 or not is_working_day(day)) else day)
    return out


def overdue_listed(deadline: date, today: date) -> bool:
    """Is an overdue task listed in `today`'s daily message? Every day for the first
    OVERDUE_DAILY_WORKING_DAYS working days overdue, then in the first message of the week."""
    if working_days_between(deadline, today) <= OVERDUE_DAILY_WORKING_DAYS:
        return True
    return first_working_day_of_week(today) == today


def first_working_day_of_week(today: date) -> date | None:
    """Monday, or the first working day after it in the same week (Tết, 30/4 …)."""
    d = today - timedelta(days=today.weekday())
    for _ in range(7):
        if is_working_day(d):
            return d
        d += timedelta(days=1)
    return None


def weekly_summary_day(today: date, settings: ReminderSettings = ReminderSettings()) -> date | None:
    """The day of `today`'s week the leaders' summary goes out: the configured weekday
    (Monday), or the next working day of the same week when that one is a holiday."""
    start = today - timedelta(days=today.weekday() - settings.weekly_summary_weekday) \
        if today.weekday() >= settings.weekly_summary_weekday else None
    if start is None:
        return None
    d = start
    while d.weekday() < 5:
        if is_working_day(d):
            return d
        d += timedelta(days=1)
    return None


def document_urgency_mark(source_text: str) -> str | None:
    """The urgency mark printed on the document (Hỏa tốc, Thượng khẩn, Khẩn) in its header,
    or None. "khẩn trương" in a sentence is ordinary urging. One home: the parser's header."""
    return urgency_mark(source_text)


def is_urgent(mark: str | None, deadline: date | None, issued: date | None) -> bool:
    """Urgent for the follow-up: the document's mark, or an explicit deadline on the day
    the document was issued. Urgency orders and labels lines; it bypasses nothing."""
    return bool(mark) or (deadline is not None and issued is not None and deadline == issued)


def digest_due(prefs: UserPrefs, local: datetime) -> bool:
    """Is the daily digest's time reached at `local` (and may it be delivered now)?"""
    return local.time() >= prefs.digest_time and may_deliver_at(prefs, local)


def local_now(now_utc: datetime, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """`now_utc` on the wall clock of `tz` (pass `settings.tz`)."""
    if now_utc.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now_utc.astimezone(tz)
