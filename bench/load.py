"""Load test of the deployment example: 50 concurrent clients, 60 seconds, mixed reads and writes.

    scripts/prod-local.sh --detach          # PostgreSQL, gunicorn (2 workers), worker, nginx
    .venv/bin/python -m bench.load          # against it (settings from /tmp/dt-prod/env)
    .venv/bin/python -m bench.load --url http://127.0.0.1:8000 --clients 50 --seconds 60

Each client holds its own API token (a clerk's) and keep-alive connection and loops until
time is up: about 70 % reads (task lists, pages of them, a task, a search, the unit registry,
/healthz, a page rendered for a logged-in user, a static file) and 30 % writes. A write
reads a task of a small hot set (so clients really collide), then PATCHes a progress note
with the version it read; a 409 means someone else won, so it reads again and retries.

Verdict, from the database afterwards: for every hot task the number of new TaskEvents
carrying this run's marker, and the growth of its version, both equal the number of writes
the server acknowledged with 200. Any 5xx, or any difference, fails the run (exit 1).
Only 127.0.0.1 is ever contacted; the run is bounded by --seconds plus request timeouts.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections import defaultdict

import sqlalchemy as sa

from bench.common import percentile
from bench.server import _check_local
from bench.server import login_cookie

RUN_DIR = os.environ.get("RUN_DIR", "/tmp/dt-prod")
CLERK_LOGINS = ("vanphong", "syn.vanphong1")
SEARCHES = ("giai ngan", "so tai chinh", "cai cach hanh chinh", "chuyen doi so", "quy 1")


def _env_file() -> dict:
    out = {}
    try:
        with open(os.path.join(RUN_DIR, "env"), encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.strip().partition("=")
                if key:
                    out[key] = value
    except OSError:
        pass
    return out


def _default_url() -> str:
    env = _env_file()
    return env.get("PUBLIC_URL") or "http://127.0.0.1:8080"


def prepare(database_url: str, clients: int, hot: int, seed: int) -> dict:
    """Tokens for `clients` clerks' clients, the hot tasks with their versions and event counts."""
    from sqlmodel import Session

    from tracker.db import make_engine
    from tracker.models import Task
    from tracker.models import User
    from tracker.services.accounts import issue_api_token

    engine = make_engine(database_url)
    with Session(engine) as session:
        clerk = None
        for login in CLERK_LOGINS:
            clerk = session.execute(sa.select(User).where(User.login == login)).scalar_one_or_none()
            if clerk is not None:
                break
        if clerk is None:
            raise SystemExit("no clerk account (vanphong or syn.vanphong1): run scripts/prod-local.sh first")
        tokens = [issue_api_token(session, clerk, f"load-{i}") for i in range(clients)]
        clerk_login = clerk.login
        session.commit()
        open_ids = session.execute(sa.select(Task.id).where(Task.status != "hoan_thanh")
                                   .order_by(Task.id)).scalars().all()
        all_ids = session.execute(sa.select(Task.id).order_by(Task.id).limit(5000)).scalars().all()
        rng = random.Random(seed)
        hot_ids = rng.sample(open_ids, min(hot, len(open_ids)))
        versions = dict(session.execute(sa.select(Task.id, Task.version).where(Task.id.in_(hot_ids))).all())
    engine.dispose()
    return {"clerk": clerk_login, "tokens": tokens, "hot": hot_ids, "versions": versions, "read_ids": all_ids}


def verify(database_url: str, prep: dict, marker: str, acknowledged: Counter) -> tuple[bool, list[str]]:
    from tracker.db import make_engine
    from tracker.models import Task
    from tracker.models import TaskEvent

    engine = make_engine(database_url)
    problems = []
    with engine.connect() as conn:
        events = dict(conn.execute(
            sa.select(TaskEvent.task_id, sa.func.count()).where(TaskEvent.note.like(f"{marker}%"))
            .group_by(TaskEvent.task_id)).all())
        versions = dict(conn.execute(sa.select(Task.id, Task.version).where(Task.id.in_(prep["hot"]))).all())
    engine.dispose()
    for task_id in prep["hot"]:
        acked = acknowledged.get(task_id, 0)
        got_events = events.get(task_id, 0)
        grew = versions[task_id] - prep["versions"][task_id]
        if got_events != acked or grew != acked:
            problems.append(f"task {task_id}: {acked} writes acknowledged, {got_events} events, version +{grew}")
    stray = set(events) - set(prep["hot"])
    if stray:
        problems.append(f"events on tasks nobody wrote: {sorted(stray)[:10]}")
    return not problems, problems


