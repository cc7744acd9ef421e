"""Time in one place: UTC instants for storage, local days (TIMEZONE) for deadlines.

Every service takes an optional `now`, so tests and the scheduler can inject a clock.
The local zone is the TIMEZONE setting of the app in context (`tracker/settings.py`),
Asia/Ho_Chi_Minh outside an app (scripts, pure tests) or when none is configured.
"""
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from tracker.followup.policy import DEFAULT_TZ

VN_TZ = DEFAULT_TZ  # the default zone; code that runs in an app uses `local_zone()`


def local_zone() -> ZoneInfo:
    """The configured TIMEZONE of the app in context, else the default zone."""
    from tracker.settings import current

    settings = current()
    return settings.tz if settings is not None else DEFAULT_TZ


def utc_now(now: datetime | None = None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def local_today(now: datetime | None = None, tz: ZoneInfo | None = None) -> date:
    """The local day of `now` (default: the real clock) in `tz` (default: `local_zone()`)."""
    return utc_now(now).astimezone(tz or local_zone()).date()


def format_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""
