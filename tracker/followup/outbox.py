"""The outbox: the one way any part of the app tells a person something.

Producers (corrections, comments, mentions, extension decisions, returns, new tasks …)
call `enqueue`, which writes one `Notification` row per recipient and channel: a `web`
row (the in-app inbox; delivered as it is written) and a row for each chat or mail
channel the person receives, which the senders deliver. The reminder sweep writes its
own rows set-based in SQL (`sweep.py`) into the same table.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from tracker.models import Notification
from tracker.models import TelegramLink
from tracker.models import User
from tracker.models import ZaloLink

WEB = "web"
EMAIL = "email"
TELEGRAM = "telegram"
ZALO = "zalo"
CHANNELS = (WEB, EMAIL, TELEGRAM, ZALO)
OPTIONAL = (EMAIL, TELEGRAM, ZALO)  # the ones a person may switch off; the web inbox is always on
LABELS = {WEB: "Hộp thư trên hệ thống", EMAIL: "Thư điện tử", TELEGRAM: "Telegram", ZALO: "Zalo"}

_N = Notification.__table__


def switched_off(user) -> set[str]:
    return {c.strip() for c in (user.channels_off or "").split(",") if c.strip()}


def chat_channels(session: Session, user_ids: list[int]) -> dict[int, list[str]]:
    """The delivery channels besides the web inbox that each user receives today: e-mail
    when an address is set, each chat once linked, less what the person switched off."""
    tg = set(session.execute(
        sa.select(TelegramLink.user_id).where(TelegramLink.user_id.in_(user_ids), TelegramLink.active.is_(True))
    ).scalars())
    zl = set(session.execute(
        sa.select(ZaloLink.user_id).where(ZaloLink.user_id.in_(user_ids), ZaloLink.active.is_(True))
    ).scalars())
    out = {}
    for uid, email, off in session.execute(sa.select(User.id, User.email, User.channels_off)
                                           .where(User.id.in_(user_ids))):
        off = {c.strip() for c in (off or "").split(",")}
        chosen = []
        if email and EMAIL not in off:
            chosen.append(EMAIL)
        if uid in tg and TELEGRAM not in off:
            chosen.append(TELEGRAM)
        if uid in zl and ZALO not in off:
            chosen.append(ZALO)
        out[uid] = chosen
    return {uid: out.get(uid, []) for uid in user_ids}


def enqueue(session: Session, *, recipient_ids: Iterable[int], kind: str, text: str, now: datetime,
            task_id: int | None = None, dedupe: str | None = None) -> int:
    """Write the event for every recipient on every channel they receive; return rows written.

    `dedupe` names the event (e.g. "corrected:t12:v5"): the same event enqueued twice is
    written once. Without it every call is a new event. Does not commit: the event is
    part of the caller's transaction, so it exists exactly when the change does.
    """
    ids = sorted({int(r) for r in recipient_ids if r is not None})
    if not ids:
        return 0
    now = now.astimezone(UTC)
    event = dedupe or uuid.uuid4().hex
    channels = chat_channels(session, ids)
    rows = []
    for uid in ids:
        for channel in [WEB, *channels[uid]]:
            web = channel == WEB
            rows.append({
                "recipient_id": uid, "task_id": task_id, "kind": kind, "occurrence": now.date(),
                "dedupe_key": f"{event}:{channel}:u{uid}"[:255], "due_at": now, "payload": "",
                "status": "sent" if web else "pending", "sent_at": now if web else None, "attempts": 0,
                "created_at": now, "channel": channel, "text": text,
            })
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(_N) if dialect == "postgresql" else sqlite.insert(_N)
    stmt = ins.values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return max(session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount, 0)
