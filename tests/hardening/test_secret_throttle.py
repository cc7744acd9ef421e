"""Issue 11, this round: in-app rate limiting of every endpoint that takes or checks a secret,
so the app is safe without nginx in front.

Failures only are counted (tracker/services/throttle.py, the sign-in throttle's table and
window), per address and, where the request names one, per account. Past the limit the
answer is 429 with Retry-After (JSON in the API and on webhooks, the Vietnamese page in the
UI) before the secret is looked at, so it is the same whether the secret exists or not.
The clock is injected (throttle.utcnow, or `now` for the bots); nothing here reads the wall clock.
"""
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlmodel import select

from tracker.models import LoginFailure
from tracker.services import accounts
from tracker.services import throttle
from tracker.settings import reconfigure

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
LIMIT = 3
A, B = "10.1.1.1", "10.1.1.2"


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(throttle, "utcnow", c)
    return c


@pytest.fixture
def limited(app, clock):
    reconfigure(app, SECRET_THROTTLE_ADDRESS=LIMIT, SECRET_THROTTLE_ACCOUNT=LIMIT)
    app.config.update(SECRET_THROTTLE=True)  # the switch tests turn on (not a setting: off under TESTING)
    return app


def _env(address):
    return {"REMOTE_ADDR": address}


def _api(client, token, address=A):
    return client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}, environ_base=_env(address))


def _rows(session):
    session.expire_all()
    return session.exec(select(LoginFailure)).all()


def test_bearer_token_guessing_gets_429_with_retry_after(limited, clock, client, session, make_user):
    user = make_user("canbo-api", "clerk")
    good = accounts.issue_api_token(session, user, "thật")
    session.commit()
    for i in range(LIMIT):
        assert _api(client, f"sai-{i}").status_code == 401
    blocked = _api(client, good)  # even the right token: it is not looked at
    unknown = _api(client, "sai-nua")
    assert blocked.status_code == unknown.status_code == 429
    assert blocked.get_json() == unknown.get_json()
    assert blocked.get_json()["error"]["code"] == "too_many_requests"
    assert blocked.headers["Retry-After"] == unknown.headers["Retry-After"] == "900"
    assert "15 phút" in blocked.get_json()["error"]["message"]
    assert _api(client, good, B).status_code == 200  # another address is not slowed
    clock.advance(600)
    assert _api(client, good).headers["Retry-After"] == "300"
    clock.advance(300)  # the window slid past the failures: nothing was locked
    assert _api(client, good).status_code == 200


def test_successes_are_not_counted(limited, client, session, make_user):
    user = make_user("canbo-api2", "clerk")
    good = accounts.issue_api_token(session, user, "thật")
    session.commit()
    for _ in range(LIMIT * 3):
        assert _api(client, good).status_code == 200
    assert _rows(session) == []


def test_default_limit_and_off_under_testing(app, clock, client, session):
    for i in range(throttle.SECRET_PER_ADDRESS + 1):
        assert _api(client, f"sai-{i}").status_code == 401  # TESTING: off
    assert _rows(session) == []
    app.config["SECRET_THROTTLE"] = True
    for i in range(throttle.SECRET_PER_ADDRESS):
        assert _api(client, f"sai-{i}").status_code == 401
    assert _api(client, "sai").status_code == 429
    assert len(_rows(session)) == throttle.SECRET_PER_ADDRESS


def test_calendar_feed_secret_url(limited, client, session, make_user):
    from tracker.web.feeds import issue_calendar_token

    user = make_user("lichfeed", "leader")
    token = issue_calendar_token(session, user)
    session.commit()
    for i in range(LIMIT):
        assert client.get(f"/feeds/cal_sai{i}.ics", environ_base=_env(A)).status_code == 404
    page = client.get(f"/feeds/{token}.ics", environ_base=_env(A))
    assert page.status_code == 429 and page.headers["Retry-After"] == "900"
    text = page.get_data(as_text=True)
    assert "Quá nhiều lần thử không thành công" in text and "<html" in text.lower()
    assert client.get(f"/feeds/{token}.ics", environ_base=_env(B)).status_code == 200


