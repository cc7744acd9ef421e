"""The Telegram bot's handlers, driven through the real PTB Application and the fake API."""
import asyncio
import logging
from datetime import date
from datetime import timedelta

import pytest
from sqlmodel import select

from bots.telegram import build_application
from tests.followup.conftest import TOKEN
from tests.followup.conftest import vn
from tracker.followup import links
from tracker.followup import messages
from tracker.models import AuditEvent
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import TelegramLink
from tracker.models import TelegramLinkToken

NOW = vn(2026, 11, 26, 10, 0)  # Thursday


def run_updates(engine, fake_tg, *updates, now=NOW):
    """Process updates (dicts from fake_tg.inject_*) in order through one Application."""
    async def go():
        app = build_application(TOKEN, fake_tg.base_url, engine, clock=lambda: now)
        async with app:
            for u in updates:
                from telegram import Update

                await app.process_update(Update.de_json(u, app.bot))
    asyncio.run(go())


def replies(fake_tg, chat_id):
    return [m["text"] for m in fake_tg.sent_messages(chat_id)]


@pytest.fixture
def world(make_unit, make_user, make_task, linked):
    a, b = make_unit("Sở Tài chính"), make_unit("Sở Y tế")
    staff = linked(make_user("canbo", "staff", a), 501)
    other = linked(make_user("canboyte", "staff", b), 502)
    t1 = make_task(a, action="Rà soát hồ sơ dự án", deadline=date(2026, 11, 24))
    t2 = make_task(b, action="Kiểm tra an toàn thực phẩm", deadline=date(2026, 11, 26))
    t3 = make_task(a, action="Tổng kết năm", deadline=date(2026, 11, 28), co_units=[b])
    return {"a": a, "b": b, "staff": staff, "other": other, "t1": t1, "t2": t2, "t3": t3}


def test_link_with_one_time_token(session, engine, make_unit, make_user, fake_tg):
    user = make_user("chuyenvien", "staff", make_unit())
    token = links.create_link_token(session, user, now=NOW)
    assert session.exec(select(TelegramLinkToken)).one().token_hash != token  # stored hashed
    assert links.deep_link("test_nhacviec_bot", token) == f"https://t.me/test_nhacviec_bot?start={token}"
    run_updates(engine, fake_tg, fake_tg.inject_message(900, f"/start {token}"),
                fake_tg.inject_message(901, f"/start {token}"))  # works once
    assert "Đã liên kết" in replies(fake_tg, 900)[0]
    assert "đã được dùng" in replies(fake_tg, 901)[0]
    link = session.exec(select(TelegramLink).where(TelegramLink.user_id == user.id)).one()
    assert link.chat_id == 900 and link.active


def test_expired_token_is_refused(session, engine, make_unit, make_user, fake_tg):
    user = make_user("chuyenvien", "staff", make_unit())
    token = links.create_link_token(session, user, now=NOW - timedelta(minutes=31))
    run_updates(engine, fake_tg, fake_tg.inject_message(900, f"/start {token}"))
    assert "hết hạn" in replies(fake_tg, 900)[0]
    assert session.exec(select(TelegramLink)).first() is None


def test_unlink(session, engine, world, fake_tg):
    run_updates(engine, fake_tg, fake_tg.inject_message(501, "/huylienket"), fake_tg.inject_message(501, "/viec"))
    out = replies(fake_tg, 501)
    assert "Đã huỷ liên kết" in out[0] and "chưa liên kết" in out[1]
    session.expire_all()
    assert session.exec(select(TelegramLink).where(TelegramLink.chat_id == 501)).one().active is False


def test_list_commands_in_vietnamese(engine, world, fake_tg):
    run_updates(engine, fake_tg, *[fake_tg.inject_message(501, c) for c in
                                   ("/viec", "/quahan", "/homnay", "/tuannay", "/trogiup")])
    viec, quahan, homnay, tuannay, trogiup = replies(fake_tg, 501)
    assert "Nhiệm vụ đang mở (2)" in viec and "Rà soát hồ sơ" in viec and "Tổng kết năm" in viec
    assert "Kiểm tra an toàn" not in viec  # another unit's task
    assert "Nhiệm vụ quá hạn (1)" in quahan and "quá hạn 2 ngày làm việc" in quahan
    assert "Không có nhiệm vụ nào" in homnay
    assert "tuần này (2)" in tuannay
    assert "/quahan" in trogiup
    run_updates(engine, fake_tg, fake_tg.inject_message(502, "/viec"))
    yte = replies(fake_tg, 502)[0]
    assert "Kiểm tra an toàn" in yte and "Tổng kết năm" in yte and "phối hợp" in yte


