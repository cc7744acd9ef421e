"""Database helpers shared by the test fixtures and tests."""
import sqlalchemy as sa
from sqlmodel import SQLModel


def truncate_all(engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    # The history tables are append-only (database triggers, see the 0001 migration);
    # this sanctioned purge sets the flag those triggers accept, on this connection only.
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL tracker.allow_history_purge = 'on'"))
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(sa.text("CREATE TEMP TABLE IF NOT EXISTS allow_history_purge (x INTEGER)"))
            try:
                for t in tables:
                    conn.execute(sa.text(f'DELETE FROM "{t}"'))
            finally:
                conn.execute(sa.text("DROP TABLE IF EXISTS temp.allow_history_purge"))
