"""Browser tests: the app on a live werkzeug server thread, real headless Chromium.

Run separately (the sync Playwright API keeps an event loop in the main thread):
    .venv/bin/python -m pytest -p playwright tests/e2e -o addopts="" -o pythonpath=.
The database is a temporary SQLite file, migrated and loaded with the demo data.
Screenshots of every page go to test-artifacts/screenshots/.
"""
import os
import threading
from pathlib import Path

import pytest
from sqlmodel import Session
from werkzeug.serving import make_server

from tracker import create_app
from tracker.db import make_engine
from tracker.demo.province import load_demo
from tracker.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} missing (apt-get install chromium)")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder}/e2e.db"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        load_demo(session)
        session.commit()
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "e2e-secret", "INSTANCE_PATH": str(folder / "instance"),
                      "WTF_CSRF_ENABLED": True})
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return take
