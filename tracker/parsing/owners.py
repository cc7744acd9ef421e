"""Agency noun phrases: who must act, and who coordinates.

Vietnamese directives name agencies with a small set of head nouns ("Sở", "UBND",
"Công an", "Ban Quản lý", "các sở, ban, ngành", ...) followed by a proper name whose
words are capitalised ("Sở Nông nghiệp và Môi trường", "UBND huyện Năm Căn") or by
the administrative vocabulary of groups ("UBND các huyện, thị xã, thành phố"). The
phrase ends at the first word that can be neither: in practice the verb ("chủ trì",
"tổ chức", "tăng cường", ...). People are mapped to the agency they head
("Giám đốc Sở Y tế" -> "Sở Y tế", "Chủ tịch UBND các huyện" -> "UBND các huyện").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .rxtrie import trie_pattern
from .startcache import compile as _re  # re.compile, kept between processes

# Head nouns that open an agency name (matched case-sensitively: capitalised).
_HEADS = [
    "Ủy ban nhân dân", "Uỷ ban nhân dân", "UBND", "Ủy ban Mặt trận Tổ quốc", "Ủy ban MTTQ", "UBMTTQ",
    "Ủy ban", "Uỷ ban", "MTTQ", "Mặt trận Tổ quốc",
    "Sở", "Ban Quản lý", "BQL", "Ban Chỉ đạo", "Ban Chỉ huy", "Ban", "Bộ Chỉ huy", "BCH", "Bộ đội",
    "Bộ", "Công an", "Cục", "Chi cục", "Tổng cục", "Văn phòng", "Thanh tra", "Kho bạc", "KBNN",
    "Ngân hàng", "Đài", "Báo", "Liên đoàn", "Hiệp hội", "Hội", "Tập đoàn", "Tổng công ty",
    "Công ty", "Trung tâm", "Viện", "Học viện", "Trường", "Bệnh viện", "Bảo hiểm xã hội", "BHXH", "Vụ",
    "Thuế", "Hải quan", "Tỉnh đoàn", "Thành đoàn", "Đoàn", "Quân khu", "Cảng vụ", "Tòa án", "Viện kiểm sát",
    "Chính phủ", "Tỉnh ủy", "Tỉnh uỷ", "Thành ủy", "Thành uỷ", "Đảng ủy", "Đảng uỷ", "HĐND",
    "Hội đồng nhân dân", "Thường trực", "Tổ công tác", "Nhà đầu tư", "Chủ đầu tư", "Cơ quan",
    "Đơn vị", "Lực lượng", "Bộ Tư lệnh", "Tỉnh", "Thành phố", "Hợp tác xã",
    "VNPT", "Viettel", "EVN", "PVN", "ACV", "VPCP", "VP UBND", "CA tỉnh",
    "Quỹ", "Liên minh", "Bưu điện", "Phòng", "Vườn quốc gia", "Hạt", "Đội", "UBMTTQVN", "Cảnh sát",
    "Thông tấn xã", "Kiểm toán Nhà nước", "Đại học", "Tổng Liên đoàn", "Trung ương Đoàn", "Ủy ban Quản lý",
    "Uỷ ban Mặt trận Tổ quốc", "Uỷ ban MTTQ", "Uỷ ban Quản lý", "Chi nhánh", "Tiểu ban", "Hội đồng",
    "Cấp ủy", "cấp ủy", "Thống kê tỉnh", "Thống kê thành phố",
]
# Group nouns written after "các" / "Các" ("các sở, ban, ngành", "các địa phương").
_GROUP_NOUNS = [
    "sở", "Sở", "bộ", "Bộ", "cơ quan", "đơn vị", "địa phương", "cấp", "ngành", "chủ đầu tư",
    "tổ chức", "doanh nghiệp", "chủ rừng", "chủ dự án", "chủ cơ sở", "tỉnh", "thành phố", "xã", "huyện", "phường",
    "hội", "đoàn thể",
    "thành viên", "ban", "nhà đầu tư", "nhà thầu", "lực lượng", "trường", "cơ sở", "Ban", "hiệp hội",
    "ủy ban", "Ủy ban", "uỷ ban", "Uỷ ban", "UBND", "đồng chí", "ngân hàng", "tập đoàn", "quân khu",
    "công ty", "trung tâm", "đơn vị sự nghiệp", "Tập đoàn", "Tổng công ty", "Hội", "Sở, ban, ngành", "Bộ, ngành",
    "bệnh viện", "trường học", "hợp tác xã", "ban quản lý", "trạm y tế", "phòng", "đài", "báo", "cơ quan báo chí",
]
# People who stand for the body they lead.
_PERSON_HEADS = [
    "Thủ trưởng", "Giám đốc", "Phó Giám đốc", "Tổng Giám đốc", "Chủ tịch", "Phó Chủ tịch", "Bộ trưởng",
    "Chánh", "Trưởng", "Trưởng ban", "Người đứng đầu", "người đứng đầu",
    "Chỉ huy trưởng", "Cục trưởng", "Chi cục trưởng", "Tư lệnh", "Viện trưởng", "Hiệu trưởng", "Tổng Cục trưởng",
    "Bí thư", "Thủ trưởng các", "lãnh đạo", "Lãnh đạo", "Thống đốc", "Chủ nhiệm", "Tổng Kiểm toán",
]

# Lower-case words that may sit inside an agency name.
_NAME_WORDS = set("""
các cấp ngành ban sở tỉnh thành phố huyện xã phường thị trấn đặc khu quận địa phương đơn vị cơ quan
liên quan có chuyên môn trực thuộc thuộc nhà nước nhân dân hội chính trị trường nông thôn quân sự
biên phòng quốc việt nam chi nhánh khu vực ngang đoàn thể sự nghiệp công lập hành chính khác
cấp tỉnh cấp xã cấp huyện tế quản lý kinh tế chế xuất công nghiệp cụm kinh doanh hạ tầng
viễn thông trên địa bàn bàn thành viên giáo dục nghề nghiệp lý đầu tư chủ thầu doanh nghiệp tổ chức
dân tộc tôn giáo nội vụ chính dựng vụ hóa thao lịch pháp nghệ học dục tạo an tra phòng bạc hàng huy đội
bộ lệnh thuế quan điện lực nước cấp sạch truyền hình phát thanh mặt trận cửa khẩu gia
vận tải đất đai ven biển biên giới miền núi số chức năng
ủy đảng quyền cơ sở
""".split())
# Single words that end a name: modal and aspect words, prepositions, one-syllable verbs.
_STOP_SINGLE = set("""
là có được cần phải sẽ đã đang vẫn cũng với về trong tại để cho đối từ đến trước sau khi nếu như vào bằng do
của mà thì nhằm nhưng hoặc ngay sớm gửi trình làm mở chịu xem giao cử ra kịp tiếp chủ phối tổ
""".split())
# Two-syllable verbs that end a name ("Sở Y tế tăng cường ...").
_VERB_BIGRAMS = set(x.strip() for x in """
chủ trì, phối hợp, tổ chức, triển khai, tăng cường, thực hiện, rà soát, xây dựng, theo dõi, hướng dẫn,
chỉ đạo, tham mưu, khẩn trương, tập trung, chủ động, tiếp tục, đẩy mạnh, đẩy nhanh, nghiên cứu, kiểm tra,
bố trí, báo cáo, tổng hợp, hoàn thành, hoàn thiện, quyết liệt, ban hành, đề xuất, quản lý, giải quyết,
bảo đảm, đảm bảo, xử lý, thường xuyên, duy trì, vận động, tuyên truyền, phát huy, nâng cao, cung cấp,
thẩm định, chuẩn bị, đôn đốc, kêu gọi, yêu cầu, đề nghị, cập nhật, lựa chọn, hỗ trợ, tạo điều, khắc phục,
ưu tiên, tích cực, ngăn chặn, nghiêm túc, rút ngắn, chấp hành, trao đổi, thăm hỏi, phấn đấu, sử dụng,
chú trọng, lưu ý, tuần tra, giám sát, ký kết, thông báo, trang trí, căn cứ, là cơ, có trách, được giao,
đánh giá, điều chỉnh, điều tiết, phân bổ, phân công, bàn giao, giải ngân, thanh toán, công khai, công bố,
phổ biến, quán triệt, tăng tốc, tháo gỡ, xúc tiến, thu hút, đào tạo, bồi dưỡng, số hóa, kết nối, vận hành,
khai thác, thu gom, khơi thông, sắp xếp, bổ sung, sửa đổi, thống nhất, thống kê, thanh tra, mở rộng,
tổng kết, sơ kết, lập danh, khảo sát, xác định, xác minh, phê duyệt, tiếp nhận, trình cấp, kiện toàn,
lập kế, lập danh, lập hồ, lập báo, lập quy, lập dự, lập phương, lập đề, lập tổ, lập đoàn, trực tiếp, quan tâm,
nghiêm cấm, khuyến khích, hoàn trả, cân đối, quyết định, tạo điều kiện, làm việc, nỗ lực,
""".replace("\n", " ").split(",") if x.strip())

# Some texts capitalise every word of a head ("Ủy Ban Nhân Dân", "Công An tỉnh"): accepted as well.
_HEADS_TITLED = sorted({" ".join(w[:1].upper() + w[1:] for w in h.split(" ")) for h in _HEADS if " " in h}
                       - set(_HEADS))
# The word lists are written as tries (rxtrie): the same longest-first match, much cheaper.
_OPENS = r"[\s(\"'“,;:]"   # what may stand before a name: the start, a space, an opening mark
_HEAD_RE = _re(r"(?:(?<=^)|(?<=[\s(\"'“,;:]))" + trie_pattern(_HEADS + _HEADS_TITLED) + r"(?=[\s,.;:)]|$)")
_GROUP_RE = _re(r"(?:(?<=^)|(?<=[\s(\"'“,;:]))[Cc]ác\s+" + trie_pattern(_GROUP_NOUNS) + r"(?=[\s,.;:)]|$)")
_PERSON_RE = _re(
    r"(?:(?:[Cc]ác\s+)?(?:đồng chí|Đồng chí)\s+)?(?:(?:[Cc]ác\s+)?" + trie_pattern(_PERSON_HEADS)
    + r")(?=[\s,])\s*(?:các\s+)?")
_WORD_RE = _re(r"[^\s,;:.()\"]+|[,;:.()\"]")
_TRAIL_JUNK = _re(r"[\s,;:.\-–]+$")
_ABBREV = _re(r"[A-ZĐ]{2,}|&")


@dataclass(frozen=True)
class Agency:
    """An agency phrase found in a text."""

    start: int
    end: int
    text: str          # as written (the head person stripped)
    group: bool        # a collective owner ("các sở, ban, ngành")


def _is_cap(word: str) -> bool:
    return bool(word) and (word[0].isupper() or word[0].isdigit())


def _starts_head(s: str, pos: int) -> int | None:
    """End of an agency head noun starting exactly at pos, else None."""
    m = _GROUP_RE.match(s, pos) or _HEAD_RE.match(s, pos)
    if not m:
        return None
    if _NOT_AGENCY.match(s, pos):
        return None
    return m.end()


# Words that begin like a head noun but are not agencies ("Ban hành", "Hội nghị").
_NOT_AGENCY = _re(
    r"(?:Ban hành|Hội nghị|Hội thảo|Hội thi|Hội chợ|Trường hợp|Báo cáo|Bộ phận|Bộ tiêu chí|Bộ dữ liệu|"
    r"Cơ quan thường trực|"
    r"Đơn vị tính|Thành phố (?:đã|sẽ|đang)|Tỉnh (?:đã|sẽ|đang)|Cục bộ|Trung tâm (?:hành chính|thương mại)|"
    r"Đài tưởng niệm|Chính phủ (?:số|điện tử)|Vụ (?:việc|án|mùa|lúa|[Đđ]ông|[Hh]è|[Mm]ùa|[Xx]uân|[Tt]hu)\b"
    r"|Phòng(?=\s*,)|Phòng(?: chống| ngừa| cháy| tránh| thủ| bệnh| dịch| họp| làm việc| khám)|Quỹ (?:đất|nhà|lương|"
    r"thời gian|tiền lương)|Đội ngũ|Hạt (?:giống|nhân))\b",
    re.I)


def scan_agency(s: str, pos: int, limit: int | None = None, allow_semicolon: bool = False) -> Agency | None:
    """The agency phrase that starts at `pos` (a head noun must start there).

    The phrase extends over capitalised words, abbreviations and administrative
    vocabulary; a comma continues it when the next word cannot open a new agency
    and still belongs to the name ("Sở Văn hóa, Thể thao và Du lịch", "UBND các huyện,
    thị xã, thành phố", "UBND các huyện Vĩnh Linh, Gio Linh").
    """
    limit = len(s) if limit is None else min(limit, len(s))
    start = pos
    pos = _skip_person(s, pos, limit)
    pm = _PROJECT_BOARD.match(s, pos, limit)
    if pm:
        return Agency(pos, pm.end(), s[pos:pm.end()], False)
    head_end = _starts_head(s, pos)
    if head_end is None and pos > start:
        # "Thủ trưởng cơ quan ngang Bộ, cơ quan thuộc Chính phủ"
        m = _LOWER_BODY.match(s, pos, limit)
        head_end = m.end() if m else None
    if head_end is None or head_end > limit:
        return None
    group = s[pos:pos + 3].lower() == "các"
    end = head_end
    i = head_end
    words = 0
    after_comma = False
    prev_cap = True
    ahead = None   # (position, the word found from there): the look-ahead of the last word, reused
    while i < limit and words < 30:
        m = ahead[1] if ahead is not None and ahead[0] == i else _WORD_RE.search(s, i, limit)
        if not m:
            break
        gap = s[i:m.start()]
        if "\n" in gap:
            break
        w = m.group(0)
        if w in ",;":
            if w == ";" and not allow_semicolon:
                break
            nxt = _WORD_RE.search(s, m.end(), limit)
            ahead = (m.end(), nxt)
            if not nxt or "\n" in s[m.end():nxt.start()]:
                break
            nw = nxt.group(0)
            gc = _GROUP_CONT.match(s, nxt.start(), limit) if w == "," else None
            if gc:
                end = gc.end()
                i = gc.end()
                words += 1
                after_comma = False
                continue
            if _starts_head(s, nxt.start()) is not None and not (w == "," and _continues_group(s, nxt.start(), group)):
                if w == ";" and allow_semicolon:
                    i = nxt.start()
                    after_comma = True
                    continue
                break
            if _is_cap(nw) and not _is_predicate(s, nxt.start(), limit):
                i = m.end()
                after_comma = True
                continue
            if nw.lower() in _COMMA_GROUP_WORDS:
                i = m.end()
                after_comma = True
                continue
            break
        if w in ".:()\"":
            # "TP. Hồ Chí Minh" style abbreviation dots are rare; stop at punctuation.
            if w == "(":
                close = s.find(")", m.end(), min(limit, m.end() + 40))
                if close != -1 and _ABBREV.search(s[m.end():close]) and "\n" not in s[m.end():close]:
                    end = close + 1
                    i = close + 1
                    continue
            break
        lw = w.lower()
        nxt = _WORD_RE.search(s, m.end(), limit)
        ahead = (m.end(), nxt)
        nw = nxt.group(0) if nxt and "\n" not in s[m.end():nxt.start()] else ""
        if w == "và":
            if nxt is not None and _PERSON_RE.match(s, nxt.start(), limit):
                break  # "Giám đốc Sở Tài chính và Giám đốc Kho bạc ...": a second body, named through its head
            if _is_cap(nw) and _starts_head(s, nxt.start()) is None and nw.lower() not in _CAP_STOPS:
                # "Sở Giáo dục và Đào tạo": a capitalised word after "và" continues the name
                i = m.end()
                prev_cap = False
                continue
            if nw.lower() in ("đặc", "phường", "xã", "thị", "thành", "ngành", "đoàn") and "," in s[pos:m.start()]:
                i = m.end()
                after_comma = True
                continue
            break
        if w == "-" or w == "–":
            # "Đồng Đăng - Lạng Sơn", "chính trị - xã hội"
            if _is_cap(nw) or nw.lower() in _NAME_WORDS:
                i = m.end()
                continue
            break
        if _is_cap(w):
            if words > 0 and lw in _CAP_STOPS:
                break
            end = m.end()
            i = m.end()
            words += 1
            after_comma = False
            prev_cap = True
            continue
        if after_comma and lw in _COMMA_GROUP_WORDS:
            end = m.end()
            i = m.end()
            words += 1
            after_comma = False
            continue
        if lw in _STOP_SINGLE or f"{lw} {nw.lower()}" in _VERB_BIGRAMS:
            break
        if prev_cap or lw in _NAME_WORDS or _ABBREV.search(w) or any(ch.isdigit() for ch in w):
            # "Công nghiệp-Năng lượng": a hyphen joins two capitalised name words
            prev_cap = bool(re.search(r"-[A-ZĐÀ-Ỹ]", w))
            end = m.end()
            i = m.end()
            words += 1
            after_comma = False
            continue
        break
    return _finish_agency(s, pos, end, limit, group)


def _finish_agency(s: str, pos: int, end: int, limit: int, group: bool) -> Agency | None:
    """The agency scanned over s[pos:end], trailing junk trimmed; a colon list of names after a
    plural head ("UBND các xã: A, B") joins it."""
    text = _TRAIL_JUNK.sub("", s[pos:end])
    if not text:
        return None
    listed = _COLON_LIST.match(s, pos + len(text), limit)
    if listed and _is_predicate(s, listed.start(1), limit):
        listed = None  # "UBND các xã, phường: Tuyên truyền ...": the colon opens the item, not a list of names
    if listed and re.search(r"(?:^|\s)[Cc]ác\s", " " + text):
        named = _name_from_colon_list(text, listed.group(1))
        if named:
            lend = _list_end(s, listed.start(1), limit)
            if re.search(r"[Cc]ác\s+(?:tỉnh|thành phố|xã|phường|huyện|quận|đặc khu|thị xã|địa phương)\s*$", text):
                # "UBND các xã: Gia Thuận, Tân Điền, Gò Công Đông": places under one head noun are one
                # owner, as written (a list of distinct bodies, "các Tập đoàn: A, B", or of mixed kinds,
                # "các tỉnh, thành phố: A, B", is led by the first)
                named = _TRAIL_JUNK.sub("", s[pos:lend])
            return Agency(pos, lend, named, False)
    return Agency(pos, pos + len(text), text, group or text.lower().startswith("các "))


# "Các Bộ, cơ quan: Tài chính, Xây dựng" / "UBND các tỉnh, thành phố: Tuyên Quang, Đồng Nai"
_COLON_LIST = _re(r"\s*:\s*([A-ZĐÀ-Ỹ][^,:;\n]{1,60})")


def _list_end(s: str, pos: int, limit: int) -> int:
    """End of a listed-names run ("Tuyên Quang, Đồng Nai, Hồ Chí Minh"): the first verb."""
    end = pos
    for m in _WORD_RE.finditer(s, pos, min(limit, pos + 400)):
        w = m.group(0)
        if w in ".;:\n" or _is_predicate(s, m.start(), limit):
            break
        end = m.end()
    return end


def _name_from_colon_list(text: str, items: str) -> str | None:
    """The first listed body, named with the shared head noun ("Bộ Tài chính")."""
    first = re.split(r"\s*,\s*", items.strip())[0].strip()
    if not first:
        return None
    m = re.match(r"(?:(?P<pre>.*?)\s+)?[Cc]ác\s+(?P<cat>\w+)", text)
    if not m:
        return None
    cat = re.split(r"\s*,\s*", text[m.start("cat"):])[0].strip()
    pre = (m.group("pre") or "").strip()
    if cat.lower() == "bộ":
        return f"Bộ {first}"
    return f"{pre} {cat} {first}".strip()


# Capitalised words that cannot continue a name: sentence openers. A capitalised
# verb mid-sentence is part of a name ("Công ty ... Khai thác công trình thủy lợi").
_CAP_STOPS = {"trong", "theo", "về", "để", "tại", "đối", "yêu", "đề", "chủ", "khẩn"}


def _is_predicate(s: str, pos: int, limit: int) -> bool:
    """Does a verb (one word or a two-word verb) start at pos?"""
    m = _WORD_RE.match(s, pos, limit)
    if not m:
        return False
    w = m.group(0).lower()
    if w in _STOP_SINGLE:
        return True
    n = _WORD_RE.search(s, m.end(), limit)
    return bool(n) and f"{w} {n.group(0).lower()}" in _VERB_BIGRAMS


# Party and government bodies named together ("cấp ủy, tổ chức đảng, chính quyền, đoàn thể các cấp").
_GROUP_CONT = _re(r"(?:tổ chức chính trị - xã hội|tổ chức đảng|chính quyền(?: địa phương| cơ sở)?|cấp ủy|"
                  r"mặt trận tổ quốc)\b", re.I)
_COMMA_GROUP_WORDS = {"ban", "ngành", "thị", "thành", "phường", "xã", "huyện", "đặc", "địa", "đơn", "cơ", "đoàn",
                      "quận", "các", "tỉnh", "khu", "cụm", "hội", "đoàn thể", "bộ", "cấp"}


def _continues_group(s: str, pos: int, group: bool) -> bool:
    """After a comma inside a group phrase, "các ngành" / "ban" continue the same group."""
    if not group:
        return False
    return bool(re.match(r"(?:các\s+)?(?:ban|ngành|cấp|đoàn thể|địa phương|thị xã|thành phố|phường|xã|đặc khu)\b",
                         s[pos:pos + 20]))


# Project boards are named by their field, in lower case words that look like verbs
# ("Ban Quản lý dự án đầu tư xây dựng các công trình giao thông tỉnh").
_PROJECT_BOARD = _re(
    r"(?:Ban Quản lý|BQL|Ban QLDA)\s+(?:các\s+)?(?:[Dd]ự án|DA)(?:\s+(?:đầu tư|xây dựng|các|công trình|giao thông|"
    r"dân dụng|và|"
    r"công nghiệp|nông nghiệp|phát triển|nông thôn|hạ tầng|đô thị|khu vực|chuyên ngành|trọng điểm|ODA))*"
    r"(?:\s+(?:tỉnh|thành phố|huyện|(?:số\s+)?\d+))?(?:\s+[A-ZĐÀ-Ỹ][\w-]*)*")
_PARTY_BODY = _re(r"(?:[Tt]ỉnh ủy|[Tt]hành ủy|[Đđ]ảng ủy)(?:\s*,\s*(?:[Tt]ỉnh ủy|[Tt]hành ủy))?(?=\s*(?:,|và))")
_PERSON_LIST_SEP = _re(r"\s*(?:,|và)\s*")
_LOWER_BODY = _re(r"(?:cơ quan|đơn vị)(?=\s)")


def _skip_person(s: str, pos: int, limit: int) -> int:
    """Skip "Giám đốc", "Chủ tịch", "đồng chí" ... in front of an agency.

    A list of titles ("Bí thư, Chủ tịch UBND tỉnh") is skipped up to the last one.
    """
    for _ in range(4):
        m = _PERSON_RE.match(s, pos, limit)
        if m and (_starts_head(s, m.end()) is None or _PARTY_BODY.match(s, m.end(), limit)):
            # "Bí thư tỉnh ủy và Chủ tịch UBND ...", "Bí thư Tỉnh ủy, Thành ủy, Chủ tịch ...": the party
            # title before the government head is skipped with its body
            pb = _PARTY_BODY.match(s, m.end(), limit)
            sep = _PERSON_LIST_SEP.match(s, pb.end() if pb else m.end(), limit)
            if sep and _PERSON_RE.match(s, sep.end(), limit):
                pos = sep.end()
                continue
        break
    for _ in range(3):
        m = _PERSON_RE.match(s, pos, limit)
        if not m:
            return pos
        nxt = m.end()
        # "Thủ trưởng các sở" -> "các sở"; "Giám đốc Sở Y tế" -> "Sở Y tế"
        if s[pos:m.end()].rstrip().endswith("các"):
            nxt = m.end() - len("các ") if s[m.end() - 4:m.end()] == "các " else m.end()
            if _GROUP_RE.match(s, nxt) is None and _starts_head(s, nxt) is None:
                return pos
        elif (_starts_head(s, nxt) is None and _PERSON_RE.match(s, nxt, limit) is None
                and not _LOWER_BODY.match(s, nxt, limit)):
            return pos
        pos = nxt
    return pos


def find_agencies(s: str, start: int = 0, end: int | None = None) -> list[Agency]:
    """Every agency phrase in s[start:end], left to right, not overlapping."""
    end = len(s) if end is None else end
    out: list[Agency] = []
    i = start
    for m in _CANDIDATE_RE.finditer(s, start, end):
        if m.start() < i:
            continue
        a = scan_agency(s, m.start(), end)
        if a is not None:
            out.append(a)
            i = a.end
    return out


# Where an agency phrase may start: "các", "đồng chí" or a head noun after the start or an opening
# mark. Each branch opens with a plain letter (the boundary test follows it), so finditer skips
# in C to the next letter that can open one.
_AT_OPEN = rf"(?<!{'[^' + _OPENS[1:]}.)"
_CANDIDATE_RE = _re(
    rf"(?:C{_AT_OPEN}ác\s|c{_AT_OPEN}ác\s|đ{_AT_OPEN}ồng chí\s|Đ{_AT_OPEN}ồng chí\s|"
    + trie_pattern(set(_HEADS + _HEADS_TITLED + _PERSON_HEADS), boundary=_OPENS)[3:])


def split_agency_list(s: str, start: int, end: int) -> list[str]:
    """Agencies of a coordination list ("Sở TT&TT, Công an tỉnh và UBND các huyện").

    A comma or "và" starts a new entry only when an agency head follows; otherwise
    the words still belong to the previous entry (shared head nouns).
    """
    out: list[str] = []
    i = start
    while i < end:
        while i < end and s[i] in " ,;":
            i += 1
        if s.startswith("và ", i):
            i += 3
            continue
        a = scan_agency(s, i, end)
        if a is None:
            if _is_predicate(s, i, end):
                break
            # an unknown coordinating body: take the words up to the next separator
            m = _re(r"[^,;]+").match(s, i, end)
            if not m:
                break
            piece = m.group(0).strip()
            piece = re.split(r"\s+(?:để|nhằm|trong|thực hiện|tổ chức|triển khai|xây dựng|rà soát|theo dõi|tham mưu)\s",
                             piece)[0]
            if piece and len(piece.split()) <= 12:
                out.append(piece.rstrip(" ."))
            break
        out.append(a.text)
        i = a.end
        rest = s[i:end]
        m = re.match(r"\s*(?:,|;|và\s)\s*", rest)
        if not m:
            break
        i += m.end()
    return [x for x in out if x]
