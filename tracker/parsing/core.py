"""parse_directive: walk the document structure and collect tasks.

The walk reads the document block by block (tracker.parsing.segment) and keeps:
- a stack of headings: an agency heading ("3. Sở Y tế:", "Giao Sở Nội vụ") gives its
  owner to the items under it; aims, targets and assessment sections only yield
  explicit assignments;
- Kế hoạch blocks whose owner and deadline come in attribute lines after the task
  ("Cơ quan chủ trì: ...", "Thời gian thực hiện: ...") or inline ("Chủ trì: X; phối hợp: Y");
- the header row of an appendix table;
- the owner of the last task, for "Đồng thời, chỉ đạo ...".
Inside a block each sentence is asked who it assigns (tracker.parsing.tasks); a sentence
is split into several tasks only when its clauses carry deadlines of their own.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from tracker.textfold import fold_name

from .deadlines import DeadlineHit
from .gate import keep_tasks
from .header import parse_header
from .header import urgency_mark
from .normalize import normalize
from .output import DocumentHeader
from .output import ParsedDocument
from .owners import _HEADS as _AGENCY_HEADS
from .owners import _PERSON_HEADS
from .owners import Agency
from .owners import _is_predicate
from .owners import find_agencies
from .owners import scan_agency
from .owners import split_agency_list
from .registry import as_registry
from .result import TaskDraft
from .result import collect_crashes
from .result import deadline_in
from .result import deadlines_of
from .result import to_contract
from .segment import Block
from .segment import blocks
from .segment import clauses
from .segment import is_caps_heading
from .segment import sentences
from .startcache import compile as _re  # re.compile, kept between processes
from .tasks import Assignment
from .tasks import coordinators_in
from .tasks import find_assignment
from .tasks import is_nontask
from .tasks import joint_end
from .tasks import owner_text

# Sections whose items are aims, targets, budget or assessment, not assignments.
_NONTASK_SECTION = _re(
    r"^(?:MỤC ĐÍCH|MỤC TIÊU|YÊU CẦU|QUAN ĐIỂM|ĐÁNH GIÁ|KẾT QUẢ|TÌNH HÌNH|BỐI CẢNH|CHỈ TIÊU|"
    r"PHẠM VI|ĐỐI TƯỢNG|CĂN CỨ|SỰ CẦN THIẾT|NGUYÊN TẮC|THỰC TRẠNG|Mục đích|Mục tiêu|Yêu cầu\b|Quan điểm|Đánh giá|"
    r"Kết quả|Tình hình|Chỉ tiêu|Phạm vi|Đối tượng"
    # a procedure: who appraises what in a dossier ("Trách nhiệm phối hợp trong công tác thẩm định ...")
    r"|(?:Trách nhiệm|Nội dung|Quy trình|Trình tự)\b[^.]{0,80}\bthẩm định\b)")
_STOP_SECTION = _re(r"^(?:Nơi nhận|NƠI NHẬN)\s*:?")
_RESUME_SECTION = _re(r"^(?:PHỤ LỤC|Phụ lục|DANH MỤC)")
# The heading of an appendix ("PHỤ LỤC I", "Phụ lục:", "DANH MỤC THỦ TỤC HÀNH CHÍNH ..."): from there
# on the document holds data (procedure lists, statistics, company lists); only the rows of a task
# table (a header naming the task and its lead) assign anything.
_APPENDIX = _re(r"^(?:PHỤ LỤC|Phụ lục)(?:\s+(?:[IVX]{1,5}|\d{1,2}|số\s*\d{1,2}))?\s*[:.]?\s*(?:$|[A-ZĐ(\-])"
                r"|^DANH MỤC\b")
_ADDRESSEES = _re(r"^(?:Kính gửi|KÍNH GỬI)\s*:?|^[^\n]{0,400}\s(?:điện|ĐIỆN)\s*:\s*$")  # "CHỦ TỊCH UBND TỈNH ... điện:"
_ATTR = _re(
    r"^(?:(?P<lead>(?:Cơ quan|Đơn vị)\s+(?:chủ trì|thực hiện|chịu trách nhiệm)(?:\s*\(?tham mưu\)?)?(?:\s+thực hiện)?|"
    r"Chủ trì(?:\s+thực hiện)?)"
    r"|(?P<co>(?:Cơ quan|Đơn vị)\s+phối hợp(?:\s+thực hiện)?|Phối hợp(?:\s+thực hiện)?)"
    r"|(?P<time>Thời (?:gian|hạn)(?:\s+(?:thực hiện|hoàn thành|báo cáo))?|Tiến độ(?:\s+thực hiện)?)"
    r"|(?P<other>Sản phẩm|Kết quả đầu ra|Kinh phí|Nguồn kinh phí|Hình thức))\s*:\s*", re.I)
_TASK_LABEL = _re(r"^(?:Nhiệm vụ|Nội dung(?: thực hiện)?|Nhiệm vụ, giải pháp)\s*:\s*", re.I)
_TOPIC_PREFIX = _re(r"^(?:(?:Về|Đối với)\s[^:]{2,400}?|[^:.;]{2,90}):\s+(?=\S)")
_INLINE_ATTR = _re(
    r"(?:^|[.;]\s*)(?P<key>[Cc]hủ trì|[Cc]ơ quan chủ trì|[Đđ]ơn vị chủ trì|[Pp]hối hợp|[Cc]ơ quan phối hợp|"
    r"[Đđ]ơn vị phối hợp|"
    r"[Tt]hời gian(?: hoàn thành| thực hiện)?|[Tt]hời hạn(?: hoàn thành)?)\s*:\s*")
_PLACE_DATE_LINE = _re(r"^[A-ZĐÀ-Ỹ][^,\n]{1,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\s*$")
_END_PUNCT = _re(r"[.;!?]")
_LIST_INTRO = _re(r"(?:sau|như sau|sau đây|cụ thể|gồm|bao gồm|cụ thể như sau)\s*:\s*$")
_ACCOUNTABLE = _re(r"chịu trách nhiệm")
# "Chủ tịch UBND tỉnh chỉ đạo: ...", "Đồng thời nhấn mạnh: ...", "yêu cầu các sở, ngành: ..."
_DIRECTIVE_LIST = _re(
    r"(?:(?:Chủ tịch|Bí thư|Thủ tướng|[Đđ]ồng chí|Đồng thời|Ngoài ra)[^.;:]{0,120}?\s)?"
    r"(?:chỉ đạo|yêu cầu|đề nghị|nhấn mạnh|lưu ý|giao)(?:\s+(?P<object>[^:;.]{3,80}?))?\s*:\s*")
_STARTERS_IN_LIST = _re(r"(?:Trước mắt|Trong đó|Đồng thời|Ngoài ra|Trong năm \d{4}|Thời gian tới)\s*,\s*")
# A list intro that hands over tasks ("... khẩn trương triển khai các nội dung sau:"), not one that
# notes orientations ("trong đó lưu ý một số nội dung trọng tâm sau:").
_EXEC_LIST = _re(r"(?:(?:triển khai|thực hiện|tập trung|khẩn trương|chỉ đạo)\b[^:;]{0,60}?\b(?:nội dung|nhiệm vụ|việc|"
                 r"biện pháp|giải pháp)\b"
                        r"|(?:triển khai|thực hiện|tập trung|khẩn trương|chỉ đạo)\b[^:;]{0,300}?,\s*(?:một số|các|"
                        r"những) (?:nội dung|nhiệm vụ|việc|biện pháp|giải pháp)\b)"
                        r"[^:;]{0,40}?\b(?:sau|sau đây|như sau)\s*:\s*$")
# "... các nhiệm vụ trọng tâm sau:" lists orientations: the intro itself is the task.
_ORIENTATION_LIST = _re(r"\b(?:trọng tâm|chủ yếu|định hướng|lưu ý)\b[^:;]{0,200}:\s*$")
_HEADING_PREFIX = _re(r"(?:Đối với|Riêng|Trách nhiệm của|Nhiệm vụ của|Về phía)\s+")
# "5. Các chủ rừng là tổ chức (các Ban quản lý rừng ...)": a heading that qualifies its body
_HEADING_QUALIFIER = _re(r"(?:\(|(?:là|gồm|thuộc|trực thuộc|của|tại|trên địa bàn)\b)")
_CARRY_OVER = _re(r"(?:Đồng thời|Bên cạnh đó|Ngoài ra|Trên cơ sở đó|Sau đó|Cùng với đó)\s*,?\s*")


def _skip_spaces(t: str, i: int, b: int) -> int:
    while i < b and t[i] in " ,":
        i += 1
    return i


_CAPS_HEADS = sorted(set(_AGENCY_HEADS + _PERSON_HEADS + ["các"]), key=len, reverse=True)
_ACRONYM = _re(r"[A-ZĐ&\-]*(?:&|UBND|HĐND|MTTQ|BCH|BQL|KBNN|BHXH|VNPT|EVN|PVN|ACV|VPCP|TP)[A-ZĐ&\-]*[.,:;]?")


def _caps_agency(body: str) -> str | None:
    """The agency named by a heading in capitals ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG:"), else None.

    The head noun is restored from the vocabulary ("ỦY BAN NHÂN DÂN" -> "Ủy ban nhân dân"),
    the name words are capitalised as in a proper name, and the phrase must be the whole heading."""
    text = body.strip().rstrip(":").strip()
    if not text or len(text) > 160 or not text.isupper():
        return None
    low = text.lower()
    head = next((h for h in _CAPS_HEADS
                 if low.startswith(h.lower()) and (len(low) == len(h) or not low[len(h)].isalnum())), None)
    if head is None:
        return None
    rest = " ".join(w if _ACRONYM.fullmatch(w) else w[:1] + w[1:].lower() for w in text[len(head):].split(" "))
    rest = re.sub(r"\b(Và|Các|Của)\b", lambda m: m.group(1).lower(), rest)
    titled = head + rest
    ag = scan_agency(titled, 0, len(titled), allow_semicolon=True)
    if ag is None:
        return None
    end = joint_end(titled, ag, len(titled))
    if titled[end:].strip(" .,;"):
        return None
    return owner_text(ag) if end == ag.end else titled[titled.find(ag.text[:3]) if ag.start else 0:end]


def _carries(t: str, i: int, b: int) -> bool:
    """ "Đồng thời, chỉ đạo ..." keeps the previous owner; "Đồng thời, HĐND tỉnh sẽ ..." has its own
    subject and "Đồng thời, đề cao vai trò ..." states no action."""
    return scan_agency(t, i, b) is None and _is_predicate(t, i, b)


@dataclass
class _Heading:
    rank: int
    owner: str | None
    co_owners: list[str] = field(default_factory=list)
    nontask: bool = False
    intro: bool = False   # an unlabeled list intro ("X ... triển khai các nội dung sau:")
    hit: object = None    # a deadline the intro sets for its items ("..., hoàn thành trong tháng 11 năm 2025, cụ thể:")
    intro_task: object = None   # the intro's own task, dropped if its items name owners of their own
    count: int = 0              # number of tasks when the heading was opened


@dataclass
class _Group:
    rank: int
    tasks: list[TaskDraft]


def parse_directive(text: str, issued: date | str | None = None, units=None) -> ParsedDocument:
    """Parse a directive: its header facts and tasks (a frozen ParsedDocument; `.to_dict()` is
    the JSON of issue #3)."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if isinstance(issued, str):
        issued = date.fromisoformat(issued)
    norm = normalize(text)
    t = norm.text
    document = parse_header(t, issued)
    ref_date = issued or (date.fromisoformat(document["issued"]) if document.get("issued") else date.today())
    registry = as_registry(units)
    crashes = collect_crashes()
    walker = _Walker(t, ref_date)
    # in a central document "UBND tỉnh" is an addressee; in a provincial one it is the issuer
    walker.central = bool(re.search(r"CHÍNH PHỦ|THỦ TƯỚNG|^BỘ\s", (document.get("issuer") or "").upper()))
    walker.run()
    tasks = []
    marked = urgency_mark(text) is not None   # the raw text: the mark's column gap survives there
    issue_known = issued is not None or document.get("issued") is not None
    for task in keep_tasks(t, document, walker.tasks):   # text that is no directive gives no task
        tasks.append(to_contract(task, t, norm, ref_date, registry, marked=marked, issue_known=issue_known,
                                 crashes=crashes))
    return ParsedDocument(DocumentHeader.from_dict(document), tuple(tasks))


class _Walker:
    """Walks the blocks of one document and collects TaskDraft objects."""

    def __init__(self, text: str, issued: date):
        self.t = text
        self.issued = issued
        self.tasks: list[TaskDraft] = []
        self.headings: list[_Heading] = []
        self.group: _Group | None = None
        self.table_cols: dict[str, int] | None = None
        self.last_owner: str | None = None
        self.stopped = False
        self.appendix = False       # inside an appendix: only task-table rows count
        self.table_rows = 0         # rows read in the current table (0: not in a table)
        self.in_addressees = False
        self.pending: tuple[Block, int] | None = None   # a content block that gave no task
        self.recent: list[TaskDraft] = []                   # tasks of the last content block
        self.intro: tuple[TaskDraft, int] | None = None     # an intro task, dropped if its list names owners
        self.central = False                            # issued by the Government or a ministry
        self.next_rank = 99                             # rank of the next labelled line (99: none)
        self.appendix_ref = None                        # deadline of the body item that cites the appendix

    # -- structure -------------------------------------------------------
    def run(self) -> None:
        blks = blocks(self.t)
        for k, blk in enumerate(blks):
            if self.intro is not None and blk.label and blk.rank <= 1:
                self.close_intro()
            # the rank of the next labelled line: a short line with items under it is a heading
            self.next_rank = blks[k + 1].rank if k + 1 < len(blks) and blks[k + 1].label else 99
            self.visit(blk)
        self.pop_to(-1)   # close the headings still open at the end
        self.close_intro()

    def close_intro(self) -> None:
        if self.intro is None:
            return
        task, count = self.intro
        self.intro = None
        later = self.tasks[count:]
        if any(x.owner and (x.owner != task.owner or "intro_list" in x.reasons) for x in later) and task in self.tasks:
            self.tasks.remove(task)

    def cancel_intro_list(self) -> None:
        """A list that names owners of its own ("4. Sở Nông nghiệp và Môi trường") was no list of
        the intro's tasks: the intro was a preamble, and its items before were principles."""
        if not any(h.intro for h in self.headings):
            return
        self.headings = [h for h in self.headings if not h.intro]
        self.tasks = [x for x in self.tasks if "intro_list" not in x.reasons]

    def close_heading(self, head: _Heading) -> None:
        """ "b) Các Bộ: Tài chính, Y tế ... khẩn trương khắc phục ..., cụ thể:" over "(1) Bộ Tài chính ...",
        "(2) Bộ Y tế ...": items that name owners of their own make the intro a preamble, not a task."""
        task = head.intro_task
        if task is None or task not in self.tasks:
            return
        later = [x for x in self.tasks[head.count:]
                 if x.owner and not {"agency_heading", "intro_list"} & set(x.reasons)]
        intro_text = self.t[task.start:task.end]
        # the items share out the bodies the intro lists ("Các Bộ: Tài chính, Y tế" -> "(2) Bộ Y tế ...")
        if later and any(x.owner != task.owner for x in later) and all(
                x.owner.split(" ", 1)[-1] in intro_text for x in later):
            self.tasks.remove(task)

    def inherited(self) -> _Heading | None:
        for h in reversed(self.headings):
            if h.owner:
                return h
        return None

    def in_nontask_section(self) -> bool:
        return any(h.nontask for h in self.headings)

    def pop_to(self, rank: int) -> None:
        while self.headings and self.headings[-1].rank >= rank:
            self.close_heading(self.headings.pop())
        if self.group and self.group.rank >= rank:
            self.group = None

    def visit(self, blk: Block) -> None:
        if not self._visit_frame(blk):
            self._visit_body(blk)

    def _visit_frame(self, blk: Block) -> bool:
        """Blocks that frame the content (fillers, appendix, stop/resume sections, addressees, table
        rows, place and date, capitals headings, plan attributes): True when the block is used up."""
        t = self.t
        body = blk.text
        if blk.cells is None and _FILLER.fullmatch(body):
            return True   # "…......": a page-break filler, inside a table as anywhere
        if blk.cells is None and "|" not in body:
            self.table_rows = 0   # "I | KIỆN TOÀN ...": a section row inside the table keeps it going
        if blk.label is None and _APPENDIX.match(body):
            self.appendix = True
            self.stopped = False
            self.headings = []
            self.group = None
            return True
        if self.appendix and blk.cells is None:
            return True
        if self.stopped:
            if _RESUME_SECTION.match(body) or blk.cells:
                self.stopped = False
                self.headings = []
            else:
                return True
        if _STOP_SECTION.match(body):
            self.stopped = True
            return True
        if _ADDRESSEES.match(body):
            self.in_addressees = True
            glued = _GLUED_BODY.search(body, 10) if len(body) > 200 else None
            if glued:
                # "Kính gửi: Các đồng chí Bộ trưởng ... Thực hiện Kết luận số ...": the first paragraph
                # was glued to the addressee line; read it as a paragraph of its own
                self.in_addressees = False
                a = blk.start + glued.start() + 1
                self.visit(Block(a, blk.end, a, None, 9, t[a:blk.end]))
            return True
        if self.in_addressees:
            # the addressees are "- " / "+ " bullets or short lines; a paragraph starts the body
            if 7 <= blk.rank <= 8 or (blk.label is None and len(body) < 120 and body.endswith((";", ".", ","))):
                return True
            self.in_addressees = False
        if blk.cells is not None:
            self.visit_row(blk)
            return True
        if _PLACE_DATE_LINE.match(body):
            return True
        if blk.label is None and (is_caps_heading(body) and len(body) < 300):
            # a heading in capitals without a label (title lines, "QUYẾT ĐỊNH:")
            self.pop_to(0)
            self.headings.append(_Heading(0, None, nontask=bool(_NONTASK_SECTION.match(body))))
            return True
        # attribute lines of a Kế hoạch block
        am = _ATTR.match(body)
        if am:
            self.apply_attribute(blk, am)
            return True
        return False

    def _visit_body(self, blk: Block) -> None:
        """A paragraph of the content: headings, intros, agency headings and the tasks themselves."""
        t = self.t
        body = blk.text
        # a non-attribute block ends the run of lines that attributes attach to
        self.recent = []
        self.pending = None
        if blk.label is None and self.headings and self.headings[-1].intro:
            self.headings.pop()   # the list under an intro ends at the next plain paragraph
        if blk.rank < 9:
            self.pop_to(blk.rank)
        if blk.label and is_caps_heading(body) and not self.in_nontask_section():
            owner = _caps_agency(body)
            if owner:
                # "2. SỞ CÔNG THƯƠNG:" - an agency heading written in capitals
                self.cancel_intro_list()
                self.headings.append(_Heading(blk.rank, owner))
                return
        if blk.label and (is_caps_heading(body) or blk.rank <= 1 and len(body) < 200 and not body.endswith(".")):
            self.headings.append(_Heading(blk.rank, None, nontask=bool(_NONTASK_SECTION.match(body.lstrip()))))
            return
        start = blk.start
        tm = _TASK_LABEL.match(body)
        if tm:
            start = blk.start + tm.end()
            self.group = _Group(blk.rank, [])
            if start >= blk.end:
                return
        if self.in_nontask_section():
            # aims, targets, assessment: only an explicit assignment is a task there
            self.visit_content(blk, start, explicit_only=True)
            return
        # an agency heading ("3. Sở Y tế:", "2. Sở Nông nghiệp và Môi trường")
        head = self.agency_heading(blk)
        if head is not None:
            self.cancel_intro_list()
            if not blk.label:
                head.rank = self.child_rank(blk)  # "Sở Y tế:" on a line of its own heads the "- " items below
            self.headings.append(head)
            return
        # an intro that ends with ":" ("4. Về giải ngân vốn đầu tư công:", "Giao Sở Nội vụ:")
        # gives its owner (if it names one) to the items below
        bare = self.is_bare_assignment(blk)
        if body.endswith(":") or bare:
            end = blk.end - 1 if body.endswith(":") else blk.end
            # the intro is the paragraph's last sentence ("Trẻ em ... . Để làm tốt việc này, yêu cầu X ... sau:")
            sents_ = sentences(t, blk.start, end) if body.endswith(":") else []
            intro_start = sents_[-1][0] if sents_ else blk.start
            asg = (find_assignment(t, intro_start, end)
                   or (find_assignment(t, blk.start, end) if intro_start > blk.start else None))
            if blk.label or bare:
                head = _Heading(self.child_rank(blk), asg.owner if asg else None, asg.co_owners if asg else [])
                hit = deadline_in(t, intro_start, blk.end, self.issued) if asg is not None else None
                own_hit = (deadline_in(t, max(intro_start, asg.action_start), blk.end, self.issued) if asg is not None
                           else None)
                if _dated(own_hit) and getattr(own_hit, "deadline", None):
                    head.hit = own_hit   # a date in the intro's own action, not in a purpose clause before it
                if asg is not None and asg.owner and not bare and self.intro_has_action(asg, end):
                    # "1. Bí thư ... và Chủ tịch UBND các tỉnh: ... tiếp tục phân công nhiệm vụ cụ thể ...,
                    # trong đó tập trung một số nhiệm vụ sau:" - the intro acts, and heads its items
                    task = TaskDraft(asg.owner, asg.co_owners, intro_start, blk.end, asg.action_start,
                                     [asg.rule, "list_intro"], 0.8)
                    task.hit = hit
                    task.deadline_span = (intro_start, blk.end)
                    self.tasks.append(task)
                    head.intro_task = task
                head.count = len(self.tasks)
                self.headings.append(head)
                return
            if asg is None:
                return
            if _LIST_INTRO.search(body) and not self.in_nontask_section():
                # "Chủ tịch UBND tỉnh yêu cầu X ... các nhiệm vụ sau:" is a task only
                # when the list under it names no owner of its own
                before = len(self.tasks)
                self.visit_content(blk, start)
                if len(self.tasks) > before:
                    self.intro = (self.tasks[-1], len(self.tasks))
                if asg.owner and _EXEC_LIST.search(body) and not _ORIENTATION_LIST.search(body):
                    # "Bộ Y tế đề nghị Sở Y tế các tỉnh ... triển khai các nội dung sau:" - the items
                    # below are its tasks, unless the list turns out to name its own owners
                    self.headings.append(_Heading(self.child_rank(blk), asg.owner, asg.co_owners, intro=True))
                return
        if (blk.label and blk.rank <= 4 and len(body) < 160 and not re.search(r"[.;:]$", body)
                and not find_agencies(t, blk.start, blk.end) and " " in body and body[0].isupper()
                and not _has_deadline_words(body)):
            # short numbered title without a final stop ("1. Về dữ liệu", "4.1. Kinh phí thực hiện")
            self.headings.append(_Heading(blk.rank, None, nontask=bool(_NONTASK_SECTION.match(body))))
            self.pending = (blk, blk.start)
            return
        if not tm:
            inline = self.inline_agency_heading(blk)
            if inline is not None:
                # "2. Sở Y tế: chủ trì, phối hợp với ..." - a heading and its item on one line
                self.headings.append(_Heading(blk.rank, inline[0]))
                self.visit_content(blk, inline[1])
                return
            pm = _TOPIC_PREFIX.match(body)
            if pm and blk.label and not _ATTR.match(body) and _looks_topic(body[: pm.end()]):
                start = blk.start + pm.end()
        self.visit_content(blk, start)

    def intro_has_action(self, asg: Assignment, end: int) -> bool:
        """Does a list intro state an action of its own before "... các nhiệm vụ sau:"?"""
        tail = self.t[max(asg.action_start, asg.owner_start or 0):end]
        tail = _INTRO_TAIL.sub("", tail)
        if re.search(r"\b(?:có trách nhiệm|phải|cần)\s*$", tail):
            return False   # "Giao X chỉ đạo các đơn vị ... có trách nhiệm:" - the action comes in the items
        return len(tail.split()) >= 12

    def inline_agency_heading(self, blk: Block) -> tuple[str, int] | None:
        """(owner, content start) for "Sở Y tế: <content>" lines."""
        t = self.t
        ag = scan_agency(t, blk.start, blk.end, allow_semicolon=True)
        if ag is None:
            return None
        end = joint_end(t, ag, blk.end)
        m = _re(r"\s*:\s+(?=\S)").match(t, end, blk.end)
        if not m:
            # "Cục Di sản văn hóa: Chủ trì ...": a name the vocabulary does not cover to its end, then the colon
            colon = t.find(":", end, min(blk.end, end + 60))
            if (colon == -1 or "\n" in t[end:colon] or re.search(r"[.;,(]", t[end:colon])
                    or not _names_only(t, end, colon)):
                return None
            m = _re(r"\s*:\s+(?=\S)").match(t, colon, blk.end)
            if not m:
                return None
            return owner_text(Agency(ag.start, colon, t[ag.start:colon].strip(), ag.group)), m.end()
        owner = owner_text(ag) if end == ag.end else t[blk.start:end]
        return owner, m.end()

    def child_rank(self, blk: Block) -> float:
        """Rank of a heading made from this block: unlabeled intros nest in their context."""
        if blk.label:
            return blk.rank
        return (self.headings[-1].rank if self.headings else 0) + 0.5

    def is_bare_assignment(self, blk: Block) -> bool:
        """ "Giao Sở Nội vụ", "Đề nghị Ủy ban MTTQ", "Các đơn vị cấp nước ... có trách nhiệm":
        an owner with no action, introducing the lines below."""
        t = self.t
        if len(blk.text) > 400 or _END_PUNCT.search(blk.text.rstrip()[-1:]):
            return False
        body = blk.text.rstrip(" :")
        asg = find_assignment(t, blk.start, blk.start + len(body))
        if asg is None or asg.owner_start is None:
            return False
        ag_end = asg.owner_start + len(asg.owner or "")
        tail = t[max(ag_end, asg.action_start):blk.start + len(body)].strip(" ,;")
        covered = find_agencies(t, max(ag_end, asg.action_start), blk.start + len(body))
        if covered and covered[-1].end >= blk.start + len(body) - 1:
            return True
        return not tail or bool(re.fullmatch(r"(?:có trách nhiệm|thực hiện(?: các| những)? (?:nhiệm vụ|"
                                             r"nội dung)(?: sau| như sau)?|(?:tập trung )?(?:thực hiện|"
                                             r"triển khai) (?:một số|các) (?:nhiệm vụ|nội dung)[^.]{0,60})", tail))

    def agency_heading(self, blk: Block) -> _Heading | None:
        t = self.t
        body = blk.text.rstrip()
        if not blk.label and not body.endswith(":"):
            return None
        core_end = blk.end - 1 if body.endswith(":") else blk.end
        if core_end - blk.start > 220 or "." in t[blk.start:core_end].rstrip("."):
            return None
        pm = _HEADING_PREFIX.match(t, blk.start, core_end)   # "3. Đối với Sở Y tế:", "Trách nhiệm của Sở Y tế:"
        first = pm.end() if pm else blk.start
        ag = scan_agency(t, first, core_end, allow_semicolon=True)
        if ag is None:
            return None
        end = ag.end
        # further agencies joined by "và" / "," / ";" belong to the same heading
        while True:
            m = _re(r"\s*(?:,|;|và)\s*").match(t, end, core_end)
            if not m:
                break
            nxt = scan_agency(t, m.end(), core_end, allow_semicolon=True)
            if nxt is None:
                break
            end = nxt.end
        rest = t[end:core_end].strip(" ,;.")
        if rest and not (_HEADING_QUALIFIER.match(rest) and not body.endswith((".", ";"))):
            heads_items = self.next_rank < 99 and self.next_rank > blk.rank and len(body) < 120
            if not (blk.label and not body.endswith((".", ";")) and (_names_only(t, end, core_end) or heads_items)):
                return None
            # "3. Vụ Tổ chức cán bộ", "2. Tiểu ban giúp việc Ban Chỉ đạo 934", "1. Thủ trưởng các cơ quan,
            # đơn vị được giao nhiệm vụ": a name the vocabulary does not cover to its end, with no verb
            return _Heading(blk.rank,
                            owner_text(Agency(ag.start, core_end, t[ag.start:core_end].strip(" ,;."), ag.group)))
        owner = owner_text(ag) if end == ag.end else t[first:end]
        return _Heading(blk.rank, owner)

    # -- tables ------------------------------------------------------------
    def visit_row(self, blk: Block) -> None:
        t = self.t
        cells = [t[a:b] for a, b in blk.cells]
        low = [c.lower() for c in cells]
        self.table_rows += 1
        if self.table_rows == 1:
            self.table_cols = None   # a new table: its own header (or none: a data table)
        if self.table_rows <= 2 and _is_task_header(low):
            self.table_cols = _header_columns(low)
            return
        cols = self.table_cols
        if not cols or "task" not in cols or len(cells) <= cols["task"]:
            return
        if not cells[cols["task"]].strip():
            return
        owner = None
        if "lead" in cols and cols["lead"] < len(cells):
            a, b = blk.cells[cols["lead"]]
            ag = scan_agency(t, a, b, allow_semicolon=True)
            owner = owner_text(ag) if ag and ag.end >= b - 2 else (t[a:b].strip() or None)
        co: list[str] = []
        if "co" in cols and cols["co"] < len(cells):
            a, b = blk.cells[cols["co"]]
            co = split_agency_list(t, a, b) or [x.strip() for x in re.split(r"[;,]", t[a:b]) if x.strip()]
        dspan = blk.cells[cols["time"]] if "time" in cols and cols["time"] < len(cells) else blk.cells[cols["task"]]
        ta, tb = blk.cells[cols["task"]]
        task = TaskDraft(owner, co, blk.line_start, blk.end, ta, ["table_row"], 0.9, action_end=tb)
        task.hit = deadline_in(t, dspan[0], dspan[1], self.issued)
        ym = _YEAR_CELL.fullmatch(t, dspan[0], dspan[1]) if "time" in cols else None
        if task.hit is None and ym:
            # a bare year in the time column ("2025") is the end of that year
            task.hit = DeadlineHit(0, dspan[1] - dspan[0], t[dspan[0]:dspan[1]], date(int(ym.group(1)), 12, 31),
                                   None, False, False, "year_cell")
        task.deadline_span = dspan
        if "time" not in cols and self.appendix and self.appendix_ref is not None:
            task.hit = self.appendix_ref
            task.deadline_span = None
            task.reasons.append("deadline_inherited")
        self.tasks.append(task)

    # -- Kế hoạch attribute lines ------------------------------------------------
    def apply_attribute(self, blk: Block, am: re.Match) -> None:
        t = self.t
        g = self.group
        if g is None or not g.tasks:
            if self.recent:
                g = _Group(blk.rank - 1, self.recent)
            elif self.pending is not None:
                # a noun-phrase item ("a) Nghị định quy định ...") that the attribute
                # lines below turn into a task
                pblk, pstart = self.pending
                task = TaskDraft(None, [], pblk.line_start if pblk.label else pstart, pblk.end, pstart,
                                 ["plan_block"], 0.75)
                task.hit = deadline_in(self.t, pstart, pblk.end, self.issued)
                task.deadline_span = (pstart, pblk.end)
                self.tasks.append(task)
                self.recent = [task]
                self.pending = None
                g = _Group(blk.rank - 1, self.recent)
            else:
                return
        a = blk.start + am.end()
        b = blk.end
        if am.group("lead"):
            if a >= b:
                return  # "b) Cơ quan thực hiện:" followed by its own lines
            ag = scan_agency(t, a, b, allow_semicolon=False)
            owner = owner_text(ag) if ag else t[a:b].strip(" .;")
            co = []
            # "Cơ quan thực hiện: A; B; C" -> A leads, the rest coordinate
            if ag is not None:
                rest = t[ag.end:b]
                if re.match(r"\s*[;,]\s*", rest):
                    co = split_agency_list(t, ag.end, b)
            for task in g.tasks:
                task.owner = owner
                if co:
                    task.co_owners = co
                task.reasons.append("plan_block_owner")
        elif am.group("co"):
            co = split_agency_list(t, a, b) or [x.strip(" .") for x in re.split(r"[;,]", t[a:b]) if x.strip(" .")]
            for task in g.tasks:
                task.co_owners = co
        elif am.group("time"):
            hit = deadline_in(t, a, b, self.issued)
            for task in g.tasks:
                if task.hit is None or (hit is not None and getattr(task.hit, "deadline", None) is None):
                    task.hit = hit
                    task.deadline_span = (a, b)
                    task.reasons.append("plan_block_time")

    # -- content -------------------------------------------------------------
    def visit_content(self, blk: Block, start: int, explicit_only: bool = False) -> None:
        before = len(self.tasks)
        self._visit_content(blk, start, explicit_only)
        made = self.tasks[before:]
        lead = next((h for h in reversed(self.headings) if h.hit is not None), None) if made else None
        for task in made if lead is not None else ():
            if not _dated(task.hit):
                # the lead line's deadline covers the items that set none of their own
                task.hit = lead.hit
                task.deadline_span = None
                task.reasons.append("deadline_inherited")
        refs = [m.start() for m in _APPENDIX_REF.finditer(self.t, blk.start, blk.end)] if made else []
        for task in made if refs else ():
            if (_dated(task.hit) and getattr(task.hit, "deadline", None)
                    and any(task.start <= r < task.end for r in refs)):
                # "... xử lý các kiến nghị ... (Phụ lục kèm theo), hoàn thành trước ngày 15/12/2025": the
                # appendix rows without a time column of their own carry this deadline
                self.appendix_ref = task.hit
        if made:
            self.recent = made
            self.pending = None
        else:
            self.recent = []
            self.pending = (blk, start)

    def _visit_content(self, blk: Block, start: int, explicit_only: bool = False) -> None:
        t = self.t
        if not explicit_only and self.visit_inline_plan_item(blk, start):
            return
        if self.visit_inline_enumeration(blk, start):
            return
        inh = None if explicit_only else self.inherited()
        sents = sentences(t, start, blk.end)
        item_tasks: list[TaskDraft] = []
        group = self.group if self.group and blk.rank > self.group.rank else None
        if self.group and blk.rank <= self.group.rank and not _TASK_LABEL.match(blk.text):
            self.group = None
        item_owner: str | None = None   # the subject of an earlier sentence of this item
        lists = self.directive_lists(sents) if not explicit_only else {}
        for k, (a, b) in enumerate(sents):
            sent = t[a:b]
            if k in lists:
                for task in lists[k]:
                    item_tasks.append(task)
                    self.tasks.append(task)
                continue
            nt = is_nontask(sent)
            if nt:
                if nt == "praise" and _ACCOUNTABLE.search(sent):
                    # "X chịu trách nhiệm trước ... Khẩn trương ..." - X stays the subject
                    acc = find_assignment(t, a, b)
                    item_owner = acc.owner if acc else item_owner
                continue
            asg = find_assignment(t, a, b)
            if asg is not None and k > 0 and item_tasks and not asg.explicit:
                asg = None
            if (asg is not None
                    and (_is_citizens(asg.owner)
                         or (asg.owner_start is not None and _CITIZEN_SUBJECT.match(t, asg.owner_start, b)))):
                continue
            if asg is None and inh is not None and _DATA_ITEM.match(sent):
                continue   # "Số hộ dân có nhà bị sập ...", "Tổng kinh phí ...": a figure to report, no task
            carried = False
            cm = _CARRY_OVER.match(sent)
            if asg is None and not explicit_only and cm and self.last_owner and _carries(t, a + cm.end(), b):
                asg = Assignment(self.last_owner, None, coordinators_in(t, a, b), "carried_over", False, a)
                carried = True
            if asg is None and item_owner and not item_tasks and not explicit_only:
                asg = Assignment(item_owner, None, coordinators_in(t, a, b), "item_subject", False, a)
            if asg is None and inh is not None and (k == 0 or not item_tasks):
                asg = Assignment(inh.owner, None, coordinators_in(t, a, b) or list(inh.co_owners),
                                 "intro_list" if inh.intro else "agency_heading", False, a)
            if (asg is None and not explicit_only
                    and (group is not None or (self.group is not None and self.group.rank == blk.rank)) and k == 0):
                asg = Assignment(None, None, coordinators_in(t, a, b), "plan_block", False, a)
            if asg is None:
                if item_tasks and k > 0:
                    prev = item_tasks[-1]
                    hit = deadline_in(t, a, b, self.issued)
                    if (_dated(hit) and not _TIME_SENTENCE.match(sent)
                            and (_dated(prev.hit) or _NEW_CASE.match(sent) or _is_predicate(t, a, b))):
                        # a later sentence with its own deadline is a task of the same owner
                        task = TaskDraft(prev.owner, [], a, b, a, ["same_item_sentence"], prev.confidence - 0.1)
                        task.hit = hit
                        task.deadline_span = (a, b)
                        item_tasks.append(task)
                        self.tasks.append(task)
                        continue
                    prev.end = b
                    if _dated(hit) and not _dated(prev.hit):
                        prev.hit = hit
                        prev.deadline_span = (a, b)
                continue
            if _CLOSING.search(sent) and asg.owner and _GENERIC_OWNER.match(asg.owner):
                continue
            if (asg.owner and not self.central and _is_issuer(asg.owner)
                    and (asg.rule.startswith("subject") or asg.rule == "responsible")):
                continue
            conf = 0.9 if asg.explicit else (0.8 if asg.rule in ("agency_heading", "table_row") else 0.7)
            reasons = [asg.rule]
            if carried:
                reasons.append("owner_carried_over")
            for task in self.split_by_deadlines(a, b, asg, conf, reasons):
                item_tasks.append(task)
                self.tasks.append(task)
                if group is not None:
                    group.tasks.append(task)
                elif self.group is not None and self.group.rank == blk.rank:
                    self.group.tasks.append(task)
            if asg.owner:
                self.last_owner = asg.owner

    def directive_lists(self, sents: list[tuple[int, int]]) -> dict[int, list[TaskDraft]]:
        """ "Chủ tịch UBND tỉnh chỉ đạo: A; B; C." - a report's list of instructions.

        Each clause is a task. Its owner is the subject named in the list ("Trước mắt,
        các cấp, ngành quan tâm ...; ..."), else the one named in a later list of the
        same paragraph, else the body after the verb ("yêu cầu các sở, ngành: ...").
        """
        t = self.t
        found: list[tuple[int, list[tuple[int, int, str | None]], str | None]] = []
        for k, (a, b) in enumerate(sents):
            m = _DIRECTIVE_LIST.search(t, a, b) if t.find(":", a, b) != -1 else None   # a list needs its colon
            if not m:
                continue
            spans = clauses(t, m.end(), b)
            if len(spans) < 2:
                continue
            parts = []
            for ca, cb in spans:
                st = _STARTERS_IN_LIST.match(t, ca, cb)
                ag = scan_agency(t, st.end() if st else ca, cb, allow_semicolon=False)
                own = None
                if ag is not None and _is_predicate(t, _skip_spaces(t, joint_end(t, ag, cb), cb), cb):
                    own = owner_text(ag)
                parts.append((ca, cb, own))
            # the body after the verb ("yêu cầu các sở, ngành:", "đề nghị các Tập đoàn: A, B")
            obj = scan_agency(t, m.start("object"), b) if m.group("object") else None
            owner = owner_text(obj) if obj else next((o for _, _, o in parts if o), None)
            found.append((k, parts, owner))
        out: dict[int, list[TaskDraft]] = {}
        for i, (k, parts, owner) in enumerate(found):
            owner = owner or next((o for _, _, o in found[i + 1:] if o), None)
            tasks = []
            for ca, cb, own in parts:
                if not (own or owner):
                    continue
                task = TaskDraft(own or owner, coordinators_in(t, ca, cb), ca, cb, ca, ["directive_list"], 0.6)
                task.hit = deadline_in(t, ca, cb, self.issued)
                task.deadline_span = (ca, cb)
                tasks.append(task)
            if tasks:
                out[k] = tasks
        return out

    def visit_inline_enumeration(self, blk: Block, start: int) -> bool:
        """ "Giao Đảng ủy Chính phủ: (i) Chỉ đạo ...; (ii) Chỉ đạo ...": numbered actions on one line.

        After an owner with no action of its own, each numbered part is a task of that owner (a part
        that names its own subject keeps it). After a lead with an action, the parts are tasks only
        when each names its own subject ("...: (1) Thanh tra Chính phủ ban hành ...; (2) Bộ Công an
        chủ trì ..."); otherwise they enumerate objects ("hoàn thiện các báo cáo: (i) Báo cáo ...")
        and the line stays one task."""
        t = self.t
        marks = list(_INLINE_ENUM.finditer(t, start, blk.end))
        if len(marks) < 2:
            return False
        colon = t.rfind(":", start, marks[0].start() + 1)
        if colon == -1 or t[colon + 1:marks[0].start()].strip():
            return False
        asg = find_assignment(t, start, colon)
        bare = False
        if asg is not None and asg.owner and asg.owner_start is not None:
            tail_from = max(asg.action_start, asg.owner_start + len(asg.owner))
            bare = bool(_BARE_TAIL.fullmatch(t[tail_from:colon].strip(" ,")))
        lead_owner = asg.owner if bare else None
        if lead_owner is None and not bare:
            inh = self.inherited()
            lead_owner = inh.owner if inh is not None and asg is None else None
        parts = []
        for i, m in enumerate(marks):
            a = m.end()
            b = marks[i + 1].start() if i + 1 < len(marks) else blk.end
            while b > a and t[b - 1] in " ;,":
                b -= 1
            own = find_assignment(t, a, b)
            mine = (own is not None and own.owner_start is not None and own.owner_start < a + 40
                    and own.rule in ("subject", "trigger:giao"))
            parts.append((a, b, own if mine else None))
        if not bare and not all(own for _, _, own in parts):
            return False
        for a, b, own in parts:
            # "(i) Chỉ đạo Đảng ủy Bộ Y tế ...": the lead's owner directs
            part = own or Assignment(lead_owner, None, coordinators_in(t, a, b) or (list(asg.co_owners) if asg else []),
                                     "inline_enumeration", False, a)
            for task in self.split_by_deadlines(a, b, part, 0.8, [part.rule, "inline_enumeration"]):
                self.tasks.append(task)
        self.last_owner = parts[-1][2].owner if parts[-1][2] else lead_owner
        return True

    def visit_inline_plan_item(self, blk: Block, start: int) -> bool:
        """ "Task. Chủ trì: X; phối hợp: Y. Thời gian hoàn thành: Z." as one task."""
        t = self.t
        marks = list(_INLINE_ATTR.finditer(t, start, blk.end))
        if not any(m.group("key").lower().endswith("chủ trì") for m in marks):
            return False
        owner, co, hit, dspan = None, [], None, None
        first = marks[0].start()
        for i, m in enumerate(marks):
            a = m.end()
            b = marks[i + 1].start() if i + 1 < len(marks) else blk.end
            key = m.group("key").lower()
            if key.endswith("chủ trì"):
                ag = scan_agency(t, a, b, allow_semicolon=True)
                owner = t[a:b].strip(" .;") if ag is None else t[a:max(ag.end, _last_agency_end(t, a, b))].strip(" .;")
            elif key.endswith("phối hợp"):
                co = split_agency_list(t, a, b) or [x.strip(" .") for x in re.split(r"[;,]", t[a:b]) if x.strip(" .")]
            else:
                hit = deadline_in(t, a, b, self.issued)
                dspan = (a, b)
        task = TaskDraft(owner, co, start, blk.end, start, ["plan_item_attributes"], 0.9)
        if hit is None:
            hit = deadline_in(t, start, first, self.issued)
            dspan = (start, first)
        task.hit = hit
        task.deadline_span = dspan
        self.tasks.append(task)
        if owner:
            self.last_owner = owner
        return True

    def clause_subject(self, a: int, b: int) -> Assignment | None:
        """The agency a clause opens with, when a verb follows it ("Sở Xây dựng hướng dẫn ...")."""
        t = self.t
        i = _skip_spaces(t, a, b)
        if i < b and t[i] == ";":
            i = _skip_spaces(t, i + 1, b)
        asg = find_assignment(t, i, b)
        if asg is None or asg.owner_start is None or asg.owner_start > i + 12:
            return None
        return asg

    def split_by_deadlines(self, a: int, b: int, asg: Assignment, conf: float, reasons: list[str]) -> list[TaskDraft]:
        """One task per clause group when several clauses carry their own deadline."""
        t = self.t
        cues = len(_TIME_CUE.findall(t, a, b))
        parts = clauses(t, a, b) if cues >= 2 else [(a, b)]
        if len(parts) == 1 and cues >= 2:
            parts = _report_clauses(t, a, b)
        hits = []
        if len(parts) > 1:
            # one pass of the deadline grammar over the sentence, then its hits by clause;
            # a clause is re-read alone only when it holds several hits
            found = sorted((h for h in deadlines_of(t, a, b, self.issued) if _dated(h)), key=lambda h: h.start)
            starts = [a + h.start for h in found]
            for ca, cb in parts:
                inside = found[bisect_left(starts, ca):bisect_left(starts, cb)]
                if not inside:
                    continue
                h = inside[0] if len(inside) == 1 else deadline_in(t, ca, cb, self.issued)
                if _dated(h):
                    hits.append((ca, cb, h))
        if len(hits) >= 2:
            out = []
            for ca, cb, h in hits:
                own = self.clause_subject(ca, cb) if ca > a else None
                # "Giao Sở Tài chính ... trước ngày 15/3; Sở Xây dựng hướng dẫn ... trong tháng 4": the
                # later clause names its own subject
                task = TaskDraft(own.owner if own else asg.owner, own.co_owners if own else asg.co_owners, a, b,
                                 max(asg.action_start, a), reasons + ["split_by_deadline"], conf)
                task.hit = h
                task.deadline_span = (ca, cb)
                out.append(task)
            return out
        cuts = self.owner_clauses(max(a, asg.action_start), b, asg.owner) if ";" in t[a:b] else []
        if cuts:
            # "...; Trên cơ sở đó, Ban Chỉ đạo 389 các bộ, ngành xây dựng kế hoạch ...": a later clause
            # with a subject of its own is that subject's task
            out = []
            bounds = [(a, cuts[0][0], asg)] + [(ca, cuts[i + 1][0] if i + 1 < len(cuts) else b, own)
                                               for i, (ca, own) in enumerate(cuts)]
            for ca, cb, own in bounds:
                cb = cb - 1 if t[cb - 1:cb] == ";" else cb
                task = TaskDraft(own.owner, own.co_owners, ca, cb, max(own.action_start, ca),
                                 list(reasons) + ([] if own is asg else ["clause_subject"]), conf)
                task.hit = deadline_in(t, ca, cb, self.issued)
                task.deadline_span = (ca, cb)
                out.append(task)
            return out
        task = TaskDraft(asg.owner, asg.co_owners, a, b, max(asg.action_start, a), list(reasons), conf)
        task.hit = deadline_in(t, a, b, self.issued)
        task.deadline_span = (a, b)
        return [task]

    def owner_clauses(self, a: int, b: int, owner: str | None) -> list[tuple[int, Assignment]]:
        """Clauses after a ";" that open with a new agency subject (after a connective such as
        "Trên cơ sở đó,"): (clause start, its assignment)."""
        t = self.t
        out = []
        for ca, cb in clauses(t, a, b)[1:]:
            if ca <= a:
                continue
            cm = _CARRY_OVER.match(t, ca, cb)
            i = cm.end() if cm else ca
            ag = scan_agency(t, i, cb, allow_semicolon=False)
            if ag is None or owner_text(ag) == owner:
                continue
            asg = find_assignment(t, i, cb)
            if asg is None or asg.owner_start != ag.start or not asg.rule.startswith("subject"):
                continue
            out.append((ca, asg))
        return out


_QUALIFIER_VERB = _re(r"\s*(?:được giao(?: nhiệm vụ| chủ trì)?|có liên quan|liên quan|nêu trên|trên địa bàn)\b")


def _names_only(t: str, a: int, b: int) -> bool:
    """No verb in t[a:b] (after a qualifier such as "được giao nhiệm vụ"): the rest of a name."""
    q = _QUALIFIER_VERB.match(t, a, b)
    if q:
        a = q.end()
    skip_to = a
    for m in re.finditer(r"\S+", t[a:b]):
        p = a + m.start()
        if p < skip_to:
            continue
        ag = scan_agency(t, p, b)
        if ag is not None:
            skip_to = ag.end   # "Ban Chỉ đạo 934" is a name, not the verb "chỉ đạo"
            continue
        if _is_predicate(t, p, b):
            return False
    return True


# "(i) ", "(ii) ", "(1) " inside a line, after a colon or a clause end
# "(i)", "(2)" after a colon, a semicolon or a full stop (the "(" first: finditer skips to it in C)
_INLINE_ENUM = _re(r"\((?:(?<=[:;.]\()|(?<=[:;.] \())(?:[ivx]{1,4}|\d{1,2})\)\s+")
_BARE_TAIL = _re(r"(?:(?:thực hiện|triển khai|tập trung)?\s*(?:các|một số|những)?\s*(?:nhiệm vụ|nội dung|việc)"
                        r"(?:\s+(?:sau|như sau|sau đây|cụ thể|trọng tâm))*)?")


_GLUED_BODY = _re(r"\s(?=(?:Thực hiện|Căn cứ|Theo|Trên cơ sở|Để|Tiếp theo|Nhằm|Vừa qua|Trong thời gian|Thời gian qua|"
                  r"Ngày)\s)")
_APPENDIX_REF = _re(r"\b[Pp]hụ lục\b")
_DATA_ITEM = _re(r"(?:Số(?!\s+hóa)|Tổng số|Tổng (?:kinh phí|vốn|cộng|diện tích|giá trị|nhu cầu)|Tỷ lệ|Danh sách|"
                 r"Số lượng)\s")
_FILLER = _re(r"[….\-_*=~\s]{3,}")
_YEAR_CELL = _re(r"(?:[Nn]ăm\s+)?((?:19|20)\d{2})\.?")


_INTRO_TAIL = _re(r"(?:[,;]?\s*(?:trong đó|cụ thể|gồm|với)?[^,;:.]{0,100}?\b(?:sau|như sau|sau đây|cụ thể|"
                  r"dưới đây))?\s*$")


# Column roles of a task table, read from the header cells: (role, words, weight). A cell takes the
# role it scores best on; each role goes to its best cell. "Kết quả thực hiện" and "Sản phẩm" are
# outputs, not the lead; "Tỉnh kiến nghị" loses the task role to "Thông tin đề xuất".
_COLUMN_WORDS = {
    "task": (("nhiệm vụ", 5), ("nội dung", 4), ("công việc", 4), ("thông tin đề xuất", 4), ("đề xuất", 3),
             ("hoạt động", 2), ("kiến nghị", 1)),
    "lead": (("chủ trì", 5), ("phụ trách", 4), ("xử lý", 3), ("thực hiện", 2), ("phân công", 2), ("đầu mối", 2),
             ("đơn vị", 1), ("cơ quan", 1)),
    "co": (("phối hợp", 6),),
    "time": (("thời gian", 5), ("thời hạn", 5), ("tiến độ", 4), ("hạn", 2)),
}
_NOT_A_ROLE = _re(r"^(?:kết quả|sản phẩm|ghi chú|người đứng đầu)")


# The same header words without diacritics, matched as whole words: a scanned header read with a
# wrong tone mark ("Thông tin để xuất", "Cơ quan chù trì") still names its column.
_FOLDED_COLUMN_WORDS = {role: tuple((_re(r"(?<!\w)" + re.escape(fold_name(word)) + r"(?!\w)"), w) for word, w in words)
                        for role, words in _COLUMN_WORDS.items()}


def _cell_score(cell: str, role: str) -> int:
    """The best weight of `role`'s header words in the cell: as written, else tone-insensitive."""
    exact = max((w for word, w in _COLUMN_WORDS[role] if word in cell), default=0)
    if exact:
        return exact
    folded = fold_name(cell)
    return max((w for rx, w in _FOLDED_COLUMN_WORDS[role] if rx.search(folded)), default=0)


def _header_columns(low: list[str]) -> dict[str, int]:
    """role -> column index of a task table's header row."""
    best: dict[str, tuple[int, int]] = {}
    for i, c in enumerate(low):
        if _NOT_A_ROLE.match(c.strip()):
            continue
        scores = {role: _cell_score(c, role) for role in _COLUMN_WORDS}
        role = max(scores, key=lambda r: scores[r])
        if scores[role] and scores[role] > best.get(role, (0, 0))[0]:
            best[role] = (scores[role], i)
    return {role: i for role, (_, i) in best.items()}


def _is_task_header(low: list[str]) -> bool:
    """A header row of a task table: one cell names the task, another its lead, and the
    cells are short labels, not data ("Nội dung chi ... 50 triệu đồng")."""
    if any(len(c) > 80 or re.search(r"\d{3,}|\d+/\d+", c) for c in low):
        return False
    cols = _header_columns(low)
    return "task" in cols and "lead" in cols


_CITIZENS = _re(r"cá nhân|hộ gia đình|người dân|Nhân dân|công dân|người sử dụng")
# "Các tổ chức, cá nhân và hộ gia đình ... có trách nhiệm": a duty of everybody
_CITIZEN_SUBJECT = _re(r"[^.;:]{0,60}?\b(?:cá nhân|hộ gia đình|người dân)\b[^.;:]{0,120}?\b(?:có trách nhiệm|phải|"
                       r"cần)\b")


def _is_citizens(owner: str | None) -> bool:
    """Obligations of citizens and households are not tasks of an agency."""
    return bool(owner) and bool(_CITIZENS.search(owner))


_REPORT_CLAUSE = _re(r",\s+(?=(?:tổng hợp,?\s+)?(?:báo cáo|gửi báo cáo|gửi kết quả)\b)")


def _report_clauses(t: str, a: int, b: int) -> list[tuple[int, int]]:
    """ "..., bàn giao trong năm 2025, báo cáo ... trước ngày 31/12": the closing report
    is a clause of its own."""
    out = []
    p = a
    for m in _REPORT_CLAUSE.finditer(t, a, b):
        out.append((p, m.start()))
        p = m.end()
    out.append((p, b))
    return [x for x in out if x[1] > x[0]]


# Cheap pre-check: a clause split needs at least two timing cues in the sentence.
_TIME_CUE = _re(r"\d{1,2}/\d{1,2}|tháng \d|năm \d{4}|[Qq]uý [IV]|hằng|hàng (?:tháng|quý|năm|tuần)|Tết|Chạp|"
                r"ngày làm việc")


# A later sentence that opens a case of its own ("Đối với nội dung vượt thẩm quyền, ...").
_CLOSING = _re(r"(?:triển khai|thực hiện|thi hành)(?:[^.;]{0,80}\./\.\s*$|(?: đầy đủ| nghiêm túc)?(?: các)? nội dung"
                      r"(?: chỉ đạo| kết luận)?(?: nêu trên| trên| tại (?:Công văn|Chỉ thị|Kế hoạch|Thông báo|"
                      r"Công điện) này))")
_GENERIC_OWNER = _re(r"(?i)(?:các\s+)?(?:cơ quan|đơn vị|sở|địa phương|cấp|ngành)\b(?:[, ]+(?:các\s+)?(?:cơ quan|đơn vị|"
                     r"sở|ban|ngành|địa phương|cấp))*\s*$")
_NEW_CASE = _re(r"(?:Đối với|Trường hợp|Riêng|Ngoài ra|Đồng thời|Sau khi|Định kỳ|(?:Hằng|Hàng) (?:năm|quý|tháng|tuần|"
                r"ngày))\b")
# A later sentence that only times the item ("Thời gian ...", "Đảm bảo hoàn thành trong năm 2026.")
_TIME_SENTENCE = _re(r"(?:Thời gian|Thời hạn|Hoàn thành|Tiến độ|(?:[Đđ]ảm bảo|[Bb]ảo đảm) hoàn thành)\b")


def _dated(hit) -> bool:
    return hit is not None and (getattr(hit, "deadline", None) is not None or bool(getattr(hit, "recurrence", None)))


def _last_agency_end(t: str, a: int, b: int) -> int:
    found = find_agencies(t, a, b)
    return found[-1].end if found else a


def _has_deadline_words(body: str) -> bool:
    return bool(re.search(r"\d{1,2}/\d{1,2}|trước ngày|hoàn thành|thường xuyên", body))


def _looks_topic(prefix: str) -> bool:
    """A topic prefix ("Về an sinh xã hội:", "Công tác tuyên truyền, trang trí:")."""
    p = prefix.rstrip(": ")
    if p.startswith(("Về ", "Đối với ")):
        return True
    found = find_agencies(p, 0, len(p))
    if found and found[0].start == 0 and found[-1].end >= len(p) - 2:
        return False  # "Các Bộ, cơ quan: Tài chính, ..." lists owners, it is no topic
    head = scan_agency(p, 0, len(p))
    if head is not None and head.end >= len(p) - 2:
        return False  # "Bộ trưởng các Bộ: Quốc phòng, Công an ..." - heads of the bodies listed
    words = p.split()
    return len(words) <= 12 and not re.search(r"\b(?:chủ trì|phối hợp|giao|yêu cầu|đề nghị)\b", p, re.I)


_ISSUER = _re(r"^(?:UBND tỉnh|(?:Ủy|Uỷ) ban nhân dân tỉnh|Chủ tịch UBND tỉnh|UBND thành phố|(?:Ủy|"
              r"Uỷ) ban nhân dân thành phố|Thủ tướng|Chính phủ|Tỉnh [uủ]ỷ|Tỉnh ủy|Tỉnh uỷ|HĐND tỉnh|Ban Thường vụ|"
                     r"Văn phòng Chính phủ)$")


def _is_issuer(owner: str) -> bool:
    return bool(_ISSUER.match(owner.strip()))
