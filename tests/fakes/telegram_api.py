"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 for python-telegram-bot.

PTB is pointed at it with `base_url=f"{fake.url}/bot"` (the token is appended, the
method follows after a slash). It implements what the bot uses, records every call,
queues injected updates for getUpdates, and can be told to fail:

    fake.fail_next("sendMessage", 429, retry_after=1)   # one 429 with retry_after
    fake.fail_chat(42, 403)                              # every send to chat 42 -> 403
    fake.fail_next("sendMessage", 500, times=2)          # two 5xx

Run standalone (for subprocess tests): `python -m tests.fakes.telegram_api PORTFILE`.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_USER = {"id": 777000, "is_bot": True, "first_name": "Nhắc việc", "username": "test_nhacviec_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

METHODS = {"getMe", "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
           "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "close", "logOut",
           "setMyCommands"}


class FakeTelegram:
    def __init__(self, send_delay: float = 0.0, port: int = 0):
        self.calls: list[dict] = []
        self.lock = threading.Condition()
        self.updates: list[dict] = []
        self._update_id = 1000
        self._message_id = 1
        self._failures: list[dict] = []
        self._chat_failures: dict[int, tuple[int, str]] = {}
        self.send_delay = send_delay
        self.webhook: dict | None = None
        self.server = _QuietServer(("127.0.0.1", port), self._handler())  # port 0: any free port
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- life cycle ---
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def base_url(self) -> str:
        """PTB `base_url` form: the token is appended, then '/<method>'."""
        return f"{self.url}/bot"

    def start(self) -> FakeTelegram:
        self.thread.start()
        return self

    def stop(self) -> None:
        with self.lock:
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- control ---
    def fail_next(self, method: str, status: int, times: int = 1, retry_after: int | None = None,
                  description: str | None = None) -> None:
        with self.lock:
            for _ in range(times):
                self._failures.append({"method": method, "status": status, "retry_after": retry_after,
                                       "description": description})

    def fail_chat(self, chat_id: int, status: int = 403, description: str = "Forbidden: bot was blocked by the user"):
        self._chat_failures[int(chat_id)] = (status, description)

    def inject_message(self, chat_id: int, text: str, user_id: int | None = None) -> dict:
        user_id = user_id or chat_id
        msg = {"message_id": self._next_message_id(), "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private", "first_name": "Cán bộ"},
               "from": {"id": user_id, "is_bot": False, "first_name": "Cán bộ"}, "text": text}
        if text.startswith("/"):
            cmd = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(cmd)}]
        return self._push({"message": msg})

    def inject_callback(self, chat_id: int, data: str, user_id: int | None = None, message_id: int = 1,
                        message_text: str = "Nhắc việc") -> dict:
        user_id = user_id or chat_id
        cq = {"id": str(self._next_update_id()), "chat_instance": f"ci{chat_id}", "data": data,
              "from": {"id": user_id, "is_bot": False, "first_name": "Cán bộ"},
              "message": {"message_id": message_id, "date": int(time.time()), "text": message_text,
                          "chat": {"id": chat_id, "type": "private", "first_name": "Cán bộ"},
                          "from": BOT_USER}}
        return self._push({"callback_query": cq})

    def _push(self, body: dict) -> dict:
        with self.lock:
            update = {"update_id": self._next_update_id(), **body}
            self.updates.append(update)
            self.lock.notify_all()
        return update

    # --- inspection ---
    def calls_of(self, method: str) -> list[dict]:
        with self.lock:
            return [c for c in self.calls if c["method"] == method]

    def sent_messages(self, chat_id: int | None = None) -> list[dict]:
        return [c["params"] for c in self.calls_of("sendMessage")
                if c.get("status") == 200 and (chat_id is None or int(c["params"]["chat_id"]) == chat_id)]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [c for c in self.calls if c["method"] == method and c.get("status") == 200]
                if len(found) >= count or time.monotonic() > deadline:
                    return found
                self.lock.wait(timeout=0.05)

    # --- internals ---
    def _next_update_id(self) -> int:
        self._update_id += 1
        return self._update_id

    def _next_message_id(self) -> int:
        self._message_id += 1
        return self._message_id

    def _take_failure(self, method: str, params: dict):
        with self.lock:
            for i, f in enumerate(self._failures):
                if f["method"] == method:
                    return self._failures.pop(i)
        if method == "sendMessage" and "chat_id" in params:
            try:
                chat = int(params["chat_id"])
            except ValueError:
                chat = None
            if chat in self._chat_failures:
                status, desc = self._chat_failures[chat]
                return {"status": status, "description": desc, "retry_after": None}
        return None

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
                self.lock.wait(timeout=min(0.1, max(deadline - time.monotonic(), 0.01)))

    def _result(self, method: str, params: dict):
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("sendMessage", "editMessageText"):
            if method == "sendMessage" and self.send_delay:
                time.sleep(self.send_delay)
            chat_id = int(params.get("chat_id") or 0)
            message_id = self._next_message_id() if method == "sendMessage" else int(params.get("message_id") or 1)
            return {"message_id": message_id,
                    "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                    "from": BOT_USER, "text": params.get("text", "")}
        if method == "editMessageReplyMarkup":
            return {"message_id": int(params.get("message_id") or 1), "date": int(time.time()),
                    "chat": {"id": int(params.get("chat_id") or 0), "type": "private"}, "text": "x"}
        if method == "setWebhook":
            self.webhook = params
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": 0}
        return True

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                parts = path.strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot") or parts[1] not in METHODS:
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                token, method = parts[0][3:], parts[1]
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    params = json.loads(raw or b"{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                call = {"method": method, "token": token, "params": params, "at": time.time()}
                failure = fake._take_failure(method, params)
                if failure:
                    body = {"ok": False, "error_code": failure["status"],
                            "description": failure["description"] or _DESCRIPTIONS.get(failure["status"], "Error")}
                    if failure["retry_after"] is not None:
                        body["parameters"] = {"retry_after": failure["retry_after"]}
                    call["status"] = failure["status"]
                    fake._record(call)
                    return self._reply(failure["status"], body)
                result = fake._result(method, params)
                call["status"] = 200
                fake._record(call)
                return self._reply(200, {"ok": True, "result": result})

            def _reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _record(self, call: dict) -> None:
        with self.lock:
            self.calls.append(call)
            self.lock.notify_all()
        if self.log_path:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(call, ensure_ascii=False) + "\n")

    log_path: str | None = None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that hung up (killed sender, stopped poller)
        pass


_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry later",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


if __name__ == "__main__":  # a fake in its own process: prints its URL to the given file
    import sys

    fake = FakeTelegram(send_delay=float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
    fake.log_path = sys.argv[1] + ".calls"
    fake.start()
    with open(sys.argv[1], "w") as f:
        f.write(fake.url)
    fake.thread.join()
