"""Finding 5 (round 2): evidence is served under a safe name whose extension comes from what
the file really is; HTML, SVG and scripts are refused; zip stays; TIFF scans are accepted."""
import io
import zipfile

import pytest
from sqlmodel import select

from tests.hardening.conftest import login_as
from tracker.models import Attachment
from tracker.services import ServiceError
from tracker.services import imports

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bao-cao.txt", "Báo cáo")
    return buffer.getvalue()


def _upload(client, task, filename, data):
    return client.post(f"/tasks/{task.id}/update", data={"version": str(task.version), "note": "Minh chứng",
                                                         "evidence": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _download_name(client, session, task):
    row = session.exec(select(Attachment).where(Attachment.task_id == task.id)
                       .order_by(Attachment.id.desc())).first()
    response = client.get(f"/attachments/{row.id}")
    assert response.status_code == 200
    return response.headers["Content-Disposition"]


@pytest.mark.parametrize("filename,data,served", [
    ("BaoCao_\u202efdp.hta", PDF, "BaoCao_fdp.pdf"),
    ("BaoCao\u200f\u2066.js", PDF, "BaoCao.pdf"),
    ("ảnh quét.tiff", TIFF, "ảnh quét.tif"),
    ("tai-lieu.zip", _zip(), "tai-lieu.zip"),
    ("bao-cao.exe", PDF, "bao-cao.pdf"),
    ("ghi\tchu\x07.txt", "Nội dung".encode(), "ghichu.txt"),
])
def test_served_name_takes_the_real_extension(client, world, session, filename, data, served):
    login_as(client, world.users["staff"])
    assert _upload(client, world.task_a, filename, data).status_code in (302, 303)
    disposition = _download_name(client, session, world.task_a)
    assert "\u202e" not in disposition and "\n" not in disposition
    from urllib.parse import quote

    assert quote(served) in disposition or served in disposition, disposition


@pytest.mark.parametrize("filename,data", [
    ("trang.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("trang.txt", b"<html><script>alert(1)</script></html>"),
    ("anh.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("anh.txt", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("chay.js", b"alert(document.cookie)"),
    ("chay.hta", b"<hta:application id=x>"),
    ("BaoCao_\u202efdp.hta", b"<hta:application/>"),
])
def test_active_content_is_refused(client, world, filename, data):
    with pytest.raises(ServiceError) as info:
        imports.evidence_kind(filename, data)
    assert info.value.code == "unsupported_type"
    login_as(client, world.users["staff"])
    response = _upload(client, world.task_a, filename, data)
    assert response.status_code == 422


def test_a_name_stored_before_the_rule_is_served_safely(client, world, session):
    row = world.files["a"]
    row.original_name = "BaoCao_\u202efdp.hta"
    session.add(row)
    session.commit()
    login_as(client, world.users["staff"])
    disposition = client.get(f"/attachments/{row.id}").headers["Content-Disposition"]
    assert "hta" not in disposition and "\u202e" not in disposition and "pdf" in disposition


def test_clean_filename_strips_controls_and_bidi():
    assert imports.clean_filename("../../a\u202eb\u0000c\u2028d.pdf") == "abcd.pdf"
    assert imports.served_name("", "png") == "minh-chung.png"
