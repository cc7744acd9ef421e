"""Issue 4's target: a unit's task list and a task detail under 100 ms with 10,000 tasks in SQLite.

Measured through the same gunicorn set-up as bench/pages.py, sequentially (one client) and with
4 concurrent clients, beside the trivial route.
"""
from bench.common import Row
from bench.common import passfail
from bench.pages import LEADER
from bench.pages import PASSWORD
from bench.pages import Sizes
from bench.pages import _fmt_ms
from bench.pages import _prepare
from bench.server import fresh_database
from bench.server import login_cookie
from bench.server import run_load
from bench.server import start_gunicorn

SMALL = Sizes(tasks=10_000, units=100, directives=500, requests=200, concurrency=4, export_requests=0,
              export_concurrency=1, scheduler_seconds=0)
TARGET_MS = 100.0


def run(say=print) -> list[Row]:
    db = fresh_database("sqlite")
    server = None
    rows = []
    try:
        prep = _prepare(db, SMALL, say)
        server = start_gunicorn(db, workers=2)
        headers = {"Cookie": login_cookie(server.base, LEADER, PASSWORD)}
        trivial = run_load(server.base, "/healthz/ping", total=100, concurrency=1, warmup=8)
        pages = (("task_list", [f"/tasks?unit={prep['unit_id']}"]),
                 ("task_detail", [f"/tasks/{i}" for i in prep["task_ids"]]))
        for name, paths in pages:
            alone = run_load(server.base, paths, total=100, concurrency=1, headers=headers, warmup=4)
            loaded = run_load(server.base, paths, total=SMALL.requests, concurrency=SMALL.concurrency, headers=headers)
            ok = alone.non_2xx == 0 and loaded.non_2xx == 0 and alone.p95 is not None and alone.p95 <= TARGET_MS
            rows.append(Row(
                f"pages.sqlite_10k.{name}", f"p50 {_fmt_ms(alone.p50)} / p95 {_fmt_ms(alone.p95)} ms",
                f"trivial p50 {_fmt_ms(trivial.p50)} / p95 {_fmt_ms(trivial.p95)} ms", "", f"p95 <= {TARGET_MS:.0f} ms",
                passfail(ok),
                f"{prep['tasks']:,} tasks, one client; with {SMALL.concurrency} clients p95 {_fmt_ms(loaded.p95)} ms"
                + (f"; unit with {prep['unit_tasks']:,} tasks, first page" if name == "task_list" else ""),
                values={"p50_ms": alone.p50, "p95_ms": alone.p95, "loaded_p95_ms": loaded.p95,
                        "tasks": prep["tasks"]}))
    finally:
        if server is not None:
            server.stop()
        db.drop()
    return rows
