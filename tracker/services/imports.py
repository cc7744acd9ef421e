"""Files in: sniff what a file really is, and get the text out of a directive file.

The name's extension is only a claim; the first bytes decide. A .docx is a zip archive,
so its member sizes are checked *before* anything is decompressed (a small zip can
expand to gigabytes). A PDF without a text layer is a scan and needs OCR, which this
is done in the background (read_directive_file says so; tracker.services.ocr reads it).
"""
import contextlib
import io
import re
import unicodedata
import zipfile
from pathlib import PurePath

from tracker.services import ServiceError
from tracker.services.sandbox import Limits
from tracker.services.sandbox import SandboxError
from tracker.services.sandbox import run_limited

EXTRACT_LIMITS = Limits(cpu_seconds=20, memory_bytes=768 * 2**20, wall_seconds=40.0)

MAX_UNCOMPRESSED = 50 * 1024 * 1024   # total of a .docx's members
MAX_ZIP_MEMBERS = 5000
MAX_RATIO = 200                        # uncompressed / compressed, per member
MIN_PDF_TEXT_CHARS = 20
MAX_PDF_PAGES = 300                    # a directive is rarely over 50 pages
# decoded content of all pages together (pages may share one stream: each page counts it again);
# text PDFs have tens of kB per page, and reading 1 MB of content costs pypdf about a CPU second
MAX_PDF_STREAM_BYTES = 4 * 1024 * 1024
MAX_EXTRACTED_CHARS = 4 * 1024 * 1024   # text out of one file (the paste limit is 2 MB)
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024   # word/document.xml uncompressed
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
    "text": "văn bản thuần", "binary": "tệp nhị phân không rõ loại", "empty": "tệp rỗng", "tiff": "ảnh TIFF",
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
    "tiff": "image/tiff",
    "text": "text/plain; charset=utf-8",
}
# The extension a served evidence file gets, from what it really is (never from its name).
KIND_EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx", "pptx": ".pptx", "zip": ".zip", "png": ".png",
                   "jpeg": ".jpg", "gif": ".gif", "webp": ".webp", "tiff": ".tif", "text": ".txt", "ole": ".doc"}
_OLE_EXTENSIONS = (".doc", ".xls", ".ppt")
_TEXT_EXTENSIONS = (".txt", ".csv")
# Text that a browser or Windows would run or render as a page: refused as evidence even as .txt.
_ACTIVE_TEXT = re.compile(rb"<\s*(?:!doctype\s+html|html|svg|script|iframe|object|embed|body|head|\?xml)\b"
                          rb"|<\s*hta:application|\bjavascript:", re.I)


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
        size = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    except KeyError:
        size = 0
    if size > MAX_DOCX_XML_BYTES:
        raise ServiceError(f"Nội dung tệp Word quá lớn (hơn {MAX_DOCX_XML_BYTES // (1024 * 1024)} MB khi giải nén), "
                           "không xử lý; hãy dán nội dung văn bản", code="too_large", status=413)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise ServiceError("Không đọc được tệp Word (.docx): tệp bị hỏng", code="corrupt_file", status=422) from None
    # paragraphs and tables in document order, Word's automatic numbering restored (docx_text)
    return _capped("\n".join(docx_lines(document)))


def _capped(text: str) -> str:
    if len(text) > MAX_EXTRACTED_CHARS:
        raise ServiceError("Văn bản trong tệp quá dài (hơn 4 triệu ký tự), không xử lý", code="too_large", status=413)
    return text


