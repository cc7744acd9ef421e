"""Reminders: one sweep over 100,000 open tasks and the sender's throughput against the fake
Bot API. The follow-up engineer's `bench/followup.py` does the measuring (`bench_sweep`,
`bench_sender`); this module calls it and turns its figures into table rows."""
import importlib
import inspect

from bench.common import Row
from bench.common import passfail

SWEEP_S = 0.5


def _call(fn, **kwargs):
    """Call `fn` with the keyword arguments it accepts."""
    params = inspect.signature(fn).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return fn(**kwargs)
    return fn(**{k: v for k, v in kwargs.items() if k in params})


def _num(result, *keys):
    if isinstance(result, (int, float)):
        return float(result)
    if isinstance(result, dict):
        for key in keys:
            if isinstance(result.get(key), (int, float)):
                return float(result[key])
    return None


def run(backends, quick: bool = True, say=print) -> list[Row]:
    try:
        module = importlib.import_module("bench.followup")
    except ModuleNotFoundError as exc:
        if exc.name not in ("bench.followup",) and not str(exc.name).startswith("tracker.followup"):
            raise
        return [Row("reminders.sweep", "n/a (bench/followup.py missing)", target=f"<= {SWEEP_S} s",
                    result="n/a"),
                Row("reminders.sender", "n/a (bench/followup.py missing)", result="n/a")]
    rows = []
    for backend in backends:
        sweep = getattr(module, "bench_sweep", None)
        if sweep is None:
            rows.append(Row(f"reminders.{backend}.sweep", "n/a (bench_sweep missing)", result="n/a"))
        else:
            result = _call(sweep, backend=backend, tasks=100_000, quick=quick)
            seconds = _num(result, "seconds", "sweep_s", "elapsed_s")
            if seconds is None and _num(result, "ms", "sweep_ms") is not None:
                seconds = _num(result, "ms", "sweep_ms") / 1000
            rows.append(Row(f"reminders.{backend}.sweep", f"{seconds:.2f} s" if seconds is not None else str(result),
                            "", "", f"<= {SWEEP_S} s", passfail(None if seconds is None else seconds <= SWEEP_S),
                            _describe(result), values=result if isinstance(result, dict) else {"seconds": seconds}))
    sender = getattr(module, "bench_sender", None)
    for backend, channel in [(b, c) for b in backends for c in ("telegram", "zalo", "email")]:
        row_name = f"reminders.{backend}.sender" + ("" if channel == "telegram" else f".{channel}")
        if sender is None:
            rows.append(Row(row_name, "n/a (bench_sender missing)", result="n/a"))
            continue
        result = _call(sender, backend=backend, quick=quick, channel=channel)
        rate = _num(result, "messages_per_s", "messages_per_second", "rate", "throughput")
        limit = _num(result, "configured_rate", "limit", "rate_limit")
        ok = None if rate is None or limit is None else (rate >= 0.9 * limit and result.get("ok", True) is not False)
        rows.append(Row(row_name, f"{rate:.1f} msg/s" if rate is not None else str(result)[:60],
                        f"limit {limit:.0f} msg/s" if limit is not None else "",
                        f"{rate / limit:.2f} of limit" if rate and limit else "",
                        ">= 0.9 x limit, never above", passfail(ok), _describe(result),
                        values=result if isinstance(result, dict) else {"rate": rate}))
    return rows


NOTE_KEYS = ("backend", "open_tasks", "reminders_written", "repeat_sweep_s", "repeat_written", "written", "sent",
             "elapsed_s", "busiest_1s_window")


def _describe(result) -> str:
    if isinstance(result, dict):
        if result.get("note"):
            return str(result["note"])
        return ", ".join(f"{k}={result[k]}" for k in NOTE_KEYS if k in result)
    return ""
