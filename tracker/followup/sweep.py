"""The sweep: write every reminder due at `now` into the outbox, in SQL.

Each reminder kind is one set-based `INSERT INTO notification ... SELECT ... ON
CONFLICT (dedupe_key) DO NOTHING`. The dedupe key is (task, recipient, kind,
occurrence date), so sweeping twice, or two processes sweeping at once, writes every
reminder once; no Python loop ever walks the tasks.

Who gets what (the policy in `policy.py`):
- lead unit's staff and head: BEFORE (their lead days, at the reminder hour),
  OVERDUE (every working day; every day for urgent tasks);
- lead unit's head: ESCALATION once per deadline, when N working days overdue;
- staff, heads and clerks: DIGEST at their digest time when it has content
  (coordinating units see the task there);
- leaders: WEEKLY summary on the first working day of the week when anything is overdue.
A row is written only when the person may receive it now (on, not in quiet hours,
not a day off unless the task is urgent), so a reminder held back by quiet hours is
written by the first sweep after they end.
"""
from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from tracker.followup import policy
from tracker.models import CLERK
from tracker.models import HEAD
from tracker.models import LEADER
from tracker.models import STAFF
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import User
from tracker.vncalendar.holidays import is_working_day

log = logging.getLogger(__name__)

_N = Notification.__table__
_T = Task.__table__
_U = User.__table__
_CO = TaskCoUnit.__table__
_X = ExtensionRequest.__table__
_COLUMNS = ["recipient_id", "task_id", "kind", "occurrence", "dedupe_key", "due_at", "payload", "status",
            "attempts", "created_at"]


def _lit(value, column: str):
    """A bound literal typed like the outbox column (UTC datetimes, dates)."""
    return sa.literal(value, type_=_N.c[column].type)


def _text(col):
    return sa.cast(col, sa.String)


def _quiet(hhmm: str, u=_U):
    """SQL: is wall-clock 'HH:MM' inside the user's quiet window (which may wrap midnight)?"""
    t = sa.literal(hhmm, sa.String)
    qs, qe = u.c.quiet_start, u.c.quiet_end
    return sa.or_(
        sa.and_(qs < qe, t >= qs, t < qe),
        sa.and_(qs > qe, sa.or_(t >= qs, t < qe)),
    )


def _may_receive(hhmm: str, working: bool, u=_U):
    """SQL twin of `policy.may_deliver_at` for a non-urgent message."""
    cond = [u.c.active.is_(True), u.c.notify_enabled.is_(True), sa.not_(_quiet(hhmm, u))]
    if not working:
        cond.append(u.c.skip_non_working_days.is_(False))
    return sa.and_(*cond)


def _may_receive_task(hhmm: str, working: bool, urgent_col, u=_U):
    """Urgent tasks pass quiet hours and days off; the on/off switch still applies."""
    return sa.and_(
        u.c.active.is_(True), u.c.notify_enabled.is_(True),
        sa.or_(urgent_col.is_(True), _may_receive(hhmm, working, u)),
    )


def _days_until(dialect: str, deadline_col, today):
    if dialect == "postgresql":
        return deadline_col - sa.literal(today, sa.Date)
    return sa.cast(sa.func.julianday(deadline_col) - sa.func.julianday(sa.literal(today.isoformat())), sa.Integer)


def _insert(session: Session, select_stmt) -> int:
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(_N) if dialect == "postgresql" else sqlite.insert(_N)
    stmt = ins.from_select(_COLUMNS, select_stmt).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return max(session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount, 0)


