"""The acceptance bar on the shared gold corpora (same matching as score_parser.py).

A regression in the parser's rules fails here; the corpus lives beside the repository
(../shared/corpus) and the test is skipped where it is absent.
"""
from pathlib import Path

import pytest

from tracker.parsing.evaluate import evaluate_corpus

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"

BARS = {
    "dev": {"f1": 0.90, "owner": 0.95, "deadline": 0.95, "recurrence": 0.95},
    "real": {"f1": 0.85, "owner": 0.90, "deadline": 0.90},
}


@pytest.mark.parametrize("name", sorted(BARS))
def test_corpus_meets_the_bar(name):
    corpus = CORPUS / name
    if not corpus.is_dir():
        pytest.skip(f"{corpus} not present")
    figures = evaluate_corpus(corpus, baseline=False, out=None).figures()
    low = {k: round(figures[k], 3) for k, bar in BARS[name].items() if figures[k] < bar}
    assert not low, f"{name}: below the bar {low} (all: { {k: round(v, 3) for k, v in figures.items()} })"
