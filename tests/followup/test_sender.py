"""The sender against the fake Telegram API: delivery, 429, 403, 5xx, dedupe, pacing."""
import asyncio
import time
from datetime import date

import pytest
from sqlmodel import select

from tests.followup.conftest import vn
from tracker.followup import sender
from tracker.followup.sender import SenderSettings
from tracker.followup.sweep import sweep
from tracker.models import Notification
from tracker.models import TelegramLink

FAST = SenderSettings(overall_rate=1000, per_chat_interval=0.0, backoff_base=5)


def _run(coro):
    return asyncio.run(coro)


async def _pass(engine, bot, now, settings=FAST):
    async with bot:
        return await sender.send_pass(engine, bot, now=now, public_url="http://tracker.test", settings=settings)


@pytest.fixture
def setup(make_unit, make_user, make_task, linked):
    unit = make_unit("Sở Tài chính")
    staff = linked(make_user("canbo", "staff", unit), 1001)
    head = linked(make_user("truongphong", "head", unit), 1002)
    task = make_task(unit, action="Báo cáo tình hình giải ngân vốn đầu tư công", deadline=date(2026, 12, 1))
    return unit, staff, head, task


def test_daily_message_is_delivered_addressed_to_the_person_and_marked_sent(session, engine, setup, bot, fake_tg):
    unit, staff, head, task = setup
    now = vn(2026, 11, 30, 8, 1)  # Monday, 1 day before
    assert sweep(session, now)["daily"] == 4  # web inbox and Telegram, for staff and head
    stats = _run(_pass(engine, bot, now))
    assert stats["sent"] == 2
    (msg,) = fake_tg.sent_messages(1001)  # one message, not one per task
    text = msg["text"]
    assert text.startswith("Kính gửi đồng chí canbo,")
    assert "Sắp đến hạn (1)" in text and "01/12/2026" in text and "còn 1 ngày" in text
    assert f"http://tracker.test/tasks/{task.id}" in text and "1/TB-TEST" in text
    assert "Đề nghị đồng chí cập nhật tiến độ" in text and "trước 01/12/2026" in text
    rows = session.exec(select(Notification).where(Notification.channel == "telegram")).all()
    assert {r.status for r in rows} == {"sent"} and all(r.sent_at for r in rows)
    # a second sweep and pass send nothing again
    assert sum(sweep(session, now).values()) == 0
    before = len(fake_tg.sent_messages())
    _run(_pass(engine, bot, now))
    assert len(fake_tg.sent_messages()) == before


def test_display_names_are_escaped_in_telegram_html(session, engine, make_unit, make_user, make_task, linked, bot,
                                                      fake_tg):
    unit = make_unit("Sở <Thử>")
    user = linked(make_user("cb", "staff", unit), 1101)
    user.display_name = "Nguyễn <b>Văn</b> & A"
    session.add(user)
    session.commit()
    make_task(unit, action="Báo cáo <script>", deadline=date(2026, 12, 1))
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    _run(_pass(engine, bot, now))
    (msg,) = fake_tg.sent_messages(1101)
    assert "Nguyễn &lt;b&gt;Văn&lt;/b&gt; &amp; A" in msg["text"] and "&lt;script&gt;" in msg["text"]
    assert "<b>Văn</b>" not in msg["text"]


def test_429_waits_retry_after_then_delivers(session, engine, setup, bot, fake_tg):
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    fake_tg.fail_next("sendMessage", 429, retry_after=1)
    t0 = time.monotonic()
    stats = _run(_pass(engine, bot, now))
    assert stats["retry_after"] == 1
    # the 429'd row waits retry_after before it is due again
    _run(_pass(engine, bot, vn(2026, 11, 30, 8, 2)))
    assert time.monotonic() - t0 >= 1.0
    statuses = {n.status for n in session.exec(select(Notification).where(Notification.channel == "telegram")).all()}
    assert statuses <= {"sent", "skipped"}
    assert fake_tg.calls_of("sendMessage")[0]["status"] == 429


