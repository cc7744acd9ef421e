"""The web inbox: a row is delivered by storing its plain text (read on the site)."""
from __future__ import annotations

from tracker.channels.base import Channel
from tracker.followup.compose import Composed
from tracker.followup.compose import to_plain


class WebChannel(Channel):
    name = "web"
    immediate = True  # no network: the outbox pass marks the row sent with its text

    def address(self, session, user) -> str | None:
        return "inbox"

    def render(self, composed: Composed, session, user) -> str:
        legacy = getattr(composed, "legacy_html", None)
        if legacy is not None:
            import html
            import re

            return html.unescape(re.sub(r"<[^>]+>", "", legacy))
        return to_plain(composed)
