"""Users, passwords and API tokens."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from tracker.models import ROLES
from tracker.models import ApiToken
from tracker.models import AuditEvent
from tracker.models import User
from tracker.models import utcnow
from tracker.services import Conflict
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services.units import find_unit

UNIT_ROLES = ("staff", "head")
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_DUMMY_HASH = generate_password_hash("dummy-password-for-timing")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    login: str,
    role: str,
    password: str,
    display_name: str | None = None,
    unit_ref: str | int | None = None,
    actor_id: int | None = None,
    channel: str = "system",
) -> User:
    login = (login or "").strip()
    if not login or len(login) > 64:
        raise ServiceError("Tên đăng nhập không hợp lệ")
    if role not in ROLES:
        raise ServiceError(f"Vai trò '{role}' không hợp lệ ({', '.join(ROLES)})")
    if len(password or "") < 8:
        raise ServiceError("Mật khẩu phải có ít nhất 8 ký tự")
    if session.exec(select(User).where(User.login == login)).first():
        raise Conflict(f"Tên đăng nhập '{login}' đã tồn tại")
    unit = find_unit(session, unit_ref) if unit_ref not in (None, "") else None
    if role in UNIT_ROLES and unit is None:
        raise ServiceError(f"Vai trò '{role}' cần một đơn vị (--unit)")
    user = User(
        login=login,
        role=role,
        password_hash=generate_password_hash(password),
        display_name=(display_name or login).strip(),
        unit_id=unit.id if unit else None,
    )
    session.add(user)
    session.flush()
    session.add(AuditEvent(actor_id=actor_id, channel=channel, entity="user", entity_id=user.id,
                           action="create", new_value=f"{login} ({role})"))
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    """Check a login; counts failures and locks the account for a while after too many."""
    user = session.exec(select(User).where(User.login == (login or "").strip())).first()
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return None
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        session.add(user)
        return None
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    return user


def is_locked(user: User | None) -> bool:
    return bool(user and user.locked_until and user.locked_until > utcnow())


def issue_api_token(session: Session, user: User, name: str = "") -> str:
    token = "dt_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:128], token_hash=token_hash(token)))
    session.add(AuditEvent(actor_id=user.id, channel="web", entity="api_token", action="create", new_value=name[:128]))
    session.flush()
    return token


def user_for_api_token(session: Session, token: str) -> User | None:
    if not token:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, token_hash(token)):
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("Không tìm thấy mã truy cập")
    row.revoked_at = utcnow()
    session.add(row)
    session.add(AuditEvent(actor_id=user.id, entity="api_token", entity_id=row.id, action="revoke"))


def find_user(session: Session, login: str) -> User:
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng '{login}'")
    return user
