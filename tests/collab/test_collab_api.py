"""Issue 16 through the JSON API: /me, the officer in charge, comments and mentions, the
inbox, delegation (deadline bound, confirmation rule, figures counted once), coordinating
reports and for-information units. Runs on SQLite and PostgreSQL."""
from datetime import UTC
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tracker.models import Notification
from tracker.models import TaskEvent
from tracker.models import TaskInfoUnit
from tracker.models import Unit
from tracker.services import accounts


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture
def w(session, make_unit, make_user, make_task):
    """A province department A with a division A1 (registry parent), a coordinating unit B,
    a for-information unit C, an unrelated unit D; people in each; a task of A."""
    a = make_unit("Sở Tài chính", code="STC")
    a1 = make_unit("Phòng Ngân sách", code="STC-NS")
    a1.parent_id = a.id
    b, c, d = make_unit("Sở Y tế", code="SYT"), make_unit("Sở Xây dựng", code="SXD"), make_unit("Sở Nội vụ", code="SNV")
    session.add(a1)
    session.commit()
    people = {
        "head_a": make_user("truong.a", "head", a), "staff_a": make_user("canbo.a", "staff", a),
        "staff_a2": make_user("canbo.a2", "staff", a), "head_a1": make_user("truong.ns", "head", a1),
        "staff_b": make_user("canbo.b", "staff", b), "staff_c": make_user("canbo.c", "staff", c),
        "staff_d": make_user("canbo.d", "staff", d), "clerk": make_user("vanphong", "clerk"),
        "leader": make_user("lanhdao", "leader"), "admin": make_user("quantri", "admin"),
    }
    task = make_task(a, action="Rà soát dự toán ngân sách", deadline=date.today() + timedelta(days=20), co_units=[b])
    session.add(TaskInfoUnit(task_id=task.id, unit_id=c.id))
    session.commit()
    tokens = {k: {"Authorization": f"Bearer {accounts.issue_api_token(session, u, 't')}"} for k, u in people.items()}
    session.commit()

    class W:
        pass

    out = W()
    out.a, out.a1, out.b, out.c, out.d, out.people, out.task, out.h = a, a1, b, c, d, people, task, tokens
    return out


def _task(client, w, who="head_a", task_id=None):
    return client.get(f"/api/v1/tasks/{task_id or w.task.id}", headers=w.h[who]).get_json()


def _inbox(client, w, who):
    r = client.get("/api/v1/notifications", headers=w.h[who])
    assert r.status_code == 200
    return r.get_json()


# --- /me ------------------------------------------------------------------------------

def test_me(client, w):
    body = client.get("/api/v1/me", headers=w.h["staff_a"]).get_json()
    assert body == {"id": w.people["staff_a"].id, "login": "canbo.a", "name": "canbo.a", "role": "staff",
                    "unit": {"id": w.a.id, "name": "Sở Tài chính"}}
    assert client.get("/api/v1/me", headers=w.h["clerk"]).get_json()["unit"] is None
    assert client.get("/api/v1/me").status_code == 401


# --- officer in charge ------------------------------------------------------------------

def test_head_assigns_an_officer_history_inbox_and_my_tasks(client, session, w, login):
    t = _task(client, w)
    assert t["assignee"] is None and t["parent_id"] is None
    officer = w.people["staff_a"]
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"assignee_id": officer.id, "version": t["version"]},
                     headers=w.h["head_a"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["assignee"] == {"id": officer.id, "name": officer.display_name}
    assert r.get_json()["version"] == t["version"] + 1
    inbox = _inbox(client, w, "staff_a")
    assert inbox["unread"] == 1 and inbox["items"][0]["kind"] == "assigned"
    assert inbox["items"][0]["task_id"] == w.task.id and inbox["items"][0]["read"] is False
    assert _inbox(client, w, "staff_a2")["unread"] == 0
    # change it, then unassign: each change in the history
    v = r.get_json()["version"]
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"assignee_id": w.people["staff_a2"].id, "version": v},
                     headers=w.h["head_a"])
    assert r.status_code == 200
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"assignee_id": None, "version": v + 1}, headers=w.h["clerk"])
    assert r.status_code == 200 and r.get_json()["assignee"] is None
    events = session.exec(select(TaskEvent.old_value, TaskEvent.new_value).where(
        TaskEvent.task_id == w.task.id, TaskEvent.kind == "assignee").order_by(TaskEvent.id)).all()
    assert [tuple(e) for e in events] == [(None, "canbo.a"), ("canbo.a", "canbo.a2"), ("canbo.a2", None)]
    # "Việc của tôi"
    client.patch(f"/api/v1/tasks/{w.task.id}", json={"assignee_id": officer.id, "version": v + 2},
                 headers=w.h["head_a"])
    login(officer)
    page = client.get("/tasks/assigned").get_data(as_text=True)
    assert "Rà soát dự toán ngân sách" in page
    login(w.people["staff_a2"])
    assert "Rà soát dự toán ngân sách" not in client.get("/tasks/assigned").get_data(as_text=True)


