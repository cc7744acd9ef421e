"""The official four-way figures, the unit ranking and the overdue list, computed in SQL.

Vietnamese offices report task follow-up in four columns (plus tasks without a deadline):

- hoàn thành đúng hạn      = deadline state `hoan_thanh_dung_han`
- hoàn thành quá hạn       = `hoan_thanh_qua_han`
- chưa hoàn thành trong hạn = `trong_han` + `sap_den_han`
- chưa hoàn thành quá hạn  = `qua_han`
- không có hạn             = `khong_co_han`

A task is done only once the clerk confirmed it; a returned completion ("trả lại") is not
done; an approved extension has already moved `Task.deadline`, so the task is judged
against the new deadline; each occurrence of a recurring task is a task of its own.
Figures are per lead unit (đơn vị chủ trì).

The on-time rate ("tỷ lệ hoàn thành đúng hạn") is done-on-time over the tasks that are
due or done: đúng hạn / (đúng hạn + hoàn thành quá hạn + chưa hoàn thành quá hạn).
Tasks still within their deadline and tasks without a deadline do not count against it.

Everything is one GROUP BY over `deadline_state_sql` (a row or a few per unit come
back, never the tasks; see `unit_figures` for the SQLite form); the overdue list is
filtered with the sargable `state_filter_sql` and paged in SQL.
"""
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import datetime

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session

from tracker import deadline_state as ds
from tracker.models import Directive
from tracker.models import Task
from tracker.models import Unit
from tracker.services import ServiceError
from tracker.services import inputs
from tracker.services.cache import ResultCache  # noqa: F401 (re-exported for the web layer)
from tracker.services.cache import data_version
from tracker.services.clock import local_today
from tracker.services.search import task_search_clause

DONE_ON_TIME = "hoan_thanh_dung_han"
DONE_LATE = "hoan_thanh_qua_han"
OPEN_ON_TIME = "chua_hoan_thanh_trong_han"
OPEN_OVERDUE = "chua_hoan_thanh_qua_han"
NO_DEADLINE = "khong_co_han"
COLUMNS = (DONE_ON_TIME, DONE_LATE, OPEN_ON_TIME, OPEN_OVERDUE, NO_DEADLINE)
COLUMN_LABELS = {
    DONE_ON_TIME: "Hoàn thành đúng hạn",
    DONE_LATE: "Hoàn thành quá hạn",
    OPEN_ON_TIME: "Chưa hoàn thành, trong hạn",
    OPEN_OVERDUE: "Chưa hoàn thành, quá hạn",
    NO_DEADLINE: "Không có hạn",
}
# deadline state -> official column
STATE_COLUMN = {
    ds.DONE_ON_TIME: DONE_ON_TIME,
    ds.DONE_LATE: DONE_LATE,
    ds.ON_TRACK: OPEN_ON_TIME,
    ds.DUE_SOON: OPEN_ON_TIME,
    ds.OVERDUE: OPEN_OVERDUE,
    ds.NO_DEADLINE: NO_DEADLINE,
}
PERIOD_FIELDS = {"deadline": "Thời hạn", "issued": "Ngày ban hành"}
MAX_PAGE_SIZE = 200


@dataclass
class Filters:
    """What the dashboard, its exports and the stats API are narrowed to."""

    period_field: str = "deadline"  # "deadline" | "issued"
    date_from: date | None = None
    date_to: date | None = None
    directive_id: int | None = None
    signer: str | None = None
    unit_id: int | None = None
    q: str | None = None
    # issue 16: "lead" counts the tasks given by the directive (today's figures), "all"
    # also the tasks delegated down from them; each task is counted once, under its unit
    level: str = "lead"

    def needs_directive_join(self) -> bool:
        return bool(self.signer) or (self.period_field == "issued" and (self.date_from or self.date_to))

    def query_args(self) -> dict:
        """The filters as URL query parameters (for links that keep them)."""
        args = {}
        if self.date_from or self.date_to:
            args["period"] = self.period_field
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        if self.directive_id:
            args["directive"] = str(self.directive_id)
        if self.signer:
            args["signer"] = self.signer
        if self.unit_id:
            args["unit"] = str(self.unit_id)
        if self.q:
            args["q"] = self.q
        if self.level != "lead":
            args["level"] = self.level
        return args

    def without_unit(self) -> "Filters":
        return replace(self, unit_id=None)


