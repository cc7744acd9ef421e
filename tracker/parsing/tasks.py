"""What is a task: assignment triggers, owners of a sentence, non-task filters.

A sentence is a task when an agency is told to act: "Giao X ...", "Yêu cầu X ...",
"Đề nghị X ...", "X chủ trì ...", "X có trách nhiệm ...", "X được giao ...", an agency
subject followed by an action verb, or any action item under an agency heading.
It is not a task when it reports (statistics, achievements, praise), when it is a
proposal addressed to the issuing authority, a statement of the speaker body's own
intentions ("Tỉnh ủy sẽ ..."), or closing / conditional boilerplate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from .owners import Agency
from .owners import _is_predicate
from .owners import find_agencies
from .owners import scan_agency
from .owners import split_agency_list
from .startcache import compile as _re  # re.compile, kept between processes

# "Giao", "Yêu cầu", "Đề nghị" ... directly before the owner.
# The word opens the string or follows a space or a mark, and is not "Ngoại giao", "bàn giao",
# "chuyển giao", "được giao". Each alternative opens with its first letter and tests what stands
# before it right after (one character later), so finditer skips ahead in C to a possible letter.
_TRIGGER_VERBS = [("G", "iao(?:\\s+(?:nhiệm vụ|trách nhiệm)\\s+cho|\\s+cho)?"), ("Y", "êu cầu"), ("Đ", "ề nghị"),
                  ("C", "hỉ đạo"), ("P", "hân công"), ("D", "ặn dò"), ("L", "ưu ý")]
_TRIGGER_BEFORE = "(?<![^\\s,:;].)(?<!Ngoại .)(?<!bàn .)(?<!Bàn .)(?<!chuyển .)(?<!được .)"
_TRIGGER = _re(
    "(?P<verb>" + "|".join(f"{first}{_TRIGGER_BEFORE}{rest}" for cap, rest in _TRIGGER_VERBS
                           for first in (cap, cap.lower())) + ")"
    r"(?:\s*,\s*|\s*:\s*|\s+)")
_STARTERS = _re(
    r"(?:(?:Đồng thời|Bên cạnh đó|Ngoài ra|Mặt khác|Trên cơ sở đó|Sau đó|Cùng với đó|Đặc biệt|Trước mắt|"
    r"Thứ (?:nhất|hai|ba|tư|năm|sáu|bảy|tám|chín|mười)|Trong đó|Theo đó|Để [^,]{3,120}|Đối với [^,]{3,150}|"
    r"Về [^,:]{3,150}|Định kỳ [^,]{3,120}|Trước ngày [^,]{3,40}|Từ nay [^,]{3,60}|Trong (?:thời gian|năm|tháng|"
    r"quý)[^,]{0,60}|"
    r"Căn cứ [^,]{3,150}|Hằng (?:năm|quý|tháng|tuần)[^,]{0,60}|Trên cơ sở [^,]{3,150}|"
    r"[Tt]rường hợp [^,]{3,120}(?:,\s*(?:khó khăn|vướng mắc|bất cập|phát sinh)[^,]{0,40})*)\s*[,:]\s*)+")
_COORD_ANY = _re(r"[Pp]hối hợp(?:\s+chặt chẽ)?(?:\s+với|\s+cùng)?\s+")
_COORD = _re(r"(?:chủ trì,?\s*)?phối hợp(?:\s+chặt chẽ)?(?:\s+với|\s+cùng)?\s+")
_RESPONSIBLE = _re(r"^\s*(?:,\s*)?(?:chủ trì|có trách nhiệm|được giao|là cơ quan|là đơn vị|cần|phải|khẩn trương|"
                          r"tiếp tục|chủ động|tập trung|phối hợp|theo chức năng|căn cứ|trong phạm vi)")

# Non-task patterns.
_BOILERPLATE = _re(
    r"(?:(?:nghiêm túc|nghiêm)\s+(?:triển khai\s+|tổ chức\s+)?(?:thực hiện|thi hành)(?: nghiêm túc)?\s*(?:(?:các nội"
    r" dung |nội dung )?(?:Chỉ thị|Quyết định|Kế hoạch|Công văn|Thông báo|Công điện|Kết luận)(?: này)?)?\s*\.?/?\.?\s*$"
    r"|(?:thực hiện|thi hành) (?:nghiêm túc )?(?:Chỉ thị|Công điện) này\s*\.?/?\.?\s*$"
    r"|(?:chủ trì|dự|tham dự) (?:cuộc họp|hội nghị|phiên họp|buổi làm việc|buổi họp|hội thảo)"
    r"|^(?:Sáng|Chiều|Tối|Trưa|Ngày|Hôm nay|Hôm qua)\b[^.]{0,120}(?:tổ chức|chủ trì|diễn ra|khai mạc)\b"
    r"|chịu trách nhiệm thi hành|thông báo (?:để|cho) [^.]{0,300}biết|có hiệu lực (?:thi hành )?kể từ"
    r"|^(?:\d+\.\s*)?(?:Trong quá trình[^,]{0,60},\s*)?(?:nếu|trường hợp|khi)\s+(?:có|phát sinh|"
    r"gặp)\b[^.]{0,40}(?:khó khăn|vướng mắc)"
    r"|^Nơi nhận|^Kính gửi|^Lưu:"
    r"|^(?:Căn cứ|Thực hiện|Theo đề nghị|Xét đề nghị|Triển khai)\s+(?:các\s+)?(?:Luật|Nghị quyết|Nghị định|Quyết định|"
    r"Chỉ thị|"
    r"Thông tư|Công văn|Công điện|Kế hoạch|Thông báo|Kết luận|văn bản|ý kiến chỉ đạo|chỉ đạo của|của)\b[^.]*(?:số|"
    r"ngày)\s+\d"
    r"|^Ban hành kèm theo|(?:thi hành|hiệu lực)[^.;]{0,30}Quyết định này|Quyết định này có hiệu lực|"
    r"căn cứ Quyết định(?: này)? (?:để )?thi hành)", re.I)
# Praise, attendance and accountability statements: words anywhere in the opening (searched in
# the lower-cased text, without IGNORECASE, which is slow on Vietnamese letters) or an opening.
_PRAISE_WORDS = _re(r"ghi nhận|biểu dương|đánh giá cao|khen ngợi|hoan nghênh|cảm ơn|chúc mừng|trân trọng thông báo|"
                           r"điểm cầu")
_PRAISE_OPENING = _re(r"[^;]{0,120}chịu trách nhiệm(?: toàn diện)? trước|(?:Kết quả|Thành tích) đạt được|"
                             r"(?:Tham dự|Dự|Cùng dự|Tham gia)\b|"
                             r"Xác định\b[^.;]{0,200}\blà (?:nhiệm vụ|khâu|giải pháp|yêu cầu)", re.I)
_PROPOSAL_TO_TOP = _re(
    r"(?:đề nghị|kiến nghị|đề xuất|xin)\s+(?:với\s+)?(?:UBND tỉnh|(?:Ủy|Uỷ) ban nhân dân tỉnh|Chủ tịch UBND|Thủ tướng|"
    r"Chính phủ|Trung ương|"
    r"Tỉnh ủy|HĐND tỉnh|cấp trên|UBND thành phố|(?:Ủy|Uỷ) ban nhân dân thành phố|các bộ|Bộ)\b")
# A department or a commune proposing something to the province (a proposal, no task).
_PROPOSAL_UP = _re(
    r"(?:đề nghị|kiến nghị|đề xuất|xin)\s+(?:với\s+)?(?:UBND tỉnh|(?:Ủy|Uỷ) ban nhân dân tỉnh|Chủ tịch UBND|Thủ tướng|"
    r"Chính phủ|"
    r"UBND thành phố|(?:Ủy|Uỷ) ban nhân dân thành phố|tỉnh|Tỉnh|Thành phố|Trung ương)\b")
_SPEAKER_INTENT = _re(r"^\s*(?:(?:cũng|đều|vẫn|luôn)\s+)?(?:sẽ|đã|vẫn|đang|đạt|ước|là\s+(?!(?:cơ quan|"
                      r"đơn vị) (?:thường trực|chủ trì|đầu mối)))")

@dataclass
class Assignment:
    """Who is told to act in one sentence, and how we know."""

    owner: str | None
    owner_start: int | None
    co_owners: list[str] = field(default_factory=list)
    rule: str = ""
    explicit: bool = False
    action_start: int = 0


# Every alternative of _BOILERPLATE not anchored at the start holds one of these words: a
# sentence without any can only match at its start (one cheap .match instead of a search).
_BOILERPLATE_WORDS = _re(r"thực hiện|thi hành|cuộc họp|hội nghị|phiên họp|buổi làm việc|buổi họp|hội thảo|"
                                r"thông báo|có hiệu lực|ban hành kèm theo|quyết định này")


# The same pattern in lower case, run on the lower-cased sentence: IGNORECASE matching is slow on
# Vietnamese letters (every comparison folds the case of both sides).
_BOILERPLATE_LOW = _re(_BOILERPLATE.pattern.lower())


def is_boilerplate(sentence: str) -> bool:
    low = sentence.lower()
    if _BOILERPLATE_LOW.match(low):
        return True
    return bool(_BOILERPLATE_WORDS.search(low) and _BOILERPLATE_LOW.search(low))


def owner_text(agency: Agency) -> str:
    """The owner as the text names it, heads of the body mapped to the body."""
    t = agency.text
    t = re.sub(r"^(?:[Cc]ác\s+)?(?:đồng chí|Đồng chí)\s+", "", t)
    t = re.sub(r"^Bộ trưởng,\s*Thủ trưởng\s+", "Các Bộ, ", t)
    if re.match(r"[Cc]ác\s", t):
        # "Giám đốc các sở, Thủ trưởng các ban, ngành" -> "các sở, ban, ngành": one group, "các" once
        t = re.sub(r"(,\s*)(?:Thủ trưởng|Giám đốc|Chủ tịch|Người đứng đầu|người đứng đầu)\s+các\s+(?=[a-zđ])", r"\1", t)
    t = re.sub(r"(,\s*)(?:Thủ trưởng|Giám đốc|Chủ tịch|Người đứng đầu|người đứng đầu)\s+", r"\1", t)
    return t


def find_assignment(s: str, a: int, b: int) -> Assignment | None:
    """The assignment stated in sentence s[a:b], or None when it states none.

    Tried in order: a trigger verb followed by an agency; an agency subject (after
    any opening adverbial) followed by a predicate; an agency followed by
    "được giao" / "có trách nhiệm" / "chủ trì" anywhere in the sentence. Each step
    returns an assignment, None (the sentence states none: stop) or _UNDECIDED (try the next).
    """
    for step in (_by_trigger, _by_subject, _by_subject_after_phrase, _by_responsible):
        found = step(s, a, b)
        if found is not _UNDECIDED:
            return found
    return None


# A step of find_assignment found nothing either way: the next step decides.
_UNDECIDED = object()


def _by_trigger(s: str, a: int, b: int):
    """1. trigger + agency ("Giao Sở Y tế ...", "Chủ tịch UBND tỉnh yêu cầu Công an tỉnh ...")."""
    for n_trigger, m in enumerate(_TRIGGER.finditer(s, a, b)):
        if n_trigger >= _MAX_TRIGGERS:
            break  # bounded time: each trigger re-reads the text before it (hostile "Giao Giao Giao ...")
        verb = m.group("verb").lower()
        before = s[a:m.start()]
        if not _trigger_fits(s, a, m, verb, before) or not _trigger_placed(s, a, m, verb, before):
            continue
        found = _trigger_addressee(s, a, b, m, verb, before)
        if found is not _UNDECIDED:
            return found
    return _UNDECIDED


def _trigger_fits(s: str, a: int, m: re.Match, verb: str, before: str) -> bool:
    """The trigger verb assigns given the words before it (not "theo đề nghị", "được giao", a subject's own request)."""
    if verb.startswith("đề nghị") and re.search(r"(?:theo|trên cơ sở|của)\s*$", before, re.I):
        return False
    if re.search(r"\b(?:theo|của|được)\s*$", before) and verb != "giao":
        return False
    if verb.startswith("giao") and re.search(r"(?:được|đã|nhiệm vụ|việc)\s*$", before):
        return False
    if (verb.startswith(("chỉ đạo", "dặn dò", "lưu ý", "phân công"))
            and not (_CHAIR.search(before) or _PERSON_SPEAKER.search(before))
            and not (verb.startswith("phân công") and m.start() == a)):
        return False  # "Phân công Phó Thủ tướng ..." opening the sentence assigns like "Giao"
    if m.start() > a and verb.startswith(("yêu cầu", "chỉ đạo", "đề nghị")):
        subj = _subject(s, a, m.start())
        if subj is not None:
            right_after = _REQUEST_ADVERBS.match(s, joint_end(s, subj, m.start()), m.start()).end() == m.start()
            if verb.startswith("chỉ đạo") and (_LOWER_LEVEL.search(subj.text) or _NAMED_PLACE.search(subj.text)):
                # "Chủ tịch UBND các tỉnh ... chỉ đạo các cơ quan ...": the addressee acts, its object helps
                return False
            if not _CHAIR.search(before) and not (right_after and verb.startswith(("yêu cầu", "đề nghị"))):
                return False  # "Sở X ... yêu cầu ..." inside its own action
            # "Bộ Văn hóa ... yêu cầu Thủ trưởng các cơ quan ...": the subject requests, the object acts
    return True


def _trigger_placed(s: str, a: int, m: re.Match, verb: str, before: str) -> bool:
    """The trigger opens the sentence (after any opening adverbial) or follows a requester."""
    st = _STARTERS.match(s, a, m.start())
    at_start = m.start() == a or (st is not None and st.end() == m.start())
    if not at_start and verb.startswith("giao"):
        # "Thống nhất giao Sở Tài chính ...", "Đồng ý đề xuất của Sở Xây dựng; giao Sở Xây dựng ..."
        at_start = (bool(_AGREE_OPEN.fullmatch(before))
                    or (before.rstrip().endswith(";") and _subject(s, a, m.start()) is None))
    if not at_start:
        # a trigger inside the sentence needs a requester before it ("Chủ tịch UBND
        # tỉnh yêu cầu X"); after a bare verb it is the action of the sentence's owner
        if not (_CHAIR.search(before) or _subject(s, a, m.start()) is not None or _requester_before(s, a, m.start())
                or (verb.startswith(("yêu cầu", "đề nghị")) and _FRONTED_REQUEST.match(before) and "," in before)):
            return False
        if re.search(r"\bđã\b", before):
            return False  # a report of what was asked before
    return True


def _trigger_addressee(s: str, a: int, b: int, m: re.Match, verb: str, before: str):
    """Who the trigger at m assigns: an assignment, None (a proposal upwards: no task) or _UNDECIDED."""
    if verb.startswith(("giao", "phân công")):
        lm = _NAMED_LEADER.match(s, m.end(), b) or _DEPUTIES.match(s, m.end(), b)
        if lm:
            # "Giao Phó Thủ tướng Chính phủ Trần Hồng Hà ...": a named leader is the owner, as a person
            return Assignment(lm.group("who"), lm.start("who"), coordinators_in(s, lm.end(), b), "trigger:giao",
                              True, lm.end())
    ag = scan_agency(s, m.end(), b)
    if ag is None:
        # "Đối với UBND huyện Cao Lộc, Chủ tịch UBND tỉnh yêu cầu khẩn trương ..."
        fm = _FOR_AGENCY.match(s, a, m.start())
        if fm and not verb.startswith("chỉ đạo"):
            ag2 = scan_agency(s, fm.end(), m.start())
            if ag2 is not None:
                asg = _with_coordinators(s, ag2, m.start(), rule=f"trigger:{verb.split()[0]}", explicit=True)
                asg.co_owners = coordinators_in(s, m.end(), b)
                asg.action_start = m.end()
                return asg
        return _UNDECIDED
    if (verb.startswith(("đề nghị", "kiến nghị")) and _PROPOSAL_TO_TOP.match(s, m.start(), b)
            and _subordinate_speaker(before)):
        return None
    if _PROPOSAL_TO_TOP.match(s, m.start(), b) and verb.startswith("đề nghị") and m.start() > a:
        return None
    return _with_coordinators(s, ag, b, rule=f"trigger:{verb.split()[0]}", explicit=True)


def _by_subject(s: str, a: int, b: int):
    """2. subject + predicate, after an opening adverbial."""
    p = a
    while p < b and s[p] in "“\"‘'(":
        p += 1   # "“Sở Y tế phải hoàn thành ...”, Chủ tịch UBND tỉnh yêu cầu."
    st = _STARTERS.match(s, p, b)
    if st:
        p = st.end()
    ag = scan_agency(s, p, b, allow_semicolon=True)
    if ag is None:
        fm = _FOR_AGENCY.match(s, a, b)
        if fm:
            ag = scan_agency(s, fm.end(), b, allow_semicolon=True)
    if ag is None:
        return _UNDECIDED
    if _CHAIR_SPEAKING.match(s, p, b) and not _LOWER_LEVEL.search(ag.text):
        return None  # "Chủ tịch UBND tỉnh ... đề ra / nhấn mạnh ...": the chair reports, assigns nothing to itself
    end = joint_end(s, ag, b)
    q = _OF_QUALIFIER.match(s, end, b)
    if q:
        end = q.end()
    pq = _PAREN_AFTER.match(s, end, b)
    if pq:
        end = pq.end()  # "Bộ Tài chính (Cục Thuế) hướng dẫn ...", "Sở Tài chính (cơ quan thường trực) tổng hợp ..."
    rest = s[end:min(b, end + 40)]
    if (_SPEAKER_INTENT.match(rest) or _PROPOSAL_UP.match(s, _next_word(s, end, b), b)
            or _REQUESTS_LIST.match(s, end, min(b, end + 200))):
        return None
    if rest.strip().startswith((":",)):
        return None
    if _PAST_REPORT.search(s, end, min(b, end + 120)) and not _STILL_ASKED.search(s, end, b):
        return None  # "Bộ Chính trị, Ban Bí thư, trực tiếp là ..., Chính phủ đã tập trung lãnh đạo ...": context
    if _RESPONSIBLE.match(rest) or _is_predicate(s, _next_word(s, ag.end, b), b) or _lower_start(rest):
        return _with_coordinators(s, ag, b, rule="subject", explicit=True)
    return _UNDECIDED


def _by_subject_after_phrase(s: str, a: int, b: int):
    """2b. the subject after an opening phrase that the starters do not know
    ("Trên cơ sở đề nghị của các Bộ, cơ quan liên quan, Bộ Tài chính khẩn trương ...")."""
    for cm in (_COMMA.finditer(s, a, min(b, a + 260)) if _OPENER.match(s, a, b) else ()):
        ag = scan_agency(s, cm.end(), b, allow_semicolon=True)
        if ag is None:
            continue
        if _CHAIR_SPEAKING.match(s, cm.end(), b) and not _LOWER_LEVEL.search(ag.text):
            return None  # "Để ..., Chủ tịch UBND thành phố yêu cầu: ...": the chair speaks
        end = joint_end(s, ag, b)
        rest = s[end:min(b, end + 40)]
        if _SPEAKER_INTENT.match(rest):
            continue
        if _REQUESTS_LIST.match(s, end, min(b, end + 200)):
            return None  # "Trước tình hình đó, Bộ X yêu cầu:": the requester opens a list, it does not act
        if _PROPOSAL_UP.match(s, _next_word(s, end, b), b):
            return None  # "Tại hội nghị, Giám đốc Sở X đề nghị UBND tỉnh ...": a proposal, no task
        if _RESPONSIBLE.match(rest) or _is_predicate(s, _next_word(s, end, b), b):
            return _with_coordinators(s, ag, b, rule="subject_after_phrase", explicit=True)
    return _UNDECIDED


def _by_responsible(s: str, a: int, b: int):
    """3. "... X được giao ...", "X có trách nhiệm"."""
    for ag in find_agencies(s, a, b):
        rest = s[ag.end:min(b, ag.end + 30)]
        if re.match(r"\s*(?:,\s*)?(?:được giao|có trách nhiệm|chủ trì)\b", rest):
            return _with_coordinators(s, ag, b, rule="responsible", explicit=True)
    return _UNDECIDED


# A real sentence names a handful of trigger verbs; past this many the rest are not assignments.
_MAX_TRIGGERS = 40

# A named deputy head of the issuing body ("Phó Thủ tướng Chính phủ Trần Hồng Hà", "Phó Chủ tịch UBND tỉnh
# Nguyễn Văn B"): a person with no agency to map to.
_NAMED_LEADER = _re(
    r"(?:đồng chí\s+)?(?P<who>(?:Phó Thủ tướng|Phó Chủ tịch)(?:\s+Thường trực)?(?:\s+Chính phủ|\s+(?:UBND|(?:Ủy|"
    r"Uỷ) ban nhân dân)\s+(?:tỉnh|thành phố))?"
    r"(?:\s+(?!Chính\b)[A-ZĐÀ-Ỹ][^\s,.;:()]*){2,4})")
# Deputy heads named as a group ("các đồng chí Phó Thủ tướng Chính phủ"): persons, as written.
_DEPUTIES = _re(r"(?P<who>các (?:đồng chí )?(?:Phó Thủ tướng|Phó Chủ tịch)(?: Chính phủ| (?:UBND|(?:Ủy|"
                r"Uỷ) ban nhân dân) (?:tỉnh|thành phố))?)(?=[\s,])")
_PAST_REPORT = _re(r"(?<!\w)(?:đã(?!\s+(?:được|ban hành|đề ra|phê duyệt|giao|có|nêu|chỉ đạo tại))|vừa qua)(?!\w)")
_STILL_ASKED = _re(r"(?<!\w)(?:phải|cần|yêu cầu|tiếp tục|khẩn trương|chủ trì|có trách nhiệm|trước ngày)(?!\w)")
# "Thực hiện Kết luận số ..., Ban Chỉ đạo của Chính phủ (sau đây ...) yêu cầu X ...": a fronted
# reference, then the requester, then the addressee
_FRONTED_REQUEST = _re(r"(?:Thực hiện|Triển khai|Căn cứ|Theo|Trên cơ sở|Để|Tiếp theo|Nhằm|Trước tình hình)\b")
_AGREE_OPEN = _re(r"(?:Thống nhất|Đồng ý|Nhất trí|Chấp thuận)\s+")
_CHAIR = _re(r"(?:Chủ tịch|Thủ tướng|Bí thư|Phó Chủ tịch|Lãnh đạo UBND|UBND tỉnh|(?:Ủy|Uỷ) ban nhân dân tỉnh)")


# The speaker of a news report named by a pronoun or a title ("Đồng chí yêu cầu ...",
# "Ông cũng giao ...", "Người đứng đầu tỉnh đề nghị ...").
_PERSON_SPEAKER = _re(
    r"(?:^|[,:]\s*)(?:[Đđ]ồng chí|[Ôô]ng|[Bb]à|Người đứng đầu|[Ll]ãnh đạo)(?:\s+(?:tỉnh|thành phố|"
    r"[A-ZĐÀ-Ỹ][^\s,]*)){0,4}"
    r"\s+(?:(?:cũng|còn|đồng thời|tiếp tục|thẳng thắn)\s+)*$")
_REQUEST_ADVERBS = _re(r"\s*(?:(?:cũng|còn|đồng thời|tiếp tục|trân trọng)\s+)*")


def _requester_before(s: str, a: int, i: int) -> bool:
    """Someone asks right before the trigger: a person ("Ông cũng giao ...") or an agency that
    closes the opening phrase ("Tiếp theo Công văn số ..., Bộ Y tế đề nghị Sở Y tế ...")."""
    if _PERSON_SPEAKER.search(s[max(a, i - 200):i]):
        return True
    found = find_agencies(s, a, i)
    if not found:
        return False
    last = found[-1]
    m = _REQUEST_ADVERBS.match(s, last.end, i)
    return m is not None and m.end() == i and (last.start == a or s[a:last.start].rstrip().endswith(","))


def _subject(s: str, a: int, b: int):
    """An agency at the start of s[a:b] (after an opening adverbial)."""
    st = _STARTERS.match(s, a, b)
    return scan_agency(s, st.end() if st else a, b, allow_semicolon=True)


_CHAIR_SPEAKING = _re(r"(?:[Đđ]ồng chí\s+)?(?:Chủ tịch|Phó Chủ tịch|Thủ tướng|Bí thư)\s+(?:UBND|(?:Ủy|Uỷ) ban nhân dân|"
                      r"Chính phủ|Tỉnh)")
_COMMA = _re(r",\s+")
# Chairs of these bodies are addressees, not the speaker ("Chủ tịch UBND các xã, phường ...").
_LOWER_LEVEL = _re(r"\b[Cc]ác\b|cấp|\b(?:xã|phường|huyện|quận|thị trấn|đặc khu)\b")
# A body named with its place ("UBND tỉnh Ninh Bình"): an addressee, not the issuer speaking.
_NAMED_PLACE = _re(r"\b(?:tỉnh|thành phố|Tỉnh|Thành phố)\s+[A-ZĐÀ-Ỹ]")
_REQUESTS_LIST = _re(r"\s*(?:của\s+[A-ZĐ][^,:;]{0,40}?\s+)?(?:(?:cũng|đồng thời|trân trọng|thống nhất|đã|"
                     r"thẳng thắn)\s+)*(?:yêu cầu|đề nghị|chỉ đạo|giao|kết luận|thông báo|"
                            r"chỉ ra (?:những|các|một số) (?:hạn chế|tồn tại|bất cập)[^:]{0,80})(?:\s+như sau)?\s*:")
_FOR_AGENCY = _re(r"(?:Đối với|Riêng|Với)\s+")
# Words that open a fronted adverbial phrase ("Trên cơ sở ..., Bộ Tài chính ...").
_OPENER = _re(r"(?i:Trên cơ sở|Căn cứ|Theo|Để|Đối với|Với|Sau khi|Trong|Từ|Qua|Nhằm|Trường hợp|Khi|Nếu|Đến|"
                     r"Trước|Ngoài|Bên cạnh|Cùng|Về|Tại|Thông qua|Dựa trên|Riêng|Đặc biệt)\b")
_PAREN_AFTER = _re(r"\s*\([^()\n]{1,80}\)")
_OF_QUALIFIER = _re(r"\s*của\s+[^,;.]{1,40}?(?=\s+(?:phải|cần|có trách nhiệm|khẩn trương|chủ động|tiếp tục)\b)")
_JOIN = _re(r"\s*(?:,|;|và)\s*(?:(?:hệ thống|toàn thể|toàn bộ)\s+(?=các\s))?")


def joint_end(s: str, ag: Agency, b: int) -> int:
    """End of a joint subject: agencies joined by "," / ";" / "và" after the first."""
    end = ag.end
    for _ in range(8):
        m = _JOIN.match(s, end, b)
        if not m:
            break
        nxt = scan_agency(s, m.end(), b, allow_semicolon=True)
        if (nxt is None
                or (nxt.start != m.end() and _CHAIR_SPEAKING.match(s, m.end(), b)
                    and not _LOWER_LEVEL.search(nxt.text))):
            break  # "X, Chủ tịch UBND tỉnh yêu cầu": the chair starts a new clause
        end = nxt.end
    return end


def _subordinate_speaker(before: str) -> bool:
    """A department head or representative speaking (not the chair)."""
    return bool(re.search(r"(?:Giám đốc|đại diện|Đại diện|Thủ trưởng|lãnh đạo|Lãnh đạo|Trưởng|các đại biểu|Sở|Cục|Bộ)",
                          before))


def _next_word(s: str, i: int, b: int) -> int:
    while i < b and s[i] in " ,":
        i += 1
    return i


def _lower_start(rest: str) -> bool:
    r = rest.lstrip(" ,")
    return bool(r) and r[0].islower() and not r.startswith(("và ", "của ", "tỉnh", "trong ", "tại ", "về ", "với ",
                                                            "theo ", "đã ", "sẽ "))


def _with_coordinators(s: str, ag: Agency, b: int, rule: str, explicit: bool) -> Assignment:
    # a joint assignment without a lead: the first named leads, the others coordinate
    end = joint_end(s, ag, b)
    co: list[str] = [owner_text(x) for x in find_agencies(s, ag.end, end)] if end > ag.end else []
    action_start = end
    m = re.match(r"\s*,?\s*(?:chủ trì|là cơ quan chủ trì)\s*,?\s*", s[end:b])
    if m:
        action_start = end + m.end()
    cm = _COORD.match(s, action_start, b) or _COORD.match(s, _next_word(s, end, b), b)
    if cm and scan_agency(s, cm.end(), b) is not None:
        co = co + split_agency_list(s, cm.end(), b)
        # the action starts after the last coordinating agency
        if co:
            last = s.find(co[-1], cm.end(), b)
            if last != -1:
                action_start = last + len(co[-1])
    return Assignment(owner_text(ag), ag.start, co, rule, explicit, action_start)


def coordinators_in(s: str, a: int, b: int) -> list[str]:
    """Agencies after "phối hợp với" anywhere in the span."""
    for m in _COORD_ANY.finditer(s, a, b):
        if scan_agency(s, m.end(), b) is not None:
            return split_agency_list(s, m.end(), b)
    return []


def is_nontask(sentence: str) -> str | None:
    """Rule name when the sentence is context rather than an assignment."""
    if is_boilerplate(sentence):
        return "boilerplate"
    head = sentence[:160]
    if _PRAISE_OPENING.match(head) or _PRAISE_WORDS.search(head.lower()):
        return "praise"
    if _priority_only(sentence):
        return "priority"
    return None


# "Yêu cầu các sở ... xác định giải ngân ... là nhiệm vụ chính trị trọng tâm; người đứng đầu chịu
# trách nhiệm ...": a statement of priority and accountability, no action (issue #3).
_PRIORITY = _re(r"\b[Xx]ác định\b[^.;]{0,250}?\blà (?:một\s+)?(?:nhiệm vụ|khâu|giải pháp|yêu cầu|việc làm)\b")


def _priority_only(sentence: str) -> bool:
    if "ác định" not in sentence[:600]:
        return False  # cheap pre-check before the regex
    m = _PRIORITY.search(sentence, 0, 600)
    if not m or re.search(r"[.;]", sentence[:m.start()]):
        return False
    later = sentence[m.end():].split(";")[1:]
    return all("trách nhiệm" in c for c in later) and not re.search(r",\s+(?:đồng thời|tập trung|khẩn trương|chỉ đạo|"
                                                                    r"triển khai|tổ chức)\b", sentence[m.end():])