def test_assignment_refusals(client, session, w):
    v = _task(client, w)["version"]
    url = f"/api/v1/tasks/{w.task.id}"
    # staff may not (unit setting off), other units may not even see it, leader/admin may not
    assert client.patch(url, json={"assignee_id": w.people["staff_a"].id, "version": v},
                        headers=w.h["staff_a"]).status_code == 403
    assert client.patch(url, json={"assignee_id": w.people["staff_a"].id, "version": v},
                        headers=w.h["staff_d"]).status_code == 404
    for who in ("leader", "admin", "staff_b"):
        assert client.patch(url, json={"assignee_id": w.people["staff_a"].id, "version": v},
                            headers=w.h[who]).status_code == 403, who
    # assignee outside the lead unit, inactive, unknown, wrong type: 422
    for bad in (w.people["staff_b"].id, w.people["clerk"].id, 999_999, "x", True):
        r = client.patch(url, json={"assignee_id": bad, "version": v}, headers=w.h["head_a"])
        assert r.status_code == 422, bad
        assert r.get_json()["error"]["code"] == "invalid_assignee"
    w.people["staff_a2"].active = False
    session.add(w.people["staff_a2"])
    session.commit()
    assert client.patch(url, json={"assignee_id": w.people["staff_a2"].id, "version": v},
                        headers=w.h["head_a"]).status_code == 422
    # stale version: 409; nothing assigned
    assert client.patch(url, json={"assignee_id": w.people["staff_a"].id, "version": v - 1},
                        headers=w.h["head_a"]).status_code == 409
    assert _task(client, w)["assignee"] is None
    # the unit lets its staff assign
    unit = session.get(Unit, w.a.id)
    unit.staff_may_assign = True
    session.add(unit)
    session.commit()
    assert client.patch(url, json={"assignee_id": w.people["staff_a"].id, "version": v},
                        headers=w.h["staff_a"]).status_code == 200


