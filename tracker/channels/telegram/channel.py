"""Telegram as a channel: python-telegram-bot's errors mapped to the common ones."""
from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")

import sqlalchemy as sa  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from sqlmodel import select  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

from tracker.channels import base  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup.compose import Composed  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup.compose import to_telegram_html  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import TelegramLink  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

MAX_TEXT = 4096


class TelegramChannel(base.Channel):
    name = "telegram"
    max_text = MAX_TEXT

    def __init__(self, bot):
        self.bot = bot

    def address(self, session, user) -> str | None:
        if "telegram" in {c.strip() for c in (user.channels_off or "").split(",")}:
            return None
        link = session.exec(select(TelegramLink).where(TelegramLink.user_id == user.id,
                                                       TelegramLink.active.is_(True))).first()
        return str(link.chat_id) if link else None

    def render(self, composed: Composed, session, user) -> str:
        from tracker.followup.messages import fit

        legacy = getattr(composed, "legacy_html", None)
        return fit(legacy if legacy is not None else to_telegram_html(composed))

    async def send(self, out: base.Outgoing) -> None:
        from telegram import LinkPreviewOptions
        from telegram.constants import ParseMode
        from telegram.error import BadRequest
        from telegram.error import Forbidden
        from telegram.error import InvalidToken
        from telegram.error import NetworkError
        from telegram.error import RetryAfter
        from telegram.error import TelegramError
        from telegram.error import TimedOut

        from tracker.followup.sender import _seconds
        from tracker.followup.sender import keyboard

        try:
            await self.bot.send_message(chat_id=int(out.address), text=out.text, parse_mode=ParseMode.HTML,
                                        reply_markup=keyboard(out.composed.buttons),
                                        link_preview_options=LinkPreviewOptions(is_disabled=True))
        except RetryAfter as exc:
            raise base.RetryAfter(f"429: {exc.message}", _seconds(exc.retry_after)) from None
        except Forbidden as exc:
            raise base.Blocked(f"403: {exc.message}") from None
        except BadRequest as exc:
            raise base.Rejected(f"400: {exc.message}") from None
        except InvalidToken as exc:
            raise base.BadConfig(f"Token bị từ chối: {exc.message}") from None
        except TimedOut as exc:
            raise base.Uncertain(f"hết thời gian chờ: {exc.message}") from None
        except NetworkError as exc:  # connection errors, 5xx
            raise base.Transient(exc.message) from None
        except TelegramError as exc:  # e.g. ChatMigrated: not retried blindly
            raise base.Rejected(f"Telegram: {exc.message}") from None

    def deactivate(self, session, address: str, reason: str) -> None:
        """The person sees a Vietnamese reason on the profile page; the service's raw answer
        stays in the outbox row (admin and clerk only)."""
        session.execute(sa.update(TelegramLink).where(TelegramLink.chat_id == int(address))
                        .values(active=False, deactivated_reason=blocked_reason(reason)))


def blocked_reason(raw: str) -> str:
    code = "403" if "403" in raw else "từ chối"
    return f"Telegram báo bot bị chặn hoặc cuộc trò chuyện không còn ({code}). Liên kết lại nếu muốn nhận tin tại đây."
