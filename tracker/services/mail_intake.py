"""Directives arriving by e-mail: the office's intake mailbox, read over IMAP by the worker.

Offices forward directives to one mailbox (INTAKE_IMAP_HOST, _PORT, _USER, _PASSWORD,
_FOLDER, _SSL). The worker calls `poll_once` every INTAKE_IMAP_POLL_SECONDS in a thread of
its own (never in the minute sweep). Each unseen message is fetched without marking it
(BODY.PEEK[]); each directive attachment (.docx, .pdf, scans and photographs) becomes a
draft through the same path as an upload (services/intake.create_from_file: the original
kept, text read at once or an OCR job queued), then the message is marked \\Seen.

No duplicates on re-poll: the drafts of one message and an audit event naming the message
(its Message-ID, else the folder's UIDVALIDITY and the UID) are committed together, and a
message already in the audit is only marked seen again. So a crash between the commit and
the \\Seen flag, or another client marking the message unseen, imports nothing twice.

Who the drafts belong to: the office account whose e-mail address sent the message, else
the first active clerk (then admin): the office reviews every draft before it is published.
"""
from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import logging
import ssl
from dataclasses import dataclass
from dataclasses import field
from email.utils import parseaddr
from pathlib import PurePath

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import select

from tracker.models import AuditEvent
from tracker.models import User
from tracker.services import ServiceError
from tracker.services.imports import DIRECTIVE_EXTENSIONS
from tracker.services.imports import IMAGE_EXTENSIONS

log = logging.getLogger("tracker.mail_intake")

# a .txt attachment is most often a signature or a mail client's part, not a directive
ATTACHMENT_EXTENSIONS = tuple(e for e in DIRECTIVE_EXTENSIONS if e != ".txt") + IMAGE_EXTENSIONS
AUDIT_ENTITY = "mailbox"
AUDIT_ACTION = "mail_imported"
CHANNEL = "email"
MAX_MESSAGES_PER_POLL = 50


@dataclass
class MailboxSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config) -> MailboxSettings | None:
        """None when no intake mailbox is configured (INTAKE_IMAP_HOST unset)."""
        host = config.get("INTAKE_IMAP_HOST")
        if not host:
            return None
        use_ssl = bool(config.get("INTAKE_IMAP_SSL", True))
        port = config.get("INTAKE_IMAP_PORT") or (993 if use_ssl else 143)
        return cls(host=host, port=int(port), user=config.get("INTAKE_IMAP_USER") or "",
                   password=config.get("INTAKE_IMAP_PASSWORD") or "",
                   folder=config.get("INTAKE_IMAP_FOLDER") or "INBOX",
                   ssl=use_ssl)


@dataclass
class PollResult:
    messages: int = 0                 # unseen messages looked at
    drafts: list[int] = field(default_factory=list)   # ids of the drafts made
    skipped: list[str] = field(default_factory=list)  # attachments refused, with the reason
    already: int = 0                  # messages imported before (only marked seen again)

    def as_dict(self) -> dict:
        return {"messages": self.messages, "drafts": len(self.drafts), "skipped": len(self.skipped),
                "already": self.already}


def connect(settings: MailboxSettings) -> imaplib.IMAP4:
    if settings.ssl:
        client = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=ssl.create_default_context(),
                                   timeout=settings.timeout)
    else:
        client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    client.login(settings.user, settings.password)
    return client


def _check(typ, data, what: str):
    if typ != "OK":
        raise ServiceError(f"Hộp thư nhận văn bản: {what} không được ({data!r})", code="imap_error", status=502)
    return data


def attachments(message) -> list[tuple[str, bytes]]:
    """(file name, content) of the directive files attached to a message."""
    out = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if not name or PurePath(name).suffix.lower() not in ATTACHMENT_EXTENSIONS:
            continue
        data = part.get_payload(decode=True)
        if data:
            out.append((name, data))
    return out


def message_key(message, uidvalidity: str, uid: str, settings: MailboxSettings) -> str:
    message_id = (message.get("Message-ID") or "").strip()
    if message_id:
        return f"message-id:{message_id}"[:2000]
    return f"uid:{settings.user}@{settings.host}/{settings.folder};{uidvalidity};{uid}"


