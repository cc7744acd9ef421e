"""The full-text search indexes, one per backend, created by the i18_speed migration.

- PostgreSQL: `pg_trgm` GIN indexes over the folded `search_text` of tasks and
  directives, so `search_text LIKE '% term%'` is an index scan even for a term never
  searched before (CREATE EXTENSION needs the database owner).
- SQLite: FTS5 tables with the trigram tokenizer, kept in step with `task` and
  `directive` by triggers; a quoted term is a substring MATCH over the same folded text.

Both are outside the SQLModel metadata (backend-specific by design); the schema tests
leave out the names listed here.
"""
from __future__ import annotations

FTS_TABLES = {"task": "task_fts", "directive": "directive_fts"}
TRGM_INDEXES = {"task": "ix_task_search_trgm", "directive": "ix_directive_search_trgm"}
# Names (and prefixes of FTS5's shadow tables) the schema comparisons skip.
BACKEND_OBJECTS = tuple(FTS_TABLES.values()) + tuple(TRGM_INDEXES.values())


def is_search_object(name: str | None) -> bool:
    return bool(name) and any(name == n or name.startswith(n + "_") for n in BACKEND_OBJECTS)


def create_statements(dialect: str) -> list[str]:
    """DDL that creates the search indexes (and fills them from the rows present)."""
    if dialect == "postgresql":
        out = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
        out += [f"CREATE INDEX IF NOT EXISTS {ix} ON {table} USING gin (search_text gin_trgm_ops)"
                for table, ix in TRGM_INDEXES.items()]
        return out
    out = []
    for table, fts in FTS_TABLES.items():
        out += [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, content='{table}', "
            f"content_rowid='id', tokenize='trigram')",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    return out


def ensure(conn) -> bool:
    """Recreate the search index objects a later migration removed; True when it had to.

    On SQLite, Alembic's batch mode rebuilds a table to change a constraint (copy, drop,
    rename), and dropping `task` or `directive` drops its triggers with it, so every
    upgrade ends by checking them (tracker.migrate.upgrade). The index is then rebuilt
    from the rows, since changes made without the triggers are not in it."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        present = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        wanted = set(FTS_TABLES.values()) | {f"{fts}_{s}" for fts in FTS_TABLES.values() for s in ("ai", "ad", "au")}
        if wanted <= present or not set(FTS_TABLES) <= present:
            return False
    elif dialect == "postgresql":
        present = {r[0] for r in conn.exec_driver_sql("SELECT indexname FROM pg_indexes")}
        if set(TRGM_INDEXES.values()) <= present:
            return False
    else:
        return False
    for statement in create_statements(dialect):
        conn.exec_driver_sql(statement)
    return True


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS {ix}" for ix in TRGM_INDEXES.values()]
    out = []
    for fts in FTS_TABLES.values():
        out += [f"DROP TRIGGER IF EXISTS {fts}_{s}" for s in ("ai", "ad", "au")]
        out.append(f"DROP TABLE IF EXISTS {fts}")
    return out
