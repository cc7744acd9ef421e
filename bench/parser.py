"""Parser speed: ms per 1,000 words over the dev and real corpora, beside dateparser.

The baseline is `dateparser.search.search_dates(text, languages=['vi'])` over the same
whole texts in the same run (what a dateparser-only pipeline would at least have to do).
Both get a warm-up pass first (imports, regex compilation, dateparser's language data) and
are timed in CPU time of this process.

The cold start row runs `python -m tracker.parsing FILE` in fresh interpreters: wall time
(the best run, which is what a quiet machine gives), the CPU time of the child (user +
system, what the start costs whatever the load) and whether Flask or SQLAlchemy was loaded.
"""
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Row
from bench.common import passfail

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
MS_PER_1000_WORDS = 2.5   # issue #13 / #18
MIN_SPEEDUP = 20.0
COLD_START_S = 0.10
COLD_RUNS = 5


def load_corpus(name: str) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((CORPUS / name).glob("*.txt"))]


def _best_of(fn, texts, repeats: int) -> float:
    """CPU seconds for one pass over `texts`: the best of `repeats` passes.

    CPU time of this process, not wall time: both sides are single-threaded and CPU-bound,
    and on a shared machine wall time would also count other processes' turns."""
    best = None
    for _ in range(repeats):
        t0 = time.process_time()
        for text in texts:
            fn(text)
        elapsed = time.process_time() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best


def run(quick: bool = True) -> list[Row]:
    from dateparser.search import search_dates

    from tracker.parsing import parse_directive

    rows = []
    repeats, baseline_repeats = (5, 1) if quick else (20, 3)
    for name in ("dev", "real"):
        texts = load_corpus(name)
        row_name = f"parser.{name}"
        target = f"<= {MS_PER_1000_WORDS:.1f} ms/1000 words, >= {MIN_SPEEDUP:.0f}x dateparser"
        if not texts:
            rows.append(Row(row_name, "n/a (corpus missing)", target=target, result="n/a",
                            note=f"no .txt files under {CORPUS / name}"))
            continue
        words = sum(len(t.split()) for t in texts)
        for text in texts:  # warm-up
            parse_directive(text)
        search_dates(texts[0], languages=["vi"])
        ours = _best_of(parse_directive, texts, repeats)
        theirs = _best_of(lambda t: search_dates(t, languages=["vi"]), texts, baseline_repeats)
        ours_ms = ours * 1000 / words * 1000
        theirs_ms = theirs * 1000 / words * 1000
        speedup = theirs / ours if ours else None
        ok = ours_ms <= MS_PER_1000_WORDS and speedup is not None and speedup >= MIN_SPEEDUP
        rows.append(Row(row_name, f"{ours_ms:.2f} ms/1000 words", f"dateparser {theirs_ms:.1f} ms/1000 words",
                        f"{speedup:.1f}x faster", target, passfail(ok),
                        f"{len(texts)} documents, {words:,} words; CPU time, best of {repeats} passes "
                        f"(dateparser: {baseline_repeats})",
                        values={"ms_per_1000_words": round(ours_ms, 3),
                                "dateparser_ms_per_1000_words": round(theirs_ms, 3),
                                "speedup": round(speedup, 2) if speedup else None, "documents": len(texts),
                                "words": words}))
    rows.append(cold_start())
    return rows


_PROBE = ("import runpy, sys\n"
          "sys.argv = ['tracker.parsing', sys.argv[1]]\n"
          "try:\n    runpy.run_module('tracker.parsing', run_name='__main__')\nexcept SystemExit:\n    pass\n"
          "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'sqlmodel'})),"
          " file=sys.stderr)\n")


def cold_start() -> Row:
    """`python -m tracker.parsing FILE` from a fresh interpreter, COLD_RUNS times."""
    files = sorted((CORPUS / "real").glob("*.txt")) or sorted((CORPUS / "dev").glob("*.txt"))
    target = f"<= {COLD_START_S:.2f} s, no Flask/SQLAlchemy"
    if not files:
        return Row("parser.cold_start", "n/a (corpus missing)", target=target, result="n/a")
    path = str(files[0])
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "tracker.parsing", path]
    # The warm-up start writes the bytecode (.pyc) and the unit registry's cache, as the first
    # start of an installed copy does (pip compiles the bytecode at install): the timed starts are
    # those of a deployed parser, even where the environment sets PYTHONDONTWRITEBYTECODE.
    warm_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, cwd=ROOT, env=warm_env, capture_output=True)
    walls, cpus = [], []
    for _ in range(COLD_RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    probe = subprocess.run([sys.executable, "-c", _PROBE, path], cwd=ROOT, env=env, capture_output=True, text=True)
    loaded = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ""
    wall, cpu = min(walls), min(cpus)
    ok = wall <= COLD_START_S and not loaded
    return Row("parser.cold_start", f"{wall:.3f} s wall, {cpu:.3f} s CPU", "", "", target, passfail(ok),
               f"python -m tracker.parsing {files[0].name}, best of {COLD_RUNS} fresh interpreters; "
               f"imported: {loaded or 'neither Flask nor SQLAlchemy'}"
               + ("; PYTHONDONTWRITEBYTECODE is set: the warm-up start wrote the .pyc, the timed ones read it"
                  if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""),
               values={"wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "web_modules_loaded": loaded})