def already_imported(session: Session, key: str) -> bool:
    found = session.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == AUDIT_ENTITY, AuditEvent.action == AUDIT_ACTION, AuditEvent.new_value == key)).one()
    return bool(found)


def office_user(session: Session, sender: str) -> User | None:
    """The office account that sent the message, else the first active clerk, else admin."""
    address = parseaddr(sender or "")[1].strip().lower()
    office = select(User).where(User.active == sa.true(), User.role.in_(("clerk", "admin")))
    if address:
        match = session.exec(office.where(func.lower(User.email) == address).order_by(User.id)).first()
        if match is not None:
            return match
    for role in ("clerk", "admin"):
        user = session.exec(office.where(User.role == role).order_by(User.id)).first()
        if user is not None:
            return user
    return None


def import_message(session: Session, raw: bytes, key: str, *, instance_path: str, max_bytes: int,
                   max_text_bytes: int, result: PollResult) -> None:
    """Drafts from one message's attachments and the audit event naming it (not committed)."""
    from tracker.services import intake

    message = email.message_from_bytes(raw, policy=email.policy.default)
    user = office_user(session, message.get("From", ""))
    files = attachments(message)
    made, refused = [], []
    if user is None:
        refused.append("không có tài khoản Văn phòng để nhận bản nháp")
        files = []
    for name, data in files:
        if len(data) > max_bytes:
            refused.append(f"{name}: quá {max_bytes // (1024 * 1024)} MB")
            continue
        try:   # a refused file is refused before anything is added: the others still go in
            directive = intake.create_from_file(session, user, instance_path=instance_path, filename=name,
                                                data=data, channel=CHANNEL, max_text_bytes=max_text_bytes)
        except ServiceError as exc:
            refused.append(f"{name}: {exc.message}")
            continue
        made.append(directive.id)
    subject = str(message.get("Subject", "") or "")[:200]
    session.add(AuditEvent(actor_id=user.id if user else None, channel=CHANNEL, entity=AUDIT_ENTITY,
                           action=AUDIT_ACTION, new_value=key,
                           old_value=f"{subject} | bản nháp: {made} | bỏ qua: {refused}"[:4000]))
    result.drafts.extend(made)
    result.skipped.extend(refused)


def poll_once(engine, settings: MailboxSettings, *, instance_path: str, max_bytes: int = 50 * 1024 * 1024,
              max_text_bytes: int = 2 * 1024 * 1024, client: imaplib.IMAP4 | None = None) -> PollResult:
    """Read the unseen messages of the intake folder once; returns what was done."""
    result = PollResult()
    own = client is None
    client = client or connect(settings)
    try:
        _check(*client.select(_quoted(settings.folder)), f"mở thư mục {settings.folder}")
        uidvalidity = (client.response("UIDVALIDITY")[1] or [b""])[0]
        uidvalidity = uidvalidity.decode() if isinstance(uidvalidity, bytes) else str(uidvalidity or "")
        data = _check(*client.uid("SEARCH", "UNSEEN"), "tìm thư chưa đọc")
        uids = [u for u in (data[0] or b"").split()][:MAX_MESSAGES_PER_POLL]
        for uid in uids:
            uid_s = uid.decode()
            fetched = _check(*client.uid("FETCH", uid_s, "(BODY.PEEK[])"), f"tải thư {uid_s}")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if raw is None:
                continue
            result.messages += 1
            message = email.message_from_bytes(raw, policy=email.policy.default)
            key = message_key(message, uidvalidity, uid_s, settings)
            with Session(engine, expire_on_commit=False) as session:
                if already_imported(session, key):
                    result.already += 1
                else:
                    import_message(session, raw, key, instance_path=instance_path, max_bytes=max_bytes,
                                   max_text_bytes=max_text_bytes, result=result)
                    session.commit()
            _check(*client.uid("STORE", uid_s, "+FLAGS", "(\\Seen)"), f"đánh dấu đã đọc thư {uid_s}")
    finally:
        if own:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
    if result.messages:
        log.info("Hộp thư nhận văn bản: %s", result.as_dict())
    return result


def _quoted(folder: str) -> str:
    """A folder name as an IMAP string (a name with spaces must be quoted)."""
    if folder.isascii() and folder.replace("/", "").replace(".", "").replace("_", "").replace("-", "").isalnum():
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
