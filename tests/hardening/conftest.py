"""A hostile little world for the security and authorization tests.

Two units A and B, one user per role, tasks, a draft and a published directive whose
texts carry script and attribute-breaking payloads, an extension request, evidence
files, a notification and API tokens; plus `url_for_rule`, which fills any route's
arguments with the world's objects (own unit or other unit).
"""
import os
from datetime import date
from datetime import timedelta
from types import SimpleNamespace

import pytest

from tracker.models import Attachment
from tracker.models import Directive
from tracker.models import ExtensionRequest
from tracker.models import Notification
from tracker.models import utcnow
from tracker.services import accounts
from tracker.services import tasks as task_service

XSS = '<script>alert("xss")</script>'
ATTR = '" onmouseover="alert(1)'
PAYLOAD = f"{XSS} {ATTR} <img src=x onerror=alert(2)>"
ROLES = ("admin", "clerk", "leader", "staff", "head", "anonymous")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """scrypt is deliberately slow; hash the many test users cheaply (login still verifies)."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))


def _source(prefix: str) -> tuple[str, int, int]:
    sentence = f"Giao Sở A kiểm tra {PAYLOAD}, hoàn thành trước ngày 31/12/2030."
    text = f"{prefix}\n{sentence}\nNơi nhận: {ATTR}"
    start = text.index(sentence)
    return text, start, start + len(sentence)


@pytest.fixture
def world(app, session, make_unit, make_user):
    a = make_unit(f"Sở A {PAYLOAD}", code="SA", aliases=["Sở A"])
    b = make_unit("Sở B", code="SB", aliases=["Sở B"])
    users = {
        "admin": make_user("quantri", "admin"),
        "clerk": make_user("vanphong", "clerk"),
        "leader": make_user("lanhdao", "leader"),
        "staff": make_user("canbo_a", "staff", a),
        "head": make_user("truong_a", "head", a),
        "staff_b": make_user("canbo_b", "staff", b),
        "head_b": make_user("truong_b", "head", b),
    }
    users["staff"].display_name = f"Cán bộ {PAYLOAD}"
    session.add(users["staff"])

    text, start, end = _source(f"CHỈ THỊ {PAYLOAD}")
    published = Directive(code=f"5/CT-{ATTR}", number="5", kind="chi_thi", title=f"Chỉ thị {PAYLOAD}", source_text=text,
                          state="published", issued_date=date(2026, 1, 5), issuer=PAYLOAD, signer=PAYLOAD,
                          published_at=utcnow())
    draft_text, d_start, d_end = _source(f"CÔNG VĂN NHÁP {PAYLOAD}")
    draft = Directive(code=f"9/CV-{ATTR}", kind="cong_van", title=f"Nháp {PAYLOAD}", source_text=draft_text,
                      state="draft", draft_tasks=[{
                          "owner": PAYLOAD, "unit_id": a.id, "co_owners": [PAYLOAD], "co_unit_ids": [b.id],
                          "action": f"Kiểm tra {PAYLOAD}", "deadline": "2030-12-31", "deadline_text": PAYLOAD,
                          "recurrence": None, "urgent": False, "start": d_start, "end": d_end, "confidence": 0.9,
                          "reasons": [PAYLOAD]}])
    session.add(published)
    session.add(draft)
    session.commit()

    from tracker.models import Task
    from tracker.models import TaskCoUnit

    today = date.today()

    def task(unit, co=()):
        t = Task(directive_id=published.id, lead_unit_id=unit.id, owner_text=PAYLOAD, action=f"Kiểm tra {PAYLOAD}",
                 source_start=start, source_end=end, deadline=today + timedelta(days=5), deadline_text=PAYLOAD,
                 result_note=PAYLOAD)
        session.add(t)
        session.flush()
        for c in co:
            session.add(TaskCoUnit(task_id=t.id, unit_id=c.id))
        task_service.record(session, t, users["clerk"], "web", "created", None, t.action, PAYLOAD)
        return t

    task_a = task(a)
    task_b = task(b)
    task_a_co_b = task(a, co=[b])  # B coordinates: B may see it and add notes, not change it
    session.commit()

    ext = {}
    for name, t, who in (("a", task_a, users["staff"]), ("b", task_b, users["staff_b"])):
        ext[name] = ExtensionRequest(task_id=t.id, requested_by_id=who.id, old_deadline=t.deadline,
                                     requested_date=t.deadline + timedelta(days=30), reason=PAYLOAD)
        session.add(ext[name])

    upload_dir = app.config["UPLOAD_FOLDER"]
    os.makedirs(upload_dir, exist_ok=True)
    files = {}
    for name, t, who in (("a", task_a, users["staff"]), ("b", task_b, users["staff_b"])):
        stored = f"{name}{os.urandom(8).hex()}"
        with open(os.path.join(upload_dir, stored), "wb") as fh:
            fh.write(b"%PDF-1.4\n% evidence\n")
        files[name] = Attachment(task_id=t.id, uploaded_by_id=who.id, original_name=f"{PAYLOAD}.pdf",
                                 stored_name=stored,
                                 content_type="application/pdf", size=20)
        session.add(files[name])
    notes = {}
    for name, who in (("a", users["staff"]), ("b", users["staff_b"])):
        notes[name] = Notification(recipient_id=who.id, task_id=(task_a if name == "a" else task_b).id, kind="before",
                                   dedupe_key=f"test:{name}", due_at=utcnow(), payload=PAYLOAD, status="failed",
                                   last_error=PAYLOAD)
        session.add(notes[name])
    session.commit()
    tokens = {}
    api_tokens = {}
    for role, user in users.items():
        tokens[role] = accounts.issue_api_token(session, user, f"token {role}")
    session.commit()
    from sqlmodel import select

    from tracker.models import ApiToken

    for role, user in users.items():
        api_tokens[role] = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).first()
    return SimpleNamespace(a=a, b=b, users=users, published=published, draft=draft, task_a=task_a, task_b=task_b,
                           task_a_co_b=task_a_co_b, ext=ext, files=files, notes=notes, tokens=tokens,
                           api_tokens=api_tokens, text=text)


def login_as(client, user) -> None:
    """Sign the test client in as `user` (or out, for None) without the login form."""
    with client.session_transaction() as s:
        s.clear()
        if user is not None:
            from tracker.models import utcnow

            s["user_id"] = user.id
            s["gen"] = _current_generation(client, user)  # what /login writes (issue 11: session generation)
            s["login_at"] = utcnow().isoformat()


def _current_generation(client, user) -> int:
    """The user's session generation as stored now (logout or "sign out all devices" may have bumped it)."""
    from sqlmodel import Session

    from tracker.models import User

    with Session(client.application.extensions["engine"]) as db:
        row = db.get(User, user.id)
        return (row.session_generation or 0) if row is not None else 0


