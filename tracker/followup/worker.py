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
import contextlib
import fcntl
import logging
import os
import signal
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from tracker.followup import policy
from tracker.followup import sender
from tracker.followup.sweep import sweep
from tracker.settings import of as settings_of

log = logging.getLogger("tracker.worker")

ADVISORY_LOCK_KEY = 0x44545F57  # "DT_W": one worker per database
TELEGRAM_RETRY_FIRST_SECONDS = 5.0  # Telegram unreachable at start: first retry, doubling to a minute


def make_clock(app):
    """Real UTC time, or (for demos and tests) FOLLOWUP_CLOCK_START + elapsed time."""
    cfg = settings_of(app)
    if not cfg.followup_clock_start:
        return lambda: datetime.now(UTC)
    base = parse_now(cfg.followup_clock_start, cfg.tz)
    t0 = time.monotonic()
    return lambda: base + (datetime.fromtimestamp(time.monotonic() - t0, UTC)
                           - datetime.fromtimestamp(0, UTC))


def parse_now(value: str, tz=policy.DEFAULT_TZ) -> datetime:
    """ISO-8601; a value without offset is local time (`tz`, the TIMEZONE setting)."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


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
            self._file = open(self.path, "a+")  # noqa: SIM115 - held open while the lock is held, closed in release()
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._file.seek(0)
        self._file.truncate()
        self._file.write(str(os.getpid()))
        self._file.flush()
        return True

    def acquire(self, stop: callable | None = None) -> bool:
        announced = False
        while not self.try_acquire():
            if not announced:
                where = ("khoá advisory PostgreSQL" if self.engine.dialect.name == "postgresql"
                         else f"tệp khoá {self.path}")
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


def startup_line(app) -> str:
    cfg = settings_of(app)
    if not cfg.telegram_bot_token:
        return ("Chưa đặt TELEGRAM_BOT_TOKEN: chạy thử — nhắc việc được ghi vào hàng đợi nhưng không gửi "
                "(xem trang /admin/outbox).")
    return f"Telegram: chế độ {cfg.telegram_mode}, API {cfg.telegram_api_url}"


def run_sweep(app, clock) -> dict:
    engine = app.extensions["engine"]
    with Session(engine) as s:
        counts = sweep(s, clock(), settings_of(app).reminders)
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
    return settings_of(app).telegram_bot_username if channel == "telegram" else None


HEARTBEAT_FILE = "worker-heartbeat.json"  # read by /healthz (tracker.web.health)


def write_heartbeat(app, counts: dict) -> None:
    """Leave a heartbeat after each sweep (atomic replace; a failure only logs)."""
    import json

    path = Path(app.instance_path) / HEARTBEAT_FILE
    beat = {"at": datetime.now(UTC).isoformat(), "pid": os.getpid(),
            "last_sweep_written": sum(counts.values()),
            "telegram": settings_of(app).telegram_mode if settings_of(app).telegram_bot_token else "dry-run"}
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(beat), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("Không ghi được heartbeat %s: %s", path, exc)


class TelegramStarter:
    """Starts the bot (getMe, then polling or the webhook). A bad token raises: a
    configuration error stops the worker. Telegram unreachable does not: the sweep and the
    other channels run, and `keep_trying` starts the bot as soon as Telegram answers."""

    def __init__(self, app, application, mode: str, stop_event: asyncio.Event):
        self.app, self.application, self.mode, self.stop_event = app, application, mode, stop_event
        self.up = asyncio.Event()

    async def start(self) -> bool:
        from telegram.error import NetworkError

        application, app = self.application, self.app
        cfg = settings_of(app)
        try:
            await application.initialize()
            if not application.running:
                await application.start()
            if self.mode == "polling":
                await application.updater.start_polling(poll_interval=cfg.telegram_poll_interval,
                                                        timeout=cfg.telegram_poll_timeout)
            else:
                url = cfg.public_url.rstrip("/") + "/telegram/webhook"
                await application.bot.set_webhook(url=url, secret_token=cfg.telegram_webhook_secret)
                log.info("Đã đăng ký webhook %s", url)
        except NetworkError as exc:
            log.warning("Không kết nối được Telegram (%s): các kênh khác vẫn chạy, tin Telegram chờ trong hàng đợi",
                        exc)
            return False
        save_bot_username(app, "telegram", application.bot.username)
        self.up.set()
        return True

    async def keep_trying(self, wake: asyncio.Event) -> None:
        """Try again after TELEGRAM_RETRY_FIRST_SECONDS, doubling to a minute; wake the sender once up."""
        delay = TELEGRAM_RETRY_FIRST_SECONDS
        while not self.stop_event.is_set():
            try:
                await asyncio.wait_for(self.stop_event.wait(), timeout=delay)
                return
            except TimeoutError:
                pass
            if await self.start():
                log.info("Đã kết nối Telegram")
                wake.set()
                return
            delay = min(delay * 2, 60.0)


def _configured_channels(cfg) -> list:
    """The channels with their settings; the others are logged (their rows wait in the outbox)."""
    from tracker.channels import registry

    channels = [c for c in registry.from_settings(cfg) if c.configured()]
    for c in registry.from_settings(cfg):
        if not c.configured():
            log.info("Kênh %s chưa cấu hình: chạy thử, tin chờ trong hàng đợi", c.name)
    return channels


async def _start_zalo(app, cfg, zalo) -> None:
    """The Zalo OA's name for the profile page and, in webhook mode, its webhook registered."""
    try:
        me = await zalo.api.acall("getMe")
        save_bot_username(app, "zalo", (me or {}).get("account_name") or (me or {}).get("display_name")
                          or (me or {}).get("username"))
        if cfg.zalo_mode == "webhook":
            url = cfg.public_url.rstrip("/") + "/zalo/webhook"
            await zalo.api.acall("setWebhook", {"url": url,
                                                "secret_token": cfg.zalo_webhook_secret or ""})
            log.info("Đã đăng ký webhook Zalo %s", url)
    except Exception as exc:  # noqa: BLE001 - the sender retries; polling logs its own errors
        log.warning("Zalo getMe/setWebhook lỗi: %s", exc)


