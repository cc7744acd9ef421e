"""The directive gate: text that is not a directive proposes no tasks.

The walk (tracker.parsing.core) reads every sentence as if it came from a directive, so
an encyclopaedia article ("Ban đầu, ...", "Trường phái ...") or a legal Q&A page quoting a
law ("Ủy ban nhân dân cấp tỉnh có trách nhiệm ...") yields tasks. The gate weighs evidence
before a task is kept:

1. Document: the header of an administrative document (issuing body with "Số: 15/CT-UBND",
   the Quốc hiệu, a kind line such as "CHỈ THỊ", "Kính gửi:") makes the text a directive and
   every task the walk found is kept, as before.
2. A directive body pasted without its header is mostly tasks: when at least half of its
   content lines open a task with a well-formed owner (or a plan/table row), all are kept.
3. Otherwise (news copies, portal summaries, articles, Q&A pages), the text is a
   directive only where it reports one: a lead sentence in which an authority assigns work
   to an agency ("Chủ tịch UBND tỉnh yêu cầu các sở ...", "Thủ tướng giao Bộ Xây dựng ...").
   A task is kept when it lies in such a directive passage (the lead's line and the few
   lines after it) AND its owner is a real agency noun phrase: a head noun followed by a
   proper continuation (a capitalised name, an abbreviation, administrative words such as
   "tỉnh", "cấp xã"), not any capitalised word ("Ban đầu", "Công ty đại", "Hội đồng").
   A collective owner ("các sở, ngành") is accepted only when a trigger verb names it.

The rules are general grammar, not lists of words from any corpus.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from .owners import _GROUP_NOUNS
from .owners import _HEADS
from .owners import _PERSON_HEADS
from .owners import _PROJECT_BOARD
from .owners import scan_agency
from .startcache import compile as _re  # re.compile, kept between processes

# -- document-level evidence ---------------------------------------------------

_QUOC_HIEU = _re(r"CỘNG H[OÒ]À XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc")


# The issuing body in capitals on one of the first lines ("ỦY BAN NHÂN DÂN", "BỘ XÂY DỰNG").
_ISSUER_LINE = _re(
    r"(?:ỦY BAN|UỶ BAN|UBND|BỘ|SỞ|VĂN PHÒNG|BAN|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY|THÀNH UỶ|ĐẢNG ỦY|ĐẢNG UỶ|CHÍNH PHỦ|"
    r"THỦ TƯỚNG|HỘI ĐỒNG NHÂN DÂN|HĐND|CỤC|TỔNG CỤC|CÔNG AN|BỘ CHỈ HUY)\b[^a-zà-ỹđ\n]{0,80}$")
_PLACE_DATE = _re(r"[A-ZĐÀ-Ỹ][^,\n]{1,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}")


# Lines of a header, each checked where the layout puts it (the first lines of the text): a
# number quoted in the middle of an article ("Giấy phép số 485/GP-BTTTT") is no header.
_NUMBER_LINE = _re(r"Số\s*:?\s*\d{1,6}(?:/\d{4})?\s*[/-]\s*[A-ZĐ]")
_KIND_LINE = _re(r"(?:CHỈ THỊ|KẾ HOẠCH|THÔNG BÁO|QUYẾT ĐỊNH|CÔNG ĐIỆN|CÔNG VĂN)(?:\s+[^a-zà-ỹđ]*)?$")
_ADDRESSEES = _re(r"Kính gửi\b")
_HEAD_LINES = 15


def has_directive_header(document: dict, text: str) -> bool:
    """An administrative document's header in its first lines: the Quốc hiệu, "Số: 15/CT-UBND",
    the kind line ("CHỈ THỊ"), "Kính gửi:", or the issuing body in capitals over the place-and-date
    line. `document` (what parse_header found) is not trusted alone: it searches the whole head."""
    if _QUOC_HIEU.search(text, 0, 3000):
        return True
    first = [ln.strip() for ln in text[:6000].split("\n") if ln.strip()][:_HEAD_LINES]
    if any(_NUMBER_LINE.match(ln) or _KIND_LINE.match(ln) or _ADDRESSEES.match(ln) for ln in first):
        return True
    return any(_ISSUER_LINE.match(ln) for ln in first[:4]) and any(_PLACE_DATE.match(ln) for ln in first)


# -- lead sentences of a reported directive -----------------------------------

# Who directs: a leader by title (optionally named), or a directing body.
_AUTHORITY = (
    r"(?:(?:[Đđ]ồng chí|[Ôô]ng|[Bb]à)\s+)?(?:Phó\s+)?(?:Tổng Bí thư|Bí thư|Chủ tịch|Thủ tướng|Bộ trưởng|Giám đốc|"
    r"Chủ nhiệm|Trưởng [Bb]an|Chánh Văn phòng|Lãnh đạo|Người đứng đầu)\b[^.;:!?\n]{0,120}?"
    r"|(?:[Đđ]ồng chí|[Ôô]ng|[Bb]à)(?:\s+[A-ZĐÀ-Ỹ][^\s,.;:]*){0,4}"
    r"|(?:UBND|(?:Ủy|Uỷ) ban nhân dân|Chính phủ|Ban Chỉ đạo|Ban Thường vụ|Thường trực|Tỉnh [uủ]ỷ|"
    r"Thành [uủ]ỷ)\b[^.;:!?\n]{0,80}?")
_LEAD = _re(
    r"(?:^|(?<=[\s,(\"“]))(?:" + _AUTHORITY + r")\s+(?:(?:cũng|còn|đồng thời|tiếp tục|đã)\s+)*"
    r"(?P<verb>yêu cầu|chỉ đạo|giao(?:\s+(?:nhiệm vụ\s+)?cho)?|đề nghị|phân công|kết luận|lưu ý|nhấn mạnh)"
    r"(?P<sep>\s*[,:]\s*|\s+)")
# The body of a directive, pasted without its header: an item that opens with the trigger
# verb ("1. Giao Sở Y tế chủ trì ...", "- Yêu cầu Công an tỉnh ...", "Đề nghị Ủy ban MTTQ ...").
_IMPERATIVE = _re(
    r"(?:^|(?<=[.;:]\s))(?:(?:\d{1,2}(?:\.\d{1,2})*\.?|[a-zđ]\)|\(\d{1,2}\)|[-+•–])\s*)?"
    r"(?:(?:Đồng thời|Ngoài ra|Bên cạnh đó|Trên cơ sở đó)\s*,\s*)?"
    r"(?P<verb>Giao(?:\s+(?:nhiệm vụ\s+)?cho)?|Yêu cầu|Đề nghị|Chỉ đạo|Phân công)(?P<sep>\s*[,:]\s*|\s+)")

_WINDOW_LINES = 3   # non-empty lines after a lead line that still belong to its passage


def lead_spans(text: str) -> list[tuple[int, int]]:
    """Directive passages: (start, end) from each lead line to a few lines after it."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for ln in text.split("\n"):
        if ln.strip():
            lines.append((pos, pos + len(ln)))
        pos += len(ln) + 1
    spans = []
    for k, (a, b) in enumerate(lines):
        if any(_is_lead(text, m) for rx in (_LEAD, _IMPERATIVE) for m in rx.finditer(text, a, b)):
            last = lines[min(k + _WINDOW_LINES, len(lines) - 1)][1]
            if spans and spans[-1][1] >= a:
                spans[-1] = (spans[-1][0], max(spans[-1][1], last))
            else:
                spans.append((a, last))
    return spans


