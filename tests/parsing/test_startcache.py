"""The start-up regex cache gives the same patterns as re.compile, survives a new process,
and steps aside when anything is off."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.parsing import startcache

PATTERNS = [
    (r"(?P<day>\d{1,2})/(?P<month>\d{1,2})(?:/(?P<year>\d{4}))?", 0),
    (r"khẩn\s+trương|hỏa\s+tốc", re.I),
    (r"""
        (?P<op>trước|chậm\s+nhất)\s+   # an operator
        ngày\s+(\d+)
    """, re.X | re.I),
    (r"(?<![^\s,:;].)(?<!Ngoại .)iao", 0),
    (r"^Nơi nhận|^Kính gửi", re.M),
]
TEXTS = ["trước ngày 15/02/2022 và 3/4", "KHẨN TRƯƠNG hoàn thành; Hỏa tốc", "chậm nhất ngày 30 tháng 6",
         "Ngoại giao, giao việc", "x\nNơi nhận:\nKính gửi"]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("DIRECTIVE_TRACKER_NO_CACHE", raising=False)
    cache = startcache._Cache()
    monkeypatch.setattr(startcache, "_CACHE", cache)
    monkeypatch.setattr(startcache, "_LIVE", {})
    return cache


@pytest.mark.parametrize("pattern, flags", PATTERNS)
def test_same_pattern_object_as_re(pattern, flags, fresh_cache):
    ours, theirs = startcache.compile(pattern, flags), re.compile(pattern, flags)
    assert isinstance(ours, re.Pattern)
    assert (ours.pattern, ours.flags, ours.groups, ours.groupindex) == (
        theirs.pattern, theirs.flags, theirs.groups, theirs.groupindex)
    for text in TEXTS:
        assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)]
        assert [m.groupdict() for m in ours.finditer(text)] == [m.groupdict() for m in theirs.finditer(text)]


def test_cache_is_written_and_read_back(fresh_cache, monkeypatch):
    for p, f in PATTERNS:
        startcache.compile(p, f)
    fresh_cache.save()
    written = list(Path(fresh_cache.path).parent.glob("regex-*.marshal"))
    assert len(written) == 1
    again = startcache._Cache()
    monkeypatch.setattr(startcache, "_CACHE", again)
    monkeypatch.setattr(startcache, "_LIVE", {})

    def not_compiled(*a, **k):
        raise AssertionError("compiled again instead of read from the cache")
    monkeypatch.setattr(startcache, "_entry", not_compiled)
    rx = startcache.compile(*PATTERNS[0])
    assert rx.match("15/02/2022").group("year") == "2022" and again.added == 0


def test_a_changed_private_api_falls_back_to_re(fresh_cache, monkeypatch):
    class Broken:
        @staticmethod
        def compile(*a):
            raise TypeError("another signature")
    monkeypatch.setattr(startcache, "_sre", Broken)
    rx = startcache.compile(r"\d+/\d+", 0)
    assert rx.findall("15/02 và 3/4") == ["15/02", "3/4"]
    assert fresh_cache.enabled is False


def test_the_parser_cli_gives_the_same_output_with_and_without_the_cache(tmp_path):
    root = Path(__file__).resolve().parents[2]
    doc = tmp_path / "d.txt"
    doc.write_text("Cà Mau, ngày 12 tháng 01 năm 2022\n1. Giao Sở Y tế kiểm tra, hoàn thành trước ngày 25/01/2022.\n"
                   "2. Sở KH&ĐT tổng hợp, báo cáo trước ngày 20 hằng tháng.\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def run(extra):
        return subprocess.run([sys.executable, "-m", "tracker.parsing", str(doc), "--json"], cwd=root,
                              env={**env, **extra}, capture_output=True, text=True, timeout=120)

    first, second, off = run({}), run({}), run({"DIRECTIVE_TRACKER_NO_CACHE": "1"})
    assert first.returncode == second.returncode == off.returncode == 0, first.stderr + off.stderr
    assert list((tmp_path / "cache" / "directive-tracker").glob("regex-*.marshal"))   # the first run wrote it
    assert first.stdout == second.stdout == off.stdout


def test_a_pattern_compiled_again_in_the_same_process_is_the_same_object(fresh_cache):
    assert startcache.compile(r"\s*:\s+(?=\S)") is startcache.compile(r"\s*:\s+(?=\S)")
