"""Leadership views in a real browser (headless Chromium).

Run separately:
    .venv/bin/python -m pytest -p playwright tests/e2e -o addopts="" -o pythonpath=.

A leader watches the dashboard figures change after a unit reports a task done and the
clerk confirms it, drills down to one unit's overdue tasks and its task page, and
downloads the Excel list, which is opened with openpyxl and checked cell by cell.

Uses the shared live server of tests/e2e/conftest.py (`live_app`, `live_server`,
`browser`, `shot`); this test adds its own two units, accounts and tasks to that
database, so the figures it checks are those units' rows (other e2e tests change other
units' tasks; the province totals are checked as differences).
"""
import io
import re
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from tracker.models import Directive
from tracker.models import Task
from tracker.models import Unit
from tracker.services import accounts
from tracker.services.clock import local_today
from tracker.services.search import search_text_for_directive
from tracker.services.search import search_text_for_task

PASSWORD = "matkhau-e2e-123"
FINANCE = "Sở Tài chính Thử nghiệm"
HEALTH = "Sở Y tế Thử nghiệm"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def leadership_site(live_app, live_server):
    """Two units of our own, a leader, a clerk and a staff member, and three tasks."""
    today = local_today()
    with Session(live_app.extensions["engine"], expire_on_commit=False) as session:
        finance = Unit(code="E2E-STC", name=FINANCE, kind="department", aliases=[])
        health = Unit(code="E2E-SYT", name=HEALTH, kind="department", aliases=[])
        session.add_all([finance, health])
        session.flush()
        for login, role, unit, name in (("e2e.lanhdao", "leader", None, "Chủ tịch UBND tỉnh"),
                                        ("e2e.vanphong", "clerk", None, "Văn phòng UBND tỉnh"),
                                        ("e2e.canbo", "staff", finance, "Cán bộ Sở Tài chính")):
            accounts.create_user(session, login=login, role=role, password=PASSWORD, display_name=name,
                                 unit_ref=unit.id if unit else None)
        directive = Directive(code="45/TB-E2E", number="45", kind="thong_bao_ket_luan", state="published",
                              title="Thông báo kết luận về giải ngân vốn đầu tư công", source_text="(văn bản)",
                              signer="Nguyễn Văn An", issued_date=today - timedelta(days=60))
        directive.search_text = search_text_for_directive(directive)
        session.add(directive)
        session.flush()
        tasks = {}
        for key, unit, action, deadline in (
            ("open", finance, "Báo cáo kết quả giải ngân vốn đầu tư công quý I", today + timedelta(days=10)),
            ("overdue", finance, "Rà soát, đề xuất điều chỉnh kế hoạch vốn các dự án chậm tiến độ",
             today - timedelta(days=5)),
            ("other", health, "Kiểm tra công tác phòng, chống dịch sốt xuất huyết", today - timedelta(days=20)),
        ):
            task = Task(directive_id=directive.id, lead_unit_id=unit.id, action=action, deadline=deadline,
                        owner_text=unit.name, search_text=search_text_for_task(action, directive, unit.name))
            session.add(task)
            session.flush()
            tasks[key] = task.id
        session.commit()
        ids = {"finance": finance.id, "health": health.id, **tasks}
    return {"base": live_server, "ids": ids, "today": today}