def test_officer_moved_to_another_unit_loses_the_assignment_and_the_head_is_told(client, session, w, login):
    """An officer in charge who moves to another unit hands the task over (bàn giao): the
    move clears the assignment with a history entry, the lead unit's head is told to assign
    someone else, the task leaves the officer's "Việc của tôi" and daily message, and the
    unit's people keep getting it in theirs. Done tasks keep their officer on record."""
    from datetime import datetime

    from tracker.followup import daily
    from tracker.followup import policy
    from tracker.followup.sweep import sweep
    from tracker.models import Task
    from tracker.models import User
    from tracker.services import collab

    w.task.deadline = date(2026, 12, 3)
    session.add(w.task)
    done = Task(directive_id=w.task.directive_id, lead_unit_id=w.a.id, action="Báo cáo quý III", co_owner_texts=[],
                deadline=date(2026, 10, 1), status="hoan_thanh", progress=100, created_at=w.task.created_at,
                updated_at=w.task.updated_at, version=1)
    session.add(done)
    session.commit()
    officer_id = w.people["staff_a"].id
    for task in (w.task, done):
        collab.assign(session, w.people["head_a"], task, officer_id, version=task.version)
    session.commit()
    login(w.people["admin"])
    r = client.post(f"/admin/users/{officer_id}/edit", data={"unit_id": str(w.d.id)})
    assert r.status_code == 302
    assert "bỏ phân công 1 nhiệm vụ" in client.get(r.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(User, officer_id).unit_id == w.d.id
    assert session.get(Task, w.task.id).assignee_id is None
    assert session.get(Task, done.id).assignee_id == officer_id  # history of who did it
    assert _task(client, w)["assignee"] is None
    (event,) = session.exec(select(TaskEvent).where(TaskEvent.task_id == w.task.id, TaskEvent.kind == "assignee",
                                                    TaskEvent.new_value.is_(None))).all()
    assert event.old_value == "canbo.a" and "chuyển sang Sở Nội vụ" in event.note
    assert event.actor_id == w.people["admin"].id
    head_items = _inbox(client, w, "head_a")["items"]
    assert [i["kind"] for i in head_items] == ["unassigned"] and head_items[0]["task_id"] == w.task.id
    assert "đề nghị phân công lại" in head_items[0]["text"]
    assert not collab.is_following(session, session.get(User, officer_id), session.get(Task, w.task.id))
    # the UI: not in the officer's "Việc của tôi" any more, and they cannot open the task
    login(session.get(User, officer_id))
    assert "Rà soát dự toán ngân sách" not in client.get("/tasks/assigned").get_data(as_text=True)
    assert client.get(f"/tasks/{w.task.id}").status_code in (403, 404)
    # the sweep: the unit's people get it in their daily message, the officer does not
    now = datetime(2026, 11, 30, 8, 0, tzinfo=policy.VN_TZ)
    sweep(session, now)
    rows = session.exec(select(Notification.recipient_id).where(Notification.kind == "daily",
                                                                Notification.channel == "web")).all()
    assert {w.people["head_a"].id, w.people["staff_a2"].id, w.people["staff_b"].id} <= set(rows)
    assert officer_id not in rows
    officer = session.get(User, officer_id)
    assert daily.daily_message(session, officer, now.date(), "http://t").sections == []
    lines = [ln.text for sec in daily.daily_message(session, session.get(User, w.people["staff_a2"].id), now.date(),
                                                    "http://t").sections for ln in sec.lines]
    assert any(f"#{w.task.id} " in ln for ln in lines)
    assert sum(sweep(session, now).values()) == 0  # idempotent
    # the head assigns someone still in the unit
    task = session.get(Task, w.task.id)
    collab.assign(session, w.people["head_a"], task, w.people["staff_a2"].id, version=task.version)
    session.commit()
    assert session.get(Task, w.task.id).assignee_id == w.people["staff_a2"].id


def test_deactivating_an_officer_releases_their_assignments_to_the_tracking_office_without_a_head(
        client, session, w, login):
    from tracker.models import Task
    from tracker.services import collab
    from tracker.services import user_admin

    collab.assign(session, w.people["head_a"], w.task, w.people["staff_a"].id, version=w.task.version)
    session.commit()
    user_admin.update_user(session, w.people["admin"], w.people["head_a"].id, active=False)  # no head left
    user_admin.update_user(session, w.people["admin"], w.people["staff_a"].id, active=False)
    session.commit()
    assert session.get(Task, w.task.id).assignee_id is None
    note = session.exec(select(TaskEvent.note).where(TaskEvent.task_id == w.task.id, TaskEvent.kind == "assignee",
                                                     TaskEvent.new_value.is_(None))).one()
    assert "không còn hoạt động" in note
    items = _inbox(client, w, "clerk")["items"]
    assert [i["kind"] for i in items] == ["unassigned"]


# --- comments and mentions ---------------------------------------------------------------

def test_comments_mentions_followers_and_directing(client, session, w):
    url = f"/api/v1/tasks/{w.task.id}/comments"
    assert client.get(url, headers=w.h["staff_a"]).get_json() == {"items": []}
    r = client.post(url, json={"text": "Đề nghị @canbo.b và @CANBO.A2, phối hợp số liệu."}, headers=w.h["head_a"])
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    assert c["author"] == {"id": w.people["head_a"].id, "name": "truong.a"} and c["directing"] is False
    assert _inbox(client, w, "staff_b")["items"][0]["kind"] == "mention"
    assert _inbox(client, w, "staff_a2")["items"][0]["kind"] == "mention"
    assert _inbox(client, w, "staff_a")["unread"] == 0  # neither mentioned nor following
    # the author follows now: a reply notifies them as a comment
    r = client.post(url, json={"text": "Đã nhận, sẽ gửi trước thứ Sáu."}, headers=w.h["staff_b"])
    assert r.status_code == 201
    head_inbox = _inbox(client, w, "head_a")
    assert [i["kind"] for i in head_inbox["items"]] == ["comment"] and head_inbox["unread"] == 1
    # a leader's directing comment is marked; others may not write one
    r = client.post(url, json={"text": "Khẩn trương hoàn thành.", "directing": True}, headers=w.h["leader"])
    assert r.status_code == 201 and r.get_json()["directing"] is True
    assert client.post(url, json={"text": "Chỉ đạo", "directing": True}, headers=w.h["head_a"]).status_code == 403
    items = client.get(url, headers=w.h["staff_c"]).get_json()["items"]  # for-information unit reads it
    assert [i["text"] for i in items] == ["Đề nghị @canbo.b và @CANBO.A2, phối hợp số liệu.",
                                          "Đã nhận, sẽ gửi trước thứ Sáu.", "Khẩn trương hoàn thành."]
    assert [i["directing"] for i in items] == [False, False, True]
    assert set(items[0]) == {"id", "author", "text", "directing", "created_at", "attachment_id", "attachments"}
    # comments are part of the history
    kinds = session.exec(select(TaskEvent.kind).where(TaskEvent.task_id == w.task.id)).all()
    assert kinds.count("comment") == 2 and kinds.count("directing") == 1


def test_mention_refusals_and_append_only(client, session, w):
    url = f"/api/v1/tasks/{w.task.id}/comments"
    before = session.exec(select(sa.func.count()).select_from(Notification)).one()
    r = client.post(url, json={"text": "Nhờ @canbo.d xem giúp"}, headers=w.h["head_a"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "mention_outside"
    assert r.get_json()["error"]["details"] == {"mentions": ["canbo.d"]}
    assert client.get(url, headers=w.h["head_a"]).get_json()["items"] == []
    assert session.exec(select(sa.func.count()).select_from(Notification)).one() == before
    for body in ({"text": ""}, {"text": "   "}, {}, {"text": 5}, {"text": "x" * 5001},
                 {"text": "a", "directing": "yes"},
                 {"text": "a", "author_id": 1}):
        assert client.post(url, json=body, headers=w.h["head_a"]).status_code == 422, body
    assert client.post(url, json={"text": "x"}, headers=w.h["staff_d"]).status_code == 404
    assert client.get(url, headers=w.h["staff_d"]).status_code == 404
    # an e-mail address or an unknown login is not a mention; punctuation ends a login
    r = client.post(url, json={"text": "Gửi ketoan@stc.gov.vn, @khongco, (@canbo.a2)."}, headers=w.h["head_a"])
    assert r.status_code == 201
    assert _inbox(client, w, "staff_a2")["items"][0]["kind"] == "mention"
    # no edit or delete route: append-only
    assert client.patch(url, json={"text": "sửa"}, headers=w.h["head_a"]).status_code == 405
    assert client.delete(url, headers=w.h["head_a"]).status_code == 405


def test_mention_grammar():
    from tracker.services.collab import mentioned_logins

    assert mentioned_logins("@nguyen.van.a. Xem @b2, @c!") == ["nguyen.van.a", "b2", "c"]
    assert mentioned_logins("mail a@b.vn và @@x, @_y") == []
    assert mentioned_logins("@Lan @lan") == ["lan"]


# --- inbox --------------------------------------------------------------------------------

def test_inbox_counts_and_mark_read(client, session, w):
    from datetime import datetime

    from tracker.followup import outbox

    me = w.people["staff_a"]
    for i in range(5):
        outbox.enqueue(session, recipient_ids=[me.id, w.people["staff_b"].id], kind="corrected",
                       text=f"Đính chính {i}", now=datetime(2026, 12, 1, 8, i, tzinfo=UTC), task_id=w.task.id)
    session.commit()
    box = _inbox(client, w, "staff_a")
    assert box["unread"] == 5 and [i["text"] for i in box["items"]][:2] == ["Đính chính 4", "Đính chính 3"]
    assert set(box["items"][0]) == {"id", "kind", "task_id", "text", "read", "created_at"}
    first, second = box["items"][0]["id"], box["items"][1]["id"]
    other = _inbox(client, w, "staff_b")["items"][0]["id"]
    r = client.post("/api/v1/notifications/read", json={"ids": [first, second, other]}, headers=w.h["staff_a"])
    assert r.status_code == 200 and r.get_json() == {"marked": 2, "unread": 3}
    assert _inbox(client, w, "staff_b")["unread"] == 5, "someone else's ids are ignored"
    assert [i["read"] for i in _inbox(client, w, "staff_a")["items"]] == [True, True, False, False, False]
    for bad in ({}, {"ids": []}, {"ids": "1"}, {"ids": [True]}, {"all": "yes"}):
        assert client.post("/api/v1/notifications/read", json=bad, headers=w.h["staff_a"]).status_code == 422, bad
    r = client.post("/api/v1/notifications/read", json={"all": True}, headers=w.h["staff_a"])
    assert r.get_json() == {"marked": 3, "unread": 0}
    # only the web rows are the inbox: chat rows do not show
    assert session.exec(select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == me.id)).one() == 5


# --- delegation ---------------------------------------------------------------------------

def test_delegation_bound_rollup_and_confirmation(client, session, w):
    url = f"/api/v1/tasks/{w.task.id}/delegate"
    parent_deadline = w.task.deadline
    late = (parent_deadline + timedelta(days=1)).isoformat()
    r = client.post(url, json={"unit_id": w.a1.id, "action": "Tổng hợp số liệu", "deadline": late},
                    headers=w.h["head_a"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "deadline_after_parent"
    r = client.post(url, json={"unit_id": w.b.id, "action": "x"}, headers=w.h["head_a"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_subordinate"
    assert client.post(url, json={"unit_id": w.a1.id}, headers=w.h["staff_a"]).status_code == 403
    assert client.post(url, json={"unit_id": w.a1.id}, headers=w.h["clerk"]).status_code == 403
    assert client.post(url, json={"unit_id": w.a1.id}, headers=w.h["staff_d"]).status_code == 404
    # the officer in charge may delegate
    v = _task(client, w)["version"]
    client.patch(f"/api/v1/tasks/{w.task.id}", json={"assignee_id": w.people["staff_a"].id, "version": v},
                 headers=w.h["head_a"])
    due = (parent_deadline - timedelta(days=3)).isoformat()
    r = client.post(url, json={"unit_id": w.a1.id, "action": "Tổng hợp số liệu", "deadline": due},
                    headers=w.h["staff_a"])
    assert r.status_code == 201, r.get_json()
    child = r.get_json()
    assert child["parent_id"] == w.task.id and child["lead_unit"]["id"] == w.a1.id and child["deadline"] == due
    assert _inbox(client, w, "head_a1")["items"][0]["kind"] == "assigned"
    # the division sees its child, the parent's unit sees it too; the division reports completion
    assert _task(client, w, "head_a1", child["id"])["id"] == child["id"]
    assert _task(client, w, "staff_a", child["id"])["id"] == child["id"]
    r = client.patch(f"/api/v1/tasks/{child['id']}", json={"state": "cho_xac_nhan", "version": child["version"]},
                     headers=w.h["head_a1"])
    assert r.status_code == 200
    # the lead unit reports the parent; the office cannot confirm while the child is open
    t = _task(client, w)
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"state": "cho_xac_nhan", "version": t["version"]},
                     headers=w.h["staff_a"])
    assert r.status_code == 200, r.get_json()
    from tracker.services import ServiceError
    from tracker.services import tasks as task_service

    session.expire_all()  # the API changed the rows behind this session
    with pytest.raises(ServiceError) as exc:
        task_service.confirm_completion(session, w.people["clerk"], w.task.id)
    assert exc.value.code == "children_open"
    session.rollback()
    # the office does not confirm the child; the delegating unit does
    with pytest.raises(ServiceError) as exc:
        task_service.confirm_completion(session, w.people["clerk"], child["id"])
    assert exc.value.status == 403
    session.rollback()
    task_service.confirm_completion(session, w.people["head_a"], child["id"])
    session.commit()
    task_service.confirm_completion(session, w.people["clerk"], w.task.id)
    session.commit()
    assert _task(client, w)["state"] == "hoan_thanh"


def test_close_child_with_reason_and_figures_count_each_task_once(client, session, w):
    from tracker.services import ServiceError
    from tracker.services import delegation
    from tracker.services import stats

    child = delegation.delegate(session, w.people["head_a"], w.task, unit_id=w.a1.id, action="Phần việc của phòng")
    session.commit()
    with pytest.raises(ServiceError):
        delegation.close_child(session, w.people["head_a"], child, reason="  ")
    session.rollback()
    with pytest.raises(ServiceError) as exc:
        delegation.close_child(session, w.people["head_a1"], child, reason="Không cần nữa")
    assert exc.value.status == 403
    session.rollback()
    delegation.close_child(session, w.people["head_a"], child, reason="Đã gộp vào báo cáo của Sở")
    session.commit()
    assert not delegation.open_children(session, w.task)
    note = session.exec(select(TaskEvent.note).where(TaskEvent.task_id == child.id, TaskEvent.kind == "status")).one()
    assert "Đã gộp vào báo cáo của Sở" in note
    today = date.today()
    lead = stats.unit_figures(session, stats.parse_filters({}), today)
    every = stats.unit_figures(session, stats.parse_filters({"level": "all"}), today)
    assert sum(f.total for f in lead.values()) == 1
    assert sum(f.total for f in every.values()) == 2 and every[w.a1.id].total == 1
    with pytest.raises(ServiceError):
        stats.parse_filters({"level": "x"})
    r = client.get("/api/v1/stats/units?level=all", headers=w.h["clerk"])
    assert r.status_code == 200


# --- coordinating and for-information units ----------------------------------------------

def test_coordinating_report_and_for_information_visibility(client, session, w):
    t = _task(client, w, "staff_b")
    assert t["info_units"] == [{"id": w.c.id, "name": "Sở Xây dựng"}]
    # the coordinating unit reports its part (a note) but cannot move the task
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"note": "Sở Y tế đã gửi số liệu", "version": t["version"]},
                     headers=w.h["staff_b"])
    assert r.status_code == 200
    assert client.patch(f"/api/v1/tasks/{w.task.id}",
                        json={"state": "dang_thuc_hien", "version": r.get_json()["version"]},
                        headers=w.h["staff_b"]).status_code == 403
    # the for-information unit sees the task and the discussion, has no duty
    t = _task(client, w, "staff_c")
    assert t["id"] == w.task.id
    listed = client.get("/api/v1/tasks", headers=w.h["staff_c"]).get_json()["items"]
    assert [x["id"] for x in listed] == [w.task.id]
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"note": "x", "version": t["version"]},
                        headers=w.h["staff_c"]).status_code == 403
    assert client.post(f"/api/v1/tasks/{w.task.id}/comments", json={"text": "Đã biết"},
                       headers=w.h["staff_c"]).status_code == 201
    assert client.get(f"/api/v1/tasks/{w.task.id}", headers=w.h["staff_d"]).status_code == 404
    # the clerk's PATCH sets for-information units (others may not)
    t = _task(client, w, "clerk")
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"info_unit_ids": [w.d.id], "version": t["version"]},
                        headers=w.h["head_a"]).status_code == 403
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"info_unit_ids": [999_999], "version": t["version"]},
                        headers=w.h["clerk"]).status_code == 422
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"info_unit_ids": [w.d.id], "version": t["version"]},
                     headers=w.h["clerk"])
    assert r.status_code == 200 and r.get_json()["info_units"] == [{"id": w.d.id, "name": "Sở Nội vụ"}]
    assert client.get(f"/api/v1/tasks/{w.task.id}", headers=w.h["staff_d"]).status_code == 200
    assert client.get(f"/api/v1/tasks/{w.task.id}", headers=w.h["staff_c"]).status_code == 404


