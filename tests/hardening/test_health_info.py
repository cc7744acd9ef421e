"""Finding 11 (round 2): anonymous /healthz says ok or error and nothing else; details need an admin;
`demo load` is refused in production."""
import pytest
from sqlalchemy.exc import OperationalError

from tests.hardening.conftest import login_as


def test_public_healthz_is_minimal(client, world):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", [None, "staff", "clerk", "leader"])
def test_details_need_an_admin_token(client, world, role):
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role else {}
    response = client.get("/healthz?details=1", headers=headers)
    assert response.status_code == 403
    assert "database" not in response.get_data(as_text=True)


def test_admin_token_and_admin_page_get_the_details(client, world, backend):
    body = client.get("/healthz?details=1", headers={"Authorization": f"Bearer {world.tokens['admin']}"}).get_json()
    assert body["status"] == "ok" and body["database"]["backend"] == backend and "scheduler" in body
    login_as(client, world.users["admin"])
    body = client.get("/admin/health").get_json()
    assert body["database"]["status"] == "ok" and "latency_ms" in body["database"]
    login_as(client, world.users["clerk"])
    assert client.get("/admin/health").status_code == 403


def test_database_down_shows_no_driver_error(app, client):
    engine = app.extensions["engine"]

    def refuse(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception('connection to server at "db.internal" (10.0.0.5), '
                                                         'port 5432 failed: database "tracker_prod"'))

    with pytest.MonkeyPatch.context() as patch:  # undone before the app fixture empties the database
        patch.setattr(engine, "connect", refuse)
        for path in ("/healthz", "/healthz?details=1"):
            response = client.get(path)
            assert response.status_code == 503
            assert response.get_json() == {"status": "error"}


def test_demo_load_is_refused_in_production(app, runner, session):
    from sqlmodel import select

    from tracker.models import User

    app.config["TRACKER_ENV"] = "production"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "TRACKER_ENV=production" in result.output
    assert session.exec(select(User)).all() == []
