"""Pages through a real gunicorn (2 workers) under concurrent load, on one database backend.

The database is filled by `tracker.demo.synthetic.generate` (the `demo generate` command),
the server is started from deploy/gunicorn.conf.py, and each page gets `requests` GETs spread
over `concurrency` keep-alive clients. Beside every page: the same server's trivial route
(`/healthz/ping`, no database, no template) under the same load, the framework floor.
Peak RSS of the web workers and of the worker process (scheduler) are read from /proc.
"""
import os
import random
import subprocess
import time
from dataclasses import dataclass

import sqlalchemy as sa

from bench.common import Row
from bench.common import passfail
from bench.common import rss_peak_mb
from bench.server import VENV_BIN
from bench.server import app_env
from bench.server import fresh_database
from bench.server import login_cookie
from bench.server import request
from bench.server import run_load
from bench.server import start_gunicorn

PASSWORD = "demo12345"
LEADER = "syn.lanhdao1"
SEARCH_TERMS = ("giai ngan von dau tu cong", "so tai chinh quy 1", "cai cach hanh chinh", "chuyen doi so",
                "thu tuc hanh chinh", "nong thon moi")
PAGE_P95_MS = 100.0
PAGE_VS_TRIVIAL = 5.0
EXPORT_S = 2.0
RSS_MB = 200.0
EXPORT_ROWS = 10_000
EXPORT_CANDIDATES = ("/dashboard/export/tasks.xlsx?limit={rows}", "/dashboard/export.xlsx?limit={rows}",
                     "/tasks/export.xlsx?limit={rows}")


@dataclass
class Sizes:
    tasks: int
    units: int
    directives: int
    requests: int
    concurrency: int
    export_requests: int
    export_concurrency: int
    scheduler_seconds: float
    alone_requests: int = 30


QUICK = Sizes(tasks=100_000, units=300, directives=5_000, requests=200, concurrency=4, export_requests=4,
              export_concurrency=2, scheduler_seconds=20)
FULL = Sizes(tasks=100_000, units=300, directives=5_000, requests=500, concurrency=8, export_requests=12,
             export_concurrency=4, scheduler_seconds=75)


def _routes(db) -> set[str]:
    """The URL rules the app registers (a page not built yet is reported as missing)."""
    from tracker import create_app

    app = create_app({"DATABASE_URL": db.url, "SECRET_KEY": "bench", "INSTANCE_PATH": os.path.join(db.workdir, "i"),
                      "TESTING": True})
    rules = {r.rule for r in app.url_map.iter_rules()}
    app.extensions["engine"].dispose()
    return rules


def _prepare(db, sizes: Sizes, say) -> dict:
    from sqlmodel import Session

    from tracker.db import make_engine
    from tracker.models import Task
    from tracker.models import User
    from tracker.services.accounts import issue_api_token
    from tracker.demo.synthetic import generate

    engine = make_engine(db.url)
    report = generate(engine, tasks=sizes.tasks, units=sizes.units, directives=sizes.directives, seed=1)
    if db.backend == "postgresql":
        # what autovacuum does within a minute of a bulk load in production (PostgreSQL 13+
        # vacuums after inserts): set the visibility map, so counts over an index are
        # index-only scans (a unit's task count: 6 ms of heap reads -> 0.3 ms)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    say(f"  {db.backend}: generated {report.tasks} tasks, {report.units} units, {report.directives} directives, "
        f"{report.events} events in {report.seconds:.1f} s")
    with Session(engine) as session:
        leader = session.exec(sa.select(User).where(User.login == LEADER)).scalar_one()
        token = issue_api_token(session, leader, "bench")
        session.commit()
        busiest = session.execute(sa.select(Task.lead_unit_id, sa.func.count()).group_by(Task.lead_unit_id)
                                  .order_by(sa.func.count().desc()).limit(1)).first()
        ids = session.execute(sa.select(Task.id).order_by(Task.id)).scalars().all()
    engine.dispose()
    rng = random.Random(7)
    return {"token": token, "unit_id": busiest[0], "unit_tasks": busiest[1], "task_ids": rng.sample(ids, 50),
            "generate_seconds": report.seconds, "tasks": report.tasks}


