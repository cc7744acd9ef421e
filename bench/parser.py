"""Parser speed: ms per 1,000 words over the dev and real corpora, beside dateparser.

The baseline is `dateparser.search.search_dates(text, languages=['vi'])` over the same
whole texts in the same run (what a dateparser-only pipeline would at least have to do).
Both get a warm-up pass first (imports, regex compilation, dateparser's language data) and
are timed in CPU time of this process.
"""
import time
from pathlib import Path

from bench.common import Row
from bench.common import passfail

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
MS_PER_1000_WORDS = 5.0
MIN_SPEEDUP = 10.0


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
        target = f"<= {MS_PER_1000_WORDS:.0f} ms/1000 words, >= {MIN_SPEEDUP:.0f}x dateparser"
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
    return rows
