"""Header facts of a directive: number and code, kind, title, issuer, signer, date.

Vietnamese administrative documents follow a fixed layout (Nghị định 30/2020/NĐ-CP):
the issuing body top left, "Số: 15/TB-UBND" under it, "<Place>, ngày 12 tháng 01 năm
2022" top right, the kind in capitals ("CHỈ THỊ") followed by the subject, and the
signature block ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / <name>") at the end.
"""
from __future__ import annotations

import re
from datetime import date

from .startcache import compile as _re  # re.compile, kept between processes

_NUMBER = _re(r"\bSố\s*:?\s*(\d{1,6}(?:/\d{4})?)\s*/\s*([A-ZĐ][A-ZĐa-zđ0-9]*(?:-[A-ZĐ][A-ZĐa-zđ0-9&]*){0,3})")
_PLACE_DATE = _re(
    r"(?m)^[ \t]*[A-ZĐÂĂÊÔƠƯ][^\n,]{1,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_SUBJECT_LINE = _re(r"\b[Vv]/[Vv]\s*:?\s*([^\n]{3,300})")
_NEWS_DATE = _re(r"(\d{1,2})/(\d{1,2})/(\d{4})")

# Kind words as they are written in the title line, and the code of the number.
_KIND_WORDS = [
    ("THÔNG BÁO", "thong_bao_ket_luan"), ("CHỈ THỊ", "chi_thi"), ("KẾ HOẠCH", "ke_hoach"),
    ("QUYẾT ĐỊNH", "quyet_dinh"), ("CÔNG ĐIỆN", "cong_van"), ("CÔNG VĂN", "cong_van"),
]
_CODE_KINDS = {"TB": "thong_bao_ket_luan", "CT": "chi_thi", "KH": "ke_hoach", "QĐ": "quyet_dinh",
               "CĐ": "cong_van"}
_SIGNER_TITLES = _re(
    r"(?m)^[ \t]*((?:TM\.|KT\.|TL\.|Q\.)?[ \t]*(?:CHỦ TỊCH|PHÓ CHỦ TỊCH|CHÁNH VĂN PHÒNG|PHÓ CHÁNH VĂN PHÒNG|"
    r"THỦ TƯỚNG|PHÓ THỦ TƯỚNG|BỘ TRƯỞNG|GIÁM ĐỐC|PHÓ GIÁM ĐỐC|BỘ TRƯỞNG, CHỦ NHIỆM|CHỦ NHIỆM|"
    r"ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)[^\n]*)$")
_PERSON_NAME = _re(r"\s*\n\s*(?:\n\s*)*((?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+\s+){1,4}[A-ZĐÀ-Ỹ][a-zà-ỹđ]+)\s*(?:\n|$)")
_ON_BEHALF = _re(r"^TM\.\s*(?:ỦY|UỶ) BAN NHÂN DÂN(?:\s+(?:TỈNH|THÀNH PHỐ|XÃ|PHƯỜNG)(?:\s+[A-ZĐÀ-Ỹ]+)*)?\s*(?=KT\.|TL\.|"
                 r"Q\.|CHỦ TỊCH|PHÓ|$)")
_A_PERSON = _re(r"CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|GIÁM ĐỐC|CHÁNH|CHỦ NHIỆM|TRƯỞNG")
_NATIONAL_MOTTO = _re(r"CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập - Tự do")


# The urgency mark ("độ khẩn") printed in the header: a line of its own under the number
# ("HỎA TỐC"), a column of the header line set off by a wide gap or a tab, or the
# metadata line "Độ khẩn: Thượng khẩn" of an electronic copy. "khẩn trương" in a
# sentence is ordinary urging, never a mark.
URGENCY_MARKS = ("HỎA TỐC", "THƯỢNG KHẨN", "KHẨN")
_MARK = r"(HỎA\s+TỐC|HOẢ\s+TỐC|THƯỢNG\s+KHẨN|KHẨN)"
_MARK_LINE = _re(rf"^[\s*_#:.\-\[\](]*{_MARK}[\s*_#:.\-\[\])]*$", re.I)
_MARK_COLUMN = _re(rf"(?:^|\t|\s{{3,}}){_MARK}(?=\t|\s{{3,}}|\s*$)")
_MARK_FIELD = _re(r"^\s*Độ\s+khẩn\s*:\s*(Hỏa\s+tốc|Hoả\s+tốc|Thượng\s+khẩn|Khẩn)\s*$", re.I)
_MARK_LINES = 15   # non-empty lines of the header area: a mark further down is quoted text


def urgency_mark(text: str, lines: int = _MARK_LINES) -> str | None:
    """The document's urgency mark ("HỎA TỐC", "THƯỢNG KHẨN", "KHẨN") in its first `lines`
    non-empty lines (the header area), or None."""
    seen = 0
    for raw in (text or "")[:4000].split("\n"):
        if not raw.strip():
            continue
        seen += 1
        if seen > lines:
            break
        m = _MARK_FIELD.match(raw)
        if m:
            found = m.group(1).upper()
        else:
            m = _MARK_LINE.match(raw) or _MARK_COLUMN.search(raw.rstrip())
            if not m:
                continue
            found = m.group(1).upper()
        found = " ".join(found.split())
        return "HỎA TỐC" if found.endswith("TỐC") else found
    return None


def _first_lines(text: str, n: int = 40) -> list[str]:
    return [ln.strip() for ln in text.split("\n", n)[:n]]


def parse_header(text: str, issued: date | None = None) -> dict:
    """Document facts; absent facts are None. `issued` (when given) wins."""
    head = text[:4000]
    number = code = kind = title = issuer = signer = None
    m = _NUMBER.search(head)
    if m:
        code = f"{m.group(1)}/{m.group(2)}"
        number = m.group(1)
        prefix = m.group(2).split("-")[0]
        # "15/TB-UBND" names its kind; "156/UBND-KT" (issuer first) is a công văn
        kind = _CODE_KINDS.get(prefix) or ("cong_van" if "-" in m.group(2) else None)
    found = None
    md = _PLACE_DATE.search(head)
    if md:
        found = _safe_date(int(md.group(3)), int(md.group(2)), int(md.group(1)))
    lines = _first_lines(head)
    for i, ln in enumerate(lines):
        upper = ln.upper()
        for word, k in _KIND_WORDS:
            if (ln.startswith(word)
                    and (ln == upper or len(ln) <= len(word) + 2 or ln[len(word):len(word) + 1] in " \n")
                    and (ln == word or ln.isupper())):
                kind = kind if (kind and word == "THÔNG BÁO") else k
                rest = ln[len(word):].strip(" :")
                title = rest or next((x for x in lines[i + 1:i + 4] if x), None)
                break
        if title:
            break
    if title is None:
        mv = _SUBJECT_LINE.search(head)
        if mv:
            title = mv.group(1).strip()
    if kind is None:
        kind = "cong_van" if re.search(r"(?m)^\s*Kính gửi", head) else ("news" if not m else None)
    # issuer: the lines before the national motto, or the first non-empty line
    org: list[str] = []
    for ln in lines:
        if not ln:
            if org:
                continue
            continue
        if _NATIONAL_MOTTO.search(ln) or ln.startswith("Số") or _PLACE_DATE.match(ln):
            break
        org.append(ln)
        if len(org) >= 3:
            break
    if org and m:
        issuer = " ".join(org)
    # the signature ends the body; an appendix may follow it
    appendix = re.search(r"(?m)^\s*(?:PHỤ LỤC|Phụ lục)\b", text)
    body_end = appendix.start() if appendix else len(text)
    tail = text[max(0, body_end - 1500):body_end]
    sm = list(_SIGNER_TITLES.finditer(tail))
    if sm:
        signer = (" ".join(x.group(1).strip() for x in sm[-2:]) if len(sm) > 1 and sm[-1].start() - sm[-2].end() < 40
                  else sm[-1].group(1).strip())
        # the signatory's name on the line below the titles ("Nguyễn Văn A")
        nm = _PERSON_NAME.match(tail, sm[-1].end())
        if nm and nm.group(1) not in signer:
            signer = f"{signer} {nm.group(1)}"
        # "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Phạm Văn A": the body signed for is not the
        # signer; keep the person's titles and name (a body alone is no signer)
        signer = _ON_BEHALF.sub("", signer).strip() or None
        if signer and not (_A_PERSON.search(signer) or any(ch.islower() for ch in signer)):
            signer = None
    if found is None and kind == "news":
        mn = _NEWS_DATE.search(head[:600])
        if mn:
            found = _safe_date(int(mn.group(3)), int(mn.group(2)), int(mn.group(1)))
    if issued is not None:
        found = issued
    return {
        "number": number,
        "code": code,
        "kind": kind,
        "title": title,
        "issuer": issuer,
        "signer": signer,
        "issued": found.isoformat() if found else None,
    }


def _safe_date(y: int, mth: int, d: int) -> date | None:
    try:
        return date(y, mth, d)
    except ValueError:
        return None
