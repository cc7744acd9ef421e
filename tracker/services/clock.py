"""Time in one place: UTC instants for storage, Asia/Ho_Chi_Minh days for deadlines.

Every service takes an optional `now`, so tests and the scheduler can inject a clock.
"""
from datetime import date
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utc_now(now: datetime | None = None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def local_today(now: datetime | None = None, tz: ZoneInfo = VN_TZ) -> date:
    return utc_now(now).astimezone(tz).date()


def format_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""
