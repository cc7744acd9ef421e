"""Profile: who I am, my password, my API tokens (shown once), and the link to reminder settings."""
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlmodel import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from tracker.db import get_session
from tracker.models import ApiToken
from tracker.models import AuditEvent
from tracker.models import Unit
from tracker.services import accounts
from tracker.web.auth import current_user
from tracker.web.auth import login_required

bp = Blueprint("profile", __name__)


def _render(new_token: str | None = None, error: str | None = None, status: int = 200):
    session = get_session()
    user = current_user()
    tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())).all()
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
    token = accounts.issue_api_token(session, current_user(), name)
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
    if not check_password_hash(user.password_hash, current):
        return _render(error="Mật khẩu hiện tại không đúng", status=422)
    if len(new) < 8:
        return _render(error="Mật khẩu mới phải có ít nhất 8 ký tự", status=422)
    if new != (request.form.get("confirm_password") or ""):
        return _render(error="Hai lần nhập mật khẩu mới không khớp", status=422)
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    session.add(user)
    session.add(AuditEvent(actor_id=user.id, channel="web", entity="user", entity_id=user.id, action="change_password"))
    session.commit()
    flash("Đã đổi mật khẩu.", "success")
    return redirect(url_for("profile.index"))