def test_one_click_unsubscribe_url(limited, app, client, session, make_user):
    from tracker.channels.email.channel import unsubscribe_token

    user = make_user("huythu", "leader")
    token = unsubscribe_token(app.config["SECRET_KEY"], user.id)
    one_click = {"List-Unsubscribe": "One-Click"}
    for i in range(LIMIT):
        assert client.post(f"/unsubscribe/email/sai{i}", data=one_click, environ_base=_env(A)).status_code == 404
    for path in (f"/unsubscribe/email/{token}", "/unsubscribe/email/sai-nua"):
        r = client.post(path, data=one_click, environ_base=_env(A))
        assert r.status_code == 429 and r.headers["Retry-After"] == "900"
        assert client.get(path, environ_base=_env(A)).status_code == 429
    session.expire_all()
    assert "email" not in (session.get(type(user), user.id).channels_off or "")
    assert client.post(f"/unsubscribe/email/{token}", data=one_click, environ_base=_env(B)).status_code == 204


def test_password_reset_requests_by_account_whether_it_exists_or_not(limited, clock, client, session, make_user):
    user = make_user("quenmk", "leader")
    user.email = "quenmk@stp.gov.vn"
    session.add(user)
    session.commit()
    answers = {}
    for who in ("quenmk", "khong-co-ai"):
        answers[who] = [client.post("/password/forgot", data={"login": who}, environ_base=_env(f"10.2.0.{i}"))
                        for i in range(LIMIT + 1)]
    for who, rs in answers.items():
        assert [r.status_code for r in rs] == [200] * LIMIT + [429], who
        assert rs[-1].headers["Retry-After"] == "900"
    assert answers["quenmk"][-1].get_data() == answers["khong-co-ai"][-1].get_data()
    # only LIMIT e-mails were queued for the real account
    from tracker.models import Notification
    assert len(session.exec(select(Notification).where(Notification.kind == "password_reset")).all()) == LIMIT
    # per address too: many logins from one address
    for i in range(LIMIT):
        assert client.post("/password/forgot", data={"login": f"x{i}"}, environ_base=_env(A)).status_code == 200
    assert client.post("/password/forgot", data={"login": "y"}, environ_base=_env(A)).status_code == 429


def test_password_reset_link_guessing(limited, app, client, session, make_user):
    from tracker.web.password import reset_token

    user = make_user("quenmk2", "leader")
    with app.test_request_context():
        good = reset_token(user)
    for i in range(LIMIT):
        assert client.get(f"/password/reset/sai{i}", environ_base=_env(A)).status_code == 404
    assert client.get(f"/password/reset/{good}", environ_base=_env(A)).status_code == 429
    r = client.post(f"/password/reset/{good}", data={"new_password": "mot-mat-khau-dai-2026",
                                                      "confirm_password": "mot-mat-khau-dai-2026"},
                    environ_base=_env(A))
    assert r.status_code == 429
    assert client.get(f"/password/reset/{good}", environ_base=_env(B)).status_code == 200


def test_password_reset_follows_the_password_policy(app, client, session, make_user):
    from tracker.web.password import reset_token

    user = make_user("quenmk3", "leader")
    token = accounts.issue_api_token(session, user, "cũ")
    session.commit()
    with app.test_request_context():
        link = f"/password/reset/{reset_token(user)}"
    r = client.post(link, data={"new_password": "12345678", "confirm_password": "12345678"})
    assert r.status_code == 422 and "12 ký tự" in r.get_data(as_text=True)
    r = client.post(link, data={"new_password": "mot-mat-khau-dai-2026", "confirm_password": "mot-mat-khau-dai-2026"})
    assert r.status_code == 200
    # like a password change: the old API tokens stop working
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("name,header", [("telegram", "X-Telegram-Bot-Api-Secret-Token"),
                                         ("zalo", "X-Bot-Api-Secret-Token")])
