"""Finding 4 (round 2): imports cannot exhaust a worker.

- parsing builds the unit registry once per document (it was rebuilt for every coordinating
  unit named: 134 KB of "Giao Sở … phối hợp Sở …, Sở …" took 22 s, 1.35 MB gave a 500);
- PDF and DOCX text extraction run in a child process with CPU, memory and wall limits
  and page caps (tracker/services/sandbox.py).
Work is counted, never timed; `hang_guard` only catches a hang.
"""
import pytest

from tests.budget import hang_guard
from tests.hardening.conftest import login_as
from tracker.parsing import registry as registry_module

SENTENCE = "Giao Sở Y tế chủ trì, phối hợp Sở Tài chính, Sở Xây dựng, Sở Công Thương kiểm tra. "


@pytest.fixture
def counted(monkeypatch):
    """Counts Registry constructions and slow-path lookups."""
    counts = {"built": 0, "lookups": 0}
    original_init, original_lookup = registry_module.Registry.__init__, registry_module.Registry._lookup

    def init(self, units):
        counts["built"] += 1
        original_init(self, units)

    def lookup(self, owner_text):
        counts["lookups"] += 1
        return original_lookup(self, owner_text)

    monkeypatch.setattr(registry_module.Registry, "__init__", init)
    monkeypatch.setattr(registry_module.Registry, "_lookup", lookup)
    return counts


@pytest.fixture
def units(make_unit):
    return [make_unit(name, aliases=[name]) for name in ("Sở Y tế", "Sở Tài chính", "Sở Xây dựng", "Sở Công Thương")]


def test_registry_is_built_once_per_document(app, client, world, units, counted, session):
    login_as(client, world.users["clerk"])
    text = SENTENCE * (134_000 // len(SENTENCE))
    with hang_guard(what="a 134 KB draft"):
        response = client.post("/api/v1/directives", json={"text": text},
                               headers={"Authorization": f"Bearer {world.tokens['clerk']}"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert len(body["tasks"]) > 1000
    from tracker.models import Directive

    draft = session.get(Directive, body["id"])
    assert draft.draft_tasks[0]["co_unit_ids"] == [u.id for u in units[1:]]  # the co-units are still resolved
    assert counted["built"] == 1
    # each distinct name is looked up once (the registry caches), not once per task
    assert counted["lookups"] <= 20


def test_a_1_35_mb_paste_is_a_draft_not_a_500(app, client, world, units, counted):
    login_as(client, world.users["clerk"])
    text = SENTENCE * (1_350_000 // len(SENTENCE))
    with hang_guard(what="a 1.35 MB draft"):
        response = client.post("/directives/new", data={"text": text})
    assert response.status_code in (200, 302, 303), response.status_code
    assert counted["built"] == 1


# --- extraction in a child process, with caps -----------------------------------------

def _shared_stream_pdf(pages: int, stream_bytes: int) -> bytes:
    """A small PDF whose pages all point at one big (well-compressed) content stream."""
    import zlib

    line = b"BT /F1 12 Tf 72 712 Td (Giao So Y te kiem tra) Tj ET\n"
    content = line * max(1, stream_bytes // len(line))
    packed = zlib.compress(content, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages)).encode()
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(pages).encode() + b" >>")
    objects.append(b"<< /Length " + str(len(packed)).encode() + b" /Filter /FlateDecode >>\nstream\n" + packed
                   + b"\nendstream")
    font = 4 + pages
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                       b"/Resources << /Font << /F1 " + str(font).encode() + b" 0 R >> >> >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += str(n).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\nstartxref\n" + \
        str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


def test_pdf_pages_sharing_one_huge_stream_are_refused():
    from tracker.services import ServiceError
    from tracker.services import imports

    data = _shared_stream_pdf(pages=200, stream_bytes=1024 * 1024)
    assert len(data) < 50_000  # 200 pages, one 1 MB stream
    with hang_guard(what="a shared-stream PDF"), pytest.raises(ServiceError) as info:
        imports.extract_directive_text("chi-thi.pdf", data)
    assert info.value.code == "too_large" and info.value.status == 413


def test_pdf_with_too_many_pages_is_refused():
    from tracker.services import ServiceError
    from tracker.services import imports

    with pytest.raises(ServiceError) as info:
        imports.extract_directive_text("chi-thi.pdf", _shared_stream_pdf(pages=imports.MAX_PDF_PAGES + 1,
                                                                          stream_bytes=100))
    assert info.value.code == "too_large"


def test_ordinary_pdf_still_reads():
    from tracker.services import imports

    text = imports.extract_directive_text("chi-thi.pdf", _shared_stream_pdf(pages=2, stream_bytes=200))
    assert "Giao So Y te" in text


def test_extraction_that_exceeds_its_limits_is_a_clear_message(monkeypatch):
    """The child is stopped by its CPU limit; the user gets a Vietnamese message, the worker lives on."""
    from tracker.services import ServiceError
    from tracker.services import imports
    from tracker.services.sandbox import Limits

    monkeypatch.setattr(imports, "EXTRACT_LIMITS", Limits(cpu_seconds=1, memory_bytes=768 * 2**20, wall_seconds=60))
    monkeypatch.setattr(imports, "MAX_PDF_STREAM_BYTES", 10**12)
    monkeypatch.setattr(imports, "_pdf_text", _spin_pdf)
    with pytest.raises(ServiceError) as info:
        imports.extract_directive_text("chi-thi.pdf", b"%PDF-1.4\n")
    assert info.value.code == "extract_timeout"
    assert "dừng" in info.value.message


def _spin_pdf(data):
    while True:
        pass


def test_docx_whose_document_xml_is_huge_is_refused():
    import io
    import zipfile

    from tracker.services import ServiceError
    from tracker.services import imports

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        body = "<w:p><w:r><w:t>Giao Sở Y tế kiểm tra</w:t></w:r></w:p>" * 420_000  # ~24 MB, compresses well
        archive.writestr("word/document.xml", f"<w:document><w:body>{body}</w:body></w:document>")
    with pytest.raises(ServiceError) as info:
        imports.extract_directive_text("chi-thi.docx", buffer.getvalue())
    assert info.value.code in ("too_large", "zip_bomb")
