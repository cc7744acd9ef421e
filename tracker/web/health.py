"""Health checks: public `GET /healthz`, admin-only details, and `GET /healthz/ping`.

Public `/healthz` is a liveness answer for load balancers and nothing more:
`{"status": "ok"}` with 200 when the database answers `SELECT 1`, `{"status": "error"}` with
503 otherwise. It used to show the backend, the worker's PID, the Telegram mode and, with the
database down, the raw driver error (host, port, database name) to anyone.

The details move behind authentication: `GET /admin/health` (an admin's session) and
`GET /healthz?details=1` with an admin API token (`Authorization: Bearer ...`), both:

    {"status": "ok"|"error",
     "database": {"status": "ok"|"error", "backend": "postgresql", "latency_ms": 0.4, "error"?: "..."},
     "scheduler": {"status": "ok"|"stale"|"running"|"stopped"|"unknown", "last_beat": ISO-8601|null, ...}}

The scheduler runs in the worker process (`flask --app app worker run`), never here, so this
can only read what the worker leaves behind: a heartbeat. Where it comes from, first found:
1. `tracker.followup.heartbeat.read_heartbeat(app)` when that module exists (the worker's own
   reader: a DB row shared by every machine, a file, whatever the worker writes);
2. the file `instance/worker-heartbeat.json` (`{"at": ISO-8601, "pid": n, ...}`), or its mtime
   when the content is not JSON.
Without a heartbeat, the worker's lock tells whether a worker is alive at all (it holds
it for its whole life): the PostgreSQL advisory lock, seen in `pg_locks` from any machine,
or the `flock` on `instance/worker.lock` (SQLite, one machine), seen in /proc/locks:
"running" (a worker holds it), "stopped" (nobody does), else "unknown".
The scheduler state never makes the endpoint fail: a web
server without a worker still serves pages, and an orchestrator restarting web workers
because the worker is down would only make things worse.

`/healthz/ping` is the trivial route (no database, no template): the framework floor the
benchmarks compare pages against.
"""
import importlib
import json
import logging
import os
import time
from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from sqlalchemy import text

from tracker.web.auth import role_required

bp = Blueprint("health", __name__)

log = logging.getLogger(__name__)
HEARTBEAT_FILE = "worker-heartbeat.json"
LOCK_FILE = "worker.lock"
# tracker.followup.worker.ADVISORY_LOCK_KEY, repeated so web workers need not import the
# worker (and the Telegram library with it); tests/scale/test_health.py checks they agree.
ADVISORY_LOCK_KEY = 0x44545F57
STALE_AFTER_SECONDS = 180  # the sweep runs every minute; three missed beats is a problem


@bp.get("/healthz/ping")
def ping():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    database = database_state()
    ok = database["status"] == "ok"
    body = {"status": "ok" if ok else "error"}
    # Without the database no token can be checked: then the minimal answer only.
    if ok and request.args.get("details") not in (None, "", "0"):
        from tracker.web import throttling

        blocked = throttling.refused("api_token", json=True)  # the same budget as the API's bearer tokens
        if blocked is not None:
            return blocked
        if not _admin_token():
            throttling.failed("api_token")
            return _json({"error": {"code": "forbidden",
                                    "message": "Chi tiết tình trạng chỉ dành cho quản trị (mã truy cập của quản trị)"}},
                         403)
        body = details(database)
    return _json(body, 200 if ok else 503)


@bp.get("/admin/health")
@role_required("admin")
def admin_health():
    database = database_state()
    return _json(details(database), 200 if database["status"] == "ok" else 503)


def details(database: dict) -> dict:
    return {"status": "ok" if database["status"] == "ok" else "error", "database": database,
            "scheduler": scheduler_state()}


def _json(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _admin_token() -> bool:
    from tracker.db import get_session
    from tracker.services import accounts

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    user = accounts.user_for_api_token(get_session(), token.strip())
    return user is not None and user.role == "admin"


def database_state() -> dict:
    engine = current_app.extensions["engine"]
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "database down" here
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        log.warning("healthz: database does not answer: %s", reason[0] if reason else type(exc).__name__)
        return {"status": "error", "backend": engine.dialect.name,
                "error": (reason[0] if reason else type(exc).__name__)[:200]}
    latency = (time.perf_counter() - started) * 1000
    return {"status": "ok", "backend": engine.dialect.name, "latency_ms": round(latency, 2)}


def _read_heartbeat() -> dict | None:
    """The latest heartbeat as {"at": aware datetime, ...extra}, or None."""
    try:
        module = importlib.import_module("tracker.followup.heartbeat")
    except ModuleNotFoundError:
        module = None
    reader = getattr(module, "read_heartbeat", None)
    if reader is not None:
        beat = reader(current_app)
        if beat:
            return _normalize_beat(beat)
    path = os.path.join(current_app.instance_path, HEARTBEAT_FILE)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = fh.read()
        mtime = os.path.getmtime(path)
    except OSError:
        return None
    try:
        beat = json.loads(raw)
        if not isinstance(beat, dict) or "at" not in beat:
            raise ValueError
    except ValueError:
        beat = {"at": datetime.fromtimestamp(mtime, UTC)}
    return _normalize_beat(beat)


def _normalize_beat(beat) -> dict | None:
    if isinstance(beat, datetime):
        beat = {"at": beat}
    if not isinstance(beat, dict):
        return None
    at = beat.get("at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return None
    if not isinstance(at, datetime):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return {**beat, "at": at}


def scheduler_state(now: datetime | None = None) -> dict:
    try:
        beat = _read_heartbeat()
    except Exception as exc:  # noqa: BLE001 - a broken heartbeat reader must not break /healthz
        return {"status": "unknown", "last_beat": None, "age_seconds": None, "error": str(exc)[:200]}
    if beat is None:
        held = worker_lock_held()
        status = {True: "running", False: "stopped", None: "unknown"}[held]
        return {"status": status, "last_beat": None, "age_seconds": None, "lock_held": held}
    now = now or datetime.now(UTC)
    age = max(0.0, (now - beat["at"]).total_seconds())
    extra = {k: v for k, v in beat.items() if k != "at" and isinstance(v, (str, int, float, bool, type(None)))}
    return {**extra, "status": "ok" if age <= STALE_AFTER_SECONDS else "stale",
            "last_beat": beat["at"].astimezone(UTC).isoformat(), "age_seconds": round(age, 1)}


def worker_lock_held() -> bool | None:
    """Whether some worker holds the one-worker lock; None when it cannot be told."""
    engine = current_app.extensions["engine"]
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                return bool(conn.execute(text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() "
                    "AND l.classid = :hi AND l.objid = :lo AND l.objsubid = 1"),
                    {"hi": ADVISORY_LOCK_KEY >> 32, "lo": ADVISORY_LOCK_KEY & 0xFFFFFFFF}).scalar())
        path = os.path.join(current_app.instance_path, LOCK_FILE)
        if not os.path.exists(path):
            return False
        inode = os.stat(path).st_ino
        with open("/proc/locks", encoding="ascii") as fh:
            for line in fh:
                # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" -> major:minor:inode
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
                    return True
        return False
    except Exception:  # noqa: BLE001 - no /proc, no permission: say "unknown", never fail
        return None
