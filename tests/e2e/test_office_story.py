"""The office in control of published work, in a real browser (issue 14): correct a lead unit
and a deadline, cancel a task, withdraw a directive, approve an extension with another date,
rename and merge a unit; the dashboard figures change at each step. Screenshots of the new
pages go to docs/screenshots/."""
from datetime import date
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlmodel import Session
from sqlmodel import select

from tests.e2e.test_story import accept_dialogs
from tests.e2e.test_story import directive_text
from tests.e2e.test_story import login
from tests.e2e.test_story import logout
from tracker.models import Directive
from tracker.models import Task
from tracker.models import Unit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def docs_shot(page: Page, name: str):
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def total(page: Page) -> int:
    page.goto("/dashboard")
    return int(page.locator("#totals [data-col=tong_so]").inner_text().replace(".", ""))


def publish(page: Page, number: str, issued: date):
    page.get_by_role("link", name="Nhập văn bản").click()
    page.get_by_label("Dán nội dung văn bản").fill(directive_text(number, issued).replace(
        "chuyển đổi số", f"chuyển đổi số đợt {number} của tỉnh trong năm"))
    page.get_by_role("button", name="Phân tích văn bản").click()
    if page.locator("#confirm-duplicate").count():
        page.locator("#confirm-duplicate").check()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã ban hành")


def test_office_story(page: Page, live_app):
    accept_dialogs(page)
    engine = live_app.extensions["engine"]
    issued = date.today() - timedelta(days=2)
    login(page, "vanphong")
    publish(page, "61", issued)
    with Session(engine) as s:
        d61 = s.exec(select(Directive).where(Directive.code == "61/TB-UBND")).one()
        tasks = s.exec(select(Task).where(Task.directive_id == d61.id).order_by(Task.id)).all()
        sxd = s.exec(select(Unit).where(Unit.code == "SXD")).one()
        snv = s.exec(select(Unit).where(Unit.code == "SNV")).one()
    start = total(page)

    # --- correct the lead unit and the deadline of task 1 ---------------------------
    page.goto(f"/tasks/{tasks[0].id}")
    new_deadline = date.today() + timedelta(days=50)
    form = page.locator("#office-correct")
    form.get_by_label("Đơn vị chủ trì").select_option(str(snv.id))
    form.get_by_label("Hạn (DD/MM/YYYY").fill(new_deadline.strftime("%d/%m/%Y"))
    form.get_by_label("Lý do điều chỉnh").fill("Văn bản giao nhầm đơn vị")
    docs_shot(page, "dieu-chinh-nhiem-vu")
    form.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã điều chỉnh")
    expect(page.locator(".meta")).to_contain_text("Sở Nội vụ")
    expect(page.locator("#deadline-history")).to_contain_text(new_deadline.strftime("%d/%m/%Y"))
    expect(page.locator(".timeline")).to_contain_text("Điều chỉnh đơn vị chủ trì")
    assert total(page) == start, "a correction keeps the figures' total"

    # --- cancel task 3 -----------------------------------------------------------
    page.goto(f"/tasks/{tasks[2].id}")
    page.locator("#office-cancel").get_by_label("Lý do hủy").fill("Nhiệm vụ đã hoàn thành từ trước")
    page.locator("#office-cancel").get_by_role("button", name="Hủy nhiệm vụ").click()
    expect(page.locator("#cancelled-note")).to_be_visible()
    docs_shot(page, "nhiem-vu-da-huy")
    assert total(page) == start - 1
    expect(page.locator("#excluded-note")).to_contain_text("Không tính 1 nhiệm vụ đã hủy")
    docs_shot(page, "tong-hop-khong-tinh-da-huy")

    # --- the unit asks for an extension; the clerk grants another date --------------
    logout(page)
    login(page, "syt.canbo")
    page.goto(f"/tasks/{tasks[1].id}")
    asked = date.today() + timedelta(days=90)
    page.get_by_label("Hạn mới").fill(asked.strftime("%d/%m/%Y"))
    page.get_by_label("Lý do").fill("Chờ hướng dẫn")
    page.get_by_role("button", name="Gửi đề nghị").click()
    logout(page)
    login(page, "vanphong")
    page.goto(f"/tasks/{tasks[1].id}")
    granted = date.today() + timedelta(days=80)
    page.get_by_label("Hạn được duyệt").fill(granted.strftime("%d/%m/%Y"))
    page.get_by_label("Ý kiến").fill("Gia hạn ngắn hơn đề nghị")
    docs_shot(page, "duyet-gia-han-ngay-khac")
    page.get_by_role("button", name="Duyệt gia hạn").click()
    expect(page.locator(".meta")).to_contain_text(granted.strftime("%d/%m/%Y"))
    expect(page.locator("#deadline-history")).to_contain_text("Gia hạn")

    # --- withdraw the directive: its open tasks are cancelled ------------------------
    page.goto(f"/directives/{d61.id}")
    docs_shot(page, "thu-hoi-van-ban")
    page.locator("#withdraw").get_by_label("Lý do").fill("Ban hành nhầm")
    page.locator("#withdraw").get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".flash-success")).to_contain_text("2 nhiệm vụ chưa hoàn thành đã được hủy")
    expect(page.locator("#withdrawn-note")).to_be_visible()
    assert total(page) == start - 3
    expect(page.locator("#excluded-note")).to_contain_text("Không tính 3 nhiệm vụ đã hủy")
    logout(page)

    # --- the admin renames and merges a unit ----------------------------------------
    login(page, "admin")
    page.goto("/admin/units")
    row = page.locator(f"#unit-{sxd.id}")
    row.locator("summary").click()
    row.get_by_label("Tên mới").fill("Sở Xây dựng và Giao thông")
    row.get_by_role("button", name="Đổi tên").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã đổi tên")
    docs_shot(page, "danh-muc-don-vi")
    before_merge = total(page)
    page.goto("/admin/units")
    row = page.locator(f"#unit-{snv.id}")
    row.locator("summary").click()
    row.get_by_label("Gộp vào đơn vị").select_option(str(sxd.id))
    row.get_by_role("button", name="Gộp").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã gộp")
    assert total(page) == before_merge, "a merge moves tasks, it does not drop them"
    with Session(engine) as s:
        assert s.exec(select(Task).where(Task.lead_unit_id == snv.id)).all() == []
        assert "Sở Xây dựng" in s.get(Unit, sxd.id).aliases and "Sở Nội vụ" in s.get(Unit, sxd.id).aliases
    page.goto("/admin/users?q=canbo")
    docs_shot(page, "quan-tri-nguoi-dung")
