"""Unit scoring by the province's rules (a YAML file; the default ships in tracker/data/).

The rules give points per task in each official column, per return by the office and per
extension granted in the period, a base and the on-time threshold (80 % by Nghị định
90/2020). The tasks scored are those due in the period, done in it, or without deadline
and published in it, each judged as of the period's end from the history (see
`periodic`), so a past period scores the same later. The newest loaded rules apply;
every load is kept (who, when, the text), so a past ranking can name its rules.
"""
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session

from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import ScoringRules
from tracker.models import Task
from tracker.models import TaskEvent
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import periodic
from tracker.services import stats
from tracker.services.clock import utc_now

POINT_KEYS = (*stats.COLUMNS, "tra_lai", "gia_han")
PERIODS = ("month", "quarter", "half", "year")
MAX_RULES_BYTES = 64 * 1024


@dataclass
class Rules:
    name: str
    points: dict
    base: float
    threshold: float
    period: str
    source: str
    loaded_at: datetime | None = None


def default_source() -> str:
    return (Path(__file__).resolve().parent.parent / "data" / "scoring_default.yaml").read_text(encoding="utf-8")


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ServiceError(f"{where} phải là số, nhận được {value!r}", code="invalid_rules", status=422)
    if abs(value) > 1e6:
        raise ServiceError(f"{where} quá lớn", code="invalid_rules", status=422)
    return float(value)


def parse_rules(text: str) -> Rules:
    """Validated rules from YAML text; ServiceError (422) naming the first problem."""
    if len(text.encode("utf-8")) > MAX_RULES_BYTES:
        raise ServiceError("Tệp quy tắc quá lớn (tối đa 64 KB)", code="invalid_rules", status=422)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ServiceError(f"Tệp quy tắc không đúng YAML: {str(exc).splitlines()[0]}", code="invalid_rules",
                           status=422) from None
    if not isinstance(doc, dict):
        raise ServiceError("Tệp quy tắc phải là một bảng khóa: giá trị (name, points, ...)", code="invalid_rules",
                           status=422)
    unknown = set(doc) - {"name", "period", "base", "points", "threshold"}
    if unknown:
        raise ServiceError(f"Khóa không được hỗ trợ: {', '.join(sorted(map(str, unknown)))}", code="invalid_rules",
                           status=422)
    points = doc.get("points")
    if not isinstance(points, dict) or not points:
        raise ServiceError("Thiếu mục 'points' (điểm cho từng loại nhiệm vụ)", code="invalid_rules", status=422)
    bad = set(points) - set(POINT_KEYS)
    if bad:
        raise ServiceError(f"Loại điểm không hợp lệ: {', '.join(sorted(map(str, bad)))} "
                           f"(hợp lệ: {', '.join(POINT_KEYS)})", code="invalid_rules", status=422)
    period = doc.get("period", "quarter")
    if period not in PERIODS:
        raise ServiceError(f"Kỳ '{period}' không hợp lệ ({', '.join(PERIODS)})", code="invalid_rules", status=422)
    threshold = _number(doc.get("threshold", 80), "threshold")
    if not 0 <= threshold <= 100:
        raise ServiceError("threshold phải từ 0 đến 100", code="invalid_rules", status=422)
    return Rules(name=str(doc.get("name") or "Quy tắc chấm điểm")[:255],
                 points={k: _number(points.get(k, 0), f"points.{k}") for k in POINT_KEYS},
                 base=_number(doc.get("base", 0), "base"), threshold=threshold, period=period, source=text)


def load_rules(session: Session, text: str, *, user: User | None = None, now: datetime | None = None) -> Rules:
    """Validate and store rules; they apply from now on. Does not commit."""
    rules = parse_rules(text)
    session.add(ScoringRules(name=rules.name, source=text, loaded_at=utc_now(now),
                             loaded_by_id=user.id if user else None))
    session.flush()
    return rules


def active_rules(session: Session) -> Rules:
    row = session.execute(select(ScoringRules).order_by(ScoringRules.id.desc()).limit(1)).scalar()
    if row is None:
        return parse_rules(default_source())
    rules = parse_rules(row.source)
    rules.loaded_at = row.loaded_at
    return rules