def test_publish_rows_take_info_unit_ids_and_tell_the_lead_unit(client, session, w):
    r = client.post("/api/v1/directives", json={"text": "Giao Sở Tài chính rà soát chi thường xuyên."},
                    headers=w.h["clerk"])
    assert r.status_code == 201
    d = r.get_json()
    rows = [{"unit_id": w.a.id, "action": "Rà soát chi thường xuyên", "info_unit_ids": [w.c.id]}]
    r = client.post(f"/api/v1/directives/{d['id']}/publish", json={"tasks": rows, "issued": "2025-01-02"},
                    headers=w.h["clerk"])
    assert r.status_code == 201, r.get_json()
    task = r.get_json()["tasks"][0]
    assert task["info_units"] == [{"id": w.c.id, "name": "Sở Xây dựng"}] and task["assignee"] is None
    box = _inbox(client, w, "head_a")
    assert box["items"][0]["kind"] == "assigned" and box["items"][0]["task_id"] == task["id"]
    bad = client.post("/api/v1/directives", json={"text": "Giao Sở Tài chính báo cáo."},
                      headers=w.h["clerk"]).get_json()
    r = client.post(f"/api/v1/directives/{bad['id']}/publish",
                    json={"tasks": [{"unit_id": w.a.id, "action": "x", "info_unit_ids": "c"}]}, headers=w.h["clerk"])
    assert r.status_code == 422