def test_webhook_secret_header(limited, app, client, name, header):
    key = name.upper()
    reconfigure(app, **{f"{key}_MODE": "webhook", f"{key}_WEBHOOK_SECRET": "s3cret", f"{key}_BOT_TOKEN": "t"})
    for _ in range(LIMIT):
        assert client.post(f"/{name}/webhook", json={}, headers={header: "nope"},
                           environ_base=_env(A)).status_code == 403
    r = client.post(f"/{name}/webhook", json={}, headers={header: "s3cret"}, environ_base=_env(A))
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "too_many_requests"
    assert r.headers["Retry-After"] == "900"
    # another address with the right secret gets through to the update check
    passed = client.post(f"/{name}/webhook", json={}, headers={header: "s3cret"}, environ_base=_env(B))
    assert passed.status_code in (200, 400)  # Telegram refuses the empty update, Zalo ignores it


def test_totp_codes_on_the_profile_by_account(limited, client, session, make_user, login):
    user = make_user("haibuoc", "leader")
    assert login(user).status_code == 302
    assert client.get("/profile/2fa").status_code == 200
    for i in range(LIMIT):  # set-up confirmation codes, wrong
        assert client.post("/profile/2fa", data={"code": "000000"},
                           environ_base=_env(f"10.3.0.{i}")).status_code == 422
    r = client.post("/profile/2fa", data={"code": "000000"}, environ_base=_env("10.3.1.1"))
    assert r.status_code == 429 and "Quá nhiều lần thử" in r.get_data(as_text=True)
    keys = {row.key for row in _rows(session)}
    assert "totp:acct:haibuoc" in keys


def test_health_details_token_counts_like_api_tokens(limited, client):
    for i in range(LIMIT):
        assert client.get("/healthz?details=1", headers={"Authorization": f"Bearer sai{i}"},
                          environ_base=_env(A)).status_code == 403
    r = client.get("/healthz?details=1", headers={"Authorization": "Bearer sai"}, environ_base=_env(A))
    assert r.status_code == 429 and r.headers["Retry-After"] == "900"
    assert client.get("/healthz", environ_base=_env(A)).status_code == 200  # the plain probe is never limited


def test_zalo_link_codes_per_chat(app, session, make_user):
    from tracker.channels.zalo import bot
    from tracker.channels.zalo import links as zlinks

    engine = app.extensions["engine"]
    user = make_user("zalo-nguoi", "leader")
    code = zlinks.create_code(session, user, now=T0)
    for _ in range(throttle.CHAT_LINK_PER_CHAT):
        assert "không hợp lệ" in bot.reply_to(engine, "c-9", "PRIVATE", "/start SAIMA234", T0, "http://x")
    blocked = bot.reply_to(engine, "c-9", "PRIVATE", f"/start {code}", T0, "http://x")
    assert "Quá nhiều lần gửi mã liên kết" in blocked and "15 phút" in blocked
    assert zlinks.user_for_chat(session, "c-9") is None
    assert "Đã liên kết" in bot.reply_to(engine, "c-10", "PRIVATE", f"/start {code}", T0, "http://x")
    later = T0 + throttle.WINDOW + timedelta(seconds=1)
    code2 = zlinks.create_code(session, user, now=later)
    assert "Đã liên kết" in bot.reply_to(engine, "c-9", "PRIVATE", f"/start {code2}", later, "http://x")


def test_telegram_start_tokens_per_chat(app, session, make_user):
    from tracker.channels.telegram import actions
    from tracker.channels.telegram import links as tlinks

    engine = app.extensions["engine"]
    user = make_user("tg-nguoi", "leader")
    token = tlinks.create_link_token(session, user, now=T0)
    for i in range(throttle.CHAT_LINK_PER_CHAT):
        assert "không hợp lệ" in actions.start(engine, 901, "private", f"sai-{i}", T0)
    blocked = actions.start(engine, 901, "private", token, T0)
    assert "Quá nhiều lần gửi mã liên kết" in blocked
    assert "Đã liên kết" in actions.start(engine, 902, "private", token, T0)
    assert len(_rows(session)) == throttle.CHAT_LINK_PER_CHAT
