"""CLI: reminders run-once (dry run and with the fake API), telegram link."""
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tests.followup.conftest import TOKEN
from tracker.models import Notification
from tracker.models import TelegramLink
from tracker.settings import reconfigure


def test_run_once_dry_run_prints_what_it_did(app, runner, session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    runner.invoke(args=["telegram", "link", "cb", "777"])
    make_task(unit, deadline=date(2026, 12, 1))
    out = runner.invoke(args=["reminders", "run-once", "--now", "2026-11-30T08:05"]).output
    # one daily message per channel: the web inbox (delivered at once) and Telegram (dry run: waits)
    assert "Quét lúc 08:05 30/11/2026: Tin nhắc việc hằng ngày 2" in out
    assert "Gửi web: đã gửi 1" in out
    assert "Chưa đặt TELEGRAM_BOT_TOKEN" in out and "Hàng đợi: 1 thông báo chờ gửi." in out
    again = runner.invoke(args=["reminders", "run-once", "--now", "2026-11-30T08:06"]).output
    assert "không có nhắc việc mới" in again
    bad = runner.invoke(args=["reminders", "run-once", "--now", "hôm qua"])
    assert bad.exit_code != 0 and "--now không hợp lệ" in bad.output


def test_run_once_sends_through_the_bot_api(app, runner, session, make_unit, make_user, make_task, fake_tg):
    unit = make_unit()
    make_user("cb", "staff", unit)
    assert runner.invoke(args=["telegram", "link", "cb", "777"]).output.strip() == "Đã liên kết cb với chat 777."
    make_task(unit, deadline=date(2026, 12, 1))
    reconfigure(app, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake_tg.base_url)
    out = runner.invoke(args=["reminders", "run-once", "--now", "2026-11-30T08:05+07:00"]).output
    assert "Gửi telegram: đã gửi 1" in out and "Gửi web: đã gửi 1" in out
    assert len(fake_tg.sent_messages(777)) == 1  # one message a day, not one per task
    assert {n.status for n in session.exec(select(Notification)).all()} == {"sent"}


def test_telegram_link_unknown_login(runner, session):
    result = runner.invoke(args=["telegram", "link", "khongco", "5"])
    assert result.exit_code != 0 and "Không có tài khoản 'khongco'" in result.output
    assert session.exec(select(TelegramLink)).first() is None


def test_worker_startup_line_without_token(app):
    from tracker.followup.worker import startup_line

    assert startup_line(app).startswith("Chưa đặt TELEGRAM_BOT_TOKEN: chạy thử")
    assert "\n" not in startup_line(app)


def test_a_bad_reminder_setting_stops_start_up_in_one_line(tmp_path):
    """The settings are validated once, when the app is built (worker, run-once and web alike)."""
    import subprocess
    import sys

    from tracker import ConfigError
    from tracker import create_app

    with pytest.raises(ConfigError, match="Cấu hình nhắc việc không hợp lệ: Giờ không hợp lệ: '8h'"):
        create_app({"REMINDER_TIME": "8h", "SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path),
                    "SKIP_DB_CHECK": True})
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path), "REMINDER_TIME": "8h"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "reminders", "run-once"],
                            capture_output=True, text=True, env=env, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode != 0 and "Cấu hình nhắc việc không hợp lệ: Giờ không hợp lệ: '8h'" in result.stderr
    assert "Traceback" not in result.stderr