def _scheduler_rss(db, seconds: float) -> tuple[float | None, str]:
    """Start the worker process on this database for a while and read its peak RSS."""
    # the worker's clock starts at 08:05 of a working day (Vietnam), when reminders are due,
    # so the sweep it runs at start-up has real work to do
    from datetime import date
    from datetime import timedelta

    day = date.today()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    env = app_env(db, {"FOLLOWUP_CLOCK_START": f"{day.isoformat()}T08:05:00+07:00"})
    env.pop("TELEGRAM_BOT_TOKEN", None)
    flask = str(VENV_BIN / "flask")
    probe = subprocess.run([flask, "--app", "app", "worker", "--help"], env=env, capture_output=True,
                           cwd=str(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    if probe.returncode != 0:
        return None, "`flask worker run` not available yet"
    log = open(os.path.join(db.workdir, "worker.log"), "w")
    proc = subprocess.Popen([flask, "--app", "app", "worker", "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=str(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    peak = None
    try:
        end = time.time() + seconds
        while time.time() < end and proc.poll() is None:
            value = rss_peak_mb(proc.pid)
            if value is not None:
                peak = value
            time.sleep(0.5)
        if proc.poll() is not None:
            return peak, f"worker exited early (status {proc.returncode}), see {log.name}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
    from tracker.db import make_engine
    from tracker.models import Notification

    engine = make_engine(db.url)
    with engine.connect() as conn:
        written = conn.execute(sa.select(sa.func.count()).select_from(Notification)).scalar()
    engine.dispose()
    return peak, (f"`flask worker run` for {seconds:.0f} s on the {db.backend} data (clock from 08:05 of "
                  f"{day:%d/%m/%Y}; its first sweep runs at start; {written:,} outbox rows written)")


def _fmt_ms(v) -> str:
    return "-" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def run_backend(backend: str, sizes: Sizes, mode: str, say=print) -> list[Row]:
    rows: list[Row] = []
    db = fresh_database(backend)
    server = None
    try:
        prep = _prepare(db, sizes, say)
        rows.append(Row(f"generate.{backend}", f"{prep['generate_seconds']:.1f} s", "", "", "< 60 s",
                        passfail(prep["generate_seconds"] < 60),
                        f"`demo generate`: {prep['tasks']:,} tasks with their events, co-units, extensions",
                        values={"seconds": round(prep["generate_seconds"], 2), "tasks": prep["tasks"]}))
        routes = _routes(db)
        server = start_gunicorn(db, workers=2)
        cookie = login_cookie(server.base, LEADER, PASSWORD)
        session_hdr = {"Cookie": cookie}
        bearer = {"Authorization": f"Bearer {prep['token']}"}
        n, c = sizes.requests, sizes.concurrency
        scale = f"{prep['tasks']:,} tasks" + ("" if prep["tasks"] >= 100_000 else " (quick size)")

        trivial = run_load(server.base, "/healthz/ping", total=n, concurrency=c, warmup=8)
        rows.append(Row(f"pages.{backend}.trivial", f"p50 {_fmt_ms(trivial.p50)} / p95 {_fmt_ms(trivial.p95)} ms",
                        note="" , result="",
                        values={"p50_ms": trivial.p50, "p95_ms": trivial.p95, "requests": n, "concurrency": c,
                                "rps": round(n / trivial.seconds, 1)}))
        baseline = f"trivial p95 {_fmt_ms(trivial.p95)} ms"

        def has(rule):
            return rule in routes

        pages = [
            ("dashboard", "/dashboard", ["/dashboard"], session_hdr),
            ("task_list", "/tasks", [f"/tasks?unit={prep['unit_id']}"], session_hdr),
            ("task_detail", "/tasks/<int:task_id>", [f"/tasks/{i}" for i in prep["task_ids"]], session_hdr),
            ("search_api", "/api/v1/tasks", [f"/api/v1/tasks?q={t.replace(' ', '+')}" for t in SEARCH_TERMS], bearer),
            ("search_directives", "/directives", [f"/directives?q={t.replace(' ', '+')}" for t in SEARCH_TERMS],
             session_hdr),
        ]
        for name, rule, paths, headers in pages:
            row_name = f"pages.{backend}.{name}"
            target = f"p95 <= {PAGE_P95_MS:.0f} ms, <= {PAGE_VS_TRIVIAL:.0f}x trivial"
            if not has(rule):
                rows.append(Row(row_name, "n/a (route missing)", baseline, "", target, "n/a"))
                continue
            # the floor measured right before this page, so a noisy neighbour on the machine
            # weighs on both sides of the ratio
            floor = run_load(server.base, "/healthz/ping", total=n, concurrency=c)
            alone = run_load(server.base, paths, total=sizes.alone_requests, concurrency=1, headers=headers,
                             warmup=4)
            res = run_load(server.base, paths, total=n, concurrency=c, headers=headers)
            ok_status = res.non_2xx == 0
            ratio = (res.p95 / floor.p95) if (res.p95 and floor.p95) else None
            ok = ok_status and res.p95 is not None and res.p95 <= PAGE_P95_MS and ratio is not None \
                and ratio <= PAGE_VS_TRIVIAL
            note = f"one client alone: p50 {_fmt_ms(alone.p50)} ms"
            if not ok_status or alone.non_2xx:
                note += f"; non-2xx answers: {dict(sorted(res.statuses.items()))}"
            if name == "task_list":
                note += f"; unit with {prep['unit_tasks']:,} tasks, first page"
            rows.append(Row(row_name, f"p50 {_fmt_ms(res.p50)} / p95 {_fmt_ms(res.p95)} ms",
                            f"trivial p50 {_fmt_ms(floor.p50)} / p95 {_fmt_ms(floor.p95)} ms",
                            "-" if ratio is None else f"{ratio:.1f}x", target, passfail(ok), note,
                            values={"p50_ms": res.p50, "p95_ms": res.p95, "ratio_p95_vs_trivial": ratio,
                                    "trivial_p50_ms": floor.p50, "trivial_p95_ms": floor.p95,
                                    "alone_p50_ms": alone.p50,
                                    "requests": n, "concurrency": c, "statuses": res.statuses,
                                    "tasks": prep["tasks"], "scale": scale}))

        export_path = next((p.format(rows=EXPORT_ROWS) for p in EXPORT_CANDIDATES if p.split("?")[0] in routes), None)
        row_name = f"pages.{backend}.export_{EXPORT_ROWS}"
        if export_path is None:
            rows.append(Row(row_name, "n/a (route missing)", baseline, "", f"<= {EXPORT_S:.0f} s", "n/a"))
        else:
            status, body = request("GET", server.base + export_path, headers=session_hdr, timeout=120)
            written = _xlsx_rows(body) if status == 200 else None
            res = run_load(server.base, [export_path], total=sizes.export_requests,
                           concurrency=sizes.export_concurrency, headers=session_hdr, timeout=120)
            worst = max(res.latencies_ms) if res.latencies_ms else None
            ok = res.non_2xx == 0 and worst is not None and worst <= EXPORT_S * 1000
            note = f"{written:,} data rows in the file" if written is not None else f"HTTP {status}"
            if res.non_2xx:
                note += f"; non-2xx answers: {res.statuses}"
            rows.append(Row(row_name, f"p50 {res.p50 / 1000:.2f} / max {worst / 1000:.2f} s" if worst else "-",
                            baseline, "", f"<= {EXPORT_S:.0f} s", passfail(ok), note,
                            values={"p50_ms": res.p50, "max_ms": worst, "requests": sizes.export_requests,
                                    "concurrency": sizes.export_concurrency, "rows": written}))

        peaks = [p for p in (rss_peak_mb(pid) for pid in server.worker_pids()) if p is not None]
        peak = max(peaks) if peaks else None
        rows.append(Row(f"memory.{backend}.web_worker", f"{peak} MB" if peak else "-", "", "",
                        f"<= {RSS_MB:.0f} MB", passfail(None if peak is None else peak <= RSS_MB),
                        "peak RSS (VmHWM) of the largest gunicorn worker after all the page loads",
                        values={"peak_rss_mb": peak, "workers": peaks}))
        server.stop()
        server = None

        sched, sched_note = _scheduler_rss(db, sizes.scheduler_seconds)
        rows.append(Row(f"memory.{backend}.scheduler", f"{sched} MB" if sched else "n/a", "", "",
                        f"<= {RSS_MB:.0f} MB", passfail(None if sched is None else sched <= RSS_MB), sched_note,
                        values={"peak_rss_mb": sched}))
    finally:
        if server is not None:
            server.stop()
        db.drop()
    return rows


def _xlsx_rows(body: bytes) -> int | None:
    """Data rows in an exported workbook (rows with a number in the STT column)."""
    import io

    try:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        return sum(1 for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)
                   if isinstance(row[0], (int, float)))
    except Exception:  # noqa: BLE001 - not a workbook: reported as unknown
        return None
