"""Optional TOTP two-factor sign-in (RFC 6238, pyotp) with one-time recovery codes.

A user turns it on from the profile: a new secret is shown (otpauth URI for an
authenticator app), and it is stored only once a code from the app confirms it; ten
recovery codes are shown once and only their hashes kept. At sign-in, after the password,
a code (or an unused recovery code) is asked. Admins must have it when REQUIRE_ADMIN_2FA is
on (default: on when TRACKER_ENV=production, off elsewhere).
"""
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from sqlmodel import Session

from tracker.models import AuditEvent
from tracker.models import User
from tracker.services import ServiceError

ISSUER = "Theo dõi nhiệm vụ"
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=ISSUER)


def _code(value: str | None) -> str:
    return "".join((value or "").split()).replace("-", "").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(_code(code).encode()).hexdigest()


def totp_ok(secret: str, code: str | None, now: datetime | None = None) -> bool:
    code = _code(code)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    return pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


def enable(session: Session, user: User, secret: str, code: str, now: datetime | None = None) -> list[str]:
    """Store `secret` once `code` proves the app has it; returns the recovery codes (shown once)."""
    if not secret or len(secret) > 64 or not totp_ok(secret, code, now):
        raise ServiceError("Mã xác thực không đúng; kiểm tra giờ trên điện thoại và thử lại", code="invalid_code",
                           status=422)
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret = secret
    user.totp_recovery_hashes = [_hash(c) for c in codes]
    session.add(user)
    session.add(AuditEvent(actor_id=user.id, channel="web", entity="user", entity_id=user.id, action="totp_enable"))
    return codes


def disable(session: Session, user: User, code: str, now: datetime | None = None) -> None:
    if not user.totp_secret or not verify(session, user, code, now):
        raise ServiceError("Mã xác thực không đúng", code="invalid_code", status=422)
    user.totp_secret, user.totp_recovery_hashes = None, []
    session.add(user)
    session.add(AuditEvent(actor_id=user.id, channel="web", entity="user", entity_id=user.id, action="totp_disable"))


def verify(session: Session, user: User, code: str | None, now: datetime | None = None) -> bool:
    """A current TOTP code, or an unused recovery code (which is then used up)."""
    if not user.totp_secret:
        return False
    if totp_ok(user.totp_secret, code, now):
        return True
    wanted = _hash(code or "")
    remaining = list(user.totp_recovery_hashes or [])
    for stored in remaining:
        if hmac.compare_digest(stored, wanted) and len(_code(code)) >= 12:
            remaining.remove(stored)
            user.totp_recovery_hashes = remaining
            session.add(user)
            session.add(AuditEvent(actor_id=user.id, channel="web", entity="user", entity_id=user.id,
                                   action="totp_recovery_used", new_value=f"còn {len(remaining)}"))
            return True
    return False


def required_for(user: User, config) -> bool:
    """Whether this user must have two-factor sign-in before using the app."""
    return user.role == "admin" and bool(config.get("REQUIRE_ADMIN_2FA"))
