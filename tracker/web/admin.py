"""Administration: users, the unit registry, and the audit log export."""
import csv
import io
import os
import tempfile
from datetime import datetime

from flask import Blueprint
from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlmodel import Session
from sqlmodel import select

from tracker.db import get_engine
from tracker.db import get_session
from tracker.models import ROLES
from tracker.models import AuditEvent
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import accounts
from tracker.services import units as unit_service
from tracker.services.clock import VN_TZ
from tracker.web.auth import current_user
from tracker.web.auth import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_REGISTRY_BYTES = 2 * 1024 * 1024


def _users_page(error: str | None = None, form: dict | None = None, status: int = 200):
    session = get_session()
    users = session.exec(select(User).order_by(User.active.desc(), User.login)).all()
    units = session.exec(select(Unit).where(Unit.active == True).order_by(Unit.name)).all()  # noqa: E712
    unit_names = {u.id: u.name for u in units}
    return render_template("admin/users.html", users=users, units=units, unit_names=unit_names, roles=ROLES,
                           error=error, form=form or {}), status


@bp.get("/users")
@role_required("admin")
def users():
    return _users_page()


@bp.post("/users")
@role_required("admin")
def create_user():
    session = get_session()
    form = {k: (request.form.get(k) or "").strip() for k in ("login", "display_name", "role", "unit_id", "email")}
    try:
        from tracker.channels.email.address import set_email

        user = accounts.create_user(session, login=form["login"], role=form["role"],
                                    password=request.form.get("password") or "",
                                    display_name=form["display_name"] or None,
                                    unit_ref=int(form["unit_id"]) if form["unit_id"].isdigit() else None,
                                    actor_id=current_user().id, channel="web")
        if form["email"]:
            set_email(session, user, form["email"], actor_id=current_user().id, channel="web")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _users_page(error=exc.message, form=form, status=exc.status if exc.status != 400 else 422)
    flash(f"Đã tạo tài khoản {form['login']}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/email")
@role_required("admin")
def set_email(user_id: int):
    """The admin sets (or clears) a person's e-mail address for reminders."""
    from tracker.channels.email.address import set_email as _set

    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        return _users_page(error="Không tìm thấy người dùng", status=404)
    try:
        changed = _set(session, user, request.form.get("email"), actor_id=current_user().id, channel="web")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _users_page(error=exc.message, status=422)
    if changed:
        flash(f"Đã lưu địa chỉ thư của {user.login}.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def set_active(user_id: int):
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        return _users_page(error="Không tìm thấy người dùng", status=404)
    active = request.form.get("active") == "1"
    if user.id == current_user().id and not active:
        return _users_page(error="Không thể tự khoá tài khoản của chính mình", status=409)
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    session.add(user)
    session.add(AuditEvent(actor_id=current_user().id, channel="web", entity="user", entity_id=user.id,
                           action="activate" if active else "deactivate", new_value=user.login))
    session.commit()
    flash(("Đã mở lại" if active else "Đã khoá") + f" tài khoản {user.login}.", "success")
    return redirect(url_for("admin.users"))


def _units_page(error: str | None = None, report: dict | None = None, status: int = 200):
    session = get_session()
    units = session.exec(select(Unit).order_by(Unit.kind, Unit.name)).all()
    return render_template("admin/units.html", units=units, error=error, report=report), status


@bp.get("/units")
@role_required("admin")
def units():
    return _units_page()


@bp.post("/units/import")
@role_required("admin")
def import_units():
    session = get_session()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _units_page(error="Chọn tệp danh mục (.yaml hoặc .csv)", status=422)
    suffix = os.path.splitext(upload.filename)[1].lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        return _units_page(error="Tệp danh mục phải là .yaml, .yml hoặc .csv", status=422)
    data = upload.read(MAX_REGISTRY_BYTES + 1)
    if len(data) > MAX_REGISTRY_BYTES:
        return _units_page(error="Tệp danh mục quá lớn (tối đa 2 MB)", status=413)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "registry" + suffix)
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            entries = unit_service.read_registry_file(path)
            report = unit_service.import_registry(session, entries)
            session.add(AuditEvent(actor_id=current_user().id, channel="web", entity="unit", action="import_registry",
                                   new_value=f"{report}"))
            session.commit()
        except ServiceError as exc:
            session.rollback()
            message = exc.message.replace(path, upload.filename)
            return _units_page(error=message, status=422)
    return _units_page(report=report)


def _fmt(dt: datetime | None) -> str:
    return dt.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


@bp.get("/audit.csv")
@role_required("admin")
def audit_export():
    """Every task event and audit event, oldest first, as CSV (UTF-8 with BOM so Excel reads it)."""
    engine = get_engine()

    def generate():
        # Its own session, closed when the last row is written: the response streams after
        # the request's session has been torn down.
        with Session(engine) as session:
            logins = dict(session.exec(select(User.id, User.login)).all())
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["thoi_gian", "nguoi_thuc_hien", "kenh", "doi_tuong", "ma_doi_tuong", "hanh_dong",
                             "gia_tri_cu", "gia_tri_moi", "ghi_chu"])
            yield "\ufeff" + buffer.getvalue()
            rows = [(e.at, logins.get(e.actor_id, ""), e.channel, "task", e.task_id, e.kind, e.old_value, e.new_value,
                     e.note) for e in session.exec(select(TaskEvent).order_by(TaskEvent.at, TaskEvent.id)).all()]
            rows += [(e.at, logins.get(e.actor_id, ""), e.channel, e.entity, e.entity_id, e.action, e.old_value,
                      e.new_value, "") for e in session.exec(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)).all()]
            session.rollback()
        rows.sort(key=lambda r: r[0])
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_fmt(row[0]), *[_safe_cell(v) for v in row[1:]]])
            yield buffer.getvalue()

    stamp = datetime.now(VN_TZ).strftime("%Y%m%d-%H%M")
    return Response(generate(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="nhat-ky-{stamp}.csv"'})


def _safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading = + - @ gets a quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
