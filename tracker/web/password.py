"""Forgotten password, reset by e-mail. The request answers the same whatever the login
(no account probing); the link is signed, expires after an hour and stops working once
the password changed (it signs part of the current password hash).

Rate limited in the app (tracker/web/throttling.py): a reset request counts against the
address and the login or address typed (whether it exists or not, so the 429 tells
nothing), which bounds the e-mails anyone can make us send; a bad reset link counts
against the address. The new password follows the password policy (services/passwords.py).
"""
from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import select

from tracker.db import get_session
from tracker.models import AuditEvent
from tracker.models import Notification
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import accounts
from tracker.services import passwords
from tracker.web import throttling

bp = Blueprint("password", __name__)

RESET_MAX_AGE = 3600
_RESET_SALT = "password-reset"


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def reset_token(user) -> str:
    return _serializer().dumps([user.id, user.password_hash[-16:]])


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("channels/forgot.html", sent=False)
    who = (request.form.get("login") or "").strip()[:254]
    blocked = throttling.refused("password_reset", account=who or None)
    if blocked is not None:
        return blocked
    if who:
        # every request counts, sent or not: the limit must not tell which logins exist
        throttling.failed("password_reset", account=who)
        db = get_session()
        user = db.exec(select(User).where((User.login == who) | (User.email == who))).first()
        if user is not None and user.active and user.email:
            now = datetime.now(UTC)
            link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/password/reset/{reset_token(user)}"
            text = ("Có yêu cầu đặt lại mật khẩu cho tài khoản " + user.login + ". Mở đường dẫn sau trong vòng "
                    "60 phút để đặt mật khẩu mới: " + link + "\nNếu không phải đồng chí yêu cầu, hãy bỏ qua thư này.")
            db.add(Notification(recipient_id=user.id, kind="password_reset", occurrence=now.date(),
                                dedupe_key=f"reset:u{user.id}:{now.isoformat()}", due_at=now, status="pending",
                                channel="email", text=text, created_at=now))
            db.commit()
    return render_template("channels/forgot.html", sent=True)


def _reset_user(token: str):
    user, error = _check_reset_token(token)
    if user is None:
        throttling.failed("password_reset_link")
    return user, error


def _check_reset_token(token: str):
    try:
        uid, tail = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired:
        return None, "Đường dẫn đặt lại mật khẩu đã hết hạn (60 phút). Vui lòng yêu cầu lại."
    except (BadSignature, ValueError, TypeError):
        return None, "Đường dẫn đặt lại mật khẩu không hợp lệ."
    user = get_session().get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.active or user.password_hash[-16:] != tail:
        return None, "Đường dẫn đặt lại mật khẩu không hợp lệ hoặc đã được dùng."
    return user, None


@bp.get("/password/reset/<token>")
def reset_page(token):
    blocked = throttling.refused("password_reset_link")
    if blocked is not None:
        return blocked
    user, error = _reset_user(token)
    return render_template("channels/reset.html", token=token, error=error, user=user, done=False), \
        (200 if user else 404)


@bp.post("/password/reset/<token>")
def reset_password(token):
    blocked = throttling.refused("password_reset_link")
    if blocked is not None:
        return blocked
    user, error = _reset_user(token)
    if user is None:
        return render_template("channels/reset.html", token=token, error=error, user=None, done=False), 404
    new = request.form.get("new_password") or ""
    try:
        passwords.check_password(new, user.login)
    except ServiceError as exc:
        error = exc.message
    if not error and new != (request.form.get("confirm_password") or ""):
        error = "Hai lần nhập mật khẩu mới không khớp"
    if error:
        return render_template("channels/reset.html", token=token, error=error, user=user, done=False), 422
    db = get_session()
    # like a password change: every session ends and the API tokens are revoked
    accounts.change_password(db, user, new, channel="email")
    db.add(AuditEvent(actor_id=user.id, channel="email", entity="user", entity_id=user.id, action="reset_password"))
    db.commit()
    return render_template("channels/reset.html", token=token, error=None, user=user, done=True)
