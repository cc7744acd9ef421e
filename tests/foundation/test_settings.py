"""One settings object (issue #12): typed, frozen, validated once, documented in the README."""
import dataclasses
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from tracker import create_app
from tracker.followup import policy
from tracker.services import clock
from tracker.settings import ConfigError
from tracker.settings import Settings
from tracker.settings import markdown_table
from tracker.settings import of
from tracker.settings import reconfigure

ROOT = Path(__file__).resolve().parents[2]
# 23:30 on Sunday 29 November 2026 in UTC is 06:30 on Monday 30 November in Vietnam
NOW = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)


def _app(tmp_path, **settings):
    return create_app({"SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path), "SKIP_DB_CHECK": True,
                       "TESTING": True, **settings})


def test_readme_table_is_the_settings_object():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| variable | default | meaning |")
    assert readme[start:readme.index("\n\n", start)] == markdown_table(), \
        "regenerate the table: python -m tracker.settings"
    assert "not done" not in readme[start - 400:start + 4000]


def test_built_once_from_defaults_environment_and_the_mapping():
    s = Settings.load("/tmp/x-instance", {"DUE_SOON_DAYS": "5", "SECRET_KEY": "k"},
                      environ={"DUE_SOON_DAYS": "4", "SENDER_RATE": "12.5", "SMTP_STARTTLS": "no"})
    assert (s.due_soon_days, s.sender.overall_rate, s.smtp_starttls) == (5, 12.5, False)
    assert s.database_url == "sqlite:////tmp/x-instance/tracker.db"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.due_soon_days = 7


@pytest.mark.parametrize(("key", "value", "message"), [
    ("TIMEZONE", "Mars/Olympus", "TIMEZONE không hợp lệ"),
    ("DUE_SOON_DAYS", "ba", "DUE_SOON_DAYS phải là số nguyên"),
    ("SENDER_RATE", "nhanh", "SENDER_RATE phải là số"),
    ("REMINDER_LEAD_DAYS", "3,x", "Cấu hình nhắc việc không hợp lệ"),
    ("TELEGRAM_MODE", "push", "TELEGRAM_MODE phải là polling hoặc webhook"),
])
def test_a_bad_value_stops_start_up_in_one_vietnamese_line(key, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load("/tmp/x-instance", {key: value, "SECRET_KEY": "k"}, environ={})


def test_app_config_is_a_view_of_the_settings(tmp_path):
    app = _app(tmp_path, DUE_SOON_DAYS="6")
    assert of(app).due_soon_days == app.config["DUE_SOON_DAYS"] == 6
    assert app.config["TZ"] is of(app).tz


def test_timezone_moves_today(tmp_path):
    with _app(tmp_path / "vn").app_context():
        assert clock.local_today(NOW).isoformat() == "2026-11-30"
    with _app(tmp_path / "utc", TIMEZONE="UTC").app_context():
        assert clock.local_today(NOW).isoformat() == "2026-11-29"
    assert clock.local_today(NOW).isoformat() == "2026-11-30"  # outside an app: the default zone


def test_timezone_moves_quiet_hours():
    """06:30 in Vietnam is inside the default quiet hours (21:00-07:00); 23:30 UTC on a Sunday is
    a day off; 14:30 UTC on a Monday (21:30 in Vietnam) may be delivered only where it is 14:30."""
    vn = Settings.load("/tmp/x-instance", {"SECRET_KEY": "k"}, environ={}).reminders
    utc = Settings.load("/tmp/x-instance", {"SECRET_KEY": "k", "TIMEZONE": "UTC"}, environ={}).reminders
    prefs = policy.UserPrefs()
    monday_afternoon_utc = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    assert policy.may_deliver_at(prefs, policy.local_now(monday_afternoon_utc, utc.tz))
    assert not policy.may_deliver_at(prefs, policy.local_now(monday_afternoon_utc, vn.tz))
    assert policy.delivery_time(prefs, policy.local_now(NOW, vn.tz)).strftime("%H:%M %d/%m") == "07:00 30/11"
    assert policy.delivery_time(prefs, policy.local_now(NOW, utc.tz)).strftime("%H:%M %d/%m") == "07:00 30/11"
    assert policy.delivery_time(prefs, policy.local_now(NOW, utc.tz)).utcoffset().total_seconds() == 0


def test_run_once_reports_the_sweep_in_the_configured_zone(app, runner):
    out = runner.invoke(args=["reminders", "run-once", "--now", "2026-11-30T08:05+07:00"]).output
    assert "Quét lúc 08:05 30/11/2026" in out
    reconfigure(app, TIMEZONE="UTC")
    out = runner.invoke(args=["reminders", "run-once", "--now", "2026-11-30T08:05+07:00"]).output
    assert "Quét lúc 01:05 30/11/2026" in out
