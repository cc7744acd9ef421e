"""Generalisation protocol for ``../shared/corpus/real``: three fixed folds.

The documents are sorted by name and dealt out in turn: the 1st, 4th, 7th ... go to fold A,
the 2nd, 5th, 8th ... to fold B, the 3rd, 6th, 9th ... to fold C. Work is done on fold A
first; before anything is changed because of fold B it is scored untouched ("first-sight"),
and the same for fold C. The figures (scored with tracker.parsing.evaluate, same matching as
shared/tools/score_parser.py) are recorded here and in the README's parser section.

FIGURES (filled in as the protocol runs; see the end of this docstring)
"""
from __future__ import annotations

from pathlib import Path

FOLD_NAMES = ("A", "B", "C")


def folds(corpus: Path) -> dict[str, frozenset[str]]:
    """Fold name -> document names (NAME of NAME.txt + NAME.json) of CORPUS."""
    names = sorted(p.stem for p in Path(corpus).glob("*.json") if p.with_suffix(".txt").exists())
    return {f: frozenset(names[i::3]) for i, f in enumerate(FOLD_NAMES)}
