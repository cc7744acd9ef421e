"""Migrations give the same schema on SQLite and PostgreSQL, and match the models."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import tracker.models  # noqa: F401 - registers the tables in the metadata
from tracker.search_index import is_search_object


def describe(engine):
    insp = sa.inspect(engine)
    out = {}
    for table in sorted(t for t in insp.get_table_names() if not is_search_object(t)):
        cols = sorted((c["name"], c["nullable"]) for c in insp.get_columns(table))
        idx = sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
                     if not i.get("duplicates_constraint") and not is_search_object(i["name"]))
        uniq = sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table))
        fks = sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(table))
        out[table] = {"columns": cols, "indexes": idx, "unique": uniq, "fks": fks}
    return out


def test_sqlite_pragmas(app):
    engine = app.extensions["engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_models_match_migrations(app):
    engine = app.extensions["engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    # The search indexes are backend-specific and outside the models (tracker/search_index.py).
    diff = [d for d in diff if not (isinstance(d, tuple) and is_search_object(getattr(d[1], "name", None)))]
    assert diff == []


_schemas = {}


def test_same_schema_on_both_databases(app, request):
    engine = app.extensions["engine"]
    _schemas[engine.dialect.name] = describe(engine)
    if len(_schemas) < 2:
        pytest.skip("compared when the test has run on both databases")
    sqlite, pg = _schemas["sqlite"], _schemas["postgresql"]
    assert sqlite.keys() == pg.keys()
    for table in sqlite:
        assert sqlite[table]["columns"] == pg[table]["columns"], table
        assert sqlite[table]["indexes"] == pg[table]["indexes"], table
        assert sqlite[table]["fks"] == pg[table]["fks"], table


def test_migrations_have_a_single_head():
    """Every issue adds one migration re-parented on the latest head: the chain never forks."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parents[2] / "tracker" / "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
