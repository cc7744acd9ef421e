"""The SQL sweep: who gets which reminder when, written once."""
import threading
from datetime import date
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import select

from tests.followup.conftest import vn
from tracker.db import make_engine
from tracker.followup.sweep import sweep
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import Task


def rows(session):
    session.expire_all()
    return sorted((n.kind, n.recipient_id, n.task_id) for n in session.exec(select(Notification)).all())


def test_recipients_lead_unit_members_get_task_reminders_coordinators_see_digest(
        session, make_unit, make_user, make_task):
    lead, coord = make_unit("Sở Tài nguyên"), make_unit("Sở Xây dựng")
    staff, head = make_user("cb", "staff", lead), make_user("tp", "head", lead)
    co_staff = make_user("cbxd", "staff", coord)
    make_user("lanhdao", "leader")
    make_user("admin", "admin")
    t = make_task(lead, deadline=date(2026, 12, 3), co_units=[coord])  # Thursday; sweep Monday 30/11 = 3 days before
    counts = sweep(session, vn(2026, 11, 30, 8, 0))
    assert counts == {"before": 2, "overdue": 0, "escalation": 0, "digest": 3, "weekly": 0}
    assert rows(session) == sorted([("before", staff.id, t.id), ("before", head.id, t.id),
                                    ("digest", staff.id, None), ("digest", head.id, None),
                                    ("digest", co_staff.id, None)])
    keys = {n.dedupe_key for n in session.exec(select(Notification)).all()}
    assert f"t{t.id}:u{staff.id}:before:2026-11-30" in keys and f"u{co_staff.id}:digest:2026-11-30" in keys


def test_before_reminders_wait_for_the_hour_and_digest_for_the_users_time(session, make_unit, make_user, make_task):
    unit = make_unit()
    user = make_user("cb", "staff", unit)
    make_task(unit, deadline=date(2026, 12, 1))
    assert sum(sweep(session, vn(2026, 11, 30, 7, 29)).values()) == 0
    assert sweep(session, vn(2026, 11, 30, 7, 30))["digest"] == 1
    assert sweep(session, vn(2026, 11, 30, 8, 0))["before"] == 1
    user.digest_time = "09:00"
    session.add(user)
    session.commit()
    assert sum(sweep(session, vn(2026, 12, 1, 8, 59)).values()) == 1  # the due-today reminder only
    assert sweep(session, vn(2026, 12, 1, 9, 0))["digest"] == 1


def test_sweeping_twice_and_concurrently_writes_each_reminder_once(app, database_url, session, make_unit,
                                                                   make_user, make_task):
    units = [make_unit() for _ in range(5)]
    for i, u in enumerate(units):
        make_user(f"cb{i}", "staff", u)
        make_user(f"tp{i}", "head", u)
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
    assert sum(sum(r.values()) for r in results) == len(written) > 100
    assert len({n.dedupe_key for n in written}) == len(written)
    assert sum(sweep(session, now).values()) == 0


def test_done_awaiting_paused_and_extended_tasks_are_not_reminded(session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    for status in ("hoan_thanh", "cho_xac_nhan", "tam_dung"):
        make_task(unit, deadline=date(2026, 11, 25), status=status)
    extended = make_task(unit, deadline=date(2026, 11, 25))
    extended.deadline = date(2026, 12, 31)
    session.add(extended)
    session.commit()
    counts = sweep(session, vn(2026, 11, 30, 8, 0))
    assert counts["overdue"] == 0 and counts["before"] == 0 and counts["digest"] == 0


def test_recurring_occurrences_are_reminded_separately(session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    first = make_task(unit, deadline=date(2026, 11, 27), recurrence="weekly:5")
    second = make_task(unit, deadline=date(2026, 12, 4), recurrence="weekly:5")
    second.series_id = first.id
    session.add(second)
    session.commit()
    sweep(session, vn(2026, 12, 1, 8, 0))  # Tuesday: first overdue, second 3 days ahead
    assert [(k, t) for k, _, t in rows(session) if t] == sorted([("overdue", first.id), ("before", second.id)])


def test_escalation_goes_to_the_head_once_per_deadline(session, make_unit, make_user, make_task):
    unit = make_unit()
    make_user("cb", "staff", unit)
    head = make_user("tp", "head", unit)
    t = make_task(unit, deadline=date(2026, 11, 25))  # Wednesday
    assert sweep(session, vn(2026, 11, 27, 8, 0))["escalation"] == 0   # 2 working days overdue
    assert sweep(session, vn(2026, 11, 30, 8, 0))["escalation"] == 1   # Monday: 3
    assert sweep(session, vn(2026, 12, 1, 8, 0))["escalation"] == 0    # once
    esc = session.exec(select(Notification).where(Notification.kind == "escalation")).one()
    assert esc.recipient_id == head.id and esc.occurrence == date(2026, 11, 25) and esc.task_id == t.id


def test_clerk_digest_and_leaders_weekly_summary(session, make_unit, make_user, make_task):
    unit = make_unit()
    staff = make_user("cb", "staff", unit)
    clerk = make_user("vp", "clerk")
    leader = make_user("ld", "leader")
    assert sum(sweep(session, vn(2026, 11, 30, 8, 0)).values()) == 0  # nothing to say: no empty digest
    waiting = make_task(unit, deadline=date(2026, 12, 20), status="cho_xac_nhan")
    assert sweep(session, vn(2026, 12, 1, 8, 0))["digest"] == 1
    assert rows(session) == [("digest", clerk.id, None)]
    session.add(ExtensionRequest(task_id=waiting.id, requested_by_id=staff.id, requested_date=date(2027, 1, 5),
                                 reason="x"))
    make_task(unit, deadline=date(2026, 12, 1))
    assert sweep(session, vn(2026, 12, 7, 8, 0))["weekly"] == 1  # Monday, something overdue
    assert sweep(session, vn(2026, 12, 8, 8, 0))["weekly"] == 0  # Tuesday
    assert ("weekly", leader.id, None) in rows(session)


def test_quiet_hours_hold_back_until_they_end(session, make_unit, make_user, make_task):
    unit = make_unit()
    user = make_user("cb", "staff", unit)
    user.quiet_start, user.quiet_end = "20:00", "09:30"
    session.add(user)
    session.commit()
    make_task(unit, deadline=date(2026, 12, 1))
    assert sum(sweep(session, vn(2026, 11, 30, 9, 0)).values()) == 0
    counts = sweep(session, vn(2026, 11, 30, 9, 30))
    assert counts["before"] == 1 and counts["digest"] == 1
    n = session.exec(select(Notification).where(Notification.kind == "before")).one()
    assert n.due_at == vn(2026, 11, 30, 8, 0)


def test_user_lead_days(session, make_unit, make_user, make_task):
    unit = make_unit()
    user = make_user("cb", "staff", unit)
    user.lead_days = "5"
    session.add(user)
    session.commit()
    make_task(unit, deadline=date(2026, 12, 7))
    assert sweep(session, vn(2026, 12, 2, 8, 0))["before"] == 1   # 5 days before
    assert sweep(session, vn(2026, 12, 4, 8, 0))["before"] == 0   # 3 days before: not chosen
    assert session.exec(select(Task)).one().deadline == date(2026, 12, 7)
