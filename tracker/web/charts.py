"""Chart geometry for the dashboard's SVG charts (drawn by the macros in dashboard/_charts.html).

Only numbers and labels are computed here; the markup, and so the escaping of unit names,
is the template's (Jinja autoescape). No JavaScript, no chart library: the CSP allows none.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from tracker.services import stats

COLORS = {
    stats.DONE_ON_TIME: "#18794e",
    stats.DONE_LATE: "#c27c0e",
    stats.OPEN_ON_TIME: "#0b5cad",
    stats.OPEN_OVERDUE: "#b42318",
    stats.NO_DEADLINE: "#8a94a3",
}
LABEL_W, BAR_W, ROW_H, TOP = 300, 800, 22, 8
NAME_CHARS = 44


def pct(n: int, total: int) -> str:
    """A share as Vietnamese offices write it: "75", "33.3" (no trailing zeros)."""
    return f"{(100 * n / total):.1f}".rstrip("0").rstrip(".") if total else "0"


def number(n: int) -> str:
    """1.234.567, the Vietnamese thousands separator."""
    return f"{n:,}".replace(",", ".")


def short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


@dataclass
class Segment:
    x: float
    width: float
    color: str
    title: str


@dataclass
class LegendItem:
    x: int
    y: int
    color: str
    text: str


@dataclass
class Composition:
    """One 100 % stacked bar of the total, and its legend."""

    width: int = 1200
    height: int = 92
    bar_h: int = 30
    segments: list[Segment] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    empty: bool = False


def composition(figures: stats.Figures) -> Composition:
    chart = Composition(empty=not figures.total)
    x, total = 0.0, figures.total
    for column in stats.COLUMNS:
        n = getattr(figures, column)
        if total and n:
            w = chart.width * n / total
            chart.segments.append(Segment(x, w, COLORS[column],
                                          f"{stats.COLUMN_LABELS[column]}: {number(n)} ({pct(n, total)}%)"))
            x += w
    lx, ly = 0, chart.bar_h + 22
    for column in stats.COLUMNS:
        text = f"{stats.COLUMN_LABELS[column]}: {number(getattr(figures, column))}"
        chart.legend.append(LegendItem(lx, ly, COLORS[column], text))
        lx += 15 + 7 * len(text) + 24
        if lx > chart.width - 260:
            lx, ly = 0, ly + 20
    return chart


@dataclass
class BarRow:
    y: int
    label: str
    name: str
    segments: list[Segment]
    end_x: float
    end_text: str


@dataclass
class BarChart:
    title: str
    rows: list[BarRow]
    empty_text: str
    width: int = LABEL_W + BAR_W + 100
    label_w: int = LABEL_W
    bar_w: int = BAR_W
    row_h: int = ROW_H
    top: int = TOP

    @property
    def height(self) -> int:
        return self.top + self.row_h * max(1, len(self.rows)) + 6


def units_stacked(rows: list[stats.UnitRow], title: str) -> BarChart:
    """Horizontal stacked bars of the four-way figures, one per unit (rows as given)."""
    biggest = max((r.figures.total for r in rows), default=0) or 1
    out = []
    for i, row in enumerate(rows):
        x, segments = float(LABEL_W), []
        for column in stats.COLUMNS:
            n = getattr(row.figures, column)
            if n:
                w = BAR_W * n / biggest
                segments.append(Segment(x, w, COLORS[column], f"{row.name} · {stats.COLUMN_LABELS[column]}: {n}"))
                x += w
        out.append(BarRow(TOP + i * ROW_H, short(row.name), row.name, segments, x, str(row.figures.total)))
    return BarChart(title, out, "Không có dữ liệu")


def rate_color(rate: float) -> str:
    return "#18794e" if rate >= 0.8 else "#c27c0e" if rate >= 0.5 else "#b42318"


def on_time_rates(rows: list[stats.UnitRow], title: str) -> BarChart:
    """On-time rate per unit as horizontal bars (0-100 %), labelled with the rank."""
    out = []
    for i, row in enumerate(rows):
        rate = row.figures.on_time_rate or 0.0
        w = BAR_W * rate
        out.append(BarRow(TOP + i * ROW_H, f"{row.rank}. {short(row.name)}", row.name,
                          [Segment(float(LABEL_W), w, rate_color(rate), f"{row.name}: {rate * 100:.1f}%")],
                          LABEL_W + w, f"{rate * 100:.1f}%"))
    return BarChart(title, out, "Chưa có nhiệm vụ đến hạn")
