"""Pages: /profile/notifications (settings, Telegram link) and /admin/outbox (dry run); the webhook route."""
import re
from datetime import date

from sqlmodel import select

from tests.followup.conftest import TOKEN
from tests.followup.conftest import vn
from tracker.channels.telegram import links
from tracker.followup.sweep import sweep
from tracker.models import Notification
from tracker.models import TelegramLink
from tracker.models import User
from tracker.settings import reconfigure


def test_settings_page_saves_valid_values(client, session, login, make_unit, make_user):
    user = make_user("canbo", "staff", make_unit())
    login(user)
    page = client.get("/profile/notifications")
    # REMINDER_TIME
    assert page.status_code == 200 and "Cài đặt nhắc việc" in page.text and 'value="08:00"' in page.text
    r = client.post("/profile/notifications", data={
        "notify_enabled": "on", "digest_time": "06:45", "lead_days": "5, 2,0,2",
        "quiet_start": "22:30", "quiet_end": "06:00"})
    assert r.status_code == 302
    session.expire_all()
    u = session.get(User, user.id)
    assert (u.digest_time, u.lead_days, u.quiet_start, u.quiet_end, u.skip_non_working_days, u.notify_enabled) == \
        ("06:45", "5,2,0", "22:30", "06:00", False, True)


def test_settings_page_rejects_bad_values_in_vietnamese(client, session, login, make_unit, make_user):
    user = make_user("canbo", "staff", make_unit())
    login(user)
    r = client.post("/profile/notifications", data={
        "digest_time": "25:00", "lead_days": "3,abc", "quiet_start": "21:00", "quiet_end": "7h"})
    assert r.status_code == 422
    assert "Giờ nhận tổng hợp: nhập giờ dạng HH:MM" in r.text and "không hợp lệ" in r.text
    assert 'value="25:00"' in r.text  # what was typed is kept
    session.expire_all()
    assert session.get(User, user.id).digest_time == ""  # unchanged: follows REMINDER_TIME


def test_telegram_link_panel_shows_deep_link_and_start_command(client, session, login, make_unit, make_user, app):
    user = make_user("canbo", "staff", make_unit())
    login(user)
    from tracker.followup.worker import save_bot_username

    save_bot_username(app, "telegram", "so_kh_tracker_bot")  # what the worker learnt from getMe
    r = client.post("/profile/notifications/telegram")
    bot = "so_kh_tracker_bot"
    assert "directive_tracker_bot" not in r.text
    m = re.search(rf"https://t\.me/{bot}\?start=([A-Za-z0-9_-]{{32}})", r.text)
    assert m, r.text
    token = m.group(1)
    assert f"/start {token}" in r.text
    links.consume_link_token(session, token, 4242)
    page = client.get("/profile/notifications")
    assert "4242" in page.text and "Huỷ liên kết" in page.text
    client.post("/profile/notifications/telegram/unlink")
    session.expire_all()
    assert session.exec(select(TelegramLink)).one().active is False


def test_outbox_is_for_admin_and_clerk_and_shows_dry_run(client, session, login, make_unit, make_user, make_task):
    unit = make_unit("Sở Giao thông Vận tải")
    make_user("canbo", "staff", unit)
    make_user("vanphong", "clerk")
    make_task(unit, action="Sửa chữa cầu Rạch Miễu", deadline=date(2026, 12, 1))
    sweep(session, vn(2026, 11, 30, 8, 5))
    login("canbo")
    assert client.get("/admin/outbox").status_code == 403
    client.post("/logout")
    login("vanphong")
    r = client.get("/admin/outbox")
    assert r.status_code == 200
    assert "Chạy thử" in r.text and "Sửa chữa cầu Rạch Miễu" in r.text and "Chờ gửi (" in r.text
    assert client.get("/admin/outbox?status=failed").text.count("Hàng đợi trống") == 1
    n = session.exec(select(Notification)).first()
    n.status = "failed"
    session.add(n)
    session.commit()
    assert client.post(f"/admin/outbox/{n.id}/retry").status_code == 302
    session.expire_all()
    assert session.get(Notification, n.id).status == "pending"


def test_webhook_checks_secret_and_processes_update(app, client, session, make_unit, make_user, fake_tg):
    user = make_user("canbo", "staff", make_unit())
    token = links.create_link_token(session, user)
    update = fake_tg.inject_message(555, f"/start {token}")
    assert client.post("/telegram/webhook", json=update).status_code == 404  # polling mode: no route
    reconfigure(app, TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_SECRET="s3cret", TELEGRAM_BOT_TOKEN=TOKEN,
                     TELEGRAM_API_URL=fake_tg.base_url)
    assert client.post("/telegram/webhook", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
    assert client.post("/telegram/webhook", data="x",
                       headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}).status_code == 400
    r = client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
    assert r.status_code == 200
    assert "Đã liên kết" in fake_tg.sent_messages(555)[0]["text"]
    assert session.exec(select(TelegramLink)).one().chat_id == 555
