"""Findings 3 and 8 (round 2): sessions can be revoked, tokens expire and have a scope,
passwords follow a policy, and sign-in guessing is slowed by account and address.

A cookie copied before logout, a password change, a role/unit change or a deactivation
must stop working; so must one older than SESSION_MAX_HOURS, however often renewed.
"""
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD
from tracker.models import ApiToken
from tracker.models import LoginFailure
from tracker.models import User
from tracker.models import utcnow
from tracker.services import ServiceError
from tracker.services import accounts
from tracker.services import passwords
from tracker.services import throttle

NEW_PASSWORD = "Mật-khẩu-mới-2026"


def _sign_in(client, user, password=PASSWORD):
    response = client.post("/login", data={"login": user.login, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client.get_cookie("session").value


def _with_cookie(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


# --- sessions ------------------------------------------------------------------------

def test_a_cookie_saved_before_logout_no_longer_works(app, client, world):
    saved = _sign_in(client, world.users["staff"])
    assert _signed_in(_with_cookie(app, saved))
    client.post("/logout")
    assert not _signed_in(_with_cookie(app, saved))


def test_sign_out_all_devices(app, client, world):
    laptop = _sign_in(client, world.users["staff"])
    phone = app.test_client()
    _sign_in(phone, world.users["staff"])
    response = phone.post("/profile/sessions/end")
    assert response.status_code == 200 and "mọi thiết bị" in response.get_data(as_text=True)
    assert not _signed_in(_with_cookie(app, laptop)) and not _signed_in(phone)
    assert "Đăng xuất khỏi mọi thiết bị" in _signed_in_page(app, world.users["staff"])


def _signed_in_page(app, user):
    client = app.test_client()
    _sign_in(client, user)
    return client.get("/profile").get_data(as_text=True)


def test_password_change_ends_every_session_and_revokes_tokens(app, client, world, session):
    user = world.users["staff"]
    saved = _sign_in(client, user)
    token = world.tokens["staff"]
    response = client.post("/profile/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _signed_in(_with_cookie(app, saved)) and not _signed_in(client)
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    _sign_in(client, user, NEW_PASSWORD)


def test_password_change_can_keep_tokens(app, client, world):
    _sign_in(client, world.users["staff"])
    client.post("/profile/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                           "confirm_password": NEW_PASSWORD, "keep_tokens": "on"})
    headers = {"Authorization": f"Bearer {world.tokens['staff']}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200


@pytest.mark.parametrize("change", ["deactivate", "reactivate", "role", "unit", "cli_password"])
def test_account_changes_end_sessions(app, client, world, session, change):
    user = session.get(User, world.users["staff"].id)
    saved = _sign_in(client, user)
    session.refresh(user)
    if change in ("deactivate", "reactivate"):
        admin = app.test_client()
        _sign_in(admin, world.users["admin"])
        assert admin.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
        if change == "reactivate":
            assert admin.post(f"/admin/users/{user.id}/active", data={"active": "1"}).status_code == 302
    elif change == "role":
        user.role = "head"
    elif change == "unit":
        user.unit_id = world.b.id
    else:
        user.password_hash = "x"
    session.add(user)
    session.commit()
    assert not _signed_in(_with_cookie(app, saved))


def test_absolute_session_lifetime(app, client, world, monkeypatch):
    import tracker.web.auth as auth

    saved = _sign_in(client, world.users["staff"])
    assert _signed_in(_with_cookie(app, saved))
    later = utcnow() + timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert not _signed_in(_with_cookie(app, saved))
    assert app.config["SESSION_MAX_HOURS"] == 12


# --- API tokens ----------------------------------------------------------------------

def test_read_token_cannot_write(client, world, session):
    token = accounts.issue_api_token(session, world.users["staff"], "đọc", scope="read")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    task = world.task_a
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"note": "Ghi", "version": task.version}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"


def test_tokens_expire(client, world, session):
    token = accounts.issue_api_token(session, world.users["staff"], "ngắn", days=1)
    session.commit()
    row = session.exec(select(ApiToken).where(ApiToken.name == "ngắn")).one()
    assert row.scope == "write" and timedelta(hours=23) < row.expires_at - utcnow() <= timedelta(days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401


def test_cli_token_defaults_and_options(runner, world, session):
    result = runner.invoke(args=["users", "token", world.users["staff"].login])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "token", world.users["staff"].login, "--scope", "read", "--days", "7",
                                 "--name", "đọc-7"])
    assert result.exit_code == 0, result.output
    rows = {r.name: r for r in session.exec(select(ApiToken)).all()}
    assert rows["cli"].scope == "write"
    assert timedelta(days=89) < rows["cli"].expires_at - utcnow() <= timedelta(days=90)
    assert rows["đọc-7"].scope == "read"
    assert timedelta(days=6) < rows["đọc-7"].expires_at - utcnow() <= timedelta(days=7)
    assert runner.invoke(args=["users", "token", world.users["staff"].login, "--scope", "admin"]).exit_code != 0


def test_token_without_expiry_from_before_the_change_still_works(client, world, session):
    row = session.exec(select(ApiToken).where(ApiToken.user_id == world.users["staff"].id)).first()
    row.expires_at, row.scope = None, "write"
    session.add(row)
    session.commit()
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {world.tokens['staff']}"}).status_code == 200


# --- password policy -----------------------------------------------------------------

@pytest.mark.parametrize("password", ["        ", "            ", "12345678", "123456789012", "short-1",
                                      "Password1234", "canbo_a", "canbo_a2026", "aaaaaaaaaaaaaa"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ServiceError) as info:
        passwords.check_password(password, "canbo_a")
    assert info.value.code == "weak_password"


def test_policy_applies_where_passwords_are_set(client, world, session, runner):
    _sign_in(client, world.users["staff"])
    response = client.post("/profile/password", data={"current_password": PASSWORD, "new_password": "12345678",
                                                       "confirm_password": "12345678"})
    assert response.status_code == 422 and "12 ký tự" in response.get_data(as_text=True)
    admin = client.application.test_client()
    _sign_in(admin, world.users["admin"])
    response = admin.post("/admin/users", data={"login": "moi", "password": "moi", "role": "clerk"})
    assert response.status_code == 422
    result = runner.invoke(args=["users", "create", "moi2", "--role", "clerk"], input="password1234\n")
    assert result.exit_code != 0
    passwords.check_password(NEW_PASSWORD, "canbo_a")  # a good one passes


def test_demo_accounts_keep_their_password_in_development(runner, session):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert accounts.authenticate(session, "vanphong", "demo12345") is not None


# --- throttling ----------------------------------------------------------------------

@pytest.fixture
def throttled_app(app):
    app.config["LOGIN_THROTTLE"] = True
    return app


def _fail(client, login, address="10.0.0.1"):
    return client.post("/login", data={"login": login, "password": "sai-mat-khau-nhe"},
                       environ_base={"REMOTE_ADDR": address})


def test_account_throttle_slows_without_revealing(throttled_app, client, world, session, monkeypatch):
    calls = {"n": 0}
    real = accounts.check_password_hash

    def counted(stored, given):
        calls["n"] += 1
        return real(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    for i in range(throttle.PER_ACCOUNT):
        assert _fail(client, "vanphong", f"10.0.1.{i}").status_code == 401
    right = client.post("/login", data={"login": "vanphong", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.2.1"})
    unknown = _fail(client, "khong-ton-tai", "10.0.2.2")
    assert right.status_code == unknown.status_code == 401
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in right.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert "khoá" not in right.get_data(as_text=True)
    # the same hash work either way: one check per attempt, throttled or not, known login or not
    assert calls["n"] == throttle.PER_ACCOUNT + 2
    # failures age out: after the window the right password works again (a slide, not a lock)
    for row in session.exec(select(LoginFailure)).all():
        row.at = row.at - throttle.WINDOW - timedelta(seconds=1)
        session.add(row)
    session.commit()
    assert client.post("/login", data={"login": "vanphong", "password": PASSWORD}).status_code == 302


def test_successful_logins_are_not_counted(throttled_app, client, world, session):
    for _ in range(throttle.PER_ACCOUNT + 2):
        assert client.post("/login", data={"login": "vanphong", "password": PASSWORD}).status_code == 302
        client.post("/logout")
    assert session.exec(select(LoginFailure)).all() == []


def test_address_throttle(throttled_app, client, world):
    for i in range(throttle.PER_ADDRESS):
        _fail(client, f"ai-do-{i}", "10.9.9.9")
    blocked = client.post("/login", data={"login": "vanphong", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert blocked.status_code == 401
    elsewhere = client.post("/login", data={"login": "vanphong", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert elsewhere.status_code == 302


def test_password_change_failures_count_like_login_failures(throttled_app, client, world, session):
    _sign_in(client, world.users["clerk"])
    for _ in range(throttle.PER_ACCOUNT):
        response = client.post("/profile/password", data={"current_password": "doan-mo", "new_password": NEW_PASSWORD,
                                                           "confirm_password": NEW_PASSWORD})
        assert response.status_code == 422
    # now even the right current password is refused: the form is no unthrottled oracle
    response = client.post("/profile/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                       "confirm_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert len(session.exec(select(LoginFailure).where(LoginFailure.key == "login:vanphong")).all()) == \
        throttle.PER_ACCOUNT


def test_throttle_is_off_under_testing(app, client, world):
    for _ in range(throttle.PER_ACCOUNT + 1):
        _fail(client, "vanphong")
    assert client.post("/login", data={"login": "vanphong", "password": PASSWORD}).status_code == 302
