"""What the bot does, as plain synchronous functions over the database.

The PTB handlers in `bots/telegram.py` only translate updates to calls of these
functions (run with `asyncio.to_thread`, each with its own Session) and replies back.
Every change goes through `tracker.services.tasks` with channel="telegram", so it lands
in the task history exactly like a web change.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from html import escape

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.channels.telegram import links
from tracker.followup import content
from tracker.followup import messages
from tracker.followup import policy
from tracker.models import TASK_STATUSES
from tracker.models import AuditEvent
from tracker.models import Notification
from tracker.models import Task
from tracker.services import ServiceError
from tracker.services import permissions
from tracker.services import tasks as task_service
from tracker.services import throttle
from tracker.services.inputs import to_int

log = logging.getLogger(__name__)

# The prompt for a typed answer names the task and version, so a reply to it is
# understood even without in-memory state (webhook mode, a restarted worker).
# ASCII digits only, and few of them (see tracker/services/inputs.py: Unicode digits, 5,000-digit numbers)
PROMPT_RE = re.compile(r"#([0-9]{1,10}) \(phiên bản ([0-9]{1,10})\)")
PROGRESS_PROMPT = "📈 Nhiệm vụ #{id} (phiên bản {v}): nhập tiến độ (phần trăm) và ghi chú, ví dụ: 60 Đã xong dự thảo"
EXTEND_PROMPT = ("📅 Nhiệm vụ #{id} (phiên bản {v}): nhập ngày đề nghị gia hạn (DD/MM/YYYY) và lý do, "
                 "ví dụ: 31/12/2026 Chờ ý kiến các sở")


@dataclass
class Reply:
    """What the handler should do: toast (callback answer), a new message, keyboard change."""

    answer: str | None = None
    alert: bool = False
    message: str | None = None
    force_reply: bool = False
    markup: list | None = None
    remove_markup: bool = False
    pending: dict | None = None
    clear_pending: bool = False
    message_markup: list | None = None  # fresh buttons under the new message (what can be done next)
    ok: bool = True
    extra: dict = field(default_factory=dict)


def _audit(session: Session, user_id, chat_id, action: str, detail: str, now) -> None:
    session.add(AuditEvent(actor_id=user_id, at=now, channel="telegram", entity="telegram_callback",
                           entity_id=chat_id, action=action, new_value=detail[:1000]))
    session.commit()


MOVE_PREFIX = "mv:"  # callback data of "move this chat to the token's account": mv:<token> / mv:no


def start(engine: Engine, chat_id: int, chat_type: str, token: str | None, now: datetime,
          confirmed: bool = False):
    """The reply to /start [token]: a text, or (text, buttons) when the chat belongs to another
    account and the move must be confirmed first."""
    if not token:
        with Session(engine) as s:
            user = links.user_for_chat(s, chat_id)
        if user:
            return f"Chào {escape(user.display_name)}! Tài khoản đã được liên kết.\n\n" + messages.HELP
        return ("Chào bạn! Đây là bot nhắc việc của hệ thống theo dõi nhiệm vụ.\n"
                "Để nhận nhắc việc, vào trang Cá nhân → Thông báo, bấm liên kết Telegram "
                "hoặc gửi tại đây lệnh <code>/start mã-liên-kết</code>.")
    if chat_type != "private":
        return "Vui lòng liên kết trong cuộc trò chuyện riêng với bot, không dùng nhóm."
    with Session(engine) as s:
        wait = throttle.chat_link_wait(s, "telegram", chat_id, now=now)
        if wait:  # before the token is looked at: the same answer for any token
            return escape(throttle.chat_wait_message(wait))
        try:
            if not confirmed:
                target = links.peek_link_token(s, token, now)
                current = links.user_for_chat(s, chat_id)
                if current is not None and current.id != target.id and len(MOVE_PREFIX + token) <= 64:
                    return (f"Cuộc trò chuyện này đang nhận nhắc việc của tài khoản <b>{escape(current.login)}</b>. "
                            f"Chuyển sang tài khoản <b>{escape(target.login)}</b>?",
                            [[("Chuyển liên kết", MOVE_PREFIX + token), ("Giữ nguyên", MOVE_PREFIX + "no")]])
            user = links.consume_link_token(s, token, chat_id, now)
        except ServiceError as exc:
            s.rollback()
            throttle.chat_link_failed(s, "telegram", chat_id, now=now)
            return escape(exc.message)
        return (f"✅ Đã liên kết tài khoản <b>{escape(user.display_name)}</b> ({escape(user.login)}). "
                "Nhắc việc sẽ được gửi tới đây.\nGõ /trogiup để xem các lệnh.")


def unlink(engine: Engine, chat_id: int, now: datetime) -> str:
    with Session(engine) as s:
        user = links.unlink_chat(s, chat_id, now)
    if user is None:
        return "Cuộc trò chuyện này chưa liên kết với tài khoản nào."
    return f"Đã huỷ liên kết tài khoản {user.login}. Bạn sẽ không nhận nhắc việc tại đây nữa."


LISTS = {
    "viec": ("open", "Nhiệm vụ đang mở"),
    "quahan": ("overdue", "Nhiệm vụ quá hạn"),
    "homnay": ("today", "Nhiệm vụ đến hạn hôm nay"),
    "tuannay": ("week", "Nhiệm vụ đến hạn trong tuần này"),
}


LIST_BUTTONS = 5  # tasks of a list that get their own row of buttons


def task_list(engine: Engine, chat_id: int, command: str, now: datetime, with_buttons: bool = False,
              tz=policy.DEFAULT_TZ):
    """The list's text; with_buttons: (text, buttons) — a row [✅ #id, 📈 #id] for each of the
    first tasks the person's unit leads (and can act on)."""
    which, title = LISTS[command]
    today = policy.local_now(now, tz).date()
    with Session(engine) as s:
        user = links.user_for_chat(s, chat_id)
        if user is None:
            text = "Bạn chưa liên kết tài khoản. " + _how_to_link()
            return (text, None) if with_buttons else text
        items, total = content.task_list(s, user, which, today)
        rows = []
        for t in items:
            task = s.get(Task, t.id)
            if len(rows) < LIST_BUTTONS and task.status in policy.REMINDABLE_STATUSES \
                    and permissions.can_change_status(user, task):
                rows.append([(f"✅ #{t.id}", messages.callback_data(messages.DONE, t.id, task.version)),
                             (f"📈 #{t.id}", messages.callback_data(messages.PROGRESS, t.id, task.version))])
    text = messages.task_list_message(title, items, total, today)
    return (text, rows or None) if with_buttons else text


