"""Login, logout and the access helpers every blueprint uses.

Pages use the session cookie (`g.user`, loaded in `tracker.web.setup`); the JSON API
uses bearer tokens only (`api_auth_required`), so no cookie can drive the API and the
API needs no CSRF token.
"""
import functools
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from sqlalchemy import select

from tracker.db import get_session
from tracker.models import AuditEvent
from tracker.models import User
from tracker.models import utcnow
from tracker.services import accounts
from tracker.services import throttle
from tracker.services import twofactor

bp = Blueprint("auth", __name__)


def current_user() -> User | None:
    """The signed-in user of this request (page session or API token), or None."""
    return g.get("user")


def load_session_user() -> None:
    """Put the session's user on `g.user` (called before every request).

    The cookie is honoured only while it carries the user's current session generation
    (logout, "sign out all devices", a password, role, unit or active change bump it) and
    within SESSION_MAX_HOURS of the sign-in, however often it was renewed."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = _user_and_bell(user_id)
    if user is None or not user.active or session.get("gen") != (user.session_generation or 0) \
            or _session_too_old(session.get("login_at")):
        session.clear()
        return None
    g.user = user
    if getattr(user, "must_change_password", False) and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # a password reset by the admin: nothing else until the user has chosen a new one
        if request.method == "GET":
            flash("Mật khẩu của bạn vừa được quản trị đặt lại; hãy đổi mật khẩu trước khi tiếp tục.", "info")
        abort(redirect(url_for("profile.index")))
    if twofactor.required_for(user, current_app.config) and not user.totp_secret \
            and request.endpoint not in TWO_FACTOR_SETUP_ENDPOINTS:
        # REQUIRE_ADMIN_2FA: an admin without two-factor sign-in may only set it up (or sign out)
        if request.method == "GET":
            flash("Tài khoản quản trị phải bật xác thực hai lớp trước khi tiếp tục.", "warning")
            return redirect(url_for("profile.twofactor"))
        abort(403)
    return None


def _user_and_bell(user_id) -> User | None:
    """The session's user; on a GET (a page that may show the layout) with the bell's unread
    count in the same statement (`g.inbox_unread`, read by tracker/web/collab.py), one round
    trip less on every page. Other methods may change the inbox before a page is drawn, so
    they leave the count to be read when the layout asks."""
    if request.method not in ("GET", "HEAD"):
        return get_session().get(User, user_id)
    from tracker.services.inbox import unread_count_of

    row = get_session().execute(select(User, unread_count_of(User.id)).where(User.id == user_id)).first()
    if row is None:
        return None
    g.inbox_unread = row[1]
    return row[0]


PASSWORD_CHANGE_ENDPOINTS = ("profile.index", "profile.change_password", "auth.logout", "auth.login", "static",
                             "health.healthz", "health.ping")


TWO_FACTOR_SETUP_ENDPOINTS = {"profile.twofactor", "profile.twofactor_enable", "auth.logout", "auth.login",
                              "auth.login_2fa", "static"}


def _session_too_old(login_at) -> bool:
    try:
        started = datetime.fromisoformat(login_at)
    except (TypeError, ValueError):
        return True
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    hours = float(current_app.config.get("SESSION_MAX_HOURS") or 12)
    return utcnow() - started > timedelta(hours=hours)


def client_address() -> str:
    """The client's address (ProxyFix in deploy/gunicorn.conf.py puts the real one here)."""
    return request.remote_addr or "unknown"


def _throttle_on() -> bool:
    return bool(current_app.config.get("LOGIN_THROTTLE", not current_app.config.get("TESTING")))


def throttle_limits() -> dict:
    return {"per_account": int(current_app.config.get("LOGIN_THROTTLE_ACCOUNT") or throttle.PER_ACCOUNT),
            "per_address": int(current_app.config.get("LOGIN_THROTTLE_ADDRESS") or throttle.PER_ADDRESS)}


def password_check_throttled(db, user) -> bool:
    """The password-change form: throttled like sign-in (its failures are counted the same way)."""
    return _throttle_on() and throttle.is_throttled(db, user.login, client_address(), **throttle_limits())


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
        from tracker.web import throttling  # imports this module

        blocked = throttling.refused("api_token", json=True)
        if blocked is not None:  # before the token is looked at: the same answer for any token
            return blocked
        db = get_session()
        row = accounts.api_token_row(db, token.strip())
        if row is None:
            throttling.failed("api_token")
            return _api_unauthorized("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi")
        if row.scope != "write" and request.method not in ("GET", "HEAD", "OPTIONS"):
            response = jsonify({"error": {
                "code": "insufficient_scope",
                "message": "Mã truy cập chỉ có quyền đọc (read), không được thay đổi dữ liệu"}})
            response.status_code = 403
            return response
        user = db.get(User, row.user_id)
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
        address = client_address()
        throttled = _throttle_on() and throttle.is_throttled(db, login_name, address, **throttle_limits())
        user = accounts.authenticate(db, login_name, password, address=address, throttled=throttled)
        if user is not None and user.totp_secret:
            # the password was right; the second factor comes next, on its own page
            session.clear()
            session["pending_2fa"] = user.id
            session["pending_gen"] = user.session_generation or 0
            session["pending_at"] = utcnow().isoformat()
            session["pending_next"] = next_url or ""
            return redirect(url_for("auth.login_2fa"))
        if user is None:
            # one message whether the login exists, the password is wrong or the attempt is throttled
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
            db.commit()  # keep the failure
            status = 401
        else:
            return _complete_login(db, user, next_url)
    return render_template("auth/login.html", error=error, next=next_url or "",
                           login_value=request.form.get("login", "")), status


def _complete_login(db, user, next_url):
    db.add(AuditEvent(actor_id=user.id, channel="web", entity="user", entity_id=user.id, action="login"))
    db.commit()
    session.clear()  # renew: nothing from before the login survives
    session["user_id"] = user.id
    session["gen"] = user.session_generation or 0
    session["login_at"] = utcnow().isoformat()
    session.permanent = True
    return redirect(next_url or url_for("home.index"))


PENDING_2FA_MINUTES = 5


@bp.route("/login/2fa", methods=["GET", "POST"])
def login_2fa():
    """Second step of sign-in for users with two-factor sign-in: a TOTP or recovery code."""
    db = get_session()
    user = db.get(User, session.get("pending_2fa") or 0)
    try:
        started = datetime.fromisoformat(session.get("pending_at") or "")
    except ValueError:
        started = None
    if user is None or not user.active or not user.totp_secret or started is None \
            or session.get("pending_gen") != (user.session_generation or 0) \
            or utcnow() - started > timedelta(minutes=PENDING_2FA_MINUTES):
        session.clear()
        flash("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.", "info")
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/login_2fa.html", error=None)
    address = client_address()
    throttled = _throttle_on() and throttle.is_throttled(db, user.login, address, **throttle_limits())
    if not throttled and twofactor.verify(db, user, request.form.get("code")):
        return _complete_login(db, user, safe_next(session.get("pending_next")))
    if not throttled:
        throttle.record_failure(db, user.login, address)
    db.commit()
    return render_template("auth/login_2fa.html", error="Mã xác thực không đúng."), 401


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        # a copy of this cookie saved before the logout must not work afterwards
        db = get_session()
        accounts.end_sessions(db, user, action="logout")
        db.commit()
    session.clear()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))
