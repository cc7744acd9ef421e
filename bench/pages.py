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
from urllib.parse import quote_plus

import sqlalchemy as sa

from bench import common
from bench.common import Row
from bench.common import analyze
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
RSS_MB = 200.0
EXPORT_ROWS = common.EXPORT_ROWS
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


# the issue's figures are at 1 and 4 clients (`concurrency` is the loaded case)
QUICK = Sizes(tasks=100_000, units=300, directives=5_000, requests=200, concurrency=4, export_requests=3,
              export_concurrency=1, scheduler_seconds=10, alone_requests=60)
FULL = Sizes(tasks=100_000, units=300, directives=5_000, requests=600, concurrency=4, export_requests=10,
             export_concurrency=1, scheduler_seconds=75, alone_requests=200)


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
    from tracker.demo.synthetic import generate
    from tracker.models import Task
    from tracker.models import User
    from tracker.services.accounts import issue_api_token

    engine = make_engine(db.url)
    report = generate(engine, tasks=sizes.tasks, units=sizes.units, directives=sizes.directives, seed=1)
    if db.backend == "postgresql":
        analyze(engine)   # a unit's task count over the index: 6 ms of heap reads -> 0.3 ms
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
    log = open(os.path.join(db.workdir, "worker.log"), "w")  # noqa: SIM115 - the worker's stdout while it runs; closed below
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
        rows.append(Row(f"generate.{backend}", f"{prep['generate_seconds']:.1f} s", "", "", "", "",
                        f"`demo generate`: {prep['tasks']:,} tasks with their events, co-units, extensions",
                        values={"seconds": round(prep["generate_seconds"], 2), "tasks": prep["tasks"]}))
        routes = _routes(db)
        server = start_gunicorn(db, workers=2)
        cookie = login_cookie(server.base, LEADER, PASSWORD)
        session_hdr = {"Cookie": cookie}
        bearer = {"Authorization": f"Bearer {prep['token']}"}
        n, c = sizes.requests, sizes.concurrency

        staff_cookie = login_cookie(server.base, f"syn.u{prep['unit_id']}.cb1", PASSWORD)
        staff_hdr = {"Cookie": staff_cookie}
        run_load(server.base, "/healthz/ping", total=n, concurrency=c, warmup=8)   # warm both workers

        def has(rule):
            return rule in routes

        api_search = [f"/api/v1/tasks?q={quote_plus(t)}" for t in SEARCH_TERMS]
        pages = [
            # (name, rule, paths, headers, warm-up requests)
            ("dashboard", "/dashboard", ["/dashboard"], session_hdr, 8),
            ("unit_task_list", "/tasks/mine", ["/tasks/mine"], staff_hdr, 8),
            ("task_detail", "/tasks/<int:task_id>", [f"/tasks/{i}" for i in prep["task_ids"]], session_hdr, 8),
            ("api_task_list", "/api/v1/tasks", ["/api/v1/tasks"], bearer, 8),
            # the same searches again and again: served warm (each worker has seen each term)
            ("search_warm", "/api/v1/tasks", api_search, bearer, 8 * len(api_search)),
        ]
        for name, rule, paths, headers, warmup in pages:
            if not has(rule):
                for clients in (1, c):
                    rows.append(Row(f"pages.{backend}.{name}.c{clients}", "n/a (route missing)", result="n/a"))
                continue
            # warm-up requests each on a new connection, so both gunicorn workers get some
            run_load(server.base, paths, total=1, concurrency=1, headers=headers, warmup=warmup)
            # the floor measured right before each figure, at the same concurrency, so a noisy
            # neighbour on the machine weighs on both sides of the ratio
            for clients, total in ((1, sizes.alone_requests), (c, n)):
                floor = run_load(server.base, "/healthz/ping", total=total, concurrency=clients)
                res = run_load(server.base, paths, total=total, concurrency=clients, headers=headers)
                note = f"unit with {prep['unit_tasks']:,} tasks (staff, first page)" if name == "unit_task_list" else ""
                rows.append(_page_row(f"pages.{backend}.{name}.c{clients}", res, floor, clients, total, note,
                                      prep["tasks"]))

        # searches no cache has seen: every request a new term
        if has("/api/v1/tasks"):
            cold_paths = [f"/api/v1/tasks?q={quote_plus(t)}" for t in cold_search_terms(n)]
            floor = run_load(server.base, "/healthz/ping", total=n, concurrency=c)
            res = run_load(server.base, cold_paths, total=n, concurrency=c, headers=bearer)
            rows.append(_page_row(f"pages.{backend}.search_cold.c{c}", res, floor, c, n,
                                  f"{len(cold_paths)} different terms, each asked once", prep["tasks"]))

        export_path = next((p.format(rows=EXPORT_ROWS) for p in EXPORT_CANDIDATES if p.split("?")[0] in routes), None)
        row_name = f"pages.{backend}.export_{EXPORT_ROWS}"
        if export_path is None:
            rows.append(Row(row_name, "n/a (route missing)", result="n/a"))
        else:
            status, body = request("GET", server.base + export_path, headers=session_hdr, timeout=120)
            written = _xlsx_rows(body) if status == 200 else None
            res = run_load(server.base, [export_path], total=sizes.export_requests, concurrency=1,
                           headers=session_hdr, timeout=120)
            worst = max(res.latencies_ms) if res.latencies_ms else None
            note = f"{written:,} data rows in the file" if written is not None else f"HTTP {status}"
            note += f"; {sizes.export_requests} requests one after another"
            if res.non_2xx:
                note += f"; non-2xx answers: {res.statuses}"
            rows.append(Row(row_name, f"p50 {res.p50 / 1000:.2f} / p95 {res.p95 / 1000:.2f} s" if worst else "-",
                            "", "", "", "", note,
                            values={"p50_ms": res.p50, "p95_ms": res.p95, "max_ms": worst,
                                    "requests": sizes.export_requests, "concurrency": 1, "rows": written,
                                    "non_2xx": res.non_2xx + (0 if status == 200 else 1)}))

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


