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
from datetime import datetime
from datetime import timezone

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
    now = now.astimezone(timezone.utc)
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


# The inbox groups the sweep's reminders: one item per person per day and kind, as the
# channels' daily message does (issue 16). Source kinds are the sweep's (policy.py).
INBOX_DAILY = {"due_soon": ("before", "Có {n} nhiệm vụ sắp đến hạn"), "overdue": ("overdue", "Có {n} nhiệm vụ quá hạn")}


def inbox_daily(session: Session, now: datetime, day) -> int:
    """Write today's grouped `due_soon`/`overdue` inbox items from the reminders already in
    the outbox (set-based, one INSERT … SELECT … GROUP BY per kind; idempotent per day)."""
    now = now.astimezone(timezone.utc)
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(_N) if dialect == "postgresql" else sqlite.insert(_N)
    written = 0
    for kind, (source, template) in INBOX_DAILY.items():
        before, after = template.split("{n}")
        n = sa.func.count(sa.distinct(_N.c.task_id))
        sel = (
            sa.select(
                _N.c.recipient_id,
                sa.case((n == 1, sa.func.min(_N.c.task_id)), else_=sa.null()),
                sa.literal(kind, sa.String),
                sa.literal(day, _N.c.occurrence.type),
                sa.literal(f"inbox:{kind}:{day.isoformat()}:u", sa.String) + sa.cast(_N.c.recipient_id, sa.String),
                sa.literal(now, _N.c.due_at.type),
                sa.literal("", sa.String),
                sa.literal("sent", sa.String),
                sa.literal(0, sa.Integer),
                sa.literal(now, _N.c.created_at.type),
                sa.literal(now, _N.c.sent_at.type),
                sa.literal(WEB, sa.String),
                sa.literal(before, sa.String) + sa.cast(n, sa.String) + sa.literal(after, sa.String),
            )
            .where(_N.c.kind == source, _N.c.occurrence == day, _N.c.channel != WEB)
            .group_by(_N.c.recipient_id)
        )
        cols = ["recipient_id", "task_id", "kind", "occurrence", "dedupe_key", "due_at", "payload", "status",
                "attempts", "created_at", "sent_at", "channel", "text"]
        stmt = ins.from_select(cols, sel).on_conflict_do_nothing(index_elements=["dedupe_key"])
        written += max(session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount, 0)
    return written
