"""A crash of the deadline grammar (issue #12): raised in tests, logged and shown on the task
as a warning for the clerk in the app; never silently read as "no deadline"."""
import logging

import pytest

from tracker.parsing import deadlines
from tracker.parsing import parse_directive
from tracker.parsing.result import CRASH_WARNING

TEXT = "Giao Sở Tài chính chủ trì rà soát các dự án đầu tư công, hoàn thành trước ngày 15/3/2026."


def _boom(*args, **kwargs):
    raise RuntimeError("grammar bug")


def test_in_tests_a_grammar_crash_raises(monkeypatch):
    monkeypatch.setenv("TRACKER_PARSER_STRICT", "1")
    monkeypatch.setattr(deadlines, "pick_deadline", _boom)
    with pytest.raises(RuntimeError, match="grammar bug"):
        parse_directive(TEXT, issued="2026-03-01")


def test_in_the_app_it_is_logged_and_the_task_is_flagged(monkeypatch, caplog):
    monkeypatch.delenv("TRACKER_PARSER_STRICT", raising=False)
    monkeypatch.setattr(deadlines, "pick_deadline", _boom)
    caplog.set_level(logging.ERROR, logger="tracker.parsing")
    (task,) = parse_directive(TEXT, issued="2026-03-01").tasks
    assert task.owner == "Sở Tài chính" and task.deadline is None
    assert CRASH_WARNING in task.warnings
    assert any("grammar bug" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_without_a_crash_no_such_warning():
    (task,) = parse_directive(TEXT, issued="2026-03-01").tasks
    assert str(task.deadline) == "2026-03-15" and CRASH_WARNING not in task.warnings
