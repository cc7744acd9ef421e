"""The documents' layout read from their XML: the .docx (Nghị định 30/2020, Phụ lục I) and the .xlsx."""
import io
import re
import zipfile

import pytest
from docx import Document
from docx.shared import Pt
from openpyxl import load_workbook

from tests.reports.conftest import EXPECTED_Q2
from tests.reports.conftest import EXPECTED_Q2_TOTAL
from tests.reports.conftest import TODAY
from tracker.services import accounts


@pytest.fixture
def frozen(monkeypatch):
    import tracker.web.dashboard as dashboard
    import tracker.web.reports as reports

    monkeypatch.setattr(reports, "local_today", lambda now=None: TODAY)
    monkeypatch.setattr(dashboard, "local_today", lambda now=None: TODAY)


@pytest.fixture
def org(app):
    app.config.update(ORG_PARENT="Ủy ban nhân dân tỉnh Thanh Hóa", ORG_NAME="Văn phòng",
                      ORG_PLACE="Thanh Hóa", REPORT_SIGNER_TITLE="KT. Chánh Văn phòng\nPhó Chánh Văn phòng")


def _docx(client, session, user, query="from=2025-04-01&to=2025-06-30"):
    token = accounts.issue_api_token(session, user, "t")
    session.commit()
    response = client.get(f"/api/v1/reports/periodic.docx?{query}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("wordprocessingml.document")
    return response.data


def _runs(paragraphs):
    return [r for p in paragraphs for r in p.runs if r.text.strip()]


def test_docx_layout_and_figures(client, session, quarters, frozen, org):
    doc = Document(io.BytesIO(_docx(client, session, quarters.users["leader"])))
    first, appendix = doc.sections[0], doc.sections[-1]
    def mm(values):  # stored in twips: compare to the tenth of a millimetre
        return tuple(round(v.mm, 1) for v in values)

    assert mm((first.page_width, first.page_height)) == (210.0, 297.0)
    margins = (first.top_margin, first.bottom_margin, first.left_margin, first.right_margin)
    assert mm(margins) == (20.0, 20.0, 30.0, 15.0)
    assert mm((appendix.page_width, appendix.page_height)) == (297.0, 210.0)  # the appendix on A4 landscape
    header = doc.tables[0]
    left = [p.text for p in header.rows[0].cells[0].paragraphs if p.text]
    right = header.rows[0].cells[1].paragraphs
    assert left == ["ỦY BAN NHÂN DÂN TỈNH THANH HÓA", "VĂN PHÒNG"]
    assert right[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and right[0].runs[0].font.size == Pt(13)
    assert right[0].runs[0].font.bold
    assert right[1].text == "Độc lập - Tự do - Hạnh phúc" and right[1].runs[0].font.size == Pt(14)
    assert right[1].runs[0].font.bold
    assert header.rows[1].cells[0].paragraphs[0].text.startswith("Số:")
    assert header.rows[1].cells[1].paragraphs[0].text == "Thanh Hóa, ngày 15 tháng 07 năm 2025"
    assert header.rows[1].cells[1].paragraphs[0].runs[0].font.italic
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Kết quả thực hiện nhiệm vụ do UBND tỉnh, Chủ tịch UBND tỉnh giao quý II năm 2025" in texts
    body = [p for p in doc.paragraphs if p.text.startswith("Trong quý II năm 2025")]
    assert body and body[0].runs[0].font.size == Pt(14) and body[0].paragraph_format.first_line_indent
    narrative = "\n".join(texts)
    assert "tổng số nhiệm vụ được giao đến hạn hoặc phát sinh trong kỳ là 7 nhiệm vụ" in narrative
    assert "Tỷ lệ hoàn thành đúng hạn đạt 40,0%" in narrative
    assert "So với quý I năm 2025" in narrative and "Sở Y tế (2 nhiệm vụ)" in narrative
    assert "gia hạn 1 lượt" in narrative
    # every run in Times New Roman, body and header 13-14 pt, lists 11-12 pt
    runs = _runs(doc.paragraphs) + [r for t in doc.tables for row in t.rows for c in row.cells
                                    for r in _runs(c.paragraphs)]
    assert runs and {r.font.name for r in runs} == {"Times New Roman"}
    docx = _docx(client, session, quarters.users["clerk"])
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert 'w:ascii="Times New Roman"' in xml and "Calibri" not in xml
    # signature block and Nơi nhận
    signature = doc.tables[1]
    assert signature.rows[0].cells[0].paragraphs[0].text == "Nơi nhận:"
    assert signature.rows[0].cells[1].paragraphs[0].text.startswith("KT. CHÁNH VĂN PHÒNG")
    # the appendix: one row per unit, the totals row, the heading row repeated on each page
    table = doc.tables[-1]
    assert table.rows[0]._tr.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") \
        is not None
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0][:3] == ["STT", "Đơn vị", "Tổng số"]
    by_name = {r[1]: r for r in rows[1:]}
    for name, expected in EXPECTED_Q2.items():
        assert by_name[name][2:8] == [str(expected[k]) for k in ("tong_so", "hoan_thanh_dung_han", "hoan_thanh_qua_han",
                                                                "chua_hoan_thanh_trong_han", "chua_hoan_thanh_qua_han",
                                                                "khong_co_han")]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][2] == str(EXPECTED_Q2_TOTAL["tong_so"])
    assert rows[-1][8] == "40,0"


