"""The search goes through each backend's index and finds the same rows as the plain scan."""
import pytest
import sqlalchemy as sa
from sqlmodel import select

from tracker.models import Task
from tracker.services.search import search_text_for_task
from tracker.services.search import task_search_clause

ACTIONS = ["Giải ngân vốn đầu tư công năm 2026", "Chuyển đổi số trong cơ quan nhà nước",
           "Báo cáo Sở Tài chính về giải ngân", "Kế hoạch quý I"]


def _tasks(session, make_unit, make_task):
    unit = make_unit()
    tasks = [make_task(unit, action=a) for a in ACTIONS]
    for t in tasks:
        t.search_text = search_text_for_task(t.action, None)
        session.add(t)
    session.commit()
    return tasks


@pytest.mark.parametrize("q", ["giai ngan", "giải ngân vốn", "so tai", "quy 1", "ke", "xyz", "chuyen doi so nha"])
def test_indexed_search_equals_the_scan(session, backend, make_unit, make_task, q):
    _tasks(session, make_unit, make_task)
    indexed = set(session.exec(select(Task.id).where(task_search_clause(q, backend))).all())
    scanned = set(session.exec(select(Task.id).where(task_search_clause(q))).all())
    assert indexed == scanned


def test_index_follows_updates_and_deletes(session, backend, make_unit, make_task):
    tasks = _tasks(session, make_unit, make_task)
    tasks[0].search_text = search_text_for_task("Xây dựng đề án mới", None)
    session.add(tasks[0])
    session.delete(tasks[1])
    session.commit()
    find = lambda q: set(session.exec(select(Task.id).where(task_search_clause(q, backend))).all())  # noqa: E731 - a one-line local helper
    assert find("giai ngan") == {tasks[2].id}
    assert find("de an moi") == {tasks[0].id}
    assert find("chuyen doi") == set()


def test_the_plan_uses_the_search_index(session, backend, make_unit, make_task):
    _tasks(session, make_unit, make_task)
    stmt = select(Task.id).where(task_search_clause("giai ngan von", backend))
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    conn = session.connection()
    if backend == "sqlite":
        plan = " ".join(str(r[-1]) for r in conn.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
        assert "task_fts VIRTUAL TABLE INDEX" in plan, plan
    else:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in conn.execute(sa.text("EXPLAIN " + sql)))
        assert "ix_task_search_trgm" in plan, plan


def test_upgrade_restores_triggers_a_table_rebuild_dropped(tmp_path):
    """SQLite batch migrations rebuild tables and drop their triggers: upgrade puts them back."""
    from tracker.db import make_engine
    from tracker.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER directive_fts_ai")
        conn.exec_driver_sql("INSERT INTO directive (id, kind, title, source_text, state, draft_tasks, version, "
                             "search_text, created_at) VALUES (7, 'chi_thi', 't', 's', 'draft', '[]', 1, "
                             "' ket luan ', '2026-01-01')")
    upgrade(engine)
    with engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT rowid FROM directive_fts WHERE directive_fts MATCH '\" ket luan\"'").all()
    engine.dispose()
    assert found == [(7,)]
