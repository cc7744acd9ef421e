"""Administration: users, the unit registry, and the audit log export."""
import csv
import io
import os
import tempfile
from datetime import datetime

import sqlalchemy as sa
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
from tracker.models import UNIT_KINDS
from tracker.models import AuditEvent
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import accounts
from tracker.services import inputs
from tracker.services import units as unit_service
from tracker.services.clock import local_zone
from tracker.web.auth import current_user
from tracker.web.auth import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_REGISTRY_BYTES = 2 * 1024 * 1024


def _users_page(error: str | None = None, form: dict | None = None, status: int = 200):
    from tracker.services.user_admin import search_users

    session = get_session()
    filters = {k: (request.args.get(k) or "").strip() for k in ("q", "role", "unit", "active")}
    users = search_users(session, q=filters["q"][:100] or None, role=filters["role"] or None,
                         unit_id=int(filters["unit"]) if filters["unit"].isdigit() else None,
                         active={"1": True, "0": False}.get(filters["active"]))
    units = session.exec(select(Unit).where(Unit.active == sa.true()).order_by(Unit.name)).all()
    unit_names = {u.id: u.name for u in session.exec(select(Unit)).all()}
    return render_template("admin/users.html", users=users, units=units, unit_names=unit_names, roles=ROLES,
                           error=error, form=form or {}, filters=filters), status


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
                                    unit_ref=inputs.to_int(form["unit_id"], minimum=1),
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


