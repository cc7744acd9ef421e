"""The worker: the ONE process that sweeps, sends and runs the Telegram bot.

`flask --app app worker run` holds a lock for its whole life, so a second worker
started by mistake waits instead of sending twice: a session advisory lock on
PostgreSQL, an `flock` on `instance/worker.lock` on SQLite. Then, in one asyncio loop:
- an APScheduler `AsyncIOScheduler` (the scheduler PTB's JobQueue wraps; used directly
  so it also runs without a bot token) runs the sweep every minute; nothing is
  persisted in APScheduler: the database is the truth;
- the sender drains the outbox pass after pass (a few seconds apart when it is empty);
- the bot polls for updates (TELEGRAM_MODE=polling) or registers the webhook of the
  web process (TELEGRAM_MODE=webhook).
Without TELEGRAM_BOT_TOKEN it still sweeps: reminders wait in the outbox (dry run).
"""
from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import time
from datetime import datetime
from datetime import timezone
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from tracker.followup import policy
from tracker.followup import sender
from tracker.followup.sweep import sweep  # noqa: F401  (tests patch it here)
from tracker.followup.sweep import sweep_with_inbox

log = logging.getLogger("tracker.worker")

ADVISORY_LOCK_KEY = 0x44545F57  # "DT_W": one worker per database


def setting(app, key: str, default=None):
    """A worker setting from the app config, else the environment, else the default."""
    value = app.config.get(key)
    if value in (None, ""):
        value = os.environ.get(key)
    return default if value in (None, "") else value


def make_clock(app):
    """Real UTC time, or (for demos and tests) FOLLOWUP_CLOCK_START + elapsed time."""
    start = setting(app, "FOLLOWUP_CLOCK_START")
    if not start:
        return lambda: datetime.now(timezone.utc)
    base = parse_now(start)
    t0 = time.monotonic()
    return lambda: base + (datetime.fromtimestamp(time.monotonic() - t0, timezone.utc)
                           - datetime.fromtimestamp(0, timezone.utc))


def parse_now(value: str) -> datetime:
    """ISO-8601; a value without offset is Vietnam time."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=policy.VN_TZ)
    return dt.astimezone(timezone.utc)


class WorkerLock:
    """Held for the worker's life; `acquire` waits (polling) while another worker holds it."""

    def __init__(self, engine, instance_path: str, poll: float = 5.0):
        self.engine, self.poll = engine, poll
        self.path = Path(instance_path) / "worker.lock"
        self._conn = None
        self._file = None

    def try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            if self._conn is None:
                self._conn = self.engine.connect()
            got = self._conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            self._conn.commit()
            return bool(got)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._file is None:
            self._file = open(self.path, "a+")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._file.seek(0)
        self._file.truncate()
        self._file.write(str(os.getpid()))
        self._file.flush()
        return True

    def acquire(self, stop: "callable | None" = None) -> bool:
        announced = False
        while not self.try_acquire():
            if not announced:
                where = "khoá advisory PostgreSQL" if self.engine.dialect.name == "postgresql" else f"tệp khoá {self.path}"
                log.warning("Một worker khác đang chạy (%s); worker này chờ để không gửi trùng.", where)
                announced = True
            if stop is not None and stop():
                return False
            time.sleep(self.poll)
        log.info("Worker đã nhận khoá (pid %s)", os.getpid())
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def check_settings(app) -> None:
    """Raise ValueError (Vietnamese message) on an unusable REMINDER_*/SENDER_* setting."""
    try:
        policy.ReminderSettings.from_config(app.config)
        sender.SenderSettings.from_config(app.config)
    except policy.PolicyError:
        raise
    except (TypeError, ValueError) as exc:
        raise ValueError(f"giá trị số không hợp lệ ({exc})") from None


