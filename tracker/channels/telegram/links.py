"""Linking a Telegram chat to a user account.

The profile page creates a one-time token (random, only its SHA-256 stored, valid 30
minutes, usable once); the bot's `/start <token>` consumes it. Operators can link by
hand (`flask telegram link LOGIN CHAT_ID`). One account has at most one link; a chat
belongs to at most one active account.
"""
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
from tracker.models import TelegramLink
from tracker.models import TelegramLinkToken
from tracker.models import User
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services.clock import utc_now

TOKEN_TTL = timedelta(minutes=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link_token(session: Session, user: User, now: datetime | None = None) -> str:
    """A fresh one-time token (older unused tokens of the user are dropped). Commits."""
    session.execute(sa.delete(TelegramLinkToken).where(TelegramLinkToken.user_id == user.id,
                                                       TelegramLinkToken.used_at.is_(None)))
    token = secrets.token_urlsafe(24)  # 32 chars of A-Za-z0-9_- (deep-link alphabet)
    session.add(TelegramLinkToken(user_id=user.id, token_hash=_hash(token), expires_at=utc_now(now) + TOKEN_TTL))
    session.commit()
    return token


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def _set_link(session: Session, user: User, chat_id: int, now, channel: str) -> TelegramLink:
    return set_chat_link(session, TelegramLink, "telegram_link", user, chat_id, now, channel)


def peek_link_token(session: Session, token: str, now: datetime | None = None) -> User:
    """The user a valid, unused token links (without using it); ServiceError otherwise."""
    if not token or len(token) > 64:
        raise ServiceError("Mã liên kết không hợp lệ", code="invalid_token")
    row = session.exec(select(TelegramLinkToken).where(TelegramLinkToken.token_hash == _hash(token))).first()
    if row is None or row.used_at is not None:
        raise ServiceError("Mã liên kết không hợp lệ hoặc đã được dùng. Vui lòng tạo mã mới trên trang Cá nhân.",
                           code="invalid_token")
    if row.expires_at <= utc_now(now):
        raise ServiceError("Mã liên kết đã hết hạn (30 phút). Vui lòng tạo mã mới trên trang Cá nhân.",
                           code="expired_token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise ServiceError("Tài khoản không còn hoạt động", code="inactive")
    return user


def consume_link_token(session: Session, token: str, chat_id: int, now: datetime | None = None) -> User:
    """Link `chat_id` to the token's user; the token then stops working. Commits."""
    if not token or len(token) > 64:
        raise ServiceError("Mã liên kết không hợp lệ", code="invalid_token")
    now = utc_now(now)
    row = session.exec(select(TelegramLinkToken).where(TelegramLinkToken.token_hash == _hash(token))).first()
    if row is None or row.used_at is not None:
        raise ServiceError("Mã liên kết không hợp lệ hoặc đã được dùng. Vui lòng tạo mã mới trên trang Cá nhân.",
                           code="invalid_token")
    if row.expires_at <= now:
        raise ServiceError("Mã liên kết đã hết hạn (30 phút). Vui lòng tạo mã mới trên trang Cá nhân.",
                           code="expired_token")
    # guarded update: two /start with one token cannot both succeed
    res = session.execute(sa.update(TelegramLinkToken)
                          .where(TelegramLinkToken.id == row.id, TelegramLinkToken.used_at.is_(None))
                          .values(used_at=now))
    if res.rowcount != 1:
        session.rollback()
        raise ServiceError("Mã liên kết đã được dùng", code="invalid_token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        session.rollback()
        raise ServiceError("Tài khoản không còn hoạt động", code="inactive")
    _set_link(session, user, chat_id, now, "telegram")
    session.commit()
    return user


def link_by_hand(session: Session, login: str, chat_id: int, now: datetime | None = None) -> User:
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None:
        raise NotFound(f"Không có tài khoản '{login}'")
    _set_link(session, user, chat_id, now, "system")
    session.commit()
    return user


def unlink_chat(session: Session, chat_id: int, now: datetime | None = None) -> User | None:
    """Deactivate the active link of this chat; returns its user (None if not linked). Commits."""
    link = session.exec(select(TelegramLink).where(TelegramLink.chat_id == chat_id,
                                                   TelegramLink.active.is_(True))).first()
    if link is None:
        return None
    link.active, link.deactivated_reason = False, "Người dùng huỷ liên kết (/huylienket)"
    session.add(link)
    session.add(AuditEvent(actor_id=link.user_id, at=utc_now(now), channel="telegram", entity="telegram_link",
                           entity_id=link.user_id, action="unlink", old_value=str(chat_id)))
    session.commit()
    return session.get(User, link.user_id)


def unlink_user(session: Session, user: User, now: datetime | None = None) -> bool:
    link = session.exec(select(TelegramLink).where(TelegramLink.user_id == user.id,
                                                   TelegramLink.active.is_(True))).first()
    if link is None:
        return False
    link.active, link.deactivated_reason = False, "Người dùng huỷ liên kết trên trang Cá nhân"
    session.add(link)
    session.add(AuditEvent(actor_id=user.id, at=utc_now(now), channel="web", entity="telegram_link",
                           entity_id=user.id, action="unlink", old_value=str(link.chat_id)))
    session.commit()
    return True


def user_for_chat(session: Session, chat_id: int) -> User | None:
    """The active, linked account of a chat (None when unlinked or the account is disabled)."""
    user = session.exec(select(User).join(TelegramLink, TelegramLink.user_id == User.id)
                        .where(TelegramLink.chat_id == chat_id, TelegramLink.active.is_(True))).first()
    return user if user is not None and user.active else None


def link_of(session: Session, user: User) -> TelegramLink | None:
    return session.exec(select(TelegramLink).where(TelegramLink.user_id == user.id)).first()
