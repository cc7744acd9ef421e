"""The package installs as a wheel: templates, static files and migrations travel with it.

Builds the wheel from this checkout, installs it with --no-deps into a fresh venv outside
the checkout that sees this environment's dependencies (a .pth line, so nothing is
downloaded), then, from an empty working directory, runs `db upgrade` on a new SQLite
file and serves the login page.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.slow

SERVE_LOGIN = """
import tracker, sys
assert "site-packages" in tracker.__file__, tracker.__file__
from tracker import create_app
app = create_app()
resp = app.test_client().get("/login")
body = resp.get_data(as_text=True)
assert resp.status_code == 200 and "Đăng nhập" in body, (resp.status_code, body[:300])
print("ok", tracker.__file__)
"""


def _source_copy(dest: Path) -> Path:
    """The packaged part of the checkout, copied so the build leaves nothing in the tree."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("tracker", "bots", "bench"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def test_wheel_installs_migrates_and_serves_login(tmp_path):
    dist = tmp_path / "dist"
    src = _source_copy(tmp_path / "src") if (tmp_path / "src").mkdir() is None else None
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(dist), str(src)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("directive_tracker-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # This environment's dependencies, as a plain path (its .pth files, e.g. the editable
    # install of this checkout, are not processed from there).
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL", "INSTANCE_PATH")}
    env.update(DATABASE_URL=f"sqlite:///{work}/tracker.db", TRACKER_ENV="development")
    upgrade = subprocess.run([str(py), "-m", "flask", "--app", "tracker:create_app", "db", "upgrade"], cwd=work,
                             env=env, capture_output=True, text=True, timeout=300)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert (work / "tracker.db").exists() and (work / "instance").is_dir()
    served = subprocess.run([str(py), "-c", SERVE_LOGIN], cwd=work, env=env, capture_output=True, text=True,
                            timeout=300)
    assert served.returncode == 0, served.stdout + served.stderr
    assert str(ROOT) not in served.stdout
