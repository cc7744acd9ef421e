"""Engine and per-request session.

SQLite gets WAL, enforced foreign keys and a busy timeout on every connection, so the
web process and the worker can share one file. A PostgreSQL connection is pinged when it
comes out of the pool after sitting idle (a server restart or an idle timeout may have
closed it); one reused within seconds is not: SQLAlchemy's pool_pre_ping cost every
request three round trips (BEGIN, SELECT 1, ROLLBACK) before its first query.
"""
import time

from flask import current_app
from flask import g
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from tracker.config import ConfigError


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A connection back in the pool for longer than this is pinged before reuse.
IDLE_PING_SECONDS = 10.0


def _mark_idle(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """Pessimistic disconnect handling for idle connections only: a dead one raises
    DisconnectionError, and the pool replaces it with a fresh connection."""
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
        return  # new (just connected) or reused within seconds
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure means the connection is unusable
        raise DisconnectionError(str(exc)) from exc


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Fail start-up with one line when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise ConfigError(
            f"Không kết nối được cơ sở dữ liệu {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None


def get_engine() -> Engine:
    return current_app.extensions["engine"]


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(exc=None):
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def init_app(app):
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["engine"] = engine
    app.teardown_appcontext(close_session)
