"""The one message a day per person, composed at send time (so it shows the tasks as
they are then), and the escalation to a unit's head.

Order: overdue (longest overdue first), due today, due soon (by date); then "chờ bạn
xử lý" for the tracking office (completions to confirm, extension requests to decide).
Only the first `MAX_LINES` lines are listed (in that order, urgent first within a day);
each section heading carries its full count. An overdue task is listed every day for
its first two weeks overdue, then in the first message of each week.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.followup import content
from tracker.followup import policy
from tracker.followup.compose import Composed
from tracker.followup.compose import Line
from tracker.followup.compose import Section
from tracker.models import CLERK
from tracker.models import HEAD
from tracker.models import LEADER
from tracker.models import STAFF
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.vncalendar.holidays import working_days_between

MAX_LINES = 10
# Tasks further ahead than this are never in a daily message (the sweep's window too).
HORIZON_EXTRA_DAYS = 10


def fmt(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "không có hạn"


def task_url(public_url: str, task_id: int) -> str:
    return f"{public_url.rstrip('/')}/tasks/{task_id}"


def greeting(user: User) -> str:
    return f"Kính gửi đồng chí {user.display_name},"


def clip(text: str, n: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class _Item:
    section: str   # overdue | today | soon
    task: Task
    directive: Directive
    urgent: bool
    overdue_days: int = 0
    coordinating: bool = False

    def sort_key(self):
        rank = {"overdue": 0, "today": 1, "soon": 2}[self.section]
        return (rank, self.task.deadline, not self.urgent, self.task.id)


def _unit_items(s: Session, user: User, today: date, lead_days: tuple[int, ...]) -> list[_Item]:
    horizon = today + timedelta(days=max(lead_days or (0,)) + HORIZON_EXTRA_DAYS)
    co = select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == user.unit_id)
    rows = s.exec(select(Task, Directive).join(Directive, Directive.id == Task.directive_id)
                  .where(Task.status.in_(policy.REMINDABLE_STATUSES), Task.deadline.is_not(None),
                         Task.deadline <= horizon,
                         (Task.lead_unit_id == user.unit_id) | Task.id.in_(co))).all()
    marks: dict[int, str | None] = {}
    items = []
    for t, d in rows:
        if d.id not in marks:
            marks[d.id] = policy.document_urgency_mark(d.source_text)
        urgent = policy.is_urgent(marks[d.id], t.deadline, d.issued_date)
        coordinating = t.lead_unit_id != user.unit_id
        if t.deadline < today:
            if policy.overdue_listed(t.deadline, today):
                items.append(_Item("overdue", t, d, urgent, working_days_between(t.deadline, today), coordinating))
        elif t.deadline == today:
            items.append(_Item("today", t, d, urgent, coordinating=coordinating))
        elif today in policy.lead_reminder_days(t.deadline, lead_days):
            items.append(_Item("soon", t, d, urgent, coordinating=coordinating))
    return sorted(items, key=_Item.sort_key)


def _phrase(item: _Item, today: date) -> str:
    t = item.task
    if item.section == "overdue":
        n = item.overdue_days
        return f"quá hạn {n} ngày làm việc" if n else f"quá hạn {(today - t.deadline).days} ngày"
    if item.section == "today":
        return "hạn là hôm nay"
    return f"còn {(t.deadline - today).days} ngày"


def _line(item: _Item, today: date, public_url: str) -> Line:
    t, d = item.task, item.directive
    code = d.code or d.number or f"VB {d.id}"
    co = " (phối hợp)" if item.coordinating else ""
    text = f"#{t.id} {clip(t.action)} — {code}, hạn {fmt(t.deadline)} ({_phrase(item, today)}){co}"
    return Line(text, task_url(public_url, t.id), "[KHẨN]" if item.urgent else "")


TITLES = {"overdue": "Quá hạn", "today": "Đến hạn hôm nay", "soon": "Sắp đến hạn"}


def daily_message(s: Session, user: User, today: date, public_url: str,
                  settings: policy.ReminderSettings | None = None) -> Composed:
    """The person's message for `today` (empty when there is nothing to say)."""
    settings = settings or policy.ReminderSettings()
    prefs = policy.UserPrefs.of(user, settings)
    base = public_url.rstrip("/")
    msg = Composed(subject=f"Nhắc việc ngày {fmt(today)}", greeting=greeting(user), url=f"{base}/")
    budget = MAX_LINES
    listed = total = 0
    if user.role in (STAFF, HEAD) and user.unit_id is not None:
        items = _unit_items(s, user, today, prefs.lead_days)
        for key in ("overdue", "today", "soon"):
            group = [i for i in items if i.section == key]
            if not group:
                continue
            shown = group[:budget]
            budget -= len(shown)
            listed += len(shown)
            total += len(group)
            msg.sections.append(Section(TITLES[key], len(group), [_line(i, today, public_url) for i in shown]))
        if items:
            msg.inbox_kind = "overdue" if items[0].section == "overdue" else "due_soon"
            first = next((i.task.deadline for i in items if i.section != "overdue"), None)
            msg.expected = ("Đề nghị đồng chí cập nhật tiến độ, báo cáo kết quả các nhiệm vụ quá hạn ngay"
                            + (f" và các nhiệm vụ còn lại trước {fmt(first)}." if first else "."))
    if user.role == CLERK:
        waiting = s.exec(select(Task).where(Task.status == "cho_xac_nhan").order_by(Task.updated_at, Task.id)
                         .limit(MAX_LINES)).all()
        n_wait = s.exec(select(sa.func.count()).select_from(Task).where(Task.status == "cho_xac_nhan")).one()
        ext = s.exec(select(ExtensionRequest, Task).join(Task, Task.id == ExtensionRequest.task_id)
                     .where(ExtensionRequest.status == "pending").order_by(ExtensionRequest.created_at)
                     .limit(MAX_LINES)).all()
        n_ext = s.exec(select(sa.func.count()).select_from(ExtensionRequest)
                       .where(ExtensionRequest.status == "pending")).one()
        lines = [Line(f"Xác nhận hoàn thành: #{t.id} {clip(t.action, 100)}", task_url(public_url, t.id))
                 for t in waiting[:budget]]
        budget -= len(lines)
        lines += [Line(f"Quyết định gia hạn: #{t.id} {clip(t.action, 100)} (đề nghị đến {fmt(x.requested_date)})",
                       task_url(public_url, t.id)) for x, t in ext[:max(budget, 0)]]
        listed += len(lines)
        total += n_wait + n_ext
        if n_wait or n_ext:
            msg.sections.append(Section("Chờ bạn xử lý", n_wait + n_ext, lines))
            msg.expected = "Đề nghị đồng chí xem xét, xác nhận hoặc trả lại trong ngày."
    if user.role == LEADER and policy.first_working_day_of_week(today) == today:
        w = content.weekly_summary(s, today, limit=MAX_LINES)
        if w.overdue_total:
            msg.subject = f"Tổng hợp tuần {fmt(today)}: {w.overdue_total} nhiệm vụ quá hạn"
            msg.sections.append(Section("Quá hạn theo đơn vị chủ trì", len(w.by_unit),
                                        [Line(f"{name}: {count}") for name, count in w.by_unit]))
            msg.sections.append(Section("Quá hạn lâu nhất", w.overdue_total,
                                        [Line(f"#{t.id} {clip(t.action)} — {t.directive_code}, hạn {fmt(t.deadline)}",
                                              task_url(public_url, t.id)) for t in w.oldest]))
            listed = total = 1  # no "và … khác" line for the summary
    if total > listed:
        msg.more = f"… và {total - listed} việc khác (xem trên hệ thống)"
    return msg


