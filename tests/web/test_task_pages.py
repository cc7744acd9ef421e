"""Task pages and the workflow through forms, for each role, with the forbidden cases."""
import io
import re
from datetime import timedelta

from sqlmodel import select

from tracker.models import Attachment
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskEvent


def _events(session, task_id):
    session.expire_all()
    return [e.kind for e in session.exec(select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id))]


def test_my_unit_tasks_lists_lead_and_coordinated(client, world, login):
    login(world.users["staff_b"])
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert "Kế hoạch tiêm chủng" in page and "Rà soát vốn đầu tư công" not in page
    page = client.get("/tasks/mine?scope=co").get_data(as_text=True)
    assert "Rà soát vốn đầu tư công" in page and "Kế hoạch tiêm chủng" not in page
    page = client.get("/tasks/mine?scope=all&state=sap_den_han").get_data(as_text=True)
    assert "Kế hoạch tiêm chủng" in page and "Rà soát vốn đầu tư công" not in page
    page = client.get("/tasks/mine?scope=all&q=tiem").get_data(as_text=True)
    assert "Kế hoạch tiêm chủng" in page and "Rà soát vốn" not in page


def test_my_unit_tasks_sorted_by_deadline_and_paged(client, world, login, make_task):
    for n in range(35):
        make_task(world.a, action=f"Việc số {n:02d}", deadline=world.today + timedelta(days=40 - n))
    login(world.users["staff_a"])
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert "Trang 1/2" in page
    order = re.findall(r"Việc số (\d\d)", page)
    assert order == sorted(order, reverse=True)  # later n = earlier deadline = first
    assert "Việc số 34" in page
    page2 = client.get("/tasks/mine?page=2").get_data(as_text=True)
    assert "Rà soát vốn đầu tư công" in page2 or "Việc số 00" in page2


def test_role_access_to_lists(client, world, login):
    for role, mine, all_tasks in (("staff_a", 200, 403), ("head_a", 200, 403), ("clerk", 403, 200),
                                  ("leader", 403, 200), ("admin", 403, 200)):
        login(world.users[role])
        assert client.get("/tasks/mine").status_code == mine, role
        assert client.get("/tasks").status_code == all_tasks, role
        client.post("/logout")
    assert client.get("/tasks").status_code == 302  # anonymous -> login


def test_all_tasks_filters(client, world, login):
    login(world.users["leader"])
    page = client.get(f"/tasks?unit={world.b.id}").get_data(as_text=True)
    assert "Kế hoạch tiêm chủng" in page and "Rà soát vốn" not in page
    page = client.get("/tasks?state=trong_han").get_data(as_text=True)
    assert "Rà soát vốn" in page and "Kế hoạch tiêm chủng" not in page
    page = client.get("/tasks?state=bogus&q=<script>").get_data(as_text=True)
    assert "<script>" not in page.split("<main")[1]


def test_other_units_task_is_404_through_pages(client, world, login, session):
    login(world.users["staff_c"])
    t = world.task_a
    assert client.get(f"/tasks/{t.id}").status_code == 404
    r = client.post(f"/tasks/{t.id}/update", data={"state": "dang_thuc_hien", "version": t.version})
    assert r.status_code == 404
    assert client.post(f"/tasks/{t.id}/extension", data={"new_date": "2099-01-01", "reason": "x"}).status_code == 404
    assert client.post(f"/tasks/{t.id}/confirm", data={"version": 1}).status_code == 403
    assert _events(session, t.id) == []
    session.expire_all()
    assert session.get(Task, t.id).status == "chua_thuc_hien"


