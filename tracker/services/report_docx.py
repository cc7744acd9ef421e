"""The periodic report as a .docx in the layout of Nghị định 30/2020/NĐ-CP, Phụ lục I.

A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; body
14 pt justified with a first-line indent; the two-column header (issuing body on the
left, Quốc hiệu 13 pt bold capitals and Tiêu ngữ 14 pt bold on the right), the number
and the place-date line, the title, the narrative, the signature block with "Nơi nhận",
then the appendix table per unit on an A4 landscape page.
"""
import io
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt

from tracker.services import stats
from tracker.services.periodic import ReportData

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 11
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
HEADER_WIDTHS_MM = (62, 103)  # issuing body | Quốc hiệu and Tiêu ngữ (165 mm of text width)
APPENDIX_COLUMNS = ("STT", "Đơn vị", "Tổng số", "HT đúng hạn", "HT quá hạn", "Chưa HT trong hạn",
                    "Chưa HT quá hạn", "Không có hạn", "Tỷ lệ đúng hạn (%)", "Đã hủy (không tính)")


@dataclass
class Heading:
    """What the header and signature say; from the settings and the page's form."""

    org_parent: str
    org_name: str
    place: str
    signer_title: str
    signer_name: str = ""
    number: str = "       /BC-VP"
    issued: date | None = None
    recipients: tuple[str, ...] = ("Chủ tịch, các Phó Chủ tịch UBND tỉnh (để b/c);", "Các sở, ban, ngành;",
                                   "UBND các huyện, thị xã, thành phố;", "Lưu: VT.")


def _font(run, size=BODY_PT, bold=False, italic=False):
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    return run


def _para(container, text="", size=BODY_PT, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False, after=0):
    p = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(0)
    if indent:
        p.paragraph_format.first_line_indent = Mm(12.7)
    if text:
        _font(p.add_run(text), size, bold, italic)
    return p


def _rule(container, side_mm: float):
    """A short centred line (under the issuing body, the Tiêu ngữ and the title): an empty
    paragraph with a bottom border, narrowed by `side_mm` on each side."""
    paragraph = _para(container, "", 2)
    paragraph.paragraph_format.left_indent = Mm(side_mm)
    paragraph.paragraph_format.right_indent = Mm(side_mm)
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _widths(table, widths_mm):
    """Column widths on the grid and on every cell (Word reads one, LibreOffice the other)."""
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _first_cell_para(cell):
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    return cell


def _page(section, landscape=False):
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])


def _date_line(place: str, issued: date | None) -> str:
    place = place or "……"
    if issued is None:
        return f"{place}, ngày      tháng      năm      "
    return f"{place}, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}"


def _header(doc, heading: Heading):
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    _widths(table, HEADER_WIDTHS_MM)
    left, right = (_first_cell_para(c) for c in table.rows[0].cells)
    if heading.org_parent:
        _para(left, heading.org_parent.upper(), HEADER_PT)
    _para(left, heading.org_name.upper(), HEADER_PT, bold=True)
    _rule(left, 20)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", HEADER_PT, bold=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", BODY_PT, bold=True)
    _rule(right, 21)
    number, place = (_first_cell_para(c) for c in table.rows[1].cells)
    _para(number, f"Số: {heading.number}", HEADER_PT, after=0).paragraph_format.space_before = Pt(6)
    _para(place, _date_line(heading.place, heading.issued), BODY_PT, italic=True).paragraph_format.space_before = Pt(6)


def _signature(doc, heading: Heading):
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _no_borders(table)
    _widths(table, (80, 85))
    # the block stays whole: it moves to the next page rather than split across two
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = (_first_cell_para(c) for c in table.rows[0].cells)
    p = _para(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.space_before = Pt(12)
    for line in heading.recipients:
        _para(left, f"- {line}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    p = _para(right, heading.signer_title.upper(), BODY_PT, bold=True)
    p.paragraph_format.space_before = Pt(12)
    for _ in range(4):
        _para(right, "")
    _para(right, heading.signer_name or "", BODY_PT, bold=True)


def _cell_text(cell, text, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER):
    p = cell.paragraphs[0]
    p.alignment = align
    _font(p.add_run(str(text)), TABLE_PT, bold)


def _appendix(doc, data: ReportData, title: str):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape=True)
    _para(doc, "PHỤ LỤC", BODY_PT, bold=True)
    _para(doc, f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ THEO ĐƠN VỊ {title.upper()}", BODY_PT, bold=True)
    _para(doc, f"(Kèm theo Báo cáo, số liệu tính đến ngày {data.current.as_of:%d/%m/%Y})", BODY_PT, italic=True,
          after=6)
    table = doc.add_table(rows=1, cols=len(APPENDIX_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, APPENDIX_COLUMNS, strict=True):
        _cell_text(cell, name, bold=True)
    # the heading row repeats on every page
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)

    def row(values, bold=False):
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=False)):
            _cell_text(cell, value, bold, WD_ALIGN_PARAGRAPH.LEFT if i == 1 else WD_ALIGN_PARAGRAPH.CENTER)

    def values(n, name, f: stats.Figures, cancelled):
        d = f.as_dict()
        rate = "—" if d["ty_le_dung_han"] is None else f"{d['ty_le_dung_han']:.1f}".replace(".", ",")
        return (n, name, d["tong_so"], d[stats.DONE_ON_TIME], d[stats.DONE_LATE], d[stats.OPEN_ON_TIME],
                d[stats.OPEN_OVERDUE], d[stats.NO_DEADLINE], rate, cancelled)

    for n, unit in enumerate(data.current.units, 1):
        row(values(n, unit.name, unit.figures, unit.cancelled))
    row(values("", "Tổng cộng", data.current.totals, data.current.cancelled), bold=True)


def report_docx(data: ReportData, heading: Heading, narrative: str, *, scope: str = "") -> bytes:
    """The report document; `narrative` is the (possibly edited) text, paragraphs split on blank lines."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    _page(doc.sections[0])
    _header(doc, heading)
    label = data.current.period.label()
    _para(doc, "BÁO CÁO", BODY_PT, bold=True).paragraph_format.space_before = Pt(18)
    title = f"Kết quả thực hiện nhiệm vụ do UBND tỉnh, Chủ tịch UBND tỉnh giao {label}"
    _para(doc, title, BODY_PT, bold=True)
    if scope:
        _para(doc, f"({scope})", BODY_PT, italic=True)
    _rule(doc, 60)
    for block in [b.strip() for b in (narrative or "").replace("\r\n", "\n").split("\n\n")]:
        if block:
            _para(doc, " ".join(block.split("\n")), BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
    _para(doc, "(Chi tiết số liệu theo từng đơn vị tại Phụ lục kèm theo.)", BODY_PT, italic=True,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, after=6)
    _signature(doc, heading)
    _appendix(doc, data, label)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
