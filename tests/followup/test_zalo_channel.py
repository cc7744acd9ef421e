"""Zalo against a fake Zalo Bot Platform over real HTTP: delivery (string chat ids, the
2,000-character cut), 429/5xx/unreachable, a slow answer (no duplicate beyond the one
in flight, "không chắc đã gửi"), the lease of a crashed sender, linking by code (asking
before moving a chat), the webhook's secret header and `flask zalo link`."""
import asyncio
from datetime import date
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.fakes.smtp_server import _free_port
from tests.fakes.zalo_api import FakeZalo
from tests.followup.conftest import vn
from tracker.channels.zalo import links as zlinks
from tracker.channels.zalo.channel import ZaloChannel
from tracker.followup import sender
from tracker.followup.sweep import sweep
from tracker.models import Notification
from tracker.models import ZaloLink
from tracker.settings import reconfigure

FAST = sender.SenderSettings(overall_rate=1000, per_chat_interval=0, backoff_base=5)
URL = "http://tracker.test"


@pytest.fixture
def fake_zalo():
    fake = FakeZalo().start()
    yield fake
    fake.stop()


def deliver(engine, ch, now, settings=FAST):
    return asyncio.run(sender.deliver_pass(engine, ch, now=now, public_url=URL, settings=settings))


@pytest.fixture
def zuser(session, make_unit, make_user, make_task):
    unit = make_unit("Sở Giao thông")
    user = make_user("canbo", "staff", unit)
    session.add(ZaloLink(user_id=user.id, chat_id="8a9c0f"))
    session.commit()
    tasks = [make_task(unit, action=f"Nhiệm vụ số {i} " + "rất dài " * 30, deadline=date(2026, 11, 20))
             for i in range(12)]
    return user, tasks


def zrows(session):
    session.expire_all()
    return session.exec(select(Notification).where(Notification.channel == "zalo")).all()


def test_delivery_plain_text_cut_at_2000_with_a_link(session, engine, fake_zalo, zuser):
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    ch = ZaloChannel("zalo-test-token", fake_zalo.api_url)
    assert deliver(engine, ch, now)["sent"] == 1
    (body,) = fake_zalo.sent("8a9c0f")
    assert body["chat_id"] == "8a9c0f" and len(body["text"]) <= 2000
    assert body["text"].startswith("Kính gửi đồng chí canbo,") and "Quá hạn (12)" in body["text"]
    assert body["text"].endswith(f"(còn nữa: {URL}/)")


def test_429_5xx_and_unreachable_are_retried(session, engine, fake_zalo, zuser):
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    ch = ZaloChannel("zalo-test-token", fake_zalo.api_url)
    fake_zalo.fail_next("sendMessage", 429)
    assert deliver(engine, ch, now)["retry_after"] == 1
    (row,) = zrows(session)
    assert row.status == "pending" and (row.next_attempt_at - now).total_seconds() == 30.0
    fake_zalo.fail_next("sendMessage", 502)
    assert deliver(engine, ch, row.next_attempt_at)["retry"] == 1
    (row,) = zrows(session)
    gone = ZaloChannel("zalo-test-token", f"http://127.0.0.1:{_free_port()}")
    assert deliver(engine, gone, row.next_attempt_at)["retry"] == 1
    (row,) = zrows(session)
    assert row.status == "pending" and "Không kết nối được Zalo" in row.last_error
    assert deliver(engine, ch, row.next_attempt_at)["sent"] == 1
    assert len(fake_zalo.sent("8a9c0f")) == 1


def test_403_deactivates_the_link_and_bad_token_stops_the_pass(session, engine, fake_zalo, zuser):
    user, _ = zuser
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    bad = ZaloChannel("wrong-token", fake_zalo.api_url)
    assert deliver(engine, bad, now) == {}  # 401 -> BadConfig: row back to pending, pass stops
    (row,) = zrows(session)
    assert row.status == "pending" and "401" in row.last_error
    fake_zalo.fail_next("sendMessage", 403, description="Forbidden: user blocked the bot")
    deliver(engine, ZaloChannel("zalo-test-token", fake_zalo.api_url), row.next_attempt_at)
    session.expire_all()
    assert session.exec(select(ZaloLink)).one().active is False
    assert zrows(session)[0].status == "failed"