def _login(browser, base, login):
    context = browser.new_context(accept_downloads=True, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{login} could not log in"
    return page


def _totals(page) -> dict:
    cells = page.locator("#totals td[data-col]").all()
    return {c.get_attribute("data-col"): int(c.inner_text().replace(".", "").rstrip("%").split(",")[0])
            for c in cells if c.get_attribute("data-col") != "ty_le_dung_han"}


def _unit_figures(page, unit_id):
    row = page.locator(f'#units tr[data-unit="{unit_id}"]')
    return {cell.get_attribute("data-col"): cell.inner_text().strip() for cell in row.locator("td[data-col]").all()}


def test_leader_follows_a_completion_drills_down_and_downloads_excel(browser, leadership_site, shot):
    base, ids, today = leadership_site["base"], leadership_site["ids"], leadership_site["today"]
    leader = _login(browser, base, "e2e.lanhdao")
    leader.goto(base + "/dashboard")
    assert leader.locator("h1").inner_text() == "Tổng hợp tình hình thực hiện nhiệm vụ"
    before = _unit_figures(leader, ids["finance"])
    total_before = _totals(leader)
    assert before == {"tong_so": "2", "hoan_thanh_dung_han": "0", "hoan_thanh_qua_han": "0",
                      "chua_hoan_thanh_trong_han": "1", "chua_hoan_thanh_qua_han": "1", "khong_co_han": "0",
                      "ty_le_dung_han": "0,0%"}

    # the unit reports the task done, the clerk confirms it
    staff = _login(browser, base, "e2e.canbo")
    staff.goto(f"{base}/tasks/{ids['open']}")
    staff.select_option("select[name=state]", "cho_xac_nhan")
    staff.fill("textarea[name=note]", "Đã gửi báo cáo số 12/BC-STC về kết quả giải ngân quý I")
    staff.get_by_role("button", name="Lưu cập nhật").click()
    staff.wait_for_load_state()
    # reported but not confirmed: still not done on the dashboard
    leader.reload()
    assert _unit_figures(leader, ids["finance"])["hoan_thanh_dung_han"] == "0"
    clerk = _login(browser, base, "e2e.vanphong")
    clerk.goto(f"{base}/tasks/{ids['open']}")
    clerk.get_by_role("button", name="Xác nhận hoàn thành").click()
    clerk.wait_for_load_state()

    leader.reload()
    after = _unit_figures(leader, ids["finance"])
    assert after == {"tong_so": "2", "hoan_thanh_dung_han": "1", "hoan_thanh_qua_han": "0",
                     "chua_hoan_thanh_trong_han": "0", "chua_hoan_thanh_qua_han": "1", "khong_co_han": "0",
                     "ty_le_dung_han": "50,0%"}
    total_after = _totals(leader)
    assert total_after["hoan_thanh_dung_han"] == total_before["hoan_thanh_dung_han"] + 1
    assert total_after["chua_hoan_thanh_trong_han"] == total_before["chua_hoan_thanh_trong_han"] - 1
    shot(leader, "lanh-dao-tong-hop", full_page=False)
    # charts are inline SVG
    assert leader.locator("svg.chart").count() >= 2

    # drill down: Sở Tài chính's overdue figure -> its overdue list -> the task page
    leader.locator(f'#units tr[data-unit="{ids["finance"]}"] td[data-col="chua_hoan_thanh_qua_han"] a').click()
    leader.wait_for_load_state()
    assert FINANCE in leader.locator("h1").inner_text()
    shot(leader, "lanh-dao-qua-han-don-vi", full_page=False)
    rows = leader.locator("#overdue tbody tr[data-task]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-task") == str(ids["overdue"])
    assert rows.first.locator("td").nth(5).inner_text() == "5"
    overdue_list_url = leader.url

    # Excel download of the unit's overdue list, checked cell by cell
    with leader.expect_download() as info:
        leader.get_by_role("link", name="Tải Excel").click()
    download = info.value
    assert re.fullmatch(r"nhiem-vu-qua-han-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = workbook["Nhiệm vụ"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "STT")  # the office layout: header rows above
    above = " ".join(str(c) for r in rows[:head] for c in r if c)
    assert "DANH MỤC NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN" in above
    assert f"Tính đến ngày {today:%d/%m/%Y}; đơn vị {FINANCE}; tình trạng: quá hạn" in above
    assert rows[head][:8] == ["STT", "Nội dung nhiệm vụ", "Văn bản giao", "Đơn vị chủ trì",
                              "Đơn vị phối hợp", "Thời hạn", "Tình trạng", "Kết quả thực hiện"]
    deadline = today - timedelta(days=5)
    issued = today - timedelta(days=60)
    data = [r for r in rows[head + 1:] if isinstance(r[0], int)]
    assert len(data) == 1
    row = data[0]
    assert row[:5] == [1, "Rà soát, đề xuất điều chỉnh kế hoạch vốn các dự án chậm tiến độ",
                       f"45/TB-E2E ngày {issued:%d/%m/%Y}", FINANCE, None]
    assert row[5] in (f"{deadline:%d/%m/%Y}", datetime.combine(deadline, datetime.min.time()))  # a real date now
    assert row[6:8] == ["Chưa hoàn thành, quá hạn 5 ngày", None]

    # the task page opens from the list
    leader.goto(overdue_list_url)
    leader.locator("#overdue tbody tr[data-task] td").nth(1).locator("a").click()
    leader.wait_for_load_state()
    assert leader.url.endswith(f"/tasks/{ids['overdue']}")
    assert "Rà soát, đề xuất điều chỉnh kế hoạch vốn" in leader.content()

    # and the whole dashboard to Excel keeps the new figures
    leader.goto(base + "/dashboard")
    with leader.expect_download() as info:
        leader.get_by_role("link", name="Tải Excel (tổng hợp)").click()
    summary = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))["Tổng hợp"]
    by_unit = {row[1]: row for row in summary.iter_rows(values_only=True) if isinstance(row[1], str)}
    assert by_unit[FINANCE][2:9] == (2, 1, 0, 0, 1, 0, 50.0)
    assert by_unit[HEALTH][2:9] == (1, 0, 0, 0, 1, 0, 0.0)
    assert by_unit["Tổng cộng"][2:8] == tuple(total_after[c] for c in (
        "tong_so", "hoan_thanh_dung_han", "hoan_thanh_qua_han", "chua_hoan_thanh_trong_han",
        "chua_hoan_thanh_qua_han", "khong_co_han"))