@dataclass
class Figures:
    hoan_thanh_dung_han: int = 0
    hoan_thanh_qua_han: int = 0
    chua_hoan_thanh_trong_han: int = 0
    chua_hoan_thanh_qua_han: int = 0
    khong_co_han: int = 0

    def add(self, column: str, n: int) -> None:
        setattr(self, column, getattr(self, column) + n)

    @property
    def total(self) -> int:
        return sum(getattr(self, c) for c in COLUMNS)

    @property
    def done(self) -> int:
        return self.hoan_thanh_dung_han + self.hoan_thanh_qua_han

    @property
    def due(self) -> int:
        """Tasks the on-time rate is judged on: done, or past their deadline."""
        return self.hoan_thanh_dung_han + self.hoan_thanh_qua_han + self.chua_hoan_thanh_qua_han

    @property
    def on_time_rate(self) -> float | None:
        """Share (0..1) of due-or-done tasks completed on time; None when nothing is due yet."""
        return self.hoan_thanh_dung_han / self.due if self.due else None

    def as_dict(self) -> dict:
        out = {c: getattr(self, c) for c in COLUMNS}
        out["tong_so"] = self.total
        rate = self.on_time_rate
        out["ty_le_dung_han"] = None if rate is None else round(rate * 100, 1)
        return out


@dataclass
class UnitRow:
    unit_id: int
    code: str
    name: str
    figures: Figures = field(default_factory=Figures)
    rank: int | None = None

    def as_dict(self) -> dict:
        return {"unit": {"id": self.unit_id, "code": self.code, "name": self.name}, "rank": self.rank,
                **self.figures.as_dict()}


@dataclass
class Dashboard:
    today: date
    filters: Filters
    units: list[UnitRow]
    total: Figures
    excluded: dict = field(default_factory=lambda: {ds.CANCELLED_STATUS: 0})  # tasks left out of the figures

    def as_dict(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "filters": self.filters.query_args(),
            "total": self.total.as_dict(),
            "units": [u.as_dict() for u in self.units],
            "excluded": dict(self.excluded),
        }


# --- filters -----------------------------------------------------------------------

def _parse_date(value: str | None, label: str) -> date | None:
    return inputs.parse_date(value, label)


def _parse_id(value, label: str) -> int | None:
    return inputs.parse_int(value, label, minimum=0, code="invalid_filter")


def parse_filters(args) -> Filters:
    """Filters from query parameters: period (deadline|issued), from, to, directive, signer, unit, q.

    Raises ServiceError (422) with a Vietnamese message on bad input."""
    period = (args.get("period") or "deadline").strip()
    if period not in PERIOD_FIELDS:
        raise ServiceError(f"Kỳ lọc '{period}' không hợp lệ (deadline hoặc issued)", code="invalid_filter",
                           status=422)
    date_from = _parse_date(args.get("from"), "Từ ngày")
    date_to = _parse_date(args.get("to"), "Đến ngày")
    if date_from and date_to and date_from > date_to:
        raise ServiceError("'Từ ngày' phải trước hoặc bằng 'Đến ngày'", code="invalid_filter", status=422)
    level = (args.get("level") or "lead").strip()
    if level not in ("lead", "all"):
        raise ServiceError(f"Cấp tổng hợp '{level}' không hợp lệ (lead hoặc all)", code="invalid_filter", status=422)
    signer = (args.get("signer") or "").strip()[:255] or None
    q = (args.get("q") or "").strip()[:200] or None
    return Filters(period_field=period, date_from=date_from, date_to=date_to,
                   directive_id=_parse_id(args.get("directive"), "Văn bản"), signer=signer,
                   unit_id=_parse_id(args.get("unit"), "Đơn vị"), q=q, level=level)


