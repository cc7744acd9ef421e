"""Issue 16 pages: the bell and /thong-bao, the task page's assignment, discussion, follow
and delegation forms, "Việc của tôi", print views and /huong-dan; and their query counts,
which must not grow with the number of comments, children or notifications."""
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.scale.test_query_counts import counting
from tracker.followup import outbox
from tracker.models import Attachment
from tracker.models import Notification
from tracker.models import Task
from tracker.models import TaskComment
from tracker.models import Unit
from tracker.services import accounts
from tracker.services import delegation


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture
def w(session, make_unit, make_user, make_task):
    a = make_unit("Sở Tài chính", code="STC")
    a1 = make_unit("Phòng Ngân sách", code="STC-NS")
    a1.parent_id = a.id
    session.add(a1)
    session.commit()
    people = {"head": make_user("truong.a", "head", a), "staff": make_user("canbo.a", "staff", a),
              "head_a1": make_user("truong.ns", "head", a1), "clerk": make_user("vanphong", "clerk"),
              "leader": make_user("lanhdao", "leader")}
    task = make_task(a, action="Rà soát dự toán ngân sách", deadline=date.today() + timedelta(days=20))

    class W:
        pass

    out = W()
    out.a, out.a1, out.people, out.task = a, a1, people, task
    return out


