"""Test fixtures: every database test runs on SQLite, and on PostgreSQL when reachable.

Each backend's database is created and migrated once per run (Alembic, the real
migrations); each test starts from empty tables (truncated after the test).
"""
import os
import uuid
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

# In tests a crash of the deadline grammar raises (in the app it is logged and flagged on the task).
os.environ.setdefault("TRACKER_PARSER_STRICT", "1")

from tests.dbutil import truncate_all
from tracker import create_app
from tracker.db import make_engine
from tracker.migrate import upgrade
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.services import accounts

_ENV_URL = os.environ.get("DATABASE_URL", "")
PG_ADMIN_URL = os.environ.get("TEST_PG_URL") or (_ENV_URL if _ENV_URL.startswith("postgres") else "") \
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "matkhau-1234"


def _pg_reachable() -> bool:
    if os.environ.get("TEST_NO_PG") == "1":
        return False
    try:
        engine = make_engine(_normalize(PG_ADMIN_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - unreachable means "SQLite only"
        return False


def _normalize(url):
    from tracker.config import normalize_database_url

    return normalize_database_url(url)


BACKENDS = ["sqlite"] + (["postgresql"] if _pg_reachable() else [])


def pytest_report_header(config):
    return f"databases: {', '.join(BACKENDS)}"


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"databases used: {', '.join(BACKENDS)}")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database for one backend, kept for the whole run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    admin = make_engine(_normalize(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"dt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "DATABASE_URL": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
    })
    yield app
    engine = app.extensions["engine"]
    truncate_all(engine)
    engine.dispose()


@pytest.fixture
def backend(app):
    return app.extensions["engine"].dialect.name


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    with Session(app.extensions["engine"], expire_on_commit=False) as s:
        yield s


@pytest.fixture
def make_unit(session):
    counter = {"n": 0}

    def make(name=None, kind="department", aliases=(), code=None):
        counter["n"] += 1
        unit = Unit(code=code or f"U{counter['n']}", name=name or f"Sở Thử nghiệm {counter['n']}", kind=kind,
                    aliases=list(aliases))
        session.add(unit)
        session.commit()
        return unit

    return make


@pytest.fixture
def make_user(session):
    def make(login, role="staff", unit=None, password=PASSWORD):
        user = accounts.create_user(session, login=login, role=role, password=password,
                                    unit_ref=unit.id if unit is not None else None)
        session.commit()
        return user

    return make


@pytest.fixture
def make_task(session):
    """Create a published directive's task directly (bypassing the parser)."""
    directives = {}

    def make(lead, action="Thực hiện nhiệm vụ thử nghiệm", deadline: date | None = None, status="chua_thuc_hien",
             completed_on=None, co_units=(), recurrence=None, directive=None):
        if directive is None:
            directive = directives.get("default")
            if directive is None:
                directive = Directive(code="1/TB-TEST", kind="thong_bao_ket_luan", title="Văn bản thử nghiệm",
                                      source_text="Giao Sở thực hiện nhiệm vụ.", state="published",
                                      issued_date=date(2025, 1, 2))
                session.add(directive)
                session.commit()
                directives["default"] = directive
        task = Task(directive_id=directive.id, lead_unit_id=lead.id, action=action, deadline=deadline, status=status,
                    completed_on=completed_on, recurrence=recurrence, progress=100 if status == "hoan_thanh" else 0)
        session.add(task)
        session.flush()
        for unit in co_units:
            session.add(TaskCoUnit(task_id=task.id, unit_id=unit.id))
        session.commit()
        return task

    return make


@pytest.fixture
def login(client):
    def do(user_or_login, password=PASSWORD):
        name = getattr(user_or_login, "login", user_or_login)
        return client.post("/login", data={"login": name, "password": password}, follow_redirects=False)

    return do


@pytest.fixture
def today():
    return date.today()


@pytest.fixture
def days():
    return lambda n: timedelta(days=n)