@bp.post("/users/<int:user_id>/edit")
@role_required("admin")
def edit_user(user_id: int):
    """Name, role, unit and active state of one account (audited)."""
    from tracker.services.collab import open_assignments
    from tracker.services.user_admin import update_user

    session = get_session()
    unit_raw = (request.form.get("unit_id") or "").strip()
    before = open_assignments(session, user_id)
    try:
        update_user(session, current_user(), user_id, display_name=request.form.get("display_name"),
                    role=request.form.get("role") or None,
                    unit_id=int(unit_raw) if unit_raw.isdigit() else None,
                    clear_unit="unit_id" in request.form and unit_raw == "",
                    active=None if "active" not in request.form else request.form.get("active") == "1")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _users_page(error=exc.message, status=exc.status)
    released = before - open_assignments(session, user_id)
    flash("Đã cập nhật tài khoản." + (f" Đã bỏ phân công {released} nhiệm vụ đang giao cho người này; lãnh đạo đơn vị "
                                      "chủ trì đã được báo để phân công lại." if released > 0 else ""), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def reset_password(user_id: int):
    """A temporary password; the user must choose a new one at the next sign-in."""
    from tracker.services.user_admin import reset_password as reset

    session = get_session()
    try:
        user = reset(session, current_user(), user_id, new_password=request.form.get("password") or "")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _users_page(error=exc.message, status=exc.status)
    flash(f"Đã đặt mật khẩu tạm cho {user.login}; người dùng phải đổi mật khẩu khi đăng nhập.", "success")
    return redirect(url_for("admin.users"))


def _units_page(error: str | None = None, report: dict | None = None, status: int = 200, preview=None):
    session = get_session()
    units = session.exec(select(Unit).order_by(Unit.kind, Unit.name)).all()
    members: dict[int, list[int]] = {}
    from tracker.models import UnitMember

    for m in session.exec(select(UnitMember)).all():
        members.setdefault(m.group_id, []).append(m.member_id)
    return render_template("admin/units.html", units=units, error=error, report=report, preview=preview,
                           members=members, kinds=UNIT_KINDS), status


@bp.get("/units")
@role_required("admin")
def units():
    return _units_page()


def _registry_entries(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "registry" + suffix)
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            return unit_service.read_registry_file(path)
        except ServiceError as exc:
            raise ServiceError(exc.message.replace(path, "tệp đã chọn"), code=exc.code, status=422) from None


@bp.post("/units/import")
@role_required("admin")
def import_units():
    """Upload shows a preview of the changes (nothing written); the confirmation applies them."""
    import base64
    import binascii

    session = get_session()
    encoded = request.form.get("content")
    if encoded:
        suffix = request.form.get("suffix") or ".yaml"
        try:
            data = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return _units_page(error="Dữ liệu xác nhận không hợp lệ; hãy chọn lại tệp", status=422)
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return _units_page(error="Chọn tệp danh mục (.yaml hoặc .csv)", status=422)
        suffix = os.path.splitext(upload.filename)[1].lower()
        data = upload.read(MAX_REGISTRY_BYTES + 1)
    if suffix not in (".yaml", ".yml", ".csv"):
        return _units_page(error="Tệp danh mục phải là .yaml, .yml hoặc .csv", status=422)
    if len(data) > MAX_REGISTRY_BYTES:
        return _units_page(error="Tệp danh mục quá lớn (tối đa 2 MB)", status=413)
    try:
        entries = _registry_entries(data, suffix)
        if not encoded:
            changes = unit_service.preview_registry(session, entries)
            session.rollback()
            return _units_page(preview={"changes": changes, "content": base64.b64encode(data).decode("ascii"),
                                        "suffix": suffix})
        report = unit_service.import_registry(session, entries)
        session.add(AuditEvent(actor_id=current_user().id, channel="web", entity="unit", action="import_registry",
                               new_value=f"{report}"))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _units_page(error=exc.message, status=422)
    return _units_page(report=report)


def _unit_action(run, done: str):
    session = get_session()
    try:
        run(session, current_user())
        session.commit()
    except ServiceError as exc:
        session.rollback()
        return _units_page(error=exc.message, status=exc.status)
    flash(done, "success")
    return redirect(url_for("admin.units"))


def _split_names(raw: str | None) -> list[str]:
    return [a.strip() for a in (raw or "").replace("\n", ";").split(";") if a.strip()]


@bp.post("/units")
@role_required("admin")
def add_unit():
    from tracker.services import registry_admin as reg

    f = request.form
    return _unit_action(lambda s, u: reg.add_unit(s, u, code=f.get("code", ""), name=f.get("name", ""),
                                                  kind=f.get("kind") or "department", short_name=f.get("short_name"),
                                                  aliases=_split_names(f.get("aliases"))), "Đã thêm đơn vị.")


@bp.post("/units/<int:unit_id>/rename")
@role_required("admin")
def rename_unit(unit_id: int):
    from tracker.services import registry_admin as reg

    return _unit_action(lambda s, u: reg.rename_unit(s, u, unit_id, name=request.form.get("name", "")),
                        "Đã đổi tên đơn vị; tên cũ được giữ làm tên gọi khác.")


@bp.post("/units/<int:unit_id>/merge")
@role_required("admin")
def merge_unit(unit_id: int):
    from tracker.services import registry_admin as reg

    target = request.form.get("target_id") or ""
    if not target.isdigit():
        return _units_page(error="Chọn đơn vị nhận", status=422)
    return _unit_action(lambda s, u: reg.merge_units(s, u, unit_id, int(target)),
                        "Đã gộp đơn vị: nhiệm vụ và tài khoản đã chuyển sang đơn vị nhận.")


@bp.post("/units/<int:unit_id>/active")
@role_required("admin")
def unit_active(unit_id: int):
    from tracker.services import registry_admin as reg

    active = request.form.get("active") == "1"
    return _unit_action(lambda s, u: reg.set_active(s, u, unit_id, active),
                        "Đã mở lại đơn vị." if active else "Đã ngừng đơn vị.")


@bp.post("/units/<int:unit_id>/aliases")
@role_required("admin")
def unit_aliases(unit_id: int):
    from tracker.services import registry_admin as reg

    if "aliases" not in request.form:
        return _units_page(error="Thiếu danh sách tên gọi khác", status=422)
    return _unit_action(lambda s, u: reg.set_aliases(s, u, unit_id, _split_names(request.form.get("aliases"))),
                        "Đã lưu tên gọi khác.")


@bp.post("/units/<int:unit_id>/members")
@role_required("admin")
def unit_members(unit_id: int):
    from tracker.services import registry_admin as reg

    ids = [int(v) for v in request.form.getlist("member_ids") if v.isdigit()]
    return _unit_action(lambda s, u: reg.set_members(s, u, unit_id, ids), "Đã lưu thành viên của nhóm.")


# --- the year's holiday table (Tết days off, make-up working days) ---------------------

def _holiday_rows(year: int):
    from tracker.vncalendar import holidays as cal

    edited = cal.read_override().get(year)
    return (edited if edited is not None else cal.official_rows(year)), edited is not None


def _holidays_page(year: int, error: str | None = None, text: str | None = None, status: int = 200):
    from tracker.vncalendar import holidays as cal

    rows, edited = _holiday_rows(year)
    if text is None:
        text = "\n".join(f"{'nghỉ' if k == 'off' else 'làm'} {d.strftime('%d/%m/%Y')} {name}".rstrip()
                         for k, d, name in rows)
    days_off = sorted(cal.holidays_in_year(year))
    return render_template("admin/holidays.html", year=year, text=text, edited=edited, error=error,
                           days_off=days_off), status


def _year_arg(raw) -> int:
    from tracker.services.clock import local_today

    try:
        year = int(raw)
    except (TypeError, ValueError):
        return local_today().year
    return year if 2000 <= year <= 2100 else local_today().year


def parse_holiday_lines(text: str, year: int) -> list:
    """'nghỉ 16/02/2026 Tết Nguyên đán' / 'làm 07/02/2026 làm bù' lines; errors name the line."""
    import re as _re
    from datetime import date as _date

    rows = []
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        m = _re.match(r"^(nghỉ|nghi|làm|lam)\s+(\d{1,2})/(\d{1,2})/(\d{4})\s*(.*)$", line, _re.IGNORECASE)
        if not m:
            raise ServiceError(f"Dòng {n}: cần dạng “nghỉ DD/MM/YYYY tên ngày” hoặc “làm DD/MM/YYYY lý do”",
                               code="invalid_line", status=422)
        try:
            d = _date(int(m.group(4)), int(m.group(3)), int(m.group(2)))
        except ValueError:
            raise ServiceError(f"Dòng {n}: ngày {m.group(2)}/{m.group(3)}/{m.group(4)} không có trong lịch",
                               code="invalid_date", status=422) from None
        if d.year != year:
            raise ServiceError(f"Dòng {n}: ngày {d.strftime('%d/%m/%Y')} không thuộc năm {year}", code="invalid_date",
                               status=422)
        kind = "off" if m.group(1).lower() in ("nghỉ", "nghi") else "work"
        if kind == "work" and d.weekday() < 5:
            raise ServiceError(f"Dòng {n}: ngày làm bù {d.strftime('%d/%m/%Y')} phải là thứ Bảy hoặc Chủ nhật",
                               code="invalid_date", status=422)
        rows.append((kind, d, m.group(5).strip()[:120]))
    return rows


@bp.get("/holidays")
@role_required("admin")
def holidays():
    return _holidays_page(_year_arg(request.args.get("year")))


@bp.post("/holidays")
@role_required("admin")
def save_holidays():
    """Replace one year's schedule (or go back to holidays.csv with 'restore'); audited."""
    from tracker.vncalendar import holidays as cal

    year = _year_arg(request.form.get("year"))
    text = request.form.get("rows") or ""
    try:
        rows = [] if request.form.get("restore") == "1" else parse_holiday_lines(text, year)
        if request.form.get("restore") != "1" and not any(k == "off" for k, _, _ in rows):
            raise ServiceError("Lịch nghỉ của một năm cần ít nhất một ngày nghỉ", code="empty", status=422)
    except ServiceError as exc:
        return _holidays_page(year, error=exc.message, text=text, status=exc.status)
    session = get_session()
    old, _ = _holiday_rows(year)
    cal.write_override(year, rows)
    session.add(AuditEvent(actor_id=current_user().id, channel="web", entity="holiday", entity_id=year,
                           action="restore" if not rows else "edit_year",
                           old_value="; ".join(f"{k} {d.isoformat()}" for k, d, _ in old)[:4000],
                           new_value="; ".join(f"{k} {d.isoformat()}" for k, d, _ in rows)[:4000]))
    session.commit()
    flash(f"Đã lưu lịch nghỉ năm {year}." if rows else f"Đã trả lịch nghỉ năm {year} về bảng gốc.", "success")
    return redirect(url_for("admin.holidays", year=year))


def _fmt(dt: datetime | None) -> str:
    return dt.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


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
                      e.new_value, "")
                     for e in session.exec(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)).all()]
            session.rollback()
        rows.sort(key=lambda r: r[0])
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_fmt(row[0]), *[_safe_cell(v) for v in row[1:]]])
            yield buffer.getvalue()

    stamp = datetime.now(local_zone()).strftime("%Y%m%d-%H%M")
    return Response(generate(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="nhat-ky-{stamp}.csv"'})


def _safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading = + - @ gets a quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
