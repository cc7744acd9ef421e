"""Real processes: the sender killed with SIGKILL mid-batch and restarted; two workers
started at once (the second waits for the lock). On SQLite and PostgreSQL."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tests.fakes.telegram_api import FakeTelegram
from tests.followup.conftest import TOKEN
from tests.followup.conftest import vn
from tracker.channels.telegram import links
from tracker.models import Notification

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def flask_env(database_url, tmp_path, fake, **extra):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "test",
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url, "PTB_TIMEDELTA": "1",
        "SENDER_RATE": "1000", "SENDER_PER_CHAT_INTERVAL": "0", "PYTHONUNBUFFERED": "1",
    })
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


@pytest.fixture
def slow_fake():
    fake = FakeTelegram(send_delay=0.15).start()
    yield fake
    fake.stop()


def _staff_with_reminders(make_unit, make_user, make_task, session, n):
    unit = make_unit("Sở Nội vụ")
    for i in range(n):
        user = make_user(f"cb{i:02d}", "staff", unit)  # one daily message each
        links.link_by_hand(session, user.login, 100 + i)
    session.commit()
    make_task(unit, action="Báo cáo cải cách hành chính", deadline=date(2026, 12, 1))


def test_sender_killed_mid_batch_and_restarted_delivers_each_once(
        app, session, database_url, tmp_path, make_unit, make_user, make_task, slow_fake):
    n = 24
    _staff_with_reminders(make_unit, make_user, make_task, session, n)
    env = flask_env(database_url, tmp_path, slow_fake, SENDER_LEASE_SECONDS=0)
    first = subprocess.Popen(flask("reminders", "run-once", "--now", "2026-11-30T08:05"), cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until(lambda: len(slow_fake.calls_of("sendMessage")) >= 8, what="8 messages")
    time.sleep(0.05)  # the next request is in flight (each takes 0.15 s at the fake)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    time.sleep(0.3)  # let the fake finish answering the dead client
    delivered_before = len(slow_fake.sent_messages())
    assert 8 <= delivered_before < n, "killed mid-batch"

    session.expire_all()
    in_flight = [x.id for x in session.exec(select(Notification).where(Notification.status == "sending")).all()]
    assert len(in_flight) <= 1

    second = subprocess.run(flask("reminders", "run-once", "--now", "2026-11-30T08:06"), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    per_chat = Counter(int(m["chat_id"]) for m in slow_fake.sent_messages())
    assert set(per_chat) == {100 + i for i in range(n)}, "every due reminder delivered"
    twice = [c for c, k in per_chat.items() if k > 1]
    assert len(twice) <= 1 and all(per_chat[c] == 2 for c in twice), per_chat
    if in_flight:
        # the restarted sender names the row that was in flight, and resends only it
        assert f"#{in_flight[0]}" in second.stdout + second.stderr
        assert "đang được gửi" in second.stderr
    else:
        assert not twice
    session.expire_all()
    assert {x.status for x in session.exec(select(Notification)).all()} == {"sent"}


def _read(path):
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_two_workers_second_waits_then_takes_over(
        app, session, database_url, tmp_path, make_unit, make_user, make_task, fake_tg):
    _staff_with_reminders(make_unit, make_user, make_task, session, 3)
    newcomer = make_user("moi", "staff", make_unit("Sở Công Thương"))
    token = links.create_link_token(session, newcomer, now=vn(2026, 11, 30, 8, 0))  # the workers' clock
    env = flask_env(database_url, tmp_path, fake_tg, FOLLOWUP_CLOCK_START="2026-11-30T08:05",
                    WORKER_LOCK_POLL=0.2, SEND_INTERVAL_SECONDS=1, TELEGRAM_POLL_TIMEOUT=1)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = []
    try:
        procs.append(subprocess.Popen(flask("worker", "run"), cwd=ROOT, env=env,
                                      stdout=open(logs[0], "w"), stderr=subprocess.STDOUT))
        wait_until(lambda: "Worker đã nhận khoá" in _read(logs[0]), what="worker A lock")
        procs.append(subprocess.Popen(flask("worker", "run"), cwd=ROOT, env=env,
                                      stdout=open(logs[1], "w"), stderr=subprocess.STDOUT))
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
