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


def test_may_deliver_respects_quiet_hours_and_days_off_urgent_or_not():
    prefs = UserPrefs()
    assert policy.may_deliver_at(prefs, at(2026, 12, 3, 8))             # Thursday 08:00
    assert not policy.may_deliver_at(prefs, at(2026, 12, 3, 22))        # night
    assert not policy.may_deliver_at(prefs, at(2026, 12, 6, 10))        # Sunday
    assert not policy.may_deliver_at(prefs, at(2026, 9, 2, 10))         # Quốc khánh
    assert not policy.may_deliver_at(prefs, at(2026, 2, 18, 10))        # Tết (Mùng 2 Tết Bính Ngọ)
    assert policy.may_deliver_at(UserPrefs(skip_non_working_days=False), at(2026, 12, 6, 10))
    assert not policy.may_deliver_at(UserPrefs(enabled=False), at(2026, 12, 3, 8))
    with pytest.raises(TypeError):  # urgency no longer bypasses anything
        policy.may_deliver_at(prefs, at(2026, 12, 6, 23), urgent=True)


def test_delivery_time_moves_to_end_of_quiet_hours_and_next_working_day():
    prefs = UserPrefs()
    assert policy.delivery_time(prefs, at(2026, 12, 3, 22, 15)) == at(2026, 12, 4, 7, 0)   # Thu night -> Fri 07:00
    assert policy.delivery_time(prefs, at(2026, 12, 4, 21, 30)) == at(2026, 12, 7, 7, 0)   # Fri night -> Mon 07:00
    assert policy.delivery_time(prefs, at(2026, 12, 3, 9, 0)) == at(2026, 12, 3, 9, 0)
    assert policy.delivery_time(prefs, at(2026, 12, 5, 23, 0)) == at(2026, 12, 7, 7, 0)    # Saturday night
    assert policy.delivery_time(UserPrefs(enabled=False), at(2026, 12, 3, 9, 0)) is None


def test_lead_day_on_a_day_off_moves_to_the_previous_working_day():
    # Monday 7/12/2026: 1 day before is Sunday -> Friday 4/12 (with the 3-day reminder)
    assert policy.lead_reminder_days(date(2026, 12, 7), (3, 1, 0)) == {date(2026, 12, 4), date(2026, 12, 7)}
    # the Monday after Tết 2026 (Mon 23/2; 14-22/2 off): every lead day falls in the holiday -> Fri 13/2
    assert policy.lead_reminder_days(date(2026, 2, 23), (3, 1, 0)) == {date(2026, 2, 13), date(2026, 2, 23)}
    # a deadline on a Saturday is announced on the Friday before
    assert date(2026, 12, 11) in policy.lead_reminder_days(date(2026, 12, 12), (0,))


def test_escalation_counts_working_days_from_a_deadline_on_a_day_off():
    s = ReminderSettings(escalate_after_working_days=3)
    # Saturday 5/12 deadline: Mon 7 (1), Tue 8 (2), Wed 9 (3) -> escalated on Wednesday
    assert date(2026, 12, 5) < policy.escalation_cutoff(date(2026, 12, 9), s)
    assert not date(2026, 12, 5) < policy.escalation_cutoff(date(2026, 12, 8), s)
    # Friday 4/12: Mon, Tue, Wed -> Wednesday as well; Monday 7/12: Tue, Wed, Thu -> Thursday
    assert date(2026, 12, 4) < policy.escalation_cutoff(date(2026, 12, 9), s)
    assert not date(2026, 12, 7) < policy.escalation_cutoff(date(2026, 12, 9), s)
    assert date(2026, 12, 7) < policy.escalation_cutoff(date(2026, 12, 10), s)


def test_overdue_listed_daily_for_two_weeks_then_on_mondays():
    deadline = date(2026, 11, 20)  # Friday
    assert policy.overdue_listed(deadline, date(2026, 12, 4))      # 10 working days overdue
    assert not policy.overdue_listed(deadline, date(2026, 12, 8))  # 12, a Tuesday
    assert policy.overdue_listed(deadline, date(2026, 12, 14))     # Monday
    # 1-2/9/2025 off: the first working day of that week (Wednesday) carries the weekly line
    assert policy.overdue_listed(date(2025, 7, 1), date(2025, 9, 3))
    assert not policy.overdue_listed(date(2025, 7, 1), date(2025, 9, 4))


def test_urgency_only_from_the_document_mark_or_a_same_day_deadline():
    assert policy.document_urgency_mark("UBND TỈNH X\nHỎA TỐC\nSố: 12/CĐ-UBND") == "HỎA TỐC"
    assert policy.document_urgency_mark("THƯỢNG KHẨN\nCông điện") == "THƯỢNG KHẨN"
    assert policy.document_urgency_mark("Đề nghị các Sở khẩn trương triển khai.\nKhẩn trương báo cáo") is None
    assert policy.is_urgent(None, date(2026, 12, 3), date(2026, 12, 3))
    assert not policy.is_urgent(None, date(2026, 12, 4), date(2026, 12, 3))
    assert policy.is_urgent("KHẨN", date(2026, 12, 30), date(2026, 12, 3))


def test_weekly_summary_day_moves_past_a_monday_holiday():
    assert policy.weekly_summary_day(date(2026, 12, 9)) == date(2026, 12, 7)
    # 1 and 2 September 2025 (Monday, Tuesday) were days off: the summary goes out on Wednesday
    assert policy.weekly_summary_day(date(2025, 9, 1)) == date(2025, 9, 3)
    assert policy.weekly_summary_day(date(2025, 9, 5)) == date(2025, 9, 3)


def test_settings_from_config():
    from tracker.settings import Settings

    s = Settings.load("/tmp/x-instance", {"REMINDER_LEAD_DAYS": "7,2", "REMINDER_TIME": "09:00", "SECRET_KEY": "k"},
                      environ={"REMINDER_ESCALATE_AFTER": "5", "REMINDER_TIME": "10:00"}).reminders
    assert (s.lead_days, s.reminder_time, s.escalate_after_working_days) == ((7, 2), time(9, 0), 5)
    assert Settings.load("/tmp/x-instance", {"SECRET_KEY": "k"}, environ={}).reminders == ReminderSettings()
