"""Zalo as a channel: plain text cut at 2,000 characters with a link to the rest."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from tracker.channels import base
from tracker.channels.zalo.client import DEFAULT_API_URL
from tracker.channels.zalo.client import ZaloApi
from tracker.channels.zalo.client import map_error
from tracker.followup.compose import Composed
from tracker.followup.compose import cut
from tracker.followup.compose import to_plain
from tracker.models import ZaloLink

MAX_TEXT = 2000


class ZaloChannel(base.Channel):
    name = "zalo"
    max_text = MAX_TEXT

    def __init__(self, token: str | None, api_url: str = DEFAULT_API_URL, timeout: float = 10.0):
        self.token = token
        self.api = ZaloApi(token or "", api_url, timeout)

    @classmethod
    def from_settings(cls, settings) -> ZaloChannel:
        """From `tracker.settings.Settings` (ZALO_BOT_TOKEN, ZALO_API_URL)."""
        return cls(settings.zalo_bot_token, settings.zalo_api_url or DEFAULT_API_URL)

    def configured(self) -> bool:
        return bool(self.token)

    def address(self, session, user) -> str | None:
        if "zalo" in {c.strip() for c in (user.channels_off or "").split(",")}:
            return None
        link = session.exec(select(ZaloLink).where(ZaloLink.user_id == user.id, ZaloLink.active.is_(True))).first()
        return link.chat_id if link else None

    def render(self, composed: Composed, session, user) -> str:
        legacy = getattr(composed, "legacy_html", None)
        if legacy is not None:
            import html
            import re

            return cut(html.unescape(re.sub(r"<[^>]+>", "", legacy)), MAX_TEXT, composed.url)
        return cut(to_plain(composed), MAX_TEXT, composed.url)

    async def send(self, out: base.Outgoing) -> None:
        try:
            await self.api.acall("sendMessage", {"chat_id": out.address, "text": out.text})
        except Exception as exc:  # noqa: BLE001 - mapped to the outbox's common errors
            raise map_error(exc) from None

    def deactivate(self, session, address: str, reason: str) -> None:
        """The person sees a Vietnamese reason on the profile page; the service's raw answer
        stays in the outbox row (admin and clerk only)."""
        session.execute(sa.update(ZaloLink).where(ZaloLink.chat_id == address)
                        .values(active=False, deactivated_reason=blocked_reason(reason)))


def blocked_reason(raw: str) -> str:
    code = "403" if "403" in raw else "từ chối"
    return f"Zalo báo bot bị chặn hoặc cuộc trò chuyện không còn ({code}). Liên kết lại nếu muốn nhận tin tại đây."
