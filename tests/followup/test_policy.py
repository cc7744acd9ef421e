"""Reminder policy: pure functions, no database."""
from datetime import date
from datetime import datetime
from datetime import time

import pytest

from tracker.followup import policy
from tracker.followup.policy import VN_TZ
from tracker.followup.policy import PolicyError
from tracker.followup.policy import ReminderSettings
from tracker.followup.policy import UserPrefs


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


@pytest.mark.parametrize("t, start, end, quiet", [
    (time(22, 0), time(21, 0), time(7, 0), True),    # wraps midnight
    (time(6, 59), time(21, 0), time(7, 0), True),
    (time(7, 0), time(21, 0), time(7, 0), False),
    (time(20, 59), time(21, 0), time(7, 0), False),
    (time(12, 30), time(12, 0), time(13, 0), True),  # same-day window
    (time(13, 0), time(12, 0), time(13, 0), False),
    (time(3, 0), time(0, 0), time(0, 0), False),     # start == end: no quiet hours
])
def test_quiet_hours(t, start, end, quiet):
    assert policy.in_quiet_hours(t, start, end) is quiet


def test_parse_settings_values():
    assert policy.parse_hhmm("07:30") == time(7, 30)
    assert policy.parse_lead_days("3, 1,0,3") == (3, 1, 0)
    assert policy.parse_lead_days("") == ()
    for bad in ("7:30", "24:00", "07h30", ""):
        with pytest.raises(PolicyError):
            policy.parse_hhmm(bad)
    for bad in ("3,x", "-1", "31"):
        with pytest.raises(PolicyError):
            policy.parse_lead_days(bad)


def test_may_deliver_respects_quiet_hours_days_off_and_urgency():
    prefs = UserPrefs()
    assert policy.may_deliver_at(prefs, at(2026, 12, 3, 8))             # Thursday 08:00
    assert not policy.may_deliver_at(prefs, at(2026, 12, 3, 22))        # night
    assert not policy.may_deliver_at(prefs, at(2026, 12, 6, 10))        # Sunday
    assert not policy.may_deliver_at(prefs, at(2026, 9, 2, 10))         # Quốc khánh
    assert policy.may_deliver_at(prefs, at(2026, 12, 6, 23), urgent=True)
    assert policy.may_deliver_at(UserPrefs(skip_non_working_days=False), at(2026, 12, 6, 10))
    assert not policy.may_deliver_at(UserPrefs(enabled=False), at(2026, 12, 3, 8), urgent=True)


def test_delivery_time_moves_to_end_of_quiet_hours_and_next_working_day():
    prefs = UserPrefs()
    assert policy.delivery_time(prefs, at(2026, 12, 3, 22, 15)) == at(2026, 12, 4, 7, 0)   # Thu night -> Fri 07:00
    assert policy.delivery_time(prefs, at(2026, 12, 4, 21, 30)) == at(2026, 12, 7, 7, 0)   # Fri night -> Mon 07:00
    assert policy.delivery_time(prefs, at(2026, 12, 3, 9, 0)) == at(2026, 12, 3, 9, 0)
    assert policy.delivery_time(prefs, at(2026, 12, 5, 23, 0), urgent=True) == at(2026, 12, 5, 23, 0)
    assert policy.delivery_time(UserPrefs(enabled=False), at(2026, 12, 3, 9, 0)) is None


def test_task_reminders_for_each_day():
    deadline = date(2026, 12, 7)  # Monday
    kinds = {d: [(r.kind, r.days) for r in policy.task_reminders_for_day(deadline, d, is_head=True)]
             for d in (date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 6), date(2026, 12, 7),
                       date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 12))}
    assert kinds[date(2026, 12, 3)] == []
    assert kinds[date(2026, 12, 4)] == [("before", 3)]
    assert kinds[date(2026, 12, 6)] == [("before", 1)]   # the sweep holds it back (Sunday), the policy names it
    assert kinds[date(2026, 12, 7)] == [("before", 0)]
    assert kinds[date(2026, 12, 9)] == [("overdue", 2)]
    assert kinds[date(2026, 12, 10)] == [("overdue", 3), ("escalation", 3)]
    assert kinds[date(2026, 12, 12)] == []              # Saturday
    assert policy.task_reminders_for_day(deadline, date(2026, 12, 12), urgent=True)[0].kind == "overdue"
    custom = ReminderSettings(lead_days=(5,), escalate_after_working_days=1)
    assert [r.kind for r in policy.task_reminders_for_day(deadline, date(2026, 12, 2), custom)] == ["before"]
    assert [r.kind for r in policy.task_reminders_for_day(deadline, date(2026, 12, 8), custom, is_head=True)] == \
        ["overdue", "escalation"]


def test_weekly_summary_day_moves_past_a_monday_holiday():
    assert policy.weekly_summary_day(date(2026, 12, 9)) == date(2026, 12, 7)
    # 1 and 2 September 2025 (Monday, Tuesday) were days off: the summary goes out on Wednesday
    assert policy.weekly_summary_day(date(2025, 9, 1)) == date(2025, 9, 3)
    assert policy.weekly_summary_day(date(2025, 9, 5)) == date(2025, 9, 3)


def test_settings_from_config():
    s = ReminderSettings.from_config({"REMINDER_LEAD_DAYS": "7,2", "REMINDER_TIME": "09:00"},
                                     environ={"REMINDER_ESCALATE_AFTER": "5", "REMINDER_TIME": "10:00"})
    assert (s.lead_days, s.reminder_time, s.escalate_after_working_days) == ((7, 2), time(9, 0), 5)
    assert ReminderSettings.from_config({}, environ={}) == ReminderSettings()
