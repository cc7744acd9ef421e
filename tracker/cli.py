"""Operator commands: `flask --app app db|demo|units|users ...`.

Each prints a short confirmation and exits non-zero with one clear line on error.
"""
import secrets
import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session
from sqlmodel import select

from tracker.demo import synthetic
from tracker.models import ROLE_LABELS
from tracker.models import ROLES
from tracker.models import Unit
from tracker.models import User
from tracker.services import ServiceError


def _fail(message: str):
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(1)


def _session() -> Session:
    return Session(current_app.extensions["engine"], expire_on_commit=False)


db_cli = AppGroup("db", help="Cơ sở dữ liệu: nâng cấp lược đồ, sao lưu.")
demo_cli = AppGroup("demo", help="Dữ liệu mẫu.")
units_cli = AppGroup("units", help="Danh mục đơn vị.")
users_cli = AppGroup("users", help="Người dùng.")
backup_cli = AppGroup("backup", help="Sao lưu và khôi phục cơ sở dữ liệu cùng các tệp (minh chứng, bản gốc).")


@db_cli.command("upgrade")
def db_upgrade():
    """Apply all Alembic migrations."""
    from tracker.migrate import upgrade

    try:
        upgrade(current_app.extensions["engine"])
    except Exception as exc:  # noqa: BLE001 - one clear line for the operator
        _fail(f"nâng cấp lược đồ thất bại: {str(exc).splitlines()[0]}")
    click.echo("Đã nâng cấp lược đồ cơ sở dữ liệu.")


@db_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def db_backup(path):
    """Consistent online backup of the SQLite database (SQLite backup API)."""
    engine = current_app.extensions["engine"]
    if engine.dialect.name != "sqlite":
        _fail("sao lưu trực tuyến chỉ dành cho SQLite; với PostgreSQL dùng pg_dump (xem README)")
    target = Path(path)
    if target.exists():
        _fail(f"tệp {target} đã tồn tại")
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(str(target))
        with dest:
            raw.driver_connection.backup(dest)
        dest.close()
    finally:
        raw.close()
    click.echo(f"Đã sao lưu vào {target}.")


@demo_cli.command("load")
def demo_load():
    """Load the demo province, users and directives (idempotent)."""
    from tracker.demo.province import DEMO_PASSWORD
    from tracker.demo.province import DEMO_USERS
    from tracker.demo.province import load_demo

    if current_app.config.get("TRACKER_ENV") == "production":
        # the demo creates admin/demo12345 and other well-known accounts
        _fail("Không nạp dữ liệu mẫu khi TRACKER_ENV=production (dữ liệu mẫu tạo tài khoản admin/demo12345)")
    with _session() as session:
        try:
            report = load_demo(session)
            session.commit()
        except ServiceError as exc:
            session.rollback()
            _fail(exc.message)
    u = report["units"]
    click.echo(f"Đơn vị: {u['created']} thêm, {u['updated']} cập nhật, {u['unchanged']} giữ nguyên; "
               f"người dùng mới: {report['users_created']}; văn bản mẫu mới: {report['directives_created']}.")
    if report["users_created"]:
        click.echo("Tài khoản mẫu (mật khẩu " + DEMO_PASSWORD + "): "
                   + ", ".join(f"{login} ({role})" for login, role, *_ in DEMO_USERS))


@units_cli.command("import")
@click.argument("file", type=click.Path())
def units_import(file):
    """Load a province's unit registry (CSV or YAML) and report what changed."""
    from tracker.services.units import import_registry
    from tracker.services.units import read_registry_file

    with _session() as session:
        try:
            report = import_registry(session, read_registry_file(file))
            session.commit()
        except ServiceError as exc:
            session.rollback()
            _fail(exc.message)
    click.echo(f"Đã nhập danh mục: {report['created']} thêm, {report['updated']} cập nhật, "
               f"{report['unchanged']} giữ nguyên.")


@users_cli.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", "unit_ref", default=None, help="id, tên hoặc tên viết tắt của đơn vị")
@click.option("--name", default=None)
@click.option("--email", default=None, help="địa chỉ thư điện tử nhận nhắc việc")
def users_create(login, role, unit_ref, name, email):
    """Create a user; the password is read from standard input or generated and printed."""
    from tracker.services.accounts import create_user

    password = None
    generated = False
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n") or None
    if not password:
        password, generated = secrets.token_urlsafe(12), True
    with _session() as session:
        try:
            user = create_user(session, login=login, role=role, password=password, display_name=name,
                               unit_ref=unit_ref, channel="system")
            if email:
                from tracker.channels.email.address import set_email

                set_email(session, user, email, channel="system")
            session.commit()
        except ServiceError as exc:
            session.rollback()
            _fail(exc.message)
    click.echo(f"Đã tạo người dùng {user.login} ({ROLE_LABELS[role]}).")
    if generated:
        click.echo(f"Mật khẩu: {password}")


@users_cli.command("list")
def users_list():
    """List users with role and unit."""
    with _session() as session:
        units = {u.id: u.name for u in session.exec(select(Unit)).all()}
        for user in session.exec(select(User).order_by(User.login)).all():
            unit = units.get(user.unit_id, "-")
            state = "" if user.active else " (khóa)"
            click.echo(f"{user.login:20} {user.role:7} {unit}{state}")


@users_cli.command("token")
@click.argument("login")
@click.option("--name", default="cli")
@click.option("--scope", type=click.Choice(["read", "write"]), default="write", show_default=True,
              help="read: chỉ đọc (GET); write: đọc và ghi")
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True, help="Số ngày hiệu lực")
def users_token(login, name, scope, days):
    """Create an API bearer token for a user and print it."""
    from tracker.services.accounts import find_user
    from tracker.services.accounts import issue_api_token

    with _session() as session:
        try:
            token = issue_api_token(session, find_user(session, login), name, scope=scope, days=days)
            session.commit()
        except ServiceError as exc:
            _fail(exc.message)
    click.echo(token)


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False))
def backup_create(directory):
    """Back up the database and the instance files (evidence, originals) into a new DIRECTORY."""
    from tracker.services.backup import create_backup

    try:
        manifest = create_backup(current_app.extensions["engine"], current_app.instance_path, directory)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Đã sao lưu cơ sở dữ liệu ({manifest['backend']}) và {manifest['files']} tệp vào {directory}.")


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def backup_restore(directory):
    """Restore a backup DIRECTORY into the configured database and instance folder (stop the app first)."""
    from tracker.services.backup import restore_backup

    try:
        manifest = restore_backup(current_app.extensions["engine"], current_app.instance_path, directory)
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Đã khôi phục cơ sở dữ liệu và {manifest['files']} tệp từ {directory}.")


def register_cli(app):
    demo_cli.add_command(synthetic.generate_command)
    for group in (db_cli, demo_cli, units_cli, users_cli, backup_cli):
        app.cli.add_command(group)
