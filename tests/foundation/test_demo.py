"""`flask demo load`: idempotent, a user per role, tasks in every deadline state."""
from sqlmodel import select

from tracker.deadline_state import STATES
from tracker.deadline_state import deadline_state
from tracker.models import ROLES
from tracker.models import Directive
from tracker.models import Task
from tracker.models import User
from tracker.services.clock import local_today


def test_demo_load_is_idempotent_and_covers_every_state(runner, session):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "người dùng mới: 0; văn bản mẫu mới: 0" in second.output
    assert {u.role for u in session.exec(select(User)).all()} == set(ROLES)
    assert len(session.exec(select(Directive).where(Directive.state == "published")).all()) == 2
    today = local_today()
    states = {deadline_state(t.deadline, t.status, t.completed_on, today) for t in session.exec(select(Task)).all()}
    assert states == set(STATES)
    statuses = {t.status for t in session.exec(select(Task)).all()}
    assert {"hoan_thanh", "tra_lai", "dang_thuc_hien", "chua_thuc_hien"} <= statuses
