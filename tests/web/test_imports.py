"""Text extraction and type sniffing for uploaded directives and evidence files."""
import io
import zipfile

import docx
import pytest
from pypdf import PdfWriter

from tracker.services import ServiceError
from tracker.services.imports import evidence_kind
from tracker.services.imports import extract_directive_text
from tracker.services.imports import sniff


def text_pdf(text: str) -> bytes:
    """A one-page PDF with a real text layer (Helvetica, ASCII)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_docx(lines, table=None) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _code(fn, *args):
    with pytest.raises(ServiceError) as exc:
        fn(*args)
    return exc.value.code, exc.value.message


def test_text_pdf_is_read():
    text = extract_directive_text("vb.pdf", text_pdf("Giao So Tai chinh ra soat nhu cau von truoc ngay 15/02/2025"))
    assert "ra soat nhu cau von" in text


def test_scanned_pdf_needs_ocr():
    code, message = _code(extract_directive_text, "scan.pdf", blank_pdf())
    assert code == "needs_ocr" and "OCR" in message


def test_docx_paragraphs_and_tables():
    data = make_docx(["Số: 12/TB-UBND", "1. Giao Sở Y tế xây dựng kế hoạch."], table=[["Đơn vị", "Nhiệm vụ"],
                                                                                    ["Sở Tài chính", "Rà soát"]])
    text = extract_directive_text("vb.docx", data)
    assert "Giao Sở Y tế xây dựng kế hoạch." in text
    assert "Sở Tài chính | Rà soát" in text  # the row layout the parser reads (tracker.services.docx_text)


def test_utf8_txt_with_bom():
    assert extract_directive_text("a.txt", "\ufeffGiao Sở Y tế".encode("utf-8")) == "Giao Sở Y tế"


@pytest.mark.parametrize("name,data,code", [
    ("a.txt", "Giao Sõ".encode("latin-1"), "not_utf8"),
    ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "type_mismatch"),
    ("a.docx", b"%PDF-1.4 xx", "type_mismatch"),
    ("a.pdf", b"PK\x03\x04broken", "type_mismatch"),
    ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "unsupported_type"),
    ("a.exe", b"MZ\x90\x00", "unsupported_type"),
    ("a.txt", b"", "empty_text"),
    ("a.pdf", b"%PDF-1.4\nnot really a pdf", "corrupt_file"),
])
def test_bad_files(name, data, code):
    assert _code(extract_directive_text, name, data)[0] == code


def test_zip_bomb_refused_before_reading():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w/>" + b" " * (40 * 1024 * 1024))
        z.writestr("word/other.xml", b" " * (30 * 1024 * 1024))
    code, _ = _code(extract_directive_text, "bomb.docx", buf.getvalue())
    assert code == "zip_bomb"


def test_sniff_kinds():
    assert sniff(text_pdf("x")) == "pdf"
    assert sniff(make_docx(["x"])) == "docx"
    assert sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff("văn bản".encode()) == "text"
    assert sniff(b"\x00\x01\x02") == "binary"


def test_evidence_kinds():
    assert evidence_kind("a.pdf", b"%PDF-1.7")[1] == "application/pdf"
    assert evidence_kind("ảnh.jpg", b"\xff\xd8\xff\xe0")[0] == "jpeg"
    assert _code(evidence_kind, "a.pdf", b"MZ\x90\x00\x00")[0] == "unsupported_type"
    assert _code(evidence_kind, "a.txt", b"")[0] == "empty_file"
