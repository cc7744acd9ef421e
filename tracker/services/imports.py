"""Files in: sniff what a file really is, and get the text out of a directive file.

The name's extension is only a claim; the first bytes decide. A .docx is a zip archive,
so its member sizes are checked *before* anything is decompressed (a small zip can
expand to gigabytes). A PDF without a text layer is a scan and needs OCR, which this
is done in the background (read_directive_file says so; tracker.services.ocr reads it).
"""
import io
import zipfile
from pathlib import PurePath

from tracker.services import ServiceError

MAX_UNCOMPRESSED = 50 * 1024 * 1024   # total of a .docx's members
MAX_ZIP_MEMBERS = 5000
MAX_RATIO = 200                        # uncompressed / compressed, per member
MIN_PDF_TEXT_CHARS = 20
DIRECTIVE_EXTENSIONS = (".txt", ".docx", ".pdf")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
DIRECTIVE_TYPES = {
    "text": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
}

KIND_LABELS = {
    "pdf": "PDF", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "pptx": "PowerPoint (.pptx)", "zip": "tệp nén zip",
    "ole": "Office cũ (.doc/.xls)", "png": "ảnh PNG", "jpeg": "ảnh JPEG", "gif": "ảnh GIF", "webp": "ảnh WebP",
    "text": "văn bản thuần", "tiff": "ảnh TIFF", "binary": "tệp nhị phân không rõ loại", "empty": "tệp rỗng",
}
# Evidence files: what the kind is allowed as, with the content type it is served with.
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ole": "application/octet-stream",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "text": "text/plain; charset=utf-8",
}


def sniff(data: bytes) -> str:
    """The real kind of a file from its first bytes (and, for zips, its member names)."""
    if not data:
        return "empty"
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except Exception:  # noqa: BLE001 - a damaged archive raises many kinds (BadZipFile, NotImplementedError, EOFError...)
            return "binary"
        if "word/document.xml" in names:
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("ppt/") for n in names):
            return "pptx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 text; decode_text explains that UTF-8 is needed
    sample = data[:8192]
    if b"\x00" in sample:
        return "binary"
    return "text"


