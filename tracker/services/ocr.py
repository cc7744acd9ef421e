"""OCR of scanned PDFs and photographs: Tesseract with its Vietnamese model, page by page.

Each page is rendered (poppler's `pdftoppm`, 300 dpi, greyscale) and read (`tesseract
... -l vie tsv`) in child processes with limits on CPU time, memory and wall time, so a
hostile or huge file costs one page's budget and never the worker. When
tracker.services.sandbox (the security issue's helper) is present, the per-page Python
work runs through its `run_limited`; otherwise the external tools get rlimits here.

Before Tesseract sees a page it is straightened and its drawn grid is found and erased
(tracker.services.ocr_grid, Pillow). The words come back with their boxes (TSV), are
grouped into lines and fragments (cut where a vertical rule stands between two words),
and go with the page's rules through the same re-flow as text PDFs
(tracker.services.pdf_text.reflow): paragraphs joined, page numbers and running headers
dropped, ruled task tables as " | " rows, columns and rows taken from the rules.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from tracker.services import ServiceError
from tracker.services.pdf_text import Frag
from tracker.services.pdf_text import Page
from tracker.services.pdf_text import _group_lines
from tracker.services.pdf_text import reflow

DPI = 300
MAX_PAGES = 200
SPECKS = ".,_`'~:;|\"‘’“”"
JUNK_CONFIDENCE = 50   # a word of punctuation only, read with less confidence, is a speck


@dataclass
class PageLimits:
    cpu_seconds: int = 120
    memory_bytes: int = 1536 * 1024 * 1024
    wall_seconds: int = 300


def available() -> bool:
    return bool(shutil.which("tesseract")) and bool(shutil.which("pdftoppm"))


def _limited(limits: PageLimits):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        os.setsid()
    return apply


def _run(cmd: list[str], limits: PageLimits) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=limits.wall_seconds, preexec_fn=_limited(limits),
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired:
        raise ServiceError("Nhận dạng một trang quá lâu, đã dừng", code="ocr_timeout", status=422) from None
    if done.returncode != 0:
        raise ServiceError(f"Không nhận dạng được trang ({cmd[0]} lỗi {done.returncode})", code="ocr_failed",
                           status=422)
    return done


def page_count(pdf_path: str) -> int:
    from pypdf import PdfReader

    try:
        return len(PdfReader(pdf_path).pages)
    except Exception:  # noqa: BLE001 - any failure is reported, not raised
        raise ServiceError("Không đọc được tệp PDF: tệp bị hỏng", code="corrupt_file", status=422) from None


def render_page(pdf_path: str, number: int, out_dir: str, limits: PageLimits) -> str:
    """Page `number` (1-based) as a greyscale PNG; returns its path."""
    base = os.path.join(out_dir, f"p{number}")
    _run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", str(number), "-l", str(number),
          pdf_path, base], limits)
    return base + ".png"


def read_image_tsv(image_path: str, limits: PageLimits) -> str:
    done = _run(["tesseract", image_path, "stdout", "-l", "vie", "--psm", "3", "tsv"], limits)
    return done.stdout.decode("utf-8", "replace")


def read_page(image_path: str, limits: PageLimits):
    """(TSV, grid) of one page image: straightened, rules found and erased, then read.
    Without Pillow the page is read as it is (grid None: tables only by their header row)."""
    try:
        from tracker.services import ocr_grid
    except ImportError:  # pragma: no cover - Pillow is a dependency
        return read_image_tsv(image_path, limits), None
    fd, clean = tempfile.mkstemp(prefix="ocr-page-", suffix=".png")
    os.close(fd)
    try:
        try:
            grid = ocr_grid.prepare(image_path, clean)
        except (OSError, ValueError):   # Pillow could not decode it: Tesseract says so with its own error
            return read_image_tsv(image_path, limits), None
        return read_image_tsv(clean, limits), grid
    finally:
        os.remove(clean)


def tsv_page(tsv: str, dpi: int = DPI, grid=None) -> Page:
    """Tesseract's TSV (pixels, y down) as a Page of fragments in points (y up), with the
    rules of `grid` (tracker.services.ocr_grid.Grid, pixels of the same image) as drawn lines."""
    scale = 72.0 / dpi
    width = height = 0.0
    words: dict[tuple, list[tuple[float, float, float, float, str]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12:
            continue
        level = cols[0]
        if level == "1":
            width, height = float(cols[8]) * scale, float(cols[9]) * scale
            continue
        if level != "5" or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            conf = 0.0
        word = cols[11].strip()
        if conf < 0 or (not any(c.isalnum() for c in word) and (conf < JUNK_CONFIDENCE or not word.strip(SPECKS))):
            continue   # layout rows, and specks read as "." "_" "`:" (a lone dash is kept when sure)
        left, top, w, h = (float(c) * scale for c in cols[6:10])
        key = (cols[2], cols[3], cols[4])  # block, paragraph, line
        words.setdefault(key, []).append((left, top, w, h, cols[11].strip()))
    cuts = [(x * scale, y0 * scale, y1 * scale) for x, y0, y1 in grid.vrules] if grid else []
    frags: list[Frag] = []
    # Tesseract's boxes hug the ink: a line without ascenders or descenders ("sau:") is shorter
    # than its neighbours and seems to stand further apart, which the re-flow reads as a new
    # paragraph. Every line gets the same height set on its baseline (the middle word bottom),
    # as a font's line box in a text PDF.
    spans = sorted(max(t + h for _, t, _, h, _ in line) - min(t for _, t, _, _, _ in line) for line in words.values())
    em = spans[len(spans) // 2] if spans else 10.0
    for line in words.values():
        line.sort()
        hgt = max(h for _, _, _, h, _ in line) or 10.0
        ink_top = min(t for _, t, _, _, _ in line)
        ink_bottom = max(t + h for _, t, _, h, _ in line)
        if ink_bottom - ink_top <= 1.5 * em:   # text of the body's size (a large title keeps its own box)
            bottoms = sorted(t + h for _, t, _, h, _ in line)
            bottom = bottoms[(len(bottoms) - 1) // 2] + 0.2 * em
            top = bottom - em
        else:
            top, bottom = ink_top, ink_bottom
        mid = (top + bottom) / 2
        rules = [x for x, y0, y1 in cuts if y0 <= mid <= y1]

        def cell(word, rules=rules):   # the column its centre falls in (rules left of it)
            return sum(1 for x in rules if x < word[0] + word[2] / 2)

        cur: list[tuple] = []
        for word in line:
            if cur and (word[0] - (cur[-1][0] + cur[-1][2]) > 1.2 * hgt or cell(word) != cell(cur[-1])):
                frags.append(_frag(cur, height, top, bottom))
                cur = []
            cur.append(word)
        if cur:
            frags.append(_frag(cur, height, top, bottom))
    page = Page(width, height)
    page.lines = _group_lines(0, frags)
    if grid:
        page.hrules = [(height - y * scale, x0 * scale, x1 * scale) for y, x0, x1 in grid.hrules]
        page.vrules = [(x * scale, height - y1 * scale, height - y0 * scale) for x, y0, y1 in grid.vrules]
    return page


def _frag(words, page_height, top, bottom) -> Frag:
    x0 = words[0][0]
    x1 = words[-1][0] + words[-1][2]
    return Frag(x0, x1, page_height - bottom, page_height - top, " ".join(w[4] for w in words))


def ocr_pages(path: str, kind: str, *, progress=None, max_pages: int = MAX_PAGES,
              limits: PageLimits | None = None) -> list[Page]:
    """Pages of a scanned PDF (kind 'pdf') or of an image file, read one by one."""
    if not available():
        raise ServiceError("Máy chủ chưa cài Tesseract (tesseract-ocr, tesseract-ocr-vie) và poppler-utils",
                           code="ocr_unavailable", status=503)
    limits = limits or PageLimits()
    pages: list[Page] = []
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        if kind == "pdf":
            total = page_count(path)
            if total > max_pages:
                raise ServiceError(f"Bản quét quá dài ({total} trang, tối đa {max_pages})", code="too_many_pages",
                                   status=422)
            for number in range(1, total + 1):
                image = render_page(path, number, tmp, limits)
                page = _read(image, limits)
                for line in page.lines:
                    line.page = number - 1
                pages.append(page)
                os.remove(image)
                if progress:
                    progress(number, total)
        else:
            pages.append(_read(path, limits))
            if progress:
                progress(1, 1)
    return pages


def _read(image_path: str, limits: PageLimits) -> Page:
    try:
        from tracker.services import sandbox
    except ImportError:
        tsv, grid = read_page(image_path, limits)
        return tsv_page(tsv, grid=grid)
    try:
        tsv, grid = sandbox.run_limited(read_page, image_path, limits,
                                  limits=sandbox.Limits(cpu_seconds=limits.cpu_seconds,
                                                        memory_bytes=limits.memory_bytes,
                                                        wall_seconds=limits.wall_seconds))
    except sandbox.SandboxError as exc:
        raise ServiceError(f"Nhận dạng trang bị dừng ({getattr(exc, 'reason', exc)})", code="ocr_limit",
                           status=422) from None
    return tsv_page(tsv, grid=grid)


def ocr_text(path: str, kind: str, **kwargs) -> str:
    """The recognised text, one paragraph (or table row) per line."""
    return "\n".join(reflow(ocr_pages(path, kind, **kwargs)))
