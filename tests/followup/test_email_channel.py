"""E-mail against a real SMTP server on 127.0.0.1 (aiosmtpd): delivery, the RFC 8058
one-click unsubscribe, faults (4xx, 5xx, unreachable), the address from the CLI and the
profile, and the forgotten-password reset by e-mail."""
import asyncio
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.fakes.smtp_server import SmtpBox
from tests.fakes.smtp_server import _free_port
from tests.followup.conftest import vn
from tracker.channels.email.channel import EmailChannel
from tracker.followup import sender
from tracker.followup.sweep import sweep
from tracker.models import Notification
from tracker.models import User

FAST = sender.SenderSettings(overall_rate=1000, per_chat_interval=0, backoff_base=5)
URL = "http://tracker.test"


@pytest.fixture
def smtp():
    box = SmtpBox().start()
    yield box
    box.stop()


def channel(app, port):
    return EmailChannel("127.0.0.1", port, starttls=False, mail_from="nhacviec@tinh.gov.vn",
                        secret_key=app.config["SECRET_KEY"], public_url=URL)


def deliver(engine, ch, now):
    return asyncio.run(sender.deliver_pass(engine, ch, now=now, public_url=URL, settings=FAST))


@pytest.fixture
def mailed(session, make_unit, make_user, make_task):
    unit = make_unit("Sở Tư pháp")
    user = make_user("canbo", "staff", unit)
    user.email, user.display_name = "canbo@stp.gov.vn", "Đỗ Văn <Cán>"
    session.add(user)
    session.commit()
    task = make_task(unit, action="Rà soát văn bản quy phạm", deadline=date(2026, 12, 1))
    return user, task


def email_rows(session):
    session.expire_all()
    return session.exec(select(Notification).where(Notification.channel == "email")).all()


def test_daily_email_html_and_text_with_unsubscribe_headers(app, session, engine, smtp, mailed, client):
    user, task = mailed
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    assert deliver(engine, channel(app, smtp.port), now)["sent"] == 1
    (msg,) = smtp.to("canbo@stp.gov.vn")
    assert msg["Subject"] == "Nhắc việc ngày 30/11/2026" and msg["From"] == "nhacviec@tinh.gov.vn"
    html = msg.get_body(("html",)).get_content()
    plain = msg.get_body(("plain",)).get_content()
    assert "Kính gửi đồng chí Đỗ Văn &lt;Cán&gt;," in html and f'<a href="{URL}/tasks/{task.id}">' in html
    assert "Kính gửi đồng chí Đỗ Văn <Cán>," in plain and "còn 1 ngày" in plain
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsub = re.match(r"<(.+)>", msg["List-Unsubscribe"].strip()).group(1)
    # RFC 8058 one-click: a POST without login or CSRF token
    r = client.post(unsub.removeprefix(URL), data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 204
    session.expire_all()
    assert "email" in session.get(User, user.id).channels_off
    assert not [n for n in email_rows(session) if n.occurrence == date(2026, 12, 1)]
    sweep(session, vn(2026, 12, 1, 8, 0))
    assert [n.occurrence for n in email_rows(session)] == [date(2026, 11, 30)]
    # a forged token does nothing
    assert client.post("/unsubscribe/email/forged", data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_smtp_faults_retry_dead_letter_and_unreachable(app, session, engine, smtp, mailed):
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    smtp.fail_codes.append("421 4.3.2 Service not available, try later")
    stats = deliver(engine, channel(app, smtp.port), now)
    (row,) = email_rows(session)
    assert stats["retry"] == 1 and row.status == "pending" and "421" in row.last_error
    assert (row.next_attempt_at - now).total_seconds() == 5.0
    # unreachable server: retried, never lost
    dead = channel(app, _free_port())
    assert deliver(engine, dead, row.next_attempt_at)["retry"] == 1
    (row,) = email_rows(session)
    assert row.status == "pending" and "Không kết nối được" in row.last_error
    # a permanent refusal is the dead letter
    smtp.fail_codes.append("554 5.7.1 Rejected")
    assert deliver(engine, channel(app, smtp.port), row.next_attempt_at)["failed"] == 1
    (row,) = email_rows(session)
    assert row.status == "failed" and "554" in row.last_error and smtp.messages == []


def test_dry_run_without_smtp_host_and_mail_from_required():
    from tracker.config import ConfigError
    from tracker.config import load_config
    from tracker.settings import Settings

    assert EmailChannel.from_settings(Settings()).configured() is False
    with pytest.raises(ConfigError, match="MAIL_FROM"):
        load_config("/tmp/x-instance", {"SMTP_HOST": "smtp.tinh.gov.vn", "SECRET_KEY": "k" * 40})
    c = load_config("/tmp/x-instance", {"SMTP_HOST": "smtp", "MAIL_FROM": "a@b.vn", "SECRET_KEY": "k" * 40,
                                        "SMTP_STARTTLS": "false"})
    assert c["SMTP_PORT"] == 587 and c["SMTP_STARTTLS"] is False


def test_users_create_with_email_and_profile_address(app, runner, session, make_unit, client, login):
    unit = make_unit("Sở Y tế")
    out = runner.invoke(args=["users", "create", "bacsi", "--role", "staff", "--unit", str(unit.id),
                              "--email", "BacSi@SYT.gov.vn"], input="matkhau-1234\n")
    assert out.exit_code == 0, out.output
    user = session.exec(select(User).where(User.login == "bacsi")).one()
    assert user.email == "BacSi@syt.gov.vn"
    bad = runner.invoke(args=["users", "create", "x2", "--role", "leader", "--email", "not an address"],
                        input="matkhau-1234\n")
    assert bad.exit_code != 0 and "Địa chỉ thư điện tử không hợp lệ" in bad.output
    login(user)
    form = {"notify_enabled": "on", "digest_time": "08:00", "lead_days": "3,1,0", "quiet_start": "21:00",
            "quiet_end": "07:00", "skip_non_working_days": "on", "email": "khac@syt.gov.vn", "ch_telegram": "on"}
    assert client.post("/profile/notifications", data=form).status_code == 302
    session.expire_all()
    user = session.get(User, user.id)
    assert user.email == "khac@syt.gov.vn" and user.channels_off == "email,zalo" and user.digest_time == ""
    r = client.post("/profile/notifications", data={**form, "email": "a@@b"})
    assert r.status_code == 422 and "không hợp lệ" in r.text


def test_forgotten_password_reset_by_email(app, session, engine, smtp, mailed, client, login):
    user, _ = mailed
    r = client.post("/password/forgot", data={"login": "canbo"})
    assert r.status_code == 200 and "đặt lại mật khẩu" in r.text
    same = client.post("/password/forgot", data={"login": "khongco"})
    assert same.status_code == 200 and same.text == r.text  # no account probing
    now = datetime.now(UTC) + timedelta(seconds=5)  # asked for now: sent even at night
    deliver(engine, channel(app, smtp.port), now)
    (msg,) = smtp.to("canbo@stp.gov.vn")
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+)", msg.get_body(("plain",)).get_content()).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"new_password": "moi-mat-khau-9",
                                   "confirm_password": "moi-mat-khau-9"}).status_code == 200
    assert login("canbo", "moi-mat-khau-9").status_code == 302
    assert client.get(link).status_code == 404  # used: the password changed


