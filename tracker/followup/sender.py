r"""The outbox pass: delivers due outbox rows through a channel (`tracker.channels`).

Row life cycle (`Notification.status`):
    pending --claim--> claimed --just before the request--> sending --> sent
                                                         \-> pending (retry later) | failed | skipped | uncertain
A row is `sending` only while its one request is in flight, so after a crash the
sender knows exactly which message may or may not have arrived: the lease (30 s,
measured on the pass's clock) returns it and it is sent again (the only possible
duplicate). `claimed` rows of a dead sender were never sent and go back to `pending`.
Rows are claimed one by one with a guarded UPDATE (and `FOR UPDATE SKIP LOCKED` on
PostgreSQL), so several senders never claim the same row.

Errors (the same for every channel, `tracker.channels.base`): network errors and 5xx
retry with exponential backoff; 429 waits `retry_after` (the whole pass pauses);
blocked/gone deactivates the link and fails the row; other refusals fail the row; a
request that timed out may have been delivered: it is retried once, a minute later,
unless something newer already reached that person on that channel — then, or if the
retry times out too, the row ends `uncertain` ("không chắc đã gửi").
Pacing per channel: ~30 messages/s overall, 1/s per chat (Telegram, Zalo).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time as _time
from collections import defaultdict
from datetime import UTC
from datetime import datetime
from datetime import timedelta

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as timedelta (stack.md 2.1)

import sqlalchemy as sa  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from sqlalchemy.engine import Engine  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from sqlmodel import Session  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from sqlmodel import select  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

from tracker.channels.base import Outgoing  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import content  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import messages  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import policy  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Directive  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Notification  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Task  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import Unit  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.models import User  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

log = logging.getLogger(__name__)

TASK_KINDS = (policy.BEFORE, policy.OVERDUE, policy.ESCALATION, policy.SNOOZE)
DAILY_KINDS = (policy.BEFORE, policy.OVERDUE, policy.DIGEST, policy.WEEKLY)


from tracker.settings import SenderSettings  # noqa: E402,F401 - re-exported: the SENDER_* limits' old import name


class RateLimiter:
    """Spaces sends: at most `rate` per second overall and one per `per_chat` seconds per chat."""

    def __init__(self, rate: float = 30.0, per_chat: float = 1.0, clock=_time.monotonic, sleep=asyncio.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.per_chat = per_chat
        self.clock, self.sleep = clock, sleep
        self._next_any = 0.0
        self._next_chat: dict = {}
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, chat_id) -> None:
        start = max(self._next_any, self._next_chat.get(chat_id, 0.0), self._paused_until)
        wait = start - self.clock()
        if wait > 0:
            await self.sleep(wait)
        t = max(self.clock(), start)
        self._next_any = t + self.interval
        self._next_chat[chat_id] = t + self.per_chat
        if len(self._next_chat) > 10000:  # forget chats that are long free again
            self._next_chat = {c: v for c, v in self._next_chat.items() if v > t}


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _real_now() -> datetime:
    return datetime.now(UTC)


# --- database steps (synchronous; the async pass runs them in a thread) ---

def recover_in_flight(engine: Engine, lease_seconds: float, now: datetime | None = None) -> dict[str, list[int]]:
    """Return rows of a dead sender (claimed longer than the lease before `now`) to the
    queue; log the one(s) that were in flight."""
    cutoff = _utc(now) - timedelta(seconds=lease_seconds)
    with Session(engine) as s:
        stale = s.exec(select(Notification).where(
            Notification.status.in_(("claimed", "sending")), Notification.claimed_at <= cutoff)).all()
        out = {"claimed": [], "sending": []}
        for n in stale:
            out[n.status].append(n.id)
            if n.status == "sending":
                log.warning("Thông báo #%s đang được gửi (tới người dùng #%s) khi tiến trình gửi trước dừng; "
                            "không biết đã tới nơi chưa, sẽ gửi lại (có thể trùng đúng tin này).",
                            n.id, n.recipient_id)
            s.execute(sa.update(Notification).where(Notification.id == n.id, Notification.status == n.status)
                      .values(status="pending", claimed_at=None, next_attempt_at=None))
        s.commit()
    if out["claimed"]:
        log.info("Trả %d thông báo đã nhận nhưng chưa gửi về hàng đợi", len(out["claimed"]))
    return out


def claim_batch(engine: Engine, now: datetime, limit: int, channel: str = "telegram") -> list[int]:
    """Claim up to `limit` due rows for this sender (never a row another sender holds).

    A row another sender claimed between our SELECT and UPDATE is simply not ours; if all
    of them went that way, look again (so losing a race never reads as "nothing to do")."""
    now = _utc(now)
    for _ in range(5):
        with Session(engine) as s:
            due = (select(Notification.id, Notification.recipient_id)
                   .where(Notification.status == "pending", Notification.channel == channel,
                          Notification.due_at <= now,
                          sa.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
                   .order_by(Notification.due_at, Notification.id).limit(limit))
            if engine.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            rows = list(s.exec(due).all())
            claimed = []
            stamp = now
            for nid in _interleave(rows):
                res = s.execute(sa.update(Notification)
                                .where(Notification.id == nid, Notification.status == "pending")
                                .values(status="claimed", claimed_at=stamp))
                if res.rowcount == 1:
                    claimed.append(nid)
            s.commit()
        if claimed or not rows:
            return claimed
    return []


def _interleave(rows) -> list[int]:
    """Ids of (id, recipient) rows ordered so one person's messages are spread over the
    batch (the 1 message/s per chat limit then rarely makes the sender wait)."""
    rank: dict[int, int] = defaultdict(int)
    keyed = []
    for i, (nid, recipient) in enumerate(rows):
        keyed.append((rank[recipient], i, nid))
        rank[recipient] += 1
    return [nid for _, _, nid in sorted(keyed)]


def release(engine: Engine, ids: list[int]) -> None:
    if not ids:
        return
    with Session(engine) as s:
        s.execute(sa.update(Notification).where(Notification.id.in_(ids), Notification.status == "claimed")
                  .values(status="pending", claimed_at=None))
        s.commit()


UNCERTAIN_NOTE = "Không chắc đã gửi"
REQUESTED_KINDS = ("password_reset",)
DELIVERED = "delivered"  # prepare_and_mark_sending's answer for a row delivered by storing it (web inbox)


def _finish(s: Session, n: Notification, status: str, error: str | None = None, **values) -> None:
    n.status = status
    n.last_error = error
    for k, v in values.items():
        setattr(n, k, v)
    s.add(n)
    s.commit()


def prepare_and_mark_sending(engine: Engine, nid: int, now: datetime, public_url: str, channel=None,
                             settings: policy.ReminderSettings | None = None) -> Outgoing | None:
    """Compose a claimed row at send time and mark it `sending`; None if it is not to be sent
    now (then it is skipped, delivered (web inbox), or back to pending with the time it may be
    delivered)."""
    from tracker.channels.registry import get_channel

    now = _utc(now)
    settings = settings or policy.ReminderSettings()
    local = policy.local_now(now, settings.tz)
    today = local.date()
    with Session(engine, expire_on_commit=False) as s:
        n = s.get(Notification, nid)
        if n is None or n.status != "claimed":
            return None
        ch = channel or get_channel(n.channel)
        user = s.get(User, n.recipient_id)
        if user is None or not user.active:
            _finish(s, n, "skipped", "Tài khoản người nhận không còn hoạt động")
            return None
        address = ch.address(s, user)
        if address is None:
            _finish(s, n, "skipped",
                    f"Người nhận không dùng kênh {n.channel} (chưa liên kết, chưa có địa chỉ hoặc đã tắt)")
            return None
        if n.kind in DAILY_KINDS + (policy.DAILY,) and n.occurrence is not None and n.occurrence < today:
            _finish(s, n, "skipped", "Đã qua ngày nhắc (có tin mới cho hôm nay)")
            return None
        task = s.get(Task, n.task_id) if n.task_id else None
        # a password reset is asked for by the person, now: no quiet hours, no switch-off
        when = local if n.kind in REQUESTED_KINDS else policy.delivery_time(policy.UserPrefs.of(user, settings), local)
        if when is None:
            _finish(s, n, "skipped", "Người nhận đã tắt nhắc việc")
            return None
        if when > local:
            _finish(s, n, "pending", None, claimed_at=None, next_attempt_at=when.astimezone(UTC))
            return None
        if n.last_error and n.last_error.startswith(UNCERTAIN_NOTE):
            newer = s.exec(select(sa.func.count()).select_from(Notification).where(
                Notification.recipient_id == n.recipient_id, Notification.channel == n.channel,
                Notification.id != n.id, Notification.status == "sent", Notification.created_at >= n.created_at)).one()
            if newer:
                _finish(s, n, "uncertain", f"{UNCERTAIN_NOTE}: hết thời gian chờ; đã có tin mới hơn tới người nhận "
                                           "nên không gửi lại")
                return None
        composed, reason = compose(s, n, user, task, today, public_url, settings)
        if composed is None:
            _finish(s, n, "failed" if reason.startswith("Loại") else "skipped", reason)
            return None
        text = ch.render(composed, s, user)
        if getattr(ch, "immediate", False):  # the web inbox: storing the text is the delivery
            kind = {"kind": composed.inbox_kind} if getattr(composed, "inbox_kind", None) else {}
            _finish(s, n, "sent", None, text=text, payload=text, sent_at=now, attempts=n.attempts + 1, **kind)
            return DELIVERED
        n.status = "sending"
        n.attempts += 1
        n.claimed_at = now
        n.payload = text
        s.add(n)
        s.commit()
        return Outgoing(n.id, address, text, composed, n.recipient_id, n.kind)


def _per_channel(n: Notification) -> bool:
    """Rows of the channel design end their key with the channel (older ones with a date)."""
    return n.dedupe_key.rsplit(":", 1)[-1] in ("web", "email", "telegram", "zalo")


def compose(s: Session, n: Notification, user: User, task: Task | None, today, public_url: str,
            settings: policy.ReminderSettings | None = None):
    """(Composed, None) for a row as it would be sent today, or (None, reason)."""
    from tracker.followup import daily
    from tracker.followup.compose import Composed

    if n.kind == policy.DAILY:
        msg = daily.daily_message(s, user, today, public_url, settings)
        if not msg.sections:
            return None, "Không có nội dung (không gửi tin rỗng)"
        return msg, None
    if n.kind == policy.ESCALATION and _per_channel(n):
        if task is None:
            return None, "Nhiệm vụ không còn tồn tại"
        reason = _stale_task_reason(n, task, today)
        if reason:
            return None, reason
        return daily.escalation_message(s, user, task, today, public_url, settings), None
    if n.text:
        return daily.event_message(user, n.text, n.task_id, public_url), None
    # rows of the per-task design (written before the daily message) and snoozes
    text, buttons, reason = render(s, n, user, task, today, public_url)
    if text is None:
        return None, reason
    c = Composed(subject="", intro="")
    c.legacy_html = text  # type: ignore[attr-defined]
    c.buttons = buttons
    return c, None


def render(s: Session, n: Notification, user: User, task: Task | None, today, public_url: str):
    """(Telegram HTML, buttons, None) for a row as it would be sent today, or (None, None, reason)."""
    from tracker.followup import daily
    from tracker.followup.compose import to_telegram_html

    buttons = None
    if n.kind == policy.DAILY or (n.kind == policy.ESCALATION and _per_channel(n)):
        c, reason = compose(s, n, user, task, today, public_url)
        return (to_telegram_html(c), c.buttons, None) if c is not None else (None, None, reason)
    if n.kind in TASK_KINDS:
        if task is None:
            return None, None, "Nhiệm vụ không còn tồn tại"
        reason = _stale_task_reason(n, task, today)
        if reason:
            return None, None, reason
        directive = s.get(Directive, task.directive_id)
        unit = s.get(Unit, task.lead_unit_id)
        text = messages.task_message(
            n.kind, task_id=task.id, action=task.action, directive_code=directive.code or directive.number or "",
            directive_title=directive.title, deadline=task.deadline, status=task.status,
            progress=task.progress, urgent=task.urgent, unit_name=unit.name if unit else "",
            today=today, public_url=public_url)
        if user.unit_id == task.lead_unit_id:
            buttons = messages.task_buttons(task.id, task.version)
        return text, buttons, None
    if n.kind == policy.DIGEST:
        digest = content.digest_for(s, user, today)
        if digest.empty:
            return None, None, "Không có nội dung (không gửi bản tổng hợp rỗng)"
        return messages.digest_message(digest, today, public_url), None, None
    if n.kind == policy.WEEKLY:
        summary = content.weekly_summary(s, today)
        if not summary.overdue_total:
            return None, None, "Không có nhiệm vụ quá hạn"
        return messages.weekly_message(summary, today, public_url), None, None
    if n.text:  # an event written by outbox.enqueue: its text was composed when it happened
        return to_telegram_html(daily.event_message(user, n.text, n.task_id, public_url)), None, None
    return None, None, f"Loại thông báo không rõ: {n.kind}"


def _stale_task_reason(n: Notification, task: Task, today) -> str | None:
    if task.status not in policy.REMINDABLE_STATUSES:
        from tracker.models import TASK_STATUSES

        return f"Nhiệm vụ đã chuyển trạng thái ({TASK_STATUSES.get(task.status, 'khác').lower()})"
    if n.kind == policy.OVERDUE and (task.deadline is None or task.deadline >= today):
        return "Nhiệm vụ đã được gia hạn"
    if n.kind == policy.ESCALATION and task.deadline != n.occurrence:
        return "Nhiệm vụ đã được gia hạn"
    if n.kind == policy.BEFORE and (task.deadline is None or task.deadline < today):
        return "Hạn của nhiệm vụ đã thay đổi"
    return None


def mark_sent(engine: Engine, nid: int, now: datetime | None = None) -> None:
    with Session(engine) as s:
        s.execute(sa.update(Notification).where(Notification.id == nid)
                  .values(status="sent", sent_at=_utc(now), last_error=None, next_attempt_at=None))
        s.commit()


def mark_retry(engine: Engine, nid: int, next_at: datetime, error: str, max_attempts: int) -> str:
    with Session(engine) as s:
        n = s.get(Notification, nid)
        if n.attempts >= max_attempts:
            n.status, n.last_error = "failed", f"Bỏ sau {n.attempts} lần thử: {error}"
        else:
            n.status, n.last_error, n.next_attempt_at, n.claimed_at = "pending", error, next_at, None
        s.add(n)
        s.commit()
        return n.status


def mark_uncertain(engine: Engine, nid: int, now: datetime, error: str, retry_seconds: float) -> str:
    """A send that timed out: retried once later (pending, noted), or `uncertain` when it
    already was the retry."""
    with Session(engine) as s:
        n = s.get(Notification, nid)
        if n.last_error and n.last_error.startswith(UNCERTAIN_NOTE):
            n.status, n.last_error = "uncertain", f"{UNCERTAIN_NOTE}: hết thời gian chờ hai lần ({error})"
        else:
            n.status, n.claimed_at = "pending", None
            n.next_attempt_at = _utc(now) + timedelta(seconds=retry_seconds)
            n.last_error = f"{UNCERTAIN_NOTE}: hết thời gian chờ ({error}); thử lại một lần"
        s.add(n)
        s.commit()
        return n.status


def mark_failed(engine: Engine, nid: int, error: str, deactivate=None) -> None:
    """Dead letter. `deactivate`: (channel, address) whose link is switched off."""
    with Session(engine) as s:
        s.execute(sa.update(Notification).where(Notification.id == nid).values(status="failed", last_error=error))
        if deactivate is not None:
            channel, address = deactivate
            channel.deactivate(s, address, error[:255])
        s.commit()


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)




def keyboard(buttons):
    if not buttons:
        return None
    from telegram import InlineKeyboardButton
    from telegram import InlineKeyboardMarkup

    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons])


async def send_pass(engine: Engine, bot, *, now: datetime | None = None, public_url: str = "",
                    settings: SenderSettings = SenderSettings(), limiter: RateLimiter | None = None,
                    max_batches: int | None = None) -> dict[str, int]:
    """Telegram's pass with a python-telegram-bot `Bot` (kept for the CLI, the bench and tests)."""
    from tracker.channels.telegram.channel import TelegramChannel

    return await deliver_pass(engine, TelegramChannel(bot), now=now, public_url=public_url, settings=settings,
                              limiter=limiter, max_batches=max_batches)


