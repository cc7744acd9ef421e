"""A directive arriving as a file: keep the original, read its text now or in the background.

`create_from_file` stores the upload under instance/originals with a generated name and
makes the draft. A file with a text layer (.txt, .docx, text PDF) is parsed at once, like
pasted text. A scan or a photograph makes a draft in intake state "processing" with an
empty text and queues an `ocr_directive` job; the worker reads it page by page
(tracker.services.ocr), then fills the draft's text and proposed tasks. The review page
marks such text "nhận dạng từ ảnh — kiểm tra kỹ".

Who may fetch the original: the office (clerk, admin), leaders, and the units with a task
(lead or coordinating) in that directive — the same people who see its tasks.
"""
from __future__ import annotations

import os
import secrets

from sqlmodel import Session
from sqlmodel import select

from tracker.models import DRAFT
from tracker.models import INTAKE_FAILED
from tracker.models import INTAKE_PROCESSING
from tracker.models import INTAKE_READY
from tracker.models import BackgroundJob
from tracker.models import Directive
from tracker.models import DirectiveOriginal
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import User
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services import directives as directive_service
from tracker.services import jobs
from tracker.services import permissions
from tracker.services.imports import read_directive_file
from tracker.services.search import search_text_for_directive

ORIGINALS_DIR = "originals"
OCR_JOB = "ocr_directive"
OCR_NOTE = "nhận dạng từ ảnh — kiểm tra kỹ"


def originals_folder(instance_path: str) -> str:
    path = os.path.join(instance_path, ORIGINALS_DIR)
    os.makedirs(path, exist_ok=True)
    return path


def original_path(instance_path: str, original: DirectiveOriginal) -> str:
    return os.path.join(originals_folder(instance_path), original.stored_name)


def _store(instance_path: str, data: bytes) -> str:
    name = secrets.token_hex(16)
    path = os.path.join(originals_folder(instance_path), name)
    with open(path, "xb") as fh:
        fh.write(data)
    return name


def _safe_name(filename: str) -> str:
    base = os.path.basename((filename or "").replace("\\", "/")).strip() or "van-ban"
    return "".join(ch for ch in base if ch.isprintable() and ch not in '"\r\n')[:255]


def create_from_file(session: Session, user: User, *, instance_path: str, filename: str, data: bytes,
                     issued=None, number=None, kind=None, channel: str = "web",
                     max_text_bytes: int = directive_service.MAX_TEXT_CHARS) -> Directive:
    """A draft from an uploaded file, its original kept (does not commit)."""
    if not permissions.can_import(user):
        from tracker.services import Forbidden
        raise Forbidden("Chỉ Văn phòng được nhập văn bản")
    found = read_directive_file(filename, data)
    if found.text is not None:
        directive_service.validate_text(found.text, max_text_bytes)
        directive = directive_service.create_draft(session, user, text=found.text, issued=issued, number=number,
                                                   kind=kind, channel=channel)
        origin, state = found.kind if found.kind != "text" else "txt", INTAKE_READY
    else:
        issued_date = directive_service.parse_iso_date(issued, "ngày ban hành")
        if kind and kind not in directive_service.DIRECTIVE_KINDS:
            raise ServiceError(f"Loại văn bản '{kind}' không hợp lệ", code="invalid_kind", status=422)
        directive = Directive(number=(number or None), code=(number or None), kind=kind or "other",
                              title=f"Bản quét: {_safe_name(filename)}"[:2000], issued_date=issued_date,
                              source_text="", state=DRAFT, draft_tasks=[], created_by_id=user.id)
        directive.search_text = search_text_for_directive(directive)
        session.add(directive)
        session.flush()
        origin, state = "ocr", INTAKE_PROCESSING
    stored = _store(instance_path, data)
    original = DirectiveOriginal(directive_id=directive.id, original_name=_safe_name(filename), stored_name=stored,
                                 content_type=found.content_type, size=len(data), text_origin=origin,
                                 intake_state=state, uploaded_by_id=user.id)
    if state == INTAKE_PROCESSING:
        job = jobs.enqueue(session, OCR_JOB, {"directive_id": directive.id, "kind": found.kind,
                                              "issued": str(issued) if issued else None, "number": number},
                           owner_id=user.id)
        original.job_id = job.id
    session.add(original)
    session.flush()
    return directive


def original_of(session: Session, directive_id: int) -> DirectiveOriginal | None:
    return session.exec(select(DirectiveOriginal).where(DirectiveOriginal.directive_id == directive_id)).first()


