"""Render a plain-text directive as the files offices send: .docx, text PDF, scanned image.

Used by the intake tests and the OCR bench. A line with " | " cells becomes a real table
row (a Word table, a ruled reportlab table); other lines are paragraphs (the first line
of a body paragraph indented, justified, wrapped by the renderer), with a running header
and page numbers on the PDF so the reader has something to remove.
Needs reportlab (test extra), Pillow and DejaVu fonts (Debian fonts-dejavu-core).
"""
from __future__ import annotations

import io
import random
import re

FONT_DIR = "/usr/share/fonts/truetype/dejavu"


def _runs(lines: list[str]):
    """Lines grouped: ("para", text) or ("table", [[cells], ...])."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        in_table = bool(out) and out[-1][0] == "table"
        if line.count(" | ") >= 2 or (in_table and line.count(" | ") == 1):   # "I | SECTION" rows too
            cells = [c.strip() for c in line.split(" | ")]
            if out and out[-1][0] == "table" and len(out[-1][1][0]) >= len(cells):
                out[-1][1].append(cells)
            else:
                out.append(("table", [cells]))
        else:
            out.append(("para", line.strip()))
    return out


def to_docx(text: str, *, numbering: bool = False) -> bytes:
    """A .docx with real tables; `numbering` turns "1. " / "a) " labels into Word list numbering."""
    import docx

    document = docx.Document()
    for kind, body in _runs(text.splitlines()):
        if kind == "table":
            ncol = len(body[0])
            table = document.add_table(rows=len(body), cols=ncol)
            table.style = "Table Grid"
            for r, row in enumerate(body):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
                if len(row) < ncol:  # a section row: merged across the remaining columns
                    table.cell(r, len(row) - 1).merge(table.cell(r, ncol - 1))
            continue
        m = re.match(r"^(\d{1,2})\.\s+(?=\S)", body) if numbering else None
        if m:
            document.add_paragraph(body[m.end():], style="List Number")
        else:
            document.add_paragraph(body)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _fonts():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", f"{FONT_DIR}/DejaVuSerif.ttf"))
        pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", f"{FONT_DIR}/DejaVuSerif-Bold.ttf"))


def to_pdf(text: str, *, layout: str = "plain", header: str | None = "Văn phòng UBND tỉnh — bản điện tử") -> bytes:
    """A text PDF (reportlab). layout: plain | indent (first-line indent) | narrow (narrow column, small font)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph
    from reportlab.platypus import SimpleDocTemplate
    from reportlab.platypus import Spacer
    from reportlab.platypus import Table
    from reportlab.platypus import TableStyle

    _fonts()
    size = 10 if layout == "narrow" else 12
    margin = 40 * mm if layout == "narrow" else 25 * mm
    body = ParagraphStyle("body", fontName="DejaVuSerif", fontSize=size, leading=size * 1.35, alignment=TA_JUSTIFY,
                          firstLineIndent=(12 * mm if layout == "indent" else 0),
                          spaceAfter=(0 if layout == "indent" else 4))
    # splitLongWords off: a code such as "02-KH/BCĐTW" stays whole (overflowing its cell) as Word does
    cell = ParagraphStyle("cell", fontName="DejaVuSerif", fontSize=size - 2, leading=(size - 2) * 1.3,
                          splitLongWords=0)

    def page_furniture(canvas, doc):
        canvas.saveState()
        canvas.setFont("DejaVuSerif", 9)
        if header:
            canvas.drawString(margin, A4[1] - 15 * mm, header)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {doc.page} -")
        canvas.restoreState()

    story = []
    for kind, content in _runs(text.splitlines()):
        if kind == "para":
            story.append(Paragraph(escape(content), body))
            continue
        ncol = len(content[0])
        width = A4[0] - 2 * margin
        first = min(12 * mm, width / ncol)
        widths = [first] + [(width - first) / (ncol - 1)] * (ncol - 1)
        data, spans = [], []
        for r, row in enumerate(content):
            if len(row) < ncol:  # a section row: its last cell spans the remaining columns
                spans.append(("SPAN", (len(row) - 1, r), (ncol - 1, r)))
                row = row + [""] * (ncol - len(row))
            data.append([Paragraph(escape(c), cell) for c in row])
        headed = bool(re.search(r"\b(?:STT|TT|Nhiệm vụ|Nội dung)\b", " ".join(content[0])))
        table = Table(data, colWidths=widths, repeatRows=1 if headed else 0)   # a header repeats on each page
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   *spans]))
        story.extend([Spacer(1, 4), table, Spacer(1, 4)])
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=25 * mm,
                            bottomMargin=22 * mm)
    doc.build(story, onFirstPage=page_furniture, onLaterPages=page_furniture)
    return buf.getvalue()


def pdf_to_images(pdf: bytes, dpi: int = 300, first: int | None = None, last: int | None = None) -> list[bytes]:
    """PNG pages of a PDF (poppler's pdftoppm)."""
    import glob
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.pdf")
        with open(src, "wb") as fh:
            fh.write(pdf)
        cmd = ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
        if first:
            cmd += ["-f", str(first)]
        if last:
            cmd += ["-l", str(last)]
        subprocess.run(cmd + [src, os.path.join(tmp, "p")], check=True, capture_output=True, timeout=300)
        out = []
        for path in sorted(glob.glob(os.path.join(tmp, "p*.png"))):
            with open(path, "rb") as fh:
                out.append(fh.read())
        return out


def scan_like(png: bytes, *, seed: int = 0, skew: float = 1.2, noise: float = 0.02, stamp: bool = True) -> bytes:
    """A page made to look scanned: rotated a little, speckled, with a red round stamp."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont

    rnd = random.Random(seed)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    if stamp:
        layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        cx, cy, r = int(w * 0.68), int(h * 0.78), int(w * 0.09)
        red = (200, 30, 30, 150)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=max(4, r // 18))
        d.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], outline=red, width=max(2, r // 30))
        font = ImageFont.truetype(f"{FONT_DIR}/DejaVuSans-Bold.ttf", max(12, r // 5))
        d.text((cx, cy), "UBND TỈNH", fill=red, font=font, anchor="mm")
        img = Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
    img = img.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    gray = img.convert("L")
    px = gray.load()
    count = int(w * h * noise / 10)
    for _ in range(count):
        x, y = rnd.randrange(w), rnd.randrange(h)
        px[x, y] = 0 if rnd.random() < 0.5 else 255
    buf = io.BytesIO()
    gray.save(buf, format="PNG")
    return buf.getvalue()


def images_to_pdf(pages: list[bytes], dpi: int = 300) -> bytes:
    """A scanned PDF: one image per page, no text layer."""
    from PIL import Image

    imgs = [Image.open(io.BytesIO(p)).convert("L") for p in pages]
    buf = io.BytesIO()
    imgs[0].save(buf, format="PDF", save_all=True, append_images=imgs[1:], resolution=float(dpi))
    return buf.getvalue()
