"""Cross-cutting web set-up: CSRF, security headers, error pages, template filters, g.user.

Called by `create_app` after every blueprint is registered.
"""
import logging
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from tracker import deadline_state
from tracker.models import DIRECTIVE_KINDS
from tracker.models import DIRECTIVE_STATES
from tracker.models import ROLE_LABELS
from tracker.models import TASK_STATUSES
from tracker.models import UNIT_KIND_LABELS
from tracker.services import ServiceError
from tracker.services.clock import local_zone
from tracker.settings import of as settings_of
from tracker.vocab import role_can
from tracker.web import labels
from tracker.web.labels import reason_label
from tracker.web.labels import recurrence_label

log = logging.getLogger(__name__)
csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

ERROR_MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không hợp lệ."),
    401: ("Chưa đăng nhập", "Vui lòng đăng nhập để tiếp tục."),
    403: ("Không có quyền", "Bạn không có quyền truy cập trang hoặc thao tác này."),
    404: ("Không tìm thấy", "Trang hoặc dữ liệu bạn tìm không tồn tại (hoặc bạn không có quyền xem)."),
    405: ("Phương thức không hợp lệ", "Thao tác này không được hỗ trợ theo cách đó."),
    409: ("Xung đột dữ liệu", "Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại trang và thử lại."),
    413: ("Tệp quá lớn", "Tệp hoặc nội dung gửi lên vượt quá giới hạn cho phép."),
    422: ("Dữ liệu không hợp lệ", "Dữ liệu gửi lên không hợp lệ."),
    429: ("Quá nhiều yêu cầu", "Quá nhiều lần thử không thành công. Vui lòng thử lại sau."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra. Vui lòng thử lại sau; nếu vẫn lỗi, hãy báo quản trị."),
}
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_requests",
               500: "server_error"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, code: str | None = None):
    title, default_message = ERROR_MESSAGES.get(status, ERROR_MESSAGES[500] if status >= 500 else ERROR_MESSAGES[400])
    message = message or default_message
    if wants_json():
        response = jsonify({"error": {"code": code or ERROR_CODES.get(status, "error"), "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, title=title, message=message), status


def _fmt_date(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(local_zone()).date() if value.tzinfo else value.date()
    return value.strftime("%d/%m/%Y")


def _fmt_datetime(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(local_zone())
        return value.strftime("%H:%M %d/%m/%Y")
    return _fmt_date(value)


def _state_badge(state: str | None) -> Markup:
    if state is None:  # a cancelled task has no deadline state
        return Markup('<span class="badge st-huy">Đã hủy</span>')
    label = deadline_state.LABELS.get(state, state)
    return Markup('<span class="badge st-{}">{}</span>').format(escape(state), label)


def _status_badge(status: str) -> Markup:
    label = TASK_STATUSES.get(status, status)
    return Markup('<span class="badge ws-{}">{}</span>').format(escape(status), label)


def _exempt_webhook_blueprints(app: Flask) -> set[str]:
    return {name for name, bp in app.blueprints.items()
            if bp.import_name.startswith(("bots.", "tracker.channels.")) or "webhook" in name}


def init_app(app: Flask) -> None:
    cfg = settings_of(app)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # Flask's defaults contain these keys already (as None/False), so a setdefault in the
    # factory is a no-op; set the intended values unless configured explicitly.
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if cfg.tracker_env == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    # Werkzeug keeps a non-file form field to 500 kB by default; a pasted directive may be
    # 2 MB of UTF-8, and a review form has a dozen fields per task.
    app.config["MAX_FORM_MEMORY_SIZE"] = max(app.config.get("MAX_FORM_MEMORY_SIZE") or 0,
                                             3 * cfg.max_directive_bytes)
    app.config["MAX_FORM_PARTS"] = max(app.config.get("MAX_FORM_PARTS") or 0, 30_000)
    if app.config.get("PERMANENT_SESSION_LIFETIME") == timedelta(days=31):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=12)
    csrf.init_app(app)
    exempt = _exempt_webhook_blueprints(app)

    from tracker.web.auth import load_session_user

    @app.before_request
    def _load_user_and_check_csrf():
        # The JSON API authenticates with bearer tokens only (no cookie), so CSRF cannot
        # apply; the Telegram webhook checks its own secret header.
        if request.endpoint == "static":
            g.user = None
            return
        if not request.path.startswith("/api/") and request.blueprint not in exempt:
            if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
            return load_session_user()  # a redirect when an admin must set up two-factor sign-in first
        else:
            g.user = None

    @app.after_request
    def _security_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if g.get("user") is not None and not request.path.startswith("/static/"):
            h.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return error_response(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). "
                                   "Vui lòng tải lại trang và gửi lại.", "csrf")

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return error_response(exc.status, exc.message, exc.code)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = None
        if status == 413:
            limit = app.config.get("MAX_DIRECTIVE_BYTES", 0) // (1024 * 1024)
            message = f"Nội dung gửi lên quá lớn (giới hạn văn bản {limit} MB, tệp minh chứng " \
                      f"{app.config.get('MAX_UPLOAD_BYTES', 0) // (1024 * 1024)} MB)."
        elif status in (400, 403, 404, 409, 422) and isinstance(exc.description, str) \
                and exc.description and not exc.description.startswith(("The ", "You ", "Bad ", "Method")):
            message = exc.description
        if status >= 500 or status not in ERROR_MESSAGES:
            return error_response(status if status in ERROR_MESSAGES else 500, message)
        return error_response(status, message)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if app.testing and not app.config.get("SHOW_ERROR_PAGES"):
            raise exc  # tests see the traceback
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    app.jinja_env.filters.update(
        vndate=_fmt_date,
        vndatetime=_fmt_datetime,
        state_label=lambda s: deadline_state.LABELS.get(s, s or "") if s is not None else "Đã hủy",
        state_badge=_state_badge,
        status_label=lambda s: TASK_STATUSES.get(s, s or ""),
        event_label=lambda k: labels.EVENT_LABELS.get(k, k or ""),
        status_badge=_status_badge,
        role_label=lambda r: ROLE_LABELS.get(r, r or ""),
        kind_label=lambda k: DIRECTIVE_KINDS.get(k, k or ""),
        unit_kind_label=lambda k: UNIT_KIND_LABELS.get(k, k or ""),
        directive_state_label=lambda s: DIRECTIVE_STATES.get(s, s or ""),
        reason_label=reason_label,
        recurrence_label=recurrence_label,
    )

    # every badge built once: list rows look them up instead of formatting Markup per row
    state_badges = {s: _state_badge(s) for s in (*deadline_state.LABELS, None)}
    status_badges = {s: _status_badge(s) for s in TASK_STATUSES}
    app.jinja_env.globals.update(DEADLINE_LABELS=deadline_state.LABELS, TASK_STATUSES=TASK_STATUSES,
                                 STATE_BADGES=state_badges, STATUS_BADGES=status_badges,
                                 DIRECTIVE_KINDS=DIRECTIVE_KINDS, ROLE_LABELS=ROLE_LABELS,
                                 EVENT_LABELS=labels.EVENT_LABELS, event_value=labels.event_value,
                                 url_map_endpoints=app.view_functions)

    def can(permission: str) -> bool:
        """In templates: may the signed-in user do `permission` (a key of vocab.PERMISSIONS)?"""
        user = g.get("user")
        return user is not None and role_can(user.role, permission)

    app.jinja_env.globals["can"] = can

    nav_urls: dict[tuple, str] = {}

    def nav_url(endpoint: str, **values) -> str:
        """`url_for` for the layout's fixed links (nav, stylesheet, script), built once per
        script root (a dozen per page, ~30 us each)."""
        key = (request.script_root, endpoint, *sorted(values.items()))
        url = nav_urls.get(key)
        if url is None:
            url = nav_urls[key] = url_for(endpoint, **values)
        return url

    app.jinja_env.globals["nav_url"] = nav_url

    @app.context_processor
    def _globals():
        return {"current_user": g.get("user")}
