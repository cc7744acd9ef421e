"""Users, passwords, sessions and API tokens.

Sessions: a signed-in cookie carries the user's `session_generation`; a model hook
(tracker/models.py) bumps it whenever the password, role, unit or active flag changes, and
`end_sessions` bumps it for logout and "sign out all devices". API tokens expire
(default 90 days) and have a scope: "read" (GET only) or "write".
"""
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
from tracker.services import passwords
from tracker.services import throttle
from tracker.services.units import find_unit

UNIT_ROLES = ("staff", "head")
TOKEN_SCOPES = ("read", "write")
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
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
    enforce_policy: bool = True,
) -> User:
    """Create a user. `enforce_policy=False` only for the development demo accounts."""
    login = (login or "").strip()
    if not login or len(login) > 64:
        raise ServiceError("Tên đăng nhập không hợp lệ")
    if role not in ROLES:
        raise ServiceError(f"Vai trò '{role}' không hợp lệ ({', '.join(ROLES)})")
    if enforce_policy:
        passwords.check_password(password, login)
    elif len(password or "") < 8:
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


def authenticate(session: Session, login: str, password: str, *, address: str | None = None,
                 throttled: bool = False) -> User | None:
    """Check a login. Failures are recorded for throttling (tracker/services/throttle.py).

    With `throttled` the password is not checked at all, but the same hash work is done, so
    the answer takes as long and reads the same as a wrong password."""
    user = session.exec(select(User).where(User.login == (login or "").strip())).first()
    if throttled or user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        if not throttled:
            throttle.record_failure(session, login, address)
        return None
    if not check_password_hash(user.password_hash, password or ""):
        throttle.record_failure(session, login, address)
        return None
    return user


def check_current_password(session: Session, user: User, password: str, *, address: str | None = None,
                           throttled: bool = False) -> bool:
    """The password-change form's check of the current password, counted like a sign-in failure."""
    if throttled:
        check_password_hash(_DUMMY_HASH, password or "")
        return False
    if check_password_hash(user.password_hash, password or ""):
        return True
    throttle.record_failure(session, user.login, address)
    return False


def change_password(session: Session, user: User, new_password: str, *, keep_tokens: bool = False,
                    channel: str = "web") -> int:
    """Set a new password (policy applies); every session ends (the model hook bumps the
    generation) and the user's API tokens are revoked unless `keep_tokens`. Returns the
    number of tokens revoked."""
    passwords.check_password(new_password, user.login)
    user.password_hash = generate_password_hash(new_password)
    session.add(user)
    revoked = 0
    if not keep_tokens:
        now = utcnow()
        for row in session.exec(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked_at.is_(None))).all():
            row.revoked_at = now
            session.add(row)
            revoked += 1
    session.add(AuditEvent(actor_id=user.id, channel=channel, entity="user", entity_id=user.id,
                           action="change_password", new_value=f"tokens revoked: {revoked}"))
    return revoked


def end_sessions(session: Session, user: User, *, channel: str = "web", action: str = "logout") -> None:
    """Every cookie issued to `user` so far stops working (logout, "sign out all devices")."""
    user.session_generation = User.session_generation + 1  # in SQL: concurrent bumps both count
    session.add(user)
    session.add(AuditEvent(actor_id=user.id, channel=channel, entity="user", entity_id=user.id, action=action))


def issue_api_token(session: Session, user: User, name: str = "", *, scope: str = "write",
                    days: int = DEFAULT_TOKEN_DAYS) -> str:
    if scope not in TOKEN_SCOPES:
        raise ServiceError(f"Phạm vi '{scope}' không hợp lệ (read hoặc write)", code="invalid_scope", status=422)
    if not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise ServiceError(f"Thời hạn mã truy cập phải từ 1 đến {MAX_TOKEN_DAYS} ngày", code="invalid_days", status=422)
    token = "dt_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:128], token_hash=token_hash(token), scope=scope,
                         expires_at=utcnow() + timedelta(days=days)))
    session.add(AuditEvent(actor_id=user.id, channel="web", entity="api_token", action="create",
                           new_value=f"{name[:100]} ({scope}, {days} ngày)"))
    session.flush()
    return token


def api_token_row(session: Session, token: str) -> ApiToken | None:
    """The live token row (not revoked, not expired, its user active), or None."""
    if not token:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, token_hash(token)):
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return row if user and user.active else None


def user_for_api_token(session: Session, token: str) -> User | None:
    row = api_token_row(session, token)
    return session.get(User, row.user_id) if row is not None else None


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
