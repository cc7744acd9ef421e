"""Evaluate the parser on a gold corpus: python -m tracker.parsing.evaluate CORPUS_DIR.

Prints, per document and in total, task precision / recall / F1 and, over matched
tasks, owner, deadline and recurrence accuracy, with the same matching as
shared/tools/score_parser.py (span overlap of at least half the shorter span, one
prediction per gold task, same owner preferred). Beside them: a dateparser-only
baseline on the same gold tasks, whose deadline is the last date that
dateparser.search.search_dates(source_sentence, languages=['vi']) finds.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .core import parse_directive


# -- matching, as in shared/tools/score_parser.py ----------------------------
def norm_owner(s: str | None) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFC", s).lower()
    s = re.sub(r"[\s\u00a0]+", " ", s)
    s = re.sub(r"[.,;:()\"“”'’]", "", s).strip()
    s = re.sub(r"^(giao|đề nghị|yêu cầu|các đồng chí|đồng chí)\s+", "", s)
    s = re.sub(r"\s+tỉnh(\s+\S+)?$", "", s) if s.startswith("sở ") else s
    return s.strip()


def owner_ok(pred: dict, gold: dict) -> bool:
    p = norm_owner(pred.get("owner"))
    if not gold.get("owner") and not gold.get("owner_canonical"):
        return not p
    if not p:
        return False
    for g in (gold.get("owner"), gold.get("owner_canonical")):
        g = norm_owner(g)
        if g and (p == g or (len(p) > 4 and len(g) > 4 and (p in g or g in p))):
            return True
    return False


def span_of(text: str, task: dict):
    if isinstance(task.get("start"), int) and isinstance(task.get("end"), int):
        return task["start"], task["end"]
    src = task.get("source_sentence") or task.get("source_text") or ""
    i = text.find(src) if src else -1
    return (i, i + len(src)) if i >= 0 else None


def overlap(a, b) -> float:
    if not a or not b:
        return 0.0
    inter = min(a[1], b[1]) - max(a[0], b[0])
    shorter = max(1, min(a[1] - a[0], b[1] - b[0]))
    return max(0, inter) / shorter


def match_tasks(text: str, gold_tasks: list[dict], pred_tasks: list[dict]) -> list[tuple[dict, dict]]:
    gspans = [span_of(text, g) for g in gold_tasks]
    pspans = [span_of(text, p) for p in pred_tasks]
    used: set[int] = set()
    pairs = []
    for gi, g in enumerate(gold_tasks):
        best, best_key = None, None
        for pi, p in enumerate(pred_tasks):
            if pi in used:
                continue
            ov = overlap(gspans[gi], pspans[pi])
            if ov < 0.5:
                continue
            key = (owner_ok(p, g), ov)
            if best_key is None or key > best_key:
                best, best_key = pi, key
        if best is not None:
            used.add(best)
            pairs.append((g, pred_tasks[best]))
    return pairs


def _rec(r) -> str | None:
    return (r or "").strip().lower() or None


# -- the dateparser-only baseline --------------------------------------------
def baseline_deadline(sentence: str, issued: date | None) -> str | None:
    """The last date dateparser finds in the sentence (ISO), or None."""
    from datetime import datetime

    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": datetime(issued.year, issued.month, issued.day)} if issued else {}
    try:
        found = search_dates(sentence, languages=["vi"], settings=settings)
    except Exception:
        return None
    if not found:
        return None
    return found[-1][1].date().isoformat()


@dataclass
class Tally:
    gold: int = 0
    pred: int = 0
    matched: int = 0
    owner: int = 0
    deadline: int = 0
    recurrence: int = 0
    end_to_end: int = 0
    base_deadline: int = 0
    base_recurrence: int = 0

    def add(self, other: Tally) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def figures(self) -> dict[str, float]:
        """Task precision/recall/F1; owner/deadline/recurrence accuracy over matched tasks;
        end-to-end: the share of gold tasks found with the right owner and deadline."""
        p = self.matched / self.pred if self.pred else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        m = self.matched or 1
        return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "owner": self.owner / m,
                "deadline": self.deadline / m, "recurrence": self.recurrence / m,
                "end_to_end": self.end_to_end / self.gold if self.gold else 0.0}

    def row(self, name: str) -> str:
        f = self.figures()
        g = self.gold or 1
        return (f"{name:36} gold {self.gold:3} pred {self.pred:3} P {f['p']:.3f} R {f['r']:.3f} F1 {f['f1']:.3f} | "
                f"owner {f['owner']:.3f} deadline {f['deadline']:.3f} recurrence {f['recurrence']:.3f} "
                f"e2e {f['end_to_end']:.3f} | "
                f"baseline deadline {self.base_deadline / g:.3f} recurrence {self.base_recurrence / g:.3f}")


def evaluate_document(text: str, gold: dict, baseline: bool = True) -> Tally:
    issued = date.fromisoformat(gold["issued"]) if gold.get("issued") else None
    pred = parse_directive(text, issued=issued).to_dict()["tasks"]   # compared as the scorer reads the JSON
    gtasks = gold.get("tasks", [])
    pairs = match_tasks(text, gtasks, pred)
    t = Tally(gold=len(gtasks), pred=len(pred), matched=len(pairs))
    t.owner = sum(owner_ok(p, g) for g, p in pairs)
    t.deadline = sum((p.get("deadline") or None) == (g.get("deadline") or None) for g, p in pairs)
    t.recurrence = sum(_rec(p.get("recurrence")) == _rec(g.get("recurrence")) for g, p in pairs)
    t.end_to_end = sum(owner_ok(p, g) and (p.get("deadline") or None) == (g.get("deadline") or None)
                       for g, p in pairs)
    if baseline:
        for g in gtasks:
            t.base_deadline += baseline_deadline(g.get("source_sentence") or "", issued) == (g.get("deadline") or None)
            t.base_recurrence += _rec(g.get("recurrence")) is None
    return t


def evaluate_corpus(corpus: Path, baseline: bool = True, out=sys.stdout, only=None) -> Tally:
    """Score every NAME.txt + NAME.json pair of CORPUS (or only the names in ONLY)."""
    total = Tally()
    for gpath in sorted(Path(corpus).glob("*.json")):
        if only is not None and gpath.stem not in only:
            continue
        tpath = gpath.with_suffix(".txt")
        if not tpath.exists():
            continue
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        tally = evaluate_document(tpath.read_text(encoding="utf-8"), gold, baseline)
        total.add(tally)
        if out is not None:
            print(tally.row(gpath.stem), file=out)
    if out is not None:
        print(total.row("TOTAL"), file=out)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracker.parsing.evaluate")
    ap.add_argument("corpus", help="directory of NAME.txt + NAME.json gold pairs")
    ap.add_argument("--no-baseline", action="store_true", help="skip the (slow) dateparser baseline")
    a = ap.parse_args(argv)
    if not Path(a.corpus).is_dir():
        print(f"error: {a.corpus}: not a directory", file=sys.stderr)
        return 2
    evaluate_corpus(Path(a.corpus), baseline=not a.no_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
