"""Back up and restore the database and the instance files together.

    flask --app app backup create DIR     # DIR/database.sqlite or DIR/database.dump, DIR/files.tar, DIR/manifest.json
    flask --app app backup restore DIR    # into the configured (empty) database and instance folder

The instance files are what the database points at: evidence uploads, directive originals
and anything else the app keeps under the instance folder (INSTANCE_PATH). The database is
copied first (SQLite online backup API; PostgreSQL `pg_dump --format=custom`), the files
second, so every file a backed-up row names is in the archive (a file uploaded meanwhile is
only extra). The database file itself, its WAL, the worker's lock and heartbeat are not
part of the file archive.
"""
import json
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from tracker.services import ServiceError

SKIP_FILES = {"worker.lock", "worker-heartbeat.json"}


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(engine: Engine) -> Path:
    return Path(engine.url.database).resolve()


def create_backup(engine: Engine, instance_path: str, target: str) -> dict:
    out = Path(target)
    if out.exists():
        raise ServiceError(f"Thư mục {out} đã tồn tại; chọn một thư mục mới", code="exists", status=409)
    out.mkdir(parents=True)
    backend = engine.dialect.name
    skip = set(SKIP_FILES)
    if backend == "sqlite":
        db_file = _sqlite_path(engine)
        skip |= {db_file.name, db_file.name + "-wal", db_file.name + "-shm", db_file.name + "-journal"}
        raw = engine.raw_connection()
        try:
            dest = sqlite3.connect(str(out / "database.sqlite"))
            with dest:
                raw.driver_connection.backup(dest)
            dest.close()
        finally:
            raw.close()
    else:
        result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--dbname",
                                 _libpq_url(engine), "--file", str(out / "database.dump")],
                                capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise ServiceError(f"pg_dump thất bại: {result.stderr.strip()[:300]}", code="backup_failed", status=500)
    files = 0
    instance = Path(instance_path).resolve()
    with tarfile.open(out / "files.tar", "w") as archive:
        for path in sorted(instance.rglob("*")):
            if path.is_file() and path.name not in skip and out.resolve() not in path.parents:
                archive.add(path, arcname=str(path.relative_to(instance)))
                files += 1
    manifest = {"created_at": datetime.now(UTC).isoformat(), "backend": backend, "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def restore_backup(engine: Engine, instance_path: str, source: str) -> dict:
    src = Path(source)
    try:
        manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ServiceError(f"{src} không phải bản sao lưu (thiếu manifest.json)", code="not_a_backup",
                           status=422) from None
    backend = engine.dialect.name
    if manifest.get("backend") != backend:
        raise ServiceError(f"Bản sao lưu của {manifest.get('backend')}, cơ sở dữ liệu hiện tại là {backend}",
                           code="wrong_backend", status=422)
    engine.dispose()
    if backend == "sqlite":
        db_file = _sqlite_path(engine)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
        db_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / "database.sqlite", db_file)
    else:
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                                 "--exit-on-error", "--dbname", _libpq_url(engine), str(src / "database.dump")],
                                capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise ServiceError(f"pg_restore thất bại: {result.stderr.strip()[:300]}", code="restore_failed",
                               status=500)
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tarfile.open(src / "files.tar") as archive:
        archive.extractall(instance, filter="data")  # no absolute paths, no '..', no devices
    return manifest
