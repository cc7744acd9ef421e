"""A real IMAP4rev1 server on 127.0.0.1 for the intake-mailbox tests: pymap's in-memory
("dict") backend in a child process, one user, messages put in with APPEND.

pymap (test extra) is a maintained pure-Python IMAP server; its dict backend starts with a
few demo messages in INBOX, so the tests use a folder of their own."""
from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import sys
import time

USER, PASSWORD = "vanthu", "mat-khau-hop-thu"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pymap_command() -> list[str] | None:
    exe = os.path.join(os.path.dirname(sys.executable), "pymap")
    if os.path.exists(exe):
        return [exe]
    found = shutil.which("pymap")
    return [found] if found else None


class ImapServer:
    def __init__(self, folder: str = "Van ban den"):
        self.port = _free_port()
        self.folder = folder
        self.process = None

    def start(self) -> ImapServer:
        command = _pymap_command()
        if command is None:
            raise RuntimeError("pymap is not installed (pip install -e '.[test]')")
        self.process = subprocess.Popen(
            command + ["--host", "127.0.0.1", "--port", str(self.port), "--no-tls", "dict", "--demo-data",
                       "--demo-user", USER, "--demo-password", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with self.client() as c:
                    c.create(self._quoted())
                return self
            except (OSError, imaplib.IMAP4.error):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pymap did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def _quoted(self) -> str:
        return f'"{self.folder}"'

    def client(self) -> imaplib.IMAP4:
        c = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        c.login(USER, PASSWORD)
        return c

    def append(self, raw: bytes) -> None:
        with self.client() as c:
            typ, data = c.append(self._quoted(), None, None, raw)
            assert typ == "OK", data

    def unseen(self) -> list[bytes]:
        with self.client() as c:
            c.select(self._quoted())
            return c.uid("SEARCH", "UNSEEN")[1][0].split()

    def all_uids(self) -> list[bytes]:
        with self.client() as c:
            c.select(self._quoted())
            return c.uid("SEARCH", "ALL")[1][0].split()

    def mark_unseen(self) -> None:
        with self.client() as c:
            c.select(self._quoted())
            for uid in c.uid("SEARCH", "ALL")[1][0].split():
                c.uid("STORE", uid.decode(), "-FLAGS", "(\\Seen)")

    def settings(self):
        from tracker.services.mail_intake import MailboxSettings

        return MailboxSettings(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, folder=self.folder,
                               ssl=False, timeout=10)
