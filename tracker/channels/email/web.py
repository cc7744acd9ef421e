"""The one-click e-mail unsubscribe (RFC 8058), without login.

CSRF-exempt (tracker.web.setup exempts tracker.channels blueprints): the POST comes
from a mail client with no session; its URL carries a signed token naming the person.
The forgotten-password pages are in tracker/web/password.py (CSRF-protected forms).
"""
from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request

from tracker.channels.email.channel import user_id_of_token
from tracker.db import get_session
from tracker.models import AuditEvent
from tracker.models import User
from tracker.web import throttling

bp = Blueprint("email_pages", __name__)


def turn_email_off(session, user) -> bool:
    off = {c.strip() for c in (user.channels_off or "").split(",") if c.strip()}
    if "email" in off:
        return False
    user.channels_off = ",".join(sorted(off | {"email"}))
    session.add(user)
    session.add(AuditEvent(actor_id=user.id, channel="email", entity="user", entity_id=user.id,
                           action="unsubscribe_email"))
    session.commit()
    return True


def _user_of(token: str):
    uid = user_id_of_token(current_app.config["SECRET_KEY"], token)
    user = get_session().get(User, uid) if uid is not None else None
    if user is None:
        throttling.failed("unsubscribe")
        abort(404)
    return user


@bp.get("/unsubscribe/email/<token>")
def unsubscribe_page(token):
    blocked = throttling.refused("unsubscribe")
    if blocked is not None:
        return blocked
    user = _user_of(token)
    return render_template("channels/unsubscribe.html", user=user, token=token, done=False)


@bp.post("/unsubscribe/email/<token>")
def unsubscribe(token):
    """One click (List-Unsubscribe-Post: List-Unsubscribe=One-Click) or the page's button."""
    blocked = throttling.refused("unsubscribe")
    if blocked is not None:
        return blocked
    user = _user_of(token)
    turn_email_off(get_session(), user)
    if request.form.get("List-Unsubscribe") == "One-Click" and "text/html" not in request.headers.get("Accept", ""):
        return "", 204
    return render_template("channels/unsubscribe.html", user=user, token=token, done=True)