def _is_lead(text: str, m: re.Match) -> bool:
    """The verb of a lead hands work to an agency (or opens a list of instructions)."""
    i = m.end()
    if m.group("sep").strip() == ":":
        return True
    ag = scan_agency(text, i, min(len(text), i + 300), allow_semicolon=True)
    return ag is not None and is_agency_phrase(ag.text, collective_ok=True)


# -- the agency grammar for an owner -----------------------------------------

_ALL_HEADS = sorted(set(_HEADS) | {" ".join(w[:1].upper() + w[1:] for w in h.split()) for h in _HEADS},
                    key=len, reverse=True)
_GROUPS = sorted(set(_GROUP_NOUNS), key=len, reverse=True)
_PEOPLE = sorted(set(_PERSON_HEADS), key=len, reverse=True)
# Administrative words that may follow a head in lower case ("UBND huyện X", "UBND cấp xã",
# "các sở, ban, ngành", "Ủy ban nhân dân tỉnh, thành phố trực thuộc Trung ương").
_ADMIN = frozenset("""
tỉnh thành phố huyện xã phường quận thị trấn đặc khu cấp các và ngành sở ban bộ cơ quan đơn vị
địa phương trực thuộc thuộc ngang liên quan có chuyên môn nhân dân đoàn thể chính trị hội
khu vực trung ương nhà nước tổ chức doanh nghiệp thành viên
""".split())
_ABBREV_WORD = _re(r"[A-ZĐ&][A-ZĐ&\-]*[A-ZĐ]|[A-ZĐ]+&[A-ZĐ]+|\d+")
_WORDS = _re(r"[^\s,;]+|[,;]")


