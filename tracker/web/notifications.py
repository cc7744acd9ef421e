"""Pages of the follow-up engine: a person's reminder settings and Telegram link
(/profile/notifications) and the outbox (/admin/outbox, admin and clerk), which is
also the dry run when no TELEGRAM_BOT_TOKEN is set."""
from __future__ import annotations

import html
import re
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlmodel import select

from tracker.channels.telegram import links
from tracker.db import get_session
from tracker.followup import policy
from tracker.followup import sender
from tracker.models import ADMIN
from tracker.models import CLERK
from tracker.models import Notification
from tracker.models import Task
from tracker.models import User
from tracker.services import inputs
from tracker.settings import of as settings_of
from tracker.web.auth import current_user
from tracker.web.auth import login_required
from tracker.web.auth import role_required

bp = Blueprint("notifications", __name__)

STATUS_LABELS = {
    "pending": "Chờ gửi",
    "claimed": "Đã nhận để gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "failed": "Lỗi",
    "skipped": "Bỏ qua",
    "uncertain": "Không chắc đã gửi",
}
PAGE_SIZE = 100


def _reminder_hhmm() -> str:
    return policy.format_hhmm(settings_of(current_app).reminders.reminder_time)


def _settings_page(user, *, form=None, errors=None, token=None, zalo_code=None, status=200):
    from tracker.channels.zalo import links as zalo_links
    from tracker.followup import outbox

    db = get_session()
    link = links.link_of(db, user)
    off = outbox.switched_off(user)
    values = form or {
        "notify_enabled": user.notify_enabled, "digest_time": user.digest_time or _reminder_hhmm(),
        "lead_days": user.lead_days, "quiet_start": user.quiet_start, "quiet_end": user.quiet_end,
        "skip_non_working_days": user.skip_non_working_days, "email": user.email or "",
        **{f"ch_{c}": c not in off for c in outbox.OPTIONAL},
    }
    from tracker.followup.worker import bot_username

    bot = bot_username(current_app) or "bot"
    return render_template(
        "followup/notifications.html", user=user, values=values, errors=errors or {}, link=link, token=token,
        deep_link=links.deep_link(bot, token) if token else None, bot_username=bot,
        ttl_minutes=int(links.TOKEN_TTL.total_seconds() // 60),
        telegram_configured=bool(current_app.config.get("TELEGRAM_BOT_TOKEN")),
        zalo_link=zalo_links.link_of(db, user), zalo_code=zalo_code,
        zalo_configured=bool(current_app.config.get("ZALO_BOT_TOKEN")),
        email_configured=bool(current_app.config.get("SMTP_HOST")),
    ), status


@bp.get("/profile/notifications")
@login_required
def settings():
    return _settings_page(current_user())


@bp.post("/profile/notifications")
@login_required
def save_settings():
    user = current_user()
    form = {
        "notify_enabled": request.form.get("notify_enabled") == "on",
        "digest_time": (request.form.get("digest_time") or "").strip(),
        "lead_days": (request.form.get("lead_days") or "").strip(),
        "quiet_start": (request.form.get("quiet_start") or "").strip(),
        "quiet_end": (request.form.get("quiet_end") or "").strip(),
        "skip_non_working_days": request.form.get("skip_non_working_days") == "on",
        "email": (request.form.get("email") or "").strip()[:300],
        **{f"ch_{c}": request.form.get(f"ch_{c}") == "on" for c in ("email", "telegram", "zalo")},
    }
    errors = {}
    parsed = {}
    from tracker.channels.email.address import normalize_email
    from tracker.channels.email.address import set_email
    from tracker.services import ServiceError

    try:
        normalize_email(form["email"])
    except ServiceError as exc:
        errors["email"] = exc.message
    for key, label in (("digest_time", "Giờ nhận tổng hợp"), ("quiet_start", "Bắt đầu giờ yên lặng"),
                       ("quiet_end", "Kết thúc giờ yên lặng")):
        try:
            parsed[key] = policy.format_hhmm(policy.parse_hhmm(form[key]))
        except policy.PolicyError:
            errors[key] = f"{label}: nhập giờ dạng HH:MM, ví dụ 07:30"
    try:
        parsed["lead_days"] = policy.format_lead_days(policy.parse_lead_days(form["lead_days"]))
    except policy.PolicyError as exc:
        errors["lead_days"] = str(exc)
    if errors:
        return _settings_page(user, form=form, errors=errors, status=422)
    db = get_session()
    user = db.get(User, user.id)
    user.notify_enabled = form["notify_enabled"]
    user.skip_non_working_days = form["skip_non_working_days"]
    if parsed.get("digest_time") == _reminder_hhmm() and not user.digest_time:
        parsed["digest_time"] = ""  # still the service's time: keeps following REMINDER_TIME
    for key, value in parsed.items():
        setattr(user, key, value)
    user.channels_off = ",".join(c for c in ("email", "telegram", "zalo") if not form[f"ch_{c}"])
    set_email(db, user, form["email"], channel="web")
    db.add(user)
    db.commit()
    flash("Đã lưu cài đặt nhắc việc.", "success")
    return redirect(url_for("notifications.settings"))


@bp.post("/profile/notifications/telegram")
@login_required
def new_link_token():
    """A fresh one-time link; shown once (only its hash is stored)."""
    user = current_user()
    token = links.create_link_token(get_session(), user)
    return _settings_page(user, token=token)


@bp.post("/profile/notifications/zalo")
@login_required
def new_zalo_code():
    """A one-time code to send to the Zalo bot; shown once (only its hash is stored)."""
    from tracker.channels.zalo import links as zalo_links

    user = current_user()
    code = zalo_links.create_code(get_session(), user)
    return _settings_page(user, zalo_code=code)


@bp.post("/profile/notifications/telegram/unlink")
@login_required
def unlink():
    if links.unlink_user(get_session(), current_user()):
        flash("Đã huỷ liên kết Telegram.", "success")
    return redirect(url_for("notifications.settings"))


@bp.get("/admin/outbox")
@role_required(ADMIN, CLERK)
def outbox():
    db = get_session()
    status = request.args.get("status") or None
    if status and status not in STATUS_LABELS:
        abort(400)
    try:
        page = inputs.to_int(request.args.get("page"), 1, minimum=1)
    except ValueError:
        page = 1
    counts = sender.outbox_counts(db.get_bind())
    stmt = select(Notification, User).join(User, User.id == Notification.recipient_id)
    if status:
        stmt = stmt.where(Notification.status == status)
    total = db.exec(select(sa.func.count()).select_from(stmt.subquery())).one()
    rows = db.exec(stmt.order_by(Notification.due_at.desc(), Notification.id.desc())
                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    dry_run = not current_app.config.get("TELEGRAM_BOT_TOKEN")
    today = policy.local_now(datetime.now(UTC), settings_of(current_app).tz).date()
    previews = {}
    for n, user in rows:
        if n.payload:
            previews[n.id] = _plain(n.payload)
        elif n.status == "pending" and len(previews) < 30:
            task = db.get(Task, n.task_id) if n.task_id else None
            text, _, reason = sender.render(db, n, user, task, today, current_app.config["PUBLIC_URL"])
            previews[n.id] = _plain(text) if text else f"({reason})"
    return render_template(
        "followup/outbox.html", rows=rows, counts=counts, status=status, labels=STATUS_LABELS,
        kind_labels=policy.KIND_LABELS, previews=previews, dry_run=dry_run, page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), total=total,
    )


def _plain(telegram_html: str) -> str:
    """Telegram HTML as plain text for a preview (the template escapes it again)."""
    return html.unescape(re.sub(r"<[^>]+>", "", telegram_html))


@bp.post("/admin/outbox/<int:notification_id>/retry")
@role_required(ADMIN, CLERK)
def retry(notification_id):
    db = get_session()
    n = db.get(Notification, notification_id)
    if n is None:
        abort(404)
    if n.status == "failed":
        n.status, n.next_attempt_at, n.attempts, n.claimed_at = "pending", None, 0, None
        n.due_at = datetime.now(UTC)
        db.add(n)
        db.commit()
        flash(f"Thông báo #{n.id} sẽ được gửi lại.", "success")
    return redirect(url_for("notifications.outbox", status=request.args.get("status") or None))
