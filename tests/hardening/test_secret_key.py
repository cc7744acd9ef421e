"""Finding 2 (round 2): a public or short SECRET_KEY must not start a production server."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import ConfigError
from tracker import create_app
from tracker.secretkey import fill_env_file

ROOT = Path(__file__).resolve().parents[2]
STRONG = "3f9c1b7e5a2d4c6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c"


def _production(tmp_path, key, database_url):
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": key, "TRACKER_ENV": "production",
                       "INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("key", ["change-me", "CHANGE-ME", " change-me ", "secret", "dev", "x" * 40,
                                 "short-but-random-7Qz", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"])
def test_production_refuses_placeholder_and_short_keys(tmp_path, database_url, key):
    with pytest.raises(ConfigError) as info:
        _production(tmp_path, key, database_url)
    assert "SECRET_KEY" in str(info.value)


def test_production_accepts_a_random_32_byte_key(tmp_path, database_url):
    app = _production(tmp_path, STRONG[:32], database_url)
    app.extensions["engine"].dispose()


def test_development_still_accepts_a_short_test_key(tmp_path, database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    app.extensions["engine"].dispose()


def test_example_env_file_holds_no_usable_key(tmp_path, database_url):
    text = (ROOT / "deploy" / "tracker.env.example").read_text()
    value = re.search(r"^SECRET_KEY=(.*)$", text, re.M).group(1)
    with pytest.raises(ConfigError):
        _production(tmp_path, value, database_url)


def test_setup_fills_a_fresh_key_and_keeps_a_real_one(tmp_path, database_url):
    env = tmp_path / "tracker.env"
    env.write_text((ROOT / "deploy" / "tracker.env.example").read_text())
    assert fill_env_file(str(env)) is True
    key = re.search(r"^SECRET_KEY=(.*)$", env.read_text(), re.M).group(1)
    assert len(key) >= 64
    assert env.stat().st_mode & 0o077 == 0
    _production(tmp_path / "i", key, database_url).extensions["engine"].dispose()
    assert fill_env_file(str(env)) is False
    assert re.search(r"^SECRET_KEY=(.*)$", env.read_text(), re.M).group(1) == key


def test_setup_command_line(tmp_path):
    env = tmp_path / "tracker.env"
    env.write_text("TRACKER_ENV=production\nSECRET_KEY=change-me\n")
    result = subprocess.run([sys.executable, "-m", "tracker.secretkey", str(env)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "change-me" not in env.read_text()
