"""The admin's work on accounts: edit name, role, unit and active state; reset a password.

Only the admin (clerks and everyone else get 403). Every change is audited with the
old and new value. Moving an officer to another unit (or deactivating them, or taking
their unit role away) clears their open assignments (`collab.release_assignments`).
A reset password must be changed by its owner at the next sign-in.
"""
from sqlalchemy import or_
from sqlmodel import Session
from sqlmodel import select

from tracker.models import ADMIN
from tracker.models import ROLES
from tracker.models import AuditEvent
from tracker.models import Unit
from tracker.models import User
from tracker.services import Conflict
from tracker.services import Forbidden
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services.clock import utc_now

UNIT_ROLES = ("staff", "head")


def require_admin(actor: User) -> None:
    if actor is None or actor.role != ADMIN:
        raise Forbidden("Chỉ quản trị được sửa tài khoản người dùng")


def _audit(session: Session, actor: User, user: User, action: str, old, new, channel: str, now=None) -> None:
    session.add(AuditEvent(actor_id=actor.id, channel=channel, entity="user", entity_id=user.id, action=action,
                           old_value=None if old is None else str(old), new_value=None if new is None else str(new),
                           at=utc_now(now)))


def update_user(session: Session, actor: User, user_id: int, *, display_name: str | None = None,
                role: str | None = None, unit_id: int | None = None, clear_unit: bool = False,
                active: bool | None = None, channel: str = "web", now=None) -> User:
    """Change what is given; refuse what would leave an account unusable. Does not commit."""
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng")
    changes = []
    if display_name is not None:
        name = display_name.strip()
        if not name or len(name) > 255:
            raise ServiceError("Họ tên không được để trống (tối đa 255 ký tự)", code="invalid_name", status=422)
        if name != user.display_name:
            changes.append(("rename", user.display_name, name))
            user.display_name = name
    if role is not None and role != user.role:
        if role not in ROLES:
            raise ServiceError("Vai trò không hợp lệ", code="invalid_role", status=422)
        if user.id == actor.id:
            raise Conflict("Không thể tự đổi vai trò của chính mình")
        changes.append(("role", user.role, role))
        user.role = role
    if clear_unit and user.unit_id is not None:
        changes.append(("unit", user.unit_id, None))
        user.unit_id = None
    elif unit_id is not None and unit_id != user.unit_id:
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active or unit.kind == "group":
            raise ServiceError("Đơn vị không hợp lệ (chọn một đơn vị đang hoạt động)", code="invalid_unit", status=422)
        changes.append(("unit", user.unit_id, unit.id))
        user.unit_id = unit.id
    if user.role in UNIT_ROLES and user.unit_id is None:
        raise ServiceError("Cán bộ và lãnh đạo đơn vị phải thuộc một đơn vị", code="unit_required", status=422)
    if active is not None and active != user.active:
        if user.id == actor.id and not active:
            raise Conflict("Không thể tự khoá tài khoản của chính mình")
        changes.append(("activate" if active else "deactivate", user.active, active))
        user.active = active
        if active:
            user.failed_logins, user.locked_until = 0, None
    if not changes:
        raise ServiceError("Không có thay đổi nào", code="no_change", status=422)
    for action, old, new in changes:
        _audit(session, actor, user, action, old, new, channel, now)
    session.add(user)
    session.flush()
    if any(action in ("unit", "role", "deactivate") for action, _, _ in changes):
        from tracker.services import collab

        collab.release_assignments(session, actor, user, channel=channel, now=now)
    return user


def reset_password(session: Session, actor: User, user_id: int, *, new_password: str, channel: str = "web",
                   now=None) -> User:
    """Set a temporary password; its owner must choose a new one at the next sign-in."""
    from tracker.services import accounts

    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng")
    if len(new_password or "") < 8:
        raise ServiceError("Mật khẩu tạm phải có ít nhất 8 ký tự", code="weak_password", status=422)
    user.password_hash = accounts.generate_password_hash(new_password)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    _audit(session, actor, user, "reset_password", None, "phải đổi mật khẩu khi đăng nhập", channel, now)
    session.flush()
    return user


def search_users(session: Session, *, q: str | None = None, role: str | None = None, unit_id: int | None = None,
                 active: bool | None = None) -> list[User]:
    """The user list with search (login or name, diacritics as typed) and filters."""
    stmt = select(User)
    if q and q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.login.ilike(like), User.display_name.ilike(like)))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    if active is not None:
        stmt = stmt.where(User.active == active)
    return list(session.exec(stmt.order_by(User.active.desc(), User.login)).all())