def test_admin_sets_an_address(app, client, session, make_user, login):
    admin = make_user("quantri", "admin")
    target = make_user("lanhdao", "leader")
    login(admin)
    assert client.post(f"/admin/users/{target.id}/email", data={"email": "ld@ubnd.gov.vn"}).status_code == 302
    session.expire_all()
    assert session.get(User, target.id).email == "ld@ubnd.gov.vn"
    r = client.post(f"/admin/users/{target.id}/email", data={"email": "khong hop le"})
    assert r.status_code == 422 and "không hợp lệ" in r.text
    r = client.post("/admin/users", data={"login": "moi", "role": "leader", "password": "matkhau-1234",
                                          "email": "moi@ubnd.gov.vn"})
    assert r.status_code == 302
    assert session.exec(select(User).where(User.login == "moi")).one().email == "moi@ubnd.gov.vn"


def test_slow_smtp_server_is_retried_once_later_then_marked_uncertain(app, session, engine, smtp, mailed):
    """The server stores the message but answers after the client gave up: the row may have
    arrived, so it is retried once a minute later, then left "không chắc đã gửi"."""
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    slow = EmailChannel("127.0.0.1", smtp.port, starttls=False, mail_from="nhacviec@tinh.gov.vn",
                        secret_key=app.config["SECRET_KEY"], public_url=URL, timeout=0.3)
    smtp.delay = 1.0
    assert deliver(engine, slow, now)["uncertain"] == 1
    (row,) = email_rows(session)
    assert row.status == "pending" and row.last_error.startswith("Không chắc đã gửi")
    assert (row.next_attempt_at - now).total_seconds() == 60.0
    assert deliver(engine, slow, now + timedelta(seconds=30)) == {}  # not before the minute
    assert deliver(engine, slow, row.next_attempt_at)["uncertain"] == 1
    (row,) = email_rows(session)
    assert row.status == "uncertain"
    assert deliver(engine, slow, row.next_attempt_at + timedelta(minutes=5)) == {}  # no third send
    import time

    time.sleep(1.2)  # the server finishes storing what it was given
    assert len(smtp.to("canbo@stp.gov.vn")) <= 2  # at most the one allowed duplicate
