"""The inbox's grouped reminder items (issue 16): the day's web message is one item per
person, of kind `overdue` when anything is overdue, else `due_soon`."""
from datetime import date

from tests.followup.conftest import vn
from tracker.channels.registry import get_channel
from tracker.followup.sender import claim_batch
from tracker.followup.sender import prepare_and_mark_sending
from tracker.followup.sweep import sweep
from tracker.services import inbox
from tracker.web.collab_api import notification_to_json


def deliver_web(engine, session, now):
    """The worker's web pass: claim the due web rows and store their text."""
    for nid in claim_batch(engine, now, 100, "web"):
        prepare_and_mark_sending(engine, nid, now, "http://localhost", get_channel("web"))
    session.expire_all()


def test_daily_inbox_items_are_grouped_as_overdue_or_due_soon(app, session, make_unit, make_user, make_task):
    late_unit, soon_unit = make_unit("Sở Tài chính"), make_unit("Sở Xây dựng")
    late, soon = make_user("cb.tc", "staff", late_unit), make_user("cb.xd", "staff", soon_unit)
    for d in (date(2026, 11, 20), date(2026, 11, 25), date(2026, 12, 1)):   # two overdue, one due tomorrow
        make_task(late_unit, deadline=d)
    make_task(soon_unit, deadline=date(2026, 12, 1))
    now = vn(2026, 11, 30, 8, 0)
    sweep(session, now)
    deliver_web(app.extensions["engine"], session, now)

    late_items = [notification_to_json(n) for n in inbox.items(session, late)]
    soon_items = [notification_to_json(n) for n in inbox.items(session, soon)]
    assert [i["kind"] for i in late_items] == ["overdue"]
    assert [i["kind"] for i in soon_items] == ["due_soon"]
    assert "Quá hạn (2)" in late_items[0]["text"] and "Sắp đến hạn (1)" in late_items[0]["text"]
    assert inbox.unread_count(session, late.id) == 1

    sweep(session, vn(2026, 11, 30, 9, 0))          # the same day again: nothing new
    deliver_web(app.extensions["engine"], session, now)
    assert len(inbox.items(session, late)) == 1
