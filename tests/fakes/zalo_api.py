"""A fake Zalo Bot Platform API over real HTTP on 127.0.0.1, written from the published
shape: POST /bot{TOKEN}/{method} with a JSON body; answers {"ok": true, "result": …},
errors {"ok": false, "error_code": N, "description": "…"}.

    fake.fail_next("sendMessage", 429)       # one error answer
    fake.fail_next("sendMessage", 500, times=2)
    fake.slow_next("sendMessage", 2.0)       # answer after 2 s (the message IS delivered)
    FakeZalo(send_delay=0.15)                # every sendMessage answered after 0.15 s (delivered first)
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

BOT = {"id": "zbot-1", "account_name": "bot.nhacviec.test", "account_type": "BASIC", "can_join_groups": True}


class FakeZalo:
    def __init__(self, token: str = "zalo-test-token", send_delay: float = 0.0):
        self.token = token
        self.send_delay = send_delay
        self.calls: list[dict] = []
        self.updates: list[dict] = []
        self.lock = threading.Lock()
        self._failures: list[dict] = []
        self._slow: list[dict] = []
        self.webhook: dict | None = None
        self._server = None

    # --- control ---
    def start(self) -> FakeZalo:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, method: str, code: int, times: int = 1, description: str = "") -> None:
        with self.lock:
            self._failures.append({"method": method, "code": code, "times": times, "description": description})

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        with self.lock:
            self._slow.append({"method": method, "seconds": seconds, "times": times})

    def push_text(self, chat_id: str, text: str, sender: str = "u1") -> None:
        with self.lock:
            self.updates.append({"event_name": "message.text.received",
                                 "message": {"from": {"id": sender, "display_name": "Người dùng"},
                                             "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                                             "text": text, "message_id": f"m{len(self.updates)}",
                                             "date": int(time.time() * 1000)}})

    def sent(self, chat_id: str | None = None) -> list[dict]:
        with self.lock:
            return [c["body"] for c in self.calls if c["method"] == "sendMessage" and c.get("delivered")
                    and (chat_id is None or c["body"].get("chat_id") == chat_id)]

    # --- server ---
    def _take(self, items, method):
        for f in items:
            if f["method"] == method and f["times"] > 0:
                f["times"] -= 1
                return f
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = h.path.strip("/").split("/")
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if len(parts) != 2 or parts[0] != f"bot{self.token}":
            return self._answer(h, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = parts[1]
        call = {"method": method, "body": body, "at": time.time()}
        with self.lock:
            self.calls.append(call)
            failure = self._take(self._failures, method)
            slow = self._take(self._slow, method)
        if not isinstance(body, dict):
            return self._answer(h, 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"})
        if failure:
            code = failure["code"]
            return self._answer(h, code, {"ok": False, "error_code": code,
                                          "description": failure["description"] or f"Error {code}"})
        if method == "getMe":
            return self._answer(h, 200, {"ok": True, "result": BOT})
        if method == "setWebhook":
            self.webhook = body
            return self._answer(h, 200, {"ok": True, "result": {"url": body.get("url")}})
        if method == "getUpdates":
            with self.lock:
                ups, self.updates = self.updates, []
            return self._answer(h, 200, {"ok": True, "result": ups})
        if method == "sendMessage":
            text, chat_id = body.get("text"), body.get("chat_id")
            if not isinstance(chat_id, str) or not chat_id:
                return self._answer(h, 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id"})
            if not isinstance(text, str) or not 1 <= len(text) <= 2000:
                return self._answer(h, 400, {"ok": False, "error_code": 400, "description": "Bad Request: text"})
            with self.lock:
                call["delivered"] = True
            if slow or self.send_delay:
                time.sleep(slow["seconds"] if slow else self.send_delay)
            return self._answer(h, 200, {"ok": True, "result": {"message_id": f"s{len(self.calls)}",
                                                                "date": int(time.time() * 1000)}})
        return self._answer(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def _answer(self, h, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