async def deliver_pass(engine: Engine, channel, *, now: datetime | None = None, public_url: str = "",
                       settings: SenderSettings = SenderSettings(), limiter: RateLimiter | None = None,
                       max_batches: int | None = None,
                       reminder_settings: policy.ReminderSettings | None = None) -> dict[str, int]:
    """Send every due row of `channel` (batch after batch) and return counts by outcome."""
    limiter = limiter or RateLimiter(min(settings.overall_rate, channel.rate),
                                     min(settings.per_chat_interval, channel.per_address_interval))
    stats: dict[str, int] = defaultdict(int)
    await asyncio.to_thread(recover_in_flight, engine, settings.lease_seconds, now)
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        ids = await asyncio.to_thread(claim_batch, engine, now or _real_now(), settings.batch_size, channel.name)
        if not ids:
            break
        remaining = list(ids)
        try:
            stop = await _send_batch(engine, channel, remaining, now, public_url, settings, limiter, stats,
                                     reminder_settings)
        finally:
            # rows claimed but not reached (a long 429, a bad token, a cancelled task) go back
            await asyncio.to_thread(release, engine, remaining)
        if stop:
            break
    return dict(stats)


async def _send_batch(engine, channel, remaining: list[int], now, public_url, settings, limiter, stats,
                      reminder_settings=None) -> bool:
    """Send the claimed rows in `remaining` (emptied as it goes); True means stop the pass."""
    from tracker.channels import base

    while remaining:
        nid = remaining.pop(0)
        out = await asyncio.to_thread(prepare_and_mark_sending, engine, nid, now or _real_now(), public_url,
                                      channel, reminder_settings)
        if out is None:
            stats["not_sent_now"] += 1
            continue
        if out == DELIVERED:
            stats["sent"] += 1
            continue
        await limiter.acquire(out.address)
        try:
            await channel.send(out)
        except base.RetryAfter as exc:
            log.warning("%s yêu cầu chờ %.0f giây (429)", channel.name, exc.seconds)
            limiter.pause(exc.seconds)
            await asyncio.to_thread(mark_retry, engine, nid, _utc(now) + timedelta(seconds=exc.seconds),
                                    f"429: chờ {exc.seconds:.0f} giây", settings.max_attempts + 1)
            stats["retry_after"] += 1
            if exc.seconds > settings.max_inline_wait:
                return True
            continue
        except base.Blocked as exc:
            log.warning("%s: người nhận chặn hoặc không còn (%s): ngừng liên kết", channel.name, exc.message)
            await asyncio.to_thread(mark_failed, engine, nid, exc.message, (channel, out.address))
            stats["failed"] += 1
            continue
        except base.Rejected as exc:
            log.error("%s từ chối thông báo #%s: %s", channel.name, nid, exc.message)
            await asyncio.to_thread(mark_failed, engine, nid, exc.message)
            stats["failed"] += 1
            continue
        except base.BadConfig as exc:
            log.error("%s: cấu hình bị từ chối: %s", channel.name, exc.message)
            await asyncio.to_thread(mark_retry, engine, nid, _utc(now) + timedelta(minutes=5),
                                    exc.message, settings.max_attempts + 1)
            return True
        except base.Uncertain as exc:
            status = await asyncio.to_thread(mark_uncertain, engine, nid, now or _real_now(), exc.message,
                                             settings.uncertain_retry_seconds)
            log.warning("Gửi thông báo #%s qua %s hết thời gian chờ (%s): %s", nid, channel.name, exc.message,
                        "thử lại một lần sau" if status == "pending" else "không chắc đã gửi")
            stats["uncertain"] += 1
            continue
        except base.Transient as exc:
            attempts = await asyncio.to_thread(_attempts, engine, nid)
            delay = min(settings.backoff_base * (2 ** max(attempts - 1, 0)), settings.backoff_max)
            status = await asyncio.to_thread(mark_retry, engine, nid, _utc(now) + timedelta(seconds=delay),
                                             f"Lỗi mạng/máy chủ: {exc.message}", settings.max_attempts)
            log.warning("Gửi thông báo #%s lỗi (%s); %s", nid, exc.message,
                        f"thử lại sau {delay:.0f} giây" if status == "pending" else "bỏ")
            stats["retry" if status == "pending" else "failed"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - unexpected: retry later, never lose the row
            log.exception("Lỗi không lường trước khi gửi thông báo #%s", nid)
            await asyncio.to_thread(mark_retry, engine, nid, _utc(now) + timedelta(seconds=settings.backoff_base),
                                    f"Lỗi: {exc!r}"[:500], settings.max_attempts)
            stats["retry"] += 1
            continue
        await asyncio.to_thread(mark_sent, engine, nid, now)
        stats["sent"] += 1
    return False


def _attempts(engine: Engine, nid: int) -> int:
    with Session(engine) as s:
        n = s.get(Notification, nid)
        return n.attempts if n else 0


def outbox_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        rows = s.exec(select(Notification.status, sa.func.count()).group_by(Notification.status)).all()
    return {status: count for status, count in rows}
