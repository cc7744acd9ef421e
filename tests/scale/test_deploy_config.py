"""The deployment example agrees with the app: upload limit, static files, processes."""
import re
import runpy
from pathlib import Path

from tracker.config import DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[unit.lower()]


def test_nginx_lets_the_largest_upload_through_and_serves_static_files():
    conf = (DEPLOY / "nginx" / "directive-tracker.conf").read_text()
    limit = _size(re.search(r"client_max_body_size\s+(\w+);", conf).group(1))
    app_limit = max(DEFAULTS["MAX_UPLOAD_BYTES"], DEFAULTS["MAX_DIRECTIVE_BYTES"]) + 512 * 1024  # create_app
    assert app_limit <= limit <= app_limit + 2 * 1024 * 1024, ("nginx's limit should follow the app's, not exceed it by"
                                                               " much")
    alias = re.search(r"location /static/ \{[^}]*alias\s+(\S+);", conf).group(1)
    assert alias.rstrip("/").endswith("tracker/static")
    assert (ROOT / "tracker" / "static").is_dir()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "Host"):
        assert f"proxy_set_header {header}" in conf


def test_gunicorn_runs_at_least_two_workers_without_preload(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["workers"] >= 2
    assert settings["preload_app"] is False  # each worker opens its own connection pool
    assert settings["timeout"] >= 30  # the 10,000-row export


def test_process_definitions_start_web_and_exactly_one_worker_kind():
    procfile = (DEPLOY / "Procfile").read_text()
    assert re.search(r"^web: gunicorn -c deploy/gunicorn.conf.py app:app$", procfile, re.M)
    assert re.search(r"^worker: flask --app app worker run$", procfile, re.M)
    web = (DEPLOY / "systemd" / "directive-tracker-web.service").read_text()
    worker = (DEPLOY / "systemd" / "directive-tracker-worker.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py app:app" in web and "worker run" not in web
    assert "flask --app app worker run" in worker
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/directive-tracker/tracker.env" in unit
    env = (DEPLOY / "tracker.env.example").read_text()
    assert "TRACKER_ENV=production" in env and "SECRET_KEY=" in env


def test_nginx_site_passes_nginx_t(tmp_path):
    """`nginx -t` accepts the site as shipped (certificate paths and ports swapped for local ones)."""
    import shutil
    import subprocess

    import pytest

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    openssl = shutil.which("openssl")
    if not nginx or not openssl or not Path("/etc/nginx/mime.types").exists():
        pytest.skip("nginx or openssl not installed")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(tmp_path / "c.pem"), "-days", "1", "-subj", "/CN=test"], check=True,
                   capture_output=True)
    site = (DEPLOY / "nginx" / "directive-tracker.conf").read_text()
    site = (site.replace("/etc/ssl/certs/chidao.example.gov.vn.pem", str(tmp_path / "c.pem"))
                .replace("/etc/ssl/private/chidao.example.gov.vn.key", str(tmp_path / "k.pem"))
                .replace("listen 80;", "listen 127.0.0.1:1;").replace("listen 443 ", "listen 127.0.0.1:2 "))
    (tmp_path / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                        "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temp} include {tmp_path}/site.conf; }}\n")
    result = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path),
                             "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