def test_the_office_edits_the_narrative_before_downloading(client, login, quarters, frozen):
    login(quarters.users["clerk"])
    page = client.get("/reports/?from=2025-04-01&to=2025-06-30")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tỷ lệ hoàn thành đúng hạn đạt 40,0%" in html and 'data-col="tong_so">7<' in html
    edited = "Đoạn thứ nhất do Văn phòng viết lại.\n\nĐoạn thứ hai\x01 có ký tự điều khiển."
    response = client.post("/reports/periodic.docx", data={"from": "2025-04-01", "to": "2025-06-30",
                                                           "narrative": edited, "number": "123/BC-VP",
                                                           "signer_name": "Lê Văn C"})
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.data))
    texts = [p.text for p in doc.paragraphs]
    assert "Đoạn thứ nhất do Văn phòng viết lại." in texts and "Đoạn thứ hai có ký tự điều khiển." in texts
    assert not any(t.startswith("Trong quý II") for t in texts)
    assert doc.tables[0].rows[1].cells[0].paragraphs[0].text == "Số: 123/BC-VP"
    assert doc.tables[1].rows[0].cells[1].paragraphs[-1].text == "Lê Văn C"


def test_report_pages_refuse_unit_staff(client, login, quarters, frozen):
    login(quarters.users["A"])
    assert client.get("/reports/?from=2025-04-01&to=2025-06-30").status_code == 403
    assert client.post("/reports/periodic.docx", data={"from": "2025-04-01", "to": "2025-06-30"}).status_code == 403


def _sheet_xml(data: bytes) -> tuple[str, str, str]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return (z.read("xl/worksheets/sheet1.xml").decode(), z.read("xl/workbook.xml").decode(),
            z.read("xl/styles.xml").decode())


def test_xlsx_office_layout(client, login, quarters, frozen, org):
    login(quarters.users["leader"])
    data = client.get("/exports/tasks.xlsx?from=01/04/2025&to=30/06/2025").data
    sheet, book, styles = _sheet_xml(data)
    # A4 landscape fitted to the width, page numbers, print titles (the heading row), frozen pane
    assert re.search(r'<pageSetup paperSize="9"[^>]*orientation="landscape"', sheet)
    assert 'fitToWidth="1"' in sheet and "&amp;P/&amp;N" in sheet
    assert "_xlnm.Print_Titles" in book and "!$6:$6" in book
    assert 'ySplit="6"' in sheet and 'state="frozen"' in sheet
    assert '<name val="Times New Roman"/>' in styles and "Calibri" not in styles
    assert 'formatCode="dd/mm/yyyy"' in styles
    assert not re.search(r"<(\w+:)?f[ >/]", sheet)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:H4", "A5:H5", "A1:B1", "G1:H1", "G2:H2"} <= merged
    assert ws["A1"].value == "ỦY BAN NHÂN DÂN TỈNH THANH HÓA" and ws["A2"].value == "VĂN PHÒNG"
    assert ws["A4"].alignment.horizontal == "center" and ws["A4"].font.bold and ws["A4"].font.size == 14
    assert ws["F7"].is_date and ws["F7"].number_format == "dd/mm/yyyy"
    assert ws.column_dimensions["B"].width == 60 and ws["B7"].alignment.wrap_text
    assert {ws.cell(row=r, column=c).font.name for r in range(1, ws.max_row + 1) for c in range(1, 9)
            if ws.cell(row=r, column=c).value is not None} == {"Times New Roman"}
    values = [tuple(c.value for c in row) for row in ws.iter_rows()]
    totals = [r for r in values if isinstance(r[0], str) and r[0].startswith("Tổng cộng")]
    assert totals == [("Tổng cộng: 6 nhiệm vụ",) + (None,) * 7]  # the dashboard's deadline filter: c1 has none
    tail = [v for r in values[-3:] for v in r if v]
    assert tail == ["Thanh Hóa, ngày 15 tháng 07 năm 2025", "KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG"]
