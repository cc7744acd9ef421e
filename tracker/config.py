"""Configuration from environment variables, with documented defaults.

Every setting can be given as an environment variable of the same name; tests pass
a mapping to `create_app` instead. Production mode (`TRACKER_ENV=production`) refuses
to start without an explicit `SECRET_KEY`; development generates one under `instance/`.
"""
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """A configuration problem that stops start-up with one clear line."""


DEFAULTS = {
    "TRACKER_ENV": "development",
    "DATABASE_URL": None,  # None: SQLite file instance/tracker.db
    "SECRET_KEY": None,
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "TELEGRAM_BOT_TOKEN": None,
    "TELEGRAM_API_URL": "https://api.telegram.org/bot",
    "TELEGRAM_BOT_USERNAME": None,  # the worker learns the name from getMe; set only to override
    "TELEGRAM_MODE": "polling",  # polling | webhook
    "TELEGRAM_WEBHOOK_SECRET": None,
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "DUE_SOON_DAYS": 3,
    "MAX_DIRECTIVE_BYTES": 2 * 1024 * 1024,
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "MAX_SCAN_BYTES": 50 * 1024 * 1024,   # directive files (Word, PDF, scans); evidence keeps MAX_UPLOAD_BYTES
    "SCHEDULER_ENABLED": False,
    # the issuing body in the periodic report's header (Nghị định 30/2020, Phụ lục I)
    "ORG_PARENT": "ỦY BAN NHÂN DÂN TỈNH",
    "ORG_NAME": "VĂN PHÒNG",
    "ORG_PLACE": "",
    "REPORT_SIGNER_TITLE": "CHÁNH VĂN PHÒNG",
    "SESSION_MAX_HOURS": 12,        # absolute lifetime of a sign-in, however often it is renewed
    "LOGIN_THROTTLE_ACCOUNT": 10,   # failures per account per 15 minutes before slowing down
    "LOGIN_THROTTLE_ADDRESS": 50,   # failures per address per 15 minutes
    "REQUIRE_ADMIN_2FA": None,      # None: true when TRACKER_ENV=production, false elsewhere
    # E-mail channel (issue 15): no SMTP_HOST = dry run (e-mails wait in the outbox)
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": None,
    # Zalo Bot Platform channel: no ZALO_BOT_TOKEN = dry run
    "ZALO_BOT_TOKEN": None,
    "ZALO_API_URL": "https://bot-api.zaloplatforms.com",
    "ZALO_MODE": "polling",  # polling | webhook
    "ZALO_WEBHOOK_SECRET": None,
    # Intake mailbox (issue 17): directives forwarded by e-mail become drafts; no host = off
    "INTAKE_IMAP_HOST": None,
    "INTAKE_IMAP_PORT": None,          # None: 993 with SSL, 143 without
    "INTAKE_IMAP_USER": None,
    "INTAKE_IMAP_PASSWORD": None,
    "INTAKE_IMAP_FOLDER": "INBOX",
    "INTAKE_IMAP_SSL": True,
    "INTAKE_IMAP_POLL_SECONDS": 60,
}

_INT_KEYS = {"DUE_SOON_DAYS", "MAX_DIRECTIVE_BYTES", "MAX_UPLOAD_BYTES", "MAX_SCAN_BYTES", "SESSION_MAX_HOURS",
             "LOGIN_THROTTLE_ACCOUNT", "LOGIN_THROTTLE_ADDRESS", "SMTP_PORT",
             "INTAKE_IMAP_PORT", "INTAKE_IMAP_POLL_SECONDS"}
_BOOL_KEYS = {"SCHEDULER_ENABLED", "REQUIRE_ADMIN_2FA", "SMTP_STARTTLS", "INTAKE_IMAP_SSL"}


def _coerce(key, value):
    if key in _INT_KEYS and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{key} phải là số nguyên, nhận được {value!r}") from None
    if key in _BOOL_KEYS and isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Merge defaults, environment and overrides, then validate."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if key in os.environ:
            config[key] = os.environ[key]
    if overrides:
        config.update(overrides)
    for key in list(config):
        config[key] = _coerce(key, config[key])

    try:
        config["TZ"] = ZoneInfo(str(config["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE không hợp lệ: {config['TIMEZONE']!r} (ví dụ: Asia/Ho_Chi_Minh)") from None

    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "tracker.db")
    config["DATABASE_URL"] = normalize_database_url(config["DATABASE_URL"])

    if config["REQUIRE_ADMIN_2FA"] is None:
        config["REQUIRE_ADMIN_2FA"] = config["TRACKER_ENV"] == "production"
    if config.get("SMTP_HOST") and not config.get("MAIL_FROM"):
        raise ConfigError("MAIL_FROM chưa được đặt: bắt buộc khi có SMTP_HOST (địa chỉ người gửi thư nhắc việc)")
    if config.get("ZALO_MODE") not in ("polling", "webhook"):
        raise ConfigError(f"ZALO_MODE phải là polling hoặc webhook, nhận được {config.get('ZALO_MODE')!r}")

    if not config["SECRET_KEY"]:
        if config["TRACKER_ENV"] == "production":
            raise ConfigError("SECRET_KEY chưa được đặt: bắt buộc khi TRACKER_ENV=production "
                              "(tạo bằng: python -m tracker.secretkey /etc/directive-tracker/tracker.env)")
        config["SECRET_KEY"] = _instance_secret(instance_path)
    elif config["TRACKER_ENV"] == "production":
        check_production_secret(str(config["SECRET_KEY"]))
    return config


# Values seen in examples, tutorials and our own files; a key equal to one of them is public.
PLACEHOLDER_SECRETS = frozenset({
    "change-me", "changeme", "change_me", "changethis", "change-this", "secret", "secret-key", "secret_key",
    "your-secret-key", "your_secret_key", "dev", "development", "test", "testing", "password", "default",
    "replace-me", "xxx", "none", "null",
})
MIN_SECRET_BYTES = 32


def check_production_secret(key: str) -> None:
    """Refuse a placeholder or short SECRET_KEY: anyone who knows it can sign a session cookie."""
    stripped = key.strip()
    if stripped.lower() in PLACEHOLDER_SECRETS or "change-me" in stripped.lower():
        raise ConfigError("SECRET_KEY là giá trị mẫu công khai, không dùng được khi TRACKER_ENV=production "
                          "(tạo khoá mới: python -m tracker.secretkey)")
    if len(stripped.encode()) < MIN_SECRET_BYTES or len(set(stripped)) < 8:
        raise ConfigError(f"SECRET_KEY quá ngắn hoặc quá đơn giản (cần ít nhất {MIN_SECRET_BYTES} byte ngẫu nhiên) "
                          "khi TRACKER_ENV=production (tạo khoá mới: python -m tracker.secretkey)")


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual ways."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str) -> str:
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
