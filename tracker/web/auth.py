"""Login, logout and the access helpers every blueprint uses.

Pages use the session cookie (`g.user`, loaded in `tracker.web.setup`); the JSON API
uses bearer tokens only (`api_auth_required`), so no cookie can drive the API and the
API needs no CSRF token.
"""
import functools
from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from sqlmodel import select

from tracker.db import get_session
from tracker.models import AuditEvent
from tracker.models import User
from tracker.models import utcnow
from tracker.services import accounts

bp = Blueprint("auth", __name__)


def current_user() -> User | None:
    """The signed-in user of this request (page session or API token), or None."""
    return g.get("user")


def load_session_user() -> None:
    """Put the session's user on `g.user` (called before every request)."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = get_session().get(User, user_id)
    if user is None or not user.active:
        session.clear()
        return
    g.user = user
    if getattr(user, "must_change_password", False) and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # a password reset by the admin: nothing else until the user has chosen a new one
        if request.method == "GET":
            flash("Mật khẩu của bạn vừa được quản trị đặt lại; hãy đổi mật khẩu trước khi tiếp tục.", "info")
        abort(redirect(url_for("profile.index")))


PASSWORD_CHANGE_ENDPOINTS = ("profile.index", "profile.change_password", "auth.logout", "auth.login", "static",
                             "health.healthz", "health.ping", "dashboard.stylesheet")


def safe_next(target: str | None) -> str | None:
    """Only a local path is a valid redirect target (no scheme, no host, no '//')."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles):
    """Signed in and one of `roles`; otherwise login redirect or 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _api_unauthorized(message: str):
    response = jsonify({"error": {"code": "unauthorized", "message": message}})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def api_auth_required(view):
    """`Authorization: Bearer <token>` (tokens from the profile page or `flask users token`)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _api_unauthorized("Thiếu mã truy cập (Authorization: Bearer ...)")
        db = get_session()
        user = accounts.user_for_api_token(db, token.strip())
        if user is None:
            return _api_unauthorized("Mã truy cập không hợp lệ hoặc đã bị thu hồi")
        g.user = user
        g.api_channel = True
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user() is not None and request.method == "GET":
        return redirect(next_url or url_for("home.index"))
    error = None
    status = 200
    if request.method == "POST":
        login_name = (request.form.get("login") or "").strip()
        password = request.form.get("password") or ""
        db = get_session()
        user = accounts.authenticate(db, login_name, password)
        if user is None:
            candidate = db.exec(select(User).where(User.login == login_name)).first()
            if accounts.is_locked(candidate):
                error = "Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau 15 phút."
            else:
                error = "Tên đăng nhập hoặc mật khẩu không đúng."
            db.commit()  # keep the failure count
            status = 401
        else:
            db.add(AuditEvent(actor_id=user.id, channel="web", entity="user", entity_id=user.id, action="login"))
            db.commit()
            session.clear()  # renew: nothing from before the login survives
            session["user_id"] = user.id
            session["login_at"] = utcnow().isoformat()
            session.permanent = True
            return redirect(next_url or url_for("home.index"))
    return render_template("auth/login.html", error=error, next=next_url or "",
                           login_value=request.form.get("login", "")), status


@bp.post("/logout")
def logout():
    session.clear()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))
