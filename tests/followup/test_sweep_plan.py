"""Query-plan guard for the reminder sweep on PostgreSQL.

The digest query once asked `lead = unit OR id IN (co-unit subquery)`; PostgreSQL ran the
IN as a subplan once per task row (16 s a minute at 100,000 tasks). Every statement of
a sweep is EXPLAINed here: no scan of `task` may filter through a SubPlan (a subquery
re-run for every task row). A SubPlan per *user* row (an EXISTS probe) is fine.
"""
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tracker.followup.sweep import sweep

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # a Monday


def per_task_subplans(plan: str) -> list[str]:
    """The Filter lines of scans on `task` that call a SubPlan."""
    found, in_task_scan = [], False
    for line in plan.splitlines():
        text = line.strip().removeprefix("->  ")
        if " on task " in f"{text} " and "Scan" in text:
            in_task_scan = True
            continue
        if in_task_scan and text.startswith(("Filter:", "Index Cond:", "Recheck Cond:")):
            if "SubPlan" in text:
                found.append(text)
            continue
        in_task_scan = False
    return found


def test_sweep_statements_have_no_correlated_subplan(app, session, backend, make_unit, make_user, make_task):
    if backend != "postgresql":
        pytest.skip("the plan guard is about PostgreSQL's planner")
    lead, co = make_unit(), make_unit()
    make_user("cv", unit=lead), make_user("cv2", unit=co), make_user("tp", role="head", unit=lead)
    for i in range(30):
        make_task(lead, deadline=NOW.date() + timedelta(days=i - 15), co_units=[co])
    statements = []
    engine = app.extensions["engine"]

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATION"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        counts = sweep(session, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    # two statements in all (the channels are crossed in SQL, not looped over in Python)
    assert counts["daily"] > 0 and counts["escalation"] > 0 and len(statements) == 2
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, parameters in statements:
            with raw.cursor() as cur:
                cur.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(r[0] for r in cur.fetchall())
            assert not per_task_subplans(plan), plan
        conn.execute(sa.text("SELECT 1"))
