"""Crash safety: processes killed with SIGKILL in the middle of writing lose nothing
committed and leave nothing half-written; online backups are consistent and restore.

The children are real processes (tests/hardening/crash_worker.py and the `flask` CLI),
killed without a chance to clean up, as a power cut or the OOM killer would.
"""
import os
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker import create_app
from tracker.db import make_engine
from tracker.migrate import upgrade
from tracker.models import AuditEvent
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.services import accounts
from tracker.services import directives as directive_service
from tracker.services import tasks as task_service

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("crash_worker.py")


def _child_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _spawn(*args, **env):
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], cwd=ROOT, env=_child_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_until(proc, done, timeout=30.0) -> list[str]:
    """Read the child's lines until `done(lines)` is true; fail with its stderr if it dies."""
    lines: list[str] = []
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while not done(lines):
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"child too slow; output so far {lines[-3:]}; stderr {proc.stderr.read()[-2000:]}")
        if not sel.select(timeout=0.5):
            continue
        line = proc.stdout.readline()
        if not line:
            proc.wait()
            pytest.fail(f"child exited ({proc.returncode}) early: {proc.stderr.read()[-2000:]}")
        lines.append(line.strip())
    return lines


def _kill(proc) -> list[str]:
    """SIGKILL the child; return the lines it wrote that were not read yet (a loaded machine
    lets it commit and print more after `_read_until` stopped reading)."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    rest = proc.stdout.read().splitlines()
    proc.stdout.close()
    proc.stderr.close()
    return rest


# --- a process killed during publish leaves no half directive ----------------------------

def test_kill_during_publish_leaves_the_directive_draft_and_no_task(app, database_url, session, make_unit,
                                                                    make_user):
    units = [make_unit() for _ in range(5)]
    clerk = make_user("vanthu-crash", role="clerk")
    directive = Directive(code="9/TB-CRASH", kind="thong_bao_ket_luan", title="Văn bản ban hành dở dang",
                          issued_date=__import__("datetime").date(2025, 1, 2),
                          source_text="Giao các Sở thực hiện.", draft_tasks=[
                              {"unit_id": u.id, "action": f"Nhiệm vụ {i}", "deadline": "2030-01-0" + str(i + 1)}
                              for i, u in enumerate(units)])
    session.add(directive)
    session.commit()

    proc = _spawn("publish", database_url, directive.id, clerk.id)
    _read_until(proc, lambda lines: "task 3" in lines)  # three tasks and their history rows are in the database
    _kill(proc)

    with Session(app.extensions["engine"]) as s:
        d = s.get(Directive, directive.id)
        assert d.state == "draft" and d.published_at is None
        assert s.exec(select(Task).where(Task.directive_id == directive.id)).all() == []
        assert s.exec(select(TaskEvent)).all() == []
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "publish")).all()

    # the draft is intact: publishing again (no crash this time) creates all five tasks
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        created = directive_service.publish(s, s.get(type(clerk), clerk.id), s.get(Directive, directive.id))
        s.commit()
        assert len(created) == 5
        assert s.get(Directive, directive.id).state == "published"


# --- SQLite in WAL mode survives a writer killed in the middle of its writes --------------

def _fresh_sqlite(tmp_path, name="tracker.db"):
    path = tmp_path / name
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as s:
        unit = Unit(code="SYT", name="Sở Y tế")
        directive = Directive(code="1/CT-WAL", kind="chi_thi", title="Văn bản thử ghi", source_text="Giao Sở Y tế.",
                              state="published")
        s.add(unit)
        s.add(directive)
        s.commit()
    return path, url, engine, unit, directive


def test_sqlite_wal_survives_a_writer_killed_during_writes(tmp_path):
    path, url, engine, unit, directive = _fresh_sqlite(tmp_path)
    engine.dispose()
    proc = _spawn("write", url, directive.id, unit.id)
    lines = _read_until(proc, lambda lines: len(lines) >= 150)
    lines += _kill(proc)
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]

    assert Path(str(path) + "-wal").exists(), "the kill left the write-ahead log to recover from"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        ids = {row[0] for row in conn.execute("SELECT id FROM task")}
        assert set(committed) <= ids, "every commit the writer saw return is in the database"
        # at most the one transaction in flight at the kill may be missing from the writer's log
        assert len(ids - set(committed)) <= 1
        # no half transaction: each task has exactly its one "created" history row
        assert conn.execute("SELECT count(*) FROM task_event").fetchone()[0] == len(ids)
        orphans = conn.execute("SELECT count(*) FROM task t LEFT JOIN task_event e ON e.task_id = t.id "
                               "WHERE e.id IS NULL").fetchone()[0]
        assert orphans == 0
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


# --- `flask db backup` is consistent while a writer is active, and restores ---------------

def _snapshot(engine, max_task_id=None):
    """Tasks and their histories, comparable across databases."""
    with Session(engine) as s:
        query = select(Task).order_by(Task.id)
        if max_task_id is not None:
            query = query.where(Task.id <= max_task_id)
        out = {}
        for task in s.exec(query).all():
            out[task.id] = (
                (task.action, task.status, task.progress, task.version, task.lead_unit_id, task.deadline,
                 task.result_note),
                [(e.kind, e.actor_id, e.channel, e.old_value, e.new_value, e.note, e.at)
                 for e in task_service.history(s, task)],
            )
        return out


def test_online_backup_while_writing_restores_into_a_fresh_instance(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    path, url, engine, unit, directive = _fresh_sqlite(instance)
    with Session(engine, expire_on_commit=False) as s:
        staff = accounts.create_user(s, login="nv-backup", role="staff", password="mat-khau-dai", unit_ref=unit.id)
        s.commit()
        for i in range(3):
            task = Task(directive_id=directive.id, lead_unit_id=unit.id, action=f"Nhiệm vụ có lịch sử {i}")
            s.add(task)
            s.flush()
            task_service.record(s, task, None, "system", "created", None, task.action)
            s.commit()
            task_service.update_task(s, staff, task.id, version=task.version, status="dang_thuc_hien",
                                     note=f"Đang triển khai {i} <b>không phải HTML</b>")
            s.commit()
            task_service.update_task(s, staff, task.id, version=task.version, progress=40 + i, channel="api")
            s.commit()

    writer = _spawn("write", url, directive.id, unit.id)
    try:
        _read_until(writer, lambda lines: len(lines) >= 30)
        backup = tmp_path / "backup" / "tracker-backup.db"
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "db", "backup", str(backup)], cwd=ROOT,
            env=_child_env(DATABASE_URL=url, INSTANCE_PATH=instance, SECRET_KEY="backup-test"),
            capture_output=True, text=True, timeout=60)
        still_writing = _read_until(writer, lambda lines: len(lines) >= 5)
    finally:
        _kill(writer)
    assert result.returncode == 0, result.stderr
    assert "Đã sao lưu" in result.stdout
    assert still_writing, "the writer kept committing during and after the backup"

    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        backed_ids = [row[0] for row in conn.execute("SELECT id FROM task ORDER BY id")]
        # consistent: a prefix of the source's tasks, each with its complete history
        assert backed_ids == list(range(1, len(backed_ids) + 1))
        assert conn.execute("SELECT count(*) FROM task t WHERE NOT EXISTS "
                            "(SELECT 1 FROM task_event e WHERE e.task_id = t.id AND e.kind = 'created')"
                            ).fetchone()[0] == 0
    finally:
        conn.close()
    source_now = sqlite3.connect(path).execute("SELECT count(*) FROM task").fetchone()[0]
    assert len(backed_ids) > 3 and source_now > len(backed_ids), "the backup ran while rows were being added"

    # restore: the backup file becomes the database of a brand-new instance
    fresh = tmp_path / "restored"
    fresh.mkdir()
    shutil.copyfile(backup, fresh / "tracker.db")
    restored = create_app({"INSTANCE_PATH": str(fresh), "SECRET_KEY": "restored", "TESTING": True})
    try:
        assert restored.config["DATABASE_URL"].endswith(str(fresh / "tracker.db"))
        cli = restored.test_cli_runner().invoke(args=["db", "upgrade"])
        assert cli.exit_code == 0, cli.output  # already at head: nothing to do
        restored_engine = restored.extensions["engine"]
        assert _snapshot(restored_engine) == _snapshot(engine, max_task_id=backed_ids[-1])
        assert len(_snapshot(restored_engine)[1][1]) == 3  # created, status, progress
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), restored_engine.begin() as c:
            c.execute(sa.text("DELETE FROM task_event"))
    finally:
        restored.extensions["engine"].dispose()
        engine.dispose()


def test_backup_refuses_to_overwrite_and_explains_postgresql(runner, app, tmp_path, backend):
    target = tmp_path / "exists.db"
    target.write_bytes(b"keep me")
    result = runner.invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 1
    if backend == "postgresql":
        assert "pg_dump" in result.output
    else:
        assert "đã tồn tại" in result.output and target.read_bytes() == b"keep me"


# --- PostgreSQL: pg_dump and restore into a fresh database -------------------------------

def test_pg_dump_restores_tasks_histories_and_guards(app, backend, database_url, session, make_unit, make_user,
                                                    make_task):
    if backend != "postgresql" or not shutil.which("pg_dump") or not shutil.which("psql"):
        pytest.skip("PostgreSQL with pg_dump/psql")
    unit = make_unit()
    staff = make_user("nv-pgdump", unit=unit)
    for i in range(3):
        task = make_task(unit, action=f"Nhiệm vụ {i}")
        task_service.update_task(session, staff, task.id, version=task.version, status="dang_thuc_hien", note="Bắt đầu")
        session.commit()
    session.close()

    src = sa.engine.make_url(database_url)
    libpq = src.set(drivername="postgresql")
    dump = subprocess.run(["pg_dump", "--no-owner", "--dbname", libpq.render_as_string(hide_password=False)],
                          capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    admin = make_engine(src.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    target_name = src.database + "_restore"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target_name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{target_name}"'))
    try:
        target = libpq.set(database=target_name).render_as_string(hide_password=False)
        restore = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "--dbname", target], input=dump.stdout,
                                 capture_output=True, text=True, timeout=60)
        assert restore.returncode == 0, restore.stderr
        restored = make_engine(src.set(database=target_name).render_as_string(hide_password=False))
        try:
            assert _snapshot(restored) == _snapshot(app.extensions["engine"])
            assert len(_snapshot(restored)) == 3
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), restored.begin() as c:
                c.execute(sa.text("UPDATE task_event SET note = 'x'"))
        finally:
            restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)'))
        admin.dispose()
