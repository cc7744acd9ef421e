"""outbox.enqueue: one row per recipient and channel, web rows delivered at once, events deduplicated."""
from datetime import datetime
from datetime import timezone

from sqlmodel import select

from tracker.followup import outbox
from tracker.models import Notification
from tracker.models import TelegramLink

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


def test_enqueue_writes_web_and_linked_chat_rows(session, make_unit, make_user, make_task):
    unit = make_unit()
    staff, head = make_user("cv1", unit=unit), make_user("tp1", role="head", unit=unit)
    task = make_task(unit)
    session.add(TelegramLink(user_id=staff.id, chat_id=555))
    session.commit()
    args = dict(recipient_ids=[staff.id, head.id], kind="corrected", text="Nhiệm vụ đã được điều chỉnh",
                task_id=task.id, now=NOW, dedupe=f"corrected:t{task.id}:v2")
    written = outbox.enqueue(session, **args)
    session.commit()
    again = outbox.enqueue(session, **args)
    session.commit()
    rows = session.exec(select(Notification)).all()
    assert written == 3 and again == 0
    got = {(r.recipient_id, r.channel, r.status) for r in rows}
    assert got == {(staff.id, "web", "sent"), (staff.id, "telegram", "pending"), (head.id, "web", "sent")}
    assert all(r.text == "Nhiệm vụ đã được điều chỉnh" and r.read_at is None for r in rows)


def test_enqueue_without_recipients_writes_nothing(session):
    assert outbox.enqueue(session, recipient_ids=[], kind="comment", text="x", now=NOW) == 0
