"""One task followed with an injected clock from 3 days before its deadline (Thu 12/2/2026)
to 20 working days after it, across a weekend and Tết Bính Ngọ (14-22/2/2026 off), for a
person on each channel — web inbox, e-mail (a real SMTP server), Telegram (fake Bot API),
Zalo (fake Bot Platform) — and the unit's head. Asserts the exact messages: one a day per
person and channel, nothing in quiet hours, on days off or twice."""
import asyncio
from datetime import date
from datetime import timedelta

import pytest
from sqlmodel import Session
from sqlmodel import select

from tests.fakes.smtp_server import SmtpBox
from tests.fakes.zalo_api import FakeZalo
from tests.followup.conftest import TOKEN
from tests.followup.conftest import vn
from tracker.channels.email.channel import EmailChannel
from tracker.channels.web import WebChannel
from tracker.channels.zalo.channel import ZaloChannel
from tracker.followup import sender
from tracker.followup.policy import VN_TZ
from tracker.followup.sweep import sweep
from tracker.models import Notification
from tracker.models import ZaloLink

FAST = sender.SenderSettings(overall_rate=1000, per_chat_interval=0)
URL = "http://tracker.test"


@pytest.fixture
def smtp():
    box = SmtpBox().start()
    yield box
    box.stop()


@pytest.fixture
def fake_zalo():
    fake = FakeZalo().start()
    yield fake
    fake.stop()


def steps(start, end):
    """Every hour from 06:00 to 10:00, every three hours otherwise (night sweeps included)."""
    t = start
    while t <= end:
        yield t
        hour = t.astimezone(VN_TZ).hour
        t += timedelta(hours=1) if 6 <= hour < 10 else timedelta(hours=3)


def simulate(engine, channels_factory, start, end, probe):
    async def go():
        from telegram import Bot

        from tracker.channels.telegram.channel import TelegramChannel

        async with Bot(TOKEN, base_url=probe["tg"].base_url) as bot:
            channels = channels_factory() + [TelegramChannel(bot)]
            for t in steps(start, end):
                with Session(engine) as s:
                    sweep(s, t)
                for ch in channels:
                    before = probe["count"](ch.name)
                    await sender.deliver_pass(engine, ch, now=t, public_url=URL, settings=FAST)
                    if probe["count"](ch.name) != before:
                        probe["times"].setdefault(ch.name, []).append((before, t.astimezone(VN_TZ)))
    asyncio.run(go())


EXPECTED_DAYS = [  # (day, what the line says): Tết and the weekends are silent
    ("09/02", "còn 3 ngày"), ("11/02", "còn 1 ngày"), ("12/02", "hạn là hôm nay"),
    ("13/02", "quá hạn 1 ngày làm việc"),
    ("23/02", "quá hạn 2 ngày làm việc"), ("24/02", "quá hạn 3 ngày làm việc"), ("25/02", "quá hạn 4 ngày làm việc"),
    ("26/02", "quá hạn 5 ngày làm việc"), ("27/02", "quá hạn 6 ngày làm việc"), ("02/03", "quá hạn 7 ngày làm việc"),
    ("03/03", "quá hạn 8 ngày làm việc"), ("04/03", "quá hạn 9 ngày làm việc"), ("05/03", "quá hạn 10 ngày làm việc"),
    # after two weeks overdue: Mondays only
    ("09/03", "quá hạn 12 ngày làm việc"), ("16/03", "quá hạn 17 ngày làm việc"),
]


