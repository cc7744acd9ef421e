"""The Telegram bot (python-telegram-bot 22): Application, handlers, keyboards.

Handlers translate updates into calls of `bots.actions` (run in a thread with their
own database session) and send the replies. The bot runs inside the worker process
(polling), or in the web process's webhook route (`bots/webhook.py`).

Commands: /start [token], /huylienket, /viec, /quahan, /homnay, /tuannay, /trogiup.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import UTC
from datetime import datetime

os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlalchemy.engine import Engine  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram import ForceReply  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram import Update  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.constants import ParseMode  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.error import BadRequest  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import Application  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import CallbackQueryHandler  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import CommandHandler  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import ContextTypes  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import Defaults  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import MessageHandler  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from telegram.ext import filters  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

from tracker.channels.telegram import actions  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import messages  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import policy  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup.sender import keyboard  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

log = logging.getLogger(__name__)

COMMANDS = [
    ("viec", "Nhiệm vụ đang mở của đơn vị"),
    ("quahan", "Nhiệm vụ quá hạn"),
    ("homnay", "Nhiệm vụ đến hạn hôm nay"),
    ("tuannay", "Nhiệm vụ đến hạn trong tuần"),
    ("huylienket", "Huỷ liên kết tài khoản"),
    ("trogiup", "Hướng dẫn"),
]
PENDING_TTL_SECONDS = 30 * 60


def _engine(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    return context.bot_data["engine"]


def _now(context: ContextTypes.DEFAULT_TYPE) -> datetime:
    clock: Callable[[], datetime] = context.bot_data.get("clock") or (lambda: datetime.now(UTC))
    return clock()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, or /start <token> from the profile page's deep link: link the account."""
    token = context.args[0] if context.args else None
    chat = update.effective_chat
    answer = await asyncio.to_thread(actions.start, _engine(context), chat.id, chat.type, token, _now(context))
    text, buttons = answer if isinstance(answer, tuple) else (answer, None)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons))


async def on_move(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to "move this chat to another account?" (after /start with another's token)."""
    query = update.callback_query
    token = (query.data or "")[len(actions.MOVE_PREFIX):]
    chat = update.effective_chat
    await _safe(query.answer())
    if query.message is not None:
        await _safe(query.edit_message_reply_markup(reply_markup=None))
    if token == "no":
        await query.message.reply_text("Đã giữ nguyên liên kết hiện tại.")
        return
    text = await asyncio.to_thread(actions.start, _engine(context), chat.id, chat.type, token, _now(context), True)
    await query.message.reply_text(text if isinstance(text, str) else text[0], parse_mode=ParseMode.HTML)


async def unlink(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/huylienket: stop reminders in this chat."""
    text = await asyncio.to_thread(actions.unlink, _engine(context), update.effective_chat.id, _now(context))
    await update.effective_message.reply_text(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/trogiup: the list of commands."""
    await update.effective_message.reply_text(messages.HELP, parse_mode=ParseMode.HTML)


def _list_handler(command: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text, buttons = await asyncio.to_thread(actions.task_list, _engine(context), update.effective_chat.id,
                                                command, _now(context), True,
                                                (context.bot_data.get("settings") or policy.ReminderSettings()).tz)
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons),
                                                  disable_web_page_preview=True)

    handler.__doc__ = f"/{command}: {actions.LISTS[command][1]}."
    return handler


async def _safe(coro) -> None:
    try:
        await coro
    except BadRequest as exc:  # "message is not modified" on a double tap, or a message too old
        log.debug("Bỏ qua lỗi sửa tin nhắn: %s", exc.message)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button of a reminder."""
    query = update.callback_query
    chat_id = query.from_user.id if query.from_user else update.effective_chat.id
    reply = await asyncio.to_thread(actions.callback, _engine(context), chat_id, query.data or "", _now(context),
                                    context.bot_data.get("settings") or policy.ReminderSettings())
    await _safe(query.answer(reply.answer, show_alert=reply.alert))
    if query.message is not None:
        if reply.markup is not None:
            await _safe(query.edit_message_reply_markup(reply_markup=keyboard(reply.markup)))
        elif reply.remove_markup:
            await _safe(query.edit_message_reply_markup(reply_markup=None))
    if reply.pending is not None:
        context.chat_data["pending"] = {**reply.pending, "at": _now(context).timestamp()}
    if reply.message:
        await context.bot.send_message(
            chat_id=update.effective_chat.id, text=reply.message,
            reply_markup=ForceReply(selective=True) if reply.force_reply else keyboard(reply.message_markup))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer to a progress or extension prompt."""
    msg = update.effective_message
    remembered = context.chat_data.get("pending")
    if remembered and _now(context).timestamp() - remembered.get("at", 0) > PENDING_TTL_SECONDS:
        remembered = None
    reply_to = msg.reply_to_message.text if msg.reply_to_message else None
    pending = actions.pending_from_reply(reply_to, remembered)
    if pending is None:
        await msg.reply_text("Gõ /trogiup để xem các lệnh.")
        return
    reply = await asyncio.to_thread(actions.answer_text, _engine(context), update.effective_chat.id, pending,
                                    msg.text, _now(context))
    if reply.clear_pending:
        context.chat_data.pop("pending", None)
    await msg.reply_text(reply.message, reply_markup=keyboard(reply.message_markup))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("Lỗi khi xử lý cập nhật Telegram", exc_info=context.error)


def install_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("huylienket", unlink))
    application.add_handler(CommandHandler(["trogiup", "help"], help_command))
    for command in actions.LISTS:
        application.add_handler(CommandHandler(command, _list_handler(command)))
    application.add_handler(CallbackQueryHandler(on_move, pattern=r"^mv:"))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_error_handler(on_error)


def build_application(token: str, base_url: str, engine: Engine, *, clock=None,
                      settings: policy.ReminderSettings | None = None, updater: bool = True) -> Application:
    """The bot's Application. `base_url` is PTB's form: the token is appended
    (e.g. https://api.telegram.org/bot), unless it contains `{token}`."""
    builder = (Application.builder().token(token).base_url(base_url.rstrip("/"))
               .defaults(Defaults(tzinfo=(settings or policy.ReminderSettings()).tz)))
    if not updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["engine"] = engine
    application.bot_data["clock"] = clock
    application.bot_data["settings"] = settings or policy.ReminderSettings()
    install_handlers(application)
    return application


async def process_update_json(application: Application, data: dict) -> None:
    """Feed one update (from the webhook) to an initialised application."""
    await application.process_update(Update.de_json(data, application.bot))