def test_done_button_moves_to_awaiting_confirmation_once(session, engine, world, fake_tg):
    t1 = world["t1"]
    data = messages.callback_data(messages.DONE, t1.id, t1.version)
    tap = fake_tg.inject_callback(501, data)
    tap2 = fake_tg.inject_callback(501, data)  # double tap
    run_updates(engine, fake_tg, tap, tap2)
    session.expire_all()
    task = session.get(Task, t1.id)
    assert task.status == "cho_xac_nhan" and task.version == 2
    events = session.exec(select(TaskEvent).where(TaskEvent.task_id == t1.id, TaskEvent.kind == "status")).all()
    assert len(events) == 1 and events[0].channel == "telegram" and events[0].new_value == "cho_xac_nhan"
    answers = [c["params"].get("text", "") for c in fake_tg.calls_of("answerCallbackQuery")]
    assert answers[0] == "Đã báo hoàn thành." and "đã thay đổi" in answers[1]
    assert any("chờ Văn phòng xác nhận" in t for t in replies(fake_tg, 501))


def test_forged_callback_for_another_units_task_is_refused_and_logged(session, engine, world, fake_tg, caplog):
    t2 = world["t2"]  # Sở Y tế's task; chat 501 is Sở Tài chính
    caplog.set_level(logging.WARNING)
    run_updates(engine, fake_tg, fake_tg.inject_callback(501, f"dn:{t2.id}:{t2.version}"),
                fake_tg.inject_callback(501, "dn:abc:1"))
    session.expire_all()
    assert session.get(Task, t2.id).status == "chua_thuc_hien"
    answers = [c["params"] for c in fake_tg.calls_of("answerCallbackQuery")]
    assert "không có quyền" in answers[0]["text"] and answers[0]["show_alert"] in ("true", True)
    assert "không hợp lệ" in answers[1]["text"]
    assert "Từ chối callback" in caplog.text
    audits = session.exec(select(AuditEvent).where(AuditEvent.entity == "telegram_callback")).all()
    assert [a.action for a in audits] == ["refused", "refused"]


def test_coordinating_unit_cannot_complete(session, engine, world, fake_tg):
    t3 = world["t3"]
    run_updates(engine, fake_tg, fake_tg.inject_callback(502, f"dn:{t3.id}:{t3.version}"))
    session.expire_all()
    assert session.get(Task, t3.id).status == "chua_thuc_hien"


def test_progress_update_asks_and_records(session, engine, world, fake_tg):
    t1 = world["t1"]
    run_updates(engine, fake_tg, fake_tg.inject_callback(501, f"pg:{t1.id}:{t1.version}"))
    prompt = replies(fake_tg, 501)[-1]
    assert f"#{t1.id} (phiên bản 1)" in prompt
    reply = fake_tg.inject_message(501, "60% Đã xong dự thảo báo cáo")
    reply["message"]["reply_to_message"] = {"message_id": 5, "date": 0, "chat": {"id": 501, "type": "private"},
                                            "text": prompt}
    run_updates(engine, fake_tg, reply)
    session.expire_all()
    task = session.get(Task, t1.id)
    assert task.progress == 60 and task.status == "dang_thuc_hien"
    ev = session.exec(select(TaskEvent).where(TaskEvent.task_id == t1.id, TaskEvent.kind == "progress")).one()
    assert ev.channel == "telegram" and ev.new_value == "60"
    assert "60%" in replies(fake_tg, 501)[-1]