@dataclass
class UnitScore:
    unit_id: int
    name: str
    figures: stats.Figures
    returned: int
    extensions: int
    points: float
    rank: int | None = None
    dat_80: bool | None = None

    def as_dict(self) -> dict:
        d = self.figures.as_dict()
        return {"unit": {"id": self.unit_id, "name": self.name}, "points": self.points, "rank": self.rank,
                "ty_le_dung_han": d["ty_le_dung_han"], "dat_80": self.dat_80, "tong_so": d["tong_so"],
                **{c: d[c] for c in stats.COLUMNS}, "tra_lai": self.returned, "gia_han": self.extensions}


@dataclass
class ScoreBoard:
    period: periodic.Period
    as_of: date
    rules: Rules
    units: list[UnitScore]

    def as_dict(self) -> dict:
        return {"from": self.period.date_from.isoformat(), "to": self.period.date_to.isoformat(),
                "as_of": self.as_of.isoformat(),
                "rules": {"name": self.rules.name, "threshold": self.rules.threshold, "base": self.rules.base,
                          "points": self.rules.points},
                "units": [u.as_dict() for u in self.units]}


def _per_unit_counts(session: Session, stmt, filters: stats.Filters) -> dict[int, int]:
    if filters.unit_id:
        stmt = stmt.where(Task.lead_unit_id == filters.unit_id)
    if filters.signer:
        stmt = stmt.join(Directive, Directive.id == Task.directive_id).where(Directive.signer == filters.signer)
    return {unit: int(n) for unit, n in session.execute(stmt.group_by(Task.lead_unit_id))}


def scores(session: Session, period: periodic.Period, filters: stats.Filters | None = None, *,
           today: date | None = None, rules: Rules | None = None) -> ScoreBoard:
    filters = filters or stats.Filters()
    rules = rules or active_rules(session)
    figures = periodic.period_figures(session, period, filters, today=today, include_completed=True)
    start = periodic.day_start_utc(period.date_from)
    end = periodic.day_start_utc(period.date_to + timedelta(days=1))
    returned = _per_unit_counts(session, select(Task.lead_unit_id, func.count()).select_from(TaskEvent)
                                .join(Task, Task.id == TaskEvent.task_id)
                                .where(TaskEvent.kind == "status", TaskEvent.new_value == periodic.RETURNED,
                                       TaskEvent.at >= start, TaskEvent.at < end), filters)
    extended = _per_unit_counts(session, select(Task.lead_unit_id, func.count()).select_from(ExtensionRequest)
                                .join(Task, Task.id == ExtensionRequest.task_id)
                                .where(ExtensionRequest.status == "approved", ExtensionRequest.decided_at >= start,
                                       ExtensionRequest.decided_at < end), filters)
    rows = []
    for u in figures.units:
        f = u.figures
        points = rules.base + sum(rules.points[c] * getattr(f, c) for c in stats.COLUMNS)
        points += rules.points["tra_lai"] * returned.get(u.unit_id, 0)
        points += rules.points["gia_han"] * extended.get(u.unit_id, 0)
        rate = f.on_time_rate
        rows.append(UnitScore(unit_id=u.unit_id, name=u.name, figures=f, returned=returned.get(u.unit_id, 0),
                              extensions=extended.get(u.unit_id, 0), points=round(points, 2),
                              dat_80=None if rate is None else rate * 100 >= rules.threshold))
    rows.sort(key=lambda r: (-r.points, r.name))
    previous, rank = None, 0
    for position, row in enumerate(rows, 1):
        if row.points != previous:
            rank, previous = position, row.points
        row.rank = rank
    return ScoreBoard(period=period, as_of=figures.as_of, rules=rules, units=rows)


def register_cli(app) -> None:
    import click

    @app.cli.group("scoring")
    def scoring_group():
        """Quy tắc chấm điểm đơn vị."""

    @scoring_group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def load_command(path):
        """Nạp quy tắc chấm điểm từ tệp YAML (áp dụng từ bây giờ)."""
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        with Session(app.extensions["engine"]) as session:
            try:
                rules = load_rules(session, text)
                session.commit()
            except ServiceError as exc:
                session.rollback()
                raise click.ClickException(exc.message) from None
        click.echo(f"Đã nạp quy tắc “{rules.name}”: ngưỡng {rules.threshold:g}%, điểm {rules.points}")

    @scoring_group.command("show")
    def show_command():
        """In quy tắc đang áp dụng."""
        with Session(app.extensions["engine"]) as session:
            click.echo(active_rules(session).source)
