"""A small client of the Zalo Bot Platform API, written from its published shape.

Requests: POST `{ZALO_API_URL}/bot{TOKEN}/{method}` with a JSON body. Answers:
`{"ok": true, "result": …}`, errors `{"ok": false, "error_code": N, "description": "…"}`.
Methods used: getMe, getUpdates, setWebhook (url, secret_token), sendMessage
(chat_id, text). Chat ids are strings.
"""
from __future__ import annotations

import httpx

from tracker.channels import base

DEFAULT_API_URL = "https://bot-api.zaloplatforms.com"


class ZaloApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: float | None = None):
        super().__init__(f"{code}: {description}")
        self.code, self.description, self.retry_after = code, description, retry_after


def _result(resp: httpx.Response):
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("ok") is True:
        return data.get("result")
    if isinstance(data, dict):
        params = data.get("parameters") or {}
        retry = params.get("retry_after") if isinstance(params, dict) else None
        raise ZaloApiError(int(data.get("error_code") or resp.status_code), str(data.get("description") or ""),
                           float(retry) if isinstance(retry, (int, float)) else None)
    raise ZaloApiError(resp.status_code, resp.text[:200])


class ZaloApi:
    def __init__(self, token: str, api_url: str = DEFAULT_API_URL, timeout: float = 10.0):
        self.token, self.api_url, self.timeout = token, api_url.rstrip("/"), timeout
        self._client: httpx.AsyncClient | None = None
        self._loop = None

    def url(self, method: str) -> str:
        return f"{self.api_url}/bot{self.token}/{method}"

    def call(self, method: str, payload: dict | None = None, timeout: float | None = None):
        with httpx.Client(timeout=timeout or self.timeout) as client:
            return _result(client.post(self.url(method), json=payload or {}))

    async def acall(self, method: str, payload: dict | None = None, timeout: float | None = None):
        """One kept-alive connection per event loop (the worker has one): a new TCP
        connection per message halved the send rate."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            self._client, self._loop = httpx.AsyncClient(timeout=self.timeout), loop
        return _result(await self._client.post(self.url(method), json=payload or {},
                                               timeout=timeout or self.timeout))


def map_error(exc: Exception) -> base.SendError:
    """An exception of a send as the outbox's common error."""
    if isinstance(exc, ZaloApiError):
        text = f"Zalo {exc.code}: {exc.description}"
        if exc.code == 429:
            return base.RetryAfter(text, exc.retry_after or 30.0)
        if exc.code in (401, 404) and "chat" not in exc.description.lower():
            return base.BadConfig(text)
        if exc.code == 403:
            return base.Blocked(text)
        if exc.code >= 500:
            return base.Transient(text)
        return base.Rejected(text)
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return base.Transient(f"Không kết nối được Zalo: {exc!r}")
    if isinstance(exc, httpx.TimeoutException):
        return base.Uncertain(f"Zalo không trả lời kịp: {exc!r}")
    if isinstance(exc, httpx.HTTPError):
        return base.Transient(f"Lỗi mạng Zalo: {exc!r}")
    return base.Transient(repr(exc))