def _csrf_off(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_head_assigns_from_the_task_page_and_the_bell_counts(app, client, session, login, w):
    _csrf_off(app)
    login(w.people["head"])
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "Phân công" in page and "Chưa phân công" in page and 'name="assignee_id"' in page
    r = client.post(f"/tasks/{w.task.id}/assign", data={"assignee_id": w.people["staff"].id,
                                                         "version": w.task.version})
    assert r.status_code == 302
    login(w.people["staff"])
    page = client.get("/tasks/assigned").get_data(as_text=True)
    assert "Rà soát dự toán ngân sách" in page
    assert 'class="bell-count">1<' in page  # the bell in the header
    inbox = client.get("/thong-bao").get_data(as_text=True)
    assert "giao bạn xử lý" in inbox and "1 chưa đọc" in inbox
    item = session.exec(select(Notification).where(Notification.channel == "web",
                                                   Notification.recipient_id == w.people["staff"].id)).one()
    r = client.get(f"/thong-bao/{item.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tasks/{w.task.id}")
    assert 'class="bell-count zero">0<' in client.get("/thong-bao").get_data(as_text=True)
    # staff cannot assign (unit setting off): refused with a reason, nothing changes
    r = client.post(f"/tasks/{w.task.id}/assign", data={"assignee_id": "", "version": w.task.version + 1})
    assert r.status_code == 403
    session.expire_all()
    assert session.get(Task, w.task.id).assignee_id == w.people["staff"].id
    # someone else's inbox item is not found
    login(w.people["head"])
    assert client.get(f"/thong-bao/{item.id}").status_code == 404


def test_comment_thread_directing_mark_follow_and_mark_all_read(app, client, session, login, w):
    _csrf_off(app)
    login(w.people["leader"])
    r = client.post(f"/tasks/{w.task.id}/comments",
                    data={"text": "Đề nghị @truong.a báo cáo tuần này", "directing": "1"})
    assert r.status_code == 302
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "Ý kiến chỉ đạo" in page and "Đề nghị @truong.a báo cáo tuần này" in page
    r = client.post(f"/tasks/{w.task.id}/comments", data={"text": "Nhờ @khongai.ca"})
    assert r.status_code == 302  # unknown login: plain text
    login(w.people["head"])
    assert "Nhắc tên" in client.get("/thong-bao").get_data(as_text=True)
    # the head follows; the leader's next comment lands in the head's inbox as a comment
    client.post(f"/tasks/{w.task.id}/follow", data={})
    login(w.people["leader"])
    client.post(f"/tasks/{w.task.id}/comments", data={"text": "Lưu ý tiến độ"})
    login(w.people["head"])
    box = client.get("/thong-bao").get_data(as_text=True)
    assert "Ý kiến mới" in box and "3 chưa đọc" not in box
    client.post("/thong-bao/read", data={"all": "1"})
    assert "0 chưa đọc" in client.get("/thong-bao").get_data(as_text=True)
    client.post(f"/tasks/{w.task.id}/follow", data={"action": "unfollow"})
    login(w.people["leader"])
    client.post(f"/tasks/{w.task.id}/comments", data={"text": "Thêm một ý"})
    login(w.people["head"])
    assert "0 chưa đọc" in client.get("/thong-bao").get_data(as_text=True), "unfollowed: no more comments"
    # a non-leader's directing box is refused
    r = client.post(f"/tasks/{w.task.id}/comments", data={"text": "Chỉ đạo", "directing": "1"})
    assert r.status_code == 403
    # an empty comment is refused with a message
    r = client.post(f"/tasks/{w.task.id}/comments", data={"text": " "})
    assert r.status_code == 422 and "Cần nhập nội dung" in r.get_data(as_text=True)


def test_delegate_and_close_from_the_pages_print_and_help(app, client, session, login, w):
    _csrf_off(app)
    login(w.people["head"])
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "Phòng Ngân sách" in page  # the subordinate unit is offered
    late = (w.task.deadline + timedelta(days=1)).isoformat()
    r = client.post(f"/tasks/{w.task.id}/delegate", data={"unit_id": w.a1.id, "deadline": late})
    assert r.status_code == 422 and "không được sau hạn" in r.get_data(as_text=True)
    r = client.post(f"/tasks/{w.task.id}/delegate", data={"unit_id": w.a1.id, "action": "Phần của phòng"})
    assert r.status_code == 302
    child = session.exec(select(Task).where(Task.parent_id == w.task.id)).one()
    assert child.deadline == w.task.deadline
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "0/1 nhiệm vụ cấp dưới hoàn thành" in page
    r = client.post(f"/tasks/{child.id}/close", data={"reason": "Gộp vào báo cáo chung"})
    assert r.status_code == 302
    assert "1/1 nhiệm vụ cấp dưới hoàn thành" in client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    printed = client.get(f"/tasks/{w.task.id}/print").get_data(as_text=True)
    assert "Phần của phòng" in printed and "Trao đổi" in printed and "topbar" not in printed
    printed = client.get(f"/directives/{w.task.directive_id}/print").get_data(as_text=True)
    assert "Rà soát dự toán ngân sách" in printed and f"con của #{w.task.id}" in printed
    assert "Giao chuyên viên" not in client.get("/huong-dan").get_data(as_text=True)
    assert "Phân công" in client.get("/huong-dan").get_data(as_text=True)
    login(w.people["head_a1"])
    assert client.post(f"/tasks/{child.id}/close", data={"reason": "x"}).status_code in (403, 409)


def test_head_lets_staff_assign(app, client, session, login, w):
    _csrf_off(app)
    login(w.people["head"])
    client.post("/don-vi/phan-cong", data={"staff_may_assign": "1"})
    session.expire_all()
    assert session.get(Unit, w.a.id).staff_may_assign is True
    login(w.people["staff"])
    r = client.post(f"/tasks/{w.task.id}/assign", data={"assignee_id": w.people["staff"].id, "version": w.task.version})
    assert r.status_code == 302


# --- query counts -------------------------------------------------------------------------

def _count(app, client, url, headers=None):
    engine = app.extensions["engine"]
    client.get(url, headers=headers)
    with counting(engine) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def _grow(session, w, n, start):
    """n comments, n children (each with a comment), n inbox items of the staff member."""
    staff, head = w.people["staff"], w.people["head"]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for i in range(start, start + n):
        comment = TaskComment(task_id=w.task.id, author_id=head.id if i % 2 else staff.id, text=f"Ý kiến {i}",
                              directing=False)
        session.add(comment)
        session.flush()
        for k in range(2):  # files sent with the comment: listed without a query per comment
            session.add(Attachment(task_id=w.task.id, uploaded_by_id=staff.id, original_name=f"tep-{i}-{k}.pdf",
                                   stored_name=f"{i:04d}{k}" + "0" * 27, content_type="application/pdf", size=10,
                                   comment_id=comment.id))
        child = Task(directive_id=w.task.directive_id, lead_unit_id=w.a1.id, action=f"Phần {i}",
                     deadline=w.task.deadline, parent_id=w.task.id, assignee_id=None)
        session.add(child)
        assigned = Task(directive_id=w.task.directive_id, lead_unit_id=w.a.id, action=f"Việc {i}",
                        deadline=w.task.deadline, assignee_id=staff.id)
        session.add(assigned)
        outbox.enqueue(session, recipient_ids=[staff.id], kind="comment", text=f"Thông báo {i}",
                       now=now + timedelta(minutes=i), task_id=w.task.id)
    session.commit()


def test_query_counts_do_not_grow(app, client, session, login, w):
    login(w.people["staff"])
    token = accounts.issue_api_token(session, w.people["staff"], "t")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    urls = [(f"/tasks/{w.task.id}", None), ("/tasks/assigned", None), ("/thong-bao", None),
            ("/api/v1/notifications", headers), (f"/api/v1/tasks/{w.task.id}/comments", headers),
            (f"/tasks/{w.task.id}/print", None)]
    _grow(session, w, 3, 0)
    small = {url: _count(app, client, url, h) for url, h in urls}
    _grow(session, w, 60, 3)
    large = {url: _count(app, client, url, h) for url, h in urls}
    for url, _ in urls:
        assert large[url] <= small[url] + 1, (url, small[url], large[url])
    print("query counts (3 vs 63 comments/children/notifications):", small, large)
    assert small["/thong-bao"] <= 6 and small["/api/v1/notifications"] <= 5


def test_bell_is_one_query(app, client, session, login, w):
    """The layout's unread count adds one COUNT to a page, however many notifications."""
    login(w.people["staff"])
    _grow(session, w, 20, 0)
    engine = app.extensions["engine"]
    client.get("/huong-dan")
    with counting(engine) as statements:
        client.get("/huong-dan")
    counts = [s for s in statements if "notification" in s.lower()]
    assert len(counts) == 1 and "count(" in counts[0].lower()


def test_review_page_sets_for_information_units(app, client, session, login, w, make_unit):
    from tracker.models import Directive
    from tracker.models import TaskInfoUnit

    _csrf_off(app)
    c = make_unit("Sở Xây dựng", code="SXD")
    d = Directive(kind="cong_van", title="Nháp", source_text="Giao Sở Tài chính rà soát.", state="draft",
                  issued_date=date(2025, 1, 2), draft_tasks=[{"unit_id": w.a.id, "action": "Rà soát"}])
    session.add(d)
    session.commit()
    login(w.people["clerk"])
    page = client.get(f"/directives/{d.id}/review").get_data(as_text=True)
    assert 'name="tasks-0-info"' in page
    form = {"row_count": "1", "tasks-0-unit": "Sở Tài chính", "tasks-0-action": "Rà soát",
            "tasks-0-info": "Sở Xây dựng",
            "version": str(d.version), "op": "publish", "kind": "cong_van", "title": "Nháp", "issued": "02/01/2025"}
    r = client.post(f"/directives/{d.id}/review", data=form)
    assert r.status_code in (200, 302), r.get_data(as_text=True)[:500]
    task = session.exec(select(Task).where(Task.directive_id == d.id)).one()
    assert session.exec(select(TaskInfoUnit.unit_id).where(TaskInfoUnit.task_id == task.id)).all() == [c.id]
    assert "Bản in danh sách nhiệm vụ" in client.get(f"/directives/{d.id}").get_data(as_text=True)


def test_coordinating_units_report_is_marked_on_the_task_page(app, client, session, login, w, make_unit, make_user):
    from tracker.models import TaskCoUnit

    _csrf_off(app)
    b = make_unit("Sở Y tế", code="SYT")
    staff_b = make_user("canbo.b", "staff", b)
    session.add(TaskCoUnit(task_id=w.task.id, unit_id=b.id))
    session.commit()
    login(staff_b)
    r = client.post(f"/tasks/{w.task.id}/update",
                    data={"note": "Sở Y tế đã gửi số liệu phần việc", "version": w.task.version})
    assert r.status_code == 302
    login(w.people["head"])
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert "Báo cáo của đơn vị phối hợp" in page and "Sở Y tế đã gửi số liệu phần việc" in page
    login(w.people["clerk"])
    assert "Báo cáo của đơn vị phối hợp" in client.get(f"/tasks/{w.task.id}").get_data(as_text=True)


def test_comment_with_an_attachment_and_the_dashboard_level_filter(app, client, session, login, w):
    import io

    _csrf_off(app)
    login(w.people["staff"])
    r = client.post(f"/tasks/{w.task.id}/comments", data={"text": "Gửi kèm biên bản",
                                                           "file": (io.BytesIO(b"%PDF-1.4\n% bien ban\n"),
                                                                    "bien-ban.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    comment = session.exec(select(TaskComment).where(TaskComment.task_id == w.task.id)).one()
    assert comment.attachment_id is not None
    page = client.get(f"/tasks/{w.task.id}").get_data(as_text=True)
    assert f"/attachments/{comment.attachment_id}" in page
    assert client.get(f"/attachments/{comment.attachment_id}").status_code == 200
    # figures: delegated tasks only with level=all
    delegation.delegate(session, w.people["head"], w.task, unit_id=w.a1.id, action="Phần của phòng")
    session.commit()
    login(w.people["clerk"])
    token = accounts.issue_api_token(session, w.people["clerk"], "t")
    session.commit()
    h = {"Authorization": f"Bearer {token}"}
    lead = client.get("/api/v1/stats/units", headers=h).get_json()
    every = client.get("/api/v1/stats/units?level=all", headers=h).get_json()
    assert lead["total"]["tong_so"] == 1 and every["total"]["tong_so"] == 2
    assert client.get("/api/v1/stats/units?level=x", headers=h).status_code == 422
    assert 'name="level"' in client.get("/dashboard?level=all").get_data(as_text=True)
