"""Login, logout, session renewal, lockout, open redirects, CSRF, security headers."""


def test_login_page_renders_in_vietnamese(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert "Đăng nhập" in r.get_data(as_text=True)
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_is_sent_to_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_sets_session_and_logout_clears_it(client, make_unit, make_user, login):
    unit = make_unit()
    make_user("canbo", "staff", unit)
    r = login("canbo")
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code in (200, 302)
    with client.session_transaction() as s:
        assert s["user_id"]
    r = client.post("/logout")
    assert r.status_code == 302
    with client.session_transaction() as s:
        assert "user_id" not in s


def test_session_renewed_on_login(client, make_user, login):
    make_user("vp", "clerk")
    with client.session_transaction() as s:
        s["planted"] = "attacker"
    login("vp")
    with client.session_transaction() as s:
        assert "planted" not in s


def test_wrong_password_is_refused(client, make_user, login):
    make_user("vp", "clerk")
    r = login("vp", "sai-mat-khau")
    assert r.status_code == 401
    assert "không đúng" in r.get_data(as_text=True)
    assert login("vp").status_code == 302  # no lock: throttling is off under TESTING, and never a hard lock


def test_next_redirect_is_local_only(client, make_user):
    make_user("vp", "clerk")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.post("/login", data={"login": "vp", "password": "matkhau-1234", "next": evil})
        assert r.status_code == 302
        assert "evil" not in r.headers["Location"]
        client.post("/logout")
    r = client.post("/login", data={"login": "vp", "password": "matkhau-1234", "next": "/directives"})
    assert r.headers["Location"].endswith("/directives")


def test_csrf_enforced_on_forms(database_url, tmp_path, make_user):
    from tracker import create_app

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "x",
                      "INSTANCE_PATH": str(tmp_path / "i2"), "WTF_CSRF_ENABLED": True})
    make_user("vp", "clerk")
    client = app.test_client()
    r = client.post("/login", data={"login": "vp", "password": "matkhau-1234"})
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"login": "vp", "password": "matkhau-1234", "csrf_token": token})
    assert r.status_code == 302
    # a logged-in form post without the token is refused as well
    r = client.post("/logout")
    assert r.status_code == 400
    # the bearer-token API needs no CSRF token (no cookie authenticates it)
    from sqlmodel import Session
    from sqlmodel import select

    from tracker.models import User
    from tracker.services import accounts

    with Session(app.extensions["engine"]) as s:
        token = accounts.issue_api_token(s, s.exec(select(User).where(User.login == "vp")).one(), "t")
        s.commit()
    r = client.post("/api/v1/directives", json={"text": "Giao Sở Y tế làm việc."},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    app.extensions["engine"].dispose()


def test_unknown_page_gives_vietnamese_404(client):
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404
    assert "Không tìm thấy" in r.get_data(as_text=True)


def test_api_404_is_json(client):
    r = client.get("/api/v1/khong-co")
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "not_found"


def test_unexpected_error_gives_vietnamese_500_page_and_json(app, client):
    app.config["SHOW_ERROR_PAGES"] = True

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret detail")

    r = client.get("/boom")
    assert r.status_code == 500
    text = r.get_data(as_text=True)
    assert "Lỗi hệ thống" in text and "secret detail" not in text and "Traceback" not in text
    r = client.get("/api/v1/boom")
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "server_error"


def test_request_over_the_size_limit_is_413(app, client, make_user, token_for):
    limit = app.config["MAX_CONTENT_LENGTH"]
    headers = {**token_for(make_user("vp", "clerk")), "Content-Type": "application/json"}
    r = client.post("/api/v1/directives", data=b"x" * (limit + 10), headers=headers)
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    r = client.post("/login", data={"login": "x" * (limit + 10), "password": "y"})
    assert r.status_code == 413
    assert "quá lớn" in r.get_data(as_text=True)