def apply_filters(stmt, filters: Filters, joined_directive: bool = False, *, include_cancelled: bool = False):
    """Add the filters' WHERE clauses to a statement over Task (joining Directive if needed).

    Cancelled tasks (`da_huy`) leave every figure, list and export built on this, unless
    `include_cancelled` (used to count how many were left out)."""
    if not include_cancelled:
        stmt = stmt.where(Task.status != ds.CANCELLED_STATUS)
    if filters.needs_directive_join() and not joined_directive:
        stmt = stmt.join(Directive, Directive.id == Task.directive_id)
    if filters.period_field == "issued":
        if filters.date_from:
            stmt = stmt.where(Directive.issued_date >= filters.date_from)
        if filters.date_to:
            stmt = stmt.where(Directive.issued_date <= filters.date_to)
    else:
        if filters.date_from:
            stmt = stmt.where(Task.deadline >= filters.date_from)
        if filters.date_to:
            stmt = stmt.where(Task.deadline <= filters.date_to)
    if filters.directive_id:
        stmt = stmt.where(Task.directive_id == filters.directive_id)
    if filters.signer:
        stmt = stmt.where(Directive.signer == filters.signer)
    if filters.unit_id:
        stmt = stmt.where(Task.lead_unit_id == filters.unit_id)
    if filters.q:
        stmt = stmt.where(task_search_clause(filters.q))
    if filters.level == "lead":
        stmt = stmt.where(Task.parent_id.is_(None))
    return stmt


# --- figures -----------------------------------------------------------------------

def excluded_counts(session: Session, filters: Filters) -> dict:
    """How many tasks under these filters are left out of the figures: {"da_huy": n}."""
    stmt = apply_filters(select(func.count()).select_from(Task), filters, include_cancelled=True)
    n = session.execute(stmt.where(Task.status == ds.CANCELLED_STATUS)).scalar_one()
    return {ds.CANCELLED_STATUS: int(n)}


def state_counts(session: Session, filters: Filters, today: date, due_soon_days: int = ds.DEFAULT_DUE_SOON_DAYS):
    """(lead_unit_id, deadline state, count) rows: one GROUP BY, computed by the database."""
    state = ds.deadline_state_sql(Task, today, due_soon_days).label("state")
    stmt = select(Task.lead_unit_id, state, func.count()).select_from(Task)
    stmt = apply_filters(stmt, filters).group_by(Task.lead_unit_id, state)
    return session.execute(stmt).all()


# Packed counting (SQLite): GROUP BY (unit, state) makes SQLite sort every task row in a
# temporary B-tree, which dominates the dashboard at 100,000 tasks. Grouping by the unit
# alone streams over the covering index ix_task_unit_figures instead; the per-state counts
# then travel as base-2**21 digits of two sums, each a simple CASE on deadline_state_sql:
#   packed_a = done_on_time + done_late * 2**21 + overdue * 2**42
#   packed_b = open_on_time + no_deadline * 2**21
# Exact while a unit has fewer than 2**21 (2 million) tasks in one column, far below the
# signed 64-bit limit; the decoded total is checked against count(*) and the grouped
# query is used if they ever differ. PostgreSQL hashes the two-key GROUP BY cheaply, so it
# keeps the plain form (both are tested against the same hand-computed table).
_DIGIT = 1 << 21
_PACK_A = {DONE_ON_TIME: 1, DONE_LATE: _DIGIT, OPEN_OVERDUE: _DIGIT * _DIGIT}
_PACK_B = {OPEN_ON_TIME: 1, NO_DEADLINE: _DIGIT}


def _packed_weights(pack: dict) -> dict:
    return {state: pack[column] for state, column in STATE_COLUMN.items() if column in pack}


