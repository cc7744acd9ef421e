"""The office's pages (issue 14): correct, cancel, reopen, withdraw, decide an extension
with another date, the review page's duplicate warning, publish preview and date checks."""
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.web.test_directive_pages import _import
from tests.web.test_directive_pages import _review_form
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import UnitMember

DOC = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: 31/TB-UBND
Demo, ngày 02 tháng 01 năm 2025

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh về công tác giảm nghèo năm 2025

1. Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế bố trí kinh phí cho chương trình giảm nghèo bền vững, hoàn thành trước ngày 15/02/2025.
2. Giao UBND các xã, phường rà soát hộ nghèo, hộ cận nghèo trên địa bàn, báo cáo trước ngày 31/02/2025.
"""  # noqa: E501 - the directive's text, one paragraph a line as in a real document


@pytest.fixture
def communes(session):
    group = Unit(code="XA", name="UBND các xã, phường", kind="group", aliases=["UBND các xã, phường"])
    session.add(group)
    session.commit()
    members = [Unit(code=f"X{i}", name=f"UBND xã Số {i}", kind="commune") for i in range(11)]
    session.add_all(members)
    session.commit()
    session.add_all([UnitMember(group_id=group.id, member_id=m.id) for m in members])
    session.commit()
    return group


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" :", ":")


def test_task_page_correct_cancel_reopen(client, world, login, session):
    t = world.task_a
    login(world.users["clerk"])
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert 'id="office-correct"' in page and 'id="office-cancel"' in page
    assert 'type="date"' not in page
    r = client.post(f"/tasks/{t.id}/correct", data={"version": t.version, "lead_unit_id": world.c.id,
                                                    "deadline": "15/03/2031", "reason": ""})
    assert r.status_code == 422 and "lý do" in r.get_data(as_text=True)
    r = client.post(f"/tasks/{t.id}/correct", data={"version": t.version, "lead_unit_id": world.c.id,
                                                    "deadline": "31/02/2031", "reason": "Giao nhầm"})
    assert r.status_code == 422 and "không có trong lịch" in r.get_data(as_text=True)
    r = client.post(f"/tasks/{t.id}/correct", data={"version": t.version, "lead_unit_id": world.c.id,
                                                    "deadline": "15/03/2031", "reason": "Giao nhầm"})
    assert r.status_code == 302
    session.expire_all()
    task = session.get(Task, t.id)
    assert task.lead_unit_id == world.c.id and task.deadline.isoformat() == "2031-03-15"
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    text = _text(page)
    assert "Điều chỉnh đơn vị chủ trì: Sở Tài chính → Sở Xây dựng" in text
    assert "Lý do: Giao nhầm" in text and "Lịch sử thời hạn" in text and "15/03/2031" in text
    r = client.post(f"/tasks/{t.id}/cancel", data={"version": task.version, "reason": "Không còn phù hợp"})
    assert r.status_code == 302
    session.expire_all()
    task = session.get(Task, t.id)
    assert task.status == "da_huy"
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert 'id="cancelled-note"' in page and 'id="office-reopen"' in page and "Đã hủy" in page
    r = client.post(f"/tasks/{t.id}/reopen", data={"version": task.version, "reason": "Hủy nhầm"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Task, t.id).status == "dang_thuc_hien"


def test_unit_staff_cannot_correct_cancel_or_reopen(client, world, login, session):
    t = world.task_a
    login(world.users["staff_a"])
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert "office-correct" not in page and "office-cancel" not in page
    for path in ("correct", "cancel", "reopen"):
        r = client.post(f"/tasks/{t.id}/{path}", data={"version": t.version, "reason": "x", "lead_unit_id": world.c.id})
        assert r.status_code == 403, path
    session.expire_all()
    task = session.get(Task, t.id)
    assert task.lead_unit_id == world.a.id and task.status == "chua_thuc_hien"
    assert not session.exec(select(TaskEvent).where(TaskEvent.task_id == t.id)).all()


def test_confirmed_task_page_is_closed_for_the_unit(client, world, login, session):
    t = world.task_a
    t.status = "hoan_thanh"
    session.add(t)
    session.commit()
    login(world.users["staff_a"])
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert 'id="closed-note"' in page and "Lưu cập nhật" not in page
    r = client.post(f"/tasks/{t.id}/update", data={"version": t.version, "progress": "50", "note": "Sửa"})
    assert r.status_code == 409
    session.expire_all()
    assert session.get(Task, t.id).progress == 0


def test_extension_decision_with_another_date_shows_the_note(client, world, login, session):
    t = world.task_a
    login(world.users["staff_a"])
    asked = t.deadline + timedelta(days=30)
    r = client.post(f"/tasks/{t.id}/extension", data={"new_date": asked.strftime("%d/%m/%Y"), "reason": "Chờ số liệu"})
    assert r.status_code == 302
    req = session.exec(select(ExtensionRequest)).one()
    login(world.users["leader"])
    page = client.get(f"/tasks/{t.id}").get_data(as_text=True)
    assert 'name="granted_date"' in page
    granted = t.deadline + timedelta(days=12)
    r = client.post(f"/extensions/{req.id}/decide",
                    data={"decision": "approve", "granted_date": granted.strftime("%d/%m/%Y"),
                                                         "note": "Cho 12 ngày là đủ"})
    assert r.status_code == 302
    login(world.users["staff_a"])
    text = _text(client.get(f"/tasks/{t.id}").get_data(as_text=True))
    assert "Ý kiến: Cho 12 ngày là đủ" in text
    assert f"đã duyệt đến {granted.strftime('%d/%m/%Y')}" in text
    assert "Gia hạn: " + granted.strftime("%d/%m/%Y") in text  # the deadline history
    session.expire_all()
    assert session.get(Task, t.id).deadline == granted


def test_withdraw_from_the_directive_page(client, world, login, session, make_task):
    t = world.task_a
    directive = session.get(Directive, t.directive_id)
    login(world.users["clerk"])
    page = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert 'id="withdraw"' in page
    r = client.post(f"/directives/{directive.id}/withdraw", data={"mode": "withdraw", "reason": ""})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Directive, directive.id).state == "published", "no reason, nothing withdrawn"
    r = client.post(f"/directives/{directive.id}/withdraw", data={"mode": "withdraw", "reason": "Ban hành nhầm"},
                    follow_redirects=True)
    text = _text(r.get_data(as_text=True))
    assert "Đã thu hồi văn bản" in text and "2 nhiệm vụ chưa hoàn thành đã được hủy" in text
    assert "Đã thu hồi" in text
    session.expire_all()
    assert session.get(Task, t.id).status == "da_huy"
    login(world.users["staff_a"])
    assert client.post(f"/directives/{directive.id}/withdraw", data={"reason": "x"}).status_code == 403


def test_review_page_duplicate_warning_preview_and_dates(client, world, login, session, communes):
    login(world.users["clerk"])
    r = _import(client, text=DOC)
    first_review = r.headers["Location"]
    page = client.get(first_review).get_data(as_text=True)
    text = _text(page)
    assert "duplicate-warning" not in page
    assert "Khi ban hành sẽ tạo 12 nhiệm vụ" in text, "2 rows, one of them to a group of 11 communes"
    assert "tạo 11 nhiệm vụ" in text
    assert "31/02/2025" in text and "không có trong lịch" in text, "an impossible date is a warning"
    assert 'type="date"' not in page and 'value="02/01/2025"' in page
    form = _review_form(page)
    form["op"] = "publish"
    form["tasks-1-deadline"] = "cuối tháng 2"  # relative to the issue date 02/01/2025
    r = client.post(first_review, data=form)
    assert r.status_code == 302, _text(r.get_data(as_text=True))[:2000]
    first_id = session.exec(select(Directive.id).where(Directive.state == "published",
                                                       Directive.code == "31/TB-UBND")).one()
    tasks = session.exec(select(Task).where(Task.directive_id == first_id)).all()
    assert len(tasks) == 12
    assert {t.deadline.isoformat() for t in tasks if t.lead_unit_id != world.a.id} == {"2025-02-28"}
    # the same file again: a warning with a link, and publishing needs the confirmation
    r = _import(client, text=DOC)
    review = r.headers["Location"]
    page = client.get(review).get_data(as_text=True)
    assert 'id="duplicate-warning"' in page and f'/directives/{first_id}"' in page
    form = _review_form(page)
    form.pop("confirm_duplicate", None)
    form["op"] = "publish"
    r = client.post(review, data=form)
    assert r.status_code == 409 and "trùng" in r.get_data(as_text=True)
    draft_id = session.exec(select(Directive.id).where(Directive.state == "draft")).one()
    assert not session.exec(select(Task).where(Task.directive_id == draft_id)).all()
    form["confirm_duplicate"] = "1"
    assert client.post(review, data=form).status_code == 302
    session.expire_all()
    assert session.get(Directive, draft_id).state == "published"


def test_review_asks_for_an_issue_date(client, world, login, session):
    login(world.users["clerk"])
    r = _import(client, text="Giao Sở Tài chính rà soát nhu cầu vốn đầu tư công trong thời gian sớm nhất.")
    review = r.headers["Location"]
    page = client.get(review).get_data(as_text=True)
    assert 'id="issued-missing"' in page
    form = _review_form(page)
    form["op"] = "publish"
    r = client.post(review, data=form)
    assert r.status_code == 422 and "ngày ban hành" in r.get_data(as_text=True)
    form["issued"] = "31/02/2025"
    r = client.post(review, data=form)
    assert r.status_code == 422 and "không có trong lịch" in r.get_data(as_text=True)
    form["issued"] = "10/01/2025"
    assert client.post(review, data=form).status_code == 302
    assert session.exec(select(Directive.issued_date).where(Directive.state == "published",
                                                            Directive.kind != "thong_bao_ket_luan")
                       ).all()[-1].isoformat() == "2025-01-10"


def test_dashboard_and_exports_say_how_many_cancelled_tasks_are_left_out(client, world, login, session):
    import io

    from openpyxl import load_workbook

    login(world.users["clerk"])
    before = client.get("/dashboard").get_data(as_text=True)
    assert 'id="excluded-note"' not in before
    t = world.task_a
    assert client.post(f"/tasks/{t.id}/cancel", data={"version": t.version, "reason": "Trùng"}).status_code == 302
    page = _text(client.get("/dashboard").get_data(as_text=True))
    assert "Không tính 1 nhiệm vụ đã hủy" in page
    xlsx = client.get("/dashboard/export.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    heading = " ".join(str(c) for row in ws.iter_rows(min_row=1, max_row=6, values_only=True) for c in row if c)
    assert "không tính 1 nhiệm vụ đã hủy" in heading  # the subtitle under the office-layout title
