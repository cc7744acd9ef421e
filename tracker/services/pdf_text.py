"""Text of a PDF with a text layer, read like the document rather than line by line.

A PDF only knows where each glyph sits; the paragraph a reader sees is rebuilt here
from the layout (pdfminer.six gives the text lines with their boxes, and the drawn
rules of tables):

- page headers and footers (a line repeated at the same height on several pages) and
  page numbers ("2", "- 2 -", "Trang 2/5") are dropped;
- lines are re-flowed into paragraphs: a new paragraph starts at a list label
  ("1.", "a)", "-"), at a first-line indent, after a line that stops short of the right
  margin, after a wider vertical gap, or on a centred line; a word broken with a hyphen
  at the line end is joined;
- tables (a header row naming STT / nội dung / chủ trì / phối hợp / thời gian, or any
  grid of ruled cells) come out as one " | "-separated line per row, cells re-flowed,
  which is the row layout the parser reads from pasted text.

The output has one paragraph per line, like pasted text, so the same plan gives the
same tasks as .docx, PDF or paste.
"""
from __future__ import annotations

import io
import re
import statistics
from dataclasses import dataclass
from dataclasses import field
from itertools import pairwise

from tracker.parsing.segment import _LABELS

_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(?:trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*[-–—])?$", re.I)
_HEADER_TASK = re.compile(r"\b(?:stt|tt|nhiệm vụ|nội dung|công việc)\b", re.I)
_HEADER_WHO = re.compile(r"\b(?:chủ trì|phối hợp|thực hiện|thời gian|thời hạn|tiến độ|đơn vị|cơ quan|kết quả|"
                         r"sản phẩm)\b",
                         re.I)
_SENTENCE_END = (".", ":", ";", "!", "?", "…")


@dataclass
class Frag:
    """One run of text on a line, with its box (PDF points, y up)."""

    x0: float
    x1: float
    y0: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class VLine:
    """A visual line: the fragments that share a baseline, left to right."""

    page: int
    frags: list[Frag]
    y0: float = 0.0
    y1: float = 0.0
    table: int | None = None   # index of the table it belongs to

    def __post_init__(self):
        self.frags.sort(key=lambda f: f.x0)
        self.y0 = min(f.y0 for f in self.frags)
        self.y1 = max(f.y1 for f in self.frags)

    @property
    def x0(self) -> float:
        return self.frags[0].x0

    @property
    def x1(self) -> float:
        return self.frags[-1].x1

    @property
    def text(self) -> str:
        return " ".join(f.text for f in self.frags)


@dataclass
class Page:
    width: float
    height: float
    lines: list[VLine] = field(default_factory=list)
    hrules: list[tuple[float, float, float]] = field(default_factory=list)   # (y, x0, x1)
    vrules: list[tuple[float, float, float]] = field(default_factory=list)   # (x, y0, y1)


# --- reading the layout -------------------------------------------------------------------

