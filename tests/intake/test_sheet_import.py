"""Excel tracking sheets: layouts offices use, column guesses, failing rows, states, re-import."""
import io
from datetime import date
from datetime import datetime

import openpyxl
import pytest
from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import TaskEvent
from tracker.services import sheet_import


def workbook(rows, *, title_rows=2, merge_title=True) -> bytes:
    """A sheet with `title_rows` merged title rows above the header (header on row title_rows+1)."""
    book = openpyxl.Workbook()
    ws = book.active
    for i in range(title_rows):
        ws.append(["ỦY BAN NHÂN DÂN TỈNH" if i == 0 else "BẢNG THEO DÕI NHIỆM VỤ NĂM 2025"])
        if merge_title:
            ws.merge_cells(start_row=i + 1, start_column=1, end_row=i + 1, end_column=len(rows[0]))
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


HEADER = ["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn", "Tình trạng", "Kết quả",
          "Ngày hoàn thành"]
ROWS = [
    HEADER,
    [None, "I. LĨNH VỰC KINH TẾ"],
    [1, "Rà soát danh mục dự án chậm giải ngân", "Sở Tài chính", "Sở Xây dựng; Sở Y tế", datetime(2025, 3, 15),
     "Đang triển khai", None, None],
    [2, "Kiểm tra an toàn thực phẩm dịp Tết", "Sở Y tế", None, "20/01/2025", "Đã xong", "Đã kiểm tra 120 cơ sở",
     "18/01/2025"],
    [3, "Báo cáo tình hình lao động", "Sở Lao động cũ", None, "31/3/2025", "Chưa thực hiện", None, None],
    [4, "Tổng hợp kiến nghị cử tri", "Sở Nội vụ", None, "ngày mai", "đang làm", None, None],
    [5, "Cập nhật cơ sở dữ liệu đất đai", "Sở Tài chính", None, 45747, "Treo", None, None],
]


@pytest.fixture
def units(make_unit):
    return {name: make_unit(name, code=code, aliases=[name]) for name, code in (
        ("Sở Tài chính", "STC"), ("Sở Xây dựng", "SXD"), ("Sở Y tế", "SYT"), ("Sở Nội vụ", "SNV"))}


@pytest.mark.parametrize("title_rows", [2, 3])
def test_header_found_below_merged_titles_and_columns_guessed(title_rows):
    grid = sheet_import.read_grid(workbook(ROWS, title_rows=title_rows))
    index = sheet_import.find_header(grid)
    assert index == title_rows   # header on row 3 or 4
    assert sheet_import.guess_mapping(grid[index]) == {
        "action": 1, "lead": 2, "co": 3, "deadline": 4, "status": 5, "result": 6, "completed": 7}


def test_rows_checked_with_reasons(session, units):
    grid = sheet_import.read_grid(workbook(ROWS))
    index = sheet_import.find_header(grid)
    rows = sheet_import.plan_rows(session, grid, index, sheet_import.guess_mapping(grid[index]))
    by_number = {r.number: r for r in rows}
    assert by_number[4].skipped == "dòng tiêu đề nhóm"
    first = by_number[5]
    assert first.ok and first.deadline == date(2025, 3, 15) and first.status == "dang_thuc_hien"
    assert [u.name for u in first.co] == ["Sở Xây dựng", "Sở Y tế"]
    done = by_number[6]
    assert done.ok and done.status == "hoan_thanh" and done.completed == date(2025, 1, 18)
    assert done.deadline == date(2025, 1, 20)   # a date typed as text
    assert by_number[7].errors == ["không tìm thấy đơn vị “Sở Lao động cũ” trong danh mục"]
    assert any("hạn “ngày mai” không đọc được" in e for e in by_number[8].errors)
    assert by_number[9].deadline == date(2025, 3, 31)   # an Excel serial number
    assert any("trạng thái “Treo” chưa được ánh xạ" in e for e in by_number[9].errors)
    states = dict(sheet_import.state_table(grid, index, sheet_import.guess_mapping(grid[index])))
    assert states["Treo"] is None and states["Đã xong"] == "hoan_thanh"
    fixed = sheet_import.plan_rows(session, grid, index, sheet_import.guess_mapping(grid[index]), {"Treo": "tam_dung"})
    assert next(r for r in fixed if r.number == 9).ok