def _pdf_text_or_none(data: bytes) -> str | None:
    """The re-flowed text of a PDF, or None when it has no text layer (a scan: needs OCR)."""
    from pypdf import PdfReader

    from tracker.services.pdf_text import pdf_lines

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            with contextlib.suppress(Exception):  # a wrong or missing password: reported just below
                reader.decrypt("")
            if reader.is_encrypted:
                raise ServiceError("Tệp PDF được đặt mật khẩu, không đọc được", code="encrypted", status=422)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ServiceError(f"Tệp PDF có quá nhiều trang (hơn {MAX_PDF_PAGES}), không xử lý", code="too_large",
                               status=413)
        streamed = 0
        for page in reader.pages:
            # pages may share one huge content stream: count what each page would make us read,
            # before reading any text (decompressing is cheap, interpreting is not)
            contents = page.get_contents()
            streamed += len(contents.get_data()) if contents is not None else 0
            if streamed > MAX_PDF_STREAM_BYTES:
                raise ServiceError("Nội dung tệp PDF quá lớn hoặc bất thường, không xử lý; hãy dán nội dung văn bản",
                                   code="too_large", status=413)
        if not reader.pages:
            raise ServiceError("Tệp PDF không có trang nào", code="corrupt_file", status=422)
        text = "\n".join(pdf_lines(data))
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - pypdf/pdfminer raise many kinds on broken files
        raise ServiceError("Không đọc được tệp PDF: tệp bị hỏng hoặc được bảo vệ", code="corrupt_file",
                           status=422) from None
    text = _capped(text)
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
            raise ServiceError(f"Tệp có đuôi {ext} nhưng nội dung là {KIND_LABELS.get(kind, kind)}. "
                               "Vui lòng kiểm tra lại tệp.",
                               code="type_mismatch", status=422)
        return DirectiveFile(kind, DIRECTIVE_TYPES[kind], None)
    if ext == ".pdf" and kind == "pdf":
        try:  # in a child process with hard limits, as extract_directive_text
            text = run_limited(_pdf_text_or_none, data, limits=EXTRACT_LIMITS)
        except SandboxError as exc:
            raise ServiceError(str(exc), code=f"extract_{exc.reason}", status=422) from None
        return DirectiveFile("pdf", DIRECTIVE_TYPES["pdf"], text)
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
    # a hostile PDF or .docx can make the parser loop for minutes or take gigabytes; gunicorn's
    # timeout does not stop a thread, so extraction runs in a child process with hard limits
    try:
        return run_limited(_docx_text if kind == "docx" else _pdf_text, data, limits=EXTRACT_LIMITS)
    except SandboxError as exc:
        raise ServiceError(str(exc), code=f"extract_{exc.reason}", status=422) from None


def evidence_kind(filename: str, data: bytes) -> tuple[str, str]:
    """(kind, content type) of an evidence upload; refuses unknown binaries, zip bombs, and
    anything a browser would render or run (HTML, SVG, scripts), whatever its name says."""
    if not data:
        raise ServiceError("Tệp rỗng", code="empty_file", status=422)
    kind = sniff(data)
    refused = ServiceError("Loại tệp không được chấp nhận (nhận PDF, Word, Excel, PowerPoint, ảnh, văn bản .txt/.csv, "
                           "zip)", code="unsupported_type", status=422)
    if kind not in EVIDENCE_TYPES:
        raise refused
    if kind in ("docx", "xlsx", "pptx", "zip"):
        check_zip_safe(data)
    if kind == "text":
        ext = PurePath(clean_filename(filename)).suffix.lower()
        if ext not in _TEXT_EXTENSIONS or _ACTIVE_TEXT.search(data[:65536]):
            raise refused
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ServiceError("Tệp văn bản phải ở mã UTF-8", code="not_utf8", status=422) from None
    return kind, EVIDENCE_TYPES[kind]


def clean_filename(name: str | None) -> str:
    """The base name without path, control, format (bidi: U+202E …) or line-separator characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
    return " ".join(base.split()).strip(" .")[:200]


def kind_for_content_type(content_type: str | None) -> str | None:
    for kind, known in EVIDENCE_TYPES.items():
        if (content_type or "").split(";")[0].strip() == known.split(";")[0]:
            return kind
    return None


def served_name(original: str | None, kind: str | None) -> str:
    """The download name: the cleaned original stem with the extension of what the file really is."""
    cleaned = clean_filename(original)
    path = PurePath(cleaned or "minh-chung")
    ext = path.suffix.lower()
    stem = (path.stem if ext else path.name) or "minh-chung"
    wanted = KIND_EXTENSIONS.get(kind or "", ".bin")
    if ((kind == "ole" and ext in _OLE_EXTENSIONS) or (kind == "text" and ext in _TEXT_EXTENSIONS)
            or (kind == "jpeg" and ext == ".jpeg")):
        wanted = ext
    return stem + wanted