def url_for_rule(rule, world, own: bool = True, role: str = "staff") -> str | None:
    """The rule's URL with its arguments taken from unit A's objects (own) or unit B's."""
    side = "a" if own else "b"
    values = {}
    for arg in rule.arguments:
        if arg == "directive_id":
            values[arg] = world.published.id
        elif arg == "task_id":
            values[arg] = world.task_a.id if own else world.task_b.id
        elif arg == "attachment_id":
            values[arg] = world.files[side].id
        elif arg == "request_id":
            values[arg] = world.ext[side].id
        elif arg == "notification_id":
            values[arg] = world.notes[side].id
        elif arg == "user_id":
            values[arg] = world.users["staff" if own else "staff_b"].id
        elif arg == "token_id":
            who = role if role in world.api_tokens else "staff"
            values[arg] = world.api_tokens[who if own else ("staff_b" if who != "staff_b" else "staff")].id
        elif arg == "unit_id":
            values[arg] = world.a.id if own else world.b.id
        elif arg == "fmt":
            values[arg] = "csv"
        elif arg == "token":
            values[arg] = "cal_" + "x" * 43
        elif arg == "filename":
            return None
        elif arg == "upload_id":   # a sheet upload nobody made (the authorization test makes real ones)
            values[arg] = "0" * 32
        elif arg == "job_id":      # an export job nobody asked for (test_export_jobs.py makes real ones)
            values[arg] = 999_999
        else:
            raise AssertionError(f"url_for_rule does not know the argument {arg!r} of {rule.rule}")
    from werkzeug.routing import MapAdapter  # noqa: F401 - documents what build() uses

    return rule.rule if not values else _build(rule, values)


def _build(rule, values) -> str:
    out = rule.rule
    for name, value in values.items():
        for conv in (f"<int:{name}>", f"<{name}>", f"<path:{name}>"):
            out = out.replace(conv, str(value))
    return out
