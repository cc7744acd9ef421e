"""Two people change the same task at the same moment: one wins, the other is told, and
nothing is lost.

Real concurrent connections (threads, each with its own Session and connection). On
PostgreSQL the test waits until the loser's UPDATE is really blocked on the winner's row
lock (pg_stat_activity) before the winner commits; on SQLite the loser waits on the
database write lock (busy timeout). The guarded `UPDATE ... WHERE version = :seen` in
tracker.services.tasks then lets exactly one through.
"""
import json
from datetime import date
import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import User
from tracker.services import Conflict
from tracker.services import accounts
from tracker.services import tasks as task_service

ISSUED = date(2025, 1, 2)  # publishing needs the directive's issue date


def _wait_until_blocked(engine, timeout=10.0) -> None:
    """Return once some connection to this database waits on a lock (PostgreSQL), or after a pause (SQLite)."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.4)  # the loser is in sqlite's busy-wait on the write lock by now
        return
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    pytest.fail("the second writer never waited on the first one's lock")


def _run(*targets, timeout=30):
    errors = []

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported to the test below
                errors.append(exc)
        return run

    threads = [threading.Thread(target=guard(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a writer thread hung"
    if errors:
        raise errors[0]


def test_two_users_same_version_one_wins_the_other_gets_a_clear_conflict(app, session, make_unit, make_user,
                                                                         make_task):
    engine = app.extensions["engine"]
    unit = make_unit()
    staff = make_user("nv-a", unit=unit)
    head = make_user("tp-b", role="head", unit=unit)
    task = make_task(unit)
    seen_version = task.version
    session.close()

    a_updated, a_may_commit = threading.Event(), threading.Event()
    outcome = {}

    def user_a():
        with Session(engine, expire_on_commit=False) as s:
            task_service.update_task(s, s.get(User, staff.id), task.id, version=seen_version, status="dang_thuc_hien",
                                     note="Đã giao chuyên viên")
            a_updated.set()  # row updated and locked, not yet committed
            assert a_may_commit.wait(10)
            s.commit()
            outcome["a"] = "committed"

    def user_b():
        assert a_updated.wait(10)
        with Session(engine, expire_on_commit=False) as s:
            user = s.get(User, head.id)
            try:
                task_service.update_task(s, user, task.id, version=seen_version, progress=50, note="Đạt một nửa")
                s.commit()
                outcome["b"] = "committed"
            except Conflict as exc:
                s.rollback()
                outcome["b"] = exc
                task_service.record_conflict(s, user, task.id, expected_version=seen_version, progress=50,
                                             note="Đạt một nửa")
                s.commit()

    def referee():
        assert a_updated.wait(10)
        _wait_until_blocked(engine)
        a_may_commit.set()

    _run(user_a, user_b, referee)

    assert outcome["a"] == "committed"
    conflict = outcome["b"]
    assert isinstance(conflict, Conflict), "the second writer must not silently overwrite the first"
    assert conflict.status == 409 and conflict.code == "conflict"
    assert "người khác cập nhật" in conflict.message and "tải lại" in conflict.message

    with Session(engine) as s:
        current = s.get(Task, task.id)
        assert (current.status, current.progress, current.version) == ("dang_thuc_hien", 0, seen_version + 1)
        # the loser retries on the fresh version: both changes end up in the task
        task_service.update_task(s, s.get(User, head.id), task.id, version=current.version, progress=50,
                                 note="Đạt một nửa")
        s.commit()
        current = s.get(Task, task.id)
        assert (current.status, current.progress, current.version) == ("dang_thuc_hien", 50, seen_version + 2)
        events = [(e.kind, e.actor_id, e.old_value, e.new_value) for e in task_service.history(s, current)]
    assert events[0] == ("status", staff.id, "chua_thuc_hien", "dang_thuc_hien")
    kind, actor, old, new = events[1]
    assert (kind, actor, old) == ("conflict", head.id, str(seen_version))
    assert json.loads(new) == {"progress": 50, "note": "Đạt một nửa"}
    assert events[2] == ("progress", head.id, "0", "50")
    assert len(events) == 3


def test_many_writers_with_retries_lose_no_update(app, session, make_unit, make_user, make_task):
    """Six people add a note at once, each retrying on conflict: six notes, versions in sequence."""
    engine = app.extensions["engine"]
    unit = make_unit()
    users = [make_user(f"nv-{i}", unit=unit) for i in range(6)]
    task = make_task(unit)
    start_version = task.version
    session.close()
    barrier = threading.Barrier(len(users))
    conflicts = []

    def writer(user_id, i):
        def run():
            first = True
            for _ in range(50):
                with Session(engine, expire_on_commit=False) as s:
                    user = s.get(User, user_id)
                    seen = s.get(Task, task.id).version
                    s.commit()
                    if first:
                        barrier.wait(10)  # everybody read the same version, then all write at once
                        first = False
                    try:
                        task_service.update_task(s, user, task.id, version=seen, note=f"Ghi chú của người {i}")
                        s.commit()
                        return
                    except Conflict:
                        s.rollback()
                        conflicts.append(i)
                        task_service.record_conflict(s, user, task.id, expected_version=seen,
                                                     note=f"Ghi chú của người {i}")
                        s.commit()
            raise AssertionError(f"writer {i} never got through")
        return run

    _run(*(writer(u.id, i) for i, u in enumerate(users)), timeout=60)

    with Session(engine) as s:
        current = s.get(Task, task.id)
        assert current.version == start_version + len(users)
        events = task_service.history(s, current)
    notes = sorted(e.note for e in events if e.kind == "note")
    assert notes == sorted(f"Ghi chú của người {i}" for i in range(len(users)))
    assert len(conflicts) >= 1, "all six read the same version, so at least five were refused at first"
    assert len([e for e in events if e.kind == "conflict"]) == len(conflicts)
    assert len(conflicts) >= len(users) - 1


def test_api_patch_with_a_stale_version_is_409_and_recorded(app, client, session, make_unit, make_user, make_task):
    unit = make_unit()
    staff = make_user("nv-api", unit=unit)
    task = make_task(unit)
    token = accounts.issue_api_token(session, staff, "test")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    v0 = task.version

    first = client.patch(f"/api/v1/tasks/{task.id}", json={"state": "dang_thuc_hien", "version": v0}, headers=headers)
    assert first.status_code == 200, first.get_json()
    stale = client.patch(f"/api/v1/tasks/{task.id}", json={"progress": 30, "version": v0}, headers=headers)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict" and "tải lại" in error["message"]

    session.expire_all()
    current = session.get(Task, task.id)
    assert current.progress == 0 and current.version == v0 + 1
    events = session.exec(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)).all()
    assert [(e.kind, e.channel) for e in events] == [("status", "api"), ("conflict", "api")]
    assert json.loads(events[1].new_value) == {"progress": 30}


def test_web_form_with_a_stale_version_keeps_the_change_out_and_says_so(app, client, session, login, make_unit,
                                                                         make_user, make_task):
    unit = make_unit()
    staff = make_user("nv-web", unit=unit)
    task = make_task(unit)
    login(staff)
    v0 = task.version
    ok = client.post(f"/tasks/{task.id}/update", data={"version": v0, "state": "dang_thuc_hien"})
    assert ok.status_code in (302, 303)
    stale = client.post(f"/tasks/{task.id}/update", data={"version": v0, "progress": "70",
                                                          "note": "Cập nhật cũ"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "CHƯA được lưu" in page
    session.expire_all()
    assert session.get(Task, task.id).progress == 0
    kinds = [e.kind for e in session.exec(select(TaskEvent).where(TaskEvent.task_id == task.id)
                                          .order_by(TaskEvent.id)).all()]
    assert kinds == ["status", "conflict"]
    assert "Cập nhật bị từ chối (xung đột)" in client.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_two_clerks_publishing_the_same_draft_at_once_publish_it_once(app, session, make_unit, make_user):
    """Publishing is check-then-write; without a guard both transactions would create the tasks."""
    from tracker.models import Directive
    from tracker.services import directives as directive_service

    engine = app.extensions["engine"]
    unit = make_unit()
    clerks = [make_user(f"vanthu-{i}", role="clerk") for i in range(2)]
    draft = Directive(kind="chi_thi", title="Ban hành đồng thời", source_text="Giao Sở thực hiện.", issued_date=ISSUED,
                      draft_tasks=[{"unit_id": unit.id, "action": f"Nhiệm vụ {i}"} for i in range(3)])
    session.add(draft)
    session.commit()
    session.close()
    barrier = threading.Barrier(2)
    results = {}

    def clerk(i):
        def run():
            with Session(engine, expire_on_commit=False) as s:
                directive = s.get(Directive, draft.id)
                user = s.get(User, clerks[i].id)
                barrier.wait(10)  # both have read the draft
                try:
                    directive_service.publish(s, user, directive)
                    time.sleep(0.2)  # hold the transaction open: the other one is writing now too
                    s.commit()
                    results[i] = "published"
                except Exception as exc:  # noqa: BLE001 - recorded for the assertions
                    s.rollback()
                    results[i] = exc
        return run

    _run(clerk(0), clerk(1))
    outcomes = sorted(str(type(r).__name__) if not isinstance(r, str) else r for r in results.values())
    assert outcomes.count("published") == 1, results
    loser = next(r for r in results.values() if not isinstance(r, str))
    assert isinstance(loser, Conflict) or getattr(loser, "code", "") == "already_published", repr(loser)
    with Session(engine) as s:
        tasks = s.exec(select(Task).where(Task.directive_id == draft.id)).all()
        assert len(tasks) == 3, "the tasks exist once"
        assert s.get(Directive, draft.id).state == "published"


def test_an_extension_decided_twice_at_once_is_decided_once(app, session, make_unit, make_user, make_task):
    """A clerk approves while a leader rejects the same request: one decision, consistent with the deadline."""
    from datetime import date

    from tracker.models import ExtensionRequest

    engine = app.extensions["engine"]
    unit = make_unit()
    staff = make_user("nv-ext", unit=unit)
    clerk = make_user("vt-ext", role="clerk")
    leader = make_user("ld-ext", role="leader")
    task = make_task(unit, deadline=date(2030, 1, 31))
    request = task_service.request_extension(session, staff, task.id, new_date=date(2030, 3, 31), reason="Chờ vốn")
    session.commit()
    request_id = request.id
    session.close()
    barrier = threading.Barrier(2)
    results = {}

    def decide(user_id, approve):
        def run():
            with Session(engine, expire_on_commit=False) as s:
                user = s.get(User, user_id)
                s.get(ExtensionRequest, request_id)
                barrier.wait(10)  # both have read the pending request
                try:
                    task_service.decide_extension(s, user, request_id, approve=approve, note="Quyết định")
                    time.sleep(0.2)
                    s.commit()
                    results[approve] = "decided"
                except Exception as exc:  # noqa: BLE001 - recorded for the assertions
                    s.rollback()
                    results[approve] = exc
        return run

    _run(decide(clerk.id, True), decide(leader.id, False))
    assert sorted(r if isinstance(r, str) else "refused" for r in results.values()) == ["decided", "refused"], results
    refused = next(r for r in results.values() if not isinstance(r, str))
    assert getattr(refused, "status", None) == 409, repr(refused)
    with Session(engine) as s:
        req = s.get(ExtensionRequest, request_id)
        current = s.get(Task, task.id)
        kinds = [e.kind for e in task_service.history(s, current)]
    if req.status == "approved":
        assert current.deadline == date(2030, 3, 31) and "extension_rejected" not in kinds
    else:
        assert req.status == "rejected" and current.deadline == date(2030, 1, 31) and "deadline" not in kinds


def test_deleting_a_draft_while_it_is_being_published_is_refused_cleanly(app, session, make_unit, make_user):
    from tests.hardening.conftest import login_as
    from tracker.models import Directive
    from tracker.services import directives as directive_service

    engine = app.extensions["engine"]
    unit = make_unit()
    clerks = [make_user(f"vt-del-{i}", role="clerk") for i in range(2)]
    draft = Directive(kind="chi_thi", title="Nháp", source_text="Giao Sở thực hiện.", issued_date=ISSUED,
                      draft_tasks=[{"unit_id": unit.id, "action": "Nhiệm vụ"}])
    session.add(draft)
    session.commit()
    session.close()
    published, outcome = threading.Event(), {}

    def publisher():
        with Session(engine, expire_on_commit=False) as s:
            directive_service.publish(s, s.get(User, clerks[0].id), s.get(Directive, draft.id))
            published.set()  # claimed and tasks written, not committed
            time.sleep(0.5)
            s.commit()

    def deleter():
        assert published.wait(10)
        client = app.test_client()
        login_as(client, clerks[1])
        outcome["response"] = client.post(f"/directives/{draft.id}/delete")

    _run(publisher, deleter)
    response = outcome["response"]
    assert response.status_code in (302, 409), response.status_code
    with Session(engine) as s:
        assert s.get(Directive, draft.id).state == "published"
        assert len(s.exec(select(Task).where(Task.directive_id == draft.id)).all()) == 1


def test_two_clerks_saving_the_same_draft_at_once_one_is_told(app, session, make_unit, make_user):
    from tracker.models import Directive
    from tracker.services import directives as directive_service

    engine = app.extensions["engine"]
    unit = make_unit()
    clerks = [make_user(f"vt-save-{i}", role="clerk") for i in range(2)]
    draft = Directive(kind="chi_thi", title="Nháp", source_text="Giao Sở thực hiện.", issued_date=ISSUED,
                      draft_tasks=[{"unit_id": unit.id, "action": "Ban đầu"}])
    session.add(draft)
    session.commit()
    session.close()
    barrier = threading.Barrier(2)
    results = {}

    def save(i):
        def run():
            with Session(engine, expire_on_commit=False) as s:
                directive = s.get(Directive, draft.id)
                user = s.get(User, clerks[i].id)
                barrier.wait(10)
                try:
                    directive_service.save_draft(s, user, directive, [{"unit_id": unit.id, "action": f"Bản của {i}"}],
                                                 title=f"Tiêu đề {i}")
                    time.sleep(0.2)
                    s.commit()
                    results[i] = "saved"
                except Conflict as exc:
                    s.rollback()
                    results[i] = exc
        return run

    _run(save(0), save(1))
    winners = [i for i, r in results.items() if r == "saved"]
    assert len(winners) == 1, results
    with Session(engine) as s:
        d = s.get(Directive, draft.id)
        assert d.title == f"Tiêu đề {winners[0]}" and d.draft_tasks[0]["action"] == f"Bản của {winners[0]}"
        assert d.version == 2


def test_two_extension_requests_at_once_leave_one_pending(app, session, make_unit, make_user, make_task):
    from datetime import date

    from tracker.models import ExtensionRequest

    engine = app.extensions["engine"]
    unit = make_unit()
    people = [make_user(f"nv-req-{i}", unit=unit) for i in range(2)]
    task = make_task(unit, deadline=date(2030, 1, 31))
    session.close()
    barrier = threading.Barrier(2)
    results = {}

    def ask(i):
        def run():
            with Session(engine, expire_on_commit=False) as s:
                user = s.get(User, people[i].id)
                s.get(Task, task.id)
                barrier.wait(10)
                try:
                    task_service.request_extension(s, user, task.id, new_date=date(2030, 3, i + 1), reason=f"Lý do {i}")
                    time.sleep(0.2)
                    s.commit()
                    results[i] = "requested"
                except Exception as exc:  # noqa: BLE001 - recorded for the assertions
                    s.rollback()
                    results[i] = exc
        return run

    _run(ask(0), ask(1))
    assert sorted(r if isinstance(r, str) else getattr(r, "code", repr(r)) for r in results.values()) == \
        ["pending_exists", "requested"], results
    with Session(engine) as s:
        pending = s.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)).all()
    assert len(pending) == 1
