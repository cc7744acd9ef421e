"""Reasons in Vietnamese for the clerk, and warnings about the text (issue #13).

`reasons` keep their stable codes for programs; `reason_texts` says the same to people
("giao việc theo tiêu đề cơ quan", "hạn theo âm lịch: 23 tháng Chạp"), never a rule code.
`warnings` flag what a clerk must check: an impossible date in the task's text ("31/02/2022"),
an owner that is not in the unit registry ("không có trong danh mục").
"""
from __future__ import annotations

from datetime import date

from .startcache import compile as _re  # re.compile, kept between processes

# Reason code -> what the clerk reads. Deadline codes are "deadline:<rule>".
REASON_TEXTS = {
    "trigger:giao": "giao việc trực tiếp (\"Giao ...\")",
    "trigger:yêu": "yêu cầu trực tiếp (\"Yêu cầu ...\")",
    "trigger:đề": "đề nghị trực tiếp (\"Đề nghị ...\")",
    "trigger:chỉ": "chỉ đạo trực tiếp",
    "trigger:phân": "phân công trực tiếp",
    "subject": "cơ quan là chủ ngữ của câu",
    "subject_after_phrase": "cơ quan là chủ ngữ sau cụm mở đầu",
    "responsible": "cơ quan \"có trách nhiệm\" / \"được giao\"",
    "agency_heading": "chủ trì theo tiêu đề cơ quan ở mục trên",
    "intro_list": "chủ trì theo câu dẫn của danh sách",
    "list_intro": "câu dẫn danh sách có nội dung công việc riêng",
    "inline_enumeration": "ý đánh số (i), (ii) trong cùng đoạn",
    "clause_subject": "vế câu sau dấu \";\" có chủ ngữ riêng",
    "carried_over": "giữ cơ quan của câu trước (\"Đồng thời, ...\")",
    "owner_carried_over": "giữ cơ quan của câu trước",
    "item_subject": "chủ ngữ của câu trước trong cùng mục",
    "plan_block": "khối kế hoạch (nhiệm vụ, đơn vị, thời gian)",
    "plan_block_owner": "đơn vị chủ trì ghi ở dòng \"Đơn vị chủ trì\"",
    "plan_block_time": "thời gian ghi ở dòng \"Thời gian thực hiện\"",
    "plan_item_attributes": "mục kế hoạch ghi \"Chủ trì: ...; Phối hợp: ...\"",
    "table_row": "dòng của bảng nhiệm vụ",
    "directive_list": "ý trong danh sách chỉ đạo",
    "same_item_sentence": "câu sau trong cùng mục có hạn riêng",
    "split_by_deadline": "tách theo từng hạn trong câu",
    "deadline_inherited": "hạn lấy từ câu dẫn / mục viện dẫn phụ lục",
    "no_owner": "chưa xác định được cơ quan chủ trì",
    "owner_not_in_registry": "cơ quan không có trong danh mục",
}
DEADLINE_TEXTS = {
    "date_dmy": "hạn theo ngày ghi rõ", "date_dm": "hạn theo ngày (năm suy ra từ ngày ban hành)",
    "date_long": "hạn theo ngày ghi rõ", "date_long_dm": "hạn theo ngày (năm suy ra từ ngày ban hành)",
    "month": "hạn cuối tháng", "month_end": "hạn cuối tháng", "month_early": "đầu tháng (ngày 10)",
    "month_mid": "giữa tháng (ngày 20)", "before_month": "trước tháng ghi trong câu",
    "quarter": "hạn cuối quý", "year": "hạn cuối năm", "year_end": "hạn cuối năm",
    "year_cell": "năm ghi trong bảng: hạn 31/12",
    "year_completion": "hoàn thành trong năm", "part_of_year": "hạn theo phần của năm (6 tháng đầu năm ...)",
    "calendar_days": "số ngày tính từ ngày ban hành",
    "working_days": "số ngày làm việc (bỏ thứ Bảy, Chủ nhật, ngày lễ)",
    "lunar_date": "hạn theo âm lịch", "lunar_tet": "trước Tết Nguyên đán", "lunar_tet_day": "hạn theo ngày Tết âm lịch",
    "holiday_eve": "trước ngày lễ", "recurring_monthly": "định kỳ hằng tháng",
    "recurring_quarterly": "định kỳ hằng quý",
    "recurring_weekly": "định kỳ hằng tuần", "recurring_yearly": "định kỳ hằng năm",
    "periodic_unspecified": "định kỳ (chưa rõ kỳ)",
    "urgent": "khẩn trương / ngay, không có ngày", "ongoing": "thực hiện thường xuyên",
    "event_unresolved": "theo sự kiện chưa rõ ngày", "relative_unanchored": "thời hạn tương đối chưa rõ mốc",
    "after_event": "sau một sự kiện", "open_period": "khoảng thời gian mở", "time_slot": "giờ trong ngày",
    "day_of_month": "ngày trong tháng",
}


def reason_texts(reasons: list[str], deadline_text: str | None = None) -> list[str]:
    """The Vietnamese sentence for each reason code (codes with no text are left out)."""
    out = []
    for code in reasons:
        if code.startswith("deadline:"):
            text = DEADLINE_TEXTS.get(code.split(":", 1)[1], "hạn tìm thấy trong câu")
            if code == "deadline:lunar_date" and deadline_text:
                text = f"{text}: {deadline_text}"
        else:
            text = REASON_TEXTS.get(code)
        if text and text not in out:
            out.append(text)
    return out


_NUMERIC_DATE = _re(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?![\d/])")
_LONG_DATE = _re(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")


def impossible_dates(text: str) -> list[str]:
    """Dates written in the text that do not exist ("31/02/2022", "ngày 30 tháng 2 năm 2025")."""
    found = []
    for rx in (_NUMERIC_DATE, _LONG_DATE):
        for m in rx.finditer(text):
            d, mo, y = (int(g) for g in m.groups())
            try:
                date(y, mo, d)
            except ValueError:
                found.append(m.group(0))
    return found


def task_warnings(span_text: str, owner: str | None, in_registry: bool) -> list[str]:
    """What the clerk should check on this task, in Vietnamese."""
    out = [f"ngày không có thật: {d}" for d in impossible_dates(span_text)]
    if owner and not in_registry:
        out.append(f"\"{owner}\" không có trong danh mục đơn vị")
    return out
