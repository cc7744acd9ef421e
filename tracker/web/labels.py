"""Human words for the codes the parser and the models write (rules, recurrences).

Nothing shown to a person is a code: a known code gets its Vietnamese sentence, an
unknown one a generic phrase by its family (never the code itself).
"""
import re

REASONS = {
    "trigger:giao": "có từ “giao”", "trigger:yêu": "có cụm “yêu cầu”", "trigger:đề": "có cụm “đề nghị”",
    "agency_heading": "đơn vị ở đề mục phía trên", "subject": "đơn vị là chủ ngữ của câu giao việc",
    "table_row": "dòng của bảng phân công", "carried_over": "tiếp nối nhiệm vụ phía trên",
    "owner_carried_over": "đơn vị lấy từ câu phía trên", "owner_not_in_registry": "đơn vị chưa có trong danh mục",
    "no_owner": "chưa xác định được đơn vị chủ trì", "intro_list": "danh sách mở đầu bằng câu dẫn",
    "plan_block": "mục của kế hoạch", "plan_block_owner": "đơn vị ghi ở cột chủ trì của kế hoạch",
    "plan_block_time": "thời gian ghi ở cột thời hạn của kế hoạch",
    "plan_item_attributes": "các ý của một mục kế hoạch", "same_item_sentence": "cùng một ý với câu trước",
    "split_by_deadline": "tách theo từng thời hạn", "responsible": "đơn vị được nêu là chịu trách nhiệm",
    "deadline:date_dmy": "có ngày hạn dạng DD/MM/YYYY", "deadline:date_dm": "có ngày hạn không ghi năm",
    "deadline:date_long": "có ngày hạn viết đầy đủ", "deadline:calendar_days": "hạn tính theo số ngày",
    "deadline:working_days": "hạn tính theo ngày làm việc", "deadline:event_unresolved": "hạn gắn với một sự kiện",
    "deadline:lunar_date": "hạn theo ngày âm lịch", "deadline:lunar_tet": "hạn trước Tết Nguyên đán",
    "deadline:month": "hạn trong tháng", "deadline:month_early": "hạn đầu tháng",
    "deadline:month_end": "hạn cuối tháng",
    "deadline:month_mid": "hạn giữa tháng", "deadline:ongoing": "nhiệm vụ thường xuyên",
    "deadline:part_of_year": "hạn theo sáu tháng hoặc chín tháng", "deadline:quarter": "hạn theo quý",
    "deadline:recurring_daily": "báo cáo hằng ngày", "deadline:recurring_weekly": "báo cáo hằng tuần",
    "deadline:recurring_monthly": "báo cáo hằng tháng", "deadline:recurring_quarterly": "báo cáo hằng quý",
    "deadline:recurring_yearly": "báo cáo hằng năm", "deadline:relative_unanchored": "hạn tương đối, chưa rõ mốc",
    "deadline:soon": "yêu cầu sớm, chưa có ngày", "deadline:urgent": "yêu cầu khẩn trương",
    "deadline:year": "hạn trong năm",
    "deadline:time_slot": "thời gian ghi ở mục thời hạn", "deadline:event": "hạn gắn với cuộc họp hoặc sự kiện",
    "deadline:after_event": "hạn tính sau một sự kiện", "deadline:open_period": "thời hạn mở",
    "deadline:periodic_unspecified": "định kỳ, chưa rõ chu kỳ",
}
_CODE = re.compile(r"^[a-z0-9_]+(:[\wÀ-ỹ_-]+)?$")


def reason_label(code: str | None) -> str:
    if not code:
        return ""
    if code in REASONS:
        return REASONS[code]
    if code.startswith("deadline:"):
        return "thời hạn nhận dạng từ văn bản"
    if code.startswith("trigger:"):
        return "có từ giao việc"
    if _CODE.match(code):
        return "nhận dạng tự động"
    return code  # already words (e.g. "tách từ nhiệm vụ 2", "thêm thủ công")


_WEEKDAY = {1: "thứ Hai", 2: "thứ Ba", 3: "thứ Tư", 4: "thứ Năm", 5: "thứ Sáu", 6: "thứ Bảy", 7: "Chủ nhật"}


def recurrence_label(rec: str | None) -> str:
    """'monthly:20' -> 'hằng tháng, ngày 20'; never the code itself."""
    if not rec:
        return ""
    kind, _, arg = rec.partition(":")
    if kind == "daily":
        return "hằng ngày"
    if kind == "weekly":
        return "hằng tuần" + (f", {_WEEKDAY.get(int(arg), '')}" if arg.isdigit() else "")
    if kind == "monthly":
        return "hằng tháng" + (f", ngày {int(arg)}" if arg.isdigit() else "")
    if kind == "quarterly":
        return "hằng quý" + (f", ngày {int(arg)} của tháng cuối quý" if arg.isdigit() else "")
    if kind == "yearly":
        if arg and "-" in arg:
            m, d = arg.split("-", 1)
            return f"hằng năm, ngày {int(d)}/{int(m)}"
        return "hằng năm"
    return "định kỳ"


# What each kind of task-history event is called on pages (task page, print view).
EVENT_LABELS = {
    'created': 'Tạo nhiệm vụ', 'status': 'Đổi trạng thái', 'progress': 'Cập nhật tiến độ', 'note': 'Ghi nhận',
    'deadline': 'Đổi hạn (gia hạn)', 'extension_requested': 'Đề nghị gia hạn', 'extension_rejected': 'Từ chối gia hạn',
    'attachment': 'Gửi minh chứng', 'conflict': 'Cập nhật bị từ chối (xung đột)',
    'corrected_lead': 'Điều chỉnh đơn vị chủ trì', 'corrected_co': 'Điều chỉnh đơn vị phối hợp',
    'corrected_action': 'Điều chỉnh nội dung', 'corrected_deadline': 'Điều chỉnh hạn',
    'corrected_recurrence': 'Điều chỉnh chu kỳ', 'extension_cancelled': 'Đề nghị gia hạn tự hủy',
    'assignee': 'Phân công chuyên viên', 'comment': 'Ý kiến', 'directing': 'Ý kiến chỉ đạo',
    'delegated': 'Giao đơn vị cấp dưới', 'info_units': 'Đơn vị nhận để biết',
    'rollup': 'Tổng hợp tiến độ từ cấp dưới'}


def event_value(kind: str, value):
    """An event's old/new value as people read it: workflow states by their label."""
    from tracker.models import TASK_STATUSES

    if kind == "status" and value in TASK_STATUSES:
        return TASK_STATUSES[value]
    if kind in ("recurrence", "corrected_recurrence") and value:
        return recurrence_label(value)
    return value or ""
