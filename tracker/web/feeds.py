"""iCalendar feeds of a unit's deadlines at a secret URL (`/feeds/<token>.ics`).

The token is random (256 bits) and shown once; only its SHA-256 is stored in
`User.calendar_token_hash`, looked up by that hash and compared in constant time.
Regenerating it from /profile/calendar replaces the hash, so the old URL stops working
at once; it can also be revoked outright. The feed needs no session (calendar clients
cannot log in), so it is read-only and carries only what the user may already see.

A unit member's feed has their unit's tasks (lead and coordinated); a leader's, clerk's
or admin's feed has every task (at most MAX_EVENTS, open tasks first). Open tasks stay
in the feed however overdue they are (their title says so); completed tasks stay for
RECENT_DONE_DAYS after the deadline.
"""
import hashlib
import hmac
import secrets
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from icalendar import Calendar
from icalendar import Event
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlmodel import Session

from tracker import deadline_state as ds
from tracker.db import get_session
from tracker.models import TASK_STATUSES
from tracker.models import AuditEvent
from tracker.models import Directive
from tracker.models import Task
from tracker.models import Unit
from tracker.models import User
from tracker.services import permissions
from tracker.services.clock import local_today
from tracker.services.clock import local_zone
from tracker.services.clock import utc_now
from tracker.web.auth import current_user
from tracker.web.auth import login_required

bp = Blueprint("feeds", __name__)

TOKEN_PREFIX = "cal_"
RECENT_DONE_DAYS = 30
MAX_EVENTS = 5000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_calendar_token(session: Session, user: User, channel: str = "web") -> str:
    """A new secret feed token for `user`; the previous one stops working. Does not commit."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    action = "calendar_token_regenerate" if user.calendar_token_hash else "calendar_token_create"
    user.calendar_token_hash = token_hash(token)
    session.add(user)
    session.add(AuditEvent(actor_id=user.id, channel=channel, entity="user", entity_id=user.id, action=action))
    session.flush()
    return token


def revoke_calendar_token(session: Session, user: User, channel: str = "web") -> None:
    if user.calendar_token_hash:
        user.calendar_token_hash = None
        session.add(user)
        session.add(AuditEvent(actor_id=user.id, channel=channel, entity="user", entity_id=user.id,
                               action="calendar_token_revoke"))
        session.flush()


def user_for_calendar_token(session: Session, token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    user = session.execute(select(User).where(User.calendar_token_hash == digest)).scalars().first()
    if user is None or not user.active or not hmac.compare_digest(user.calendar_token_hash or "", digest):
        return None
    return user


def feed_tasks(session: Session, user: User, today: date):
    """(task, directive code, lead unit name, state) of the tasks in `user`'s feed, one query."""
    state = ds.deadline_state_sql(Task, today)
    since = today - timedelta(days=RECENT_DONE_DAYS)
    stmt = (
        select(Task, Directive.code, Unit.name, state)
        .join(Directive, Directive.id == Task.directive_id)
        .join(Unit, Unit.id == Task.lead_unit_id)
        .where(Task.deadline.is_not(None))
        .where(or_(Task.status != ds.DONE_STATUS, and_(Task.status == ds.DONE_STATUS, Task.deadline >= since)))
    )
    visible = permissions.visible_tasks_clause(user)
    if visible is not None:
        stmt = stmt.where(visible)
    # open tasks first, so a cap never drops an overdue task in favour of a finished one
    stmt = stmt.order_by((Task.status == ds.DONE_STATUS), Task.deadline.desc(), Task.id.desc()).limit(MAX_EVENTS)
    return session.execute(stmt).all()


def _summary(task: Task, state: str, today: date) -> str:
    action = " ".join(task.action.split())
    if len(action) > 140:
        action = action[:139] + "…"
    if state == ds.OVERDUE:
        prefix = f"[Quá hạn {(today - task.deadline).days} ngày] "
    elif state in (ds.DONE_ON_TIME, ds.DONE_LATE):
        prefix = "[Đã hoàn thành] "
    elif state == ds.DUE_SOON:
        prefix = "[Sắp đến hạn] "
    else:
        prefix = ""
    return prefix + action


def build_calendar(rows, user: User, unit_name: str | None, today: date, base_url: str,
                   now: datetime | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//directive-tracker//Theo doi nhiem vu//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = f"Hạn nhiệm vụ · {unit_name}" if unit_name else "Hạn nhiệm vụ · toàn tỉnh"
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", local_zone().key)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    host = base_url.split("//", 1)[-1].split("/", 1)[0] or "directive-tracker"
    stamp = utc_now(now)
    for task, code, lead_name, state in rows:
        event = Event()
        event.add("uid", f"task-{task.id}@{host}")
        event.add("dtstamp", stamp)
        if task.updated_at:
            event.add("last-modified", task.updated_at.astimezone(UTC))
        event.add("dtstart", task.deadline)
        event.add("dtend", task.deadline + timedelta(days=1))
        event.add("summary", _summary(task, state, today))
        link = f"{base_url.rstrip('/')}/tasks/{task.id}"
        lines = [task.action, "", f"Văn bản: {code or '#' + str(task.directive_id)}",
                 f"Đơn vị chủ trì: {lead_name}",
                 f"Tình trạng: {ds.LABELS.get(state, state)} · {TASK_STATUSES.get(task.status, task.status)}",
                 f"Tiến độ: {task.progress}%", link]
        event.add("description", "\n".join(lines))
        event.add("url", link)
        event.add("transp", "TRANSPARENT")
        event.add("categories", [ds.LABELS.get(state, state)])
        if state == ds.OVERDUE:
            event.add("priority", 1)
        cal.add_component(event)
    return cal.to_ical()


@bp.get("/feeds/<token>.ics")
def calendar_feed(token: str):
    from tracker.web import throttling

    blocked = throttling.refused("calendar_feed")
    if blocked is not None:
        return blocked
    session = get_session()
    user = user_for_calendar_token(session, token)
    if user is None:
        throttling.failed("calendar_feed")
        abort(404)
    today = local_today()
    unit_name = session.get(Unit, user.unit_id).name if user.unit_id else None
    rows = feed_tasks(session, user, today)
    base_url = current_app.config.get("PUBLIC_URL") or request.host_url
    body = build_calendar(rows, user, unit_name, today, base_url)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="han-nhiem-vu.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/profile/calendar", methods=["GET"])
@login_required
def calendar_settings():
    user = current_user()
    unit = get_session().get(Unit, user.unit_id) if user.unit_id else None
    return render_template("dashboard/calendar.html", has_token=bool(user.calendar_token_hash), unit=unit,
                           feed_url=None)


@bp.post("/profile/calendar")
@login_required
def regenerate_calendar_token():
    """Create or replace the secret feed URL (POST with CSRF); `action=revoke` removes it."""
    session = get_session()
    user = session.get(User, current_user().id)
    if request.form.get("action") == "revoke":
        revoke_calendar_token(session, user)
        session.commit()
        flash("Đã thu hồi đường dẫn lịch. Các ứng dụng lịch đang dùng đường dẫn cũ sẽ không cập nhật được nữa.",
              "success")
        return redirect(url_for("feeds.calendar_settings"))
    token = issue_calendar_token(session, user)
    session.commit()
    base_url = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    feed_url = f"{base_url}{url_for('feeds.calendar_feed', token=token)}"
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    response = Response(render_template("dashboard/calendar.html", has_token=True, unit=unit, feed_url=feed_url))
    response.headers["Cache-Control"] = "no-store"
    return response