def _page_row(name: str, res, floor, clients: int, total: int, note: str, tasks: int) -> Row:
    """A page's figure at one concurrency beside the trivial route's at the same concurrency."""
    ratio = (res.p95 / floor.p95) if (res.p95 and floor.p95) else None
    if res.non_2xx:
        note = (note + "; " if note else "") + f"non-2xx answers: {dict(sorted(res.statuses.items()))}"
    return Row(name, f"p50 {_fmt_ms(res.p50)} / p95 {_fmt_ms(res.p95)} ms",
               f"trivial p50 {_fmt_ms(floor.p50)} / p95 {_fmt_ms(floor.p95)} ms",
               "-" if ratio is None else f"{ratio:.1f}x", "", "", note,
               values={"p50_ms": res.p50, "p95_ms": res.p95, "ratio_p95_vs_trivial": ratio,
                       "trivial_p50_ms": floor.p50, "trivial_p95_ms": floor.p95, "clients": clients,
                       "requests": total, "statuses": res.statuses, "non_2xx": res.non_2xx, "tasks": tasks})


def cold_search_terms(n: int) -> list[str]:
    """`n` different two-to-three-word searches from the generator's own words (a verb and an
    object of its task texts), so each one is a cache miss and still finds tasks."""
    import itertools

    from tracker.demo.synthetic import OBJECTS
    from tracker.demo.synthetic import VERBS

    words = [w.strip(",").lower() for w in " ".join(VERBS).split()]
    objects = [" ".join(o.replace(",", "").split()[:2]) for o in OBJECTS]
    terms = list(dict.fromkeys(f"{w} {o}" for o, w in itertools.product(objects, dict.fromkeys(words))))
    random.Random(11).shuffle(terms)
    while len(terms) < n:   # more than the vocabulary gives: a third word
        terms += [f"{t} {o.split()[-1]}" for t, o in zip(terms, itertools.cycle(objects))]
        terms = list(dict.fromkeys(terms))
    return terms[:n]


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
