"""Linking a chat to an account, the same for every chat channel (Telegram, Zalo).

A chat follows one account: linking it deactivates other accounts' links to the same
chat, then the user's own link row is created or moved to this chat, and the change is
audited. `model` is the channel's link table (user_id, chat_id, active, linked_at,
deactivated_reason)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.models import AuditEvent
from tracker.models import User
from tracker.services.clock import utc_now


def set_chat_link(session: Session, model, entity: str, user: User, chat_id, now: datetime | None, channel: str):
    """Point the user's link of `model` at `chat_id` (taking it from any other account); audited as `entity`."""
    session.execute(sa.update(model).where(model.chat_id == chat_id, model.user_id != user.id,
                                           model.active.is_(True))
                    .values(active=False, deactivated_reason="Chat được liên kết với tài khoản khác"))
    link = session.exec(select(model).where(model.user_id == user.id)).first()
    if link is None:
        link = model(user_id=user.id, chat_id=chat_id)
    link.chat_id, link.active, link.linked_at, link.deactivated_reason = chat_id, True, utc_now(now), None
    session.add(link)
    session.add(AuditEvent(actor_id=user.id, at=utc_now(now), channel=channel, entity=entity,
                           entity_id=user.id, action="link", new_value=str(chat_id)))
    return link
