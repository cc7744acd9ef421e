"""The streaming xlsx writer: what it writes opens in openpyxl as the same values and formats."""
import io
import zipfile
from datetime import date
from datetime import datetime

from openpyxl import load_workbook

from tracker.services import xlsx_stream


def test_cells_formats_and_print_setup_round_trip():
    book = xlsx_stream.Workbook()
    bold = book.add_format({"bold": True, "align": "center", "border": 1})
    same = book.add_format({"border": 1, "align": "center", "bold": True})
    dated = book.add_format({"num_format": 'dd/mm/yyyy" (hằng tháng)"'})
    assert bold == same  # one style per distinct format
    ws = book.add_worksheet("Bà Rịa's")
    ws.set_column(0, 0, 20)
    ws.merge_range(0, 0, 0, 2, "Tiêu đề", bold)
    ws.write_string(1, 2, "=HYPERLINK(\"x\")", bold)  # written out of column order, still a string
    ws.write_string(1, 0, "a < b & c\x01\x0b end", 0)
    ws.write_number(1, 1, 12.5, 0)
    ws.write_datetime(2, 0, datetime(2025, 6, 25), dated)
    ws.write_datetime(2, 1, date(1900, 3, 1), 0)
    ws.repeat_rows(1)
    ws.freeze_panes(2, 0)
    data = book.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    assert "<f>" not in sheet and "'Bà Rịa''s'!$2:$2" in workbook
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "Bà Rịa's"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:C1"]
    assert ws["A1"].value == "Tiêu đề" and ws["A1"].font.bold and ws["A1"].alignment.horizontal == "center"
    assert ws["A2"].value == "a < b & c end" and ws["B2"].value == 12.5
    assert ws["C2"].value == '=HYPERLINK("x")' and ws["C2"].data_type == "s"
    assert ws["A3"].value == datetime(2025, 6, 25) and ws["A3"].number_format == 'dd/mm/yyyy" (hằng tháng)"'
    assert ws["B3"].value == 61  # the serial Excel gives 01/03/1900 (no date format: a number)
    assert ws.freeze_panes == "A3" and ws.column_dimensions["A"].width == 20
    assert ws["A2"].font.name == "Times New Roman"