def intake_status(session: Session, directive: Directive) -> dict | None:
    """{"state", "progress", "message", "origin"} of a directive that came as a file."""
    original = original_of(session, directive.id)
    if original is None:
        return None
    job = session.get(BackgroundJob, original.job_id) if original.job_id else None
    progress = 100 if original.intake_state == INTAKE_READY else (job.progress if job else 0)
    return {"state": original.intake_state, "progress": progress, "origin": original.text_origin,
            "message": original.intake_error or (job.message if job else None), "name": original.original_name}


def can_view_original(session: Session, user: User, directive: Directive) -> bool:
    if user.role in ("clerk", "admin"):
        return True
    if directive.state == DRAFT:
        return False
    if user.role == "leader":
        return True
    if user.role not in permissions.UNIT_ROLES or user.unit_id is None:
        return False
    lead = session.exec(select(Task.id).where(Task.directive_id == directive.id, Task.lead_unit_id == user.unit_id)
                        .limit(1)).first()
    if lead is not None:
        return True
    co = session.exec(select(TaskCoUnit.task_id).join(Task, Task.id == TaskCoUnit.task_id)
                      .where(Task.directive_id == directive.id, TaskCoUnit.unit_id == user.unit_id).limit(1)).first()
    return co is not None


def original_for(session: Session, user: User, directive_id: int) -> DirectiveOriginal:
    """The original of a directive the user may see (NotFound otherwise: no existence leak)."""
    directive = session.get(Directive, directive_id)
    if directive is None or not can_view_original(session, user, directive):
        raise NotFound("Không tìm thấy văn bản")
    original = original_of(session, directive_id)
    if original is None:
        raise NotFound("Văn bản này không có tệp gốc (được nhập bằng cách dán nội dung)")
    return original


# --- the background job -------------------------------------------------------------------

def fill_draft(session: Session, directive: Directive, text: str) -> None:
    """Parse text read later (OCR) into an existing draft: header fields the clerk did not give, tasks."""
    from tracker.parsing import parse_directive
    from tracker.parsing.registry import Registry
    from tracker.services.directives import _draft_from_parsed
    from tracker.services.units import registry_for_parser

    units = registry_for_parser(session)
    registry = Registry(units)  # built once per document, as directives.create_draft does
    parsed = parse_directive(text, issued=directive.issued_date, units=registry)
    doc, tasks = parsed.document, parsed.tasks
    code_to_id = {u["code"]: u["id"] for u in units}
    directive.source_text = text
    directive.number = directive.number or doc.number or None
    directive.code = directive.code or doc.code or None
    if directive.kind == "other" and doc.kind in directive_service.DIRECTIVE_KINDS:
        directive.kind = doc.kind
    if doc.title:
        directive.title = doc.title[:2000]
    directive.issuer = directive.issuer or doc.issuer or None
    directive.signer = directive.signer or doc.signer or None
    if directive.issued_date is None and doc.issued:
        directive.issued_date = doc.issued
    directive.draft_tasks = [_draft_from_parsed(t, code_to_id, session, registry)
                             for t in tasks[:directive_service.MAX_TASKS]]
    directive.search_text = search_text_for_directive(directive)
    directive.version += 1


@jobs.handler(OCR_JOB)
def run_ocr(engine, job, progress):
    """Read a scan page by page, then fill the draft; progress in the job row."""
    from tracker.services import ocr

    directive_id = job.payload["directive_id"]
    with Session(engine, expire_on_commit=False) as s:
        original = original_of(s, directive_id)
        if original is None:
            raise NotFound("Văn bản đã bị xoá")
        instance_path = job.payload.get("instance_path") or _instance_path()
        path = original_path(instance_path, original)
    progress(1, "Đang nhận dạng chữ")
    text = ocr.ocr_text(path, job.payload.get("kind") or "pdf",
                        progress=lambda done, total: progress(max(1, int(95 * done / total)),
                                                              f"Đã nhận dạng {done}/{total} trang"))
    if len("".join(text.split())) < 20:
        raise ServiceError("Không nhận dạng được chữ trên bản quét (ảnh mờ hoặc không có chữ)", code="ocr_empty",
                           status=422)
    with Session(engine, expire_on_commit=False) as s:
        directive = s.get(Directive, directive_id)
        original = original_of(s, directive_id)
        if directive is None or original is None or directive.state != DRAFT:
            return None
        fill_draft(s, directive, text)
        original.intake_state = INTAKE_READY
        original.intake_error = None
        s.add(directive)
        s.add(original)
        s.commit()
    return None


def _ocr_failed(engine, job, exc):
    with Session(engine) as s:
        original = original_of(s, job.payload.get("directive_id"))
        if original is not None:
            original.intake_state = INTAKE_FAILED
            original.intake_error = getattr(exc, "message", None) or "Nhận dạng chữ thất bại"
            s.add(original)
            s.commit()


run_ocr.on_failure = _ocr_failed


def _instance_path() -> str:
    from flask import current_app

    return current_app.instance_path
