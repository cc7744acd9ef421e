"""The in-app inbox: a person's `web` rows of the notification table (written by
`tracker.followup.outbox`). Reads are index-backed (ix_notification_inbox) and cost a
fixed number of queries whatever the number of notifications."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.followup.outbox import WEB
from tracker.models import Notification
from tracker.models import User
from tracker.services import ServiceError
from tracker.services.clock import utc_now

KIND_LABELS = {
    "daily": "Nhắc việc trong ngày",
    "escalation": "Báo cáo lãnh đạo: nhiệm vụ quá hạn",
    "assigned": "Giao việc",
    "mention": "Nhắc tên",
    "comment": "Ý kiến mới",
    "corrected": "Đính chính",
    "extension_decided": "Quyết định gia hạn",
    "returned": "Trả lại",
    "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn",
    "delegated": "Nhiệm vụ được giao xuống",
    "unassigned": "Cần phân công lại",
    "cancelled": "Hủy nhiệm vụ",
    "reopened": "Mở lại nhiệm vụ",
}
PAGE = 50


def unread_count_of(user_id) -> sa.ScalarSelect:
    """The COUNT over the inbox index as a scalar subquery (the bell in the layout): the web
    layer reads it in the same statement as the signed-in user."""
    return sa.select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id, Notification.channel == WEB,
        Notification.read_at.is_(None)).scalar_subquery()


def unread_count(session: Session, user_id: int) -> int:
    """One COUNT over the inbox index."""
    return session.execute(sa.select(unread_count_of(user_id))).scalar_one()


def items(session: Session, user: User, *, page: int = 1, per_page: int = PAGE, unread_only: bool = False):
    conditions = [Notification.recipient_id == user.id, Notification.channel == WEB]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    return list(session.exec(select(Notification).where(*conditions)
                             .order_by(Notification.created_at.desc(), Notification.id.desc())
                             .offset((max(page, 1) - 1) * per_page).limit(per_page)).all())


def text_of(n: Notification) -> str:
    """What the inbox shows for an item (its own text, or the label of its kind); the API's form of an
    item is `tracker.web.collab_api.notification_to_json`."""
    return n.text or KIND_LABELS.get(n.kind, n.kind)


def mark_read(session: Session, user: User, *, ids=None, all_: bool = False, now: datetime | None = None) -> int:
    """Mark some (or all) of the user's own inbox items read; others' ids are ignored."""
    conditions = [Notification.recipient_id == user.id, Notification.channel == WEB, Notification.read_at.is_(None)]
    if not all_:
        if not isinstance(ids, list) or not ids or any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
            raise ServiceError("Cần 'ids' (danh sách số nguyên) hoặc 'all': true", code="invalid_ids", status=422)
        conditions.append(Notification.id.in_(ids))
    result = session.execute(sa.update(Notification).where(*conditions).values(read_at=utc_now(now))
                             .execution_options(synchronize_session=False))
    return result.rowcount