def _unpack(value: int, pack: dict) -> dict:
    value = int(value or 0)
    return {column: (value // weight) % _DIGIT for column, weight in pack.items()}


def unit_figures(session: Session, filters: Filters, today: date, *, packed: bool | None = None) -> dict[int, Figures]:
    """Four-way figures per lead unit, computed in SQL over `deadline_state_sql`.

    `packed` picks the counting query (default: packed on SQLite, grouped elsewhere)."""
    if packed is None:
        packed = session.get_bind().dialect.name == "sqlite"
    per_unit: dict[int, Figures] = {}
    if packed:
        state = ds.deadline_state_sql(Task, today)
        stmt = select(Task.lead_unit_id,
                      func.sum(case(_packed_weights(_PACK_A), value=state, else_=0)),
                      func.sum(case(_packed_weights(_PACK_B), value=state, else_=0)),
                      func.count()).select_from(Task)
        rows = session.execute(apply_filters(stmt, filters).group_by(Task.lead_unit_id)).all()
        for unit_id, packed_a, packed_b, n in rows:
            figures = Figures(**_unpack(packed_a, _PACK_A), **_unpack(packed_b, _PACK_B))
            if figures.total != n:  # a column past 2**21 tasks: count the plain way
                return unit_figures(session, filters, today, packed=False)
            per_unit[unit_id] = figures
        return per_unit
    for unit_id, state, n in state_counts(session, filters, today):
        per_unit.setdefault(unit_id, Figures()).add(STATE_COLUMN[state], n)
    return per_unit


def dashboard(session: Session, filters: Filters | None = None, *, today: date | None = None,
              now: datetime | None = None, include_empty_units: bool = False,
              cache: "ResultCache | None" = None, version: tuple | None = None) -> Dashboard:
    """Per-unit four-way figures, the total and the ranking: two queries whatever the task count.

    With a `cache` the per-unit figures are reused while the data version is unchanged
    (see `ResultCache`); the unit names are read fresh every time."""
    filters = filters or Filters()
    today = today or local_today(now)
    if cache is not None and version is None:
        version = data_version(session)
    per_unit = cached_unit_figures(session, filters, today, cache, version)
    if cache is None:
        excluded = excluded_counts(session, filters)
    else:
        excluded = cache.get_or_compute(("excluded", filters_key(filters), version),
                                        lambda: excluded_counts(session, filters))
    # every unit in one plain query (no IN list of 300 bound ids to compile), picked here
    units = tuple(tuple(r) for r in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.active)))
    if not include_empty_units:
        units = tuple(u for u in units if u[0] in per_unit)
    elif filters.unit_id:
        units = tuple(u for u in units if u[0] == filters.unit_id)
    else:
        units = tuple(u for u in units if u[3] or u[0] in per_unit)

    def build() -> Dashboard:
        total = Figures()
        for figures in per_unit.values():
            for column in COLUMNS:
                total.add(column, getattr(figures, column))
        rows = [UnitRow(uid, code, name, per_unit.get(uid, Figures())) for uid, code, name, _ in units]
        rank_units(rows)
        return Dashboard(today=today, filters=filters, units=rows, total=total, excluded=dict(excluded))

    if cache is None:
        return build()
    # the ranked board is kept while the figures and the unit names are what they were
    return cache.get_or_compute(("board", filters_key(filters), today, version, include_empty_units, units), build)


def _rank_key(row: UnitRow):
    f = row.figures
    rate = f.on_time_rate
    # best first: higher on-time rate, fewer overdue open tasks, more done on time, then name
    return (rate is None, -(rate or 0.0), f.chua_hoan_thanh_qua_han, -f.hoan_thanh_dung_han, row.name)


def rank_units(rows: list[UnitRow]) -> list[UnitRow]:
    """Sort rows best first and number them; equal figures share a rank; units with nothing
    due yet are listed last without a rank."""
    rows.sort(key=_rank_key)
    previous, rank = None, 0
    for position, row in enumerate(rows, 1):
        if row.figures.on_time_rate is None:
            row.rank = None
            continue
        key = _rank_key(row)[:4]
        if key != previous:
            rank, previous = position, key
        row.rank = rank
    return rows


