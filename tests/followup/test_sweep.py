"""The SQL sweep: one daily row per person per channel, escalations once per deadline."""
import threading
from datetime import date
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import select

from tests.followup.conftest import vn
from tracker.channels.telegram import links
from tracker.db import make_engine
from tracker.followup.sweep import sweep
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import ZaloLink


def rows(session, kind=None):
    session.expire_all()
    out = session.exec(select(Notification)).all()
    return sorted((n.kind, n.recipient_id, n.channel) for n in out if kind is None or n.kind == kind)


def test_one_daily_row_per_person_per_channel_not_one_per_task(session, make_unit, make_user, make_task):
    lead, coord = make_unit("Sở Tài nguyên"), make_unit("Sở Xây dựng")
    staff, head = make_user("cb", "staff", lead), make_user("tp", "head", lead)
    co_staff = make_user("cbxd", "staff", coord)
    make_user("lanhdao", "leader")
    staff.email = "cb@so.gov.vn"
    session.add(staff)
    session.add(ZaloLink(user_id=head.id, chat_id="z-1"))
    session.commit()
    links.link_by_hand(session, "cb", 501)
    for i in range(40):  # 40 tasks: still one row per person and channel
        make_task(lead, deadline=date(2026, 12, 1) + timedelta(days=i), co_units=[coord])
    counts = sweep(session, vn(2026, 11, 30, 8, 0))
    assert counts == {"daily": 6, "escalation": 0}
    assert rows(session) == sorted([("daily", staff.id, "web"), ("daily", staff.id, "email"),
                                    ("daily", staff.id, "telegram"), ("daily", head.id, "web"),
                                    ("daily", head.id, "zalo"), ("daily", co_staff.id, "web")])
    keys = {n.dedupe_key for n in session.exec(select(Notification)).all()}
    assert f"u{staff.id}:daily:2026-11-30:telegram" in keys


def test_switched_off_channels_and_the_digest_time(session, make_unit, make_user, make_task):
    unit = make_unit()
    user = make_user("cb", "staff", unit)
    user.email, user.channels_off = "cb@so.gov.vn", "email"
    session.add(user)
    session.commit()
    make_task(unit, deadline=date(2026, 12, 1))
    assert sum(sweep(session, vn(2026, 11, 30, 7, 59)).values()) == 0  # REMINDER_TIME 08:00
    assert rows(session) == []
    assert sweep(session, vn(2026, 11, 30, 8, 0))["daily"] == 1
    assert rows(session) == [("daily", user.id, "web")]
    user.digest_time = "09:00"
    session.add(user)
    session.commit()
    assert sum(sweep(session, vn(2026, 12, 1, 8, 59)).values()) == 0
    assert sweep(session, vn(2026, 12, 1, 9, 0))["daily"] == 1


def test_sweeping_twice_and_concurrently_writes_each_row_once(app, database_url, session, make_unit,
                                                             make_user, make_task):
    units = [make_unit() for _ in range(5)]
    for i, u in enumerate(units):
        make_user(f"cb{i}", "staff", u)
        make_user(f"tp{i}", "head", u)
        links.link_by_hand(session, f"cb{i}", 700 + i)
        for k in range(20):
            make_task(u, deadline=date(2026, 11, 20) + timedelta(days=k % 15))
    now = vn(2026, 12, 2, 8, 30)
    engines = [make_engine(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    results = []

    def run(engine):
        with Session(engine) as s:
            barrier.wait()
            results.append(sweep(s, now))

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for e in engines:
        e.dispose()
    written = session.exec(select(Notification)).all()
    # 15 daily rows (10 web + 5 Telegram) and the heads' escalations (web)
    assert sum(sum(r.values()) for r in results) == len(written) > 15
    assert len({n.dedupe_key for n in written}) == len(written)
    assert sum(sweep(session, now).values()) == 0


def test_nothing_to_say_no_row(session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    for status in ("hoan_thanh", "cho_xac_nhan", "tam_dung"):
        make_task(unit, deadline=date(2026, 11, 25), status=status)
    make_task(unit, deadline=date(2027, 3, 1))  # far ahead
    assert sweep(session, vn(2026, 11, 30, 8, 0)) == {"daily": 0, "escalation": 0}


def test_escalation_to_the_head_once_per_deadline_counted_from_a_saturday(session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    head = make_user("tp", "head", unit)
    t = make_task(unit, deadline=date(2026, 12, 5))  # Saturday: Monday is the 1st working day overdue
    assert sweep(session, vn(2026, 12, 8, 8, 0))["escalation"] == 0   # Tuesday: 2
    assert sweep(session, vn(2026, 12, 9, 8, 0))["escalation"] == 1   # Wednesday: 3
    assert sweep(session, vn(2026, 12, 10, 8, 0))["escalation"] == 0  # once
    esc = session.exec(select(Notification).where(Notification.kind == "escalation")).one()
    assert (esc.recipient_id, esc.occurrence, esc.task_id, esc.channel) == (head.id, date(2026, 12, 5), t.id, "web")


def test_unit_without_head_escalates_to_the_tracking_office(session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    clerk = make_user("vp", "clerk")
    make_task(unit, deadline=date(2026, 12, 4))  # Friday
    assert sweep(session, vn(2026, 12, 9, 8, 0))["escalation"] == 1  # Mon, Tue, Wed
    assert rows(session, "escalation") == [("escalation", clerk.id, "web")]


def test_clerk_and_leader_daily_rows(session, make_unit, make_user, make_task):
    unit = make_unit()
    staff = make_user("cb", "staff", unit)
    clerk = make_user("vp", "clerk")
    leader = make_user("ld", "leader")
    waiting = make_task(unit, deadline=date(2026, 12, 20), status="cho_xac_nhan")
    session.add(ExtensionRequest(task_id=waiting.id, requested_by_id=staff.id, requested_date=date(2027, 1, 5),
                                 reason="x"))
    session.commit()
    assert sweep(session, vn(2026, 12, 1, 8, 0))["daily"] == 1
    assert rows(session) == [("daily", clerk.id, "web")]
    make_task(unit, deadline=date(2026, 12, 1))
    sweep(session, vn(2026, 12, 7, 8, 0))  # Monday, something overdue: the leaders' weekly summary
    assert ("daily", leader.id, "web") in rows(session)
    sweep(session, vn(2026, 12, 8, 8, 0))  # Tuesday: no new leader row
    assert [r for r in rows(session) if r[1] == leader.id] == [("daily", leader.id, "web")]


def test_quiet_hours_and_days_off_hold_back_even_urgent_tasks(session, make_unit, make_user, make_task):
    unit = make_unit()
    user = make_user("cb", "staff", unit)
    user.quiet_start, user.quiet_end = "20:00", "09:30"
    session.add(user)
    session.commit()
    t = make_task(unit, deadline=date(2026, 12, 4))
    t.urgent = True
    session.add(t)
    session.commit()
    assert sum(sweep(session, vn(2026, 12, 5, 10, 0)).values()) == 0  # Saturday
    assert sum(sweep(session, vn(2026, 12, 7, 9, 0)).values()) == 0   # Monday, quiet until 09:30
    assert sweep(session, vn(2026, 12, 7, 9, 30))["daily"] == 1