def test_extension_request_from_chat(session, engine, world, fake_tg):
    t1 = world["t1"]
    tap = fake_tg.inject_callback(501, f"ex:{t1.id}:{t1.version}")
    bad = fake_tg.inject_message(501, "31/02/2026 lý do")
    good = fake_tg.inject_message(501, "31/12/2026 Chờ ý kiến các sở")
    run_updates(engine, fake_tg, tap, bad, good)  # same Application: the chat remembers the prompt
    out = replies(fake_tg, 501)
    assert "không tồn tại" in out[-2] and "Đã gửi đề nghị gia hạn" in out[-1]
    req = session.exec(select(ExtensionRequest)).one()
    assert req.requested_date == date(2026, 12, 31) and req.reason == "Chờ ý kiến các sở"
    assert session.exec(select(TaskEvent).where(TaskEvent.kind == "extension_requested")).one().channel == "telegram"


def test_snooze_writes_one_reminder(session, engine, world, fake_tg):
    t1 = world["t1"]
    menu = fake_tg.inject_callback(501, f"sz:{t1.id}:{t1.version}")
    tomorrow = fake_tg.inject_callback(501, f"st:{t1.id}:{t1.version}")
    again = fake_tg.inject_callback(501, f"st:{t1.id}:{t1.version}")
    monday = fake_tg.inject_callback(501, f"sm:{t1.id}:{t1.version}")
    run_updates(engine, fake_tg, menu, tomorrow, again, monday)
    rows = session.exec(select(Notification).where(Notification.kind == "snooze").order_by(Notification.due_at)).all()
    assert [r.due_at for r in rows] == [vn(2026, 11, 27, 8, 0), vn(2026, 11, 30, 8, 0)]
    markups = [c["params"].get("reply_markup", "") for c in fake_tg.calls_of("editMessageReplyMarkup")]
    assert f"st:{t1.id}:1" in markups[0] and f"dn:{t1.id}:1" in markups[1]  # menu, then back


def test_callback_data_fits_64_bytes():
    for act in messages.ACTIONS:
        assert len(messages.callback_data(act, 2**31 - 1, 2**31 - 1).encode()) <= 64


def test_lists_carry_buttons_and_an_action_answers_with_fresh_ones(session, engine, world, fake_tg):
    t1 = world["t1"]
    run_updates(engine, fake_tg, fake_tg.inject_message(501, "/quahan"))
    (msg,) = fake_tg.sent_messages(501)
    assert f"dn:{t1.id}:1" in msg["reply_markup"] and f"pg:{t1.id}:1" in msg["reply_markup"]
    run_updates(engine, fake_tg, fake_tg.inject_callback(501, f"pg:{t1.id}:{t1.version}"))
    prompt = replies(fake_tg, 501)[-1]
    reply = fake_tg.inject_message(501, "40 Đang tổng hợp")
    reply["message"]["reply_to_message"] = {"message_id": 5, "date": 0, "chat": {"id": 501, "type": "private"},
                                            "text": prompt}
    run_updates(engine, fake_tg, reply)
    session.expire_all()
    version = session.get(Task, t1.id).version
    last = fake_tg.sent_messages(501)[-1]
    assert "40%" in last["text"] and f"dn:{t1.id}:{version}" in last["reply_markup"] and version > 1


def test_start_token_in_another_persons_chat_asks_before_moving(session, engine, world, fake_tg, make_user):
    newcomer = make_user("moi", "staff", world["a"])
    token = links.create_link_token(session, newcomer, now=NOW)
    run_updates(engine, fake_tg, fake_tg.inject_message(501, f"/start {token}"))
    ask = fake_tg.sent_messages(501)[-1]
    assert "đang nhận nhắc việc của tài khoản <b>canbo</b>" in ask["text"] and f"mv:{token}" in ask["reply_markup"]
    session.expire_all()
    assert links.user_for_chat(session, 501).login == "canbo"  # nothing moved yet
    run_updates(engine, fake_tg, fake_tg.inject_callback(501, "mv:no"))
    assert "giữ nguyên" in replies(fake_tg, 501)[-1]
    run_updates(engine, fake_tg, fake_tg.inject_callback(501, f"mv:{token}"))
    assert "Đã liên kết tài khoản" in replies(fake_tg, 501)[-1]
    session.expire_all()
    assert links.user_for_chat(session, 501).login == "moi"
