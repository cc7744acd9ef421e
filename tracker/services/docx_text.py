"""Text of a Word (.docx) file in document order, in the layout the parser reads.

python-docx's `document.paragraphs` and `document.tables` are two separate lists, so
reading one after the other puts every table after "Nơi nhận". Here the body's children
are walked in order: a paragraph gives one line, a table gives one line per row with its
cells joined by " | " (the row layout of the corpus and of pasted tables, which the
parser maps column by column: STT, nội dung, chủ trì, phối hợp, thời gian). Merged
cells (a horizontal span or a vertical merge) count once per row.

Word's automatic numbering ("1.", "a)", "-" that the numbering part generates, not typed
text) is restored from word/numbering.xml: the level's format and text template with
counters kept per list, so "%1.%2." becomes "2.1.".
"""
from __future__ import annotations

import re

from docx.oxml.ns import qn

_BULLET = "-"


def _roman(n: int) -> str:
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                       (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _letter(n: int) -> str:
    # Vietnamese documents skip no letters in automatic lists; Word uses a..z, aa..zz
    n = max(1, n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format(fmt: str, n: int) -> str:
    if fmt in ("decimal", "decimalZero"):
        return f"{n:02d}" if fmt == "decimalZero" else str(n)
    if fmt == "lowerLetter":
        return _letter(n)
    if fmt == "upperLetter":
        return _letter(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    return str(n)


class Numbering:
    """Automatic list labels from the numbering part, counted as Word counts them."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) -> (fmt, text, start)
        self.counters: dict[str, dict[int, int]] = {}
        self.abstract_of: dict[str, str] = {}
        self.restarts: set[str] = set()     # num instances whose list starts again (startOverride)
        self.seen: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.findall(qn("w:abstractNum")):
            aid = an.get(qn("w:abstractNumId"))
            levels = {}
            for lvl in an.findall(qn("w:lvl")):
                ilvl = int(lvl.get(qn("w:ilvl")) or 0)
                fmt = _val(lvl.find(qn("w:numFmt"))) or "decimal"
                text = _val(lvl.find(qn("w:lvlText"))) or ""
                start = int(_val(lvl.find(qn("w:start"))) or 1)
                levels[ilvl] = (fmt, text, start)
            abstract[aid] = levels
        for num in root.findall(qn("w:num")):
            nid = num.get(qn("w:numId"))
            aid = _val(num.find(qn("w:abstractNumId")))
            self.abstract_of[nid] = aid
            for ilvl, spec in abstract.get(aid, {}).items():
                self.levels[(nid, ilvl)] = spec
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl")) or 0)
                start = _val(override.find(qn("w:startOverride")))
                if start is not None and (nid, ilvl) in self.levels:
                    fmt, text, _ = self.levels[(nid, ilvl)]
                    self.levels[(nid, ilvl)] = (fmt, text, int(start))
                    self.restarts.add(nid)

    def label(self, num_id: str, ilvl: int) -> str | None:
        spec = self.levels.get((num_id, ilvl))
        if spec is None or num_id == "0":
            return None
        fmt, text, start = spec
        # Word continues one list across num instances of the same abstract list unless restarted
        key = self.abstract_of.get(num_id, num_id)
        counters = self.counters.setdefault(key, {})
        if num_id not in self.seen:
            self.seen.add(num_id)
            if num_id in self.restarts:
                counters.clear()
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt == "bullet":
            return _BULLET
        if fmt == "none":
            return None

        def sub(m: re.Match) -> str:
            level = int(m.group(1)) - 1
            lfmt, _, lstart = self.levels.get((num_id, level), ("decimal", "", 1))
            return _format(lfmt, counters.get(level, lstart))

        return re.sub(r"%(\d)", sub, text).strip() or None


def _val(el) -> str | None:
    return None if el is None else el.get(qn("w:val"))


def _num_pr(paragraph) -> tuple[str, int] | None:
    """(numId, ilvl) of the paragraph, from its own properties or its style chain."""
    ppr = paragraph._p.pPr
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is not None and num_pr.numId is not None:
        return str(num_pr.numId.val), int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
    style = paragraph.style
    seen = 0
    while style is not None and seen < 10:
        sppr = style.element.pPr
        if sppr is not None and sppr.numPr is not None and sppr.numPr.numId is not None:
            ilvl = sppr.numPr.ilvl
            return str(sppr.numPr.numId.val), int(ilvl.val) if ilvl is not None else 0
        style = style.base_style
        seen += 1
    return None


def _para_text(paragraph, numbering: Numbering) -> str:
    text = paragraph.text.replace("\t", " ").strip()
    if not text:
        return ""
    num = _num_pr(paragraph)
    if num is not None:
        label = numbering.label(*num)
        if label:
            text = f"{label} {text}"
    return text


def _cell_text(cell) -> str:
    parts = [p.text.strip() for p in cell.paragraphs if p.text.strip()]
    return " ".join(parts).replace("|", "/")


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            tc = cell._tc
            if id(tc) in seen:
                continue  # a horizontally merged cell appears once per grid column
            seen.add(id(tc))
            cells.append(_cell_text(cell))
        if not any(cells):
            continue
        if len(cells) == 1:
            lines.append(cells[0])  # a one-cell row is a title or a paragraph in a box
        else:
            lines.append(" | ".join(cells))
    return lines


def docx_lines(document) -> list[str]:
    """The document body as lines: paragraphs and table rows in the order of the file."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    numbering = Numbering(document)
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = _para_text(Paragraph(child, document), numbering)
            if text:
                lines.append(text)
        elif child.tag == qn("w:tbl"):
            lines.extend(_table_lines(Table(child, document)))
    return lines
