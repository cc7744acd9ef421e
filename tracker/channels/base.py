"""The one interface every channel implements, and the errors a send may end in.

A channel knows: where a person is reached on it (`address`), how a composed message
looks on it (`render`), and how to send one (`send`, async). The outbox pass does the
rest the same way for every channel: claiming, quiet hours, retries with backoff, the
rate limit, the dead letter (status `failed`), the lease of a crashed worker and the
"không chắc đã gửi" handling of a send that timed out.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from tracker.followup.compose import Composed


class SendError(Exception):
    """A send that did not (certainly) deliver. `message` is for the operator's log and the
    outbox page, never shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RetryAfter(SendError):
    """The service asks to wait (429)."""

    def __init__(self, message: str, seconds: float):
        super().__init__(message)
        self.seconds = seconds


class Transient(SendError):
    """5xx, connection refused, DNS …: retried with exponential backoff."""


class Uncertain(SendError):
    """The request was sent but no answer came in time: it may have been delivered."""


class Blocked(SendError):
    """The person blocked the bot or the address is gone: the link is switched off."""


class Rejected(SendError):
    """The service refused this message (400): retrying would not help."""


class BadConfig(SendError):
    """The token or the server credentials are refused: stop the pass, retry later."""


@dataclass
class Outgoing:
    """A composed row ready for the wire."""

    id: int
    address: str
    text: str              # the channel's rendering (Telegram HTML, plain text …)
    composed: Composed
    recipient_id: int
    kind: str


class Channel:
    name = ""
    max_text = 4096
    per_address_interval = 1.0   # seconds between two messages to one address
    rate = 30.0                  # messages per second overall

    def configured(self) -> bool:
        """False: dry run (rows wait in the outbox)."""
        return True

    def address(self, session: Session, user) -> str | None:
        raise NotImplementedError

    def render(self, composed: Composed, session: Session, user) -> str:
        raise NotImplementedError

    async def send(self, out: Outgoing) -> None:
        raise NotImplementedError

    def deactivate(self, session: Session, address: str, reason: str) -> None:
        """Switch off the link of `address` (blocked, gone); default: nothing to switch off."""
