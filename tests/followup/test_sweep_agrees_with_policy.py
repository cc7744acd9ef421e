"""The SQL sweep and the Python policy agree, case by case (as deadline_state's twins do).

The sweep decides in SQL who gets a daily row; `daily.daily_message` decides in Python,
from `policy`, what that row says. Whenever the policy has something to tell a person
(a non-empty message), the sweep must have written that person's row: a disagreement
would silently drop a reminder. The reverse is allowed by design (the sweep may write a
row whose message turns out empty, and the sender skips it), and the table below checks
that the policy really does say nothing in those cases, so the test exercises both sides.
"""
from datetime import date
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.followup.conftest import vn
from tracker.followup import daily
from tracker.followup import policy
from tracker.followup.sweep import sweep
from tracker.models import Notification

MON = date(2026, 11, 30)   # a working Monday
TUE = date(2026, 12, 1)    # a working Tuesday
SAT = date(2026, 11, 28)
SUN = date(2026, 11, 29)

# (name, today, deadline, status, role of the person's unit, policy says something?)
CASES = [
    ("due today", MON, MON, "chua_thuc_hien", "lead", True),
    ("due tomorrow (lead day 1)", MON, TUE, "dang_thuc_hien", "lead", True),
    ("due in 3 days (lead day 3)", MON, MON + timedelta(days=3), "chua_thuc_hien", "lead", True),
    ("due in 2 days (not a lead day)", MON, MON + timedelta(days=2), "chua_thuc_hien", "lead", False),
    ("due in 20 days", MON, MON + timedelta(days=20), "chua_thuc_hien", "lead", False),
    ("overdue one working day", TUE, MON, "chua_thuc_hien", "lead", True),
    ("overdue since Saturday, Monday", MON, SAT, "chua_thuc_hien", "lead", True),
    ("overdue 5 working days", MON, MON - timedelta(days=7), "tra_lai", "lead", True),
    ("overdue 3 weeks, on a Monday", MON, MON - timedelta(days=21), "chua_thuc_hien", "lead", True),
    ("overdue 3 weeks, on a Tuesday", TUE, TUE - timedelta(days=22), "chua_thuc_hien", "lead", False),
    ("coordinating unit, due today", MON, MON, "chua_thuc_hien", "co", True),
    ("waiting for confirmation", MON, MON, "cho_xac_nhan", "lead", False),
    ("finished", MON, MON - timedelta(days=3), "hoan_thanh", "lead", False),
    ("due today, on a Sunday", SUN, SUN, "chua_thuc_hien", "lead", False),
]


@pytest.mark.parametrize("name,today,deadline,status,role,says", CASES, ids=[c[0] for c in CASES])
def test_sweep_writes_a_row_whenever_the_policy_has_something_to_say(
        session, make_unit, make_user, make_task, name, today, deadline, status, role, says):
    lead, coordinating = make_unit("Sở Tài chính"), make_unit("Sở Xây dựng")
    mine = lead if role == "lead" else coordinating
    person = make_user("canbo", "staff", mine)
    make_task(lead, deadline=deadline, status=status, co_units=[coordinating])

    sweep(session, vn(today.year, today.month, today.day, 8, 0))
    session.expire_all()
    wrote = session.exec(select(Notification).where(Notification.recipient_id == person.id,
                                                     Notification.kind == policy.DAILY,
                                                     Notification.channel == "web")).first() is not None
    message = daily.daily_message(session, person, today, "http://localhost")
    said = bool(message.sections) and policy.may_deliver_at(
        policy.UserPrefs.of(person), vn(today.year, today.month, today.day, 8, 0).astimezone(policy.VN_TZ))

    assert said == says, f"{name}: the policy's answer changed"
    if said:
        assert wrote, f"{name}: the policy has a reminder but the sweep wrote no row"
