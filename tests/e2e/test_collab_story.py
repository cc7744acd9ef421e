"""Issue 16 in a real browser: the head assigns an officer, the officer delegates a part to a
commune, the commune reports, a coordinating unit reports, the leader comments, the lead
unit completes, the office confirms; each person's bell shows what they should see.
Screenshots go to test-artifacts/screenshots/collab-*.png."""
import re
from datetime import timedelta

from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlmodel import Session
from sqlmodel import select

from tests.e2e.test_story import DEMO_PASSWORD
from tests.e2e.test_story import accept_dialogs
from tests.e2e.test_story import login
from tests.e2e.test_story import logout
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.services import accounts
from tracker.services.clock import local_today


def _setup(engine):
    """A commune under the department STC with its head, and a task of STC (SYT coordinates)."""
    with Session(engine, expire_on_commit=False) as s:
        stc = s.exec(select(Unit).where(Unit.code == "STC")).one()
        syt = s.exec(select(Unit).where(Unit.code == "SYT")).one()
        commune = Unit(code="XA_DEMO", name="UBND xã Tân Phú", kind="commune", parent_id=stc.id)
        s.add(commune)
        s.flush()
        accounts.create_user(s, login="xa.truong", role="head", password=DEMO_PASSWORD,
                             display_name="Vũ Văn Xã", unit_ref=commune.id, enforce_policy=False)
        directive = s.exec(select(Directive).where(Directive.state == "published")).first()
        task = Task(directive_id=directive.id, lead_unit_id=stc.id, action="Kiểm kê tài sản công năm 2026",
                    deadline=local_today() + timedelta(days=30))
        s.add(task)
        s.flush()
        s.add(TaskCoUnit(task_id=task.id, unit_id=syt.id))
        s.commit()
        return task.id


def _bell(page: Page) -> int:
    return int(page.locator("#bell .bell-count").inner_text())


def test_collab_story(page: Page, live_app, shot):
    accept_dialogs(page)
    engine = live_app.extensions["engine"]
    task_id = _setup(engine)

    # 1. the head assigns the officer
    login(page, "stc.truong")
    page.goto(f"/tasks/{task_id}")
    page.locator("#phan-cong select[name=assignee_id]").select_option(label="Lê Văn Tài Chính")
    page.locator("#phan-cong").get_by_role("button", name="Lưu phân công").click()
    expect(page.locator("#assignee")).to_have_text("Lê Văn Tài Chính")
    shot(page, "collab-1-head-assigns")
    logout(page)

    # 2. the officer: the bell says 1, "Việc của tôi" lists it; delegates a part to the commune
    login(page, "stc.canbo")
    assert _bell(page) == 1
    page.goto("/tasks/assigned")
    expect(page.get_by_role("link", name=re.compile("Kiểm kê tài sản công"))).to_be_visible()
    shot(page, "collab-2-my-tasks")
    page.goto("/thong-bao")
    page.get_by_role("link", name=re.compile("giao bạn xử lý")).click()
    expect(page).to_have_url(re.compile(f"/tasks/{task_id}$"))
    assert _bell(page) == 0
    form = page.locator("#giao-cap-duoi form").last
    form.locator("select[name=unit_id]").select_option(label="UBND xã Tân Phú")
    form.locator("textarea[name=action]").fill("Kiểm kê tài sản công tại xã")
    form.get_by_role("button", name="Giao").click()
    expect(page.locator("#giao-cap-duoi")).to_contain_text("UBND xã Tân Phú")
    shot(page, "collab-3-delegated")
    with Session(engine) as s:
        child_id = s.exec(select(Task.id).where(Task.parent_id == task_id)).one()
    logout(page)

    # 3. the commune reports its part done
    login(page, "xa.truong")
    assert _bell(page) == 1
    page.goto(f"/tasks/{child_id}")
    page.locator("select[name=state]").select_option("cho_xac_nhan")
    page.locator("textarea[name=note]").first.fill("Xã đã kiểm kê xong, gửi biên bản.")
    page.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.get_by_text("chờ Văn phòng xác nhận")).to_be_visible()
    shot(page, "collab-4-commune-reports")
    logout(page)

    # 4. the coordinating unit reports its part
    login(page, "syt.canbo")
    assert _bell(page) == 0
    page.goto(f"/tasks/{task_id}")
    page.locator("textarea[name=note]").first.fill("Sở Y tế đã gửi danh mục tài sản của ngành.")
    page.get_by_role("button", name="Gửi ghi nhận").click()
    expect(page.get_by_text("Báo cáo của đơn vị phối hợp")).to_be_visible()
    logout(page)

    # 5. the leader writes a directing comment mentioning the officer
    login(page, "lanhdao")
    page.goto(f"/tasks/{task_id}")
    page.locator("#trao-doi textarea[name=text]").fill("Đề nghị @stc.canbo tổng hợp, báo cáo trước ngày 20.")
    page.locator("#trao-doi input[name=directing]").check()
    page.get_by_role("button", name="Gửi ý kiến").click()
    expect(page.locator("#trao-doi")).to_contain_text("Ý kiến chỉ đạo")
    shot(page, "collab-5-leader-directs")
    logout(page)

    # 6. the officer: the mention in the bell; confirms the commune's part, reports the whole task
    login(page, "stc.canbo")
    assert _bell(page) == 1
    page.goto(f"/tasks/{child_id}")
    page.get_by_role("button", name="Xác nhận hoàn thành").click()
    expect(page.get_by_text("Đã xác nhận hoàn thành.")).to_be_visible()
    page.goto(f"/tasks/{task_id}")
    expect(page.locator("#giao-cap-duoi")).to_contain_text("1/1 nhiệm vụ cấp dưới hoàn thành")
    page.locator("select[name=state]").select_option("cho_xac_nhan")
    page.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.get_by_text("chờ Văn phòng xác nhận")).to_be_visible()
    logout(page)

    # 7. the office confirms the parent; the head's bell had the new follow-ups only if following
    login(page, "vanphong")
    page.goto(f"/tasks/{task_id}")
    page.get_by_role("button", name="Xác nhận hoàn thành").click()
    expect(page.get_by_text("Đã xác nhận hoàn thành.")).to_be_visible()
    shot(page, "collab-6-office-confirms")
    page.goto(f"/tasks/{task_id}/print")
    expect(page.get_by_role("heading", name=f"Nhiệm vụ #{task_id}")).to_be_visible()
    shot(page, "collab-7-print")
    page.goto("/thong-bao")  # the print view has no header
    logout(page)
    # the head assigned (and so follows nothing): the bell counts exactly the head's own unread items
    login(page, "stc.truong")
    page.goto("/thong-bao")
    shot(page, "collab-8-head-inbox")
    with Session(engine) as s:
        assert s.get(Task, task_id).status == "hoan_thanh"
        assert s.get(Task, child_id).status == "hoan_thanh"
        head = s.exec(select(User).where(User.login == "stc.truong")).one()
    from tracker.services import inbox

    with Session(engine) as s:
        assert _bell(page) == inbox.unread_count(s, head.id)
