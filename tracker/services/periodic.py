"""The periodic results report: the four-way figures of a period, judged from the task history.

A period [from, to] holds the tasks due in it plus the tasks without a deadline whose
directive was published in it (`Directive.published_at`, or its issued date when it was
never stamped). Each task is judged as of `to` (or today when `to` is still ahead), so a
past quarter gives the same figures next year:

- its status as of that day is the `old_value` of its first status event after the day
  (no later status event: today's status);
- its deadline as of that day is the `old_deadline` of the first extension approved after
  the day (none: today's deadline), so a later extension neither moves it out of the period
  nor changes how it is judged;
- a task that was done by then is closed for good, so its completion day is today's.

The counting is the dashboard's: `deadline_state_sql` over those reconstructed columns,
one GROUP BY per (unit, state), mapped onto the official columns by `stats.STATE_COLUMN`.
Cancelled tasks (status `da_huy` as of the day) are left out of the figures and counted in
`excluded`.
"""
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlmodel import Session

from tracker import deadline_state as ds
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import stats
from tracker.services.clock import local_today
from tracker.services.clock import local_zone

CANCELLED = "da_huy"
RETURNED = "tra_lai"
TOP_UNITS = 5
TOP_TASKS = 10


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    def as_of(self, today: date) -> date:
        return min(self.date_to, today)

    def previous(self) -> "Period":
        """The period just before: as many whole months when this one is whole months
        (a quarter gives the quarter before), else as many days."""
        start, end = self.date_from, self.date_to
        if start.day == 1 and (end + timedelta(days=1)).day == 1:
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            y, m = divmod(start.year * 12 + start.month - 1 - months, 12)
            prev_start = date(y, m + 1, 1)
            return Period(prev_start, start - timedelta(days=1))
        length = (end - start).days + 1
        return Period(start - timedelta(days=length), start - timedelta(days=1))

    def label(self) -> str:
        """'quý I năm 2025', '6 tháng đầu năm 2025', 'năm 2025', 'tháng 5 năm 2025' or the dates."""
        start, end = self.date_from, self.date_to
        if start.day == 1 and (end + timedelta(days=1)).day == 1 and start.year == end.year:
            months = end.month - start.month + 1
            if months == 12:
                return f"năm {start.year}"
            if months == 6 and start.month in (1, 7):
                return f"6 tháng {'đầu' if start.month == 1 else 'cuối'} năm {start.year}"
            if months == 3 and start.month in (1, 4, 7, 10):
                return f"quý {('I', 'II', 'III', 'IV')[start.month // 3]} năm {start.year}"
            if months == 1:
                return f"tháng {start.month} năm {start.year}"
        return f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def day_start_utc(d: date) -> datetime:
    """The UTC instant local (TIMEZONE) day `d` begins."""
    return datetime.combine(d, time(0), local_zone()).astimezone(UTC)


def parse_period(args) -> tuple[Period, stats.Filters]:
    """`from`, `to` (required), `unit`, `signer` from query parameters; 422 on bad input."""
    missing = [name for name in ("from", "to") if not (args.get(name) or "").strip()]
    if missing:
        raise ServiceError("Cần nhập " + " và ".join(f"'{m}'" for m in missing) + " (YYYY-MM-DD hoặc DD/MM/YYYY)",
                           code="invalid_period", status=422)
    filters = stats.parse_filters({"from": args.get("from"), "to": args.get("to"), "unit": args.get("unit"),
                                   "signer": args.get("signer")})
    return Period(filters.date_from, filters.date_to), stats.Filters(signer=filters.signer, unit_id=filters.unit_id)


# --- the tasks as they stood ----------------------------------------------------------

def _candidates(period: Period, end, include_completed: bool):
    """A superset of the tasks `period_clause` can keep, on today's columns (index-friendly):
    the deadline as of the day is today's, or the old deadline of an extension approved later."""
    later = (select(ExtensionRequest.task_id)
             .where(ExtensionRequest.status == "approved", ExtensionRequest.decided_at >= end,
                    or_(ExtensionRequest.old_deadline.is_(None),
                        ExtensionRequest.old_deadline.between(period.date_from, period.date_to))))
    clause = or_(Task.deadline.between(period.date_from, period.date_to), Task.deadline.is_(None),
                 Task.id.in_(later))
    if include_completed:
        clause = or_(clause, Task.completed_on.between(period.date_from, period.date_to))
    return clause


