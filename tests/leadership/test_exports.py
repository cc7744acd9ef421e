"""Excel and CSV exports, opened with openpyxl / csv and checked cell by cell.

Workbooks are in office layout (national header rows 1-2, title row 4, subtitle row 5,
headings row 6, data from row 7, then a totals row and the signature block); deadlines
are real dates."""
import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.leadership.conftest import TODAY
from tracker.services import exports

OVERDUE_ROWS = [
    (1, "Kiểm tra công tác phòng chống dịch sốt xuất huyết", "12/CT-UBND ngày 01/03/2025", "Sở Y tế", None,
     "31/03/2025", "Chưa hoàn thành, quá hạn 76 ngày", None),
    (2, "Hoàn thiện dự thảo quy chế phối hợp", "45/TB-UBND ngày 01/04/2025", "Sở Tài chính",
     "Sở Y tế; UBND huyện Hòa Bình", "01/06/2025", "Chưa hoàn thành, quá hạn 14 ngày (bị trả lại)", "Tiến độ 100%"),
    (3, "Đề xuất phương án xử lý nợ đọng xây dựng cơ bản", "45/TB-UBND ngày 01/04/2025", "Sở Tài chính", None,
     "14/06/2025", "Chưa hoàn thành, quá hạn 1 ngày", None),
]


@pytest.fixture
def frozen_today(monkeypatch):
    import tracker.web.dashboard as dashboard

    monkeypatch.setattr(dashboard, "local_today", lambda now=None: TODAY)
    return TODAY


H = exports.HEADER_ROWS  # data starts at this 0-based row


def _sheet_rows(ws):
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def _data(rows, n_trailer=exports.TRAILER_ROWS):
    """The data rows between the headings and the totals row/signature block."""
    return rows[H:len(rows) - n_trailer]


def _as_text(row):
    """Dates back to the DD/MM/YYYY text the CSV holds."""
    return tuple(v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v for v in row)


def _none_if_empty(row):
    return tuple(None if v == "" else v for v in row)


def test_overdue_list_to_excel_cell_by_cell(client, login, province, frozen_today):
    login(province.users["leader"])
    response = client.get("/exports/tasks.xlsx?state=qua_han")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('2025-06-15.xlsx"')
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb["Nhiệm vụ"]
    rows = _sheet_rows(ws)
    assert rows[0][-2] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and rows[1][-2] == "Độc lập - Tự do - Hạnh phúc"
    assert rows[3][0] == "DANH MỤC NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN"
    assert rows[4][0] == "Tính đến ngày 15/06/2025; tình trạng: quá hạn"
    assert rows[5] == ("STT", "Nội dung nhiệm vụ", "Văn bản giao", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn",
                       "Tình trạng", "Kết quả thực hiện")
    assert [_as_text(_none_if_empty(r)) for r in _data(rows)] == OVERDUE_ROWS
    assert ws["F7"].is_date and ws["F7"].number_format == "dd/mm/yyyy"
    assert rows[H + 3][0] == "Tổng cộng: 3 nhiệm vụ"
    assert ws["B6"].font.bold and ws["B7"].alignment.wrap_text and ws["B7"].font.name == "Times New Roman"


def test_filtered_list_export_follows_the_filters(client, login, province, frozen_today):
    login(province.users["clerk"])
    unit_a = province.units["A"].id
    response = client.get(f"/exports/tasks.xlsx?unit={unit_a}&q=bao+cao")
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = _data(_sheet_rows(ws))
    assert [r[1] for r in rows] == ["Báo cáo kết quả giải ngân quý I", "Báo cáo nhanh tình hình giải ngân"]
    assert [r[6] for r in rows] == ["Hoàn thành đúng hạn", "Chưa hoàn thành, trong hạn"]
    everything = load_workbook(io.BytesIO(client.get("/exports/tasks.xlsx").data)).active
    data = _data(_sheet_rows(everything))
    assert len(data) == 16
    assert [r[0] for r in data] == list(range(1, 17))
    # no deadline last; a recurring occurrence is a real date shown with its rhythm
    assert data[-1][5] == "Không có hạn"
    recurring = [c for row in everything.iter_rows(min_row=H + 1) for c in row[5:6]
                 if c.value == datetime(2025, 6, 25)]
    assert recurring and recurring[0].number_format == 'dd/mm/yyyy" (hằng tháng)"'
    pending = [r for r in data if r[1] == "Đôn đốc các chủ đầu tư đẩy nhanh tiến độ"][0]
    assert pending[6] == "Chưa hoàn thành, trong hạn (đơn vị báo hoàn thành, chờ xác nhận)"
    by_status = load_workbook(io.BytesIO(client.get("/exports/tasks.xlsx?status=cho_xac_nhan").data)).active
    assert [r[1] for r in _data(_sheet_rows(by_status))] == ["Đôn đốc các chủ đầu tư đẩy nhanh tiến độ"]