def startup_line(app) -> str:
    if not app.config.get("TELEGRAM_BOT_TOKEN"):
        return ("Chưa đặt TELEGRAM_BOT_TOKEN: chạy thử — nhắc việc được ghi vào hàng đợi nhưng không gửi "
                "(xem trang /admin/outbox).")
    return f"Telegram: chế độ {app.config.get('TELEGRAM_MODE', 'polling')}, API {app.config['TELEGRAM_API_URL']}"


def run_sweep(app, clock) -> dict:
    engine = app.extensions["engine"]
    with Session(engine) as s:
        counts = sweep_with_inbox(s, clock(), policy.ReminderSettings.from_config(app.config))
    write_heartbeat(app, counts)
    return counts


def save_bot_username(app, channel: str, username: str | None) -> None:
    """The bot's name as getMe tells it, for the profile page's link (instance/bot-<channel>.txt)."""
    if not username:
        return
    try:
        (Path(app.instance_path) / f"bot-{channel}.txt").write_text(str(username), encoding="utf-8")
    except OSError as exc:
        log.warning("Không ghi được tên bot: %s", exc)


def bot_username(app, channel: str = "telegram") -> str | None:
    """The name getMe gave the worker, else TELEGRAM_BOT_USERNAME (if set)."""
    try:
        name = (Path(app.instance_path) / f"bot-{channel}.txt").read_text(encoding="utf-8").strip()
        if name:
            return name
    except OSError:
        pass
    return app.config.get("TELEGRAM_BOT_USERNAME") if channel == "telegram" else None


HEARTBEAT_FILE = "worker-heartbeat.json"  # read by /healthz (tracker.web.health)


def write_heartbeat(app, counts: dict) -> None:
    """Leave a heartbeat after each sweep (atomic replace; a failure only logs)."""
    import json

    path = Path(app.instance_path) / HEARTBEAT_FILE
    beat = {"at": datetime.now(timezone.utc).isoformat(), "pid": os.getpid(),
            "last_sweep_written": sum(counts.values()),
            "telegram": (app.config.get("TELEGRAM_MODE") or "polling") if app.config.get("TELEGRAM_BOT_TOKEN")
            else "dry-run"}
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(beat), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Không ghi được heartbeat %s: %s", path, exc)


