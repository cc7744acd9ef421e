"""Every setting of the service in one typed, frozen object (issue #12).

`Settings.load(instance_path, overrides)` is built once per app from the defaults, the
environment (a variable of the same name, upper case) and the mapping given to
`create_app`, then validated; a bad value stops start-up with one Vietnamese line
(`ConfigError`). The app keeps it in `app.extensions["settings"]` (`of(app)`) and copies
the values into `app.config` under the same names for Flask, templates and older code.

Readers take the parts they need as plain values: the reminder policy gets
`settings.reminders` (a `policy.ReminderSettings`, zone included), the sender
`settings.sender`, the channels `settings` itself, and `tracker.services.clock` the zone.

The README's configuration table is generated from the fields (`python -m tracker.settings`)
and a test keeps the two equal.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from tracker.followup import policy


class ConfigError(Exception):
    """A configuration problem that stops start-up with one clear line."""


def _s(default, doc: str, shown: str | None = None):
    """A documented setting: `shown` is the README's default column (the value in backquotes if omitted)."""
    return field(default=default, metadata={"doc": doc, "shown": shown})


@dataclass(frozen=True)
class SenderSettings:
    """Limits of one sender pass (SENDER_* settings)."""

    batch_size: int = 50
    overall_rate: float = 30.0        # messages per second, all chats
    per_chat_interval: float = 1.0    # seconds between two messages to one chat
    max_attempts: int = 8
    backoff_base: float = 5.0         # seconds; doubles per attempt
    backoff_max: float = 3600.0
    lease_seconds: float = 30.0       # a claimed/sending row older than this belongs to a dead sender
    uncertain_retry_seconds: float = 60.0  # a timed-out send is retried once, this much later
    max_inline_wait: float = 30.0     # a longer 429 ends the pass instead of sleeping


