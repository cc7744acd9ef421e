"""Bench section "intake": a 30-page scanned PDF through the API and the background job.

The POST answers 202 at once (the web worker only stores the file and queues the job);
the job is then run by the same code the worker's job loop runs (tracker.services.jobs),
page by page in child processes, and timed. Also reports OCR character accuracy and how
many tasks of the pages come out identical to the text-PDF reading (bench.intake_ocr).
"""
from __future__ import annotations

import io
import tempfile
import time

from bench import common
from bench.intake_ocr import CORPUS
from bench.intake_ocr import char_accuracy
from bench.intake_ocr import scan_of
from bench.intake_ocr import task_agreement

DOCS = ["dev/chithi-langson-2021-01", "dev/tbkl-camau-2022-01", "dev/kehoach-nghean-2024-03", "dev/qd-quangtri-2023-04",
        "dev/chithi-nghean-2023-02", "dev/congvan-dongthap-2022-03", "dev/tbkl-quangtri-2025-09",
        "dev/kehoach-dongthap-2025-12", "dev/qd-nghean-2026-03", "dev/congvan-camau-2025-10", "real/kh-nghean-980-2025"]


def _thirty_pages(pages: int) -> tuple[bytes, str]:
    from pypdf import PdfReader

    from bench.intake_render import to_pdf

    text = ""
    for name in DOCS * 3:   # documents one after the other until the text PDF has enough pages
        text += (CORPUS / f"{name}.txt").read_text(encoding="utf-8") + "\n"
        if len(PdfReader(io.BytesIO(to_pdf(text))).pages) >= pages:
            break
    return scan_of(text, pages=pages)


def run(pages: int = 30, say=print) -> list[common.Row]:
    from sqlmodel import Session
    from sqlmodel import select

    from tracker import create_app
    from tracker.migrate import upgrade
    from tracker.models import Directive
    from tracker.services import accounts
    from tracker.services import jobs

    say(f"intake: making a {pages}-page scan ...")
    scan, reference = _thirty_pages(pages)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench", "TESTING": True,
                          "INSTANCE_PATH": f"{tmp}/instance", "SKIP_DB_CHECK": True})
        engine = app.extensions["engine"]
        upgrade(engine)
        with Session(engine) as s:
            clerk = accounts.create_user(s, login="vanphong", role="clerk", password="bench-password-1")
            s.commit()
            token = accounts.issue_api_token(s, clerk, "bench")
            s.commit()
        client = app.test_client()
        t0 = time.perf_counter()
        r = client.post("/api/v1/directives", headers={"Authorization": f"Bearer {token}"},
                        data={"file": (io.BytesIO(scan), "ban-quet-30-trang.pdf")}, content_type="multipart/form-data")
        post_ms = (time.perf_counter() - t0) * 1000
        assert r.status_code == 202, r.get_data(as_text=True)
        say(f"intake: OCR of {pages} pages in the background job ...")
        t0 = time.perf_counter()
        with app.app_context():
            jobs.run_pending(engine)
        job_s = time.perf_counter() - t0
        with Session(engine) as s:
            text = s.exec(select(Directive)).one().source_text
        engine.dispose()
    acc = char_accuracy(reference, text)
    same, total = task_agreement(reference, text)
    return [
        common.Row("intake.scan_post", f"{post_ms:.0f} ms",
                   note=f"POST of a {len(scan) // 1024} kB {pages}-page scan: 202, "
                   "file stored and job queued (no OCR in the web worker)", values={"ms": round(post_ms, 1)}),
        common.Row(f"intake.ocr_{pages}_pages", f"{job_s:.0f} s ({job_s / pages:.1f} s/page)", target="< 10 min",
                   result="PASS" if job_s < 600 else "MISS",
                   note="background job: pdftoppm 300 dpi + tesseract vie, one child process per page",
                   values={"seconds": round(job_s, 1), "pages": pages}),
        common.Row("intake.ocr_accuracy", f"{acc * 100:.2f}% characters; {same}/{total} tasks identical",
                   note="scans with skew, speckle and a red stamp; reference = the text-PDF reading of the same pages",
                   values={"char_accuracy": round(acc, 4), "tasks_same": same, "tasks": total}),
    ]
