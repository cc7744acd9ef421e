"""The CLI's JSON on the dev and real corpora, reduced to a small reference file.

    python tests/parsing/cli_reference.py BEFORE_DIR OUT.json

BEFORE_DIR holds `<corpus>--<name>.json`, the output of
`python -m tracker.parsing <txt> --issued <gold issued> --json` of some checkout (the reference
in data/ was made from main before the parser returned dataclasses, issue #13). Kept per
document: the header as printed, and per task a digest of its JSON text with its keys in
printed order, so any changed value, key or key order shows (the task is named in the failure).
"urgent" is left out of the digest: issue #15 changed it on purpose (only the document's mark
or a same-day deadline), and test_urgency.py holds that rule.
"""
import hashlib
import json
import sys
from pathlib import Path

CHANGED_ON_PURPOSE = ("urgent",)


def task_digest(task: dict) -> str:
    kept = {k: v for k, v in task.items() if k not in CHANGED_ON_PURPOSE}
    text = json.dumps(kept, ensure_ascii=False)   # keys in the order printed
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def reduce(out: dict) -> dict:
    return {"document": out["document"], "document_keys": list(out["document"]), "top_keys": list(out),
            "tasks": [task_digest(t) for t in out["tasks"]]}


def main(before: Path, dest: Path) -> None:
    ref = {}
    for f in sorted(before.glob("*--*.json")):
        ref[f.stem] = reduce(json.loads(f.read_text(encoding="utf-8")))
    dest.write_text(json.dumps(ref, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
