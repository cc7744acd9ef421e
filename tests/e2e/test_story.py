"""The whole story in a real browser: import (pasted and .docx), correct, publish; a unit updates a
task with evidence and reports it done; the clerk confirms; an extension is requested and approved."""
import re
from datetime import date
from datetime import timedelta

import docx
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlmodel import Session
from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task

DEMO_PASSWORD = "demo12345"


def directive_text(number: str, issued: date) -> str:
    d1 = (issued + timedelta(days=40)).strftime("%d/%m/%Y")
    d2 = (issued + timedelta(days=60)).strftime("%d/%m/%Y")
    d0 = (issued - timedelta(days=3)).strftime("%d/%m/%Y")
    return f"""ỦY BAN NHÂN DÂN TỈNH DEMO
Số: {number}/TB-UBND
Demo, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh về chuyển đổi số

1. Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế bố trí kinh phí chuyển đổi số, hoàn thành trước ngày {d1}.
2. Giao Sở Y tế triển khai hồ sơ sức khỏe điện tử <b>toàn tỉnh</b>, báo cáo trước ngày {d2}.
3. Giao Sở Xây dựng cập nhật cơ sở dữ liệu công trình, hoàn thành trước ngày {d0}.
"""


def login(page: Page, who: str):
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(who)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def logout(page: Page):
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def accept_dialogs(page: Page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_whole_story(page: Page, live_app, shot, tmp_path):
    accept_dialogs(page)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    engine = live_app.extensions["engine"]
    issued = date.today() - timedelta(days=1)

    page.goto("/login")
    shot(page, "01-dang-nhap")
    login(page, "vanphong")
    shot(page, "02-nhiem-vu-van-phong")

    # --- 1. paste a directive, correct one task, publish -------------------------------
    page.get_by_role("link", name="Nhập văn bản").click()
    page.get_by_label("Dán nội dung văn bản").fill(directive_text("31", issued))
    shot(page, "03-nhap-van-ban")
    page.get_by_role("button", name="Phân tích văn bản").click()
    expect(page.get_by_role("heading", name="Rà soát văn bản")).to_be_visible()
    expect(page.locator("input[name=code]")).to_have_value("31/TB-UBND")
    expect(page.locator("input[name=issued]")).to_have_value(issued.strftime("%d/%m/%Y"))
    expect(page.locator("input[type=date]")).to_have_count(0)  # no native mm/dd/yyyy widget
    # the small date picker writes DD/MM/YYYY
    page.locator("input[name=issued]").click()
    expect(page.locator(".datepicker")).to_be_visible()
    page.locator(".datepicker .dp-grid button", has_text=re.compile(rf"^{issued.day}$")).first.click()
    expect(page.locator("input[name=issued]")).to_have_value(issued.strftime("%d/%m/%Y"))
    rows = page.locator("article.task-row")
    expect(rows).to_have_count(3)
    # HTML in the directive is shown as text, highlighted source included
    expect(page.locator("#source")).to_contain_text("<b>toàn tỉnh</b>")
    assert page.locator("#source b").count() == 0
    expect(page.locator("#source mark[data-n='2']")).to_be_visible()
    # task 3's deadline is before the issued date: a warning, kept as written
    expect(rows.nth(2).locator(".warning")).to_contain_text("trước ngày ban hành")
    expect(rows.nth(0).locator("input[name='tasks-0-unit']")).to_have_value("Sở Tài chính")
    shot(page, "04-ra-soat")
    # correct task 2: shorter action and a later deadline
    rows.nth(1).locator("textarea").fill("Triển khai hồ sơ sức khỏe điện tử toàn tỉnh")
    new_deadline = issued + timedelta(days=75)
    rows.nth(1).locator("input.vn-date").fill(new_deadline.strftime("%d/%m/%Y"))
    # select a sentence of the source and make a task of it
    page.locator("#source").evaluate("""(el) => {
        const text = el.textContent; const needle = 'Kết luận của Chủ tịch UBND tỉnh về chuyển đổi số';
        const start = text.indexOf(needle);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let pos = 0, node, range = document.createRange(), startSet = false;
        while ((node = walker.nextNode())) {
          const len = node.textContent.length;
          if (!startSet && start < pos + len) { range.setStart(node, start - pos); startSet = true; }
          if (startSet && start + needle.length <= pos + len) {
            range.setEnd(node, start + needle.length - pos);
            break;
          }
          pos += len;
        }
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        document.dispatchEvent(new Event('selectionchange'));
    }""")
    expect(page.locator("#add-selection")).to_be_enabled()
    page.locator("#add-selection").click()
    expect(rows).to_have_count(4)
    expect(rows.nth(3).locator("textarea")).to_have_value("Kết luận của Chủ tịch UBND tỉnh về chuyển đổi số")
    # ...then decide it is not a task after all
    rows.nth(3).get_by_role("button", name="Xoá").click()
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã lưu bản nháp")
    expect(rows.nth(1).locator("textarea")).to_have_value("Triển khai hồ sơ sức khỏe điện tử toàn tỉnh")
    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã ban hành: 3 nhiệm vụ")
    shot(page, "05-chi-tiet-van-ban")
    with Session(engine) as s:
        directive = s.exec(select(Directive).where(Directive.code == "31/TB-UBND")).one()
        tasks = s.exec(select(Task).where(Task.directive_id == directive.id).order_by(Task.id)).all()
        assert [t.deadline for t in tasks][1] == new_deadline
        assert tasks[1].action == "Triển khai hồ sơ sức khỏe điện tử toàn tỉnh"
        task_done, task_ext = tasks[0], tasks[1]

    # --- 2. the same as a .docx upload -----------------------------------------------
    document = docx.Document()
    for line in directive_text("32", issued).splitlines():
        document.add_paragraph(line)
    path = tmp_path / "thong-bao-32.docx"
    document.save(path)
    page.get_by_role("link", name="Nhập văn bản").click()
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name="Phân tích văn bản").click()
    expect(page.locator("input[name=code]")).to_have_value("32/TB-UBND")
    expect(page.locator("article.task-row")).to_have_count(3)
    # nearly the same text as 31/TB-UBND: a warning with a link, and publishing needs a confirmation
    expect(page.locator("#duplicate-warning")).to_contain_text("31/TB-UBND")
    expect(page.locator("#publish-preview")).to_contain_text("Khi ban hành sẽ tạo 3 nhiệm vụ")
    shot(page, "06a-canh-bao-trung")
    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator("#form-error")).to_contain_text("trùng")
    page.locator("#confirm-duplicate").check()
    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã ban hành")
    page.get_by_role("link", name="Văn bản").first.click()
    shot(page, "06-danh-sach-van-ban")
    logout(page)

    # --- 3. the unit updates a task, attaches evidence, reports it done ---------------
    login(page, "stc.canbo")
    expect(page.get_by_role("heading", name="Việc của đơn vị tôi")).to_be_visible()
    shot(page, "07-viec-cua-don-vi")
    page.get_by_role("link", name="Bố trí kinh phí chuyển đổi số").first.click()
    page.get_by_label("Trạng thái").select_option("dang_thuc_hien")
    page.get_by_label("Tiến độ (%)").fill("60")
    page.get_by_label("Ghi chú / kết quả").fill("Đã trình phương án phân bổ kinh phí")
    evidence = tmp_path / "bao-cao.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.locator("input[name=evidence]").set_input_files(str(evidence))
    page.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã cập nhật")
    expect(page.get_by_role("link", name="bao-cao.pdf")).to_be_visible()
    page.get_by_label("Trạng thái").select_option("cho_xac_nhan")
    page.get_by_label("Ghi chú / kết quả").fill("Hoàn thành, gửi kèm báo cáo")
    page.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.locator(".flash-success")).to_contain_text("chờ Văn phòng xác nhận")
    shot(page, "08-chi-tiet-nhiem-vu-don-vi")
    # another unit's task, opened by id: not found
    response = page.goto(f"/tasks/{task_ext.id}")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("Không tìm thấy")
    page.goto("/")
    logout(page)

    login(page, "syt.canbo")
    page.goto(f"/tasks/{task_ext.id}")
    requested = new_deadline + timedelta(days=20)
    page.get_by_label("Hạn mới").fill(requested.isoformat())
    page.get_by_label("Lý do").fill("Chờ hướng dẫn của Bộ Y tế")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã gửi đề nghị gia hạn")
    logout(page)

    # --- 4. the clerk confirms completion --------------------------------------------
    login(page, "vanphong")
    page.goto("/tasks?status=cho_xac_nhan")
    shot(page, "09-cho-xac-nhan")
    page.goto(f"/tasks/{task_done.id}")
    page.get_by_role("button", name="Xác nhận hoàn thành").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã xác nhận hoàn thành")
    expect(page.locator(".meta")).to_contain_text("Hoàn thành đúng hạn")
    shot(page, "10-da-xac-nhan")
    logout(page)

    # --- 5. a leader approves the extension -----------------------------------------
    login(page, "lanhdao")
    page.goto("/tasks?ext=pending")
    page.get_by_role("link", name="Triển khai hồ sơ sức khỏe điện tử").click()
    page.get_by_label("Ý kiến").fill("Đồng ý gia hạn")
    shot(page, "11-duyet-gia-han")
    page.get_by_role("button", name="Duyệt gia hạn").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã duyệt gia hạn")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(f"hạn cũ {new_deadline.strftime('%d/%m/%Y')} "
                                     f"→ hạn mới {requested.strftime('%d/%m/%Y')}")
    shot(page, "12-lich-su-gia-han")
    with Session(engine) as s:
        assert s.get(Task, task_ext.id).deadline == requested
        assert s.get(Task, task_done.id).status == "hoan_thanh"
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_mobile_layout_and_csp(page: Page, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    csp_errors = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    login_page = page.goto("/login")
    assert "default-src 'self'" in login_page.headers["content-security-policy"]
    page.get_by_label("Tên đăng nhập").fill("stc.canbo")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Việc của đơn vị tôi")).to_be_visible()
    # the menu folds behind a toggle on a phone
    expect(page.get_by_role("link", name="Văn bản")).to_be_hidden()
    page.locator("label.nav-toggle-label").click()
    expect(page.get_by_role("link", name="Văn bản")).to_be_visible()
    shot(page, "13-dien-thoai")
    assert csp_errors == []


def test_csrf_missing_token_is_refused(page: Page):
    page.goto("/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'sai'")
    page.get_by_label("Tên đăng nhập").fill("vanphong")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("h1")).to_contain_text("Yêu cầu không hợp lệ")