def test_task_detail_per_role(client, world, login):
    t = world.task_a
    for role, status in (("staff_a", 200), ("head_a", 200), ("staff_b", 200), ("staff_c", 404), ("clerk", 200),
                         ("leader", 200), ("admin", 200)):
        login(world.users[role])
        r = client.get(f"/tasks/{t.id}")
        assert r.status_code == status, role
        page = r.get_data(as_text=True)
        if role in ("staff_a", "head_a"):
            assert "Lưu cập nhật" in page and "Đề nghị gia hạn" in page
        if role == "staff_b":
            assert "Ghi nhận phối hợp" in page and "Lưu cập nhật" not in page
        if role in ("leader", "clerk"):
            assert "Lưu cập nhật" not in page
        client.post("/logout")


def test_update_attach_evidence_complete_confirm(client, world, login, session, app):
    t = world.task_a
    login(world.users["staff_a"])
    r = client.post(f"/tasks/{t.id}/update", data={
        "state": "dang_thuc_hien", "progress": "40", "note": "Đang làm <b>đậm</b>", "version": "1",
        "evidence": (io.BytesIO(b"%PDF-1.4\n% minh chung\n"), "bao-cao.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    session.expire_all()
    task = session.get(Task, t.id)
    assert (task.status, task.progress, task.version) == ("dang_thuc_hien", 40, 2)
    att = session.exec(select(Attachment).where(Attachment.task_id == t.id)).one()
    assert att.original_name == "bao-cao.pdf" and att.stored_name != "bao-cao.pdf"
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert "Đang làm &lt;b&gt;đậm&lt;/b&gt;" in page and "bao-cao.pdf" in page
    d = client.get(f"/attachments/{att.id}")
    assert d.status_code == 200 and d.data.startswith(b"%PDF")
    assert d.headers["Content-Disposition"].startswith("attachment")
    # completion -> waiting for confirmation
    r = client.post(f"/tasks/{t.id}/update", data={"state": "cho_xac_nhan", "note": "Xong", "version": "2"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Task, t.id).status == "cho_xac_nhan"
    # staff of another unit cannot download the evidence
    client.post("/logout")
    login(world.users["staff_c"])
    assert client.get(f"/attachments/{att.id}").status_code == 404
    client.post("/logout")
    # the coordinator may
    login(world.users["staff_b"])
    assert client.get(f"/attachments/{att.id}").status_code == 200
    assert client.post(f"/tasks/{t.id}/confirm", data={"version": "3"}).status_code == 403
    client.post("/logout")
    # the clerk confirms
    login(world.users["clerk"])
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert "Xác nhận hoàn thành" in page
    r = client.post(f"/tasks/{t.id}/confirm", data={"version": "3"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Task, t.id).status == "hoan_thanh"
    assert "attachment" in _events(session, t.id)


def test_return_needs_reason_and_counts_as_not_done(client, world, login, session):
    t = world.task_a
    login(world.users["staff_a"])
    client.post(f"/tasks/{t.id}/update", data={"state": "cho_xac_nhan", "version": "1"})
    client.post("/logout")
    login(world.users["clerk"])
    r = client.post(f"/tasks/{t.id}/return", data={"reason": "", "version": "2"})
    assert r.status_code == 422 and "lý do" in r.get_data(as_text=True)
    r = client.post(f"/tasks/{t.id}/return", data={"reason": "Thiếu số liệu", "version": "2"})
    assert r.status_code == 302
    session.expire_all()
    task = session.get(Task, t.id)
    assert task.status == "tra_lai" and task.completed_on is None


def test_stale_version_on_form_is_409_and_changes_nothing(client, world, login, session):
    t = world.task_a
    login(world.users["staff_a"])
    assert client.post(f"/tasks/{t.id}/update", data={"progress": "10", "version": "1"}).status_code == 302
    before = _events(session, t.id)
    r = client.post(f"/tasks/{t.id}/update", data={
        "progress": "90", "note": "ghi đè", "version": "1",
        "evidence": (io.BytesIO(b"%PDF-1.4\n"), "x.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 409
    assert "CHƯA được lưu" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Task, t.id).progress == 10
    assert _events(session, t.id) == before + ["conflict"]  # only the refused attempt is recorded
    assert session.exec(select(Attachment)).all() == []
    import os

    folder = client.application.config["UPLOAD_FOLDER"]
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_coordinator_notes_but_cannot_change_status(client, world, login, session):
    t = world.task_a
    login(world.users["staff_b"])
    r = client.post(f"/tasks/{t.id}/update", data={"state": "cho_xac_nhan", "version": "1"})
    assert r.status_code == 403
    r = client.post(f"/tasks/{t.id}/update", data={"note": "Đã gửi số liệu phối hợp", "version": "1"})
    assert r.status_code == 302
    assert _events(session, t.id) == ["note"]


def test_evidence_bad_files(client, world, login, session, app):
    t = world.task_a
    login(world.users["staff_a"])
    r = client.post(f"/tasks/{t.id}/update",
                    data={"version": "1", "evidence": (io.BytesIO(b"MZ\x90\x00\x03" + b"\x00" * 50), "anh.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "không được chấp nhận" in r.get_data(as_text=True)
    app.config["MAX_UPLOAD_BYTES"] = 1000
    r = client.post(f"/tasks/{t.id}/update",
                    data={"version": "1", "evidence": (io.BytesIO(b"%PDF-" + b"a" * 2000), "big.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 413
    session.expire_all()
    assert session.exec(select(Attachment)).all() == []


def test_extension_request_and_leader_approval(client, world, login, session):
    t = world.task_a
    new_date = world.today + timedelta(days=30)
    login(world.users["staff_a"])
    r = client.post(f"/tasks/{t.id}/extension", data={"new_date": "31/02/2022", "reason": "x"})
    assert r.status_code == 422 and "không hợp lệ" in r.get_data(as_text=True)
    r = client.post(f"/tasks/{t.id}/extension", data={"new_date": new_date.isoformat(), "reason": "Chờ số liệu của Bộ"})
    assert r.status_code == 302
    req = session.exec(select(ExtensionRequest)).one()
    client.post("/logout")
    # staff cannot decide
    login(world.users["staff_a"])
    assert client.post(f"/extensions/{req.id}/decide", data={"decision": "approve"}).status_code == 403
    client.post("/logout")
    login(world.users["leader"])
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert "Duyệt gia hạn" in page
    r = client.post(f"/extensions/{req.id}/decide", data={"decision": "approve", "note": "Đồng ý"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Task, t.id).deadline == new_date
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert t.deadline.strftime("%d/%m/%Y") in page and new_date.strftime("%d/%m/%Y") in page
    # deciding twice is a conflict
    assert client.post(f"/extensions/{req.id}/decide", data={"decision": "reject"}).status_code == 409


def test_recurring_task_confirm_opens_next_occurrence(client, world, login, session, make_task):
    t = make_task(world.a, action="Báo cáo giải ngân hằng tháng", deadline=world.today + timedelta(days=5),
                  recurrence="monthly:20")
    login(world.users["staff_a"])
    client.post(f"/tasks/{t.id}/update", data={"state": "cho_xac_nhan", "version": "1"})
    client.post("/logout")
    login(world.users["clerk"])
    assert client.post(f"/tasks/{t.id}/confirm", data={"version": "2"}).status_code == 302
    session.expire_all()
    nxt = session.exec(select(Task).where(Task.series_id == t.id)).one()
    assert nxt.deadline > t.deadline and nxt.status == "chua_thuc_hien"
    page = client.get(f"/tasks/{nxt.id}").get_data(as_text=True)
    assert "Các kỳ của nhiệm vụ định kỳ" in page and t.deadline.strftime("%d/%m/%Y") in page


def test_my_unit_state_counts(client, world, login, make_task):
    make_task(world.a, action="Việc quá hạn", deadline=world.today - timedelta(days=3))
    login(world.users["staff_a"])
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert "Tất cả (2)" in page and "Quá hạn (1)" in page and "Trong hạn (1)" in page
    assert "Sắp đến hạn (" not in page
