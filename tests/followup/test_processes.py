"""Real processes: the sender killed with SIGKILL mid-batch and restarted, on every chat
and mail channel (Telegram, e-mail through aiosmtpd, Zalo) through one harness; two workers
started at once (the second waits for the lock). On SQLite and PostgreSQL.

The lease that returns a dead sender's rows (30 s) is measured on the injected clock: the
killed pass runs at 08:05:00, a pass at 08:05:29 must not touch its rows, the pass at
08:05:30 delivers them — every reminder arrives within a minute of its due time."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from tests.fakes.smtp_server import SmtpBox
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.followup.conftest import TOKEN
from tests.followup.conftest import vn
from tracker.channels.telegram import links
from tracker.models import Notification
from tracker.models import ZaloLink

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
SEND_DELAY = 0.15  # each message takes this long at the fake server: the kill lands mid-batch


def telegram_env(fake) -> dict:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url}


def flask_env(database_url, tmp_path, channel_env: dict, **extra):
    env = dict(os.environ)
    for key in ("TELEGRAM_BOT_TOKEN", "SMTP_HOST", "ZALO_BOT_TOKEN"):  # only the channel under test
        env.pop(key, None)
    env.update({
        "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test",
        "PTB_TIMEDELTA": "1", "SENDER_RATE": "1000", "SENDER_PER_CHAT_INTERVAL": "0", "PYTHONUNBUFFERED": "1",
    })
    env.update(channel_env)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask(*args):
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def wait_until(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Target:
    """One channel under test: its fake server, how a person is reached on it, and what
    the fake received (one address per delivered message, repeats included)."""
    channel: str
    env: dict
    reach: Callable            # (session, user, i) -> the address the message goes to
    delivered: Callable[[], list]
    stop: Callable[[], None]


def _telegram_reach(session, user, i):
    links.link_by_hand(session, user.login, 100 + i)
    return 100 + i


def _telegram_target():
    fake = FakeTelegram(send_delay=SEND_DELAY).start()
    return Target("telegram", telegram_env(fake), _telegram_reach,
                  lambda: [int(m["chat_id"]) for m in fake.sent_messages()], fake.stop)


def _email_target():
    box = SmtpBox(delay=SEND_DELAY).start()

    def reach(session, user, i):
        user.email = f"canbo{i:02d}@snv.gov.vn"
        session.add(user)
        return user.email
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(box.port), "SMTP_STARTTLS": "0",
           "MAIL_FROM": "nhacviec@tinh.gov.vn", "PUBLIC_URL": "http://tracker.test"}

    def delivered():
        with box.lock:
            return [m["To"] for m in box.messages]
    return Target("email", env, reach, delivered, box.stop)


def _zalo_target():
    fake = FakeZalo(send_delay=SEND_DELAY).start()

    def reach(session, user, i):
        session.add(ZaloLink(user_id=user.id, chat_id=f"zchat-{i:02d}"))
        return f"zchat-{i:02d}"
    return Target("zalo", {"ZALO_BOT_TOKEN": fake.token, "ZALO_API_URL": fake.api_url}, reach,
                  lambda: [b["chat_id"] for b in fake.sent()], fake.stop)


@pytest.fixture(params=["telegram", "email", "zalo"])
def target(request):
    t = {"telegram": _telegram_target, "email": _email_target, "zalo": _zalo_target}[request.param]()
    yield t
    t.stop()


def _staff_with_reminders(make_unit, make_user, make_task, session, n, reach=_telegram_reach) -> dict:
    """n officers of one unit, each with one daily message due: {address: user id}."""
    unit = make_unit("Sở Nội vụ")
    addresses = {}
    for i in range(n):
        user = make_user(f"cb{i:02d}", "staff", unit)
        addresses[reach(session, user, i)] = user.id
    session.commit()
    make_task(unit, action="Báo cáo cải cách hành chính", deadline=date(2026, 12, 1))
    return addresses


def _rows(session, channel):
    session.expire_all()
    return session.exec(select(Notification).where(Notification.channel == channel)).all()


def test_sender_killed_mid_batch_and_restarted_delivers_each_once(
        app, session, database_url, tmp_path, make_unit, make_user, make_task, target):
    n = 24
    addresses = _staff_with_reminders(make_unit, make_user, make_task, session, n, target.reach)
    env = flask_env(database_url, tmp_path, target.env)  # the lease is the default 30 s

    def run_once(at: str):
        return subprocess.run(flask("reminders", "run-once", "--now", at), cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=90)

    first = subprocess.Popen(flask("reminders", "run-once", "--now", "2026-11-30T08:05:00"), cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until(lambda: len(target.delivered()) >= 8, timeout=60, what="8 messages")
    time.sleep(SEND_DELAY / 3)  # the next request is in flight
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    time.sleep(2 * SEND_DELAY)  # let the fake finish answering the dead client
    delivered_before = len(target.delivered())
    assert 8 <= delivered_before < n, "killed mid-batch"
    rows = _rows(session, target.channel)
    assert len(rows) == n
    in_flight = [x.id for x in rows if x.status == "sending"]
    held = {x.id for x in rows if x.status in ("claimed", "sending")}
    assert len(in_flight) <= 1 and held, Counter(x.status for x in rows)

    # 29 s later (injected clock) the dead sender's lease still holds: its rows are not touched
    early = run_once("2026-11-30T08:05:29")
    assert early.returncode == 0, early.stderr
    assert len(target.delivered()) == delivered_before
    assert {x.id for x in _rows(session, target.channel) if x.status in ("claimed", "sending")} == held

    # at 30 s the lease is over: the rest is delivered, the one in flight possibly again
    late = run_once("2026-11-30T08:05:30")
    assert late.returncode == 0, late.stderr
    per_address = Counter(target.delivered())
    assert set(per_address) == set(addresses), "every due reminder delivered"
    twice = [a for a, k in per_address.items() if k > 1]
    assert len(twice) <= 1 and all(per_address[a] == 2 for a in twice), per_address
    if in_flight:
        # the restarted sender names the row that was in flight, and resends only it
        assert f"#{in_flight[0]}" in late.stdout + late.stderr
        assert "đang được gửi" in late.stderr
        if twice:  # the duplicate, if any, is the in-flight row's person
            assert addresses[twice[0]] == session.get(Notification, in_flight[0]).recipient_id
    else:
        assert not twice
    rows = _rows(session, target.channel)
    assert {x.status for x in rows} == {"sent"}
    assert all(x.attempts >= 1 for x in rows)
    # delays on the injected clock: due at 08:05, all delivered by 08:05:30
    assert max(x.sent_at - x.due_at for x in rows) <= timedelta(seconds=30)
    assert min(x.due_at for x in rows) == vn(2026, 11, 30, 8, 5)


def _read(path):
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_two_workers_second_waits_then_takes_over(
        app, session, database_url, tmp_path, make_unit, make_user, make_task, fake_tg):
    _staff_with_reminders(make_unit, make_user, make_task, session, 3)
    newcomer = make_user("moi", "staff", make_unit("Sở Công Thương"))
    token = links.create_link_token(session, newcomer, now=vn(2026, 11, 30, 8, 0))  # the workers' clock
    env = flask_env(database_url, tmp_path, telegram_env(fake_tg), FOLLOWUP_CLOCK_START="2026-11-30T08:05",
                    WORKER_LOCK_POLL=0.2, SEND_INTERVAL_SECONDS=1, TELEGRAM_POLL_TIMEOUT=1)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = []
    try:
        with open(logs[0], "w") as log:  # the child keeps its own copy of the descriptor
            procs.append(subprocess.Popen(flask("worker", "run"), cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT))
        wait_until(lambda: "Worker đã nhận khoá" in _read(logs[0]), what="worker A lock")
        with open(logs[1], "w") as log:
            procs.append(subprocess.Popen(flask("worker", "run"), cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT))
        wait_until(lambda: "worker này chờ" in _read(logs[1]), what="worker B waiting")
        wait_until(lambda: len(fake_tg.sent_messages()) >= 3, what="3 reminders")
        # the bot polls inside worker A: a deep-link /start links the newcomer
        fake_tg.inject_message(999, f"/start {token}")
        wait_until(lambda: fake_tg.sent_messages(999), what="link reply")
        assert "Đã liên kết" in fake_tg.sent_messages(999)[0]["text"]
        time.sleep(1.5)
        assert "Worker đã nhận khoá" not in _read(logs[1])
        procs[0].send_signal(signal.SIGTERM)
        procs[0].wait(15)
        wait_until(lambda: "Worker đã nhận khoá" in _read(logs[1]), what="worker B takes over")
        time.sleep(2.5)  # B sweeps and sends: everything is already sent
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
    per_chat = Counter(int(m["chat_id"]) for m in fake_tg.sent_messages() if int(m["chat_id"]) != 999)
    assert per_chat == {100: 1, 101: 1, 102: 1}, (per_chat, _read(logs[0]), _read(logs[1]))
    assert len(fake_tg.calls_of("getUpdates")) > 0
