"""Scans and photographs: 202 and a background job, page-by-page OCR, the draft filled, the
review page marked "nhận dạng từ ảnh — kiểm tra kỹ". CI reads 2 pages here (at most 10)."""
import io
import shutil

import pytest
from sqlmodel import select

from bench.intake_ocr import char_accuracy
from bench.intake_ocr import scan_of
from bench.intake_render import pdf_to_images
from bench.intake_render import scan_like
from bench.intake_render import to_pdf
from tracker.models import BackgroundJob
from tracker.models import DirectiveOriginal
from tracker.services import jobs

pytestmark = pytest.mark.skipif(not (shutil.which("tesseract") and shutil.which("pdftoppm")),
                                reason="tesseract-ocr / poppler-utils not installed (scripts/test.sh installs them)")

NOTICE = "\n".join([
    "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    "THÔNG BÁO",
    "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về giải ngân vốn đầu tư công",
    "1. Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát các dự án chậm giải ngân, báo cáo UBND tỉnh "
    "trước ngày 15/3/2026.",
    "2. Giao Sở Nông nghiệp và Môi trường hoàn thành công tác bồi thường, giải phóng mặt bằng các dự án trọng điểm "
    "trước ngày 30/4/2026.",
    "3. Yêu cầu UBND các xã, phường tổng hợp khó khăn, vướng mắc, gửi Sở Tài chính trước ngày 20 hằng tháng.",
])


def _post(client, headers, name, data):
    return client.post("/api/v1/directives", headers=headers, data={"file": (io.BytesIO(data), name),
                                                                   "issued": "2026-02-01"},
                       content_type="multipart/form-data")


def test_scanned_pdf_is_read_in_the_background(app, client, session, make_user, make_unit, token_for, login):
    for name, code in (("Sở Tài chính", "STC"), ("Sở Xây dựng", "SXD"), ("Sở Nông nghiệp và Môi trường", "SNNMT")):
        make_unit(name, code=code, aliases=[name])
    clerk = make_user("vanphong", "clerk")
    headers = token_for(clerk)
    scan, _ = scan_of(NOTICE, pages=1)
    r = _post(client, headers, "ban-quet.pdf", scan)
    assert r.status_code == 202
    body = r.get_json()
    assert body["state"] == "processing" and body["progress"] == 0 and set(body) == {"id", "state", "progress"}
    polled = client.get(f"/api/v1/directives/{body['id']}", headers=headers).get_json()
    assert polled["state"] == "processing"

    login(clerk)
    page = client.get(f"/directives/{body['id']}/review").get_data(as_text=True)
    assert 'id="intake-progress"' in page and 'http-equiv="refresh"' in page
    assert 'id="review-form"' not in page   # nothing to review or publish yet
    refused = client.post(f"/api/v1/directives/{body['id']}/publish", headers=headers, json={})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "processing"

    with app.app_context():
        assert jobs.run_pending(app.extensions["engine"]) == 1
    job = session.exec(select(BackgroundJob)).one()
    session.refresh(job)
    assert job.state == "done" and job.progress == 100 and job.kind == "ocr_directive"

    done = client.get(f"/api/v1/directives/{body['id']}", headers=headers).get_json()
    assert done["state"] == "draft" and done["text_origin"] == "ocr"
    owners = [t["owner"] for t in done["tasks"]]
    assert "Sở Tài chính" in owners and len(done["tasks"]) >= 2
    page = client.get(f"/directives/{body['id']}/review").get_data(as_text=True)
    assert "nhận dạng từ ảnh — kiểm tra kỹ" in page and 'id="original-link"' in page
    assert client.get(f"/directives/{body['id']}/original").data == scan


def test_photo_is_read_and_accuracy_is_measured(app, client, session, make_user, token_for):
    headers = token_for(make_user("vanphong", "clerk"))
    pdf = to_pdf(NOTICE, header=None)
    photo = scan_like(pdf_to_images(pdf, last=1)[0], seed=3, skew=-0.8)
    r = _post(client, headers, "anh-chup.png", photo)
    assert r.status_code == 202
    with app.app_context():
        jobs.run_pending(app.extensions["engine"])
    original = session.exec(select(DirectiveOriginal)).one()
    session.refresh(original)
    assert original.intake_state == "ready"
    from tracker.models import Directive

    text = session.get(Directive, original.directive_id).source_text
    assert char_accuracy(NOTICE, text) > 0.9, text


def test_unreadable_scan_fails_with_a_message(app, client, session, make_user, token_for):
    from PIL import Image

    headers = token_for(make_user("vanphong", "clerk"))
    buf = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(buf, format="PDF")
    r = _post(client, headers, "trang-trang.pdf", buf.getvalue())
    assert r.status_code == 202
    with app.app_context():
        jobs.run_pending(app.extensions["engine"])
    got = client.get(f"/api/v1/directives/{r.get_json()['id']}", headers=headers).get_json()
    assert got["state"] == "failed" and "nhận dạng" in got["error"]["message"].lower()


def test_a_job_left_running_is_requeued_then_given_up(app, session):
    engine = app.extensions["engine"]
    job = jobs.enqueue(session, "nothing", {})
    session.commit()
    for expected in ("queued", "failed"):
        claimed = jobs.claim_next(engine)
        assert claimed.id == job.id and jobs.claim_next(engine) is None   # claimed once
        jobs.recover(engine)
        session.refresh(job)
        assert job.state == expected


def test_a_page_over_its_limits_is_stopped(tmp_path):
    from tracker.services import ServiceError
    from tracker.services.ocr import PageLimits
    from tracker.services.ocr import ocr_pages

    image = tmp_path / "trang.png"
    image.write_bytes(pdf_to_images(to_pdf(NOTICE, header=None), last=1)[0])
    with pytest.raises(ServiceError) as exc:
        ocr_pages(str(image), "png", limits=PageLimits(wall_seconds=0.05))
    assert exc.value.code in ("ocr_limit", "ocr_timeout") and "dừng" in exc.value.message