def test_403_deactivates_link_and_fails_row_once(session, engine, setup, bot, fake_tg):
    unit, staff, head, task = setup
    fake_tg.fail_chat(1001, 403)
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    _run(_pass(engine, bot, now))
    session.expire_all()
    link = session.exec(select(TelegramLink).where(TelegramLink.user_id == staff.id)).one()
    assert link.active is False and "403" in link.deactivated_reason
    failed = session.exec(select(Notification).where(Notification.recipient_id == staff.id,
                                                     Notification.status == "failed")).all()
    assert len(failed) == 1 and "403" in failed[0].last_error
    calls = len(fake_tg.calls_of("sendMessage"))
    _run(_pass(engine, bot, vn(2026, 11, 30, 9, 0)))  # not retried
    assert len(fake_tg.calls_of("sendMessage")) == calls
    skipped = session.exec(select(Notification).where(Notification.recipient_id == staff.id,
                                                      Notification.status == "skipped")).all()
    assert all("liên kết" in n.last_error for n in skipped)


def test_5xx_retries_with_exponential_backoff(session, engine, setup, bot, fake_tg):
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    fake_tg.fail_next("sendMessage", 502, times=2)
    _run(_pass(engine, bot, now))
    session.expire_all()
    retrying = session.exec(select(Notification).where(Notification.status == "pending",
                                                       Notification.channel == "telegram")).all()
    assert len(retrying) == 2
    delays = sorted((n.next_attempt_at - now).total_seconds() for n in retrying)
    assert delays == [5.0, 5.0]
    first_retry = retrying[0].next_attempt_at
    fake_tg.fail_next("sendMessage", 500, times=1)
    _run(_pass(engine, bot, first_retry))
    session.expire_all()
    still = session.exec(select(Notification).where(Notification.status == "pending",
                                                    Notification.channel == "telegram")).all()
    assert len(still) == 1 and still[0].attempts == 2
    assert (still[0].next_attempt_at - first_retry).total_seconds() == 10.0  # doubled
    _run(_pass(engine, bot, still[0].next_attempt_at))
    session.expire_all()
    assert not session.exec(select(Notification).where(Notification.status.in_(("pending", "failed")),
                                                       Notification.channel == "telegram")).all()


def test_gives_up_after_max_attempts(session, engine, setup, bot, fake_tg):
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    fake_tg.fail_next("sendMessage", 500, times=100)
    settings = SenderSettings(overall_rate=1000, per_chat_interval=0, max_attempts=2, backoff_base=1)
    t = now
    for _ in range(4):
        _run(_pass(engine, bot, t, settings))
        t = t.replace(minute=t.minute + 1)
    session.expire_all()
    rows = session.exec(select(Notification).where(Notification.channel == "telegram")).all()
    assert len(rows) == 2 and {r.status for r in rows} == {"failed"} and all(r.attempts == 2 for r in rows)


def test_rate_limiter_paces_overall_and_per_chat():
    clock = {"t": 0.0}
    slept = []

    async def fake_sleep(s):
        slept.append(s)
        clock["t"] += s

    lim = sender.RateLimiter(rate=10, per_chat=1.0, clock=lambda: clock["t"], sleep=fake_sleep)

    async def go():
        for chat in [1, 2, 3, 1, 1]:
            await lim.acquire(chat)
    asyncio.run(go())
    # 1,2,3 spaced 0.1s; the second message to chat 1 waits until t=1.0, the third until 2.0
    assert clock["t"] == pytest.approx(2.0)
    assert slept[0] == pytest.approx(0.1)


def test_no_token_keeps_rows_in_outbox(session, engine, setup):
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    assert sender.outbox_counts(engine) == {"pending": 4}


