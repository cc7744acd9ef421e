"""Linking a Zalo chat to an account: a one-time code (shown on the profile page, sent
to the bot) or by hand (`flask --app app zalo link LOGIN CHAT_ID`). A code used in a
chat that already belongs to another account asks before moving it."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.channels.chat_links import set_chat_link
from tracker.models import AuditEvent
from tracker.models import User
from tracker.models import ZaloLink
from tracker.models import ZaloLinkCode
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services.clock import utc_now

CODE_TTL = timedelta(minutes=30)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def create_code(session: Session, user: User, now: datetime | None = None) -> str:
    session.execute(sa.delete(ZaloLinkCode).where(ZaloLinkCode.user_id == user.id, ZaloLinkCode.used_at.is_(None)))
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    session.add(ZaloLinkCode(user_id=user.id, code_hash=_hash(code), expires_at=utc_now(now) + CODE_TTL))
    session.commit()
    return code


def looks_like_code(text: str) -> bool:
    t = (text or "").strip().upper()
    return len(t) == 8 and all(c in _ALPHABET for c in t)


class NeedsConfirmation(ServiceError):
    """The chat already belongs to another account."""


def _set_link(session: Session, user: User, chat_id: str, now, channel: str) -> ZaloLink:
    return set_chat_link(session, ZaloLink, "zalo_link", user, chat_id, now, channel)


def consume_code(session: Session, code: str, chat_id: str, now: datetime | None = None,
                 confirmed: bool = False) -> User:
    """Link `chat_id` to the code's user. Raises NeedsConfirmation (code kept) when the chat
    belongs to another active account and `confirmed` is False. Commits."""
    now = utc_now(now)
    row = session.exec(select(ZaloLinkCode).where(ZaloLinkCode.code_hash == _hash(code or ""))).first()
    if row is None or row.used_at is not None:
        raise ServiceError("Mã liên kết không hợp lệ hoặc đã được dùng. Vui lòng tạo mã mới trên trang Cá nhân.",
                           code="invalid_token")
    if row.expires_at <= now:
        raise ServiceError("Mã liên kết đã hết hạn (30 phút). Vui lòng tạo mã mới trên trang Cá nhân.",
                           code="expired_token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise ServiceError("Tài khoản không còn hoạt động", code="inactive")
    other = user_for_chat(session, chat_id)
    if other is not None and other.id != user.id and not confirmed:
        raise NeedsConfirmation(f"Cuộc trò chuyện này đang nhận nhắc việc của tài khoản {other.login}. "
                                f"Gửi \"CHUYEN {code.strip().upper()}\" để chuyển sang tài khoản {user.login}.",
                                code="confirm_move")
    res = session.execute(sa.update(ZaloLinkCode).where(ZaloLinkCode.id == row.id, ZaloLinkCode.used_at.is_(None))
                          .values(used_at=now))
    if res.rowcount != 1:
        session.rollback()
        raise ServiceError("Mã liên kết đã được dùng", code="invalid_token")
    _set_link(session, user, chat_id, now, "zalo")
    session.commit()
    return user


def link_by_hand(session: Session, login: str, chat_id: str, now: datetime | None = None) -> User:
    chat_id = (chat_id or "").strip()
    if not chat_id or len(chat_id) > 64:
        raise ServiceError("CHAT_ID không hợp lệ")
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None:
        raise NotFound(f"Không có tài khoản '{login}'")
    _set_link(session, user, chat_id, now, "system")
    session.commit()
    return user


def unlink_chat(session: Session, chat_id: str, now: datetime | None = None) -> User | None:
    link = session.exec(select(ZaloLink).where(ZaloLink.chat_id == chat_id, ZaloLink.active.is_(True))).first()
    if link is None:
        return None
    link.active, link.deactivated_reason = False, "Người dùng huỷ liên kết (/huylienket)"
    session.add(link)
    session.add(AuditEvent(actor_id=link.user_id, at=utc_now(now), channel="zalo", entity="zalo_link",
                           entity_id=link.user_id, action="unlink", old_value=chat_id))
    session.commit()
    return session.get(User, link.user_id)


def user_for_chat(session: Session, chat_id: str) -> User | None:
    user = session.exec(select(User).join(ZaloLink, ZaloLink.user_id == User.id)
                        .where(ZaloLink.chat_id == chat_id, ZaloLink.active.is_(True))).first()
    return user if user is not None and user.active else None


def link_of(session: Session, user: User) -> ZaloLink | None:
    return session.exec(select(ZaloLink).where(ZaloLink.user_id == user.id)).first()