def read_pages(data: bytes, max_pages: int | None = None) -> list[Page]:
    """Pages with their visual lines and ruling lines (pdfminer.six layout analysis)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.layout import LTCurve
    from pdfminer.layout import LTTextBox
    from pdfminer.layout import LTTextLine

    params = LAParams(char_margin=2.0, line_margin=0.3, word_margin=0.1, boxes_flow=None)
    pages = []
    for n, layout in enumerate(extract_pages(io.BytesIO(data), laparams=params, maxpages=max_pages or 0)):
        page = Page(layout.width, layout.height)
        text_lines = []

        def walk(item, page=page, text_lines=text_lines):
            if isinstance(item, LTTextLine):
                text_lines.append(item)
                return
            if isinstance(item, LTTextBox):
                for child in item:
                    walk(child)
                return
            if isinstance(item, LTCurve):  # LTLine and LTRect are curves
                x0, y0, x1, y1 = item.bbox
                if y1 - y0 <= 2 and x1 - x0 > 5:
                    page.hrules.append(((y0 + y1) / 2, x0, x1))
                elif x1 - x0 <= 2 and y1 - y0 > 5:
                    page.vrules.append(((x0 + x1) / 2, y0, y1))
                elif x1 - x0 > 5 and y1 - y0 > 5 and getattr(item, "stroke", True):
                    # a stroked cell rectangle: its four sides are rules
                    page.hrules.extend([(y0, x0, x1), (y1, x0, x1)])
                    page.vrules.extend([(x0, y0, y1), (x1, y0, y1)])
                return
            if hasattr(item, "__iter__"):
                for child in item:
                    walk(child)

        for item in layout:
            walk(item)
        frags: list[Frag] = []
        for tl in text_lines:
            frags.extend(_split_line(tl, page.vrules))
        page.lines = _group_lines(n, frags)
        pages.append(page)
    return pages


def _split_line(tl, vrules) -> list[Frag]:
    """A pdfminer text line cut where a table rule crosses it or where the glyphs stand far
    apart (two cells that the layout analysis joined)."""
    from pdfminer.layout import LTChar

    height = max(tl.y1 - tl.y0, 1.0)
    cuts = [x for x, y0, y1 in vrules if tl.x0 + 1 < x < tl.x1 - 1 and y0 - 1 <= tl.y0 and tl.y1 <= y1 + 1]
    out: list[Frag] = []
    buf: list[str] = []
    x0 = x1 = None

    def flush():
        text = re.sub(r"\s+", " ", "".join(buf)).strip()
        if text and x0 is not None:
            out.append(Frag(x0, x1, tl.y0, tl.y1, text))

    for ch in tl:
        if isinstance(ch, LTChar):
            # a rule cuts only where the glyphs stand apart (text overflowing its cell is not cut)
            if x1 is not None and (ch.x0 - x1 > 0.9 * height
                                   or (ch.x0 - x1 > 1.5 and any(x1 - 0.5 <= c <= ch.x0 + 0.5 for c in cuts))):
                flush()
                buf, x0 = [], None
            if x0 is None:
                x0 = ch.x0
            x1 = ch.x1
            buf.append(ch.get_text())
        else:
            buf.append(ch.get_text())
    flush()
    return out


def _group_lines(page: int, frags: list[Frag]) -> list[VLine]:
    """Fragments whose vertical extents overlap mostly are one visual line (top to bottom)."""
    lines: list[list[Frag]] = []
    for f in sorted(frags, key=lambda f: (-(f.y0 + f.y1) / 2, f.x0)):
        mid = (f.y0 + f.y1) / 2
        for group in lines:
            g0, g1 = min(g.y0 for g in group), max(g.y1 for g in group)
            if g0 <= mid <= g1 and abs(((g0 + g1) / 2) - mid) < 0.5 * max(f.height, g1 - g0):
                group.append(f)
                break
        else:
            lines.append([f])
    out = [VLine(page, g) for g in lines]
    out.sort(key=lambda v: -v.y1)
    return out


# --- headers, footers, page numbers ---------------------------------------------------------

def _norm_repeat(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _apart(page: Page) -> set[int]:
    """Lines standing apart at the top or bottom of the page (a header or footer is set off
    from the body by a wider gap than the body's line spacing)."""
    lines = page.lines
    if not lines:
        return set()
    heights = [f.height for line in lines for f in line.frags] or [10.0]
    lh = statistics.median(heights)
    out = set()
    for i in range(min(2, len(lines))):   # a header of up to two lines
        below = lines[i + 1] if i + 1 < len(lines) else None
        if below is None or lines[i].y0 - below.y1 > 1.5 * lh:
            out.update(range(i + 1))
            break
    for k in range(min(2, len(lines))):
        i = len(lines) - 1 - k
        above = lines[i - 1] if i > 0 else None
        if above is None or above.y0 - lines[i].y1 > 1.5 * lh:
            out.update(range(i, len(lines)))
            break
    return out


def drop_furniture(pages: list[Page]) -> None:
    """Remove running headers/footers and page numbers: lines set apart in the top or bottom
    band of the page that are a page number or repeat (digits aside) on several pages."""
    if not pages:
        return
    seen: dict[str, set[int]] = {}
    candidates = []
    for i, page in enumerate(pages):
        band = page.height * 0.1
        apart = _apart(page)
        ids = {j for j in apart if page.lines[j].y0 > page.height - band or page.lines[j].y1 < band}
        candidates.append(ids)
        for j in ids:
            seen.setdefault(_norm_repeat(page.lines[j].text), set()).add(i)
    # nearly the same text counts too (a scan's OCR reads a running header a little differently
    # on some pages); only the few distinct candidate texts are compared
    import difflib

    keys = list(seen)
    pages_of = {k: set(v) for k, v in seen.items()}
    for a_i, a in enumerate(keys):
        for b in keys[a_i + 1:]:
            matcher = difflib.SequenceMatcher(None, a, b)
            if len(a) >= 8 and matcher.quick_ratio() >= 0.85 and matcher.ratio() >= 0.85:
                pages_of[a] |= seen[b]
                pages_of[b] |= seen[a]
    repeated = {k for k, v in pages_of.items() if len(v) >= 2 and len(pages) >= 2}
    for page, ids in zip(pages, candidates, strict=True):
        page.lines = [line for j, line in enumerate(page.lines)
                      if not (j in ids
                              and (_PAGE_NUMBER.match(line.text.strip()) or _norm_repeat(line.text) in repeated))]


# --- tables ---------------------------------------------------------------------------

@dataclass
class Table:
    page: int
    columns: list[float]          # left edges of the columns (the first is -inf)
    rows: list[list[list[str]]]   # rows -> cells -> the cell's lines
    top: float
    line_ids: list[int]
    header_text: str = ""
    skipped: list[int] = field(default_factory=list)   # lines of a header repeated on a new page
    ruled: bool = False           # drawn vertical rules cross its header row


def _crossing(line: VLine, vrules) -> int:
    """How many vertical rules cross the line's middle (a row of a ruled table has at least
    its left and right borders; a paragraph between two tables has none)."""
    mid = (line.y0 + line.y1) / 2
    return sum(1 for x, y0, y1 in vrules if y0 - 1 <= mid <= y1 + 1)


def _is_header(line: VLine, vrules=()) -> bool:
    """A table's header row: named columns, or at least three cells between drawn rules."""
    if len(line.frags) < 2 or len(line.text) > 300:
        return False
    crossing = {round(x) for x, y0, y1 in vrules if y0 - 1 <= line.y0 and line.y1 <= y1 + 1}
    if len(crossing) >= 3 and len(line.frags) >= 2:
        return True
    if len(line.frags) < 3 or len(line.text) > 200:
        return False
    task = sum(1 for f in line.frags if _HEADER_TASK.search(f.text))
    who = sum(1 for f in line.frags if _HEADER_WHO.search(f.text))
    return task >= 1 and who >= 1


def _same_header(line: VLine, table: Table) -> bool:
    """The table's header repeated on a new page (nearly the same text: a scan's OCR varies)."""
    import difflib

    text = _norm_repeat(line.text)
    return text == table.header_text or difflib.SequenceMatcher(None, text, table.header_text).ratio() >= 0.85


def _column_edges(header: VLine, vrules: list[tuple[float, float, float]]) -> list[float]:
    """Left edges of the columns: the vertical rules crossing the header row if drawn (the
    rightmost is the table's right border), else the middle of the gaps between header cells."""
    xs = sorted({round(x, 1) for x, y0, y1 in vrules if y0 - 2 <= header.y0 and header.y1 <= y1 + 2})
    if len(xs) >= len(header.frags):
        edges = xs[:-1] if len(xs) > len(header.frags) else xs
        edges[0] = float("-inf")   # text left of the first rule still belongs to the first column
        return edges
    edges = [float("-inf")]
    for a, b in pairwise(header.frags):
        edges.append((a.x1 + b.x0) / 2)
    return edges


def _col(edges: list[float], x: float) -> int:
    i = 0
    for k, e in enumerate(edges):
        if x + 1 >= e:
            i = k
    return i


def find_tables(page: Page, page_index: int, carry: Table | None) -> list[Table]:
    """Tables of a page: from a header row down to the first line that is no longer a row.

    `carry` is the table that ended the previous page: a page that starts with rows in
    the same columns continues it (a table broken over pages)."""
    tables: list[Table] = []
    lines = page.lines
    i = 0
    current: Table | None = None
    if carry is not None and lines and len(lines[0].frags) >= 2 and (
            not _is_header(lines[0], page.vrules) or _same_header(lines[0], carry)):
        current = Table(page_index, carry.columns, carry.rows, lines[0].y1, [], carry.header_text,
                        ruled=carry.ruled)
    hys = sorted(y for y, _, _ in page.hrules)
    header_skip: VLine | None = None
    heights = [f.height for line in lines for f in line.frags] or [10.0]
    lh = statistics.median(heights)
    while i < len(lines):
        line = lines[i]
        if current is None:
            if _is_header(line, page.vrules):
                edges = _column_edges(line, page.vrules)
                current = Table(page_index, edges, [], line.y1, [], _norm_repeat(line.text),
                                ruled=_crossing(line, page.vrules) >= 2)
                cells = [[] for _ in edges]
                for f in line.frags:
                    cells[_col(edges, f.x0)].append(f.text)
                current.rows.append(cells)
                current.line_ids.append(i)
                current.header_bottom = line.y0  # type: ignore[attr-defined]
            i += 1
            continue
        # inside a table: is this line still part of it?
        prev = lines[current.line_ids[-1]] if current.line_ids else None
        gap = (prev.y0 - line.y1) if prev is not None else 0
        edges = current.columns
        left = edges[1] if len(edges) > 1 else line.x0
        ruled_between = prev is not None and any(line.y1 - 1 <= y <= prev.y0 + 1 for y in hys)
        if hys and line.y1 < hys[0] - 1 and prev is not None:
            tables.append(current)   # below the table's bottom rule
            current = None
            continue
        if current.ruled and _crossing(line, page.vrules) < 2:
            tables.append(current)   # outside the drawn grid: the text between two tables
            current = None
            continue
        if prev is not None and gap > 2.5 * lh and not ruled_between:
            tables.append(current)
            current = None
            continue
        if len(line.frags) == 1 and line.frags[0].x0 < left - 1 and len(line.text) > 60 and not hys:
            tables.append(current)   # a full-width paragraph after the table
            current = None
            continue
        if prev is None and ((_is_header(line, page.vrules) and _same_header(line, current))
                             or header_skip is not None):
            # the header repeated on a new page, with its wrapped lines down to the next rule
            if header_skip is None or not any(line.y1 - 1 <= y <= header_skip.y0 + 1 for y in hys):
                header_skip = line
                current.skipped.append(i)
                i += 1
                continue
            header_skip = None
        cells = [[] for _ in edges]
        for f in line.frags:
            cells[_col(edges, f.x0)].append(f.text)
        new_row = not current.rows
        if prev is None and current.rows:
            # first line of a table continued from the previous page
            new_row = bool(cells[0]) and bool(re.match(r"^\d{1,3}\.?$", cells[0][0])) or any(
                line.y1 - 1 <= y <= line.y1 + 1.5 * lh for y in hys)
        elif prev is not None:
            if hys:
                new_row = ruled_between
            else:
                new_row = bool(cells[0]) and len(current.rows) >= 1
        if len(current.rows) == 1 and not hys and not (cells[0] and re.match(r"^\d{1,3}\.?$", cells[0][0])):
            new_row = False  # the header's second line
        if new_row:
            current.rows.append(cells)
        else:
            row = current.rows[-1]
            for k, c in enumerate(cells):
                row[k].extend(c)
        current.line_ids.append(i)
        i += 1
    if current is not None:
        tables.append(current)
    return tables


def _reflow_cell(parts: list[str]) -> str:
    out = ""
    for p in parts:
        out = _join(out, p) if out else p
    return out.replace("|", "/").strip()


def _join(a: str, b: str) -> str:
    """Join two wrapped pieces of one paragraph; a word hyphenated at the line end is mended."""
    if re.search(r"[a-zà-ỹđ]-$", a) and b[:1].islower():
        return a[:-1] + b
    return a + " " + b


# --- paragraphs ---------------------------------------------------------------------------

def _starts_with_label(text: str) -> bool:
    return any(rx.match(text) for rx, _rank in _LABELS)


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and not any(c.islower() for c in letters)


def reflow(pages: list[Page]) -> list[str]:
    """The document as one paragraph (or table row) per line."""
    drop_furniture(pages)
    lefts = [line.x0 for p in pages for line in p.lines if len(line.text) > 40] or [0.0]
    rights = [line.x1 for p in pages for line in p.lines if len(line.text) > 40] or [0.0]
    left = statistics.median_low(sorted(lefts)[: max(1, len(lefts) // 2)]) if lefts else 0.0
    right = max(statistics.median(rights), max(rights) - 5) if rights else 0.0
    heights = [f.height for p in pages for line in p.lines for f in line.frags] or [10.0]
    lh = statistics.median(heights)

    # the line spacing inside a paragraph, measured where a line wrapped (it reaches the right
    # margin and the next line starts at the left one); else the low quartile of all gaps
    wrapped = [a.y0 - b.y1 for p in pages for a, b in pairwise(p.lines)
               if 0 <= a.y0 - b.y1 < 3 * lh and len(a.frags) == 1 and len(b.frags) == 1
               and a.x1 > right - 2 * lh and abs(b.x0 - left) < lh]
    gaps = wrapped or [a.y0 - b.y1 for p in pages for a, b in pairwise(p.lines) if 0 <= a.y0 - b.y1 < 3 * lh]
    typical_gap = statistics.median(wrapped) if wrapped else (sorted(gaps)[len(gaps) // 4] if gaps else lh * 0.3)

    items: list[tuple[str, object]] = []   # ("line", VLine) or ("row", str)
    carry = None
    for n, page in enumerate(pages):
        tables = find_tables(page, n, carry)
        in_table = {}
        for t in tables:
            for li in t.line_ids + t.skipped:
                in_table[li] = t
        emitted = set()
        carried = tables[0] if tables and carry is not None and tables[0].rows is carry.rows else None
        for li, line in enumerate(page.lines):
            t = in_table.get(li)
            if t is None:
                items.append(("line", line))
                continue
            if id(t) in emitted:
                continue
            emitted.add(id(t))
            if t is carried:
                items.append(("continue", t))
            else:
                items.append(("table", t))
        last_line = page.lines[-1] if page.lines else None
        carry = (tables[-1] if tables and last_line is not None and in_table.get(len(page.lines) - 1) is tables[-1]
                 else None)
    out: list[str] = []
    para: str | None = None
    prev: VLine | None = None
    rendered_tables: list[Table] = []
    for kind, obj in items:
        if kind in ("table", "continue"):
            if para:
                out.append(para)
            para, prev = None, None
            if kind == "table":
                rendered_tables.append(obj)  # rows are rendered at the end (rows may grow over pages)
                out.append(obj)              # placeholder
            continue
        line: VLine = obj
        text = line.text
        if len(line.frags) >= 2 and line.frags[1].x0 - line.frags[0].x1 > 4 * lh:
            # two blocks side by side (the header "UBND TỈNH ... | CỘNG HÒA ..."): separate lines
            if para:
                out.append(para)
            out.extend(f.text for f in line.frags)
            para, prev = None, None
            continue
        if para is None or prev is None:
            para, prev = text, line
            continue
        gap = prev.y0 - line.y1 if prev.page == line.page else 0
        centred = line.x0 > left + 3 * lh and abs((line.x0 - left) - (right - line.x1)) < 2 * lh
        prev_short = prev.x1 < right - 4 * lh
        indent = line.x0 > left + 1.2 * lh
        prev_full = not prev_short and not para.rstrip().endswith((".", ":", "!", "?"))
        caps_end = prev_short and _is_caps(prev.text) and not _is_caps(text)
        new = ((_starts_with_label(text) and not prev_full) or indent or centred or gap > typical_gap + 0.25 * lh
               or caps_end
               or (prev_short and para.rstrip().endswith(_SENTENCE_END))
               or (prev_short and prev.x1 < right - 0.35 * (right - left)))
        if new:
            out.append(para)
            para = text
        else:
            para = _join(para, text)
        prev = line
    if para:
        out.append(para)
    lines: list[str] = []
    for item in out:
        if isinstance(item, Table):
            for row in item.rows:
                cells = [_reflow_cell(c) for c in row]
                while cells and not cells[-1]:
                    cells.pop()   # a section row spanning the remaining columns
                if len(cells) == 1:
                    lines.append(cells[0])
                elif cells:
                    lines.append(" | ".join(cells))
        else:
            lines.append(re.sub(r"\s+", " ", item).strip())
    return [x for x in lines if x]


def pdf_lines(data: bytes, max_pages: int | None = None) -> list[str]:
    return reflow(read_pages(data, max_pages))
