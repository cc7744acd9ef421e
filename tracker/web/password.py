"""Forgotten password, reset by e-mail. The request answers the same whatever the login
(no account probing); the link is signed, expires after an hour and stops working once
the password changed (it signs part of the current password hash)."""
from __future__ import annotations

from datetime import datetime
from datetime import timezone

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import select
from werkzeug.security import generate_password_hash

from tracker.db import get_session
from tracker.models import AuditEvent
from tracker.models import Notification
from tracker.models import User

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
    if who:
        db = get_session()
        user = db.exec(select(User).where((User.login == who) | (User.email == who))).first()
        if user is not None and user.active and user.email:
            now = datetime.now(timezone.utc)
            link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/password/reset/{reset_token(user)}"
            text = ("Có yêu cầu đặt lại mật khẩu cho tài khoản " + user.login + ". Mở đường dẫn sau trong vòng "
                    "60 phút để đặt mật khẩu mới: " + link + "\nNếu không phải đồng chí yêu cầu, hãy bỏ qua thư này.")
            db.add(Notification(recipient_id=user.id, kind="password_reset", occurrence=now.date(),
                                dedupe_key=f"reset:u{user.id}:{now.isoformat()}", due_at=now, status="pending",
                                channel="email", text=text, created_at=now))
            db.commit()
    return render_template("channels/forgot.html", sent=True)


def _reset_user(token: str):
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
    user, error = _reset_user(token)
    return render_template("channels/reset.html", token=token, error=error, user=user, done=False), \
        (200 if user else 404)


@bp.post("/password/reset/<token>")
def reset_password(token):
    user, error = _reset_user(token)
    if user is None:
        return render_template("channels/reset.html", token=token, error=error, user=None, done=False), 404
    new = request.form.get("new_password") or ""
    if len(new) < 8:
        error = "Mật khẩu mới phải có ít nhất 8 ký tự"
    elif new != (request.form.get("confirm_password") or ""):
        error = "Hai lần nhập mật khẩu mới không khớp"
    if error:
        return render_template("channels/reset.html", token=token, error=error, user=user, done=False), 422
    db = get_session()
    user.password_hash = generate_password_hash(new)
    db.add(user)
    db.add(AuditEvent(actor_id=user.id, channel="email", entity="user", entity_id=user.id, action="reset_password"))
    db.commit()
    return render_template("channels/reset.html", token=token, error=None, user=user, done=True)
