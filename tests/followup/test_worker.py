"""The worker loop in-process: dry run without a token, webhook registration, lock file."""
import asyncio
import logging
from datetime import date

from sqlmodel import select

from tests.followup.conftest import TOKEN
from tracker.followup import worker
from tracker.models import Notification
from tracker.settings import reconfigure


def run_for(app, seconds):
    async def go():
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await worker.run_worker(app, stop_event=stop)
    asyncio.run(go())


def test_dry_run_worker_sweeps_but_sends_nothing(app, session, make_unit, make_user, make_task, caplog):
    unit = make_unit()
    from tracker.channels.telegram import links

    make_user("cb", "staff", unit)
    links.link_by_hand(session, "cb", 55)
    make_task(unit, deadline=date(2026, 12, 1))
    reconfigure(app, FOLLOWUP_CLOCK_START="2026-11-30T08:05")
    caplog.set_level(logging.INFO)
    run_for(app, 1.0)
    session.expire_all()
    rows = session.exec(select(Notification)).all()
    # the web inbox gets its daily message at once (as the inbox's grouped `due_soon` item);
    # the Telegram one waits (no token: dry run)
    assert {(n.kind, n.channel, n.status) for n in rows} == {("due_soon", "web", "sent"),
                                                             ("daily", "telegram", "pending")}
    assert "Chưa đặt TELEGRAM_BOT_TOKEN" in worker.startup_line(app)
    import json
    from pathlib import Path

    beat = json.loads((Path(app.instance_path) / "worker-heartbeat.json").read_text())
    assert beat["telegram"] == "dry-run" and beat["last_sweep_written"] == 2
    from tracker.web import health as health_view

    with app.test_request_context("/admin/health"):
        assert health_view.scheduler_state()["status"] == "ok"


def test_webhook_mode_registers_the_webhook_with_its_secret(app, fake_tg):
    reconfigure(app, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake_tg.base_url, TELEGRAM_MODE="webhook",
                     TELEGRAM_WEBHOOK_SECRET="bimat", PUBLIC_URL="https://nhacviec.example.gov.vn/")
    run_for(app, 0.5)
    assert fake_tg.webhook["url"] == "https://nhacviec.example.gov.vn/telegram/webhook"
    assert fake_tg.webhook["secret_token"] == "bimat"
    assert not fake_tg.calls_of("getUpdates")


def test_sqlite_lock_file_or_advisory_lock_admits_one_holder(app, tmp_path):
    engine = app.extensions["engine"]
    first = worker.WorkerLock(engine, str(tmp_path), poll=0.01)
    second = worker.WorkerLock(engine, str(tmp_path), poll=0.01)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert second.acquire(stop=lambda: True) is False  # waits (here: gives up at once when told to stop)
    first.release()
    assert second.try_acquire()
    second.release()


def test_parse_now_defaults_to_vietnam_time():
    assert worker.parse_now("2026-11-30T08:05").isoformat() == "2026-11-30T01:05:00+00:00"
    assert worker.parse_now("2026-11-30T08:05Z").isoformat() == "2026-11-30T08:05:00+00:00"


def test_telegram_unreachable_at_start_the_rest_runs_and_telegram_catches_up(app, session, make_unit, make_user,
                                                                            make_task, monkeypatch, caplog):
    """A Telegram outage when the worker starts does not stop the sweep, the web inbox or
    e-mail; the bot is started as soon as Telegram answers, and its messages go then."""
    from tests.fakes.smtp_server import SmtpBox
    from tests.fakes.smtp_server import _free_port
    from tests.fakes.telegram_api import FakeTelegram
    from tracker.channels.telegram import links

    unit = make_unit()
    user = make_user("cb", "staff", unit)
    user.email = "cb@so.gov.vn"
    session.add(user)
    session.commit()
    links.link_by_hand(session, "cb", 55)
    make_task(unit, deadline=date(2026, 12, 1))
    box = SmtpBox().start()
    port = _free_port()  # nobody listens here yet: Telegram is unreachable
    monkeypatch.setattr(worker, "TELEGRAM_RETRY_FIRST_SECONDS", 0.5)
    reconfigure(app, FOLLOWUP_CLOCK_START="2026-11-30T08:05", TELEGRAM_BOT_TOKEN=TOKEN,
                      TELEGRAM_API_URL=f"http://127.0.0.1:{port}/bot", TELEGRAM_POLL_TIMEOUT=1,
                      SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, SMTP_STARTTLS=False, MAIL_FROM="nv@tinh.gov.vn",
                      SEND_INTERVAL_SECONDS=0.2)
    caplog.set_level(logging.INFO)
    fake = {}

    async def go():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(1.2, lambda: fake.setdefault("tg", FakeTelegram(port=port).start()))
        loop.call_later(4.0, stop.set)
        await worker.run_worker(app, stop_event=stop)
    try:
        asyncio.run(go())
    finally:
        box.stop()
        if "tg" in fake:
            fake["tg"].stop()
    log = caplog.text
    assert "Không kết nối được Telegram" in log and "Đã kết nối Telegram" in log
    assert log.index("Gửi email:") < log.index("Đã kết nối Telegram")  # e-mail did not wait for Telegram
    assert len(box.to("cb@so.gov.vn")) == 1
    assert len(fake["tg"].sent_messages(55)) == 1
    session.expire_all()
    assert {(n.channel, n.status) for n in session.exec(select(Notification)).all()} == {
        ("web", "sent"), ("email", "sent"), ("telegram", "sent")}