def _import_via_pages(client, data, **form):
    r = client.post("/imports/sheet", data={"file": (io.BytesIO(data), "theo-doi.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    url = r.headers["Location"]
    page = client.get(url)
    assert page.status_code == 200
    return url, page.get_data(as_text=True), client.post(url, data={"op": "import", **form})


def test_import_from_the_pages_and_reimport_does_not_duplicate(client, session, make_user, login, units):
    clerk = make_user("vanphong", "clerk")
    login(clerk)
    data = workbook(ROWS)
    url, preview, done = _import_via_pages(client, data, target="new", new_title="Theo dõi nhiệm vụ 2025",
                                           new_number="TD-2025", **{"state_count": "1", "state-0-text": "Treo",
                                                                    "state-0-code": "tam_dung"})
    assert "Sở Lao động cũ" in preview and 'id="state-table"' in preview and "Treo" in preview
    assert done.status_code == 302
    directive = session.exec(select(Directive).where(Directive.code == "TD-2025")).one()
    assert directive.state == "published"
    tasks = session.exec(select(Task).where(Task.directive_id == directive.id).order_by(Task.id)).all()
    assert [t.action for t in tasks] == ["Rà soát danh mục dự án chậm giải ngân", "Kiểm tra an toàn thực phẩm dịp Tết",
                                         "Cập nhật cơ sở dữ liệu đất đai"]
    assert tasks[1].status == "hoan_thanh" and tasks[1].completed_on == date(2025, 1, 18)
    assert tasks[1].result_note == "Đã kiểm tra 120 cơ sở" and tasks[2].status == "tam_dung"
    assert len(session.exec(select(TaskCoUnit).where(TaskCoUnit.task_id == tasks[0].id)).all()) == 2
    events = session.exec(select(TaskEvent).where(TaskEvent.task_id == tasks[0].id)).all()
    assert events[0].kind == "created" and "nhập từ bảng tính" in events[0].note

    # the same sheet again, one state changed: no new task, one updated with its history
    changed = [list(r) for r in ROWS]
    changed[2][5] = "Hoàn thành"
    url, _, again = _import_via_pages(client, workbook(changed), target="existing", directive_id=str(directive.id),
                                      **{"state_count": "1", "state-0-text": "Treo", "state-0-code": "tam_dung"})
    assert again.status_code == 302
    session.expire_all()
    assert len(session.exec(select(Task).where(Task.directive_id == directive.id)).all()) == 3
    first = session.get(Task, tasks[0].id)
    assert first.status == "hoan_thanh" and first.progress == 100
    kinds = [e.kind for e in session.exec(select(TaskEvent).where(TaskEvent.task_id == first.id)).all()]
    assert kinds == ["created", "status"]


def test_document_column_makes_a_directive_per_code(client, session, make_user, login, units):
    login(make_user("vanphong", "clerk"))
    rows = [["Văn bản", "Nội dung", "Đơn vị chủ trì", "Hạn"],
            ["12/TB-UBND", "Rà soát quy hoạch", "Sở Tài chính", "30/06/2025"],
            ["15/CT-UBND", "Kiểm tra dịch bệnh", "Sở Y tế", "30/07/2025"],
            ["12/TB-UBND", "Báo cáo giải ngân", "Sở Tài chính", "31/07/2025"]]
    _, _, done = _import_via_pages(client, workbook(rows, title_rows=0), target="column")
    assert done.status_code == 302
    codes = {d.code: d for d in session.exec(select(Directive)).all()}
    assert set(codes) == {"12/TB-UBND", "15/CT-UBND"}
    assert len(session.exec(select(Task).where(Task.directive_id == codes["12/TB-UBND"].id)).all()) == 2


def test_refusals(client, make_user, login):
    login(make_user("vanphong", "clerk"))
    r = client.post("/imports/sheet", data={"file": (io.BytesIO(b"STT,Noi dung"), "a.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "không phải bảng tính" in r.get_data(as_text=True)
    r = client.post("/imports/sheet", data={"file": (io.BytesIO(workbook([["a", "b"], ["1", "2"]])), "a.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "dòng tiêu đề" in r.get_data(as_text=True)
    assert client.get("/imports/sheet/" + "0" * 32).status_code == 404


def test_reimport_of_a_delegated_task_rolls_up_to_its_parent(client, session, make_user, make_unit, login, units):
    from tracker.services import delegation

    division = make_unit("Phòng Ngân sách", code="STC-NS", aliases=["Phòng Ngân sách"])
    division.parent_id = units["Sở Tài chính"].id
    session.add(division)
    session.commit()
    login(make_user("vanphong", "clerk"))
    rows = [HEADER, [1, "Rà soát danh mục dự án chậm giải ngân", "Sở Tài chính", None, "15/03/2031", "Đang triển khai",
                     None, None]]
    _url, _preview, done = _import_via_pages(client, workbook(rows), target="new", new_title="Theo dõi",
                                             new_number="TD-2031")
    assert done.status_code == 302
    parent = session.exec(select(Task).where(Task.action == rows[1][1])).one()
    head = make_user("truong.stc", "head", units["Sở Tài chính"])
    child = delegation.delegate(session, head, parent, unit_id=division.id, action="Rà soát dự án của phòng")
    session.commit()
    # the office's sheet now tracks the division's part as finished
    rows.append([2, "Rà soát dự án của phòng", "Phòng Ngân sách", None, "15/03/2031", "Hoàn thành", None,
                 "01/03/2031"])
    _url, _preview, again = _import_via_pages(client, workbook(rows), target="existing",
                                              directive_id=str(parent.directive_id))
    assert again.status_code == 302
    session.expire_all()
    assert session.get(Task, child.id).status == "hoan_thanh"
    assert session.get(Task, parent.id).progress == 100
    assert session.exec(select(TaskEvent).where(TaskEvent.task_id == parent.id, TaskEvent.kind == "rollup")).all()