def test_two_senders_at_once_send_each_row_once(session, engine, make_unit, make_user, make_task, linked):
    from telegram import Bot

    from tests.fakes.telegram_api import FakeTelegram
    from tests.followup.conftest import TOKEN

    unit = make_unit()
    for i in range(12):
        linked(make_user(f"cb{i}", "staff", unit), 300 + i)
    make_task(unit, deadline=date(2026, 12, 1))
    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    fake = FakeTelegram(send_delay=0.02).start()
    settings = SenderSettings(overall_rate=1000, per_chat_interval=0, batch_size=3)

    async def both():
        async with Bot(TOKEN, base_url=fake.base_url) as a, Bot(TOKEN, base_url=fake.base_url) as b:
            return await asyncio.gather(
                sender.send_pass(engine, a, now=now, public_url="http://x", settings=settings),
                sender.send_pass(engine, b, now=now, public_url="http://x", settings=settings))
    try:
        first, second = asyncio.run(both())
    finally:
        fake.stop()
    assert first.get("sent", 0) + second.get("sent", 0) == 12
    chats = [int(m["chat_id"]) for m in fake.sent_messages()]
    assert sorted(chats) == list(range(300, 312))


def test_snoozed_reminder_is_sent_when_due_not_before(session, engine, setup, bot, fake_tg):
    from bots.actions import snooze

    unit, staff, head, task = setup
    assert snooze(session, staff.id, task.id, vn(2026, 11, 27, 8, 0)) is True
    assert snooze(session, staff.id, task.id, vn(2026, 11, 27, 8, 0)) is False  # double tap
    _run(_pass(engine, bot, vn(2026, 11, 27, 7, 59)))
    assert fake_tg.sent_messages(1001) == []
    _run(_pass(engine, bot, vn(2026, 11, 27, 8, 0)))
    (msg,) = fake_tg.sent_messages(1001)
    assert msg["text"].startswith("🔁 <b>Nhắc lại</b>") and "còn 4 ngày" in msg["text"]


def test_unreachable_then_slow_api_retried_never_lost(session, engine, setup, fake_tg):
    """Telegram's unreachable server and slow answer, as for Zalo and e-mail: a refused
    connection is retried with backoff; a request that timed out may have arrived, so it is
    retried once, a minute later; the row is never lost."""
    from datetime import timedelta

    from telegram import Bot
    from telegram.request import HTTPXRequest

    from tests.fakes.telegram_api import FakeTelegram
    from tests.followup.conftest import TOKEN

    now = vn(2026, 11, 30, 8, 1)
    sweep(session, now)
    staff_id = setup[1].id

    def row():
        session.expire_all()
        return session.exec(select(Notification).where(Notification.channel == "telegram",
                                                       Notification.recipient_id == staff_id)).one()

    down = FakeTelegram().start()

    async def pass_after_server_went_away():
        async with Bot(TOKEN, base_url=down.base_url) as bot:  # started while the server was up
            down.stop()
            return await sender.send_pass(engine, bot, now=now, public_url="http://tracker.test", settings=FAST)

    assert _run(pass_after_server_went_away())["retry"] == 2
    r = row()
    assert r.status == "pending" and (r.next_attempt_at - now).total_seconds() == 5.0
    slow_bot = Bot(TOKEN, base_url=fake_tg.base_url, request=HTTPXRequest(read_timeout=0.3, write_timeout=0.3))
    fake_tg.send_delay = 1.0
    assert _run(_pass(engine, slow_bot, r.next_attempt_at))["uncertain"] == 2
    r = row()
    assert r.status == "pending" and r.last_error.startswith("Không chắc đã gửi")
    assert r.next_attempt_at - now == timedelta(seconds=65)
    fake_tg.send_delay = 0.0
    assert _run(_pass(engine, Bot(TOKEN, base_url=fake_tg.base_url), r.next_attempt_at))["sent"] == 2
    assert row().status == "sent"
    time.sleep(1.2)  # the slow answers finish
    assert len(fake_tg.sent_messages(1001)) <= 2  # at most the one in-flight duplicate
