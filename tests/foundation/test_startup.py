"""Start-up and configuration: bad settings stop with one clear line, never a traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import ConfigError
from tracker import create_app

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def run_flask(args, tmp_path, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "TRACKER_ENV")}
    full_env.update({"INSTANCE_PATH": str(tmp_path / "instance"), **env})
    return subprocess.run(FLASK + args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60)


def assert_one_line_error(result, *words):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_unreachable_database_url(tmp_path):
    result = run_flask(["users", "list"], tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert_one_line_error(result, "Không kết nối được cơ sở dữ liệu")


def test_malformed_timezone(tmp_path):
    result = run_flask(["users", "list"], tmp_path, TIMEZONE="Mars/Olympus")
    assert_one_line_error(result, "TIMEZONE")


def test_production_requires_secret_key(tmp_path):
    result = run_flask(["users", "list"], tmp_path, TRACKER_ENV="production")
    assert_one_line_error(result, "SECRET_KEY")


def test_development_secret_is_generated_and_kept(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_invalid_integer_setting(tmp_path):
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path), "DUE_SOON_DAYS": "ba"})


def test_postgres_url_uses_psycopg3(tmp_path):
    from tracker.config import normalize_database_url

    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