def test_slow_answer_is_retried_once_later_and_marked_uncertain(session, engine, fake_zalo, zuser):
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    ch = ZaloChannel("zalo-test-token", fake_zalo.api_url, timeout=0.3)
    fake_zalo.slow_next("sendMessage", 1.0)  # delivered, but the answer comes after the client gave up
    assert deliver(engine, ch, now)["uncertain"] == 1
    (row,) = zrows(session)
    assert row.status == "pending" and row.last_error.startswith("Không chắc đã gửi")
    assert (row.next_attempt_at - now).total_seconds() == 60.0
    assert deliver(engine, ch, now + timedelta(seconds=30)) == {}  # not before the minute
    fake_zalo.slow_next("sendMessage", 1.0)
    assert deliver(engine, ch, row.next_attempt_at)["uncertain"] == 1
    (row,) = zrows(session)
    assert row.status == "uncertain"  # the outbox shows "Không chắc đã gửi"; no third send
    assert deliver(engine, ch, row.next_attempt_at + timedelta(minutes=5)) == {}
    assert len(fake_zalo.sent("8a9c0f")) == 2  # the one allowed duplicate


def test_crashed_senders_claimed_rows_are_released_within_30_seconds(session, engine, fake_zalo, zuser):
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    claimed = sender.claim_batch(engine, now, 10, "zalo")  # a sender claims, then dies
    assert len(claimed) == 1
    ch = ZaloChannel("zalo-test-token", fake_zalo.api_url)
    assert deliver(engine, ch, now + timedelta(seconds=29)) == {}  # still leased
    assert deliver(engine, ch, now + timedelta(seconds=30))["sent"] == 1
    assert len(fake_zalo.sent()) == 1


def test_link_by_code_asks_before_moving_and_commands(app, session, engine, make_unit, make_user, make_task,
                                                      fake_zalo, client):
    from tracker.channels.zalo import bot

    unit = make_unit()
    a, b = make_user("nguoia", "staff", unit), make_user("nguoib", "staff", unit)
    make_task(unit, action="Báo cáo quý", deadline=date(2026, 11, 25))
    now = vn(2026, 11, 30, 9, 0)
    code_a = zlinks.create_code(session, a, now=now)
    assert "Đã liên kết tài khoản nguoia" in bot.reply_to(engine, "c-1", "PRIVATE", code_a, now, URL)
    code_b = zlinks.create_code(session, b, now=now)
    ask = bot.reply_to(engine, "c-1", "PRIVATE", f"/start {code_b}", now, URL)
    assert "đang nhận nhắc việc của tài khoản nguoia" in ask and f"CHUYEN {code_b}" in ask
    session.expire_all()
    assert zlinks.user_for_chat(session, "c-1").login == "nguoia"  # not moved yet
    assert "Đã liên kết tài khoản nguoib" in bot.reply_to(engine, "c-1", "PRIVATE", f"CHUYEN {code_b}", now, URL)
    lst = bot.reply_to(engine, "c-1", "PRIVATE", "/quahan", now, URL)
    assert "Nhiệm vụ quá hạn (1)" in lst and f"{URL}/tasks/" in lst
    # the webhook: 404 unless webhook mode, 403 on a wrong secret, else the reply goes out
    update = {"event_name": "message.text.received",
              "message": {"from": {"id": "u"}, "chat": {"id": "c-1", "chat_type": "PRIVATE"}, "text": "/viec"}}
    assert client.post("/zalo/webhook", json=update).status_code == 404
    reconfigure(app, ZALO_MODE="webhook", ZALO_WEBHOOK_SECRET="s3cret", ZALO_BOT_TOKEN="zalo-test-token",
                     ZALO_API_URL=fake_zalo.api_url)
    assert client.post("/zalo/webhook", json=update, headers={"X-Bot-Api-Secret-Token": "nope"}).status_code == 403
    r = client.post("/zalo/webhook", json=update, headers={"X-Bot-Api-Secret-Token": "s3cret"})
    assert r.status_code == 200 and r.json == {"ok": True}
    (sent,) = fake_zalo.sent("c-1")
    assert sent["text"].startswith("Nhiệm vụ đang mở (1)")


def test_polling_reads_updates_and_replies(session, engine, make_unit, make_user, fake_zalo):
    from tracker.channels.zalo import bot
    from tracker.channels.zalo.client import ZaloApi

    fake_zalo.push_text("c-9", "/trogiup")
    asyncio.run(bot.poll_once(engine, ZaloApi("zalo-test-token", fake_zalo.api_url), None, vn(2026, 11, 30, 9),
                              URL, timeout=0))
    (sent,) = fake_zalo.sent("c-9")
    assert sent["text"].startswith("Bot nhắc việc — các lệnh")


def test_cli_zalo_link(runner, session, make_user):
    make_user("lanhdao", "leader")
    out = runner.invoke(args=["zalo", "link", "lanhdao", "7f3a-chat"])
    assert out.exit_code == 0 and out.output.strip() == "Đã liên kết lanhdao với chat Zalo 7f3a-chat."
    assert session.exec(select(ZaloLink)).one().chat_id == "7f3a-chat"
    bad = runner.invoke(args=["zalo", "link", "khongco", "x"])
    assert bad.exit_code != 0 and "Không có tài khoản 'khongco'" in bad.output
