"""Reminders: the minute sweep on the generator's 100,000 tasks at 08:00 and at quiet minutes
(bench/sweep_at.py measures), and the sender's throughput per channel against each channel's
fake (bench/followup.py `bench_sender`). Every figure carries the load average it was taken at."""
import importlib
import inspect

from bench.common import Row
from bench.common import load_average
from bench.common import passfail

SWEEP_MS = 500
SENDER_CHANNELS = ("telegram", "zalo", "email")


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


def sweep_rows(backend: str, repeats: int, say=print) -> list[Row]:
    """Generate the data set on a fresh `backend` database, time the sweep, drop the database."""
    from bench import sweep_at

    engine, db, facts = sweep_at.generated(backend, say=say)
    try:
        r = sweep_at.measure(engine, repeats=repeats)
    finally:
        engine.dispose()
        db.drop()
    sizes = sweep_at.SIZES
    data = (f"`demo generate --tasks {sizes['tasks']:,} --units {sizes['units']} --directives {sizes['directives']:,}`"
            f" ({r['open_tasks']:,} of them open), {facts['people']} people each on web, e-mail, Telegram and Zalo")
    load = f"load average {r['load_min']}–{r['load_max']} (1 min)"
    busy = Row(f"reminders.{backend}.sweep_0800", f"{r['sweep_0800_ms']:.0f} ms", "", "", f"<= {SWEEP_MS} ms",
               passfail(r["sweep_0800_ms"] <= SWEEP_MS),
               f"{data}; Monday {r['day']} 08:00 writes {r['written']:,} rows ({r['by_kind']}); median of "
               f"{len(r['runs'])} runs (first {r['sweep_0800_first_ms']:.0f} ms, max {r['sweep_0800_max_ms']:.0f} ms),"
               f" outbox emptied before each; {load}", values={k: v for k, v in r.items() if k != "quiet"} | facts)
    minutes = ", ".join(f"{q['minute']} {q['ms']:.0f} ms" for q in r["quiet"])
    quiet = Row(f"reminders.{backend}.sweep_quiet", f"{r['quiet_ms']:.0f} ms", "", "",
                f"<= {SWEEP_MS} ms, writes nothing",
                passfail(r["quiet_max_ms"] <= SWEEP_MS and r["quiet_written"] == 0),
                f"after the 08:00 sweep: {minutes} (median shown); rows written {r['quiet_written']}; {load}",
                values={"quiet": r["quiet"], "quiet_ms": r["quiet_ms"], "quiet_max_ms": r["quiet_max_ms"],
                        "quiet_written": r["quiet_written"]})
    return [busy, quiet]


def run(backends, quick: bool = True, say=print) -> list[Row]:
    rows = []
    for backend in backends:
        say(f"  sweep on {backend}: generating 100,000 tasks ...")
        rows += sweep_rows(backend, repeats=3 if quick else 7, say=say)
    try:
        module = importlib.import_module("bench.followup")
    except ModuleNotFoundError as exc:
        if exc.name not in ("bench.followup",) and not str(exc.name).startswith("tracker.followup"):
            raise
        return rows + [Row("reminders.sender", "n/a (bench/followup.py missing)", result="n/a")]
    sender = module.bench_sender
    for backend, channel in [(b, c) for b in backends for c in SENDER_CHANNELS]:
        row_name = f"reminders.{backend}.sender" + ("" if channel == "telegram" else f".{channel}")
        say(f"  sender {channel} on {backend} ...")
        load = load_average()
        result = _call(sender, backend=backend, quick=quick, channel=channel)
        rate = _num(result, "messages_per_s", "messages_per_second", "rate", "throughput")
        limit = _num(result, "configured_rate", "limit", "rate_limit")
        ok = None if rate is None or limit is None else (rate >= 0.9 * limit and result.get("ok", True) is not False)
        rows.append(Row(row_name, f"{rate:.1f} msg/s" if rate is not None else str(result)[:60],
                        f"limit {limit:.0f} msg/s" if limit is not None else "",
                        f"{rate / limit:.2f} of limit" if rate and limit else "",
                        ">= 0.9 x limit, never above", passfail(ok), _describe(result) + f"; load average {load}",
                        values=result if isinstance(result, dict) else {"rate": rate}))
    return rows


NOTE_KEYS = ("backend", "channel", "written", "sent", "elapsed_s", "busiest_1s_window")


def _describe(result) -> str:
    if isinstance(result, dict):
        if result.get("note"):
            return str(result["note"])
        return ", ".join(f"{k}={result[k]}" for k in NOTE_KEYS if k in result)
    return ""