def _how_to_link() -> str:
    return "Vào trang Cá nhân → Thông báo trên hệ thống để lấy mã liên kết, rồi gửi <code>/start mã</code>."


def _snooze_at(action: str, now: datetime, settings: policy.ReminderSettings) -> datetime:
    local = policy.local_now(now, settings.tz)
    if action == messages.SNOOZE_HOUR:
        return (local + timedelta(hours=1)).replace(second=0, microsecond=0)
    if action == messages.SNOOZE_TOMORROW:
        return datetime.combine(local.date() + timedelta(days=1), settings.reminder_time, settings.tz)
    days = 7 - local.weekday()  # next Monday (a Monday goes to the following one)
    return datetime.combine(local.date() + timedelta(days=days), settings.reminder_time, settings.tz)


def callback(engine: Engine, chat_id: int, data: str, now: datetime,
             settings: policy.ReminderSettings = policy.ReminderSettings()) -> Reply:
    """Handle an inline-button tap. Checked on the server: the chat's linked user must be
    in the task's lead unit, and the button's task version must be the task's current
    version (a replayed or double-tapped button changes nothing)."""
    parsed = messages.parse_callback(data)
    with Session(engine, expire_on_commit=False) as s:
        user = links.user_for_chat(s, chat_id)
        if parsed is None:
            log.warning("Callback không hợp lệ từ chat %s: %r", chat_id, data)
            _audit(s, user.id if user else None, chat_id, "refused", f"malformed {data!r}", now)
            return Reply(answer="Nút không hợp lệ.", alert=True, ok=False)
        action, task_id, version = parsed
        if user is None:
            log.warning("Callback %r từ chat %s chưa liên kết: từ chối", data, chat_id)
            return Reply(answer="Bạn chưa liên kết tài khoản với bot.", alert=True, ok=False)
        task = s.get(Task, task_id)
        if task is None or not permissions.can_change_status(user, task):
            log.warning("Từ chối callback %r: người dùng %s (đơn vị %s) không thuộc đơn vị chủ trì nhiệm vụ %s",
                        data, user.login, user.unit_id, task_id)
            _audit(s, user.id, chat_id, "refused", f"not lead unit: {data}", now)
            return Reply(answer="Bạn không có quyền thao tác với nhiệm vụ này.", alert=True, ok=False)
        if task.version != version:
            log.info("Callback %r cũ (phiên bản hiện tại %s) từ %s: bỏ qua", data, task.version, user.login)
            _audit(s, user.id, chat_id, "stale", f"{data} current v{task.version}", now)
            return Reply(answer="Nhiệm vụ đã thay đổi kể từ tin nhắn này (có thể đã được xử lý). "
                                "Gõ /viec để xem trạng thái hiện tại.", alert=True, ok=False, remove_markup=True)
        if task.status not in policy.REMINDABLE_STATUSES:
            return Reply(answer=f"Nhiệm vụ đang ở trạng thái “{TASK_STATUSES.get(task.status, task.status)}”.",
                         alert=True, ok=False, remove_markup=True)

        if action == messages.DONE:
            try:
                task_service.update_task(s, user, task.id, version=version, status="cho_xac_nhan",
                                         channel="telegram", now=now)
                s.commit()
            except ServiceError as exc:
                s.rollback()
                return Reply(answer=exc.message, alert=True, ok=False)
            return Reply(answer="Đã báo hoàn thành.", remove_markup=True,
                         message=f"✅ Đã báo hoàn thành nhiệm vụ #{task.id}; chờ Văn phòng xác nhận.")
        if action == messages.PROGRESS:
            return Reply(answer="Nhập tiến độ", message=PROGRESS_PROMPT.format(id=task.id, v=version),
                         force_reply=True, pending={"kind": "progress", "task_id": task.id, "version": version})
        if action == messages.EXTEND:
            return Reply(answer="Nhập ngày và lý do", message=EXTEND_PROMPT.format(id=task.id, v=version),
                         force_reply=True, pending={"kind": "extend", "task_id": task.id, "version": version})
        if action == messages.SNOOZE_MENU:
            return Reply(answer="Chọn thời điểm nhắc lại", markup=messages.snooze_buttons(task.id, version))
        # snooze choices
        at = _snooze_at(action, now, settings)
        inserted = snooze(s, user.id, task.id, at)
        text = f"⏰ Sẽ nhắc lại nhiệm vụ #{task.id} lúc {at.strftime('%H:%M %d/%m/%Y')}."
        return Reply(answer=text if inserted else "Đã đặt nhắc lại rồi.",
                     markup=messages.task_buttons(task.id, version),
                     message=text if inserted else None)


