"""Message texts (Vietnamese, Telegram HTML) and the reminder's inline buttons.

No Telegram import: buttons are (label, callback_data) pairs; the sender and the bot
turn them into an InlineKeyboardMarkup. Callback data is ASCII `act:task_id:version`
(well under Telegram's 64-byte limit) and is checked on the server when tapped.
"""
from __future__ import annotations

from datetime import date
from html import escape

from tracker.followup import policy
from tracker.followup.content import Digest
from tracker.followup.content import TaskLine
from tracker.followup.content import WeeklySummary
from tracker.models import TASK_STATUSES
from tracker.services.inputs import to_int
from tracker.vncalendar.holidays import working_days_between

MAX_TEXT = 4096

# callback actions
DONE, PROGRESS, SNOOZE_MENU, EXTEND = "dn", "pg", "sz", "ex"
SNOOZE_HOUR, SNOOZE_TOMORROW, SNOOZE_MONDAY = "s1", "st", "sm"
ACTIONS = (DONE, PROGRESS, SNOOZE_MENU, EXTEND, SNOOZE_HOUR, SNOOZE_TOMORROW, SNOOZE_MONDAY)


def fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "không có hạn"


def callback_data(action: str, task_id: int, version: int) -> str:
    data = f"{action}:{task_id}:{version}"
    assert len(data.encode()) <= 64
    return data


