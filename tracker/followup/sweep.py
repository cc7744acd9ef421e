"""The sweep: write every message due at `now` into the outbox, in SQL.

One message a day per person per channel (kind `daily`), plus escalations: two
set-based statements, `INSERT INTO notification ... SELECT ... ON CONFLICT (dedupe_key)
DO NOTHING`, each crossing the recipients with the four channels (so who receives is
decided once per person, not once per channel). The dedupe key is (recipient, kind, day,
channel) — for escalations (task, recipient, deadline, channel) — so sweeping twice, or
two processes at once, writes every row once; a NOT EXISTS probe on the web row's key
makes a repeated (quiet) minute one index probe per person and nothing else.
No Python loop walks the tasks; what the daily message says is composed at send time
(`daily.py`), so the sweep writes one row per person, not one per task.

Who gets a daily row (at their digest time, default REMINDER_TIME, when they may
receive it: on, outside quiet hours, not a day off):
- lead and coordinating units' staff and heads, when the unit has an open task that is
  overdue or due within the horizon (the exact list is decided at send time, and an
  empty message is not sent);
- clerks (the tracking office) when completions or extension requests wait;
- leaders on the first working day of the week when anything is overdue.
Escalations (working days, at REMINDER_TIME): the lead unit's head — or the clerks
when the unit has no active head — once per deadline, when N working days overdue.
The channels of a row: the web inbox always, e-mail when an address is set, Telegram
and Zalo once linked, less what the person switched off.
"""
from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from tracker.followup import policy
from tracker.followup.daily import HORIZON_EXTRA_DAYS
from tracker.models import CLERK
from tracker.models import HEAD
from tracker.models import LEADER
from tracker.models import STAFF
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import TelegramLink
from tracker.models import User
from tracker.models import ZaloLink
from tracker.vncalendar.holidays import add_working_days
from tracker.vncalendar.holidays import is_working_day

log = logging.getLogger(__name__)

_N = Notification.__table__
_T = Task.__table__
_U = User.__table__
_CO = TaskCoUnit.__table__
_X = ExtensionRequest.__table__
_TL = TelegramLink.__table__
_ZL = ZaloLink.__table__
_COLUMNS = ["recipient_id", "task_id", "kind", "occurrence", "dedupe_key", "due_at", "payload", "status",
            "attempts", "created_at", "channel"]


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
    """SQL twin of `policy.may_deliver_at` (urgent or not: nothing bypasses it)."""
    cond = [u.c.active.is_(True), u.c.notify_enabled.is_(True), sa.not_(_quiet(hhmm, u))]
    if not working:
        cond.append(u.c.skip_non_working_days.is_(False))
    return sa.and_(*cond)


def _insert(session: Session, select_stmt) -> int:
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(_N) if dialect == "postgresql" else sqlite.insert(_N)
    stmt = ins.from_select(_COLUMNS, select_stmt).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return max(session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount, 0)


CHANNELS = ("web", "email", "telegram", "zalo")
# Escalations not written on their day (the worker was down) are caught up this many
# working days later; older ones are not written any more.
ESCALATION_CATCH_UP_WORKING_DAYS = 5
ESCALATION_EVERY_MINUTES = 10


# The channels as a four-row derived table, crossed with the recipients: one statement
# writes every channel's row (who receives is decided once per person, not per channel).
# Built once: an alias of a table costs a column proxy per column at every construction.
_CH = sa.union_all(*(sa.select(sa.literal_column(f"'{c}'", sa.String).label("name")) for c in CHANNELS)).subquery("ch")
_TL_A, _ZL_A, _HEAD = sa.alias(_TL, "tl"), sa.alias(_ZL, "zl"), sa.alias(_U, "head")


def _with_channels(from_, u=_U):
    """`from_` (which holds `u`) joined to the person's active chat links and to the
    channels; returns (the FROM clause, the channel column, 'the person receives it')."""
    tl, zl, name = _TL_A, _ZL_A, _CH.c.name
    joined = (from_.outerjoin(tl, sa.and_(tl.c.user_id == u.c.id, tl.c.active.is_(True)))
              .outerjoin(zl, sa.and_(zl.c.user_id == u.c.id, zl.c.active.is_(True)))
              .join(_CH, sa.true()))
    off = (sa.literal(",") + u.c.channels_off + sa.literal(",")).not_like(sa.literal("%,") + name + sa.literal(",%"))
    receives = sa.or_(name == "web", sa.and_(off, sa.or_(
        sa.and_(name == "email", u.c.email.is_not(None), u.c.email != ""),
        sa.and_(name == "telegram", tl.c.id.is_not(None)),
        sa.and_(name == "zalo", zl.c.id.is_not(None)))))
    return joined, name, receives


