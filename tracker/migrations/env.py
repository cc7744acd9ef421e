"""Alembic environment: SQLModel metadata, batch mode on SQLite, URL from the caller."""
from alembic import context
from sqlmodel import SQLModel

import tracker.models  # noqa: F401 - registers the tables
from tracker.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
