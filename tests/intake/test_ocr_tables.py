"""Task tables in scans: the drawn grid is found in the image, erased before Tesseract reads
the page, and gives the re-flow its columns and rows, so a scanned table gives the same
tasks as the text PDF (owner, co-owners, deadline, recurrence; the action within OCR
accuracy). CI reads 2 pages here: the appendix table of a corpus decision, over a page break."""
import json
import shutil

import pytest

from bench.intake_ocr import CORPUS
from bench.intake_ocr import char_accuracy
from bench.intake_render import images_to_pdf
from bench.intake_render import pdf_to_images
from bench.intake_render import scan_like
from bench.intake_render import to_pdf
from tracker.parsing import parse_directive
from tracker.services import ocr_grid
from tracker.services.pdf_text import read_pages
from tracker.services.pdf_text import reflow

DOC = "dev/qd-nghean-2026-03"   # its appendix table starts on page 2 and goes on over page 3


def _doc():
    path = CORPUS / f"{DOC}.txt"
    if not path.exists():
        pytest.skip("corpus not available")
    return path.read_text(encoding="utf-8"), json.loads((CORPUS / f"{DOC}.json").read_text(encoding="utf-8"))["issued"]


def _page_image(tmp_path, text, page, skew):
    png = scan_like(pdf_to_images(to_pdf(text), first=page, last=page)[0], seed=page, skew=skew)
    path = tmp_path / f"p{page}.png"
    path.write_bytes(png)
    return path


@pytest.mark.parametrize("skew", [1.2, -0.7])
def test_the_grid_of_a_skewed_scan_is_found(tmp_path, skew):
    from PIL import Image

    text, _ = _doc()
    path = _page_image(tmp_path, text, 3, skew)
    grid = ocr_grid.prepare(str(path), str(tmp_path / "clean.png"))
    assert abs(grid.angle + skew) <= 0.15
    # five columns: six vertical rules over the whole table; one horizontal rule per row edge
    assert len(grid.vrules) == 6
    assert len({round(y0 / 10) for _, y0, _ in grid.vrules}) == 1
    assert len({round(y1 / 10) for _, _, y1 in grid.vrules}) == 1
    tops = sorted(y for y, _, _ in grid.hrules)
    assert len(tops) >= 8 and tops[0] == pytest.approx(grid.vrules[0][1], abs=3)
    # the rules are gone from the copy Tesseract reads
    with Image.open(tmp_path / "clean.png") as clean:
        x = int(grid.vrules[2][0])
        column = [clean.getpixel((x + dx, y)) for dx in (-1, 0, 1)
                  for y in range(int(tops[0]) + 10, int(tops[-1]) - 10)]
    assert sum(1 for v in column if v < ocr_grid.INK) < len(column) * 0.05


def test_prose_page_and_an_underline_are_no_grid(tmp_path):
    from PIL import Image
    from PIL import ImageDraw

    text, _ = _doc()
    path = _page_image(tmp_path, text, 1, 0.8)   # the decision's first page: no table
    with Image.open(path) as img:
        page = img.convert("L")
    ImageDraw.Draw(page).line([(600, 400), (1400, 400)], fill=0, width=3)   # an underline under the motto
    page.save(path)
    grid = ocr_grid.prepare(str(path), str(tmp_path / "clean.png"))
    assert grid.hrules == [] and grid.vrules == []


@pytest.mark.skipif(not (shutil.which("tesseract") and shutil.which("pdftoppm")),
                    reason="tesseract-ocr / poppler-utils not installed (scripts/test.sh installs them)")
def test_a_scanned_task_table_gives_the_text_pdf_tasks(tmp_path):
    from tracker.services.ocr import ocr_text

    text, issued = _doc()
    pdf = to_pdf(text)
    scans = [scan_like(img, seed=n) for n, img in enumerate(pdf_to_images(pdf, first=2, last=3))]
    path = tmp_path / "ban-quet.pdf"
    path.write_bytes(images_to_pdf(scans))
    reference = "\n".join(reflow(read_pages(pdf)[1:3]))
    got = ocr_text(str(path), "pdf")

    def tasks(t):
        return parse_directive(t, issued=issued).to_dict()["tasks"]

    want, have = tasks(reference), tasks(got)
    table = [t for t in want if t["co_owners"]]
    assert len(table) >= 10   # the appendix rows (owner and co-owner columns) are in the reference
    assert [(t["owner"], t["co_owners"], t["deadline"], t["recurrence"]) for t in have] == [
        (t["owner"], t["co_owners"], t["deadline"], t["recurrence"]) for t in want]
    for w, h in zip(want, have, strict=True):
        assert char_accuracy(w["action"], h["action"]) >= 0.95, (w["action"], h["action"])
    assert char_accuracy(reference, got) >= 0.97
