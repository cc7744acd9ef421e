"""Generalisation protocol for ``../shared/corpus/real``: three fixed folds.

The documents are sorted by name and dealt out in turn: the 3rd, 6th, 9th ... go to fold A,
the 1st, 4th, 7th ... to fold B, the 2nd, 5th, 8th ... to fold C. (Fold A starts at the third
document because that is the slice development in fact started on; see the record below.) Work is done on fold A
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
    return {"A": frozenset(names[2::3]), "B": frozenset(names[0::3]), "C": frozenset(names[1::3])}
