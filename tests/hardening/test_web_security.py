"""Web security: CSRF on every state-changing form, CSP without inline script, escaped
output on every page, safe evidence uploads, login throttling, no stack traces."""
import io
import os
import re
from html.parser import HTMLParser

import pytest

from tests.hardening.conftest import ATTR
from tests.hardening.conftest import XSS
from tests.hardening.conftest import login_as
from tests.hardening.conftest import url_for_rule
from tracker import create_app
from tracker.models import Attachment

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _exempt_from_csrf(rule) -> bool:
    """The bearer-token API, the webhooks (secret header) and the RFC 8058 one-click
    unsubscribe (signed URL, posted by a mail client) are the only exceptions."""
    return (rule.rule.startswith(("/api/", "/unsubscribe/")) or rule.endpoint.startswith(("telegram", "bots"))
            or "webhook" in rule.rule)


def _state_changing_form_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING and not _exempt_from_csrf(r)]
    assert len(rules) >= 10, "the web pages are registered"
    return sorted(rules, key=lambda r: r.rule)


class _Elements(HTMLParser):
    """Every element and attribute as a browser would see them (escaped text stays text)."""

    def __init__(self, body: str):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.event_handlers: list[tuple[str, str]] = []
        self.js_urls: list[str] = []
        self._in_script: dict | None = None
        self._script_text: list[str] = []
        self.feed(body)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.event_handlers.append((tag, name))
            if (name in ("href", "src", "action", "formaction")
                    and (value or "").strip().lower().startswith("javascript:")):
                self.js_urls.append(value)
        if tag == "script":
            self._in_script, self._script_text = attributes, []

    def handle_data(self, data):
        if self._in_script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._script_text)))
            self._in_script = None


def _page_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"),
                  key=lambda r: r.rule)


# --- CSRF ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["clerk", "staff", "admin", None])
def test_every_state_changing_form_refuses_a_post_without_csrf_token(app, client, world, who):
    app.config["WTF_CSRF_ENABLED"] = True
    login_as(client, world.users[who] if who else None)
    for rule in _state_changing_form_rules(app):
        url = url_for_rule(rule, world, role=who or "staff")
        method = sorted(rule.methods & STATE_CHANGING)[0]
        response = client.open(url, method=method, data={"note": "x", "version": "1", "state": "dang_thuc_hien"})
        assert response.status_code == 400, f"{method} {rule.rule} answered {response.status_code} without a CSRF token"
        assert "CSRF" in response.get_data(as_text=True)
        forged = client.open(url, method=method, data={"csrf_token": "forged", "note": "x"})
        assert forged.status_code == 400, f"{method} {rule.rule} accepted a forged token"


def test_a_real_csrf_token_is_accepted(app, client, world):
    """The control: the same request with the page's token goes through (so the 400s above are CSRF)."""
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert token, "the login form carries a CSRF token"
    response = client.post("/login",
                           data={"csrf_token": token.group(1), "login": "vanphong", "password": "matkhau-1234"})
    assert response.status_code in (302, 303)


def test_the_api_cannot_be_driven_by_the_session_cookie(app, client, world):
    """The API is CSRF-exempt only because it ignores cookies: a signed-in browser gets 401."""
    app.config["WTF_CSRF_ENABLED"] = True
    login_as(client, world.users["staff"])
    response = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"state": "dang_thuc_hien",
                                                                       "version": world.task_a.version})
    assert response.status_code == 401


# --- headers and escaping ------------------------------------------------------------

def _pages_as(client, app, world, who):
    login_as(client, world.users[who] if who else None)
    for rule in _page_rules(app):
        for own in (True, False):
            url = url_for_rule(rule, world, own=own, role=who or "staff")
            if url is None:
                continue
            yield rule, url, client.get(url)
            if not rule.arguments:
                break


@pytest.mark.parametrize("who", ["clerk", "staff", "leader", "admin"])
def test_every_page_escapes_script_and_attribute_payloads(app, client, world, who):
    seen_payload = 0
    for _rule, url, response in _pages_as(client, app, world, who):
        assert response.status_code < 500, url
        ctype = response.headers.get("Content-Type", "")
        if "html" not in ctype:
            continue
        body = response.get_data(as_text=True)
        assert XSS not in body, f"{url}: raw <script> from data"
        assert ATTR not in body, f"{url}: raw attribute breaker from data"
        assert "<img src=x onerror" not in body, url
        elements = _Elements(body)
        assert not elements.event_handlers, f"{url}: an element got an event handler {elements.event_handlers}"
        assert not [text for _, text in elements.scripts if "alert" in text], f"{url}: injected script element"
        if "&lt;script&gt;alert(" in body:
            seen_payload += 1
    assert seen_payload >= 3, "the payloads are on the pages, shown as text"


def test_the_review_page_highlights_the_source_escaped(app, client, world):
    login_as(client, world.users["clerk"])
    response = client.get(f"/directives/{world.draft.id}/review")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert XSS not in body and ATTR not in body
    assert body.count("&lt;script&gt;alert(") >= 2  # the highlighted source and the task row
    detail = client.get(f"/tasks/{world.task_a.id}").get_data(as_text=True)
    assert XSS not in detail and "&lt;script&gt;" in detail


