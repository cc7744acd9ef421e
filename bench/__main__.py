"""`python -m bench`: every hot path beside its baseline, in one table.

    python -m bench                  quick (a few minutes): 100,000 tasks, fewer requests per page
    python -m bench --full           more requests and concurrency per page, longer scheduler run
    python -m bench --json FILE      also write the figures as JSON (keys = the table's names)
    python -m bench --only parser,pages --backends sqlite

Sections: parser (ms per 1,000 words vs dateparser), pages (gunicorn with 2 workers under
concurrent load, SQLite and PostgreSQL, vs the trivial route), reminders (bench/followup.py),
memory (peak RSS of a web worker and of the worker process).
"""
import argparse
import sys
import time
import traceback

from bench import common

SECTIONS = ("parser", "unit_pages", "pages", "reminders", "intake")


def _guarded(name: str, fn) -> list:
    """A section that fails becomes one row saying so; the rest of the table still prints."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - report, don't lose the other figures
        traceback.print_exc()
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        return [common.Row(name, f"error: {type(exc).__name__}: {first}", result="n/a",
                           note="see the traceback on stderr")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="more requests per page, longer runs")
    parser.add_argument("--json", dest="json_path", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    quick = not args.full
    started = time.perf_counter()
    load_before = common.load_average()
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731 - progress on stderr, table on stdout

    from bench.server import pg_available

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    skipped = []
    if "postgresql" in backends and not pg_available():
        backends.remove("postgresql")
        skipped.append("postgresql (not reachable on 127.0.0.1:5432)")

    rows: list[common.Row] = []
    if "parser" in only:
        say("parser ...")
        from bench import parser as parser_bench

        rows += _guarded("parser", lambda: parser_bench.run(quick=quick))
    if "unit_pages" in only and "sqlite" in backends:
        say("unit pages at 10,000 tasks on sqlite ...")
        from bench import unit_pages

        rows += _guarded("unit_pages", lambda: unit_pages.run(say=say))
    if "pages" in only:
        from bench import pages

        sizes = pages.QUICK if quick else pages.FULL
        for backend in backends:
            say(f"pages on {backend} ...")
            rows += _guarded(f"pages.{backend}",
                             lambda: pages.run_backend(backend, sizes, "quick" if quick else "full", say=say))
    if "reminders" in only:
        say("reminders ...")
        from bench import reminders

        rows += _guarded("reminders", lambda: reminders.run(backends, quick=quick, say=say))

    if "intake" in only:
        say("intake (30-page scan through OCR) ...")
        from bench import intake

        rows += _guarded("intake", lambda: intake.run(say=say))

    meta = common.machine()
    meta.update({"mode": "quick" if quick else "full", "seconds": round(time.perf_counter() - started, 1),
                 "skipped": skipped})
    print(f"# python -m bench ({meta['mode']}) — {meta['date']}")
    meta["loadavg_before"] = load_before
    print(f"# machine: {meta['nproc']} CPU ({meta['cpu']}), {meta['memory_gb']} GB RAM, Python {meta['python']}; "
          f"load average before {load_before}, after {meta['loadavg']}")
    if "pages" in only:
        from bench import pages

        s = pages.QUICK if quick else pages.FULL
        print(f"# pages: {s.tasks:,} tasks over {s.units} units and {s.directives:,} directives; gunicorn 2 workers "
              f"(gthread, 4 threads); {s.requests} GETs per page over {s.concurrency} concurrent keep-alive clients "
              f"(export: {s.export_requests} over {s.export_concurrency}); "
              f"each page's baseline is the trivial route /healthz/ping under the same load right before it; "
              f"the notes give each page's p50 with one client alone ({s.alone_requests} GETs)")
    if skipped:
        print(f"# skipped: {', '.join(skipped)}")
    print(common.render_table(rows))
    print(f"\n# total time {meta['seconds']:.0f} s")
    if args.json_path:
        common.write_json(args.json_path, rows, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
