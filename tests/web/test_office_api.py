"""The office's control of published work through the JSON API (issue 14).

Corrections, cancel, reopen, withdraw/replace, the duplicate guard, publishing with an
issue date, closed tasks, and extension decisions, with their refusals.
"""
from datetime import UTC
from datetime import date
from datetime import timedelta

import pytest
from sqlmodel import select

from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import UnitMember

DOC = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: 77/TB-UBND
Demo, ngày 02 tháng 01 năm 2025

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh về công tác chuyển đổi số năm 2025

1. Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế rà soát nhu cầu vốn cho các dự án chuyển đổi số, hoàn thành trước ngày 15/02/2025.
2. Giao Sở Y tế xây dựng kế hoạch triển khai hồ sơ sức khỏe điện tử cho toàn bộ người dân trên địa bàn tỉnh, trình UBND tỉnh trước ngày 20/03/2025.
3. Giao Sở Xây dựng kiểm tra tiến độ các công trình trọng điểm và báo cáo kết quả về Văn phòng UBND tỉnh trước ngày 30/03/2025.
"""  # noqa: E501 - the directive's text, one paragraph a line as in a real document


def _err(r):
    return r.get_json()["error"]["code"]


@pytest.fixture
def h(world, token_for):
    return {role: token_for(user) for role, user in world.users.items()}


def _events(session, task_id, kind=None):
    session.expire_all()
    stmt = select(TaskEvent).where(TaskEvent.task_id == task_id)
    if kind:
        stmt = stmt.where(TaskEvent.kind == kind)
    return session.exec(stmt.order_by(TaskEvent.id)).all()


# --- corrections -----------------------------------------------------------------------

def test_clerk_corrects_lead_unit_and_deadline_in_one_version_step(client, world, h, session):
    t = world.task_a
    v0 = t.version
    new_deadline = world.today + timedelta(days=40)
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={
        "lead_unit_id": world.c.id, "deadline": new_deadline.isoformat(), "version": t.version,
        "reason": "Văn bản giao nhầm đơn vị"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["lead_unit"]["id"] == world.c.id
    assert body["deadline"] == new_deadline.isoformat()
    assert body["deadline_text"] == new_deadline.strftime("%d/%m/%Y")
    assert body["version"] == v0 + 1, "one correction is one step of the version sequence"
    lead_event = _events(session, t.id, "corrected_lead")[0]
    assert (lead_event.old_value, lead_event.new_value) == ("Sở Tài chính", "Sở Xây dựng")
    assert lead_event.note == "Văn bản giao nhầm đơn vị" and lead_event.actor_id == world.users["clerk"].id
    assert lead_event.channel == "api" and lead_event.at is not None
    assert _events(session, t.id, "corrected_deadline")[0].new_value == new_deadline.strftime("%d/%m/%Y")
    # the task moved: the new unit sees it, the old unit no longer leads it
    ids = lambda who: {x["id"] for x in client.get("/api/v1/tasks", headers=h[who]).get_json()["items"]}  # noqa: E731 - a one-line local helper
    assert t.id in ids("staff_c") and t.id not in ids("staff_a")
    # a later unit update continues the same version sequence
    r2 = client.patch(f"/api/v1/tasks/{t.id}", headers=h["staff_c"], json={"progress": 30, "version": body["version"]})
    assert r2.status_code == 200 and r2.get_json()["version"] == v0 + 2
    assert session.exec(select(Task).where(Task.id == t.id)).one().lead_unit_id == world.c.id
    assert len(session.exec(select(Task)).all()) == 2, "a correction creates no new task"
    from tracker.models import AuditEvent

    move = session.exec(select(AuditEvent).where(AuditEvent.action == "lead_unit_moved")).one()
    assert (move.entity_id, move.old_value, move.new_value) == (t.id, str(world.a.id), str(world.c.id))


def test_correction_notifies_old_and_new_units(client, world, h, session):
    t = world.task_a
    client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={
        "lead_unit_id": world.c.id, "version": t.version, "reason": "Giao lại"})
    rows = session.exec(select(Notification).where(Notification.kind == "corrected")).all()
    recipients = {n.recipient_id for n in rows}
    assert {world.users["staff_a"].id, world.users["head_a"].id, world.users["staff_c"].id,
            world.users["staff_b"].id} <= recipients  # old lead, new lead, coordinating unit
    assert world.users["clerk"].id not in recipients
    assert all("đã được điều chỉnh" in n.text and "Giao lại" in n.text for n in rows)


def test_lead_change_drops_pending_reminders_of_the_former_unit(client, world, h, session):
    from tracker.models import utcnow

    t = world.task_a
    old = Notification(recipient_id=world.users["staff_a"].id, task_id=t.id, kind="before", dedupe_key="x:a",
                       due_at=utcnow(), status="pending")
    session.add(old)
    session.commit()
    client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={
        "lead_unit_id": world.c.id, "version": t.version, "reason": "Giao lại"})
    session.refresh(old)
    assert old.status == "skipped"


def test_correction_needs_a_reason_and_an_office_role(client, world, h, session):
    t = world.task_a
    # unit staff: 403 before any field check (even with nonsense values and no version)
    for field, value in (("lead_unit_id", "abc"), ("co_unit_ids", None), ("action", 5), ("deadline", "x"),
                         ("recurrence", 1)):
        for who in ("staff_a", "head_a", "leader", "staff_c"):
            r = client.patch(f"/api/v1/tasks/{t.id}", headers=h[who], json={field: value})
            assert r.status_code == 403, (who, field, r.status_code)
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={"action": "Nội dung mới", "version": t.version})
    assert r.status_code == 422 and _err(r) == "reason_required"
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["admin"],
                     json={"action": "Nội dung mới", "version": t.version, "reason": "  "})
    assert r.status_code == 422 and _err(r) == "reason_required"
    # reason is not needed without a correction field
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={"note": "Đôn đốc", "version": t.version})
    assert r.status_code == 200
    session.refresh(t)
    assert not _events(session, t.id, "corrected_action")


def test_correction_field_checks(client, world, h, session):
    t = world.task_a
    base = {"version": t.version, "reason": "Sửa"}
    for body, code in (({"deadline": "15/03/2026"}, "invalid_date"), ({"deadline": "2026-02-31"}, "invalid_date"),
                       ({"lead_unit_id": 99999}, "invalid_unit"), ({"recurrence": "monthly:40"}, "invalid_recurrence"),
                       ({"action": ""}, "invalid_action"), ({"co_unit_ids": ["x"]}, "invalid_unit")):
        r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={**base, **body})
        assert r.status_code == 422 and _err(r) == code, (body, r.get_json())
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={**base, "version": t.version + 5,
                                                                         "action": "Khác"})
    assert r.status_code == 409
    session.expire_all()
    assert session.get(Task, t.id).version == t.version


def test_correct_coordinating_units_content_and_recurrence(client, world, h, session):
    t = world.task_a
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["clerk"], json={
        "co_unit_ids": [world.c.id, world.a.id], "action": "Rà soát lại vốn", "recurrence": "monthly:20",
        "version": t.version, "reason": "Theo ý kiến lãnh đạo"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [u["id"] for u in body["co_units"]] == [world.c.id], "the lead unit is never its own coordinator"
    assert body["action"] == "Rà soát lại vốn" and body["recurrence"] == "monthly:20"
    assert {e.kind for e in _events(session, t.id)} >= {"corrected_co", "corrected_action", "corrected_recurrence"}
    # B no longer coordinates: it cannot see the task
    assert client.get(f"/api/v1/tasks/{t.id}", headers=h["staff_b"]).status_code == 404


# --- cancel, withdraw, reopen ------------------------------------------------------------

def test_cancel_leaves_the_figures_and_says_how_many(client, world, h, session):
    t = world.task_a
    before = client.get("/api/v1/stats/units", headers=h["leader"]).get_json()
    assert before["excluded"] == {"da_huy": 0}
    assert before["total"]["tong_so"] == 2
    r = client.post(f"/api/v1/tasks/{t.id}/cancel", headers=h["clerk"], json={"version": t.version})
    assert r.status_code == 422 and _err(r) == "reason_required"
    r = client.post(f"/api/v1/tasks/{t.id}/cancel", headers=h["staff_a"], json={"reason": "x", "version": t.version})
    assert r.status_code == 403
    r = client.post(f"/api/v1/tasks/{t.id}/cancel", headers=h["clerk"], json={"reason": "Trùng nhiệm vụ",
                                                                              "version": t.version})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "da_huy" and body["deadline_state"] is None
    after = client.get("/api/v1/stats/units", headers=h["leader"]).get_json()
    assert after["total"]["tong_so"] == 1 and after["excluded"] == {"da_huy": 1}
    assert world.a.id not in {u["unit"]["id"] for u in after["units"]}
    # still visible, with its history
    assert client.get(f"/api/v1/tasks/{t.id}", headers=h["staff_a"]).get_json()["state"] == "da_huy"
    assert _events(session, t.id, "status")[-1].new_value == "da_huy"
    # the unit cannot change a cancelled task
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["staff_a"], json={"progress": 50, "version": body["version"]})
    assert r.status_code == 409 and _err(r) == "closed"
    again = client.post(f"/api/v1/tasks/{t.id}/cancel", headers=h["clerk"], json={"reason": "x",
                                                                                  "version": body["version"]})
    assert again.status_code == 409


def test_cancelled_task_gets_no_reminders(app, client, world, h, session, make_task):
    t = world.task_b
    # a fixed working Monday, not date.today(): on a Saturday "tomorrow" is a Sunday deadline, whose
    # lead-day reminder moves back to Friday (issue 15), and the control task was not listed
    today = date(2026, 11, 30)
    t.deadline = today + timedelta(days=1)  # a "before" reminder is due for B's people (lead days 3,1,0)
    session.add(t)
    session.commit()
    control = make_task(world.b, action="Đối chứng", deadline=t.deadline)
    client.post(f"/api/v1/tasks/{t.id}/cancel", headers=h["clerk"], json={"reason": "Không còn cần",
                                                                          "version": t.version})
    # reminders are one daily message per person (issue 15), composed from the open tasks
    from tracker.followup.daily import daily_message
    from tracker.models import User

    session.expire_all()
    staff = session.exec(select(User).where(User.unit_id == world.b.id, User.role == "staff")).first()
    message = daily_message(session, staff, today, "http://x")
    lines = " ".join(line.text for section in message.sections for line in section.lines)
    assert f"#{control.id} " in lines, "the control task is reminded"
    assert f"#{t.id} " not in lines


def _published_with_tasks(session, world, code="9/CT-UBND",
                          statuses=("chua_thuc_hien", "hoan_thanh", "dang_thuc_hien")):
    from tracker.models import utcnow

    d = Directive(code=code, kind="chi_thi", title="Chỉ thị", source_text="Giao các sở.", state="published",
                  issued_date=date(2025, 1, 2), published_at=utcnow())
    session.add(d)
    session.commit()
    tasks = []
    for i, status in enumerate(statuses):
        t = Task(directive_id=d.id, lead_unit_id=world.a.id, action=f"Nhiệm vụ {i}", status=status,
                 deadline=world.today + timedelta(days=5), completed_on=world.today if status == "hoan_thanh" else None)
        session.add(t)
        tasks.append(t)
    session.commit()
    return d, tasks


def test_withdraw_cancels_open_tasks_only(client, world, h, session):
    d, tasks = _published_with_tasks(session, world)
    r = client.post(f"/api/v1/directives/{d.id}/withdraw", headers=h["staff_a"], json={"reason": "x"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/directives/{d.id}/withdraw", headers=h["clerk"], json={})
    assert r.status_code == 422 and _err(r) == "reason_required"
    r = client.post(f"/api/v1/directives/{d.id}/withdraw", headers=h["clerk"], json={"reason": "Ban hành nhầm"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "thu_hoi" and r.get_json()["replaced_by"] is None
    session.expire_all()
    assert [session.get(Task, t.id).status for t in tasks] == ["da_huy", "hoan_thanh", "da_huy"]
    assert client.get(f"/api/v1/directives/{d.id}", headers=h["leader"]).get_json()["state"] == "thu_hoi"
    again = client.post(f"/api/v1/directives/{d.id}/withdraw", headers=h["clerk"], json={"reason": "lần nữa"})
    assert again.status_code == 409


def test_replace_by_a_newer_directive(client, world, h, session):
    old, tasks = _published_with_tasks(session, world, "10/CT-UBND", ("chua_thuc_hien",))
    new, _ = _published_with_tasks(session, world, "11/CT-UBND", ("chua_thuc_hien",))
    r = client.post(f"/api/v1/directives/{old.id}/withdraw", headers=h["clerk"],
                    json={"reason": "Có chỉ thị mới", "replaced_by": old.id})
    assert r.status_code == 422
    r = client.post(f"/api/v1/directives/{old.id}/withdraw", headers=h["clerk"],
                    json={"reason": "Có chỉ thị mới", "replaced_by": new.id})
    assert r.status_code == 200
    assert r.get_json()["state"] == "thay_the" and r.get_json()["replaced_by"] == new.id
    session.expire_all()
    assert session.get(Task, tasks[0].id).status == "da_huy"


def test_withdrawing_a_draft_is_409(client, world, h, session):
    d = Directive(kind="cong_van", title="Nháp", source_text="Giao Sở A.", state="draft")
    session.add(d)
    session.commit()
    r = client.post(f"/api/v1/directives/{d.id}/withdraw", headers=h["clerk"], json={"reason": "x"})
    assert r.status_code == 409


def test_confirmed_task_is_closed_until_reopened(client, world, h, session):
    t = world.task_a
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["staff_a"],
                     json={"state": "cho_xac_nhan", "version": t.version})
    v = r.get_json()["version"]
    r = client.post(f"/api/v1/tasks/{t.id}/confirm", headers=h["staff_a"], json={"version": v})
    assert r.status_code == 403
    r = client.post(f"/api/v1/tasks/{t.id}/confirm", headers=h["clerk"], json={"version": v})
    assert r.status_code == 200 and r.get_json()["state"] == "hoan_thanh"
    v = r.get_json()["version"]
    for body in ({"progress": 50}, {"state": "dang_thuc_hien"}, {"note": "Sửa kết quả"}):
        for who in ("staff_a", "staff_b"):  # lead and coordinating unit
            r = client.patch(f"/api/v1/tasks/{t.id}", headers=h[who], json={**body, "version": v})
            assert r.status_code == 409 and _err(r) == "closed", (who, body)
    assert client.post(f"/api/v1/tasks/{t.id}/reopen", headers=h["staff_a"],
                       json={"reason": "x", "version": v}).status_code == 403
    r = client.post(f"/api/v1/tasks/{t.id}/reopen", headers=h["clerk"], json={"version": v})
    assert r.status_code == 422 and _err(r) == "reason_required"
    r = client.post(f"/api/v1/tasks/{t.id}/reopen", headers=h["clerk"], json={"reason": "Kết quả chưa đạt",
                                                                              "version": v})
    assert r.status_code == 200
    assert r.get_json()["state"] == "dang_thuc_hien" and r.get_json()["completed_on"] is None
    r = client.patch(f"/api/v1/tasks/{t.id}", headers=h["staff_a"], json={"progress": 80,
                                                                          "version": r.get_json()["version"]})
    assert r.status_code == 200


def test_return_needs_a_reason(client, world, h):
    t = world.task_a
    v = client.patch(f"/api/v1/tasks/{t.id}", headers=h["staff_a"],
                     json={"state": "cho_xac_nhan", "version": t.version}).get_json()["version"]
    r = client.post(f"/api/v1/tasks/{t.id}/return", headers=h["clerk"], json={"version": v})
    assert r.status_code == 422 and _err(r) == "reason_required"
    r = client.post(f"/api/v1/tasks/{t.id}/return", headers=h["clerk"],
                    json={"reason": "Thiếu minh chứng", "version": v})
    assert r.status_code == 200 and r.get_json()["state"] == "tra_lai"


# --- extensions ---------------------------------------------------------------------------

def test_extension_approved_with_another_date_and_note(client, world, h, session):
    t = world.task_a
    asked = world.today + timedelta(days=30)
    r = client.post(f"/api/v1/tasks/{t.id}/extensions", headers=h["staff_a"],
                    json={"date": asked.strftime("%d/%m/%Y"), "reason": "Chờ số liệu"})
    assert r.status_code == 201, r.get_json()
    req_id = r.get_json()["id"]
    granted = world.today + timedelta(days=20)
    assert client.post(f"/api/v1/extensions/{req_id}/decide", headers=h["staff_a"],
                       json={"decision": "approve"}).status_code == 403
    r = client.post(f"/api/v1/extensions/{req_id}/decide", headers=h["clerk"], json={"decision": "maybe"})
    assert r.status_code == 422
    r = client.post(f"/api/v1/extensions/{req_id}/decide", headers=h["leader"], json={
        "decision": "approve", "date": granted.isoformat(), "note": "Chỉ gia hạn 20 ngày"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "approved" and body["granted_date"] == granted.isoformat()
    assert body["decision_note"] == "Chỉ gia hạn 20 ngày"
    assert body["task"]["deadline"] == granted.isoformat()
    assert body["task"]["deadline_text"] == granted.strftime("%d/%m/%Y"), "the old phrase is not shown beside"
    notes = session.exec(select(Notification).where(Notification.kind == "extension_decided")).all()
    assert notes and all("Chỉ gia hạn 20 ngày" in n.text for n in notes)
    assert world.users["staff_a"].id in {n.recipient_id for n in notes}


def test_confirmation_cancels_pending_extension_and_decision_is_refused(client, world, h, session):
    t = world.task_a
    req_id = client.post(f"/api/v1/tasks/{t.id}/extensions", headers=h["staff_a"], json={
        "date": (world.today + timedelta(days=30)).isoformat(), "reason": "Chờ"}).get_json()["id"]
    session.expire_all()
    v = session.get(Task, t.id).version
    v = client.patch(f"/api/v1/tasks/{t.id}", headers=h["staff_a"],
                     json={"state": "cho_xac_nhan", "version": v}).get_json()["version"]
    assert client.post(f"/api/v1/tasks/{t.id}/confirm", headers=h["clerk"], json={"version": v}).status_code == 200
    session.expire_all()
    assert session.get(ExtensionRequest, req_id).status == "cancelled"
    r = client.post(f"/api/v1/extensions/{req_id}/decide", headers=h["clerk"], json={"decision": "approve"})
    assert r.status_code == 409
    session.expire_all()
    assert session.get(Task, t.id).deadline == t.deadline


def test_decision_on_a_closed_task_is_refused(client, world, h, session):
    """Even a request still pending on a closed task (written before this rule) is refused."""
    t = world.task_a
    req = ExtensionRequest(task_id=t.id, requested_by_id=world.users["staff_a"].id, old_deadline=t.deadline,
                           requested_date=t.deadline + timedelta(days=9), reason="cũ")
    session.add(req)
    t.status = "hoan_thanh"
    session.add(t)
    session.commit()
    r = client.post(f"/api/v1/extensions/{req.id}/decide", headers=h["clerk"], json={"decision": "approve"})
    assert r.status_code == 409 and _err(r) == "closed"


# --- duplicate guard, issue date, expanded counts ------------------------------------------

def test_duplicate_guard_same_file_and_retyped_copy(client, world, h, session):
    r1 = client.post("/api/v1/directives", headers=h["clerk"], json={"text": DOC})
    assert r1.status_code == 201 and r1.get_json()["duplicate_of"] is None
    first = r1.get_json()["id"]
    r2 = client.post("/api/v1/directives", headers=h["clerk"], json={"text": DOC})
    assert r2.get_json()["duplicate_of"] is None, "a draft does not count"
    assert client.post(f"/api/v1/directives/{first}/publish", headers=h["clerk"], json={}).status_code == 201
    r3 = client.post("/api/v1/directives", headers=h["clerk"], json={"text": DOC})
    assert r3.get_json()["duplicate_of"] == first
    # a re-typed copy: other number, small edits, other line breaks
    retyped = DOC.replace("77/TB-UBND", "78/TB-UBND").replace("\n1.", "\n\n1.").replace("toàn bộ", "toan bo")
    r4 = client.post("/api/v1/directives", headers=h["clerk"], json={"text": retyped})
    assert r4.get_json()["duplicate_of"] == first
    # publishing the copy needs the explicit confirmation
    copy = r3.get_json()["id"]
    r = client.post(f"/api/v1/directives/{copy}/publish", headers=h["clerk"], json={})
    assert r.status_code == 409 and _err(r) == "duplicate" and r.get_json()["duplicate_of"] == first
    assert session.exec(select(Task).where(Task.directive_id == copy)).all() == []
    r = client.post(f"/api/v1/directives/{copy}/publish", headers=h["clerk"], json={"confirm_duplicate": True})
    assert r.status_code == 201
    # a withdrawn directive no longer counts; the earliest published match is the answer
    assert client.post("/api/v1/directives", headers=h["clerk"], json={"text": DOC}).get_json()["duplicate_of"] == first
    client.post(f"/api/v1/directives/{first}/withdraw", headers=h["clerk"], json={"reason": "Trùng"})
    assert client.post("/api/v1/directives", headers=h["clerk"], json={"text": DOC}).get_json()["duplicate_of"] == copy


def test_different_text_is_not_a_duplicate(client, world, h):
    client.post("/api/v1/directives/" + str(client.post("/api/v1/directives", headers=h["clerk"],
                                                        json={"text": DOC}).get_json()["id"]) + "/publish",
                headers=h["clerk"], json={})
    other = DOC.replace("77/TB-UBND", "90/TB-UBND").split("1. Giao")[0] + \
        "1. Giao Sở Nội vụ tổ chức tập huấn cho cán bộ cấp xã về cải cách hành chính, hoàn thành trong quý II năm 2025."
    reply = client.post("/api/v1/directives", headers=h["clerk"], json={"text": other}).get_json()
    assert reply["duplicate_of"] is None


def test_publish_needs_an_issue_date(client, world, h, session):
    text = "Giao Sở Tài chính rà soát nhu cầu vốn đầu tư công, hoàn thành trong thời gian sớm nhất."
    d = client.post("/api/v1/directives", headers=h["clerk"], json={"text": text}).get_json()
    assert d["issued"] is None
    r = client.post(f"/api/v1/directives/{d['id']}/publish", headers=h["clerk"], json={})
    assert r.status_code == 422 and _err(r) == "issued_required"
    r = client.post(f"/api/v1/directives/{d['id']}/publish", headers=h["clerk"], json={"issued": "2030-31-01"})
    assert r.status_code == 422
    r = client.post(f"/api/v1/directives/{d['id']}/publish", headers=h["clerk"], json={"issued": "2030-01-10"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["issued"] == "2030-01-10"


def test_draft_rows_say_how_many_tasks_they_create(client, world, h, session):
    group = Unit(code="XA", name="UBND các xã, phường", kind="group", aliases=["các xã"])
    session.add(group)
    session.commit()
    communes = []
    for i in range(11):
        u = Unit(code=f"X{i}", name=f"UBND xã Thử {i}", kind="commune")
        session.add(u)
        communes.append(u)
    session.commit()
    for u in communes:
        session.add(UnitMember(group_id=group.id, member_id=u.id))
    session.commit()
    text = ("Số: 5/KH-UBND\nDemo, ngày 02 tháng 01 năm 2025\n"
            "1. Giao Sở Tài chính rà soát vốn, hoàn thành trước ngày 15/02/2025.\n"
            "2. Giao UBND các xã, phường rà soát hộ nghèo, hoàn thành trước ngày 20/02/2025.\n")
    d = client.post("/api/v1/directives", headers=h["clerk"], json={"text": text}).get_json()
    counts = {row["unit_id"]: row["expanded_count"] for row in d["tasks"]}
    assert counts.get(world.a.id) == 1
    assert counts.get(group.id) == 11, d["tasks"]
    again = client.get(f"/api/v1/directives/{d['id']}", headers=h["clerk"]).get_json()
    assert sum(row["expanded_count"] for row in again["tasks"]) == 12
    created = client.post(f"/api/v1/directives/{d['id']}/publish", headers=h["clerk"], json={}).get_json()["tasks"]
    assert len(created) == 12


def test_bot_progress_on_a_closed_task_is_refused(app, world, session):
    from datetime import datetime

    from bots import actions
    from tracker.models import TelegramLink

    session.add(TelegramLink(user_id=world.users["staff_a"].id, chat_id=4242))
    t = world.task_a
    t.status = "hoan_thanh"
    session.add(t)
    session.commit()
    reply = actions.answer_text(app.extensions["engine"], 4242, {"kind": "progress", "task_id": t.id,
                                                                 "version": t.version},
                                "50 sửa lại", datetime.now(UTC))
    assert not reply.ok
    assert "xác nhận hoàn thành" in reply.message
    session.expire_all()
    assert session.get(Task, t.id).progress == 0
