"""Where a page's time goes, in one process: queries, SQL time, and a cProfile of the rest.

    .venv/bin/python -m bench.profile_pages --database-url sqlite:////tmp/x/bench.db
    .venv/bin/python -m bench.profile_pages --database-url postgresql+psycopg://... --pages unit_list --top 30

The pages and users are bench/hot_pages.py's. Each page is requested through the Flask test
client (no HTTP, no gunicorn) `--requests` times after a warm-up; per request it reports the
wall time, the number of SQL statements and the time spent in them (cursor execute to
result), so "wall - SQL" is Python: routing, ORM object building, templates, JSON, and
the CPU time of this process (robust to a busy machine, unlike wall time). With
`--top N` the cProfile of those requests is printed, sorted by cumulative and by own time.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time

from bench.hot_pages import PAGES
from bench.hot_pages import prepare
from bench.pages import LEADER
from bench.pages import PASSWORD
from bench.pages import SEARCH_TERMS


def _app(url: str):
    from tracker import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "INSTANCE_PATH": tempfile.mkdtemp(prefix="dt-profile-"), "TRACKER_ENV": "development"})


def _login(app, login: str):
    client = app.test_client()
    resp = client.post("/login", data={"login": login, "password": PASSWORD})
    if resp.status_code not in (302, 303):
        raise RuntimeError(f"login as {login}: HTTP {resp.status_code}")
    return client


class SqlTimer:
    """Counts statements and the time between before/after_cursor_execute."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.seconds = 0.0
        self._t0 = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *args):
        self._t0 = time.perf_counter()

    def _after(self, *args):
        self.count += 1
        self.seconds += time.perf_counter() - self._t0

    def reset(self):
        self.count, self.seconds = 0, 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_pages", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=0, help="print the N most expensive functions")
    args = parser.parse_args(argv)
    from tracker.config import normalize_database_url

    url = normalize_database_url(args.database_url)
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    prep = prepare(url, args.requests * 2 + 10)
    app = _app(url)
    timer = SqlTimer(app.extensions["engine"])
    leader = _login(app, LEADER)
    staff = _login(app, prep["staff"])
    token = {"Authorization": f"Bearer {prep['token']}"}
    cold = iter(prep["cold_terms"])
    n = args.requests

    def requests_for(name):
        if name == "dashboard":
            return leader, ["/dashboard"] * n, {}
        if name == "unit_list":
            return staff, ["/tasks/mine"] * n, {}
        if name == "task_detail":
            return leader, [f"/tasks/{prep['task_ids'][i % 50]}" for i in range(n)], {}
        if name == "api_list":
            return leader, [f"/api/v1/tasks?page={1 + i % 5}" for i in range(n)], token
        if name == "search_warm":
            return leader, [f"/api/v1/tasks?q={SEARCH_TERMS[i % 6].replace(' ', '+')}" for i in range(n)], token
        if name == "search_cold":
            return leader, [f"/api/v1/tasks?q={next(cold).replace(' ', '+')}" for _ in range(n)], token
        raise ValueError(name)

    for name in pages:
        client, paths, headers = requests_for(name)
        for path in paths[:3] if name != "search_cold" else []:
            client.get(path, headers=headers)  # warm caches as a second request would find them
        if name == "search_cold":
            client.get(f"/api/v1/tasks?q={SEARCH_TERMS[0].replace(' ', '+')}", headers=headers)
        profiler = cProfile.Profile()
        timer.reset()
        walls, sizes, cpu = [], 0, 0.0
        for path in paths:
            t0, c0 = time.perf_counter(), time.process_time()
            if args.top:
                profiler.enable()
            resp = client.get(path, headers=headers)
            if args.top:
                profiler.disable()
            walls.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
            sizes += len(resp.data)
            if resp.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {resp.status_code}")
        walls.sort()
        wall = sum(walls) / len(walls) * 1000
        sql = timer.seconds / len(walls) * 1000
        print(f"{name:12} wall {wall:6.2f} ms (p50 {walls[len(walls) // 2] * 1000:6.2f})  "
              f"queries {timer.count / len(walls):4.1f}  SQL {sql:6.2f} ms  Python {wall - sql:6.2f} ms  "
              f"CPU {cpu / len(walls) * 1000:6.2f} ms  "
              f"{sizes / len(walls) / 1024:5.1f} KB  load {os.getloadavg()[0]:.2f}", flush=True)
        if args.top:
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
                print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    app.extensions["engine"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