def test_csv_is_utf8_with_bom_in_the_official_layout(client, login, province, frozen_today):
    login(province.users["leader"])
    response = client.get("/exports/tasks.csv?state=chua_hoan_thanh_qua_han")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == list(exports.TASK_COLUMNS)
    assert [tuple(r) for r in rows[1:]] == [tuple("" if v is None else str(v) for v in row) for row in OVERDUE_ROWS]


def test_unit_staff_export_only_what_they_may_see(client, login, province, frozen_today):
    login(province.users["C"])
    rows = list(csv.reader(io.StringIO(client.get("/exports/tasks.csv").data.decode("utf-8-sig"))))[1:]
    # their own task and the one they coordinate
    assert sorted(r[1] for r in rows) == ["Hoàn thiện dự thảo quy chế phối hợp", "Tổ chức ra quân làm sạch môi trường"]
    assert client.get("/exports/tasks.csv?state=unknown").status_code == 422


def test_dashboard_export_to_excel_and_csv(client, login, province, frozen_today):
    login(province.users["leader"])
    response = client.get("/dashboard/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Tổng hợp", "Quá hạn"]
    rows = _sheet_rows(wb["Tổng hợp"])
    assert rows[3][0] == "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO ĐƠN VỊ"
    assert rows[5] == exports.UNIT_COLUMNS
    assert _data(rows, 3) == [
        (1, "Sở Y tế", 6, 2, 1, 1, 1, 1, 50.0, 1),
        (2, "Sở Tài chính", 9, 2, 1, 3, 2, 1, 40.0, 2),
        (3, "UBND huyện Hòa Bình", 1, 0, 0, 0, 0, 1, None, None),
        (None, "Tổng cộng", 16, 4, 2, 4, 3, 3, 44.4, None),
    ]
    overdue = _sheet_rows(wb["Quá hạn"])
    assert overdue[5] == exports.TASK_COLUMNS
    assert [_as_text(_none_if_empty(r)) for r in _data(overdue)] == OVERDUE_ROWS

    text = client.get("/dashboard/export.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0] == list(exports.UNIT_COLUMNS)
    assert rows[1] == ["1", "Sở Y tế", "6", "2", "1", "1", "1", "1", "50.0", "1"]
    assert rows[-1] == ["", "Tổng cộng", "16", "4", "2", "4", "3", "3", "44.4", ""]


def test_dashboard_export_keeps_the_filters(client, login, province, frozen_today):
    login(province.users["leader"])
    wb = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?signer=Trần Thị Bình").data))
    rows = _sheet_rows(wb["Tổng hợp"])
    assert rows[4][0] == "Tính đến ngày 15/06/2025; lãnh đạo chỉ đạo Trần Thị Bình"
    assert _data(rows, 3) == [(1, "Sở Y tế", 1, 0, 0, 0, 1, 0, 0.0, 1),
                              (None, "Tổng cộng", 1, 0, 0, 0, 1, 0, 0.0, None)]


def test_list_page_scopes_and_export_links(app, client, login, province, frozen_today):
    login(province.users["A"])
    lead = list(csv.reader(io.StringIO(client.get("/exports/tasks.csv?scope=lead").data.decode("utf-8-sig"))))[1:]
    assert len(lead) == 9 and {r[3] for r in lead} == {"Sở Tài chính"}
    client.post("/logout")
    login(province.users["B"])
    co = list(csv.reader(io.StringIO(client.get("/exports/tasks.csv?scope=co").data.decode("utf-8-sig"))))[1:]
    assert [r[1] for r in co] == ["Hoàn thiện dự thảo quy chế phối hợp"]
    with app.test_request_context():
        from flask import render_template

        html = render_template("dashboard/_export_links.html", export_args={"state": "qua_han", "q": "quý I"})
    assert "/exports/tasks.xlsx?state=qua_han&amp;q=qu%C3%BD+I" in html and "Tải CSV" in html