class Client(threading.Thread):
    def __init__(self, index, base, token, cookie, prep, marker, until, stats, lock, seed):
        super().__init__(daemon=True)
        self.index, self.base, self.token, self.cookie = index, base, token, cookie
        self.prep, self.marker, self.until = prep, marker, until
        self.stats, self.lock = stats, lock
        self.rng = random.Random(seed)
        parts = _check_local(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None
        self.writes = 0

    def _connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, method, path, body=None, kind="read", auth="token"):
        headers = {"Connection": "keep-alive"}
        if auth == "token":
            headers["Authorization"] = f"Bearer {self.token}"
        elif auth == "cookie":
            headers["Cookie"] = self.cookie
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        for attempt in range(2):
            try:
                if self.conn is None:
                    self._connect()
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self._connect()
                break
            except (OSError, http.client.HTTPException):
                self._connect()
                if attempt == 1:
                    with self.lock:
                        self.stats["status"][599] += 1
                    return 599, b""
                # a keep-alive connection the server closed between requests: one reconnect
                # (only before anything was answered, so a write is never sent twice blindly)
                if method != "GET":
                    with self.lock:
                        self.stats["status"][599] += 1
                    return 599, b""
        ms = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.stats["status"][resp.status] += 1
            self.stats["latency"][kind].append(ms)
        return resp.status, data

    def write_once(self):
        task_id = self.rng.choice(self.prep["hot"])
        for _attempt in range(20):
            status, data = self.call("GET", f"/api/v1/tasks/{task_id}", kind="read")
            if status != 200:
                return
            version = json.loads(data)["version"]
            self.writes += 1
            note = f"{self.marker} c{self.index} w{self.writes}: đã cập nhật tiến độ"
            status, data = self.call("PATCH", f"/api/v1/tasks/{task_id}", {"note": note, "version": version},
                                     kind="write")
            if status == 200:
                with self.lock:
                    self.stats["acknowledged"][task_id] += 1
                return
            if status == 409:
                with self.lock:
                    self.stats["conflicts"] += 1
                continue
            with self.lock:
                self.stats["write_errors"][status] += 1
            return

    def read_once(self):
        r = self.rng.random()
        ids = self.prep["read_ids"]
        if r < 0.25:
            self.call("GET", f"/api/v1/tasks?page={self.rng.randint(1, 20)}&per_page=50")
        elif r < 0.45:
            self.call("GET", f"/api/v1/tasks/{self.rng.choice(ids)}")
        elif r < 0.55:
            self.call("GET", f"/api/v1/tasks?q={self.rng.choice(SEARCHES).replace(' ', '+')}")
        elif r < 0.62:
            self.call("GET", "/api/v1/units")
        elif r < 0.70:
            self.call("GET", "/healthz", auth=None)
        elif r < 0.80:
            self.call("GET", "/static/app.css", auth=None, kind="static")
        else:
            self.call("GET", self.rng.choice(("/tasks", f"/tasks/{self.rng.choice(ids)}", "/directives")),
                      auth="cookie", kind="page")

    def run(self):
        try:
            while time.monotonic() < self.until:
                if self.rng.random() < 0.30:
                    self.write_once()
                else:
                    self.read_once()
        finally:
            if self.conn is not None:
                self.conn.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="base URL (127.0.0.1 only); default: the prod-local nginx")
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL of scripts/prod-local.sh")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--hot", type=int, default=25, help="tasks the writes share (collisions on purpose)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    base = (args.url or _default_url()).rstrip("/")
    _check_local(base)
    database_url = args.database_url or _env_file().get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not database_url:
        parser.error("no database URL: pass --database-url or start scripts/prod-local.sh")
    from tracker.config import normalize_database_url

    database_url = normalize_database_url(database_url)
    if args.seconds > 600 or args.clients > 200:
        parser.error("bounded: at most 600 seconds and 200 clients")

    prep = prepare(database_url, args.clients, args.hot, args.seed)
    cookie = login_cookie(base, prep["clerk"], "demo12345")
    marker = f"load-{uuid.uuid4().hex[:8]}"
    stats = {"status": Counter(), "latency": defaultdict(list), "acknowledged": Counter(), "conflicts": 0,
             "write_errors": Counter()}
    lock = threading.Lock()
    until = time.monotonic() + args.seconds
    print(f"{args.clients} clients for {args.seconds:.0f} s against {base} (marker {marker}, "
          f"{len(prep['hot'])} hot tasks) ...", flush=True)
    started = time.perf_counter()
    clients = [Client(i, base, prep["tokens"][i], cookie, prep, marker, until, stats, lock, args.seed * 1000 + i)
               for i in range(args.clients)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(timeout=args.seconds + 120)
    elapsed = time.perf_counter() - started
    alive = sum(c.is_alive() for c in clients)

    ok, problems = verify(database_url, prep, marker, stats["acknowledged"])
    total = sum(stats["status"].values())
    fivexx = sum(n for s, n in stats["status"].items() if s >= 500)
    acked = sum(stats["acknowledged"].values())
    print(f"requests: {total:,} in {elapsed:.1f} s ({total / elapsed:.0f}/s); statuses: "
          f"{dict(sorted(stats['status'].items()))}")
    for kind, values in sorted(stats["latency"].items()):
        print(f"  {kind:6} n={len(values):6,}  p50 {percentile(values, 50):7.1f} ms"
              f"  p95 {percentile(values, 95):7.1f} ms"
              f"  max {max(values):7.1f} ms")
    print(f"writes acknowledged: {acked:,}; 409 conflicts retried: {stats['conflicts']:,}; "
          f"other write failures: {dict(stats['write_errors'])}")
    print(f"lost updates: {'none' if ok else len(problems)} (events and versions match the acknowledged writes "
          f"on all {len(prep['hot'])} hot tasks)" if ok else "lost updates or phantom writes:")
    for p in problems:
        print("  " + p)
    passed = ok and fivexx == 0 and alive == 0 and acked > 0
    print(f"5xx: {fivexx}  ->  {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
