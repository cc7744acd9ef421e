"""The benchmark tools judge correctly: percentiles, the table, and the load test's lost-update check."""
from collections import Counter

from bench.common import Row
from bench.common import percentile
from bench.common import render_table
from bench.load import verify
from tracker.models import Task
from tracker.models import TaskEvent


def test_percentile_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) is None


def test_table_has_one_line_per_row_and_notes():
    text = render_table([Row("parser.dev", "3.1 ms/1000 words", "dateparser 40 ms", "13x", "<= 5", "PASS", "why"),
                         Row("pages.sqlite.dashboard", "n/a (route missing)", result="n/a")])
    lines = text.splitlines()
    assert lines[0].startswith("| benchmark")
    assert any(line.startswith("| parser.dev ") and "PASS" in line for line in lines)
    assert any("n/a (route missing)" in line for line in lines)
    assert "- parser.dev: why" in text


def test_load_verify_catches_a_lost_update(app, session, make_unit, make_task, make_user):
    unit = make_unit()
    clerk = make_user("vanphong", role="clerk")
    a, b = make_task(unit), make_task(unit)
    prep = {"hot": [a.id, b.id], "versions": {a.id: a.version, b.id: b.version}}
    marker = "load-test1234"
    # two acknowledged writes on a, one on b, done the way the API does them
    for task, n in ((a, 2), (b, 1)):
        for i in range(n):
            session.add(TaskEvent(task_id=task.id, actor_id=clerk.id, kind="note", note=f"{marker} w{i}"))
            session.get(Task, task.id).version += 1
    session.commit()
    url = app.config["DATABASE_URL"]
    ok, problems = verify(url, prep, marker, Counter({a.id: 2, b.id: 1}))
    assert ok and problems == []
    # the server said 200 three times for b, but only one write is in the database: lost updates
    ok, problems = verify(url, prep, marker, Counter({a.id: 2, b.id: 3}))
    assert not ok
    assert any(f"task {b.id}" in p for p in problems)