@pytest.mark.parametrize("who", ["clerk", None])
def test_csp_without_inline_script_on_every_page(app, client, world, who):
    checked = 0
    for _rule, url, response in _pages_as(client, app, world, who):
        if "html" not in response.headers.get("Content-Type", ""):
            continue
        csp = response.headers.get("Content-Security-Policy", "")
        assert csp, f"{url} has no Content-Security-Policy"
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        script = directives.get("script-src") or directives.get("default-src", "")
        assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, f"{url}: {csp}"
        assert "frame-ancestors 'none'" in csp or response.headers.get("X-Frame-Options") == "DENY"
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
        # the CSP would block inline code, so the pages must not rely on any
        elements = _Elements(response.get_data(as_text=True))
        inline = [attrs for attrs, text in elements.scripts if "src" not in attrs]
        assert not inline, f"{url}: inline <script>"
        assert not elements.event_handlers, f"{url}: inline event handler attributes {elements.event_handlers}"
        assert not elements.js_urls, f"{url}: javascript: URLs"
        checked += 1
    assert checked >= (3 if who is None else 10)


def test_session_cookie_flags(app, client, world):
    response = client.post("/login", data={"login": "vanphong", "password": "matkhau-1234"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(database_url, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "prod-secret-" + "k" * 8 + "0123456789abcdefghij",
                      "TRACKER_ENV": "production",
                      "INSTANCE_PATH": str(tmp_path)})
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    finally:
        app.extensions["engine"].dispose()


# --- uploads -------------------------------------------------------------------------

def _upload(client, task, filename, data):
    return client.post(f"/tasks/{task.id}/update", data={"version": str(task.version), "note": "Minh chứng",
                                                         "evidence": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_uploads_get_generated_names_outside_static_and_download_as_attachment(app, client, world, session):
    login_as(client, world.users["staff"])
    response = _upload(client, world.task_a, "../../static/evil.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    row = session.exec(__import__("sqlmodel").select(Attachment).where(Attachment.task_id == world.task_a.id,
                                                                       Attachment.original_name == "evil.pdf")).one()
    upload_dir = os.path.realpath(app.config["UPLOAD_FOLDER"])
    stored = os.path.realpath(os.path.join(upload_dir, row.stored_name))
    assert os.path.isfile(stored) and os.path.dirname(stored) == upload_dir
    assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name), "a generated, unguessable name"
    static = os.path.realpath(app.static_folder)
    assert not stored.startswith(static + os.sep) and not upload_dir.startswith(static + os.sep)
    assert not os.path.exists(os.path.join(static, "evil.pdf"))
    download = client.get(f"/attachments/{row.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers.get("X-Content-Type-Options") == "nosniff"
    assert download.mimetype == "application/pdf"


@pytest.mark.parametrize("filename,data", [
    ("bao-cao.pdf", b"<html><script>alert(1)</script></html>"),   # HTML dressed as a PDF: text at most, never HTML
    ("bao-cao.pdf", b"MZ\x90\x00" + bytes(300)),                    # a Windows program
    ("anh.png", b"\x7fELF" + bytes(300)),
])
def test_uploads_are_sniffed_not_trusted(app, client, world, session, filename, data):
    login_as(client, world.users["staff"])
    response = _upload(client, world.task_a, filename, data)
    rows = session.exec(__import__("sqlmodel").select(Attachment).where(Attachment.task_id == world.task_a.id)).all()
    stored = [r for r in rows if r.original_name == filename]
    if response.status_code in (302, 303):
        assert stored and stored[0].content_type.startswith("text/plain"), "served as what it is, never as HTML"
    else:
        assert response.status_code in (400, 413, 415, 422)
        assert not stored


def test_upload_size_limit(app, client, world, session):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    login_as(client, world.users["staff"])
    response = _upload(client, world.task_a, "lon.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)


# --- login throttling ----------------------------------------------------------------

# (throttling by account and address: tests/hardening/test_accounts_sessions.py)


def test_unknown_and_known_logins_answer_alike(app, client, world):
    known = client.post("/login", data={"login": "vanphong", "password": "sai-mat-khau"})
    unknown = client.post("/login", data={"login": "khong-ton-tai", "password": "sai-mat-khau"})
    assert known.status_code == unknown.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in unknown.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(app, client, world):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}", data={"login": "vanphong", "password": "matkhau-1234"})
        assert response.status_code in (302, 303)
        assert "evil.example" not in response.headers["Location"] and "javascript" not in response.headers["Location"]
        client.post("/logout")


# --- no stack trace ever shown ---------------------------------------------------------

def test_an_unexpected_error_shows_no_stack_trace(database_url, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "TESTING": False, "WTF_CSRF_ENABLED": False})

    def boom():
        raise RuntimeError("secret internal detail: password=hunter2 at /srv/app/tracker/x.py")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    try:
        client = app.test_client()
        page = client.get("/boom")
        assert page.status_code == 500
        body = page.get_data(as_text=True)
        for leak in ("Traceback", "RuntimeError", "hunter2", "tracker/x.py", 'File "'):
            assert leak not in body
        assert "Lỗi hệ thống" in body
        api = client.get("/api/v1/boom")
        assert api.status_code == 500
        assert api.get_json() == {"error": {"code": "server_error", "message": api.get_json()["error"]["message"]}}
        assert "hunter2" not in api.get_data(as_text=True)
        missing = client.get("/khong-co-trang-nay")
        assert missing.status_code == 404 and "Traceback" not in missing.get_data(as_text=True)
    finally:
        app.extensions["engine"].dispose()