def as_of_tasks(as_of: date, period: Period | None = None, include_completed: bool = False):
    """Task columns as they stood at the end of local day `as_of` (a subquery); with a
    `period`, only the tasks that may belong to it are reconstructed."""
    end = day_start_utc(as_of + timedelta(days=1))
    status_after = (select(TaskEvent.task_id, TaskEvent.old_value,
                           func.row_number().over(partition_by=TaskEvent.task_id,
                                                  order_by=(TaskEvent.at, TaskEvent.id)).label("rn"))
                    .where(TaskEvent.kind == "status", TaskEvent.at >= end).subquery("status_after"))
    extension_after = (select(ExtensionRequest.task_id, ExtensionRequest.old_deadline,
                              func.row_number().over(partition_by=ExtensionRequest.task_id,
                                                     order_by=(ExtensionRequest.decided_at,
                                                               ExtensionRequest.id)).label("rn"))
                       .where(ExtensionRequest.status == "approved", ExtensionRequest.decided_at >= end)
                       .subquery("extension_after"))
    return (
        select(Task.id.label("id"), Task.lead_unit_id.label("lead_unit_id"), Task.directive_id.label("directive_id"),
               case((extension_after.c.task_id.is_not(None), extension_after.c.old_deadline),
                    else_=Task.deadline).label("deadline"),
               func.coalesce(status_after.c.old_value, Task.status).label("status"),
               Task.completed_on.label("completed_on"), Task.action.label("action"))
        .select_from(Task)
        .outerjoin(status_after, and_(status_after.c.task_id == Task.id, status_after.c.rn == 1))
        .outerjoin(extension_after, and_(extension_after.c.task_id == Task.id, extension_after.c.rn == 1))
        .where(_candidates(period, end, include_completed) if period is not None else true())
        .subquery("t")
    )


def _columns(t) -> SimpleNamespace:
    """The subquery's columns under the names `deadline_state_sql` reads."""
    return SimpleNamespace(deadline=t.c.deadline, status=t.c.status, completed_on=t.c.completed_on)


def period_clause(t, period: Period, *, include_completed: bool = False):
    """Due in the period, or without deadline and published in it (and, for the scores,
    done in it)."""
    start, end = day_start_utc(period.date_from), day_start_utc(period.date_to + timedelta(days=1))
    published = or_(and_(Directive.published_at.is_not(None), Directive.published_at >= start,
                         Directive.published_at < end),
                    and_(Directive.published_at.is_(None), Directive.issued_date >= period.date_from,
                         Directive.issued_date <= period.date_to))
    clause = or_(and_(t.c.deadline >= period.date_from, t.c.deadline <= period.date_to),
                 and_(t.c.deadline.is_(None), published))
    if include_completed:
        clause = or_(clause, and_(t.c.status == ds.DONE_STATUS, t.c.completed_on >= period.date_from,
                                  t.c.completed_on <= period.date_to))
    return clause


def _filtered(stmt, filters: stats.Filters, t):
    if filters.unit_id:
        stmt = stmt.where(t.c.lead_unit_id == filters.unit_id)
    if filters.signer:
        stmt = stmt.where(Directive.signer == filters.signer)
    return stmt


def figure_state(t, as_of: date):
    """The dashboard's deadline state of the reconstructed task, or 'da_huy'."""
    return case((t.c.status == CANCELLED, literal(CANCELLED)), else_=ds.deadline_state_sql(_columns(t), as_of))


# --- figures ------------------------------------------------------------------------

@dataclass
class UnitFigures:
    unit_id: int
    name: str
    figures: stats.Figures = field(default_factory=stats.Figures)
    cancelled: int = 0

    def as_dict(self) -> dict:
        return {"unit": {"id": self.unit_id, "name": self.name}, **self.figures.as_dict(),
                "excluded": {CANCELLED: self.cancelled}}


@dataclass
class PeriodFigures:
    period: Period
    as_of: date
    totals: stats.Figures
    cancelled: int
    units: list[UnitFigures]

    def as_dict(self) -> dict:
        return {"from": self.period.date_from.isoformat(), "to": self.period.date_to.isoformat(),
                "as_of": self.as_of.isoformat(),
                "totals": {**self.totals.as_dict(), "excluded": {CANCELLED: self.cancelled}},
                "units": [u.as_dict() for u in self.units]}