@dataclass(frozen=True)
class Settings:
    """The service's settings; field `x_y` is the environment variable `X_Y`."""

    database_url: str | None = _s(None, "SQLAlchemy URL; `postgresql://…` uses psycopg 3",
                                  "`sqlite:///instance/tracker.db`")
    secret_key: str | None = _s(None, "required when `TRACKER_ENV=production`", "generated into `instance/secret_key`")
    tracker_env: str = _s("development", "`production` enforces `SECRET_KEY` and secure cookies")
    timezone: str = _s("Asia/Ho_Chi_Minh", "the local time zone: \"today\", deadlines, reminder and quiet hours")
    instance_path: str = _s("./instance", "SQLite file, secret key, uploads, worker lock")
    due_soon_days: int = _s(3, "window of \"sắp đến hạn\"")
    public_url: str = _s("http://127.0.0.1:5000", "used for links in messages")
    max_directive_bytes: int = _s(2 * 1024 * 1024, "input limit: text of a directive", "2 MB")
    max_upload_bytes: int = _s(10 * 1024 * 1024, "input limit: evidence files", "10 MB")
    export_job_rows: int = _s(10_000, "an export (task list, dashboard workbook) with more rows than this is built by "
                              "the worker: the page shows its progress, then the download link; the file is kept 24 "
                              "hours, for the person who asked (and admins)")
    max_scan_bytes: int = _s(50 * 1024 * 1024, "directive files (Word, PDF, scans, photos) and Excel tracking sheets",
                             "50 MB")
    # the issuing body in the periodic report's header (Nghị định 30/2020, Phụ lục I)
    org_parent: str = _s("ỦY BAN NHÂN DÂN TỈNH", "the issuing body's parent, first line of the report/export header")
    org_name: str = _s("VĂN PHÒNG", "the issuing body (bold, second line)")
    org_place: str = _s("", "the place in the place-date line (\"Thanh Hóa, ngày … tháng … năm …\")", "empty (`……`)")
    report_signer_title: str = _s("CHÁNH VĂN PHÒNG",
                                  "the signer's title in the signature block (a newline for \"KT.\" forms)")
    session_max_hours: int = _s(12, "absolute lifetime of a sign-in, however often it is renewed")
    login_throttle_account: int = _s(10, "failed sign-ins per 15 minutes per account before answers slow down "
                                         "(no hard lock)")
    login_throttle_address: int = _s(50, "failed sign-ins per 15 minutes per address before answers slow down")
    secret_throttle_address: int = _s(30, "failed secrets per address per 15 minutes, counted per endpoint (API bearer "
                                      "token, calendar feed URL, unsubscribe URL, password-reset link, webhook secret "
                                      "header, `/healthz?details=1` token); past it 429 with `Retry-After` (JSON in "
                                      "the API and on webhooks, a Vietnamese page elsewhere)")
    secret_throttle_account: int = _s(5, "per named account per 15 minutes: password-reset requests (counted whether "
                                     "the login exists or not) and wrong two-factor codes on the profile; Telegram/Zalo"
                                     " "
                                     "link codes are limited to 10 wrong codes per chat (fixed)")
    require_admin_2fa: bool | None = _s(None, "admins must sign in with TOTP (pyotp)", "true in production")
    # Telegram
    telegram_bot_token: str | None = _s(None, "without it reminders stay in the outbox (dry run page)", "unset")
    telegram_api_url: str = _s("https://api.telegram.org/bot", "Bot API base URL (python-telegram-bot `base_url`)")
    telegram_mode: str = _s("polling", "`polling` (inside the worker) or `webhook`")
    telegram_webhook_secret: str | None = _s(None, "checked against `X-Telegram-Bot-Api-Secret-Token`", "unset")
    telegram_bot_username: str | None = _s(None, "overrides the name getMe gives (profile page's t.me link)", "unset")
    telegram_poll_interval: float = _s(0.0, "seconds between two getUpdates calls of the worker", "`0`")
    telegram_poll_timeout: int = _s(10, "long-polling timeout of getUpdates, seconds")
    # E-mail (issue 15): no SMTP_HOST = dry run (e-mails wait in the outbox)
    smtp_host: str | None = _s(None, "without it e-mails stay in the outbox (dry run)", "unset")
    smtp_port: int = _s(587, "")
    smtp_user: str | None = _s(None, "SMTP login when set", "unset")
    smtp_password: str | None = _s(None, "SMTP password when set", "unset")
    smtp_starttls: bool = _s(True, "`false` for a local relay without TLS", "`true`")
    mail_from: str | None = _s(None, "sender address; required when `SMTP_HOST` is set", "unset")
    # Zalo Bot Platform: no ZALO_BOT_TOKEN = dry run
    zalo_bot_token: str | None = _s(None, "Zalo Bot Platform token; without it Zalo messages stay in the outbox",
                                    "unset")
    zalo_api_url: str = _s("https://bot-api.zaloplatforms.com", "Bot Platform base URL")
    zalo_mode: str = _s("polling", "`polling` (getUpdates in the worker) or `webhook`")
    zalo_webhook_secret: str | None = _s(None, "given to setWebhook, checked against `X-Bot-Api-Secret-Token` on "
                                               "`/zalo/webhook`", "unset")
    zalo_poll_timeout: int = _s(10, "long-polling timeout of Zalo getUpdates, seconds")
    # Reminder policy (tracker/followup/policy.py)
    intake_imap_host: str | None = _s(None, "intake mailbox: directives e-mailed to it (.docx, .pdf, scans, photos "
                                      "attached) become drafts; unset = off", "unset")
    intake_imap_port: int | None = _s(None, "IMAP port", "993 with SSL, 143 without")
    intake_imap_user: str | None = _s(None, "IMAP login", "unset")
    intake_imap_password: str | None = _s(None, "IMAP password", "unset")
    intake_imap_folder: str = _s("INBOX", "folder whose unseen messages are imported, then marked seen")
    intake_imap_ssl: bool = _s(True, "IMAP over TLS (`false` for a local server)", "`true`")
    intake_imap_poll_seconds: float = _s(60.0, "how often the worker reads the mailbox (in its own thread, beside the "
                                           "sweep), seconds", "`60`")

    reminder_lead_days: str = _s("3,1,0", "days before a deadline a reminder is due (0 = the day itself)")
    reminder_time: str = _s("08:00", "the daily message's time when a person has not chosen one")
    reminder_escalate_after: int = _s(3, "working days overdue before the unit head is told")
    reminder_weekly_time: str = _s("08:00", "time of the leaders' weekly summary (Monday)")
    reminder_digest_window_days: int = _s(7, "days ahead the daily message lists upcoming deadlines")
    # Sender and worker
    sender_batch_size: int = _s(50, "notifications claimed per sender pass")
    sender_rate: float = _s(30.0, "messages per second, all chats of a channel", "`30`")
    sender_per_chat_interval: float = _s(1.0, "seconds between two messages to one chat", "`1`")
    sender_max_attempts: int = _s(8, "attempts before a notification is marked failed")
    sender_backoff_base: float = _s(5.0, "seconds before the first retry; doubles per attempt", "`5`")
    sender_lease_seconds: float = _s(30.0, "a claimed/sending row older than this belongs to a dead sender", "`30`")
    sweep_interval_seconds: float = _s(60.0, "how often the worker sweeps for due reminders", "`60`")
    send_interval_seconds: float = _s(5.0, "how often the worker sends from the outbox", "`5`")
    job_poll_seconds: float = _s(2.0, "how often the worker looks for background jobs (OCR, large exports) when the"
                                      " queue is empty",
                                 "`2`")
    worker_lock_poll: float = _s(5.0, "how often a second worker checks whether the first one stopped", "`5`")
    followup_clock_start: str | None = _s(None, "demos and tests: the worker's clock starts at this local time "
                                                "(ISO 8601)", "unset")

    # derived, validated in __post_init__
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    reminders: policy.ReminderSettings = field(init=False, repr=False, compare=False)
    sender: SenderSettings = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for f in documented_fields():
            object.__setattr__(self, f.name, _coerce(f, getattr(self, f.name)))
        try:
            tz = ZoneInfo(str(self.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"TIMEZONE không hợp lệ: {self.timezone!r} (ví dụ: Asia/Ho_Chi_Minh)") from None
        object.__setattr__(self, "tz", tz)
        if self.require_admin_2fa is None:
            object.__setattr__(self, "require_admin_2fa", self.tracker_env == "production")
        if self.database_url:
            object.__setattr__(self, "database_url", normalize_database_url(self.database_url))
        if self.smtp_host and not self.mail_from:
            raise ConfigError("MAIL_FROM chưa được đặt: bắt buộc khi có SMTP_HOST (địa chỉ người gửi thư nhắc việc)")
        for key in ("zalo_mode", "telegram_mode"):
            if getattr(self, key) not in ("polling", "webhook"):
                raise ConfigError(f"{key.upper()} phải là polling hoặc webhook, nhận được {getattr(self, key)!r}")
        object.__setattr__(self, "reminders", self._reminders(tz))
        object.__setattr__(self, "sender", SenderSettings(
            batch_size=self.sender_batch_size, overall_rate=self.sender_rate,
            per_chat_interval=self.sender_per_chat_interval, max_attempts=self.sender_max_attempts,
            backoff_base=self.sender_backoff_base, lease_seconds=self.sender_lease_seconds))

    def _reminders(self, tz: ZoneInfo) -> policy.ReminderSettings:
        try:
            return policy.ReminderSettings(
                lead_days=policy.parse_lead_days(self.reminder_lead_days),
                reminder_time=policy.parse_hhmm(self.reminder_time),
                escalate_after_working_days=self.reminder_escalate_after,
                weekly_summary_time=policy.parse_hhmm(self.reminder_weekly_time),
                digest_window_days=self.reminder_digest_window_days,
                tz=tz,
            )
        except policy.PolicyError as exc:
            raise ConfigError(f"Cấu hình nhắc việc không hợp lệ: {exc}") from None

    @classmethod
    def load(cls, instance_path: str | None = None, overrides: dict | None = None,
             environ: dict | None = None) -> Settings:
        """Defaults, then the environment, then `overrides` (the mapping given to `create_app`)."""
        environ = os.environ if environ is None else environ
        overrides = overrides or {}
        values: dict[str, Any] = {}
        for f in documented_fields():
            key = f.name.upper()
            if key in environ:
                values[f.name] = environ[key]
            if key in overrides:
                values[f.name] = overrides[key]
        if instance_path is not None:
            values["instance_path"] = instance_path
        settings = cls(**values)
        path = settings.instance_path
        changes: dict[str, Any] = {}
        if not settings.database_url:
            changes["database_url"] = "sqlite:///" + str(Path(path) / "tracker.db")
        if not settings.secret_key:
            if settings.tracker_env == "production":
                raise ConfigError("SECRET_KEY chưa được đặt: bắt buộc khi TRACKER_ENV=production "
                                  "(tạo bằng: python -m tracker.secretkey /etc/directive-tracker/tracker.env)")
            changes["secret_key"] = _instance_secret(path)
        elif settings.tracker_env == "production":
            check_production_secret(str(settings.secret_key))
        return dataclasses.replace(settings, **changes) if changes else settings

    def as_config(self) -> dict[str, Any]:
        """The values under their environment names, for `app.config` (plus `TZ`, the zone)."""
        out = {f.name.upper(): getattr(self, f.name) for f in documented_fields()}
        out["TZ"] = self.tz
        return out


def documented_fields() -> tuple[dataclasses.Field, ...]:
    return tuple(f for f in dataclasses.fields(Settings) if f.init)


def defaults() -> dict[str, Any]:
    """Every setting's default under its environment name (before derivation)."""
    return {f.name.upper(): f.default for f in documented_fields()}


_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(f: dataclasses.Field, value):
    """A string from the environment to the field's type; a wrong number is a ConfigError."""
    if value is None or not isinstance(value, str):
        if isinstance(value, bool) or value is None:
            return value
        kind = f.type
        if "float" in kind and isinstance(value, int):
            return float(value)
        return value
    kind = f.type  # a string under `from __future__ import annotations`
    text = value.strip()
    if kind.startswith("bool"):
        return text.lower() in _BOOL_TRUE
    if kind.startswith("int") or kind.startswith("float"):
        if text == "" and "None" in kind:
            return None
        if text == "":
            return f.default
        cast = int if kind.startswith("int") else float
        try:
            return cast(text)
        except ValueError:
            word = "số nguyên" if cast is int else "số"
            raise ConfigError(f"{f.name.upper()} phải là {word}, nhận được {value!r}") from None
    if text == "" and "None" in kind:
        return None
    return value


def of(app) -> Settings:
    """The settings of a Flask app (built by `create_app`)."""
    return app.extensions["settings"]


def current() -> Settings | None:
    """The settings of the Flask app in context, or None outside one (scripts, pure tests)."""
    flask = sys.modules.get("flask")
    if flask is None or not flask.has_app_context():
        return None
    return flask.current_app.extensions.get("settings")


def reconfigure(app, **changes) -> Settings:
    """Rebuild the app's settings with `changes` (environment names), validated like at start-up.

    For tests and the demo: the running code reads the settings object, not `app.config`."""
    merged = {**of(app).as_config(), **changes}
    merged.pop("TZ", None)
    settings = Settings.load(of(app).instance_path, merged, environ={})
    app.extensions["settings"] = settings
    app.config.update(settings.as_config())
    return settings


# --- start-up checks -------------------------------------------------------------------------------

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


# --- the README's table -----------------------------------------------------------------------------

def markdown_table() -> str:
    """The README's configuration table, one row per setting."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in documented_fields():
        shown = f.metadata["shown"]
        if shown is None:
            shown = f"`{f.default}`" if f.default != "" else "empty"
        rows.append(f"| `{f.name.upper()}` | {shown} | {f.metadata['doc']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
