"""Two children of one parent change at the same moment: the parent's written roll-up is the
mean of both (the second writer waits on the parent's row lock, then sums the first one's
committed value). Real concurrent connections, SQLite and PostgreSQL."""
import threading
from datetime import date
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import select

from tests.hardening.test_concurrency import _run
from tests.hardening.test_concurrency import _wait_until_blocked
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import User
from tracker.services import delegation
from tracker.services import tasks as task_service


def test_two_children_at_once_both_count(app, session, make_unit, make_user, make_task):
    engine = app.extensions["engine"]
    dept = make_unit("Sở Tài chính", code="STC")
    div = make_unit("Phòng Ngân sách", code="STC-NS")
    div.parent_id = dept.id
    session.add(div)
    session.commit()
    head, head_div = make_user("truong.stc", "head", dept), make_user("truong.ns", "head", div)
    parent = make_task(dept, deadline=date.today() + timedelta(days=30))
    one = delegation.delegate(session, head, parent, unit_id=div.id, action="Phần một")
    two = delegation.delegate(session, head, parent, unit_id=div.id, action="Phần hai")
    session.commit()
    session.close()

    first_written, first_may_commit = threading.Event(), threading.Event()

    def first():
        with Session(engine, expire_on_commit=False) as s:
            task_service.update_task(s, s.get(User, head_div.id), one.id, version=None, progress=50)
            first_written.set()  # child and parent updated and locked, not committed
            assert first_may_commit.wait(10)
            s.commit()

    def second():
        assert first_written.wait(10)
        with Session(engine, expire_on_commit=False) as s:
            task_service.update_task(s, s.get(User, head_div.id), two.id, version=None, progress=100)
            s.commit()

    def referee():
        assert first_written.wait(10)
        _wait_until_blocked(engine)
        first_may_commit.set()

    _run(first, second, referee)
    with Session(engine) as s:
        assert s.get(Task, parent.id).progress == 75
        entries = [(e.old_value, e.new_value) for e in s.exec(
            select(TaskEvent).where(TaskEvent.task_id == parent.id, TaskEvent.kind == "rollup")
            .order_by(TaskEvent.id)).all()]
    assert entries == [("0", "25"), ("25", "75")]