def period_figures(session: Session, period: Period, filters: stats.Filters | None = None, *,
                   today: date | None = None, include_completed: bool = False) -> PeriodFigures:
    """Four-way figures per lead unit for the period, judged as of its end (two queries)."""
    filters = filters or stats.Filters()
    as_of = period.as_of(today or local_today())
    t = as_of_tasks(as_of, period, include_completed)
    state = figure_state(t, as_of).label("state")
    stmt = (select(t.c.lead_unit_id, state, func.count()).select_from(t)
            .join(Directive, Directive.id == t.c.directive_id)
            .where(period_clause(t, period, include_completed=include_completed)))
    stmt = _filtered(stmt, filters, t).group_by(t.c.lead_unit_id, state)
    per_unit: dict[int, UnitFigures] = {}
    totals, cancelled = stats.Figures(), 0
    for unit_id, value, n in session.execute(stmt):
        row = per_unit.setdefault(unit_id, UnitFigures(unit_id, ""))
        if value == CANCELLED:
            row.cancelled += n
            cancelled += n
        else:
            row.figures.add(stats.STATE_COLUMN[value], n)
            totals.add(stats.STATE_COLUMN[value], n)
    if per_unit:
        for unit_id, name in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(per_unit)))):
            per_unit[unit_id].name = name
    ranked = stats.rank_units([stats.UnitRow(u.unit_id, "", u.name, u.figures) for u in per_unit.values()])
    units = [per_unit[r.unit_id] for r in ranked]
    return PeriodFigures(period=period, as_of=as_of, totals=totals, cancelled=cancelled, units=units)


# --- what the narrative says ------------------------------------------------------------

@dataclass
class OverdueTask:
    task_id: int
    action: str
    unit_name: str
    directive_code: str | None
    deadline: date
    days_overdue: int


@dataclass
class ReportData:
    """Everything the report's narrative and appendix say about one period."""

    current: PeriodFigures
    previous: PeriodFigures
    most_overdue_units: list[UnitFigures]
    longest_overdue: list[OverdueTask]
    extensions_granted: int
    tasks_extended: int
    returned: int


def longest_overdue(session: Session, period: Period, filters: stats.Filters, as_of: date,
                    limit: int = TOP_TASKS) -> list[OverdueTask]:
    """The period's tasks still open past their deadline as of its end, most overdue first."""
    t = as_of_tasks(as_of, period)
    stmt = (select(t.c.id, t.c.action, Unit.name, Directive.code, t.c.deadline).select_from(t)
            .join(Directive, Directive.id == t.c.directive_id).join(Unit, Unit.id == t.c.lead_unit_id)
            .where(period_clause(t, period), figure_state(t, as_of) == ds.OVERDUE))
    stmt = _filtered(stmt, filters, t).order_by(t.c.deadline, t.c.id).limit(limit)
    return [OverdueTask(task_id=i, action=a, unit_name=u, directive_code=c, deadline=d,
                        days_overdue=(as_of - d).days) for i, a, u, c, d in session.execute(stmt)]


def _task_scope(stmt, filters: stats.Filters):
    """The unit/signer filters on a statement already joined to Task."""
    if filters.unit_id:
        stmt = stmt.where(Task.lead_unit_id == filters.unit_id)
    if filters.signer:
        stmt = stmt.join(Directive, Directive.id == Task.directive_id).where(Directive.signer == filters.signer)
    return stmt


def extensions_in(session: Session, period: Period, filters: stats.Filters) -> tuple[int, int]:
    """(extensions approved in the period, tasks they concern)."""
    start, end = day_start_utc(period.date_from), day_start_utc(period.date_to + timedelta(days=1))
    stmt = (select(func.count(), func.count(func.distinct(ExtensionRequest.task_id))).select_from(ExtensionRequest)
            .join(Task, Task.id == ExtensionRequest.task_id)
            .where(ExtensionRequest.status == "approved", ExtensionRequest.decided_at >= start,
                   ExtensionRequest.decided_at < end))
    n, tasks = session.execute(_task_scope(stmt, filters)).one()
    return int(n or 0), int(tasks or 0)


def returns_in(session: Session, period: Period, filters: stats.Filters) -> int:
    """Completions the office returned (trả lại) in the period."""
    start, end = day_start_utc(period.date_from), day_start_utc(period.date_to + timedelta(days=1))
    stmt = (select(func.count()).select_from(TaskEvent).join(Task, Task.id == TaskEvent.task_id)
            .where(TaskEvent.kind == "status", TaskEvent.new_value == RETURNED, TaskEvent.at >= start,
                   TaskEvent.at < end))
    return int(session.execute(_task_scope(stmt, filters)).scalar() or 0)


def report_data(session: Session, period: Period, filters: stats.Filters | None = None, *,
                today: date | None = None) -> ReportData:
    filters = filters or stats.Filters()
    today = today or local_today()
    current = period_figures(session, period, filters, today=today)
    previous = period_figures(session, period.previous(), filters, today=today)
    worst = sorted((u for u in current.units if u.figures.chua_hoan_thanh_qua_han),
                   key=lambda u: (-u.figures.chua_hoan_thanh_qua_han, u.name))[:TOP_UNITS]
    granted, extended = extensions_in(session, period, filters)
    return ReportData(current=current, previous=previous, most_overdue_units=worst,
                      longest_overdue=longest_overdue(session, period, filters, current.as_of),
                      extensions_granted=granted, tasks_extended=extended,
                      returned=returns_in(session, period, filters))


