"""`python -m bench`: issue #18's figures in one table, each against its target; exit 1 on any MISS.

    python -m bench                  quick (about 5-10 minutes here): both databases at 100,000 tasks,
                                     fewer requests per figure
    python -m bench --full           more requests per figure, longer worker run
    python -m bench --json FILE      also write the figures as JSON (keys = the table's names)
    python -m bench --only parser,pages --backends sqlite

Sections (default: parser, pages, sweep):
  parser      ms CPU per 1,000 words beside dateparser.search_dates(languages=['vi']) on the same
              texts; cold start of `python -m tracker.parsing FILE`
  pages       `demo generate --tasks 100000 --units 300 --directives 5000` on each database, gunicorn
              with 2 workers; each page's p50/p95 at 1 and at 4 clients beside the trivial route
              (/healthz/ping, measured right before at the same concurrency) and their p95 ratio: the
              dashboard (leader), the unit task list (/tasks/mine as staff of the unit with most tasks),
              a task detail, the API task list, a warm search; a cold search (every request a new term);
              the 10,000-row Excel export; peak RSS of a web worker and of the worker process
  sweep       the minute sweep over 100,000 open tasks at the reminder hour and at a quiet minute,
              and the senders' throughput (bench/reminders.py, bench/followup.py)
  unit_pages  the old 10,000-task SQLite figures (issue #4)      intake  a 30-page scan through OCR

Targets (bench/common.py): pages p95 <= 15 ms at 1 client and <= 25 ms at 4 clients; cold search
p95 <= 50 ms at 4 clients; export 10,000 rows <= 1 s at 1 client; sweep < 0.5 s; parser <= 2.5 ms
CPU/1000 words and >= 20x dateparser; cold start <= 0.10 s. A target whose figure is missing (a
section failed, PostgreSQL unreachable) is a MISS too: a run proves every target or exits 1.
"""
import argparse
import sys
import time
import traceback

from bench import common

SECTIONS = ("parser", "pages", "sweep", "unit_pages", "intake")
DEFAULT_SECTIONS = ("parser", "pages", "sweep")
ALIASES = {"reminders": "sweep"}


def _guarded(name: str, fn) -> list:
    """A section that fails becomes one row saying so; the rest of the table still prints."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - report, don't lose the other figures
        traceback.print_exc()
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        return [common.Row(name, f"error: {type(exc).__name__}: {first}", result="MISS",
                           note="see the traceback on stderr")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="more requests per figure, longer runs")
    parser.add_argument("--json", dest="json_path", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--only", default=",".join(DEFAULT_SECTIONS),
                        help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--backends", default="postgresql,sqlite", help="postgresql,sqlite")
    args = parser.parse_args(argv)
    only = {ALIASES.get(s.strip(), s.strip()) for s in args.only.split(",") if s.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    quick = not args.full
    started = time.perf_counter()
    load_before = common.load_average()
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731 - progress on stderr, table on stdout

    from bench.server import pg_available

    wanted_backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    backends = list(wanted_backends)
    skipped = []
    if "postgresql" in backends and not pg_available():
        backends.remove("postgresql")
        skipped.append("postgresql (not reachable on 127.0.0.1:5432): its targets are MISS")

    rows: list[common.Row] = []
    if "parser" in only:
        say("parser ...")
        from bench import parser as parser_bench

        rows += _guarded("parser", lambda: parser_bench.run(quick=quick))
    if "pages" in only:
        from bench import pages

        sizes = pages.QUICK if quick else pages.FULL
        for backend in backends:
            say(f"pages on {backend} (generating {sizes.tasks:,} tasks first) ...")
            rows += _guarded(f"pages.{backend}",
                             lambda backend=backend: pages.run_backend(backend, sizes,
                                                                       "quick" if quick else "full", say=say))
    if "sweep" in only:
        say("sweep and senders ...")
        from bench import reminders

        rows += _guarded("reminders", lambda: reminders.run(backends, quick=quick, say=say))
    if "unit_pages" in only and "sqlite" in backends:
        say("unit pages at 10,000 tasks on sqlite ...")
        from bench import unit_pages

        rows += _guarded("unit_pages", lambda: unit_pages.run(say=say))
    if "intake" in only:
        say("intake (30-page scan through OCR) ...")
        from bench import intake

        rows += _guarded("intake", lambda: intake.run(say=say))

    # the targets of every section and backend asked for (an unreachable database's too)
    rows = common.apply_targets(rows, common.targets(only, wanted_backends))
    missed = [r.name for r in rows if r.result == "MISS"]

    meta = common.machine()
    meta.update({"mode": "quick" if quick else "full", "seconds": round(time.perf_counter() - started, 1),
                 "skipped": skipped, "missed": missed})
    meta["loadavg_before"] = load_before
    print(f"# python -m bench ({meta['mode']}) — {meta['date']}")
    print(f"# machine: {meta['nproc']} CPU ({meta['cpu']}), {meta['memory_gb']} GB RAM, Python {meta['python']}; "
          f"load average before {load_before}, after {meta['loadavg']}")
    if "pages" in only:
        from bench import pages

        s = pages.QUICK if quick else pages.FULL
        print(f"# pages: {s.tasks:,} tasks over {s.units} units and {s.directives:,} directives (`demo generate`); "
              f"gunicorn 2 workers; per figure {s.alone_requests} GETs at 1 client and {s.requests} GETs over "
              f"{s.concurrency} keep-alive clients; baseline = the trivial route /healthz/ping right before, at the "
              f"same concurrency; ratio = p95 / trivial p95; export: {s.export_requests} GETs one after another")
    if skipped:
        print(f"# skipped: {', '.join(skipped)}")
    print(common.render_table(rows))
    verdict = f"{len(missed)} target(s) missed: {', '.join(missed)}" if missed else "every target met"
    print(f"\n# {verdict}; total time {meta['seconds']:.0f} s")
    if args.json_path:
        common.write_json(args.json_path, rows, meta)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
