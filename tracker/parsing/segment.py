"""Document structure: paragraphs, list items, headings, table rows, sentences.

The text is read line by line (the cleaned text keeps one paragraph or list item per
line). Each line becomes a Block with its list label removed and a rank that says how
deep the label nests (I. < 1. < 1.1. < a) < (i) < - < +). Sentences are split inside a
block on ". " before a capital letter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .startcache import compile as _re  # re.compile, kept between processes

# Label patterns, most specific first, with the rank of each kind of label.
_LABELS = [
    (_re(r"(?:Điều|ĐIỀU)\s+\d+\s*[.:]\s*"), 1),
    (_re(r"(?:PHẦN|Phần|Chương|CHƯƠNG)\s+[IVXLC\d]+\s*[.:]?\s*"), 0),
    (_re(r"[IVX]{1,5}\s*[.)](?:\s+|$)"), 1),   # "I." alone on its line labels the next one
    (_re(r"[A-HK-UWYĐ]\s*[.)]\s+(?=[A-ZĐÀ-Ỹ])"), 0),
    (_re(r"\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+"), 4),
    (_re(r"\d{1,2}\.\d{1,2}\.?\s+"), 3),
    (_re(r"\d{1,2}\s*[.)]\s*(?=\S|$)"), 2),
    (_re(r"[a-zđ]\s*\)\s*"), 5),
    (_re(r"[a-zđ]\.\s+(?=[A-ZĐÀ-Ỹ])"), 5),   # "a. Chỉ đạo ...": the same rank as "a)"
    (_re(r"\((?:[ivx]{1,4}|\d{1,2}|[a-zđ])\)\s+"), 6),
    (_re(r"[-–](?=\s|[A-ZĐÀ-Ỹ])\s*"), 7),   # "- Nội dung", also "-Nội dung" as pasted
    (_re(r"[•·●▪◦*○◆❖➢►✓√]\s*"), 7),
    (_re(r"\+\s+"), 8),
]
# All the labels in one pattern, in the same order (the first alternative that matches wins, as
# the list above is tried): one match per line instead of one per kind of label.
_LABEL_RE = _re("|".join(f"(?P<r{i}>{rx.pattern})" for i, (rx, _) in enumerate(_LABELS)))
_LABEL_RANK = {f"r{i}": rk for i, (_, rk) in enumerate(_LABELS)}
_SENT_END = _re(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(]?[A-ZĐÀ-Ỹ])")
_ABBREV_BEFORE = _re(r"(?:\b(?:TP|Tp|ThS|TS|PGS|GS|BS|KS|St|Ông|Bà|v\.v|tr|Th)|\b[A-ZĐ])\.$")


@dataclass
class Block:
    """One line of the document: a paragraph, a list item or a table row."""

    start: int            # offset of the body (after the label)
    end: int              # end of the body (trailing spaces removed)
    line_start: int       # offset of the line (label included)
    label: str | None
    rank: int             # nesting rank of the label; 9 for plain paragraphs
    text: str             # the body
    cells: list[tuple[int, int]] | None = None  # table row cells (spans)


def blocks(text: str) -> list[Block]:
    """Split the cleaned text into blocks, one per non-empty line.

    A bare label on its own line ("1." then the text on the next line, a wrap
    artefact of copied documents) is joined to the line that follows.
    """
    out: list[Block] = []
    pos = 0
    n = len(text)
    pending: tuple[int, str, int] | None = None   # a bare label waiting for its text
    while pos <= n:
        nl = text.find("\n", pos)
        if nl == -1:
            nl = n
        line_start, line_end = pos, nl
        pos = nl + 1
        s = line_start
        while s < line_end and text[s] in " \t":
            s += 1
        e = line_end
        while e > s and text[e - 1] in " \t":
            e -= 1
        if s >= e:
            if pos > n:
                break
            continue
        sep = "|" if text.count("|", s, e) >= 2 else ("\t" if text.count("\t", s, e) >= 2 else None)
        if sep is not None:
            cells = []
            c = s
            for m in re.finditer(re.escape(sep), text[s:e]):
                cells.append(_trim(text, c, s + m.start()))
                c = s + m.end()
            cells.append(_trim(text, c, e))
            out.append(Block(s, e, line_start, None, 9, text[s:e], cells))
            pending = None
            continue
        label, rank, body_start = None, 9, s
        m = _LABEL_RE.match(text, s, e)
        if m:
            label, rank, body_start = text[s:m.end()].strip(), _LABEL_RANK[m.lastgroup], m.end()
        if label is not None and body_start >= e:
            pending = (line_start, label, rank)
            continue
        if label is None and pending is not None:
            line_start, label, rank = pending
        pending = None
        out.append(Block(body_start, e, line_start, label, rank, text[body_start:e]))
        if pos > n:
            break
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in " \t":
        a += 1
    while b > a and text[b - 1] in " \t":
        b -= 1
    return a, b


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (end punctuation kept)."""
    spans = []
    a = start
    for m in _SENT_END.finditer(text, start, end):
        cut = m.start()
        if _ABBREV_BEFORE.search(text, max(start, cut - 6), cut):
            continue
        if cut > a:
            spans.append(_trim(text, a, cut))
        a = m.end()
    if a < end:
        spans.append(_trim(text, a, end))
    return [s for s in spans if s[1] > s[0]]


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Semicolon-separated clauses of a sentence (parentheses respected)."""
    if text.find(";", start, end) == -1:
        c = _trim(text, start, end)
        return [c] if c[1] > c[0] else []
    out = []
    depth = 0
    a = start
    for i in range(start, end):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            out.append(_trim(text, a, i))
            a = i + 1
    out.append(_trim(text, a, end))
    return [c for c in out if c[1] > c[0]]


def is_caps_heading(body: str) -> bool:
    """A line in capitals ("II. NHIỆM VỤ TRỌNG TÂM")."""
    if any(ch.islower() for ch in body):
        return False
    return " " in body.strip() and sum(ch.isalpha() for ch in body) >= 4
