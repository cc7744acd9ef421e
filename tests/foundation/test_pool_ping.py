"""PostgreSQL connections are pinged only after sitting idle in the pool (tracker/db.py):
a connection the server closed meanwhile is replaced, one reused at once costs no round trip."""
import pytest
from sqlalchemy import event
from sqlalchemy import text

from tracker import db


@pytest.fixture
def pg_engines(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (SQLite has no server to lose)")
    engine = db.make_engine(database_url)
    admin = db.make_engine(database_url, isolation_level="AUTOCOMMIT")
    yield engine, admin
    engine.dispose()
    admin.dispose()


def _statements(engine, monkeypatch) -> list[str]:
    """Every statement sent: through SQLAlchemy, by the dialect's ping, or on the raw connection."""
    import psycopg

    seen = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    dialect_ping = type(engine.dialect).do_ping
    raw_execute = psycopg.Connection.execute
    monkeypatch.setattr(type(engine.dialect), "do_ping",
                        lambda self, conn: seen.append("ping") or dialect_ping(self, conn))
    monkeypatch.setattr(psycopg.Connection, "execute",
                        lambda self, query, *a, **k: seen.append(query) or raw_execute(self, query, *a, **k))
    return seen


def test_a_connection_closed_by_the_server_while_idle_is_replaced(pg_engines, monkeypatch):
    engine, admin = pg_engines
    with engine.connect() as conn:
        old_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": old_pid})
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # "idle long enough" without sleeping
    with engine.connect() as conn:
        new_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    assert new_pid != old_pid


def test_a_connection_reused_at_once_is_not_pinged(pg_engines, monkeypatch):
    engine, _admin = pg_engines
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    seen = _statements(engine, monkeypatch)
    with engine.connect() as conn:
        conn.execute(text("SELECT 2"))
    assert seen == ["SELECT 2"]
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    seen.clear()
    with engine.connect() as conn:
        conn.execute(text("SELECT 3"))
    assert seen == ["SELECT 1", "SELECT 3"]  # the idle connection was pinged first