# --- the narrative ----------------------------------------------------------------------

def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}".replace(".", ",") + "%" if total else "0%"


def _rate(figures: stats.Figures) -> str | None:
    rate = figures.on_time_rate
    return None if rate is None else f"{rate * 100:.1f}".replace(".", ",") + "%"


def narrative(data: ReportData) -> str:
    """The report's narrative, paragraphs separated by blank lines (the office edits it)."""
    cur, prev = data.current, data.previous
    f = cur.totals
    label = cur.period.label()
    paragraphs = []
    text = (f"Trong {label}, tổng số nhiệm vụ được giao đến hạn hoặc phát sinh trong kỳ là {f.total} nhiệm vụ "
            f"(tính đến ngày {cur.as_of:%d/%m/%Y}). Trong đó: đã hoàn thành {f.done} nhiệm vụ "
            f"({_pct(f.done, f.total)}), "
            f"gồm {f.hoan_thanh_dung_han} nhiệm vụ hoàn thành đúng hạn và {f.hoan_thanh_qua_han} nhiệm vụ hoàn thành "
            f"quá hạn; chưa hoàn thành {f.chua_hoan_thanh_trong_han + f.chua_hoan_thanh_qua_han} nhiệm vụ, gồm "
            f"{f.chua_hoan_thanh_trong_han} nhiệm vụ còn trong hạn và {f.chua_hoan_thanh_qua_han} nhiệm vụ đã quá hạn; "
            f"{f.khong_co_han} nhiệm vụ không có thời hạn cụ thể.")
    if cur.cancelled:
        text += f" Ngoài ra có {cur.cancelled} nhiệm vụ đã hủy, không tính vào số liệu."
    paragraphs.append(text)
    rate = _rate(f)
    if rate is None:
        paragraphs.append("Chưa có nhiệm vụ đến hạn trong kỳ để tính tỷ lệ hoàn thành đúng hạn.")
    else:
        paragraphs.append(f"Tỷ lệ hoàn thành đúng hạn đạt {rate} (số nhiệm vụ hoàn thành đúng hạn trên tổng số nhiệm "
                          f"vụ đã đến hạn hoặc đã hoàn thành), "
                          + ("đạt" if f.on_time_rate >= 0.8 else "chưa đạt")
                          + " mức tối thiểu 80% theo Nghị định số 90/2020/NĐ-CP.")
    p = prev.totals
    prev_rate = _rate(p)
    if p.total:
        comparison = f"So với {prev.period.label()} ({p.total} nhiệm vụ"
        comparison += f", tỷ lệ hoàn thành đúng hạn {prev_rate})" if prev_rate else ")"
        if rate and prev_rate:
            delta = (f.on_time_rate - p.on_time_rate) * 100
            if abs(delta) < 0.05:
                comparison += ", tỷ lệ hoàn thành đúng hạn không thay đổi"
            else:
                comparison += (f", tỷ lệ hoàn thành đúng hạn {'tăng' if delta > 0 else 'giảm'} "
                               f"{abs(delta):.1f}".replace(".", ",") + " điểm phần trăm")
        now_late, then_late = f.chua_hoan_thanh_qua_han, p.chua_hoan_thanh_qua_han
        trend = "tăng" if now_late > then_late else "giảm" if now_late < then_late else "không đổi"
        comparison += (f"; số nhiệm vụ chưa hoàn thành, quá hạn {trend}"
                       f" ({p.chua_hoan_thanh_qua_han} → {f.chua_hoan_thanh_qua_han}).")
        paragraphs.append(comparison)
    else:
        paragraphs.append(f"Kỳ trước ({prev.period.label()}) không có nhiệm vụ để so sánh.")
    if data.most_overdue_units:
        names = "; ".join(f"{u.name} ({u.figures.chua_hoan_thanh_qua_han} nhiệm vụ)" for u in data.most_overdue_units)
        paragraphs.append(f"Các đơn vị có nhiều nhiệm vụ chưa hoàn thành, quá hạn nhất: {names}.")
    if data.longest_overdue:
        items = "; ".join(f"“{t.action}” ({t.unit_name}, hạn {t.deadline:%d/%m/%Y}, quá hạn {t.days_overdue} ngày)"
                          for t in data.longest_overdue[:5])
        paragraphs.append(f"Các nhiệm vụ quá hạn lâu nhất: {items}.")
    paragraphs.append(f"Trong kỳ đã gia hạn {data.extensions_granted} lượt cho {data.tasks_extended} nhiệm vụ; "
                      f"Văn phòng trả lại {data.returned} lượt báo cáo hoàn thành chưa đạt yêu cầu.")
    return "\n\n".join(paragraphs)
