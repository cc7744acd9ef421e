"""What every benchmark shares: percentiles, result rows, the table, the JSON file."""
import json
import math
import os
import platform
from dataclasses import asdict
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime


def analyze(engine, table: str = "") -> None:
    """What autovacuum does within a minute of a bulk load or delete in production (PostgreSQL
    13+ vacuums after inserts): statistics, and on PostgreSQL the visibility map, so counts over
    an index are index-only scans. `table` limits it to one table."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}".strip())
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ANALYZE {table}".strip())


def percentile(values, pct: float) -> float | None:
    """Nearest-rank percentile (p95 of 100 samples is the 95th smallest)."""
    values = sorted(values)
    if not values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(values)))
    return values[rank - 1]


@dataclass
class Row:
    """One line of the table; `name` is also the key in the JSON file."""

    name: str
    figure: str                       # "3.9 ms/1000 words", "p50 12 / p95 30 ms"
    baseline: str = ""                # the same run's reference figure
    ratio: str = ""                   # figure against baseline, as the target reads it
    target: str = ""
    result: str = ""                  # PASS | MISS | n/a | ""
    note: str = ""
    values: dict | None = None        # raw numbers for the JSON file

    def as_json(self) -> dict:
        return asdict(self)


# --- issue #18's targets: the bench's own, checked on every run --------------------------------
# (one place; the section modules measure, `apply_targets` judges their rows by these figures)

PAGE_P95_MS = {1: 15.0, 4: 25.0}     # p95 of each page at 1 and at 4 concurrent clients
TARGET_PAGES = ("dashboard", "unit_task_list", "task_detail", "api_task_list", "search_warm")
SEARCH_COLD_P95_MS = 50.0            # a search no cache has seen, 4 clients
EXPORT_ROWS = 10_000
EXPORT_S = 1.0                       # Excel export of 10,000 rows, 1 client
SWEEP_S = 0.5                        # the minute sweep over 100,000 open tasks (reminder hour, quiet minute)
PARSER_MS_PER_1000_WORDS = 2.5       # CPU time
PARSER_MIN_SPEEDUP = 20.0            # against dateparser.search_dates(languages=['vi'])
COLD_START_S = 0.10                  # python -m tracker.parsing FILE


@dataclass
class Target:
    """One figure the issue asks for: the row it reads, the words in the table, the check."""

    row: str
    text: str
    check: object           # callable(values: dict) -> bool | None (None: the figure is missing)
    section: str


def _num(values: dict, *keys):
    for key in keys:
        v = values.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None


def _under(values, keys, limit, strict=False, answered=True):
    v = _num(values, *keys)
    if v is None:
        return None
    if answered and values.get("non_2xx"):
        return False
    return v < limit if strict else v <= limit


def targets(sections, backends) -> list[Target]:
    """Every target of the sections and backends this run covers."""
    out = []
    if "parser" in sections:
        for corpus in ("dev", "real"):
            out.append(Target(
                f"parser.{corpus}", f"<= {PARSER_MS_PER_1000_WORDS} ms CPU/1000 words, >= {PARSER_MIN_SPEEDUP:.0f}x "
                "dateparser",
                lambda v: None if _num(v, "ms_per_1000_words") is None or _num(v, "speedup") is None else (
                    _num(v, "ms_per_1000_words") <= PARSER_MS_PER_1000_WORDS
                    and _num(v, "speedup") >= PARSER_MIN_SPEEDUP), "parser"))
        out.append(Target("parser.cold_start", f"<= {COLD_START_S:.2f} s, no Flask/SQLAlchemy",
                          lambda v: None if _num(v, "wall_s") is None else (
                              _num(v, "wall_s") <= COLD_START_S and not v.get("web_modules_loaded")), "parser"))
    for b in backends:
        if "pages" in sections:
            for page in TARGET_PAGES:
                for clients, limit in sorted(PAGE_P95_MS.items()):
                    out.append(Target(f"pages.{b}.{page}.c{clients}", f"p95 <= {limit:.0f} ms",
                                      lambda v, limit=limit: _under(v, ("p95_ms",), limit), "pages"))
            out.append(Target(f"pages.{b}.search_cold.c4", f"p95 <= {SEARCH_COLD_P95_MS:.0f} ms",
                              lambda v: _under(v, ("p95_ms",), SEARCH_COLD_P95_MS), "pages"))
            out.append(Target(f"pages.{b}.export_{EXPORT_ROWS}", f"<= {EXPORT_S:.0f} s, 1 client, {EXPORT_ROWS:,} rows",
                              lambda v: None if _num(v, "p95_ms", "max_ms") is None else (
                                  _under(v, ("p95_ms", "max_ms"), EXPORT_S * 1000)
                                  and (v.get("rows") in (None, EXPORT_ROWS))), "pages"))
        if "sweep" in sections:
            # the rows of bench/reminders.py: the reminder hour (08:00, the day's rows written) and
            # a quiet minute (nothing new: nothing written)
            out.append(Target(f"reminders.{b}.sweep_0800", f"< {SWEEP_S * 1000:.0f} ms at the reminder hour",
                              lambda v: _under(v, ("sweep_0800_ms",), SWEEP_S * 1000, strict=True, answered=False),
                              "sweep"))
            quiet_text = f"< {SWEEP_S * 1000:.0f} ms at a quiet minute, writes nothing"
            out.append(Target(f"reminders.{b}.sweep_quiet", quiet_text,
                              lambda v: None if _num(v, "quiet_max_ms") is None else (
                                  _num(v, "quiet_max_ms") < SWEEP_S * 1000 and not v.get("quiet_written")),
                              "sweep"))
    return out


def apply_targets(rows: list, wanted: list[Target]) -> list:
    """Judge the rows by the targets (the figure in `values`, not the section's own verdict);
    a target without its row, or without the figure, is a MISS: a run proves every target or fails."""
    by_name = {r.name: r for r in rows}
    for t in wanted:
        row = by_name.get(t.row)
        if row is None:
            row = Row(t.row, "not measured", target=t.text, result="MISS",
                      note="no figure for this target in this run (see the errors above)")
            rows.append(row)
            by_name[t.row] = row
            continue
        ok = t.check(row.values or {})
        row.target = t.text
        row.result = "MISS" if ok is None else passfail(ok)
        if ok is None:
            row.note = (row.note + "; " if row.note else "") + "the figure the target needs is missing"
    return rows


def passfail(ok: bool | None) -> str:
    if ok is None:
        return "n/a"
    return "PASS" if ok else "MISS"


def render_table(rows: list[Row]) -> str:
    headers = ("benchmark", "figure", "baseline (same run)", "ratio", "target", "result")
    data = [(r.name, r.figure, r.baseline, r.ratio, r.target, r.result) for r in rows]
    widths = [max(len(h), *(len(d[i]) for d in data)) if data else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731 - a one-line local helper
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(d) for d in data]
    notes = [f"- {r.name}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "Notes:"] + notes
    return "\n".join(out)


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(),
            "cpu": cpu, "memory_gb": mem_gb, "python": platform.python_version(), "loadavg": load_average()}


def load_average() -> str:
    """1/5/15-minute load average: how busy the machine was with other work."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def write_json(path: str, rows: list[Row], meta: dict) -> None:
    body = {"meta": meta, "rows": {r.name: r.as_json() for r in rows}}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=2, default=str)


def rss_peak_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MB."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="utf-8") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out
