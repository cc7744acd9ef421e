"""/healthz answers only ok/error; its details (database, worker heartbeat) are for admins
(GET /admin/health, or /healthz?details=1 with an admin token); /healthz/ping is the trivial route."""
import json
import os
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from tracker.services import accounts


@pytest.fixture
def admin_headers(session, make_user):
    admin = make_user("quantri_health", "admin")
    token = accounts.issue_api_token(session, admin, "health")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def details(client, headers):
    response = client.get("/healthz?details=1", headers=headers)
    return response


def test_ping_is_trivial(client):
    response = client.get("/healthz/ping")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_healthz_ok_without_worker_reports_unknown_scheduler(client, backend, admin_headers):
    response = details(client, admin_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] == backend
    assert body["database"]["latency_ms"] >= 0
    assert body["scheduler"]["status"] == "stopped"  # no heartbeat and nobody holds the worker lock


def test_healthz_reads_worker_heartbeat_file(app, client, admin_headers):
    path = os.path.join(app.instance_path, "worker-heartbeat.json")
    fresh = datetime.now(UTC) - timedelta(seconds=20)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"at": fresh.isoformat(), "pid": 4242}, fh)
    body = details(client, admin_headers).get_json()
    assert body["scheduler"]["status"] == "ok"
    assert body["scheduler"]["pid"] == 4242
    assert 15 <= body["scheduler"]["age_seconds"] < 120

    old = datetime.now(UTC) - timedelta(minutes=30)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"at": old.isoformat()}, fh)
    response = details(client, admin_headers)
    assert response.status_code == 200  # a stale worker does not take the web servers out
    assert response.get_json()["scheduler"]["status"] == "stale"


def test_healthz_503_when_database_is_down(app, client, monkeypatch):
    engine = app.extensions["engine"]

    def refuse(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(engine, "connect", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}  # no driver error (host, port, database) for anyone
    with app.test_request_context("/admin/health"):
        from tracker.web import health

        state = health.database_state()
    assert state["status"] == "error" and "connection refused" in state["error"]


def test_healthz_sees_a_worker_holding_its_lock(app, client, backend, admin_headers):
    """The worker's lock (PostgreSQL advisory lock, or flock on instance/worker.lock) means "running"."""
    from tracker.followup.worker import ADVISORY_LOCK_KEY
    from tracker.followup.worker import WorkerLock
    from tracker.web import health

    assert health.ADVISORY_LOCK_KEY == ADVISORY_LOCK_KEY
    lock = WorkerLock(app.extensions["engine"], app.instance_path, poll=0.1)
    assert lock.try_acquire()
    try:
        body = details(client, admin_headers).get_json()
        assert body["scheduler"]["status"] == "running"
        assert body["scheduler"]["lock_held"] is True
    finally:
        lock.release()
    assert details(client, admin_headers).get_json()["scheduler"]["status"] == "stopped"
