"""The intake mailbox: directives e-mailed to the office (IMAP, INTAKE_IMAP_*) become drafts,
read by the worker against a real IMAP server on 127.0.0.1 (pymap, tests/fakes/imap_server.py)."""
import asyncio
from email.message import EmailMessage

import pytest
from sqlmodel import select

from bench.intake_render import to_docx
from bench.intake_render import to_pdf
from tracker.models import AuditEvent
from tracker.models import BackgroundJob
from tracker.models import Directive
from tracker.models import DirectiveOriginal
from tracker.services import mail_intake
from tracker.settings import reconfigure

pytest.importorskip("pymap", reason="pymap (test extra) runs the local IMAP server")

NOTICE = "\n".join([
    "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
    "THÔNG BÁO",
    "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về giải ngân vốn đầu tư công",
    "1. Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát các dự án chậm giải ngân, báo cáo UBND tỉnh "
    "trước ngày 15/3/2026.",
    "2. Giao Sở Nông nghiệp và Môi trường hoàn thành giải phóng mặt bằng trước ngày 30/4/2026.",
])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def imap():
    from tests.fakes.imap_server import ImapServer

    server = ImapServer().start()
    yield server
    server.stop()


def _mail(*files, sender="Văn thư Sở <vanthu@so.gov.vn>", subject="Chuyển văn bản", message_id=None):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "nhanvanban@ubnd.gov.vn", subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content("Kính chuyển văn bản đính kèm.")
    for name, data, mime in files:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _poll(app, imap):
    return mail_intake.poll_once(app.extensions["engine"], imap.settings(), instance_path=app.instance_path)


def test_attachments_become_drafts_once(app, session, make_user, imap):
    clerk = make_user("vanphong", "clerk")
    imap.append(_mail(("thong-bao.docx", to_docx(NOTICE), DOCX), ("thong-bao.pdf", to_pdf(NOTICE), "application/pdf"),
                      ("ban-quet.png", PNG, "image/png"), ("chu-ky.txt", b"Nguyen Van A", "text/plain"),
                      message_id="<tb-15@so.gov.vn>"))
    imap.append(_mail(subject="Chỉ có lời nhắn"))   # no attachment: nothing to import, still marked read
    assert len(imap.unseen()) == 2

    result = _poll(app, imap)
    assert (result.messages, len(result.drafts), result.already) == (2, 3, 0)
    assert imap.unseen() == []   # both marked \Seen
    drafts = session.exec(select(Directive).order_by(Directive.id)).all()
    assert [d.state for d in drafts] == ["draft"] * 3 and {d.created_by_id for d in drafts} == {clerk.id}
    originals = {o.original_name: o for o in session.exec(select(DirectiveOriginal)).all()}
    assert set(originals) == {"thong-bao.docx", "thong-bao.pdf", "ban-quet.png"}   # the .txt is no directive
    # the Word file and the text PDF are read at once, like an upload; the scan waits for OCR
    for name in ("thong-bao.docx", "thong-bao.pdf"):
        tasks = session.get(Directive, originals[name].directive_id).draft_tasks
        assert [t["owner"] for t in tasks] == ["Sở Tài chính", "Sở Nông nghiệp và Môi trường"], name
    assert originals["ban-quet.png"].intake_state == "processing"
    assert session.exec(select(BackgroundJob)).one().kind == "ocr_directive"
    audit = session.exec(select(AuditEvent).where(AuditEvent.entity == "mailbox")).all()
    assert len(audit) == 2 and {a.channel for a in audit} == {"email"}

    # polled again, and again after someone marked the messages unread: nothing twice
    assert _poll(app, imap).messages == 0
    imap.mark_unseen()
    again = _poll(app, imap)
    assert (again.messages, again.drafts, again.already) == (2, [], 2)
    assert len(session.exec(select(Directive)).all()) == 3 and imap.unseen() == []


def test_a_bad_attachment_is_skipped_and_the_sender_owns_the_drafts(app, session, make_user, imap):
    make_user("vanphong", "clerk")
    sender = make_user("vanthu2", "clerk")
    sender.email = "Van.Thu@So.gov.vn"
    session.add(sender)
    session.commit()
    imap.append(_mail(("hong.pdf", b"khong phai pdf", "application/pdf"), ("thong-bao.docx", to_docx(NOTICE), DOCX),
                      sender="van.thu@so.gov.vn"))   # no Message-ID: the UID names it
    result = _poll(app, imap)
    assert len(result.drafts) == 1 and len(result.skipped) == 1 and "hong.pdf" in result.skipped[0]
    directive = session.get(Directive, result.drafts[0])
    assert directive.created_by_id == sender.id
    audit = session.exec(select(AuditEvent).where(AuditEvent.entity == "mailbox")).one()
    assert audit.new_value.startswith("uid:") and "hong.pdf" in audit.old_value
    imap.mark_unseen()
    assert _poll(app, imap).already == 1


def test_no_office_account_imports_nothing_but_says_why(app, session, imap):
    imap.append(_mail(("thong-bao.docx", to_docx(NOTICE), DOCX), message_id="<x@y>"))
    result = _poll(app, imap)
    assert result.drafts == [] and "Văn phòng" in result.skipped[0]
    assert session.exec(select(Directive)).all() == []


def test_wrong_password_is_an_error_without_the_password(app, imap):
    settings = imap.settings()
    settings.password = "sai-mat-khau"
    with pytest.raises(Exception) as exc:
        mail_intake.poll_once(app.extensions["engine"], settings, instance_path=app.instance_path)
    assert "sai-mat-khau" not in str(exc.value)


def test_the_worker_polls_the_mailbox_beside_the_sweep(app, session, make_user, imap):
    from tracker.followup import worker

    make_user("vanphong", "clerk")
    imap.append(_mail(("thong-bao.docx", to_docx(NOTICE), DOCX), message_id="<w@y>"))
    reconfigure(app, INTAKE_IMAP_HOST="127.0.0.1", INTAKE_IMAP_PORT=imap.port, INTAKE_IMAP_USER=imap.settings().user,
                      INTAKE_IMAP_PASSWORD=imap.settings().password, INTAKE_IMAP_FOLDER=imap.folder,
                      INTAKE_IMAP_SSL=False, INTAKE_IMAP_POLL_SECONDS=0.05)

    async def run():
        stop = asyncio.Event()
        loop_task = asyncio.create_task(worker.mailbox_loop(app, stop))
        for _ in range(400):
            if imap.unseen() == []:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop_task, 10)

    asyncio.run(run())
    assert imap.unseen() == [] and len(session.exec(select(Directive)).all()) == 1