def test_mention_of_a_unit_by_its_code(client, session, w):
    url = f"/api/v1/tasks/{w.task.id}/comments"
    r = client.post(url, json={"text": "Kính gửi @SXD để biết."}, headers=w.h["head_a"])  # the for-information unit
    assert r.status_code == 201
    assert _inbox(client, w, "staff_c")["items"][0]["kind"] == "mention"
    r = client.post(url, json={"text": "Nhờ @snv hỗ trợ"}, headers=w.h["head_a"])
    assert r.status_code == 422 and r.get_json()["error"]["details"] == {"mentions": ["SNV"]}
    assert _inbox(client, w, "staff_d")["unread"] == 0


# --- comments with files through the API --------------------------------------------

PDF = b"%PDF-1.4\n% bien ban hop\n"
CSV = "Đơn vị,Số liệu\nPhòng Ngân sách,12\n".encode()


def _files_on_disk(app):
    import os

    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_comment_with_several_files_by_multipart(app, client, session, w):
    import io

    from tracker.models import Attachment

    r = client.post(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["staff_a"],
                    data={"text": "Gửi biên bản và số liệu @truong.a",
                          "file": [(io.BytesIO(PDF), "bien-ban.pdf"), (io.BytesIO(CSV), "so-lieu.csv")]},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert [(f["name"], f["size"]) for f in body["attachments"]] == [("bien-ban.pdf", len(PDF)),
                                                                     ("so-lieu.csv", len(CSV))]
    assert body["attachment_id"] == body["attachments"][0]["id"] and body["directing"] is False
    listed = client.get(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["head_a"]).get_json()["items"]
    assert listed[-1]["attachments"] == body["attachments"]
    assert {"id", "author", "text", "directing", "created_at"} <= set(listed[-1])
    # the download checks that the caller can see the task
    url = body["attachments"][1]["url"]
    got = client.get(url, headers=w.h["head_a"])
    assert got.status_code == 200 and got.data == CSV
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(url, headers=w.h["leader"]).status_code == 200
    assert client.get(url, headers=w.h["staff_d"]).status_code == 404  # another unit: not even its existence
    assert client.get(url).status_code == 401
    # the mention went out as usual, and the history names the files
    assert session.exec(select(Notification).where(Notification.kind == "mention",
                                                   Notification.recipient_id == w.people["head_a"].id)).all()
    event = session.exec(select(TaskEvent).where(TaskEvent.task_id == w.task.id, TaskEvent.kind == "comment")).one()
    assert event.new_value == "bien-ban.pdf, so-lieu.csv"
    assert len(session.exec(select(Attachment).where(Attachment.comment_id == body["id"])).all()) == 2
    # the web page shows both
    page_files = body["attachments"]
    assert all(f["url"] == f"/api/v1/attachments/{f['id']}" for f in page_files)


def test_comment_files_follow_the_evidence_rules_and_leave_nothing_when_refused(app, client, session, w):
    import io

    from tracker.models import Attachment
    from tracker.models import TaskComment

    before = _files_on_disk(app)

    def post(files, text="Kèm tệp", **extra):
        return client.post(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["staff_a"],
                           data={"text": text, "file": files, **extra}, content_type="multipart/form-data")

    # the second file is HTML dressed as a PDF: refused by its bytes, and the first file is not kept
    r = post([(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(b"<html><script>alert(1)</script></html>"), "b.pdf")])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unsupported_type"
    app.config["MAX_UPLOAD_BYTES"] = 100
    r = post([(io.BytesIO(PDF + b"x" * 200), "lon.pdf")])
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    r = post([(io.BytesIO(PDF), f"{i}.pdf") for i in range(11)])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "too_many_files"
    r = post([(io.BytesIO(PDF), "a.pdf")], text="   ")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "empty_text"
    r = post([(io.BytesIO(PDF), "a.pdf")], directing="co le")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_directing"
    r = post([(io.BytesIO(PDF), "a.pdf")], directing="true")  # only the People's Committee leaders direct
    assert r.status_code == 403
    r = post([(io.BytesIO(PDF), "a.pdf")], note="x")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_field"
    r = post([(io.BytesIO(PDF), "a.pdf")], text="Nhắc @canbo.d")  # a person who cannot see the task
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "mention_outside"
    session.expire_all()
    assert session.exec(select(TaskComment).where(TaskComment.task_id == w.task.id)).all() == []
    assert session.exec(select(Attachment)).all() == []
    assert _files_on_disk(app) == before
    # another unit cannot post at all, JSON still works, and a leader directs with a file
    r = client.post(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["staff_d"],
                    data={"text": "x", "file": [(io.BytesIO(PDF), "a.pdf")]}, content_type="multipart/form-data")
    assert r.status_code == 404
    assert client.post(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["staff_a"],
                       json={"text": "Không kèm tệp"}).get_json()["attachments"] == []
    r = client.post(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["leader"],
                    data={"text": "Chỉ đạo kèm văn bản", "directing": "true", "file": [(io.BytesIO(PDF), "cd.pdf")]},
                    content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["directing"] is True and len(r.get_json()["attachments"]) == 1


def test_web_comment_takes_several_files_too(app, client, session, w, login):
    import io

    app.config["WTF_CSRF_ENABLED"] = False
    assert login(w.people["staff_a"]).status_code == 302
    r = client.post(f"/tasks/{w.task.id}/comments",
                    data={"text": "Hai tệp", "file": [(io.BytesIO(PDF), "mot.pdf"), (io.BytesIO(CSV), "hai.csv")]},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "mot.pdf" in page and "hai.csv" in page
    items = client.get(f"/api/v1/tasks/{w.task.id}/comments", headers=w.h["staff_a"]).get_json()["items"]
    assert [f["name"] for f in items[0]["attachments"]] == ["mot.pdf", "hai.csv"]


# --- roll-up written to the parent ----------------------------------------------------

def _rollups(session, task_id):
    session.expire_all()
    return [(e.old_value, e.new_value) for e in session.exec(
        select(TaskEvent).where(TaskEvent.task_id == task_id, TaskEvent.kind == "rollup").order_by(TaskEvent.id)).all()]


def test_rollup_is_written_to_the_parent(client, session, w, login, app):
    from tracker.models import Task
    from tracker.services import delegation
    from tracker.services import office
    from tracker.services import tasks as task_service

    # the lead unit had typed 40% itself; from the first delegation on the children decide
    v = _task(client, w)["version"]
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"progress": 40, "version": v},
                        headers=w.h["head_a"]).status_code == 200
    one = delegation.delegate(session, w.people["head_a"], w.task, unit_id=w.a1.id, action="Phần một")
    two = delegation.delegate(session, w.people["head_a"], w.task, unit_id=w.a1.id, action="Phần hai")
    session.commit()
    assert _task(client, w)["progress"] == 0 and _rollups(session, w.task.id) == [("40", "0")]

    def child_progress(child, value, who="head_a1"):
        version = _task(client, w, who, child.id)["version"]
        r = client.patch(f"/api/v1/tasks/{child.id}", json={"progress": value, "version": version}, headers=w.h[who])
        assert r.status_code == 200, r.get_json()

    before = _task(client, w)["version"]
    child_progress(one, 50)
    parent = _task(client, w)
    assert parent["progress"] == 25 and parent["version"] == before + 1
    child_progress(two, 25)
    assert _task(client, w)["progress"] == 38  # 37.5, rounded half up on both databases
    version = _task(client, w, "head_a1", one.id)["version"]
    assert client.patch(f"/api/v1/tasks/{one.id}", json={"state": "cho_xac_nhan", "version": version},
                        headers=w.h["head_a1"]).status_code == 200
    assert _task(client, w)["progress"] == 63  # (100 + 25) / 2
    session.expire_all()
    task_service.confirm_completion(session, w.people["head_a"], one.id)  # done counts 100: no move, no entry
    session.commit()
    assert _task(client, w)["progress"] == 63
    assert _rollups(session, w.task.id) == [("40", "0"), ("0", "25"), ("25", "38"), ("38", "63")]
    note = session.exec(select(TaskEvent.note).where(TaskEvent.task_id == w.task.id, TaskEvent.kind == "rollup")
                        .order_by(TaskEvent.id.desc())).first()
    assert "2 nhiệm vụ cấp dưới (0 đã hoàn thành)" in note and f"#{one.id}" in note
    # the parent's progress is not typed by hand any more (its state and notes still are)
    v = _task(client, w)["version"]
    r = client.patch(f"/api/v1/tasks/{w.task.id}", json={"progress": 90, "version": v}, headers=w.h["head_a"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "progress_from_children"
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"note": "Đang đôn đốc phòng", "version": v},
                        headers=w.h["head_a"]).status_code == 200
    # a cancelled child leaves the mean
    session.expire_all()
    office.cancel_task(session, w.people["clerk"], two.id, reason="Không còn cần thiết", version=None)
    session.commit()
    assert _task(client, w)["progress"] == 100
    # the confirmation rule is kept: the office confirms the parent once nothing is open
    v = _task(client, w)["version"]
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"state": "cho_xac_nhan", "version": v},
                        headers=w.h["head_a"]).status_code == 200
    session.expire_all()
    task_service.confirm_completion(session, w.people["clerk"], w.task.id)
    session.commit()
    assert session.get(Task, w.task.id).status == "hoan_thanh"
    # the task page shows the roll-up entries in the history
    app.config["WTF_CSRF_ENABLED"] = False
    login(w.people["head_a"])
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "Tổng hợp tiến độ từ cấp dưới" in page and "25% → 38%" in page


