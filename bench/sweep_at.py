"""Time the reminder sweep at given minutes on an existing database (e.g. the generator's
100,000 tasks): `DATABASE_URL=… python -m bench.sweep_at [--date 2026-12-03] 08:00 08:01 10:37`.

The first minute at the reminder hour writes the day's rows (one per person per channel,
plus escalations); the following minutes are quiet (nothing new to write). Rows written
stay in the outbox: pass `--clear` to empty it first (only on a benchmark database)."""
from __future__ import annotations

import argparse
import os
import time
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from tracker.db import make_engine
from tracker.followup.policy import VN_TZ
from tracker.followup.sweep import sweep


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("minutes", nargs="+", help="HH:MM, Vietnam time")
    p.add_argument("--date", default=None, help="YYYY-MM-DD (default today)")
    p.add_argument("--clear", action="store_true", help="delete every outbox row first")
    args = p.parse_args(argv)
    engine = make_engine(os.environ["DATABASE_URL"])
    day = date.fromisoformat(args.date) if args.date else date.today()
    if args.clear:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM notification"))
    for hhmm in args.minutes:
        h, m = map(int, hhmm.split(":"))
        now = datetime(day.year, day.month, day.day, h, m, tzinfo=VN_TZ)
        with Session(engine) as s:
            t0 = time.perf_counter()
            counts = sweep(s, now)
            elapsed = time.perf_counter() - t0
        print(f"{engine.dialect.name} {day} {hhmm}: {elapsed:.3f} s, written {counts}")


if __name__ == "__main__":
    main()
