"""A person's e-mail address: checked, normalised, audited."""
from __future__ import annotations

import re

from sqlmodel import Session

from tracker.models import AuditEvent
from tracker.services import ServiceError

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def normalize_email(value: str | None) -> str | None:
    """'' -> None (no address); a malformed address -> ServiceError (Vietnamese)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value) or "\n" in value or "\r" in value:
        raise ServiceError(f"Địa chỉ thư điện tử không hợp lệ: {value[:80]!r}", code="invalid_email")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def set_email(session: Session, user, value: str | None, *, actor_id: int | None = None,
              channel: str = "web") -> bool:
    """Set (or clear) the address; True when it changed. Does not commit."""
    email = normalize_email(value)
    if email == user.email:
        return False
    old, user.email = user.email, email
    session.add(user)
    session.add(AuditEvent(actor_id=actor_id if actor_id is not None else user.id, channel=channel, entity="user",
                           entity_id=user.id, action="set_email", old_value=old, new_value=email))
    return True