def test_rollup_climbs_and_stops_at_a_reported_parent(client, session, w, make_unit, make_user):
    from tracker.services import delegation

    team = make_unit("Tổ Dự toán", code="STC-NS-DT")
    team.parent_id = w.a1.id
    session.add(team)
    session.commit()
    head_team = make_user("truong.to", "head", team)
    child = delegation.delegate(session, w.people["head_a"], w.task, unit_id=w.a1.id, action="Phần của phòng")
    session.commit()
    grandchild = delegation.delegate(session, w.people["head_a1"], child, unit_id=team.id, action="Phần của tổ")
    other = delegation.delegate(session, w.people["head_a"], w.task, unit_id=w.a1.id, action="Phần khác")
    session.commit()
    token = {"Authorization": f"Bearer {accounts.issue_api_token(session, head_team, 't')}"}
    session.commit()
    version = client.get(f"/api/v1/tasks/{grandchild.id}", headers=token).get_json()["version"]
    r = client.patch(f"/api/v1/tasks/{grandchild.id}", json={"progress": 80, "version": version}, headers=token)
    assert r.status_code == 200
    assert _task(client, w, "head_a1", child.id)["progress"] == 80  # the one grandchild
    assert _task(client, w)["progress"] == 40  # (80 + 0) / 2
    assert _rollups(session, child.id) == [("0", "80")] and _rollups(session, w.task.id) == [("0", "40")]
    # once the parent is reported complete its figure stays
    v = _task(client, w)["version"]
    assert client.patch(f"/api/v1/tasks/{w.task.id}", json={"state": "cho_xac_nhan", "version": v},
                        headers=w.h["head_a"]).status_code == 200
    version = _task(client, w, "head_a1", other.id)["version"]
    assert client.patch(f"/api/v1/tasks/{other.id}", json={"progress": 60, "version": version},
                        headers=w.h["head_a1"]).status_code == 200
    assert _task(client, w)["progress"] == 100 and len(_rollups(session, w.task.id)) == 1


def test_rollup_rounding_matches_the_page_figure():
    from tracker.models import Task
    from tracker.services import delegation

    kids = [(Task(status="dang_thuc_hien", progress=p), "x") for p in (50, 25)] + \
        [(Task(status="da_huy", progress=0), "x"), (Task(status="hoan_thanh", progress=10), "x")]
    assert delegation.rollup(kids) == {"total": 3, "done": 1, "open": 2, "progress": 58}  # 175/3 = 58.3
    assert delegation._mean(75, 2) == 38 and delegation._mean(1, 3) == 0 and delegation._mean(5, 3) == 2
