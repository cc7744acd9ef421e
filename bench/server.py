"""A real server to measure: a fresh database, gunicorn from deploy/gunicorn.conf.py, HTTP clients.

Everything binds to and talks to 127.0.0.1 only.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import sqlalchemy as sa

from bench.common import children
from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LOCAL_HOSTS = ("127.0.0.1", "localhost")


# --- Databases -------------------------------------------------------------------------------

@dataclass
class Database:
    backend: str
    url: str
    workdir: str
    _pg_name: str | None = None

    def drop(self) -> None:
        if self._pg_name:
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)'))
            admin.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)


def pg_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - unreachable means "skip PostgreSQL"
        return False


def fresh_database(backend: str) -> Database:
    """An empty, migrated database of the given backend."""
    from tracker.db import make_engine
    from tracker.migrate import upgrade

    workdir = tempfile.mkdtemp(prefix=f"dt-bench-{backend}-")
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir}/bench.db"
    else:
        pg_name = f"dt_bench_{os.getpid()}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{pg_name}"'))
        admin.dispose()
        url = sa.engine.make_url(PG_ADMIN_URL).set(database=pg_name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return Database(backend, url, workdir, pg_name)


# --- gunicorn --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return children(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def app_env(db: Database, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db.url,
        "INSTANCE_PATH": os.path.join(db.workdir, "instance"),
        "SECRET_KEY": "bench-secret-key",
        # development mode: plain-HTTP clients must get the session cookie back (no Secure flag)
        "TRACKER_ENV": "development",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra or {})
    return env


def start_gunicorn(db: Database, workers: int = 2) -> Server:
    port = free_port()
    log_path = os.path.join(db.workdir, "gunicorn.log")
    env = app_env(db, {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
                       "GUNICORN_ACCESSLOG": os.devnull, "GUNICORN_LOGLEVEL": "warning",
                       "GUNICORN_MAX_REQUESTS": "0"})
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                                 "app:app"], cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(proc, port, log_path)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {Path(log_path).read_text()[-2000:]}")
        try:
            status, _ = request("GET", server.base + "/healthz/ping")
            if status == 200 and len(server.worker_pids()) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("gunicorn did not start within 60 s")


# --- HTTP --------------------------------------------------------------------------------------

def _check_local(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        raise ValueError(f"benchmarks only talk to 127.0.0.1, not {parts.hostname}")
    return parts


def request(method: str, url: str, headers: dict | None = None, body: bytes | None = None,
            timeout: float = 30) -> tuple[int, bytes]:
    parts = _check_local(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def login_cookie(base: str, login: str, password: str) -> str:
    """Log in through the form (CSRF token from the page) and return the Cookie header value.

    Cookies are carried by hand: in production mode the session cookie is `Secure`, which
    cookie jars rightly refuse to send over plain HTTP, even to 127.0.0.1."""
    jar: dict[str, str] = {}

    def remember(resp):
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                jar[name.strip()] = rest.split(";", 1)[0]

    parts = _check_local(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", "/login")
        resp = conn.getresponse()
        page = resp.read().decode("utf-8", "replace")
        remember(resp)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        form = {"login": login, "password": password}
        if match:
            form["csrf_token"] = match.group(1)
        body = urllib.parse.urlencode(form).encode()
        conn.request("POST", "/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        resp = conn.getresponse()
        resp.read()
        remember(resp)
        if resp.status not in (302, 303):
            raise RuntimeError(f"login as {login} failed: HTTP {resp.status}")
    finally:
        conn.close()
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@dataclass
class LoadResult:
    latencies_ms: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    bytes: int = 0

    @property
    def p50(self):
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self):
        return percentile(self.latencies_ms, 95)

    @property
    def errors_5xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)

    @property
    def non_2xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 300)


def run_load(base: str, paths, *, total: int, concurrency: int, headers: dict | None = None,
             warmup: int = 0, timeout: float = 60) -> LoadResult:
    """`total` GETs spread over `concurrency` keep-alive connections; `paths` is a list cycled
    through (one path or many, e.g. different task ids). Latency is request sent to body read."""
    parts = _check_local(base)
    paths = list(paths) if not isinstance(paths, str) else [paths]
    result = LoadResult()
    lock = threading.Lock()
    counter = {"next": 0}
    hdrs = {"Connection": "keep-alive", **(headers or {})}

    def one(conn, path):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (time.perf_counter() - t0) * 1000, len(body), resp.will_close

    for i in range(warmup):  # first requests of each worker: imports, caches, pool connections
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            one(conn, paths[i % len(paths)])
        finally:
            conn.close()

    def client():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            while True:
                with lock:
                    i = counter["next"]
                    if i >= total:
                        return
                    counter["next"] += 1
                try:
                    status, ms, size, will_close = one(conn, paths[i % len(paths)])
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
                    status, ms, size, will_close = 599, 0.0, 0, True
                with lock:
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    if status != 599:
                        result.latencies_ms.append(ms)
                    result.bytes += size
                if will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        finally:
            conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result