def check_zip_safe(data: bytes) -> None:
    """Refuse archives whose members would expand too far, judged from the central directory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # noqa: BLE001 - see sniff
        raise ServiceError("Tệp bị hỏng, không mở được", code="corrupt_file", status=422) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ServiceError("Tệp chứa quá nhiều thành phần, không xử lý", code="zip_bomb", status=422)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ServiceError("Tệp nén bất thường (tỉ lệ giải nén quá lớn), không xử lý", code="zip_bomb", status=422)
    if total > MAX_UNCOMPRESSED:
        raise ServiceError(f"Tệp sau giải nén quá lớn (hơn {MAX_UNCOMPRESSED // (1024 * 1024)} MB), không xử lý",
                           code="zip_bomb", status=422)


def decode_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "Tệp .txt không phải mã UTF-8 (có thể là TCVN3, VNI hoặc Windows-1258). "
            "Hãy mở tệp và lưu lại với mã hoá UTF-8, rồi tải lên lại.", code="not_utf8", status=422) from None
    if "\x00" in text:
        raise ServiceError("Tệp chứa ký tự nhị phân, không phải văn bản thuần", code="binary_text", status=422)
    return text


def _docx_text(data: bytes) -> str:
    import docx

    from tracker.services.docx_text import docx_lines

    check_zip_safe(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise ServiceError("Không đọc được tệp Word (.docx): tệp bị hỏng", code="corrupt_file", status=422) from None
    return "\n".join(docx_lines(document))


def _pdf_text_or_none(data: bytes) -> str | None:
    """The re-flowed text of a PDF, or None when it has no text layer (a scan: needs OCR)."""
    from pypdf import PdfReader

    from tracker.services.pdf_text import pdf_lines

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:  # noqa: BLE001
                pass
            if reader.is_encrypted:
                raise ServiceError("Tệp PDF được đặt mật khẩu, không đọc được", code="encrypted", status=422)
        if not reader.pages:
            raise ServiceError("Tệp PDF không có trang nào", code="corrupt_file", status=422)
        text = "\n".join(pdf_lines(data))
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - pypdf/pdfminer raise many kinds on broken files
        raise ServiceError("Không đọc được tệp PDF: tệp bị hỏng hoặc được bảo vệ", code="corrupt_file", status=422) from None
    if len("".join(text.split())) < MIN_PDF_TEXT_CHARS:
        return None
    return text


def _pdf_text(data: bytes) -> str:
    text = _pdf_text_or_none(data)
    if text is None:
        raise ServiceError(
            "Tệp PDF không có lớp chữ (có thể là bản quét/ảnh chụp). Cần nhận dạng chữ (OCR) trước, "
            "hoặc dán nội dung văn bản vào ô bên dưới.", code="needs_ocr", status=422)
    return text


class DirectiveFile:
    """What an uploaded directive file is: its kind and content type, and its text when it
    has one (None: a scan or an image, to be read by OCR in the background)."""

    def __init__(self, kind: str, content_type: str, text: str | None):
        self.kind, self.content_type, self.text = kind, content_type, text

    @property
    def needs_ocr(self) -> bool:
        return self.text is None


def read_directive_file(filename: str, data: bytes) -> DirectiveFile:
    """Check an uploaded directive file and read its text; scans and images are left for OCR."""
    ext = PurePath(filename or "").suffix.lower()
    if not data:
        raise ServiceError("Tệp rỗng", code="empty_text", status=422)
    kind = sniff(data)
    if ext in IMAGE_EXTENSIONS:
        if kind not in ("png", "jpeg", "tiff"):
            raise ServiceError(f"Tệp có đuôi {ext} nhưng nội dung là {KIND_LABELS.get(kind, kind)}. Vui lòng kiểm tra lại tệp.",
                               code="type_mismatch", status=422)
        return DirectiveFile(kind, DIRECTIVE_TYPES[kind], None)
    if ext == ".pdf" and kind == "pdf":
        return DirectiveFile("pdf", DIRECTIVE_TYPES["pdf"], _pdf_text_or_none(data))
    text = extract_directive_text(filename, data)
    return DirectiveFile(kind, DIRECTIVE_TYPES.get(kind, "application/octet-stream"), text)


def extract_directive_text(filename: str, data: bytes) -> str:
    """Text of an uploaded directive (.txt, .docx, .pdf), checked against what the file really is."""
    ext = PurePath(filename or "").suffix.lower()
    if not data:
        raise ServiceError("Tệp rỗng", code="empty_text", status=422)
    kind = sniff(data)
    if ext == ".doc" or (kind == "ole" and ext not in DIRECTIVE_EXTENSIONS):
        raise ServiceError("Định dạng Word cũ (.doc) chưa được hỗ trợ. Hãy lưu lại thành .docx hoặc PDF.",
                           code="unsupported_type", status=422)
    if ext not in DIRECTIVE_EXTENSIONS:
        raise ServiceError("Chỉ nhận tệp .txt, .docx, .pdf hoặc ảnh chụp (.png, .jpg, .tif)", code="unsupported_type",
                           status=422)
    expected = {".txt": "text", ".docx": "docx", ".pdf": "pdf"}[ext]
    if kind != expected:
        raise ServiceError(
            f"Tệp có đuôi {ext} nhưng nội dung là {KIND_LABELS.get(kind, kind)}. Vui lòng kiểm tra lại tệp.",
            code="type_mismatch", status=422)
    if kind == "text":
        return decode_text(data)
    if kind == "docx":
        return _docx_text(data)
    return _pdf_text(data)


def evidence_kind(filename: str, data: bytes) -> tuple[str, str]:
    """(kind, content type) of an evidence upload; refuses unknown binaries and zip bombs."""
    if not data:
        raise ServiceError("Tệp rỗng", code="empty_file", status=422)
    kind = sniff(data)
    if kind not in EVIDENCE_TYPES:
        raise ServiceError("Loại tệp không được chấp nhận (nhận PDF, Word, Excel, PowerPoint, ảnh, văn bản, zip)",
                           code="unsupported_type", status=422)
    if kind in ("docx", "xlsx", "pptx", "zip"):
        check_zip_safe(data)
    if kind == "text":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ServiceError("Tệp văn bản phải ở mã UTF-8", code="not_utf8", status=422) from None
    return kind, EVIDENCE_TYPES[kind]
