"""Look before trusting: LibreOffice renders the report and the export to PDF with the page set-up
the files ask for (skipped where LibreOffice and poppler are not installed; scripts/test.sh installs them)."""
import re
import shutil
import subprocess

import pytest

from tests.reports.conftest import TODAY
from tracker.services import exports
from tracker.services import periodic
from tracker.services import report_docx
from tracker.services import sheet_layout
from tracker.services import stats

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdfinfo")),
                                reason="LibreOffice (soffice) or poppler (pdfinfo) not installed")


def _pdf(path, tmp_path):
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=300)
    info = subprocess.run(["pdfinfo", str(path.with_suffix(".pdf"))], check=True, capture_output=True,
                          text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(path.with_suffix(".pdf"))], check=True,
                           capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path.with_suffix(".pdf")), "-"], check=True,
                          capture_output=True, text=True).stdout
    return pages, re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", sizes), text


def test_libreoffice_renders_the_report_on_a4(session, quarters, tmp_path):
    data = periodic.report_data(session, periodic.Period(TODAY.replace(month=4, day=1), TODAY.replace(month=6, day=30)),
                                today=TODAY)
    heading = report_docx.Heading("Ủy ban nhân dân tỉnh Thanh Hóa", "Văn phòng", "Thanh Hóa", "Chánh Văn phòng",
                                  issued=TODAY)
    path = tmp_path / "bao-cao.docx"
    path.write_bytes(report_docx.report_docx(data, heading, periodic.narrative(data)))
    pages, sizes, text = _pdf(path, tmp_path)
    assert pages >= 2
    portrait = [(round(float(w)), round(float(h))) for w, h in sizes]
    assert portrait[0] == (595, 842)  # A4 portrait in points
    assert portrait[-1] == (842, 595)  # the appendix on A4 landscape
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "PHỤ LỤC" in text and "Sở Y tế" in text


def test_libreoffice_prints_the_export_on_a4_landscape(session, quarters, tmp_path):
    path = tmp_path / "tong-hop.xlsx"
    heading = sheet_layout.Heading("Ủy ban nhân dân tỉnh Thanh Hóa", "Văn phòng", "Thanh Hóa", "Chánh Văn phòng",
                                   day=TODAY)
    path.write_bytes(exports.dashboard_xlsx(session, stats.Filters(), today=TODAY, heading=heading))
    pages, sizes, text = _pdf(path, tmp_path)
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(842, 595)}
    assert "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO ĐƠN VỊ" in text and "Tổng cộng" in text
    assert "Trang 1/" in text and "Thanh Hóa, ngày 15 tháng 07 năm 2025" in text
