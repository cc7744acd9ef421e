"""Background jobs: one table (background_job), served by the worker away from the sweep.

A job is a row with a `kind` naming its handler, a JSON `payload`, a `state`
(queued -> running -> done | failed), a `progress` 0-100 the pages show, an optional
`result_path` (a file under the instance folder, for exports) and an `expires_at` after
which the row (and its file) is purged. The worker's job loop runs in a thread of its
own (`asyncio.to_thread`), so a long OCR never delays the minute sweep; handlers do the
heavy part in child processes with limits (tracker.services.ocr).

Handlers are registered by kind: `@handler("ocr_directive") def run(engine, job, progress)`;
`progress(percent, message=None)` writes the row at once (its own short transaction).
Claiming is a compare-and-set on the state, so two workers never run one job.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import update as sa_update
from sqlmodel import Session
from sqlmodel import select

from tracker.models import JOB_DONE
from tracker.models import JOB_FAILED
from tracker.models import JOB_QUEUED
from tracker.models import JOB_RUNNING
from tracker.models import BackgroundJob

log = logging.getLogger("tracker.jobs")

HANDLERS: dict[str, Callable] = {}
MAX_ATTEMPTS = 2
DEFAULT_TTL = timedelta(days=7)


def handler(kind: str):
    """Register the function that runs jobs of `kind`."""
    def register(fn):
        HANDLERS[kind] = fn
        return fn
    return register


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(session: Session, kind: str, payload: dict, *, owner_id: int | None = None,
            ttl: timedelta = DEFAULT_TTL, now: datetime | None = None) -> BackgroundJob:
    """Add a job (does not commit: it lands with the caller's transaction)."""
    now = now or _now()
    job = BackgroundJob(kind=kind, payload=dict(payload), owner_id=owner_id, created_at=now, updated_at=now,
                        expires_at=now + ttl)
    session.add(job)
    session.flush()
    return job


def claim_next(engine, now: datetime | None = None) -> BackgroundJob | None:
    """The oldest queued job, now marked running by this caller (None when there is none)."""
    now = now or _now()
    with Session(engine, expire_on_commit=False) as s:
        candidates = s.exec(select(BackgroundJob.id).where(BackgroundJob.state == JOB_QUEUED)
                            .order_by(BackgroundJob.created_at, BackgroundJob.id).limit(5)).all()
        for job_id in candidates:
            won = s.execute(sa_update(BackgroundJob)
                            .where(BackgroundJob.id == job_id, BackgroundJob.state == JOB_QUEUED)
                            .values(state=JOB_RUNNING, started_at=now, updated_at=now,
                                    attempts=BackgroundJob.attempts + 1)
                            .execution_options(synchronize_session=False))
            s.commit()
            if won.rowcount == 1:
                return s.get(BackgroundJob, job_id)
    return None


def set_progress(engine, job_id: int, progress: int, message: str | None = None) -> None:
    values = {"progress": max(0, min(100, int(progress))), "updated_at": _now()}
    if message is not None:
        values["message"] = message[:2000]
    with Session(engine) as s:
        s.execute(sa_update(BackgroundJob).where(BackgroundJob.id == job_id).values(**values)
                  .execution_options(synchronize_session=False))
        s.commit()


def _finish(engine, job_id: int, state: str, message: str | None = None, result_path: str | None = None) -> None:
    now = _now()
    values = {"state": state, "updated_at": now, "finished_at": now}
    if state == JOB_DONE:
        values["progress"] = 100
    if message is not None:
        values["message"] = message[:2000]
    if result_path is not None:
        values["result_path"] = result_path
    with Session(engine) as s:
        s.execute(sa_update(BackgroundJob).where(BackgroundJob.id == job_id).values(**values)
                  .execution_options(synchronize_session=False))
        s.commit()


def run_job(engine, job: BackgroundJob) -> str:
    """Run one claimed job through its handler; returns the final state."""
    fn = HANDLERS.get(job.kind)
    if fn is None:
        _finish(engine, job.id, JOB_FAILED, f"Không có bộ xử lý cho loại việc '{job.kind}'")
        return JOB_FAILED
    try:
        result = fn(engine, job, lambda pct, msg=None: set_progress(engine, job.id, pct, msg))
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the worker goes on
        log.exception("Việc nền %s (%s) lỗi", job.id, job.kind)
        failure = getattr(fn, "on_failure", None)
        if failure is not None:
            try:
                failure(engine, job, exc)
            except Exception:  # noqa: BLE001 - any failure is reported, not raised
                log.exception("Ghi lỗi việc nền %s không được", job.id)
        _finish(engine, job.id, JOB_FAILED, getattr(exc, "message", None) or f"Lỗi: {type(exc).__name__}")
        return JOB_FAILED
    _finish(engine, job.id, JOB_DONE, result_path=result if isinstance(result, str) else None)
    return JOB_DONE


def run_next(engine) -> bool:
    """Claim and run one job; False when the queue was empty."""
    job = claim_next(engine)
    if job is None:
        return False
    run_job(engine, job)
    return True


def run_pending(engine, limit: int = 100) -> int:
    """Run queued jobs until none is left (tests, `flask jobs run`); returns how many ran."""
    count = 0
    while count < limit and run_next(engine):
        count += 1
    return count


def recover(engine, now: datetime | None = None) -> int:
    """At worker start: jobs left running by a dead worker go back to the queue (or fail
    after MAX_ATTEMPTS, so a file that kills its reader is not retried for ever)."""
    now = now or _now()
    with Session(engine) as s:
        again = s.execute(sa_update(BackgroundJob)
                          .where(BackgroundJob.state == JOB_RUNNING, BackgroundJob.attempts < MAX_ATTEMPTS)
                          .values(state=JOB_QUEUED, updated_at=now).execution_options(synchronize_session=False))
        s.execute(sa_update(BackgroundJob)
                  .where(BackgroundJob.state == JOB_RUNNING)
                  .values(state=JOB_FAILED, updated_at=now, finished_at=now,
                          message="Việc nền bị dừng giữa chừng nhiều lần; đã ngừng thử lại")
                  .execution_options(synchronize_session=False))
        s.commit()
        return again.rowcount or 0


def purge_expired(engine, instance_path: str, now: datetime | None = None) -> int:
    """Delete finished jobs past their expiry, with their result files."""
    now = now or _now()
    with Session(engine) as s:
        rows = s.exec(select(BackgroundJob).where(BackgroundJob.expires_at < now,
                                                  BackgroundJob.state.in_((JOB_DONE, JOB_FAILED)))).all()
        for job in rows:
            if job.result_path:
                path = os.path.join(instance_path, job.result_path)
                if os.path.realpath(path).startswith(os.path.realpath(instance_path) + os.sep):
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(path)
            s.delete(job)
        s.commit()
        return len(rows)
