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


def test_targets_judge_the_figures_not_the_sections_verdict():
    """issue #18: the bench's own targets; a figure over one, or a missing figure, is a MISS."""
    from bench import common

    wanted = common.targets({"pages", "sweep", "parser"}, ["postgresql", "sqlite"])
    names = {t.row for t in wanted}
    for b in ("postgresql", "sqlite"):
        for page in ("dashboard", "unit_task_list", "task_detail", "api_task_list", "search_warm"):
            assert {f"pages.{b}.{page}.c1", f"pages.{b}.{page}.c4"} <= names
        assert {f"pages.{b}.search_cold.c4", f"pages.{b}.export_10000", f"reminders.{b}.sweep_0800",
                f"reminders.{b}.sweep_quiet"} <= names
    assert {"parser.dev", "parser.real", "parser.cold_start"} <= names

    rows = [
        Row("pages.sqlite.dashboard.c1", "x", result="PASS", values={"p95_ms": 15.0, "non_2xx": 0}),
        Row("pages.sqlite.dashboard.c4", "x", result="PASS", values={"p95_ms": 25.1, "non_2xx": 0}),
        Row("pages.sqlite.task_detail.c4", "x", values={"p95_ms": 3.0, "non_2xx": 2}),
        Row("pages.sqlite.search_cold.c4", "x", values={"p95_ms": 49.0}),
        Row("pages.sqlite.export_10000", "x", values={"p95_ms": 1001.0, "rows": 10_000}),
        Row("reminders.sqlite.sweep_0800", "x", values={"sweep_0800_ms": 300.0}),
        Row("reminders.sqlite.sweep_quiet", "x", values={"quiet_max_ms": 12.0, "quiet_written": 0}),
        Row("reminders.postgresql.sweep_0800", "x", values={"sweep_0800_ms": 500.0}),
        Row("reminders.postgresql.sweep_quiet", "x", values={"quiet_max_ms": 12.0, "quiet_written": 3}),
        Row("parser.dev", "x", values={"ms_per_1000_words": 2.4, "speedup": 19.9}),
        Row("parser.cold_start", "x", values={"wall_s": 0.09, "web_modules_loaded": ""}),
    ]
    judged = {r.name: r for r in common.apply_targets(rows, wanted)}
    assert judged["pages.sqlite.dashboard.c1"].result == "PASS"
    assert judged["pages.sqlite.dashboard.c4"].result == "MISS"          # 25.1 > 25, whatever the section said
    assert judged["pages.sqlite.task_detail.c4"].result == "MISS"        # fast, but answered non-2xx
    assert judged["pages.sqlite.search_cold.c4"].result == "PASS"
    assert judged["pages.sqlite.export_10000"].result == "MISS"
    assert judged["reminders.sqlite.sweep_0800"].result == "PASS"
    assert judged["reminders.sqlite.sweep_quiet"].result == "PASS"
    assert judged["reminders.postgresql.sweep_0800"].result == "MISS"    # < 0.5 s, not <=
    assert judged["reminders.postgresql.sweep_quiet"].result == "MISS"   # a quiet minute wrote rows
    assert judged["parser.dev"].result == "MISS"                         # under 20x dateparser
    assert judged["parser.cold_start"].result == "PASS"
    # a target this run has no figure for is a MISS row, not a silent gap
    assert judged["pages.postgresql.dashboard.c1"].result == "MISS"
    assert judged["pages.postgresql.dashboard.c1"].figure == "not measured"
    assert judged["parser.real"].result == "MISS"


def test_cold_search_terms_are_all_different():
    from bench.pages import cold_search_terms

    terms = cold_search_terms(600)
    assert len(terms) == len(set(terms)) == 600
    assert all(2 <= len(t.split()) <= 6 for t in terms)
