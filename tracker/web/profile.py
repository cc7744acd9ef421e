"""Profile: who I am, my password, my API tokens (shown once), and the link to reminder settings."""
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session as flask_session
from flask import url_for
from sqlmodel import select

from tracker.db import get_session
from tracker.models import ApiToken
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import accounts
from tracker.services import twofactor as twofactor_service
from tracker.web import throttling
from tracker.web.auth import client_address
from tracker.web.auth import current_user
from tracker.web.auth import login_required
from tracker.web.auth import password_check_throttled

bp = Blueprint("profile", __name__)


def _render(new_token: str | None = None, error: str | None = None, status: int = 200):
    session = get_session()
    user = current_user()
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)
                          .order_by(ApiToken.created_at.desc())).all()
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    return render_template("profile/index.html", user=user, unit=unit, tokens=tokens, new_token=new_token,
                           error=error), status


@bp.get("/profile")
@login_required
def index():
    return _render()


@bp.post("/profile/tokens")
@login_required
def create_token():
    session = get_session()
    name = (request.form.get("name") or "").strip()[:128]
    if not name:
        return _render(error="Hãy đặt tên cho mã truy cập (ví dụ: “Báo cáo Excel”)", status=422)
    scope = request.form.get("scope") or "write"
    if scope not in accounts.TOKEN_SCOPES:
        return _render(error="Quyền của mã không hợp lệ (chỉ đọc hoặc đọc và ghi)", status=422)
    token = accounts.issue_api_token(session, current_user(), name, scope=scope)
    session.commit()
    return _render(new_token=token)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    session = get_session()
    accounts.revoke_api_token(session, current_user(), token_id)
    session.commit()
    flash("Đã thu hồi mã truy cập.", "success")
    return redirect(url_for("profile.index"))


@bp.post("/profile/password")
@login_required
def change_password():
    session = get_session()
    user = current_user()
    current = request.form.get("current_password") or ""
    new = request.form.get("new_password") or ""
    ok = accounts.check_current_password(session, user, current, address=client_address(),
                                         throttled=password_check_throttled(session, user))
    if not ok:
        session.commit()  # keep the failure: this form must not be an unthrottled password oracle
        return _render(error="Mật khẩu hiện tại không đúng", status=422)
    if new != (request.form.get("confirm_password") or ""):
        return _render(error="Hai lần nhập mật khẩu mới không khớp", status=422)
    try:
        revoked = accounts.change_password(session, user, new, keep_tokens=request.form.get("keep_tokens") == "on")
    except ServiceError as exc:
        session.rollback()
        return _render(error=exc.message, status=422)
    user.must_change_password = False  # an admin's reset is answered by this change
    session.add(user)
    session.commit()
    # every session ended with the change, this one too: sign in again with the new password
    flask_session.clear()
    flash("Đã đổi mật khẩu; mọi phiên đăng nhập đã kết thúc" + (f", {revoked} mã truy cập đã bị thu hồi" if revoked
                                                                 else "") + ". Vui lòng đăng nhập lại.", "success")
    return redirect(url_for("auth.login"))


@bp.post("/profile/sessions/end")
@login_required
def end_all_sessions():
    """"Đăng xuất khỏi mọi thiết bị": every cookie issued so far, this one included, stops working."""
    session = get_session()
    accounts.end_sessions(session, current_user(), action="logout_all")
    session.commit()
    flask_session.clear()
    flash("Đã đăng xuất khỏi mọi thiết bị.", "success")
    # the sign-in page itself (not a redirect to it): the request succeeded, it is not a refusal
    return render_template("auth/login.html", error=None, next="", login_value="")


@bp.get("/profile/2fa")
@login_required
def twofactor():
    """Two-factor sign-in: set it up (a new secret, confirmed by a code) or see that it is on."""
    user = current_user()
    if user.totp_secret:
        return render_template("profile/twofactor.html", enabled=True, remaining=len(user.totp_recovery_hashes or []))
    secret = flask_session.get("totp_setup") or twofactor_service.new_secret()
    flask_session["totp_setup"] = secret
    return render_template("profile/twofactor.html", enabled=False, secret=secret,
                           uri=twofactor_service.provisioning_uri(user, secret))


@bp.post("/profile/2fa")
@login_required
def twofactor_enable():
    session = get_session()
    user = current_user()
    secret = flask_session.get("totp_setup")
    if user.totp_secret or not secret:
        return redirect(url_for("profile.twofactor"))
    blocked = throttling.refused("totp", account=user.login)
    if blocked is not None:
        return blocked
    try:
        codes = twofactor_service.enable(session, user, secret, request.form.get("code") or "")
    except ServiceError as exc:
        throttling.failed("totp", account=user.login)
        return render_template("profile/twofactor.html", enabled=False, secret=secret, error=exc.message,
                               uri=twofactor_service.provisioning_uri(user, secret)), 422
    session.commit()
    flask_session.pop("totp_setup", None)
    return render_template("profile/twofactor.html", enabled=True, recovery_codes=codes, remaining=len(codes))


@bp.post("/profile/2fa/disable")
@login_required
def twofactor_disable():
    session = get_session()
    user = current_user()
    if twofactor_service.required_for(user, current_app.config):
        return render_template("profile/twofactor.html", enabled=bool(user.totp_secret),
                               remaining=len(user.totp_recovery_hashes or []),
                               error="Tài khoản quản trị bắt buộc dùng xác thực hai lớp"), 422
    # a stolen cookie must not be able to guess its way to turning the second factor off
    blocked = throttling.refused("totp", account=user.login)
    if blocked is not None:
        return blocked
    try:
        twofactor_service.disable(session, user, request.form.get("code") or "")
    except ServiceError as exc:
        throttling.failed("totp", account=user.login)
        return render_template("profile/twofactor.html", enabled=bool(user.totp_secret),
                               remaining=len(user.totp_recovery_hashes or []), error=exc.message), 422
    session.commit()
    flash("Đã tắt xác thực hai lớp.", "success")
    return redirect(url_for("profile.index"))
