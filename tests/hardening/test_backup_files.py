"""Backups hold the database and the instance files together, and restore both (SQLite and PostgreSQL)."""
import io
import os
import uuid

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tests.conftest import PG_ADMIN_URL
from tests.conftest import _normalize
from tests.hardening.conftest import login_as
from tracker import create_app
from tracker.db import make_engine
from tracker.models import Attachment
from tracker.models import Task

EVIDENCE = b"%PDF-1.4\n% minh chung sao luu\n"


def _empty_target(backend, tmp_path):
    """A database URL with nothing in it, and a cleanup."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/restored/tracker.db", lambda: None
    admin = make_engine(_normalize(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"dt_restore_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


def test_backup_then_restore_brings_back_rows_and_files(app, client, world, session, runner, tmp_path, backend):
    login_as(client, world.users["staff"])
    task = world.task_a
    response = client.post(f"/tasks/{task.id}/update", data={"version": str(task.version), "note": "Minh chứng",
                                                             "evidence": (io.BytesIO(EVIDENCE), "bao-cao.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 303)
    uploaded = session.exec(select(Attachment).where(Attachment.task_id == task.id)
                            .order_by(Attachment.id.desc())).first()
    tasks_before = len(session.exec(select(Task)).all())

    target = tmp_path / "sao-luu"
    result = runner.invoke(args=["backup", "create", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "files.tar").exists() and (target / "manifest.json").exists()
    assert runner.invoke(args=["backup", "create", str(target)]).exit_code != 0  # never overwrites

    url, cleanup = _empty_target(backend, tmp_path)
    instance = tmp_path / "restored-instance"
    try:
        fresh = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "restore-test",
                            "TESTING": True, "WTF_CSRF_ENABLED": False, "SKIP_DB_CHECK": True})
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(target)])
        assert result.exit_code == 0, result.output
        engine = fresh.extensions["engine"]
        with Session(engine) as s:
            assert len(s.exec(select(Task)).all()) == tasks_before
            row = s.get(Attachment, uploaded.id)
            assert row is not None
        stored = os.path.join(fresh.config["UPLOAD_FOLDER"], row.stored_name)
        with open(stored, "rb") as fh:
            assert fh.read() == EVIDENCE
        # the restored app serves the restored file
        other = fresh.test_client()
        login_as(other, world.users["staff"])
        download = other.get(f"/attachments/{uploaded.id}")
        assert download.status_code == 200 and download.data == EVIDENCE
        engine.dispose()
    finally:
        cleanup()
