"""Deadline agreement of pick_deadline() with the gold corpus.

    .venv/bin/python tests/parsing/deadline_gold_check.py [-v] [CORPUS_DIR ...]

For every gold task whose deadline_text lies inside its source_sentence, runs
pick_deadline(source_sentence, issued) and compares deadline, recurrence and
deadline_text. Sentences shared by several gold tasks (one sentence split into
clauses with their own deadlines) can only be right for one of them with a
single pick; for those it also reports whether the gold value is among
find_deadlines() hits. Not a pytest module: the corpus lives outside the repo.
"""
from __future__ import annotations

import glob
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tracker.parsing.deadlines import find_deadlines  # noqa: E402 - after the checkout is put on sys.path
from tracker.parsing.deadlines import pick_deadline  # noqa: E402 - after the checkout is put on sys.path

DEFAULT_DIRS = ["/work/shared/corpus/dev", "/work/shared/corpus/real"]


def check(corpus_dir: str, verbose: bool) -> None:
    n = ok_deadline = ok_recurrence = ok_text = 0
    shared_n = shared_found = unshared_bad = 0
    skipped = 0
    lines = []
    for path in sorted(glob.glob(f"{corpus_dir}/*.json")):
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        issued = date.fromisoformat(doc["issued"])
        uses = Counter(t["source_sentence"] for t in doc["tasks"])
        for task in doc["tasks"]:
            sentence = task["source_sentence"]
            if task["deadline_text"] and task["deadline_text"] not in sentence:
                skipped += 1  # the deadline is on a line outside the sentence
                continue
            n += 1
            hit = pick_deadline(sentence, issued)
            got = (hit.deadline.isoformat() if hit and hit.deadline else None,
                   hit.recurrence if hit else None, hit.text if hit else None)
            want = (task["deadline"], task["recurrence"], task["deadline_text"])
            ok_deadline += got[0] == want[0]
            ok_recurrence += got[1] == want[1]
            ok_text += got[2] == want[2]
            shared = uses[sentence] > 1
            if shared:
                shared_n += 1
                options = {(h.deadline.isoformat() if h.deadline else None, h.recurrence)
                           for h in find_deadlines(sentence, issued)} | {(None, None)}
                shared_found += (want[0], want[1]) in options
            elif got[0] != want[0]:
                unshared_bad += 1
            if got != want and (verbose or (got[:2] != want[:2] and not shared)):
                lines.append(f"  {doc['id']}: gold {want} | got {got} ({hit.kind if hit else '-'})"
                             f"{' [shared sentence]' if shared else ''}\n      {sentence[:200]!r}")
    unshared = n - shared_n
    print(f"{corpus_dir}: tasks={n} (skipped {skipped} with the deadline outside the sentence)")
    print(f"  deadline {ok_deadline / n:.3f}  recurrence {ok_recurrence / n:.3f}  deadline_text {ok_text / n:.3f}")
    print(f"  deadline on unshared sentences {(unshared - unshared_bad) / unshared:.3f} (n={unshared}); "
          f"shared sentences: gold among hits {shared_found}/{shared_n}")
    print("\n".join(lines))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    for corpus in args or DEFAULT_DIRS:
        check(corpus, "-v" in sys.argv)
