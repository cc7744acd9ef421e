"""outbox.enqueue: one row per recipient and channel, web rows delivered at once, events deduplicated."""
from datetime import UTC
from datetime import datetime

from sqlmodel import select

from tracker.followup import outbox
from tracker.models import Notification
from tracker.models import TelegramLink

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


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


def test_enqueue_follows_each_persons_channels(session, make_unit, make_user, make_task):
    from tracker.models import ZaloLink

    unit = make_unit()
    mail, zalo, off = make_user("thu", unit=unit), make_user("zl", unit=unit), make_user("tat", unit=unit)
    mail.email = "thu@so.gov.vn"
    off.email, off.channels_off = "tat@so.gov.vn", "email,telegram"
    session.add_all([mail, off, ZaloLink(user_id=zalo.id, chat_id="z1"), TelegramLink(user_id=off.id, chat_id=9)])
    session.commit()
    outbox.enqueue(session, recipient_ids=[mail.id, zalo.id, off.id], kind="assigned", text="Giao việc mới",
                   now=NOW, task_id=make_task(unit).id)
    session.commit()
    got = {(r.recipient_id, r.channel) for r in session.exec(select(Notification)).all()}
    assert got == {(mail.id, "web"), (mail.id, "email"), (zalo.id, "web"), (zalo.id, "zalo"), (off.id, "web")}
