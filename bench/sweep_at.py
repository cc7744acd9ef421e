"""The reminder sweep timed on the generator's data, at the reminder hour and at quiet minutes.

    DATABASE_URL=… python -m bench.sweep_at [--date 2026-12-07] [--clear] 08:00 08:01 10:37
    python -m bench.sweep_at --generate sqlite      (a throwaway database: generate, link, measure)

The first minute at the reminder hour writes the day's rows (one per person per channel,
plus escalations); the following minutes are quiet (nothing new to write). Rows written
stay in the outbox: pass `--clear` to empty it first (only on a benchmark database).

`measure()` is what `python -m bench` reports (bench/reminders.py): on a database filled by
`demo generate --tasks 100000 --units 300 --directives 5000` where every person has an
e-mail address, a Telegram chat and a Zalo chat (the generator links none; this is the
worst case: four rows per person), it times the 08:00 sweep of a Monday (the leaders'
weekly summary is due, escalations catch up) `repeats` times, emptying the outbox between
runs, then the quiet minutes after it. Each figure carries the load average when taken.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import analyze
from tracker.db import make_engine
from tracker.followup.policy import VN_TZ
from tracker.followup.sweep import sweep

# A Monday (working day, first of its week): daily rows, escalations and the leaders' summary are due.
BENCH_DAY = date(2026, 12, 7)
SIZES = {"tasks": 100_000, "units": 300, "directives": 5000}
QUIET_MINUTES = ("08:01", "08:10", "10:37")  # 08:10: the escalations are looked for again, nothing is new


def load() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def at(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=VN_TZ)


def timed_sweep(engine, now: datetime) -> tuple[float, dict]:
    with Session(engine) as s:
        t0 = time.perf_counter()
        counts = sweep(s, now)
        return time.perf_counter() - t0, counts


def clear_outbox(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM notification"))
    analyze(engine, "notification")


def link_everyone(engine) -> dict:
    """Every person gets an e-mail address, a Telegram chat and a Zalo chat."""
    stamp = datetime(2026, 12, 1, tzinfo=VN_TZ)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE user_account SET email = login || '@bench.gov.vn', channels_off = ''"))
        conn.execute(sa.text("DELETE FROM telegram_link"))
        conn.execute(sa.text("DELETE FROM zalo_link"))
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM user_account"))]
        conn.execute(sa.text("INSERT INTO telegram_link (user_id, chat_id, active, linked_at) "
                             "VALUES (:u, :c, :a, :t)"),
                     [{"u": i, "c": 900_000 + i, "a": True, "t": stamp} for i in ids])
        conn.execute(sa.text("INSERT INTO zalo_link (user_id, chat_id, active, linked_at) "
                             "VALUES (:u, :c, :a, :t)"), [{"u": i, "c": f"z{i}", "a": True, "t": stamp} for i in ids])
    analyze(engine)
    return {"people": len(ids)}


def open_tasks(engine) -> int:
    from tracker.followup.policy import REMINDABLE_STATUSES

    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM task WHERE status IN :s")
                            .bindparams(sa.bindparam("s", expanding=True)), {"s": list(REMINDABLE_STATUSES)}).scalar()


def measure(engine, day: date = BENCH_DAY, repeats: int = 3) -> dict:
    """The 08:00 sweep `repeats` times (outbox emptied before each), then the quiet minutes."""
    runs = []
    for _ in range(repeats):
        clear_outbox(engine)
        before = load()
        seconds, counts = timed_sweep(engine, at(day, "08:00"))
        runs.append({"ms": round(seconds * 1000, 1), "written": sum(counts.values()), "by_kind": counts,
                     "load": before})
    quiet = []
    for hhmm in ("08:00", *QUIET_MINUTES):  # 08:00 again: a second sweep in the same minute
        before = load()
        seconds, counts = timed_sweep(engine, at(day, hhmm))
        quiet.append({"minute": hhmm, "ms": round(seconds * 1000, 1), "written": sum(counts.values()), "load": before})
    busy = [r["ms"] for r in runs]
    calm = [q["ms"] for q in quiet]
    return {
        "backend": engine.dialect.name, "day": day.isoformat(), "open_tasks": open_tasks(engine),
        "sweep_0800_ms": statistics.median(busy), "sweep_0800_first_ms": busy[0], "sweep_0800_max_ms": max(busy),
        "written": runs[0]["written"], "by_kind": runs[0]["by_kind"], "runs": runs,
        "quiet_ms": statistics.median(calm), "quiet_max_ms": max(calm), "quiet": quiet,
        "quiet_written": sum(q["written"] for q in quiet),
        "load_min": min(x["load"] for x in runs + quiet), "load_max": max(x["load"] for x in runs + quiet),
    }


def generated(backend: str, say=print):
    """A fresh database of `backend` filled by the generator (SIZES, BENCH_DAY) with everyone
    linked; returns (engine, bench.server.Database, facts). The caller disposes and drops."""
    from bench.server import fresh_database
    from tracker.demo.synthetic import generate

    db = fresh_database(backend)
    engine = make_engine(db.url)
    report = generate(engine, today=BENCH_DAY, seed=1, **SIZES)
    say(f"  {backend}: generated {report.tasks} tasks, {report.users} people in {report.seconds:.0f} s")
    facts = {"generate_s": round(report.seconds, 1), **link_everyone(engine)}
    return engine, db, facts


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("minutes", nargs="*", help="HH:MM, Vietnam time (with DATABASE_URL)")
    p.add_argument("--date", default=None, help="YYYY-MM-DD (default today)")
    p.add_argument("--clear", action="store_true", help="delete every outbox row first")
    p.add_argument("--generate", metavar="BACKEND", help="sqlite or postgresql: a throwaway generated database")
    args = p.parse_args(argv)
    if args.generate:
        import json

        engine, db, facts = generated(args.generate)
        try:
            print(json.dumps({**facts, **measure(engine)}, ensure_ascii=False))
        finally:
            engine.dispose()
            db.drop()
        return
    engine = make_engine(os.environ["DATABASE_URL"])
    day = date.fromisoformat(args.date) if args.date else date.today()
    if args.clear:
        clear_outbox(engine)
    for hhmm in args.minutes:
        seconds, counts = timed_sweep(engine, at(day, hhmm))
        print(f"{engine.dialect.name} {day} {hhmm}: {seconds:.3f} s, written {counts}, load {load()}")


if __name__ == "__main__":
    main()
