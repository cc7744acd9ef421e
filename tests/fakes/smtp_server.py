"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps the delivered messages; it can
be told to answer the next RCPT/DATA with an error code, or to take `delay` seconds over
each message (it is stored after the delay, as a server that accepted it would)."""
from __future__ import annotations

import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        if self.box.delay:
            await asyncio.sleep(self.box.delay)
        with self.box.lock:
            if self.box.fail_codes:
                return self.box.fail_codes.pop(0)
            self.box.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    """aiosmtpd's controller checks its server by connecting to the port, so it needs a
    real number: ask the kernel for a free one (port 0), then hand it over."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpBox:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages = []
        self.fail_codes: list[str] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=_free_port())

    def start(self) -> SmtpBox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def to(self, address: str):
        with self.lock:
            return [m for m in self.messages if m["To"] == address]