def _strip_head(owner: str) -> tuple[str, str] | None:
    """(kind, rest) where kind is 'head', 'group' or None when no head noun opens the owner."""
    s = owner.strip()
    for p in _PEOPLE:   # "Giám đốc Sở Y tế" is named through its head
        if s.startswith(p + " "):
            s = s[len(p) + 1:].lstrip()
            break
    low = s.lower()
    if low.startswith("các "):
        rest = s[4:]
        for g in _GROUPS:
            if rest.startswith(g) and (len(rest) == len(g) or not rest[len(g)].isalnum()):
                return "group", rest[len(g):]
        return None
    for h in _ALL_HEADS:
        if s.startswith(h) and (len(s) == len(h) or not s[len(h)].isalnum()):
            return "head", s[len(h):]
    return None


def is_agency_phrase(owner: str | None, collective_ok: bool = False) -> bool:
    """A head noun with a proper continuation, or (when allowed) a collective "các ..." group.

    Proper continuation: the first word after the head is capitalised, an abbreviation or an
    administrative word; a later lower-case word needs a capitalised word before it in the
    same name ("Sở Y tế", "Sở Giáo dục và Đào tạo"), else it is not part of a name ("Công
    ty đại", "Bảo hiểm xã hội bắt"). A bare head ("Cơ quan", "Đơn vị") names nobody.
    """
    if not owner:
        return False
    if _PROJECT_BOARD.fullmatch(owner.strip()):
        return True   # "Ban Quản lý dự án đầu tư xây dựng tỉnh": the project board's own grammar
    found = _strip_head(owner)
    if found is None:
        return False
    kind, rest = found
    words = _WORDS.findall(rest)
    if kind == "group":
        if not collective_ok:
            return False
    elif not words:
        return False
    seen_cap = False
    after_comma = False
    for w in words:
        if w in ",;":
            after_comma = True
            seen_cap = False
            continue
        core = w.strip("()\"'“”.-–")
        if not core:
            continue
        if core[0].isupper() or _ABBREV_WORD.fullmatch(core):
            if after_comma and core.isdigit():
                return False   # "Thành phố Hồ Chí Minh, 2005": a citation, not a name
            seen_cap = True
        elif core.isdigit():
            if not seen_cap:
                return False
        elif core.lower() in _ADMIN:
            pass
        elif not seen_cap:
            return False
        after_comma = False
    return True


# -- the gate ----------------------------------------------------------------

_EXPLICIT_RULES = ("trigger:", "directive_list", "intro_list")
_STRUCTURE_RULES = ("plan_block", "plan_item_attributes", "table_row")
# Attribute lines of a plan block ("Cơ quan chủ trì: ...", "Thời gian: ...") belong to the task above.
_ATTRIBUTE_LINE = _re(r"\s*(?:(?:[-+•]|[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*\.)\s*)?(?:Cơ quan|Đơn vị|Chủ trì|Phối hợp|"
                      r"Thời gian|Thời hạn|Tiến độ|Sản phẩm|"
                             r"Kết quả|Kinh phí|Nguồn kinh phí|Hình thức)[^:\n]{0,40}:", re.I)
BODY_DENSITY = 0.5   # share of a pasted body's lines that open a task (non-directive pages stay below 0.3)


def body_density(text: str, tasks: list) -> float:
    """Share of the content lines that open a task with a well-formed owner (or a plan/table row).

    A directive body pasted without its header ("1. Giao Sở Y tế ...", "2. Sở Tài chính ...")
    is mostly tasks; an article or a Q&A page that happens to contain a few is mostly not."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    content = 0
    for k, a in enumerate(starts):
        b = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
        if text[a:b].strip() and not _ATTRIBUTE_LINE.match(text, a, b):
            content += 1
    if not content:
        return 0.0
    lines = set()
    for task in tasks:
        if is_agency_phrase(task.owner, collective_ok=True) or (
                task.owner is None and any(r.startswith(_STRUCTURE_RULES) for r in task.reasons)):
            lines.add(bisect_right(starts, task.start))
    return len(lines) / content


def keep_tasks(text: str, document: dict, tasks: list) -> list:
    """The tasks (TaskDraft, in document order) the evidence supports; see the module doc."""
    if not tasks or has_directive_header(document, text) or body_density(text, tasks) >= BODY_DENSITY:
        return tasks
    spans = lead_spans(text)
    if not spans:
        return []
    starts = [a for a, _ in spans]
    kept = []
    for task in tasks:
        k = bisect_right(starts, task.start) - 1
        if k < 0 or task.start > spans[k][1]:
            continue
        explicit = any(r.startswith(_EXPLICIT_RULES) for r in task.reasons)
        if not is_agency_phrase(task.owner, collective_ok=explicit):
            continue
        kept.append(task)
    return kept
