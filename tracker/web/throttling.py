"""Rate limiting of failed secrets in the web app (issue 11): the app is safe without nginx.

The counting lives in tracker/services/throttle.py (one home, shared with sign-in); this is
its web glue. A view calls `refused(scope, ...)` BEFORE it looks at the secret: when the
address (or the named account) has had too many failures of that scope in the window, the
answer is 429 with Retry-After, whether the secret or the account exists or not: JSON under
/api/ and on the webhooks, the Vietnamese error page elsewhere. After a failed check the
view calls `failed(scope, ...)`, which commits the failure at once (the request may end in
an abort). Successes are never counted. Off under TESTING unless SECRET_THROTTLE is set.
"""
from __future__ import annotations

from flask import current_app
from flask import jsonify

from tracker.db import get_session
from tracker.services import throttle
from tracker.web.auth import client_address
from tracker.web.setup import error_response

MESSAGE = "Quá nhiều lần thử không thành công. Vui lòng thử lại sau {minutes} phút."


def enabled() -> bool:
    return bool(current_app.config.get("SECRET_THROTTLE", not current_app.config.get("TESTING")))


def limits() -> dict:
    config = current_app.config
    return {"per_address": int(config.get("SECRET_THROTTLE_ADDRESS") or throttle.SECRET_PER_ADDRESS),
            "per_account": int(config.get("SECRET_THROTTLE_ACCOUNT") or throttle.SECRET_PER_ACCOUNT)}


def too_many(seconds: int, *, json: bool = False):
    message = MESSAGE.format(minutes=max(1, (seconds + 59) // 60))
    if json:
        response = jsonify({"error": {"code": "too_many_requests", "message": message}})
        response.status_code = 429
    else:
        response = error_response(429, message, "too_many_requests")
        if isinstance(response, tuple):
            response = current_app.make_response(response)
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(scope: str, *, account: str | None = None, json: bool = False):
    """The 429 response when the caller is throttled for `scope`, else None."""
    if not enabled():
        return None
    wait = throttle.retry_after(get_session(), scope, address=client_address(), account=account, **limits())
    return too_many(wait, json=json) if wait else None


def failed(scope: str, *, account: str | None = None) -> None:
    """Count one failure of `scope` for the caller's address (and `account`), committed now."""
    if not enabled():
        return
    db = get_session()
    throttle.record_secret_failure(db, scope, address=client_address(), account=account)
    db.commit()
