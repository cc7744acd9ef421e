"""Large exports as background jobs (issue #18): over EXPORT_JOB_ROWS rows, the worker builds the file.

A task export (/exports/tasks.xlsx|csv) or the dashboard workbook (/dashboard/export.xlsx)
whose filtered row count exceeds the threshold (setting EXPORT_JOB_ROWS, 10,000) is not
built in the web request: the route enqueues an `export` job in the one job table
(`services/jobs.py`, the same queue the OCR uses) and answers with a page that shows the
progress and then the download link. The worker runs the job away from the minute sweep
and builds the file in a child process (`sandbox.run_limited`: its own interpreter, its
own database connection, CPU/memory/wall limits), with the very functions the synchronous
route uses (`exports.tasks_xlsx` ...), so every user cell still goes through cellsafe.

The file is kept under the instance folder (`exports/`) for KEEP (24 hours) from the
request (the job row's `expires_at`); the worker's purge (`jobs.purge_expired`) then deletes the row and the file. Only
the person who asked, and admins, may see the job or download the file; an expired job is
gone even before the purge has run.

The job row's payload holds the export's kind and format, the query parameters and the
day the export was asked for (the file shows deadline states as of that day), never SQL:
the worker rebuilds the user's scope from the parameters with `exports.task_scope`.
"""
from __future__ import annotations

import os
import secrets
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import select

from tracker.models import ADMIN
from tracker.models import JOB_DONE
from tracker.models import JOB_FAILED
from tracker.models import JOB_QUEUED
from tracker.models import JOB_RUNNING
from tracker.models import BackgroundJob
from tracker.models import User
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services import jobs
from tracker.services.clock import local_today
from tracker.services.clock import utc_now

EXPORT_JOB = "export"
KEEP = timedelta(hours=24)
DEFAULT_THRESHOLD = 10_000
FOLDER = "exports"
KINDS = ("tasks", "dashboard")
FORMATS = ("xlsx", "csv")
STEMS = {"dashboard": "tong-hop-nhiem-vu"}
# the child that builds the file: generous limits (50,000 rows take a few seconds), but bounded
LIMITS = {"cpu_seconds": 300, "memory_bytes": 2 * 2**30, "wall_seconds": 600.0}
STATE_LABELS = {JOB_QUEUED: "Đang chờ", JOB_RUNNING: "Đang tạo tệp", JOB_DONE: "Đã xong", JOB_FAILED: "Lỗi"}


def threshold(config) -> int:
    """Rows above which an export runs as a job (EXPORT_JOB_ROWS; at least 1)."""
    try:
        value = int(config.get("EXPORT_JOB_ROWS") or DEFAULT_THRESHOLD)
    except (TypeError, ValueError):
        value = DEFAULT_THRESHOLD
    return max(1, value)


def export_args(args, keys) -> dict:
    """The query parameters an export reads, as plain strings (what the job keeps)."""
    out = {}
    for key in keys:
        value = args.get(key)
        if value not in (None, ""):
            out[key] = str(value)[:500]
    return out


def _file_name(kind: str, fmt: str, stem: str | None, day: date) -> str:
    return f"{stem or STEMS.get(kind, 'danh-sach-nhiem-vu')}-{day.isoformat()}.{fmt}"


def _same_request(job: BackgroundJob, payload: dict) -> bool:
    p = job.payload or {}
    return all(p.get(k) == payload[k] for k in ("export", "fmt", "args", "today"))


def enqueue_export(session: Session, user: User, kind: str, fmt: str, args: dict, *, rows: int,
                   stem: str | None = None, today: date | None = None,
                   now: datetime | None = None) -> BackgroundJob:
    """The job for this export: an unexpired one the same person already asked for (a
    reload of the export link does not queue the work twice), or a new one (not committed)."""
    if kind not in KINDS or fmt not in FORMATS:
        raise ServiceError("Loại tệp xuất không hợp lệ", code="invalid_export", status=422)
    now = utc_now(now)
    day = today or local_today(now)
    payload = {"export": kind, "fmt": fmt, "args": dict(args), "today": day.isoformat(), "rows": int(rows),
               "filename": _file_name(kind, fmt, stem, day)}
    mine = session.exec(select(BackgroundJob).where(BackgroundJob.owner_id == user.id,
                                                    BackgroundJob.kind == EXPORT_JOB,
                                                    BackgroundJob.state.in_((JOB_QUEUED, JOB_RUNNING, JOB_DONE)),
                                                    BackgroundJob.expires_at > now)
                        .order_by(BackgroundJob.id.desc()).limit(20)).all()
    for job in mine:
        if _same_request(job, payload):
            return job
    return jobs.enqueue(session, EXPORT_JOB, payload, owner_id=user.id, ttl=KEEP, now=now)