def test_task_followed_over_tet_on_every_channel(session, engine, make_unit, make_user, make_task, linked,
                                                 fake_tg, smtp, fake_zalo):
    unit = make_unit("Sở Kế hoạch và Đầu tư")
    web = make_user("web", "staff", unit)
    mail = make_user("thu", "staff", unit)
    mail.email, mail.display_name, mail.digest_time = "thu@skhdt.gov.vn", "Trần Thị Thu", "06:30"  # quiet until 07:00
    linked(make_user("tele", "staff", unit), 11)
    zl = make_user("zalo", "staff", unit)
    zl.display_name = "Lê Văn Zalo"
    head = linked(make_user("truong", "head", unit), 12)
    head.display_name = "Phạm Trưởng"
    session.add_all([mail, zl, head])
    session.add(ZaloLink(user_id=zl.id, chat_id="z-11"))
    session.commit()
    task = make_task(unit, action="Trình phương án phân bổ vốn đầu tư công", deadline=date(2026, 2, 12))

    def factory():
        return [WebChannel(), EmailChannel("127.0.0.1", smtp.port, starttls=False, mail_from="nhacviec@tinh.gov.vn",
                                           secret_key="k" * 32, public_url=URL),
                ZaloChannel("zalo-test-token", fake_zalo.api_url)]

    def count(name):
        if name == "email":
            return len(smtp.messages)
        if name == "zalo":
            return len(fake_zalo.sent())
        if name == "telegram":
            return len(fake_tg.sent_messages())
        with Session(engine) as s:
            return len(s.exec(select(Notification).where(Notification.channel == "web",
                                                         Notification.status == "sent")).all())

    probe = {"tg": fake_tg, "count": count, "times": {}}
    simulate(engine, factory, vn(2026, 2, 9, 0, 0), vn(2026, 3, 19, 23, 0), probe)

    # Zalo: exactly one message on each expected day at 08:00, plain text
    z = fake_zalo.sent("z-11")
    assert len(z) == len(EXPECTED_DAYS)
    for body, (day, phrase) in zip(z, EXPECTED_DAYS, strict=True):
        assert body["text"].startswith(f"Kính gửi đồng chí Lê Văn Zalo,\nNhắc việc ngày {day}/2026\n")
        assert phrase in body["text"] and "<" not in body["text"]
    assert z[4]["text"] == (
        "Kính gửi đồng chí Lê Văn Zalo,\nNhắc việc ngày 23/02/2026\n"
        "\nQuá hạn (1)\n"
        f"- #{task.id} Trình phương án phân bổ vốn đầu tư công — 1/TB-TEST, hạn 12/02/2026 (quá hạn 2 ngày làm việc)\n"
        f"  {URL}/tasks/{task.id}\n"
        "\nĐề nghị đồng chí cập nhật tiến độ, báo cáo kết quả các nhiệm vụ quá hạn ngay.\n"
        f"\nMở hệ thống theo dõi: {URL}/")
    zalo_times = [t for _, t in probe["times"]["zalo"]]
    assert [t.strftime("%d/%m %H:%M") for t in zalo_times] == [f"{d} 08:00" for d, _ in EXPECTED_DAYS]

    # E-mail: the same days, at 07:00 (digest 06:30 waits for the end of quiet hours)
    mails = smtp.to("thu@skhdt.gov.vn")
    assert [m["Subject"] for m in mails] == [f"Nhắc việc ngày {d}/2026" for d, _ in EXPECTED_DAYS]
    assert [t.strftime("%H:%M") for _, t in probe["times"]["email"]] == ["07:00"] * len(EXPECTED_DAYS)
    first = mails[0]
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["List-Unsubscribe"].strip().startswith(f"<{URL}/unsubscribe/email/")
    html = first.get_body(("html",)).get_content()
    plain = first.get_body(("plain",)).get_content()
    assert f'href="{URL}/tasks/{task.id}"' in html and "Kính gửi đồng chí Trần Thị Thu," in html
    assert "còn 3 ngày" in plain and f"{URL}/tasks/{task.id}" in plain

    # Telegram: staff and head get the daily message; the head also the escalation, once,
    # on the 3rd working day overdue (Tết days are not counted)
    staff_msgs = fake_tg.sent_messages(11)
    assert len(staff_msgs) == len(EXPECTED_DAYS)
    for m, (day, phrase) in zip(staff_msgs, EXPECTED_DAYS, strict=True):
        assert "Kính gửi đồng chí tele," in m["text"] and f"Nhắc việc ngày {day}/2026" in m["text"]
        assert phrase in m["text"] and f"#{task.id} " in m["text"] and m["parse_mode"] == "HTML"
    tg_times = [t for _, t in probe["times"]["telegram"]]
    assert [t.strftime("%d/%m %H:%M") for t in tg_times] == [f"{d} 08:00" for d, _ in EXPECTED_DAYS]
    head_msgs = fake_tg.sent_messages(12)
    escalations = [m for m in head_msgs if "Báo cáo lãnh đạo" in m["text"]]
    assert len(head_msgs) == len(EXPECTED_DAYS) + 1 and len(escalations) == 1
    esc = escalations[0]["text"]
    assert "Kính gửi đồng chí Phạm Trưởng," in esc and "quá hạn 3 ngày làm việc" in esc
    assert "Cán bộ xử lý:" in esc and "Đề nghị đồng chí chỉ đạo hoàn thành" in esc and f"#{task.id}" in esc

    # Web inbox: one stored message per day
    with Session(engine) as s:
        inbox = s.exec(select(Notification).where(Notification.recipient_id == web.id, Notification.channel == "web",
                                                  Notification.status == "sent").order_by(Notification.id)).all()
    assert [n.occurrence.strftime("%d/%m") for n in inbox] == [d for d, _ in EXPECTED_DAYS]
    for n, (day, phrase) in zip(inbox, EXPECTED_DAYS, strict=True):
        assert n.text.startswith(f"Kính gửi đồng chí web,\nNhắc việc ngày {day}/2026\n") and phrase in n.text
        assert n.sent_at.astimezone(VN_TZ).strftime("%H:%M") == "08:00"
    # the e-mail's plain part, exactly, on the first overdue day after Tết
    assert mails[4].get_body(("plain",)).get_content().replace("\r\n", "\n").startswith(
        "Kính gửi đồng chí Trần Thị Thu,\nNhắc việc ngày 23/02/2026\n\nQuá hạn (1)\n"
        f"- #{task.id} Trình phương án phân bổ vốn đầu tư công — 1/TB-TEST, hạn 12/02/2026 (quá hạn 2 ngày làm việc)\n")

    # never at night, on a weekend or on Tết; never twice
    for times in probe["times"].values():
        for _, t in times:
            assert 7 <= t.hour < 21 and t.weekday() < 5 and not (date(2026, 2, 14) <= t.date() <= date(2026, 2, 22))
    for chat in (11, 12):
        texts = [m["text"] for m in fake_tg.sent_messages(chat)]
        assert len(set(texts)) == len(texts)
