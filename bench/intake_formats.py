"""Paste vs .docx vs text PDF on the whole corpus (`python -m bench.intake_formats [DOC ...]`).

Every document is rendered as a .docx with real tables and as text PDFs in three layouts
(bench.intake_render), read back through tracker.services.imports, parsed, and compared
with the pasted text's tasks: the same count and, task by task, the same owner, co-owners,
deadline, recurrence and folded action. Prints one line per document and format, then the total.
"""
from __future__ import annotations

import json
import sys

from bench.intake_ocr import CORPUS
from bench.intake_render import to_docx
from bench.intake_render import to_pdf

FORMATS = ("docx", "pdf-plain", "pdf-indent", "pdf-narrow")


def task_keys(text: str, issued: str | None) -> list[tuple]:
    from tracker.parsing import parse_directive
    from tracker.services.text import fold

    return [(t["owner"], tuple(t["co_owners"]), t["deadline"], t["recurrence"], fold(t["action"]))
            for t in parse_directive(text, issued=issued).to_dict()["tasks"]]


def compare(name: str) -> dict[str, bool]:
    from tracker.services.imports import extract_directive_text

    text = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    issued = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8")).get("issued")
    pasted = task_keys(text, issued)
    out = {"docx": task_keys(extract_directive_text("vb.docx", to_docx(text)), issued) == pasted}
    for layout in ("plain", "indent", "narrow"):
        got = extract_directive_text("vb.pdf", to_pdf(text, layout=layout))
        out[f"pdf-{layout}"] = task_keys(got, issued) == pasted
    return out


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or sorted(
        f"{p.parent.name}/{p.stem}" for folder in ("dev", "real") for p in (CORPUS / folder).glob("*.txt"))
    same = total = 0
    for name in names:
        result = compare(name)
        same += sum(result.values())
        total += len(result)
        print(name, " ".join(f"{k}={'same' if v else 'DIFF'}" for k, v in result.items()), flush=True)
    print(f"{same}/{total} document x format pairs give the same tasks as the pasted text")
    return 0 if same == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