def sweep(session: Session, now: datetime, settings: policy.ReminderSettings | None = None) -> dict[str, int]:
    """Write the messages due at `now` (aware) into the outbox; commit; return counts per kind."""
    settings = settings or policy.ReminderSettings()
    now = now.astimezone(UTC)
    local = policy.local_now(now, settings.tz)
    today = local.date()
    hhmm = local.strftime("%H:%M")
    working = is_working_day(today)
    day_key = today.isoformat()
    counts = {policy.DAILY: 0, policy.ESCALATION: 0}
    if session.get_bind().dialect.name == "postgresql":
        # A sweep lost in a crash is simply redone by the next one (the dedupe key makes it
        # idempotent), so its commit need not wait for the WAL flush.
        session.execute(sa.text("SET LOCAL synchronous_commit = off"))
    open_task = _T.c.status.in_(policy.REMINDABLE_STATUSES)
    stamp = now.replace(second=0, microsecond=0)

    def concat(*parts):
        expr = parts[0]
        for p in parts[1:]:
            expr = expr + p
        return expr

    def row(kind, channel, key, task_col=None, occurrence=None):
        return [
            _U.c.id, task_col if task_col is not None else sa.null(), sa.literal(kind, sa.String),
            occurrence if occurrence is not None else _lit(today, "occurrence"), key,
            _lit(stamp, "due_at"), sa.literal("", sa.String), sa.literal("pending", sa.String),
            sa.literal(0, sa.Integer), _lit(now, "created_at"), channel,
        ]

    def not_yet_written(key):
        """One unique-index probe per recipient (on the web row's key: the web inbox always
        gets a row, in the same statement as the other channels, so once it is there every
        channel's row is; a chat linked later in the day gets that channel's row the next
        day). OFFSET 0 keeps PostgreSQL from turning the NOT EXISTS into an anti-join,
        which with stale statistics on the outbox (just emptied, not yet analysed) became
        a nested loop over every outbox row (1 s/minute)."""
        return sa.not_(sa.exists(sa.select(_N.c.id).where(_N.c.dedupe_key == key).offset(0)))

    # DAILY: one row per person per channel at their digest time
    reminder_hhmm = policy.format_hhmm(settings.reminder_time)
    digest_time = sa.case((_U.c.digest_time == "", sa.literal(reminder_hhmm)), else_=_U.c.digest_time)
    horizon = today + timedelta(days=settings.max_lead_days + HORIZON_EXTRA_DAYS)
    # Two EXISTS, not `lead = unit OR id IN (co-unit subquery)`: PostgreSQL plans the IN as a
    # subplan run once per task row (16 s at 100,000 tasks); each EXISTS is one index probe
    # per user.
    unit_leads = sa.exists(
        sa.select(_T.c.id).where(_T.c.lead_unit_id == _U.c.unit_id, open_task, _T.c.deadline <= horizon))
    unit_coordinates = sa.exists(
        sa.select(_CO.c.task_id).select_from(_CO.join(_T, _T.c.id == _CO.c.task_id))
        .where(_CO.c.unit_id == _U.c.unit_id, open_task, _T.c.deadline <= horizon))
    clerk_has_work = sa.or_(
        sa.exists(sa.select(_T.c.id).where(_T.c.status == "cho_xac_nhan")),
        sa.exists(sa.select(_X.c.id).where(_X.c.status == "pending")),
    )
    who = [sa.and_(_U.c.role.in_((STAFF, HEAD)), _U.c.unit_id.is_not(None), sa.or_(unit_leads, unit_coordinates)),
           sa.and_(_U.c.role == CLERK, clerk_has_work)]
    if policy.first_working_day_of_week(today) == today:
        who.append(sa.and_(_U.c.role == LEADER,
                           sa.exists(sa.select(_T.c.id).where(open_task, _T.c.deadline < today))))
    from_, channel, receives = _with_channels(_U)
    key = concat(sa.literal("u"), _text(_U.c.id), sa.literal(f":daily:{day_key}:"), channel)
    web_key = concat(sa.literal("u"), _text(_U.c.id), sa.literal(f":daily:{day_key}:web"))
    sel = (sa.select(*row(policy.DAILY, channel, key)).select_from(from_)
           .where(digest_time <= hhmm, not_yet_written(web_key), _may_receive(hhmm, working), sa.or_(*who),
                  receives))
    counts[policy.DAILY] += _insert(session, sel)

    # ESCALATION: once per deadline, on the working day it is N working days overdue. Looked
    # for at the reminder hour and then every ESCALATION_EVERY_MINUTES (a head in quiet hours
    # gets it at most that long after they end): the other minutes skip the scan of the
    # overdue tasks, which is most of a quiet minute's cost at 100,000 tasks.
    reminder = settings.reminder_time
    minutes_since = (local.hour * 60 + local.minute) - (reminder.hour * 60 + reminder.minute)
    if working and minutes_since >= 0 and minutes_since % ESCALATION_EVERY_MINUTES == 0:
        cutoff = policy.escalation_cutoff(today, settings)
        oldest = add_working_days(cutoff, -ESCALATION_CATCH_UP_WORKING_DAYS)
        head = _HEAD
        has_head = sa.exists(sa.select(head.c.id).where(head.c.unit_id == _T.c.lead_unit_id, head.c.role == HEAD,
                                                        head.c.active.is_(True)))
        # a UNION of two joins, not one join on `head of the unit OR clerk`: an OR join
        # condition makes PostgreSQL pair every task with every user (seconds at 100,000 tasks)
        recipients = (
            (sa.and_(_U.c.unit_id == _T.c.lead_unit_id, _U.c.role == HEAD), sa.true()),
            (_U.c.role == CLERK, sa.not_(has_head)),
        )
        parts = []
        for on, extra in recipients:
            from_, channel, receives = _with_channels(_T.join(_U, on))
            prefix = concat(sa.literal("t"), _text(_T.c.id), sa.literal(":u"), _text(_U.c.id),
                            sa.literal(":escalation:"), _text(_T.c.deadline), sa.literal(":"))
            parts.append(sa.select(*row(policy.ESCALATION, channel, prefix + channel, _T.c.id, _T.c.deadline))
                         .select_from(from_)
                         .where(open_task, _T.c.deadline < cutoff, _T.c.deadline >= oldest, extra,
                                not_yet_written(prefix + sa.literal("web")), _may_receive(hhmm, working), receives))
        counts[policy.ESCALATION] += _insert(session, sa.union_all(*parts))

    session.commit()
    total = sum(counts.values())
    if total:
        log.info("Quét nhắc việc %s: %s", local.strftime("%H:%M %d/%m/%Y"),
                 ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    return counts
