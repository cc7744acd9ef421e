"""The worker serves the job table without holding up the minute sweep."""
import asyncio
import threading
from datetime import UTC

from sqlmodel import select

from tracker.followup import worker
from tracker.models import BackgroundJob
from tracker.services import jobs
from tracker.settings import reconfigure


def test_sweeps_go_on_while_a_long_job_runs(app, session, monkeypatch):
    sweeps = {"n": 0}
    changed = threading.Condition()
    real_sweep = worker.run_sweep

    def counting_sweep(app_, clock):
        with changed:
            sweeps["n"] += 1
            changed.notify_all()
        return real_sweep(app_, clock)

    monkeypatch.setattr(worker, "run_sweep", counting_sweep)

    @jobs.handler("test_long")
    def long_job(engine, job, progress):
        start = sweeps["n"]
        progress(10, "đang chạy")
        with changed:           # held until the sweep has run twice meanwhile (or 30 s: then the test fails)
            changed.wait_for(lambda: sweeps["n"] >= start + 2, timeout=30)
        progress(90, f"{sweeps['n'] - start} lượt quét trong lúc chạy")

    jobs.enqueue(session, "test_long", {"x": 1})
    session.commit()
    reconfigure(app, SWEEP_INTERVAL_SECONDS=0.05, JOB_POLL_SECONDS=0.05)

    async def go():
        stop = asyncio.Event()

        async def stop_when_done():
            while True:
                with_state = await asyncio.to_thread(_state, app)
                if with_state in ("done", "failed"):
                    stop.set()
                    return
                await asyncio.sleep(0.05)

        waiter = asyncio.create_task(stop_when_done())
        await worker.run_worker(app, stop_event=stop)
        await waiter

    asyncio.run(go())
    job = session.exec(select(BackgroundJob)).one()
    session.refresh(job)
    assert job.state == "done" and job.progress == 100
    assert int(job.message.split()[0]) >= 2, job.message   # sweeps ran while the job was running


def _state(app):
    from sqlmodel import Session

    with Session(app.extensions["engine"]) as s:
        return s.exec(select(BackgroundJob.state)).one()


def test_expired_jobs_are_purged_with_their_files(app, session):
    import os
    from datetime import datetime
    from datetime import timedelta

    path = os.path.join(app.instance_path, "export-1.xlsx")
    with open(path, "wb") as fh:
        fh.write(b"x")
    old = datetime.now(UTC) - timedelta(days=30)
    done = jobs.enqueue(session, "export", {}, now=old)
    done.state, done.result_path = "done", "export-1.xlsx"
    waiting = jobs.enqueue(session, "export", {}, now=old)   # queued: kept even when old
    session.commit()
    assert jobs.purge_expired(app.extensions["engine"], app.instance_path) == 1
    assert not os.path.exists(path)
    assert [j.id for j in session.exec(select(BackgroundJob)).all()] == [waiting.id]