def snooze(session: Session, user_id: int, task_id: int, at: datetime) -> bool:
    """Write a snooze reminder, keyed by task, person and the hour it is due, so a double tap
    writes one while a later "remind me again" still works. Commits."""
    table = Notification.__table__
    ins = postgresql.insert(table) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    day = at.date()
    stmt = ins.values(recipient_id=user_id, task_id=task_id, kind=policy.SNOOZE, occurrence=day,
                      dedupe_key=f"t{task_id}:u{user_id}:{policy.SNOOZE}:{at.strftime('%Y-%m-%dT%H')}",
                      due_at=at.astimezone(UTC), payload="", status="pending", attempts=0,
                      created_at=datetime.now(UTC)).on_conflict_do_nothing(index_elements=["dedupe_key"])
    res = session.execute(stmt.execution_options(preserve_rowcount=True))
    session.commit()
    return res.rowcount == 1


_PROGRESS_RE = re.compile(r"^\s*([0-9]{1,3})\s*%?\s*[,.:;-]?\s*(.*)$", re.S)
_DATE_RE = re.compile(r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})\s*[,.:;-]?\s*(.*)$", re.S)


def pending_from_reply(reply_to_text: str | None, fallback: dict | None) -> dict | None:
    """The awaited answer: from the prompt being replied to, else the chat's remembered one."""
    if reply_to_text:
        m = PROMPT_RE.search(reply_to_text)
        if m:
            kind = ("progress" if reply_to_text.startswith("📈")
                    else "extend" if reply_to_text.startswith("📅") else None)
            if kind:
                task_id, version = to_int(m.group(1), minimum=1), to_int(m.group(2), minimum=0)
                if task_id is not None and version is not None:
                    return {"kind": kind, "task_id": task_id, "version": version}
    return fallback


