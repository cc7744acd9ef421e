"""OCR accuracy and speed on scans made from corpus documents (`python -m bench.intake_ocr`).

Each document is rendered to a text PDF (reportlab), rasterised at 300 dpi, made to look
scanned (skew, speckle noise, a red stamp: bench.intake_render.scan_like), then read back
through tracker.services.ocr. Character accuracy is the share of the reference text's
characters (the text-PDF reading of the same pages, spaces collapsed) matched in order by
the OCR text (difflib matching blocks): 1 - accuracy approximates the character error rate.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import tempfile
import time
from pathlib import Path

from bench.intake_render import images_to_pdf
from bench.intake_render import pdf_to_images
from bench.intake_render import scan_like
from bench.intake_render import to_pdf

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"   # shared/ beside the checkout
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus")


# the corpus documents with ruled task tables (3 to 24 pages as text PDFs)
TABLE_DOCS = ["dev/qd-nghean-2026-03", "dev/qd-quangtri-2023-04", "real/kh-nghean-980-2025",
              "real/cv-bvhttdl-6225-2025",
              "real/cv-bcd-174-2025", "real/tbkl-vpcp-624-2025"]


def char_accuracy(reference: str, got: str) -> float:
    ref = re.sub(r"\s+", " ", reference).strip()
    hyp = re.sub(r"\s+", " ", got).strip()
    if not ref:
        return 1.0
    sm = difflib.SequenceMatcher(None, ref, hyp, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) / len(ref)


def task_agreement(reference: str, got: str, *, with_action: bool = True) -> tuple[int, int]:
    """(tasks of the OCR text identical to the text-PDF reading's, tasks of the text-PDF reading):
    identical = same owner, co-owners, deadline, recurrence and folded action, in order
    (`with_action=False`: the same task structure, the action's wording aside)."""
    from tracker.parsing import parse_directive
    from tracker.services.text import fold

    def keys(text):
        return [(t["owner"], tuple(t["co_owners"]), t["deadline"], t["recurrence"])
                + ((fold(t["action"]),) if with_action else ())
                for t in parse_directive(text).to_dict()["tasks"]]

    ref, hyp = keys(reference), keys(got)
    sm = difflib.SequenceMatcher(None, ref, hyp, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()), len(ref)


def scan_of(text: str, pages: int | None = None, seed: int = 0) -> tuple[bytes, str]:
    """(scanned PDF, reference text of the same pages)."""
    from tracker.services.pdf_text import read_pages
    from tracker.services.pdf_text import reflow

    pdf = to_pdf(text)
    images = pdf_to_images(pdf, last=pages)
    scans = [scan_like(img, seed=seed + i) for i, img in enumerate(images)]
    reference = "\n".join(reflow(read_pages(pdf, max_pages=len(images))))
    return images_to_pdf(scans), reference


def measure(names: list[str], pages: int | None) -> dict:
    from tracker.services.ocr import ocr_text

    rows = []
    for name in names:
        text = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
        scan, reference = scan_of(text, pages)
        with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as fh:
            fh.write(scan)
        try:
            t0 = time.perf_counter()
            done = []
            got = ocr_text(fh.name, "pdf", progress=lambda d, t, done=done: done.append(d))
            secs = time.perf_counter() - t0
        finally:
            os.remove(fh.name)
        same, total = task_agreement(reference, got)
        row = {"doc": name, "pages": len(done), "seconds": round(secs, 1),
               "seconds_per_page": round(secs / max(1, len(done)), 2),
               "char_accuracy": round(char_accuracy(reference, got), 4),
               "tasks_same": same, "tasks_text_pdf": total}
        if pages is None:   # the whole document: also against the pasted text
            row["tasks_same_as_paste"], row["tasks_paste"] = task_agreement(text, got)
            # owner, co-owners, deadline and recurrence the same: only OCR letters differ in the action
            row["structure_same_as_paste"] = task_agreement(text, got, with_action=False)[0]
        rows.append(row)
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    total_pages = sum(r["pages"] for r in rows)
    paste = {key: sum(r.get(key, 0) for r in rows)
             for key in ("tasks_same_as_paste", "structure_same_as_paste", "tasks_paste")} if pages is None else {}
    return {"rows": rows, "pages": total_pages, **paste,
            "tasks_same": sum(r["tasks_same"] for r in rows), "tasks_text_pdf": sum(r["tasks_text_pdf"] for r in rows),
            "seconds_per_page": round(sum(r["seconds"] for r in rows) / max(1, total_pages), 2),
            "char_accuracy": round(sum(r["char_accuracy"] * r["pages"] for r in rows) / max(1, total_pages), 4)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_ocr")
    parser.add_argument("docs", nargs="*", default=["dev/chithi-langson-2021-01", "dev/tbkl-camau-2022-01",
                                                    "dev/kehoach-nghean-2024-03"])
    parser.add_argument("--pages", type=int, default=None, help="first N pages of each document")
    parser.add_argument("--tables", action="store_true", help="the corpus documents with task tables")
    args = parser.parse_args(argv)
    docs = TABLE_DOCS if args.tables else args.docs
    print(json.dumps(measure(docs, args.pages), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