def parse_callback(data: str) -> tuple[str, int, int] | None:
    """'dn:12:3' -> ('dn', 12, 3); None for anything malformed."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] not in ACTIONS:
        return None
    task_id, version = to_int(parts[1], minimum=1), to_int(parts[2], minimum=0)
    if task_id is None or version is None or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return parts[0], task_id, version


def task_buttons(task_id: int, version: int) -> list[list[tuple[str, str]]]:
    return [
        [("✅ Đã hoàn thành", callback_data(DONE, task_id, version)),
         ("📈 Cập nhật tiến độ", callback_data(PROGRESS, task_id, version))],
        [("⏰ Nhắc lại sau", callback_data(SNOOZE_MENU, task_id, version)),
         ("📅 Xin gia hạn", callback_data(EXTEND, task_id, version))],
    ]


def snooze_buttons(task_id: int, version: int) -> list[list[tuple[str, str]]]:
    return [[("Sau 1 giờ", callback_data(SNOOZE_HOUR, task_id, version)),
             ("Ngày mai", callback_data(SNOOZE_TOMORROW, task_id, version)),
             ("Thứ Hai tới", callback_data(SNOOZE_MONDAY, task_id, version))]]


def days_phrase(deadline: date | None, today: date) -> str:
    """'còn 3 ngày', 'hạn là hôm nay', 'quá hạn 2 ngày làm việc'."""
    if deadline is None:
        return "không có hạn"
    left = (deadline - today).days
    if left > 0:
        return f"còn {left} ngày"
    if left == 0:
        return "hạn là hôm nay"
    wd = working_days_between(deadline, today)
    return f"quá hạn {wd} ngày làm việc" if wd else f"quá hạn {-left} ngày"


HEADINGS = {
    policy.BEFORE: "🔔 <b>Nhắc việc</b>",
    policy.OVERDUE: "⏰ <b>Nhiệm vụ quá hạn</b>",
    policy.ESCALATION: "⚠️ <b>Báo cáo lãnh đạo đơn vị: nhiệm vụ quá hạn</b>",
    policy.SNOOZE: "🔁 <b>Nhắc lại</b>",
}


def task_message(kind: str, *, task_id: int, action: str, directive_code: str, directive_title: str,
                 deadline: date | None, status: str, progress: int, urgent: bool, unit_name: str,
                 today: date, public_url: str) -> str:
    lines = [HEADINGS.get(kind, HEADINGS[policy.BEFORE]) + (" — <b>KHẨN</b>" if urgent else "")]
    lines.append(f"<b>Nhiệm vụ:</b> {escape(_clip(action, 1500))}")
    directive = escape(directive_code or "")
    if directive_title:
        directive += f" — {escape(_clip(directive_title, 300))}"
    lines.append(f"<b>Văn bản:</b> {directive}")
    lines.append(f"<b>Đơn vị chủ trì:</b> {escape(unit_name)}")
    lines.append(f"<b>Hạn:</b> {fmt_date(deadline)} ({days_phrase(deadline, today)})")
    lines.append(f"<b>Trạng thái:</b> {TASK_STATUSES.get(status, status)}, tiến độ {progress}%")
    lines.append(f'<a href="{escape(task_url(public_url, task_id))}">Xem nhiệm vụ #{task_id}</a>')
    return "\n".join(lines)


def task_url(public_url: str, task_id: int) -> str:
    return f"{public_url.rstrip('/')}/tasks/{task_id}"


def _clip(text: str, n: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def _line(t: TaskLine, today: date) -> str:
    co = " <i>(phối hợp)</i>" if t.coordinating else ""
    urgent = " <b>[KHẨN]</b>" if t.urgent else ""
    return (f"• #{t.id} {escape(_clip(t.action, 140))} — {escape(t.directive_code)}, "
            f"hạn {fmt_date(t.deadline)} ({days_phrase(t.deadline, today)}){urgent}{co}")


def _section(title: str, items: list[TaskLine], total: int, today: date) -> list[str]:
    if not total:
        return []
    out = [f"\n<b>{title} ({total})</b>"] + [_line(t, today) for t in items]
    if total > len(items):
        out.append(f"… và {total - len(items)} nhiệm vụ khác")
    return out


def digest_message(d: Digest, today: date, public_url: str) -> str:
    lines = [f"📋 <b>Tổng hợp công việc ngày {fmt_date(today)}</b>"]
    lines += _section("Quá hạn", d.overdue, d.overdue_total, today)
    lines += _section("Đến hạn hôm nay", d.today, d.today_total, today)
    lines += _section("Sắp đến hạn", d.soon, d.soon_total, today)
    if d.awaiting_confirmation:
        lines.append(f"\n✔️ Hoàn thành chờ xác nhận: <b>{d.awaiting_confirmation}</b>")
    if d.pending_extensions:
        lines.append(f"📅 Đề nghị gia hạn chờ quyết định: <b>{d.pending_extensions}</b>")
    lines.append(f'\n<a href="{escape(public_url.rstrip("/"))}/">Mở hệ thống theo dõi</a>')
    return fit("\n".join(lines))


def weekly_message(w: WeeklySummary, today: date, public_url: str) -> str:
    lines = [f"📊 <b>Tổng hợp tuần {fmt_date(today)}: {w.overdue_total} nhiệm vụ quá hạn</b>"]
    if w.by_unit:
        lines.append("\n<b>Theo đơn vị chủ trì</b>")
        lines += [f"• {escape(name)}: {count}" for name, count in w.by_unit]
    if w.oldest:
        lines.append("\n<b>Quá hạn lâu nhất</b>")
        lines += [_line(t, today) for t in w.oldest]
    lines.append(f'\n<a href="{escape(public_url.rstrip("/"))}/">Mở hệ thống theo dõi</a>')
    return fit("\n".join(lines))


def task_list_message(title: str, items: list[TaskLine], total: int, today: date) -> str:
    if not total:
        return f"<b>{title}</b>\nKhông có nhiệm vụ nào."
    lines = [f"<b>{title} ({total})</b>"] + [_line(t, today) for t in items]
    if total > len(items):
        lines.append(f"… và {total - len(items)} nhiệm vụ khác (xem trên hệ thống)")
    return fit("\n".join(lines))


def fit(text: str) -> str:
    """Keep under Telegram's 4096 characters, cutting at a line break."""
    if len(text) <= MAX_TEXT:
        return text
    cut = text.rfind("\n", 0, MAX_TEXT - 40)
    return text[: cut if cut > 0 else MAX_TEXT - 40] + "\n… (còn nữa, xem trên hệ thống)"


HELP = (
    "<b>Bot nhắc việc — các lệnh</b>\n"
    "/viec — nhiệm vụ đang mở của đơn vị\n"
    "/quahan — nhiệm vụ quá hạn\n"
    "/homnay — nhiệm vụ đến hạn hôm nay\n"
    "/tuannay — nhiệm vụ đến hạn trong tuần này\n"
    "/huylienket — huỷ liên kết tài khoản\n"
    "/trogiup — hướng dẫn này\n\n"
    "Để liên kết tài khoản: vào trang Cá nhân → Thông báo trên hệ thống, bấm liên kết Telegram "
    "hoặc gửi lệnh <code>/start mã-liên-kết</code> hiển thị ở đó."
)