def sweep(session: Session, now: datetime, settings: policy.ReminderSettings | None = None) -> dict[str, int]:
    """Write the reminders due at `now` (aware) into the outbox; commit; return counts per kind."""
    settings = settings or policy.ReminderSettings()
    now = now.astimezone(timezone.utc)
    local = policy.local_now(now)
    today = local.date()
    hhmm = local.strftime("%H:%M")
    working = is_working_day(today)
    dialect = session.get_bind().dialect.name
    day_key = today.isoformat()
    counts = {k: 0 for k in (policy.BEFORE, policy.OVERDUE, policy.ESCALATION, policy.DIGEST, policy.WEEKLY)}
    if dialect == "postgresql":
        # A sweep lost in a crash is simply redone by the next one (the dedupe key makes it
        # idempotent), so its commit need not wait for the WAL flush.
        session.execute(sa.text("SET LOCAL synchronous_commit = off"))

    open_task = _T.c.status.in_(policy.REMINDABLE_STATUSES)
    # the lead unit's people, and the officer in charge personally (issue 16)
    lead_member = sa.or_(sa.and_(_U.c.unit_id == _T.c.lead_unit_id, _U.c.role.in_((STAFF, HEAD))),
                         _U.c.id == _T.c.assignee_id)

    def key(kind: str, occurrence_sql=None, with_task=True):
        parts = []
        if with_task:
            parts += [sa.literal("t"), _text(_T.c.id), sa.literal(":")]
        parts += [sa.literal("u"), _text(_U.c.id), sa.literal(f":{kind}:")]
        parts.append(occurrence_sql if occurrence_sql is not None else sa.literal(day_key))
        expr = parts[0]
        for p in parts[1:]:
            expr = expr + p
        return expr

    def not_yet_written(kind, occurrence_key=None, with_task=True):
        """The row's dedupe key is not in the outbox yet: once a reminder is written, later
        sweeps skip its recipient with one unique-index probe instead of recomputing it."""
        return sa.not_(sa.exists(sa.select(_N.c.id).where(_N.c.dedupe_key == key(kind, occurrence_key, with_task))))

    def row(kind, due_local, task=True, occurrence=None, occurrence_key=None):
        return [
            _U.c.id,
            _T.c.id if task else sa.null(),
            sa.literal(kind, sa.String),
            occurrence if occurrence is not None else _lit(today, "occurrence"),
            key(kind, occurrence_key, with_task=task),
            _lit(due_local.astimezone(timezone.utc), "due_at"),
            sa.literal("", sa.String),
            sa.literal("pending", sa.String),
            sa.literal(0, sa.Integer),
            _lit(now, "created_at"),
        ]

    if local.time() >= settings.reminder_time:
        at = datetime.combine(today, settings.reminder_time, policy.VN_TZ)
        # BEFORE: deadline within the longest lead window and the offset is in the user's lead days
        days_left = _days_until(dialect, _T.c.deadline, today)
        lead_match = (sa.literal(",") + _U.c.lead_days + sa.literal(",")).like(
            sa.literal("%,") + _text(days_left) + sa.literal(",%"))
        sel = (
            sa.select(*row(policy.BEFORE, at))
            .select_from(_T.join(_U, lead_member))
            .where(open_task, _T.c.deadline >= today,
                   _T.c.deadline <= today + timedelta(days=settings.max_lead_days),
                   lead_match, not_yet_written(policy.BEFORE), _may_receive_task(hhmm, working, _T.c.urgent))
        )
        counts[policy.BEFORE] = _insert(session, sel)

        # OVERDUE: every working day (urgent: every day) until done or extended
        overdue_cond = [open_task, _T.c.deadline < today, not_yet_written(policy.OVERDUE),
                        _may_receive_task(hhmm, working, _T.c.urgent)]
        if not working:
            overdue_cond.append(_T.c.urgent.is_(True))
        sel = sa.select(*row(policy.OVERDUE, at)).select_from(_T.join(_U, lead_member)).where(*overdue_cond)
        counts[policy.OVERDUE] = _insert(session, sel)

        # ESCALATION: the head, once per deadline, after N working days overdue
        if working:
            cutoff = policy.escalation_cutoff(today, settings)
            head_of_lead = sa.and_(_U.c.unit_id == _T.c.lead_unit_id, _U.c.role == HEAD)
            sel = (
                sa.select(*row(policy.ESCALATION, at, occurrence=_T.c.deadline, occurrence_key=_text(_T.c.deadline)))
                .select_from(_T.join(_U, head_of_lead))
                .where(open_task, _T.c.deadline <= cutoff, not_yet_written(policy.ESCALATION, _text(_T.c.deadline)),
                       _may_receive_task(hhmm, working, _T.c.urgent))
            )
            counts[policy.ESCALATION] = _insert(session, sel)

    # DIGEST: at the user's time, only when non-empty
    window_end = today + timedelta(days=settings.digest_window_days)
    digest_at = local.replace(second=0, microsecond=0)
    # Two EXISTS, not `lead = unit OR id IN (co-unit subquery)`: PostgreSQL plans the IN as a
    # subplan run once per task row (238,891 times, 16 s at 100,000 tasks); each EXISTS is
    # one index probe per user.
    unit_leads = sa.exists(
        sa.select(_T.c.id).where(_T.c.lead_unit_id == _U.c.unit_id, open_task, _T.c.deadline <= window_end))
    unit_coordinates = sa.exists(
        sa.select(_CO.c.task_id).select_from(_CO.join(_T, _T.c.id == _CO.c.task_id))
        .where(_CO.c.unit_id == _U.c.unit_id, open_task, _T.c.deadline <= window_end))
    unit_has_tasks = sa.or_(unit_leads, unit_coordinates)
    clerk_has_work = sa.or_(
        sa.exists(sa.select(_T.c.id).where(_T.c.status == "cho_xac_nhan")),
        sa.exists(sa.select(_X.c.id).where(_X.c.status == "pending")),
    )
    digest_rows = row(policy.DIGEST, digest_at, task=False)
    sel = (
        sa.select(*digest_rows)
        .select_from(_U)
        .where(
            _U.c.digest_time <= hhmm,
            not_yet_written(policy.DIGEST, with_task=False),
            _may_receive(hhmm, working),
            sa.or_(
                sa.and_(_U.c.role.in_((STAFF, HEAD)), _U.c.unit_id.is_not(None), unit_has_tasks),
                sa.and_(_U.c.role == CLERK, clerk_has_work),
            ),
        )
    )
    counts[policy.DIGEST] = _insert(session, sel)

    # WEEKLY: leaders, first working day of the week, when anything is overdue
    if policy.weekly_summary_day(today, settings) == today and local.time() >= settings.weekly_summary_time:
        at = datetime.combine(today, settings.weekly_summary_time, policy.VN_TZ)
        any_overdue = sa.exists(sa.select(_T.c.id).where(_T.c.status.not_in(("hoan_thanh", "da_huy")), _T.c.deadline < today))
        sel = (
            sa.select(*row(policy.WEEKLY, at, task=False))
            .select_from(_U)
            .where(_U.c.role == LEADER, _may_receive(hhmm, working), any_overdue)
        )
        counts[policy.WEEKLY] = _insert(session, sel)

    session.commit()
    total = sum(counts.values())
    if total:
        log.info("Quét nhắc việc %s: %s", local.strftime("%H:%M %d/%m/%Y"),
                 ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    return counts


def sweep_with_inbox(session: Session, now: datetime, settings: policy.ReminderSettings | None = None) -> dict[str, int]:
    """`sweep`, then the in-app inbox's grouped due_soon/overdue items of the day (issue 16)."""
    from tracker.followup.outbox import inbox_daily

    counts = sweep(session, now, settings)
    inbox_daily(session, now, policy.local_now(now.astimezone(timezone.utc)).date())
    session.commit()
    return counts