def answer_text(engine: Engine, chat_id: int, pending: dict, text: str, now: datetime) -> Reply:
    """A typed answer to a progress or extension prompt."""
    with Session(engine, expire_on_commit=False) as s:
        user = links.user_for_chat(s, chat_id)
        if user is None:
            return Reply(message="Bạn chưa liên kết tài khoản với bot.", ok=False, clear_pending=True)
        task = s.get(Task, pending["task_id"])
        if task is None or not permissions.can_change_status(user, task):
            log.warning("Từ chối trả lời cho nhiệm vụ %s từ %s (không thuộc đơn vị chủ trì)",
                        pending["task_id"], user.login)
            _audit(s, user.id, chat_id, "refused", f"answer for task {pending['task_id']}", now)
            return Reply(message="Bạn không có quyền thao tác với nhiệm vụ này.", ok=False, clear_pending=True)
        try:
            if pending["kind"] == "progress":
                m = _PROGRESS_RE.match(text or "")
                if not m or int(m.group(1)) > 100:
                    return Reply(message="Chưa hiểu tiến độ. Nhập một số từ 0 đến 100 rồi ghi chú, "
                                         "ví dụ: 60 Đã xong dự thảo", ok=False)
                percent, note = int(m.group(1)), m.group(2).strip() or None
                status = "dang_thuc_hien" if task.status in ("chua_thuc_hien", "tra_lai") and percent > 0 else None
                task_service.update_task(s, user, task.id, version=pending["version"], progress=percent,
                                         status=status, note=note, channel="telegram", now=now)
                s.commit()
                s.refresh(task)
                return Reply(message=f"📈 Đã cập nhật tiến độ nhiệm vụ #{task.id}: {percent}%.", clear_pending=True,
                             message_markup=messages.task_buttons(task.id, task.version))
            m = _DATE_RE.match(text or "")
            if not m:
                return Reply(message="Chưa hiểu ngày. Nhập theo dạng DD/MM/YYYY rồi lý do, "
                                     "ví dụ: 31/12/2026 Chờ ý kiến các sở", ok=False)
            try:
                new_date = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return Reply(message=f"Ngày {m.group(1)}/{m.group(2)}/{m.group(3)} không tồn tại.", ok=False)
            if task.version != pending["version"]:
                return Reply(message="Nhiệm vụ đã thay đổi kể từ tin nhắn này. Gõ /viec để xem lại.",
                             ok=False, clear_pending=True)
            task_service.request_extension(s, user, task.id, new_date=new_date, reason=m.group(4),
                                           channel="telegram", now=now)
            s.commit()
            s.refresh(task)
            return Reply(message=f"📅 Đã gửi đề nghị gia hạn nhiệm vụ #{task.id} đến {messages.fmt_date(new_date)}; "
                                 "chờ lãnh đạo quyết định.", clear_pending=True,
                         message_markup=[[b for b in messages.task_buttons(task.id, task.version)[0]]])
        except ServiceError as exc:
            s.rollback()
            return Reply(message=exc.message, ok=False, clear_pending=exc.code == "conflict")


