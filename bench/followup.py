"""Follow-up benchmarks. `python -m bench` reports `bench_sender` (per channel) and the sweep
on the generator's data (bench/sweep_at.py); `bench_sweep` here is the older synthetic seed,
kept for `python -m bench.followup`.

bench_sweep: one sweep over N open tasks at the reminder hour writes one daily row per
person per channel (every person has an e-mail address and a Telegram chat) plus the
escalations (target <= 0.5 s on SQLite and PostgreSQL, the speed issue's figure), then a
quiet minute (the same minute again, and the next) writes nothing.
bench_sender: the outbox pass's throughput per channel against its fake (Telegram Bot
API, Zalo Bot Platform, a real SMTP server) stays at the channel's rate limit.

Both take an EMPTY database (migrated here); None means a temporary SQLite file.
"""
from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

os.environ.setdefault("PTB_TIMEDELTA", "1")

import sqlalchemy as sa  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from sqlmodel import Session  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

from tracker.config import normalize_database_url  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.db import make_engine  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import policy  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import sender  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup.sweep import sweep  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.migrate import upgrade  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Directive  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Task  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import TaskCoUnit  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import TelegramLink  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Unit  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import User  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

# A Monday 08:05 in Vietnam: before/overdue reminders, escalations, digests and the weekly summary are all due.
BENCH_NOW = datetime(2026, 11, 30, 8, 5, tzinfo=policy.VN_TZ).astimezone(UTC)