async def run_worker(app, *, stop_event: asyncio.Event | None = None) -> None:
    """The worker's main loop (after the lock is held). Returns when stop_event is set."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    engine = app.extensions["engine"]
    clock = make_clock(app)
    settings = sender.SenderSettings.from_config(app.config)
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop_event.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass

    token = app.config.get("TELEGRAM_BOT_TOKEN")
    mode = app.config.get("TELEGRAM_MODE") or "polling"
    application = None
    if token:
        from tracker.channels.telegram.bot import build_application

        application = build_application(token, app.config["TELEGRAM_API_URL"], engine, clock=clock,
                                        settings=policy.ReminderSettings.from_config(app.config),
                                        updater=(mode == "polling"))
        await application.initialize()
        await application.start()
        if mode == "polling":
            await application.updater.start_polling(poll_interval=float(setting(app, "TELEGRAM_POLL_INTERVAL", 0)),
                                                    timeout=int(setting(app, "TELEGRAM_POLL_TIMEOUT", 10)))
        else:
            url = app.config["PUBLIC_URL"].rstrip("/") + "/telegram/webhook"
            await application.bot.set_webhook(url=url, secret_token=app.config.get("TELEGRAM_WEBHOOK_SECRET"))
            log.info("Đã đăng ký webhook %s", url)
        save_bot_username(app, "telegram", application.bot.username)

    recovered = await asyncio.to_thread(sender.recover_in_flight, engine, settings.lease_seconds, clock())
    log.info("Khôi phục sau khởi động: %s", {k: len(v) for k, v in recovered.items()})

    from tracker.channels import registry

    channels = [c for c in registry.from_config(app.config) if c.configured()]
    if application is not None:
        from tracker.channels.telegram.channel import TelegramChannel

        channels.append(TelegramChannel(application.bot))
    for c in registry.from_config(app.config):
        if not c.configured():
            log.info("Kênh %s chưa cấu hình: chạy thử, tin chờ trong hàng đợi", c.name)
    zalo = next((c for c in channels if c.name == "zalo"), None)
    zalo_mode = app.config.get("ZALO_MODE") or "polling"
    if zalo is not None:
        try:
            me = await zalo.api.acall("getMe")
            save_bot_username(app, "zalo", (me or {}).get("account_name") or (me or {}).get("display_name")
                              or (me or {}).get("username"))
            if zalo_mode == "webhook":
                url = app.config["PUBLIC_URL"].rstrip("/") + "/zalo/webhook"
                await zalo.api.acall("setWebhook", {"url": url,
                                                    "secret_token": app.config.get("ZALO_WEBHOOK_SECRET") or ""})
                log.info("Đã đăng ký webhook Zalo %s", url)
        except Exception as exc:  # noqa: BLE001 - the sender retries; polling logs its own errors
            log.warning("Zalo getMe/setWebhook lỗi: %s", exc)
    limiters = {c.name: sender.RateLimiter(min(settings.overall_rate, c.rate),
                                           min(settings.per_chat_interval, c.per_address_interval))
                for c in channels}

    wake = asyncio.Event()  # a sweep that wrote rows wakes the sender at once

    async def sweep_job():
        try:
            counts = await asyncio.to_thread(run_sweep, app, clock)
            if sum(counts.values()):
                wake.set()
            # rows a dead sender (another process) left behind
            await asyncio.to_thread(sender.recover_in_flight, engine, settings.lease_seconds, clock())
        except Exception:  # noqa: BLE001 - a failed sweep is retried next minute
            log.exception("Quét nhắc việc lỗi")

    async def sender_loop():
        """Send passes back to back (a pass drains every due row at the rate limit, however long
        that takes), pausing SEND_INTERVAL_SECONDS when the outbox is empty."""
        while not stop_event.is_set():
            try:
                for channel in channels:
                    stats = await sender.deliver_pass(engine, channel, now=clock(),
                                                      public_url=app.config["PUBLIC_URL"], settings=settings,
                                                      limiter=limiters[channel.name],
                                                      reminder_settings=policy.ReminderSettings.from_config(app.config))
                    if stats:
                        log.info("Gửi %s: %s", channel.name, stats)
            except Exception:  # noqa: BLE001 - the next pass retries
                log.exception("Gửi nhắc việc lỗi")
            try:
                await asyncio.wait_for(wake.wait(), timeout=send_every)
            except asyncio.TimeoutError:
                pass
            wake.clear()

    async def job_loop():
        """Background jobs (OCR, large exports) one at a time in a thread of their own, so
        a long job never delays the sweep; handlers run the heavy part in child processes."""
        from tracker.services import intake  # noqa: F401  (registers the OCR handler)
        from tracker.services import jobs

        def run_one():
            with app.app_context():
                return jobs.run_next(engine)

        await asyncio.to_thread(jobs.recover, engine)
        purged_at = 0.0
        while not stop_event.is_set():
            try:
                ran = await asyncio.to_thread(run_one)
                if not ran and time.monotonic() - purged_at > 600:   # expired jobs and their files
                    purged_at = time.monotonic()
                    await asyncio.to_thread(jobs.purge_expired, engine, app.instance_path)
            except Exception:  # noqa: BLE001 - the next poll retries
                log.exception("Việc nền lỗi")
                ran = False
            if not ran:
                try:
                    await asyncio.wait_for(stop_event.wait(), timeout=job_every)
                except asyncio.TimeoutError:
                    pass

    scheduler = AsyncIOScheduler(timezone=policy.VN_TZ,
                                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    sweep_every = float(setting(app, "SWEEP_INTERVAL_SECONDS", 60))
    send_every = float(setting(app, "SEND_INTERVAL_SECONDS", 5))
    now = datetime.now(policy.VN_TZ)
    scheduler.add_job(sweep_job, "interval", seconds=sweep_every, id="sweep", next_run_time=now)
    scheduler.start()
    sending = asyncio.create_task(sender_loop())

    async def zalo_polling():
        from tracker.channels.zalo import bot as zalo_bot

        offset = None
        while not stop_event.is_set():
            try:
                offset = await zalo_bot.poll_once(engine, zalo.api, offset, clock(), app.config["PUBLIC_URL"],
                                                  timeout=int(setting(app, "ZALO_POLL_TIMEOUT", 10)))
            except Exception as exc:  # noqa: BLE001 - keep polling; log without the token
                log.warning("Zalo getUpdates lỗi: %s", exc)
                try:
                    await asyncio.wait_for(stop_event.wait(), timeout=5)
                except asyncio.TimeoutError:
                    pass

    polling = asyncio.create_task(zalo_polling()) if zalo is not None and zalo_mode == "polling" else None
    mailbox_task = asyncio.create_task(mailbox_loop(app, stop_event)) if app.config.get("INTAKE_IMAP_HOST") else None
    job_every = float(setting(app, "JOB_POLL_SECONDS", 2))
    job_task = asyncio.create_task(job_loop())
    log.info("Worker chạy: quét mỗi %.0f giây, gửi mỗi %.0f giây", sweep_every, send_every)
    try:
        await stop_event.wait()
    finally:
        log.info("Worker dừng")
        scheduler.shutdown(wait=False)
        job_task.cancel()  # a job in its thread finishes its page; an unfinished job is re-queued at start
        if polling is not None:
            polling.cancel()
        if mailbox_task is not None:
            mailbox_task.cancel()   # a poll in its thread finishes its message; the rest waits for the next start
        if sending is not None:
            stop_event.set()
            wake.set()
            try:
                await asyncio.wait_for(sending, timeout=30)
            except asyncio.TimeoutError:
                sending.cancel()
        if application is not None:
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()
            await application.shutdown()


async def mailbox_loop(app, stop_event: asyncio.Event) -> None:
    """The intake mailbox (INTAKE_IMAP_*) read every INTAKE_IMAP_POLL_SECONDS in a thread of
    its own, so a slow server or a long attachment never delays the minute sweep; a scan
    attached becomes an OCR job for the job loop."""
    from tracker.services import mail_intake

    settings = mail_intake.MailboxSettings.from_config(app.config)
    every = float(setting(app, "INTAKE_IMAP_POLL_SECONDS", 60))
    engine = app.extensions["engine"]

    def poll():
        with app.app_context():
            return mail_intake.poll_once(engine, settings, instance_path=app.instance_path,
                                         max_bytes=int(app.config.get("MAX_SCAN_BYTES") or 50 * 2**20),
                                         max_text_bytes=int(app.config.get("MAX_DIRECTIVE_BYTES") or 2 * 2**20))

    while not stop_event.is_set():
        try:
            await asyncio.to_thread(poll)
        except Exception as exc:  # noqa: BLE001 - the next poll retries; never log the password
            log.warning("Hộp thư nhận văn bản lỗi: %s", type(exc).__name__ if "login" in str(exc).lower() else exc)
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=every)
        except asyncio.TimeoutError:
            pass


def main(app) -> None:
    """`flask worker run`: wait for the lock, then run until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    log.info(startup_line(app))
    try:
        check_settings(app)
    except ValueError as exc:
        log.error("Cấu hình nhắc việc không hợp lệ: %s", exc)
        raise SystemExit(2) from None
    lock = WorkerLock(app.extensions["engine"], app.instance_path, float(setting(app, "WORKER_LOCK_POLL", 5)))
    stopping = {"flag": False}

    def _stop(*_):
        stopping["flag"] = True

    old = signal.signal(signal.SIGTERM, _stop)
    if not lock.acquire(stop=lambda: stopping["flag"]):
        return
    signal.signal(signal.SIGTERM, old)
    try:
        asyncio.run(run_worker(app))
    finally:
        lock.release()
