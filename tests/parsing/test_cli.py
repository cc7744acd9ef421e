"""The CLI: python -m tracker.parsing FILE [--issued YYYY-MM-DD] [--json]."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TASK_KEYS = {"owner", "unit", "co_owners", "action", "deadline", "deadline_text", "recurrence", "urgent",
             "start", "end", "confidence", "reasons",
             "reason_texts", "warnings"}  # issue #13 added the last two
TEXT = ("Cà Mau, ngày 12 tháng 01 năm 2022\r\n\r\n1. Giao Sở Y tế chủ trì, phối hợp với Công an tỉnh kiểm tra "
        "an toàn thực phẩm, hoàn thành trước ngày 25/01/2022.\r\n2. Sở KH\u00a0&\u00a0ĐT tổng hợp, báo cáo "
        "trước ngày 20 hằng tháng.\r\n")


def run(*args):
    return subprocess.run([sys.executable, "-m", "tracker.parsing", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_json_output_has_exactly_the_contract_keys(tmp_path):
    f = tmp_path / "d.txt"
    f.write_bytes(TEXT.encode("utf-8"))
    r = run(f, "--issued", "2022-01-12", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"document", "tasks"}
    assert out["tasks"], out
    text = f.read_bytes().decode("utf-8")
    for t in out["tasks"]:
        assert set(t) == TASK_KEYS
        assert 0 <= t["start"] < t["end"] <= len(text)
    first = out["tasks"][0]
    assert first["owner"] == "Sở Y tế" and first["deadline"] == "2022-01-25"
    assert text[first["start"]:first["end"]].startswith("Giao Sở Y tế")
    assert out["tasks"][1]["recurrence"] == "monthly:20"


def test_table_output(tmp_path):
    f = tmp_path / "d.txt"
    f.write_text(TEXT, encoding="utf-8")
    r = run(f)
    assert r.returncode == 0
    assert "Sở Y tế" in r.stdout and "2022-01-25" in r.stdout


def test_missing_file():
    r = run("/nonexistent/directive.txt")
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1


def test_empty_file(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_text("  \n", encoding="utf-8")
    r = run(f, "--json")
    assert r.returncode == 2 and "empty" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_not_utf8(tmp_path):
    f = tmp_path / "latin.txt"
    f.write_bytes("Sở Y tế".encode("utf-16"))
    r = run(f, "--json")
    assert r.returncode == 2 and "UTF-8" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_issued_date(tmp_path):
    f = tmp_path / "d.txt"
    f.write_text(TEXT, encoding="utf-8")
    r = run(f, "--issued", "12/01/2022")
    assert r.returncode == 2


def test_reason_texts_and_warnings_speak_vietnamese():
    from tracker.parsing import parse_directive
    r = parse_directive("1. Giao UBND thành phố Hà Tĩnh rà soát các dự án, hoàn thành trước ngày 31/02/2026.",
                        issued="2025-11-20")
    t = r.to_dict()["tasks"][0]
    assert t["owner"] == "UBND thành phố Hà Tĩnh" and t["unit"] is None   # never mapped to "UBND tỉnh"
    assert "cơ quan không có trong danh mục" in t["reason_texts"]
    assert all(":" not in x or not x.split(":")[0].isascii() for x in t["reason_texts"])  # no rule codes
    assert "ngày không có thật: 31/02/2026" in t["warnings"]
    assert any("không có trong danh mục" in w for w in t["warnings"])
