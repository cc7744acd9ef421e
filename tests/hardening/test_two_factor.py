"""Finding 8 (round 2): optional TOTP two-factor sign-in with recovery codes, required for
admins when REQUIRE_ADMIN_2FA (default: on in production only)."""
import re

import pyotp
from sqlmodel import select

from tests.conftest import PASSWORD
from tracker.models import User


def _password_step(client, user):
    return client.post("/login", data={"login": user.login, "password": PASSWORD})


def _enable(client, user):
    assert _password_step(client, user).status_code == 302
    page = client.get("/profile/2fa").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post("/profile/2fa", data={"code": "000000"})
    assert response.status_code == 422
    response = client.post("/profile/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    client.post("/logout")
    return secret, codes


def test_enable_then_sign_in_needs_the_code(app, client, world, session):
    user = world.users["staff"]
    secret, _codes = _enable(client, user)
    session.expire_all()
    assert session.get(User, user.id).totp_secret == secret
    response = _password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/2fa")
    assert client.get("/profile").status_code == 302  # the password alone does not sign in
    assert client.post("/login/2fa", data={"code": "123456"}).status_code == 401
    assert client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/profile").status_code == 200


def test_recovery_codes_work_once(app, client, world):
    user = world.users["staff"]
    _secret, codes = _enable(client, user)
    _password_step(client, user)
    assert client.post("/login/2fa", data={"code": codes[0]}).status_code == 302
    client.post("/logout")
    _password_step(client, user)
    assert client.post("/login/2fa", data={"code": codes[0]}).status_code == 401


def test_admin_must_set_up_two_factor_when_required(app, client, world):
    app.config["REQUIRE_ADMIN_2FA"] = True
    admin = world.users["admin"]
    assert _password_step(client, admin).status_code == 302
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile/2fa")
    assert client.post("/admin/users", data={"login": "x"}).status_code == 403
    assert client.get("/profile/2fa").status_code == 200
    # other roles are not affected
    other = app.test_client()
    _password_step(other, world.users["clerk"])
    assert other.get("/tasks").status_code == 200


def test_required_by_default_only_in_production(tmp_path, database_url):
    from tracker import create_app

    dev = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "d"), "SECRET_KEY": "x"})
    prod = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "p"), "TRACKER_ENV": "production",
                       "SECRET_KEY": "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e0b2d4f6a"})
    assert dev.config["REQUIRE_ADMIN_2FA"] is False and prod.config["REQUIRE_ADMIN_2FA"] is True
    for app in (dev, prod):
        app.extensions["engine"].dispose()


def test_pending_second_step_does_not_survive_a_password_change(app, client, world, session):
    user = world.users["staff"]
    secret, _codes = _enable(client, user)
    _password_step(client, user)
    row = session.exec(select(User).where(User.id == user.id)).one()
    row.password_hash = "khac"  # `row` may be a stale copy: the generation still moves on (incremented in SQL)
    session.add(row)
    session.commit()
    response = client.post("/login/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login"), response.headers
    assert client.get("/profile").status_code == 302  # sent back to the login page, not signed in
