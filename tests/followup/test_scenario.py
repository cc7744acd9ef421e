"""A task followed with an injected clock from 3 days before its deadline to 5 working
days overdue: the exact messages and their times (none at night, none on Sunday, none
duplicated)."""
import asyncio
from datetime import date
from datetime import timedelta

import pytest
from sqlmodel import Session

from tests.followup.conftest import TOKEN
from tests.followup.conftest import vn
from tracker.followup import sender
from tracker.followup.policy import VN_TZ
from tracker.followup.sweep import sweep

FAST = sender.SenderSettings(overall_rate=1000, per_chat_interval=0)


def simulate(engine, fake_tg, start, end, step=timedelta(minutes=15), coarse=timedelta(hours=1), fine_hours=(6, 10)):
    """Sweep and send at every step (every `step` between `fine_hours`, else every `coarse`);
    returns [(local time, chat_id, text)]."""
    from telegram import Bot

    log = []

    async def go():
        bot = Bot(TOKEN, base_url=fake_tg.base_url)
        async with bot:
            t = start
            while t <= end:
                with Session(engine) as s:
                    sweep(s, t)
                seen = len(fake_tg.sent_messages())
                await sender.send_pass(engine, bot, now=t, public_url="http://x", settings=FAST)
                for m in fake_tg.sent_messages()[seen:]:
                    log.append((t.astimezone(VN_TZ), int(m["chat_id"]), m["text"]))
                local_hour = t.astimezone(VN_TZ).hour
                t += step if fine_hours[0] <= local_hour < fine_hours[1] else coarse
    asyncio.run(go())
    return log


def kind_of(text):
    first = text.splitlines()[0]
    for key, label in (("Tổng hợp công việc", "digest"), ("Báo cáo lãnh đạo", "escalation"),
                       ("quá hạn", "overdue"), ("Nhắc việc", "before")):
        if key in first:
            return label
    return first


def test_task_followed_from_three_days_before_to_five_working_days_overdue(
        session, engine, make_unit, make_user, make_task, linked, fake_tg):
    unit = make_unit("Sở Kế hoạch và Đầu tư")
    linked(make_user("canbo", "staff", unit), 11)
    linked(make_user("truong", "head", unit), 12)
    make_task(unit, action="Trình phương án phân bổ vốn", deadline=date(2026, 12, 7))  # a Monday
    log = simulate(engine, fake_tg, vn(2026, 12, 4, 0, 0), vn(2026, 12, 14, 23, 30), step=timedelta(minutes=30))

    staff = [(t.strftime("%a %d/%m %H:%M"), kind_of(x)) for t, chat, x in log if chat == 11]
    assert staff == [
        ("Fri 04/12 07:30", "digest"), ("Fri 04/12 08:00", "before"),
        # Sat 05, Sun 06 (the 1-day-before reminder falls on Sunday): nothing
        ("Mon 07/12 07:30", "digest"), ("Mon 07/12 08:00", "before"),
        ("Tue 08/12 07:30", "digest"), ("Tue 08/12 08:00", "overdue"),
        ("Wed 09/12 07:30", "digest"), ("Wed 09/12 08:00", "overdue"),
        ("Thu 10/12 07:30", "digest"), ("Thu 10/12 08:00", "overdue"),
        ("Fri 11/12 07:30", "digest"), ("Fri 11/12 08:00", "overdue"),
        ("Mon 14/12 07:30", "digest"), ("Mon 14/12 08:00", "overdue"),
    ]
    head = [(t.strftime("%a %d/%m %H:%M"), kind_of(x)) for t, chat, x in log if chat == 12]
    assert ("Thu 10/12 08:00", "escalation") in head  # 3 working days overdue
    assert [h for h in head if h[1] == "escalation"] == [("Thu 10/12 08:00", "escalation")]
    assert len(head) == len(staff) + 1

    texts = {t.strftime("%d/%m"): x for t, chat, x in log if chat == 11 and kind_of(x) != "digest"}
    assert "còn 3 ngày" in texts["04/12"] and "hạn là hôm nay" in texts["07/12"]
    assert "quá hạn 1 ngày làm việc" in texts["08/12"] and "quá hạn 5 ngày làm việc" in texts["14/12"]
    for t, _, _ in log:
        assert t.weekday() < 5, "nothing on a weekend"
        assert 7 <= t.hour < 21, "nothing at night"
    assert len({(t, chat, x) for t, chat, x in log}) == len(log)


def test_urgent_task_passes_weekend_and_quiet_hours_are_respected(
        session, engine, make_unit, make_user, make_task, linked, fake_tg):
    unit = make_unit()
    staff = linked(make_user("canbo", "staff", unit), 21)
    staff.quiet_start, staff.quiet_end, staff.digest_time = "21:00", "09:15", "06:00"
    session.add(staff)
    session.commit()
    task = make_task(unit, action="Ứng phó bão số 9", deadline=date(2026, 12, 4))
    task.urgent = True
    session.add(task)
    session.commit()
    log = simulate(engine, fake_tg, vn(2026, 12, 5, 0, 0), vn(2026, 12, 7, 12, 0))
    got = [(t.strftime("%a %H:%M"), kind_of(x)) for t, chat, x in log]
    # urgent overdue reminders on Saturday and Sunday at 08:00 (through quiet hours);
    # the non-urgent digest waits for a working day and for the end of quiet hours
    assert got == [("Sat 08:00", "overdue"), ("Sun 08:00", "overdue"),
                   ("Mon 08:00", "overdue"), ("Mon 09:15", "digest")]


@pytest.mark.parametrize("enabled", [False])
def test_switched_off_user_gets_nothing(session, engine, make_unit, make_user, make_task, linked, fake_tg, enabled):
    unit = make_unit()
    staff = linked(make_user("canbo", "staff", unit), 31)
    staff.notify_enabled = enabled
    session.add(staff)
    session.commit()
    make_task(unit, deadline=date(2026, 12, 7))
    assert simulate(engine, fake_tg, vn(2026, 12, 7, 7, 0), vn(2026, 12, 8, 9, 0), step=timedelta(hours=1)) == []
