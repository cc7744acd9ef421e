"""The Zalo bot: the same commands as Telegram, as plain text with links (Zalo bots
have no inline buttons, so "cập nhật tiến độ", "báo hoàn thành" … are links to the
task's page, which opens after login on a phone).

`handle_update(engine, update, now)` returns the reply (or None); the worker (polling
with getUpdates) and the webhook route send it with sendMessage.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from tracker.channels.zalo import links
from tracker.followup import content
from tracker.followup import policy
from tracker.followup.compose import cut
from tracker.services import ServiceError
from tracker.services import throttle

log = logging.getLogger(__name__)

LISTS = {
    "viec": ("open", "Nhiệm vụ đang mở"),
    "quahan": ("overdue", "Nhiệm vụ quá hạn"),
    "homnay": ("today", "Nhiệm vụ đến hạn hôm nay"),
    "tuannay": ("week", "Nhiệm vụ đến hạn trong tuần này"),
}
HELP = ("Bot nhắc việc — các lệnh\n"
        "/viec — nhiệm vụ đang mở của đơn vị\n/quahan — nhiệm vụ quá hạn\n/homnay — đến hạn hôm nay\n"
        "/tuannay — đến hạn trong tuần\n/huylienket — huỷ liên kết\n/trogiup — hướng dẫn này\n\n"
        "Để liên kết: vào trang Cá nhân → Nhắc việc trên hệ thống, tạo mã Zalo rồi gửi mã đó (8 ký tự) cho bot.")


def _fmt(d) -> str:
    return d.strftime("%d/%m/%Y") if d else "không có hạn"


def task_list_text(title: str, items, total: int, today, public_url: str) -> str:
    base = public_url.rstrip("/")
    if not total:
        return f"{title}\nKhông có nhiệm vụ nào."
    from tracker.followup.messages import days_phrase

    lines = [f"{title} ({total})"]
    for t in items:
        urgent = " [KHẨN]" if t.urgent else ""
        lines.append(f"- #{t.id}{urgent} {' '.join(t.action.split())[:120]} — hạn {_fmt(t.deadline)} "
                     f"({days_phrase(t.deadline, today)})\n  Cập nhật/báo hoàn thành: {base}/tasks/{t.id}")
    if total > len(items):
        lines.append(f"… và {total - len(items)} nhiệm vụ khác: {base}/tasks")
    return cut("\n".join(lines), 2000, f"{base}/tasks")


def handle_update(engine, update: dict, now: datetime, public_url: str = "",
                  tz=policy.DEFAULT_TZ) -> tuple[str, str] | None:
    """(chat_id, reply) for a text message update, None for anything else; `tz` is TIMEZONE."""
    if not isinstance(update, dict):
        return None
    message = update.get("message") or {}
    event = update.get("event_name") or ""
    if event and event != "message.text.received":
        return None
    chat = message.get("chat") or {}
    chat_id = str(chat.get("id") or "").strip()
    text = (message.get("text") or "").strip()
    if not chat_id or not text:
        return None
    return chat_id, reply_to(engine, chat_id, str(chat.get("chat_type") or chat.get("type") or "PRIVATE"), text,
                             now, public_url, tz)


def reply_to(engine, chat_id: str, chat_type: str, text: str, now: datetime, public_url: str,
             tz=policy.DEFAULT_TZ) -> str:
    words = text.split()
    head = words[0].lower().lstrip("/") if words else ""
    with Session(engine, expire_on_commit=False) as s:
        code, confirmed = None, False
        if head in ("start", "lienket") and len(words) > 1:
            code = words[1]
        elif head == "chuyen" and len(words) > 1:
            code, confirmed = words[1], True
        elif len(words) == 1 and links.looks_like_code(words[0]):
            code = words[0]
        if code is not None:
            if chat_type.upper() not in ("PRIVATE", "USER", ""):
                return "Vui lòng liên kết trong cuộc trò chuyện riêng với bot, không dùng nhóm."
            wait = throttle.chat_link_wait(s, "zalo", chat_id, now=now)
            if wait:  # before the code is looked at: the same answer for any code
                return throttle.chat_wait_message(wait)
            try:
                user = links.consume_code(s, code, chat_id, now, confirmed=confirmed)
            except links.NeedsConfirmation as exc:
                return exc.message  # a right code: nothing to count
            except ServiceError as exc:
                s.rollback()
                throttle.chat_link_failed(s, "zalo", chat_id, now=now)
                return exc.message
            return f"Đã liên kết tài khoản {user.display_name} ({user.login}). Nhắc việc sẽ được gửi tới đây.\n" \
                   "Gửi /trogiup để xem các lệnh."
        if head == "huylienket":
            user = links.unlink_chat(s, chat_id, now)
            return ("Cuộc trò chuyện này chưa liên kết với tài khoản nào." if user is None
                    else f"Đã huỷ liên kết tài khoản {user.login}.")
        if head in LISTS:
            user = links.user_for_chat(s, chat_id)
            if user is None:
                return "Bạn chưa liên kết tài khoản.\n\n" + HELP
            which, title = LISTS[head]
            today = policy.local_now(now, tz).date()
            items, total = content.task_list(s, user, which, today)
            return task_list_text(title, items, total, today, public_url)
        user = links.user_for_chat(s, chat_id)
        greeting = f"Chào đồng chí {user.display_name}!\n\n" if user else ""
        return greeting + HELP


def reply(api, chat_id: str, text: str) -> None:
    """Send a reply; a refused reply is logged, never raised into the update loop."""
    try:
        api.call("sendMessage", {"chat_id": chat_id, "text": text})
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        log.warning("Zalo: không gửi được trả lời tới %s: %s", chat_id, exc)


async def poll_once(engine, api, offset: int | None, now: datetime, public_url: str, timeout: int = 10,
                    tz=policy.DEFAULT_TZ):
    """One getUpdates round: handle every update, reply; returns the next offset."""
    import asyncio

    payload = {"timeout": timeout}
    if offset is not None:
        payload["offset"] = offset
    result = await api.acall("getUpdates", payload, timeout=timeout + 10)
    updates = result if isinstance(result, list) else ([result] if isinstance(result, dict) and result else [])
    for u in updates:
        if isinstance(u, dict) and isinstance(u.get("update_id"), int):
            offset = max(offset or 0, u["update_id"] + 1)
        handled = await asyncio.to_thread(handle_update, engine, u, now, public_url, tz)
        if handled:
            await asyncio.to_thread(reply, api, handled[0], handled[1])
    return offset