PG_ADMIN_URL = os.environ.get("TEST_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _engine(database_url: str | None, backend: str = "sqlite"):
    """(engine, cleanup): the given empty database, or a throwaway one of `backend`."""
    cleanup = []
    if database_url is None and backend == "postgresql":
        admin = make_engine(normalize_database_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        name = f"bench_followup_{os.getpid()}_{random.randrange(1 << 30)}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        database_url = admin.url.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        cleanup.append(drop)
    elif database_url is None:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-followup-')}/bench.db"
    engine = make_engine(normalize_database_url(database_url))
    upgrade(engine)
    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(Task.__table__)).scalar():
            raise ValueError("bench_followup cần một cơ sở dữ liệu trống")

    def close():
        engine.dispose()
        for fn in cleanup:
            fn()
    return engine, close


def _seed(engine, n_tasks: int, n_units: int, staff_per_unit: int, today: date, overdue_share: float = 0.1,
          seed: int = 5) -> dict:
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.insert(Unit.__table__), [
            {"code": f"B{i}", "name": f"Đơn vị thử {i}", "kind": "department", "aliases": [], "active": True}
            for i in range(n_units)])
        unit_ids = [r[0] for r in conn.execute(sa.select(Unit.id).order_by(Unit.id))]
        users = []
        for uid in unit_ids:
            for k in range(staff_per_unit + 1):
                users.append({"login": f"u{uid}_{k}", "password_hash": "x", "display_name": f"Cán bộ {uid}/{k}",
                              "role": "head" if k == 0 else "staff", "unit_id": uid, "active": True,
                              "created_at": now, "failed_logins": 0, "notify_enabled": True,
                              "digest_time": "", "lead_days": "3,1,0", "quiet_start": "21:00",
                              "quiet_end": "07:00", "skip_non_working_days": True,
                              "email": f"u{uid}_{k}@bench.gov.vn", "channels_off": ""})
        users += [{"login": f"lanhdao{i}", "password_hash": "x", "display_name": "Lãnh đạo", "role": "leader",
                   "unit_id": None, "active": True, "created_at": now, "failed_logins": 0, "notify_enabled": True,
                   "digest_time": "", "lead_days": "3,1,0", "quiet_start": "21:00", "quiet_end": "07:00",
                   "skip_non_working_days": True, "email": f"lanhdao{i}@bench.gov.vn", "channels_off": ""}
                  for i in range(3)]
        conn.execute(sa.insert(User.__table__), users)
        conn.execute(sa.insert(TelegramLink.__table__), [
            {"user_id": uid, "chat_id": 50_000 + uid, "active": True, "linked_at": now}
            for (uid,) in conn.execute(sa.select(User.id))])
        directive_id = conn.execute(sa.insert(Directive.__table__).values(
            code="1/TB-BENCH", kind="thong_bao_ket_luan", title="Văn bản thử tải", source_text="x",
            state="published", draft_tasks=[], created_at=now, version=1).returning(Directive.id)).scalar()
        rows = []
        for i in range(n_tasks):
            rows.append({"directive_id": directive_id, "lead_unit_id": rnd.choice(unit_ids),
                         "action": f"Nhiệm vụ thử tải số {i}", "co_owner_texts": [],
                         "deadline": today + timedelta(days=rnd.randint(-60, -1) if rnd.random() < overdue_share
                                                       else rnd.randint(0, 180)),
                         "status": rnd.choice(("chua_thuc_hien", "chua_thuc_hien", "dang_thuc_hien")),
                         "urgent": rnd.random() < 0.02, "progress": 0, "created_at": now, "updated_at": now,
                         "version": 1})
            if len(rows) == 10000:
                conn.execute(sa.insert(Task.__table__), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(Task.__table__), rows)
        task_ids = [r[0] for r in conn.execute(sa.select(Task.id))]
        co = {(tid, rnd.choice(unit_ids)) for tid in rnd.sample(task_ids, len(task_ids) // 20)}
        conn.execute(sa.insert(TaskCoUnit.__table__), [{"task_id": t, "unit_id": u} for t, u in co])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    return {"seed_s": round(time.perf_counter() - t0, 2), "units": n_units, "users": len(users)}


def bench_sweep(database_url: str | None = None, n_tasks: int = 100_000, n_units: int = 200,
                staff_per_unit: int = 2, backend: str = "sqlite", tasks: int | None = None,
                overdue_share: float = 0.1, **_ignored) -> dict:
    """Seed N open tasks, then time one sweep (and a repeated one at the same minute).

    Every task is reminded to each member of its lead unit (staff_per_unit + the head), so
    the rows written grow with the overdue share: each overdue task writes an overdue
    reminder per member every working day (and, the first time, an escalation to the head).
    `backend` picks a throwaway database when no URL is given; `tasks` is an alias of n_tasks."""
    n_tasks = tasks or n_tasks
    engine, close = _engine(database_url, backend)
    today = policy.local_now(BENCH_NOW).date()
    figures = {"backend": engine.dialect.name, "open_tasks": n_tasks, "overdue_share": overdue_share}
    figures.update(_seed(engine, n_tasks, n_units, staff_per_unit, today, overdue_share))
    with Session(engine) as s:
        t0 = time.perf_counter()
        counts = sweep(s, BENCH_NOW)
        figures["sweep_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        again = sweep(s, BENCH_NOW)
        figures["repeat_sweep_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        later = sweep(s, BENCH_NOW + timedelta(minutes=1))
        figures["next_minute_sweep_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()  # steady state: the next working day's 08:05 sweep (no escalation backlog)
        next_day = sweep(s, BENCH_NOW + timedelta(days=1))
        figures["next_day_sweep_s"] = round(time.perf_counter() - t0, 3)
        figures["next_day_written"] = sum(next_day.values())
    figures["reminders_written"] = sum(counts.values())
    figures["by_kind"] = counts
    figures["repeat_written"] = sum(again.values()) + sum(later.values())
    figures["target_s"] = 0.5
    figures["ok"] = (figures["sweep_s"] <= 0.5 and figures["next_minute_sweep_s"] <= 0.5
                     and figures["repeat_written"] == 0)
    close()
    return figures


def bench_sender(database_url: str | None = None, n_messages: int = 150, rate: float = 30.0,
                 per_chat_interval: float = 1.0, backend: str = "sqlite", channel: str = "telegram",
                 **_ignored) -> dict:
    """Deliver N daily messages (one person each) through `channel` to its fake (Telegram:
    the real PTB client and the fake Bot API; zalo: the fake Bot Platform; email: aiosmtpd);
    report throughput and the busiest one-second window."""
    if channel != "telegram":
        return _bench_other_sender(database_url, n_messages, rate, backend, channel)
    from telegram import Bot

    from tests.fakes.telegram_api import FakeTelegram

    engine, close = _engine(database_url, backend)
    today = policy.local_now(BENCH_NOW).date()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        unit_id = conn.execute(sa.insert(Unit.__table__).values(code="S1", name="Đơn vị gửi thử", kind="department",
                                                                 aliases=[], active=True).returning(Unit.id)).scalar()
        directive_id = conn.execute(sa.insert(Directive.__table__).values(
            code="2/TB-BENCH", kind="other", title="Thử gửi", source_text="x", state="published", draft_tasks=[],
            created_at=now, version=1).returning(Directive.id)).scalar()
        conn.execute(sa.insert(User.__table__), [
            {"login": f"s{i}", "password_hash": "x", "display_name": f"Cán bộ {i}", "role": "staff",
             "unit_id": unit_id, "active": True, "created_at": now, "failed_logins": 0, "notify_enabled": True,
             "digest_time": "", "lead_days": "3,1,0", "quiet_start": "21:00", "quiet_end": "07:00",
             "skip_non_working_days": True, "email": f"s{i}@bench.gov.vn", "channels_off": ""}
            for i in range(n_messages)])
        user_ids = [r[0] for r in conn.execute(sa.select(User.id).order_by(User.id))]
        conn.execute(sa.insert(TelegramLink.__table__), [
            {"user_id": uid, "chat_id": 10_000 + uid, "active": True, "linked_at": now} for uid in user_ids])
        task_ids = []
        for k in range(3):
            task_ids.append(conn.execute(sa.insert(Task.__table__).values(
                directive_id=directive_id, lead_unit_id=unit_id, action=f"Việc thử {k}", co_owner_texts=[],
                deadline=today + timedelta(days=1), status="chua_thuc_hien", urgent=False, progress=0,
                created_at=now, updated_at=now, version=1).returning(Task.id)).scalar())
    with Session(engine) as s:  # 3 tasks x N people: N chats with 3 messages each is too slow; keep one task
        s.execute(sa.delete(Task.__table__).where(Task.id.in_(task_ids[1:])))
        s.commit()
        written = sweep(s, BENCH_NOW)
    fake = FakeTelegram().start()
    settings = sender.SenderSettings(overall_rate=rate, per_chat_interval=per_chat_interval, batch_size=100)

    async def go():
        bot = Bot("1:BENCH", base_url=fake.base_url)
        async with bot:
            t0 = time.perf_counter()
            stats = await sender.send_pass(engine, bot, now=BENCH_NOW, public_url="http://bench", settings=settings)
            return stats, time.perf_counter() - t0

    try:
        stats, elapsed = asyncio.run(go())
    finally:
        fake.stop()
    stamps = sorted(c["at"] for c in fake.calls_of("sendMessage") if c.get("status") == 200)
    busiest = 0
    j = 0
    for i, t in enumerate(stamps):
        while stamps[j] < t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    backend_name = engine.dialect.name
    close()
    sent = stats.get("sent", 0)
    return {
        "backend": backend_name, "written": sum(written.values()), "sent": sent,
        "elapsed_s": round(elapsed, 2), "messages_per_second": round(sent / elapsed, 1) if elapsed else None,
        "configured_rate": rate, "busiest_1s_window": busiest,
        "ok": sent == n_messages and busiest <= rate + 1,
    }


if __name__ == "__main__":  # python -m bench.followup [DATABASE_URL]
    import json
    import sys

    for be in sys.argv[1:] or ["sqlite", "postgresql"]:
        for share in (0.1, 0.33):
            print(json.dumps(bench_sweep(backend=be, overdue_share=share), ensure_ascii=False))
    print(json.dumps(bench_sender(), ensure_ascii=False))


def _bench_other_sender(database_url, n_messages, rate, backend, channel) -> dict:
    from tests.fakes.smtp_server import SmtpBox
    from tests.fakes.zalo_api import FakeZalo
    from tracker.channels.email.channel import EmailChannel
    from tracker.channels.zalo.channel import ZaloChannel
    from tracker.models import ZaloLink

    engine, close = _engine(database_url, backend)
    today = policy.local_now(BENCH_NOW).date()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        unit_id = conn.execute(sa.insert(Unit.__table__).values(code="S1", name="Đơn vị gửi thử", kind="department",
                                                                 aliases=[], active=True).returning(Unit.id)).scalar()
        directive_id = conn.execute(sa.insert(Directive.__table__).values(
            code="2/TB-BENCH", kind="other", title="Thử gửi", source_text="x", state="published", draft_tasks=[],
            created_at=now, version=1).returning(Directive.id)).scalar()
        conn.execute(sa.insert(User.__table__), [
            {"login": f"s{i}", "password_hash": "x", "display_name": f"Cán bộ {i}", "role": "staff",
             "unit_id": unit_id, "active": True, "created_at": now, "failed_logins": 0, "notify_enabled": True,
             "digest_time": "", "lead_days": "3,1,0", "quiet_start": "21:00", "quiet_end": "07:00",
             "skip_non_working_days": True, "email": f"s{i}@bench.gov.vn" if channel == "email" else None,
             "channels_off": ""} for i in range(n_messages)])
        user_ids = [r[0] for r in conn.execute(sa.select(User.id).order_by(User.id))]
        if channel == "zalo":
            conn.execute(sa.insert(ZaloLink.__table__), [
                {"user_id": uid, "chat_id": f"z{uid}", "active": True, "linked_at": now} for uid in user_ids])
        conn.execute(sa.insert(Task.__table__).values(
            directive_id=directive_id, lead_unit_id=unit_id, action="Việc thử", co_owner_texts=[],
            deadline=today + timedelta(days=1), status="chua_thuc_hien", urgent=False, progress=0,
            created_at=now, updated_at=now, version=1))
    with Session(engine) as s:
        written = sweep(s, BENCH_NOW)
    if channel == "zalo":
        fake = FakeZalo().start()
        ch = ZaloChannel("zalo-test-token", fake.api_url)
        stop = fake.stop
    else:
        box = SmtpBox().start()
        ch = EmailChannel("127.0.0.1", box.port, starttls=False, mail_from="bench@tinh.gov.vn", secret_key="k" * 32,
                          public_url="http://bench")
        stop = box.stop
    settings = sender.SenderSettings(overall_rate=rate, per_chat_interval=0, batch_size=100)

    async def go():
        t0 = time.perf_counter()
        stats = await sender.deliver_pass(engine, ch, now=BENCH_NOW, public_url="http://bench", settings=settings)
        return stats, time.perf_counter() - t0

    try:
        stats, elapsed = asyncio.run(go())
    finally:
        stop()
    close()
    sent = stats.get("sent", 0)
    return {"backend": engine.dialect.name, "channel": channel, "written": sum(written.values()), "sent": sent,
            "elapsed_s": round(elapsed, 2), "messages_per_second": round(sent / elapsed, 1) if elapsed else None,
            "configured_rate": min(rate, ch.rate), "ok": sent == n_messages}