async def run_worker(app, *, stop_event: asyncio.Event | None = None) -> None:
    """The worker's main loop (after the lock is held). Returns when stop_event is set."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    engine = app.extensions["engine"]
    clock = make_clock(app)
    cfg = settings_of(app)
    settings = cfg.sender
    stop_event = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop_event.set)

    token = cfg.telegram_bot_token
    mode = cfg.telegram_mode
    application = None
    if token:
        from tracker.channels.telegram.bot import build_application

        application = build_application(token, cfg.telegram_api_url, engine, clock=clock, settings=cfg.reminders,
                                        updater=(mode == "polling"))

    telegram = TelegramStarter(app, application, mode, stop_event) if application is not None else None
    telegram_start = None

    recovered = await asyncio.to_thread(sender.recover_in_flight, engine, settings.lease_seconds, clock())
    log.info("Khôi phục sau khởi động: %s", {k: len(v) for k, v in recovered.items()})

    channels = _configured_channels(cfg)
    zalo = next((c for c in channels if c.name == "zalo"), None)
    zalo_mode = cfg.zalo_mode
    if zalo is not None:
        await _start_zalo(app, cfg, zalo)
    if application is not None:
        from tracker.channels.telegram.channel import TelegramChannel

        channels.append(TelegramChannel(application.bot))
    limiters = {c.name: sender.RateLimiter(min(settings.overall_rate, c.rate),
                                           min(settings.per_chat_interval, c.per_address_interval))
                for c in channels}

    wake = asyncio.Event()  # a sweep that wrote rows wakes the sender at once
    if telegram is not None and not await telegram.start():
        telegram_start = asyncio.create_task(telegram.keep_trying(wake))

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
                    if channel.name == "telegram" and not telegram.up.is_set():
                        continue  # not started yet (Telegram unreachable): its rows wait
                    stats = await sender.deliver_pass(engine, channel, now=clock(),
                                                      public_url=cfg.public_url, settings=settings,
                                                      limiter=limiters[channel.name],
                                                      reminder_settings=cfg.reminders)
                    if stats:
                        log.info("Gửi %s: %s", channel.name, stats)
            except Exception:  # noqa: BLE001 - the next pass retries
                log.exception("Gửi nhắc việc lỗi")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=send_every)
            wake.clear()

    async def job_loop():
        """Background jobs (OCR, large exports) one at a time in a thread of their own, so
        a long job never delays the sweep; handlers run the heavy part in child processes."""
        from tracker.services import intake  # noqa: F401 - registers the OCR handler
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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), timeout=job_every)

    scheduler = AsyncIOScheduler(timezone=cfg.tz,
                                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    sweep_every = cfg.sweep_interval_seconds
    send_every = cfg.send_interval_seconds
    now = datetime.now(cfg.tz)
    scheduler.add_job(sweep_job, "interval", seconds=sweep_every, id="sweep", next_run_time=now)
    scheduler.start()
    sending = asyncio.create_task(sender_loop())

    async def zalo_polling():
        from tracker.channels.zalo import bot as zalo_bot

        offset = None
        while not stop_event.is_set():
            try:
                offset = await zalo_bot.poll_once(engine, zalo.api, offset, clock(), cfg.public_url,
                                                  timeout=cfg.zalo_poll_timeout, tz=cfg.tz)
            except Exception as exc:  # noqa: BLE001 - keep polling; log without the token
                log.warning("Zalo getUpdates lỗi: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), timeout=5)

    polling = asyncio.create_task(zalo_polling()) if zalo is not None and zalo_mode == "polling" else None
    mailbox_task = asyncio.create_task(mailbox_loop(app, stop_event)) if cfg.intake_imap_host else None
    job_every = cfg.job_poll_seconds
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
            except TimeoutError:
                sending.cancel()
        if telegram_start is not None and not telegram_start.done():
            telegram_start.cancel()
        if application is not None and application.running:
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()
        if application is not None:
            await application.shutdown()


async def mailbox_loop(app, stop_event: asyncio.Event) -> None:
    """The intake mailbox (INTAKE_IMAP_*) read every INTAKE_IMAP_POLL_SECONDS in a thread of
    its own, so a slow server or a long attachment never delays the minute sweep; a scan
    attached becomes an OCR job for the job loop."""
    from tracker.services import mail_intake

    settings = mail_intake.MailboxSettings.from_config(app.config)
    every = float(settings_of(app).intake_imap_poll_seconds)
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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), timeout=every)


def main(app) -> None:
    """`flask worker run`: wait for the lock, then run until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    log.info(startup_line(app))  # the settings were validated when the app was built
    lock = WorkerLock(app.extensions["engine"], app.instance_path, settings_of(app).worker_lock_poll)
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