def escalation_message(s: Session, recipient: User, task: Task, today: date, public_url: str,
                       settings: policy.ReminderSettings | None = None) -> Composed:
    """To the unit's head (or the tracking office when the unit has none): which task,
    who handles it, and what is expected."""
    settings = settings or policy.ReminderSettings()
    d = s.get(Directive, task.directive_id)
    unit = s.get(Unit, task.lead_unit_id)
    staff = s.exec(select(User.display_name).where(User.unit_id == task.lead_unit_id, User.role == STAFF,
                                                   User.active.is_(True)).order_by(User.display_name)).all()
    n = working_days_between(task.deadline, today) if task.deadline else 0
    handlers = ", ".join(staff[:5]) + (f" và {len(staff) - 5} người khác" if len(staff) > 5 else "") \
        if staff else "chưa có tài khoản cán bộ"
    unit_name = unit.name if unit else "?"
    has_head = recipient.role == HEAD
    intro = (f"Nhiệm vụ #{task.id} \"{clip(task.action, 300)}\" ({d.code or d.number or ''}) do {unit_name} chủ trì, "
             f"hạn {fmt(task.deadline)}, đã quá hạn {n} ngày làm việc. Cán bộ xử lý: {handlers}. "
             f"Tiến độ hiện tại: {task.progress}%.")
    if not has_head:
        intro += f" {unit_name} chưa có tài khoản lãnh đạo đơn vị nên hệ thống báo Văn phòng theo dõi."
    deadline = policy.previous_working_day(today + timedelta(days=3))
    expected = (f"Đề nghị đồng chí chỉ đạo hoàn thành, hoặc đề nghị gia hạn có lý do, trước {fmt(deadline)}."
                if has_head else f"Đề nghị Văn phòng đôn đốc {unit_name} báo cáo trước {fmt(deadline)}.")
    return Composed(subject="Báo cáo lãnh đạo: nhiệm vụ quá hạn", greeting=greeting(recipient), intro=intro,
                    expected=expected, url=task_url(public_url, task.id), url_label=f"Xem nhiệm vụ #{task.id}")


def event_message(user: User, text: str, task_id: int | None, public_url: str) -> Composed:
    """An event written by outbox.enqueue (a correction, a decision …): its text was
    composed when it happened."""
    url = (task_url(public_url, task_id) if task_id and public_url
           else (public_url.rstrip("/") + "/" if public_url else ""))
    return Composed(subject="Thông báo", greeting=greeting(user), intro=text, url=url,
                    url_label=f"Xem nhiệm vụ #{task_id}" if task_id else "Mở hệ thống theo dõi")