# --- cache of the figures ------------------------------------------------------------
#
# The figures change only when a task does, so the web layer reads them through a
# `ResultCache` keyed by (filters, local day, data version); see tracker/services/cache.py
# for why the data version (max task id, max updated_at) moves with every task change
# and how long an entry may live.


def filters_key(filters: Filters) -> tuple:
    """The filters in a normal form (what changes the result, nothing else), hashable."""
    return tuple(sorted(filters.query_args().items()))


def cached_unit_figures(session: Session, filters: Filters, today: date, cache: ResultCache | None,
                        version: tuple | None = None) -> dict[int, Figures]:
    """`unit_figures` through `cache` (keyed by filters, day and data version)."""
    if cache is None:
        return unit_figures(session, filters, today)
    version = version if version is not None else data_version(session)
    return cache.get_or_compute(("unit_figures", filters_key(filters), today, version),
                                lambda: unit_figures(session, filters, today))


# --- overdue list --------------------------------------------------------------------

@dataclass
class OverdueRow:
    task_id: int
    action: str
    deadline: date
    days_overdue: int
    status: str
    unit_id: int
    unit_name: str
    directive_id: int
    directive_code: str | None
    directive_title: str


@dataclass
class Page:
    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def overdue_statement(filters: Filters, today: date):
    """Open tasks past their deadline, most overdue first, with unit and directive."""
    stmt = (
        select(Task.id, Task.action, Task.deadline, Task.status, Task.lead_unit_id, Unit.name,
               Task.directive_id, Directive.code, Directive.title)
        .select_from(Task)
        .join(Unit, Unit.id == Task.lead_unit_id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(ds.state_filter_sql(Task, ds.OVERDUE, today))
    )
    return apply_filters(stmt, filters, joined_directive=True).order_by(Task.deadline, Task.id)


def overdue_page(session: Session, filters: Filters, *, page: int = 1, per_page: int = 50,
                 today: date | None = None, now: datetime | None = None, total: int | None = None) -> Page:
    """One page of the overdue list (two queries: the page and its count).

    `total`: the number of overdue tasks under these filters when the caller knows it
    already (the dashboard's "chưa hoàn thành, quá hạn" total is exactly that count), so
    the count query is skipped."""
    today = today or local_today(now)
    per_page = max(1, min(int(per_page), MAX_PAGE_SIZE))
    page = max(1, int(page))
    if total is None:
        count_stmt = apply_filters(
            select(func.count()).select_from(Task).where(ds.state_filter_sql(Task, ds.OVERDUE, today)), filters)
        total = session.execute(count_stmt).scalar_one()
    page = min(page, max(1, -(-total // per_page)))
    rows = session.execute(overdue_statement(filters, today).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(
        rows=[OverdueRow(task_id=r[0], action=r[1], deadline=r[2], days_overdue=(today - r[2]).days, status=r[3],
                         unit_id=r[4], unit_name=r[5], directive_id=r[6], directive_code=r[7],
                         directive_title=r[8]) for r in rows],
        total=total, page=page, per_page=per_page,
    )


# --- filter choices ----------------------------------------------------------------

def signers(session: Session) -> list[str]:
    """Directing leaders (Directive.signer) of published directives, for the filter."""
    stmt = (select(Directive.signer).where(Directive.signer.is_not(None), Directive.signer != "",
                                           Directive.state == "published")
            .group_by(Directive.signer).order_by(Directive.signer))
    return [s for (s,) in session.execute(stmt)]


def recent_directives(session: Session, limit: int = 300, include_id: int | None = None) -> list[tuple]:
    """(id, code, title) of the latest published directives (and the selected one), for the filter."""
    stmt = (select(Directive.id, Directive.code, Directive.title).where(Directive.state == "published")
            .order_by(Directive.issued_date.desc(), Directive.id.desc()).limit(limit))
    rows = [tuple(r) for r in session.execute(stmt)]
    if include_id and all(r[0] != include_id for r in rows):
        extra = session.execute(select(Directive.id, Directive.code, Directive.title)
                                .where(Directive.id == include_id)).first()
        if extra:
            rows.insert(0, tuple(extra))
    return rows