def job_for(session: Session, user: User, job_id: int, now: datetime | None = None) -> BackgroundJob:
    """An export job the user may see (the one who asked, or an admin); NotFound otherwise,
    and once it has expired (whether or not the worker has purged it yet)."""
    job = session.get(BackgroundJob, job_id)
    if job is None or job.kind != EXPORT_JOB or (job.owner_id != user.id and user.role != ADMIN):
        raise NotFound("Không tìm thấy tệp xuất (hoặc không phải của bạn)")
    if job.expires_at is not None and _aware(job.expires_at) <= utc_now(now):
        raise NotFound("Tệp xuất đã hết hạn (chỉ giữ 24 giờ); hãy xuất lại")
    return job


def _aware(moment: datetime) -> datetime:

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def file_path(instance_path: str, job: BackgroundJob) -> str:
    """The finished file of a job (NotFound when it is not ready or has gone)."""
    if job.state != JOB_DONE or not job.result_path:
        raise NotFound("Tệp xuất chưa sẵn sàng")
    root = os.path.realpath(os.path.join(instance_path, FOLDER))
    path = os.path.realpath(os.path.join(instance_path, job.result_path))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        raise NotFound("Tệp xuất không còn trên máy chủ; hãy xuất lại")
    return path


def status(job: BackgroundJob) -> dict:
    """What the page and the JSON poll show."""
    p = job.payload or {}
    return {"id": job.id, "state": job.state, "state_label": STATE_LABELS.get(job.state, job.state),
            "progress": job.progress, "message": job.message, "rows": p.get("rows"), "format": p.get("fmt"),
            "filename": p.get("filename"), "ready": job.state == JOB_DONE and bool(job.result_path),
            "expires_at": _aware(job.expires_at).isoformat() if job.expires_at else None}


# --- the worker side ----------------------------------------------------------------------

def build_file(database_url: str, instance_path: str, job_id: int, payload: dict, owner_id: int,
               heading=None) -> str:
    """Build the export file (in the job's child process); returns its path under the instance folder.

    Top-level and picklable arguments only: sandbox.run_limited runs it in a fresh interpreter."""
    from tracker.db import make_engine
    from tracker.services import exports
    from tracker.services import stats

    engine = make_engine(database_url)
    try:
        kind, fmt, args = payload["export"], payload["fmt"], payload.get("args") or {}
        today = date.fromisoformat(payload["today"])
        jobs.set_progress(engine, job_id, 10, "Đang đọc dữ liệu")
        with Session(engine) as s:
            user = s.get(User, owner_id)
            if user is None or not user.active:
                raise ServiceError("Người yêu cầu không còn hoạt động", code="forbidden", status=403)
            if kind == "tasks":
                scope = exports.task_scope(user, args)
                build = exports.tasks_xlsx if fmt == "xlsx" else exports.tasks_csv
                extra = {"heading": heading} if fmt == "xlsx" else {}
                data = build(s, scope.filters, today=today, state=scope.state, visible=scope.visible,
                             limit=scope.limit, **extra)
            elif kind == "dashboard" and fmt == "xlsx":
                data = exports.dashboard_xlsx(s, stats.parse_filters(args), today=today, heading=heading)
            else:
                data = exports.dashboard_csv(s, stats.parse_filters(args), today=today)
            s.rollback()
        jobs.set_progress(engine, job_id, 90, "Đang lưu tệp")
        folder = os.path.join(instance_path, FOLDER)
        os.makedirs(folder, exist_ok=True)
        name = f"{job_id}-{secrets.token_hex(8)}.{fmt}"
        tmp = os.path.join(folder, f".{name}.part")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, os.path.join(folder, name))
        return f"{FOLDER}/{name}"
    finally:
        engine.dispose()


@jobs.handler(EXPORT_JOB)
def run_export(engine, job, progress):
    """Build the file in a child process (never the worker's own interpreter: the sweep's
    thread keeps the CPU); the row's expires_at (asked + KEEP) then bounds its life."""
    from tracker.services import sandbox
    from tracker.services import sheet_layout

    instance_path = job.payload.get("instance_path") or _instance_path()
    today = date.fromisoformat(job.payload["today"])
    heading = sheet_layout.Heading.from_settings(today)   # the app's ORG_* settings, read here
    progress(5, "Đang tạo tệp")
    url = engine.url.render_as_string(hide_password=False)
    try:
        path = sandbox.run_limited(build_file, url, instance_path, job.id, dict(job.payload), job.owner_id, heading,
                                   limits=sandbox.Limits(**LIMITS))
    except sandbox.SandboxError as exc:
        raise ServiceError(f"Không tạo được tệp xuất: {exc}", code="export_failed", status=500) from exc
    return path


def _instance_path() -> str:
    from flask import current_app

    return current_app.instance_path
