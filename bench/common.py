"""What every benchmark shares: percentiles, result rows, the table, the JSON file."""
import json
import math
import os
import platform
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone


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


def passfail(ok: bool | None) -> str:
    if ok is None:
        return "n/a"
    return "PASS" if ok else "MISS"


def render_table(rows: list[Row]) -> str:
    headers = ("benchmark", "figure", "baseline (same run)", "ratio", "target", "result")
    data = [(r.name, r.figure, r.baseline, r.ratio, r.target, r.result) for r in rows]
    widths = [max(len(h), *(len(d[i]) for d in data)) if data else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
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
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(),
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
