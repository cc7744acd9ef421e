"""Benchmarks of the leadership views: dashboard and Excel export.

Used by `python -m bench` (wired by the scale work) and runnable alone:

    .venv/bin/python -m bench.leadership [--tasks 100000] [--database-url URL]

`populate` fills an empty, migrated database with a synthetic province (units,
directives with signers, tasks in every deadline state, coordinating units), written
with bulk Core inserts. `bench_dashboard` and `bench_export` time the real code paths:
the service functions directly, and the pages through the Flask test client or, given a
URL, through a running server (HTTP, logging in with a leader account).
"""
import argparse
import http.cookiejar
import io
import random
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from bench.common import analyze

BENCH_LEADER = "bench-lanhdao"
BENCH_PASSWORD = "bench-matkhau-1234"

SIGNERS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thu Hà"]
ACTIONS = [
    "Chủ trì, phối hợp tổng hợp báo cáo kết quả giải ngân vốn đầu tư công quý {q}",
    "Rà soát, đề xuất tháo gỡ khó khăn vướng mắc trong giải phóng mặt bằng dự án đường tỉnh {n}",
    "Tăng cường kiểm tra, xử lý vi phạm trật tự xây dựng trên địa bàn",
    "Triển khai các giải pháp phòng, chống dịch sốt xuất huyết đợt {q}",
    "Hoàn thiện hồ sơ trình phê duyệt quy hoạch chi tiết khu công nghiệp số {n}",
    "Đẩy nhanh tiến độ chuyển đổi số, cung cấp dịch vụ công trực tuyến toàn trình",
]
ROMAN = ["I", "II", "III", "IV"]


def _percentile(values, pct):
    values = sorted(values)
    if not values:
        return None
    k = max(0, min(len(values) - 1, int(round(pct / 100 * (len(values) - 1)))))
    return values[k]


def _summary(samples_ms):
    return {
        "runs": len(samples_ms),
        "p50_ms": round(statistics.median(samples_ms), 2),
        "p95_ms": round(_percentile(samples_ms, 95), 2),
        "max_ms": round(max(samples_ms), 2),
    }


def populate(engine, *, tasks: int = 100_000, units: int = 300, directives: int = 5_000, seed: int = 1,
             today: date | None = None, batch: int = 10_000) -> dict:
    """Fill an empty, migrated database; returns what was written."""
    from tracker.models import Directive
    from tracker.models import Task
    from tracker.models import TaskCoUnit
    from tracker.models import Unit
    from tracker.services.clock import local_today
    from tracker.services.search import search_text_for_directive
    from tracker.services.search import search_text_for_task

    rng = random.Random(seed)
    today = today or local_today()
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(Task)).scalar_one():
            raise RuntimeError("populate() needs an empty task table")
        conn.execute(insert(Unit), [
            {"code": f"BENCH{i:04d}", "name": f"Đơn vị thử tải {i:03d}", "kind": "department", "aliases": [],
             "active": True}
            for i in range(1, units + 1)])
        unit_ids = [r[0] for r in conn.execute(select(Unit.id).where(Unit.code.like("BENCH%")).order_by(Unit.id))]
        rows = []
        for i in range(1, directives + 1):
            issued = today - timedelta(days=rng.randint(0, 540))
            d = {"number": str(i), "code": f"{i}/TB-UBND", "kind": "thong_bao_ket_luan",
                 "title": f"Thông báo kết luận của Chủ tịch UBND tỉnh tại cuộc họp số {i}",
                 "signer": rng.choice(SIGNERS), "issued_date": issued, "source_text": "(thử tải)",
                 "state": "published", "draft_tasks": [], "version": 1}
            d["search_text"] = search_text_for_directive(type("D", (), d))
            rows.append(d)
        conn.execute(insert(Directive), rows)
        directive_rows = conn.execute(select(Directive.id, Directive.number, Directive.code, Directive.title,
                                             Directive.issued_date).order_by(Directive.id)).all()
        first_task_id = (conn.execute(select(func.max(Task.id))).scalar() or 0) + 1
        unit_names = dict(conn.execute(select(Unit.id, Unit.name)).all())
        written = 0
        co_rows = []
        while written < tasks:
            chunk = []
            for _ in range(min(batch, tasks - written)):
                d = rng.choice(directive_rows)
                unit_id = rng.choice(unit_ids)
                action = rng.choice(ACTIONS).format(q=rng.choice(ROMAN), n=rng.randint(1, 99))
                deadline = None if rng.random() < 0.08 else d.issued_date + timedelta(days=rng.randint(5, 200))
                roll = rng.random()
                status, completed_on = "chua_thuc_hien", None
                if roll < 0.45:
                    status = "hoan_thanh"
                elif roll < 0.52:
                    status = "cho_xac_nhan"
                elif roll < 0.80:
                    status = "dang_thuc_hien"
                elif roll < 0.83:
                    status = "tra_lai"
                if status in ("hoan_thanh", "cho_xac_nhan"):
                    base = deadline or d.issued_date + timedelta(days=30)
                    completed_on = min(today, base + timedelta(days=rng.randint(-30, 20)))
                    completed_on = max(completed_on, d.issued_date)
                chunk.append({
                    "directive_id": d.id, "lead_unit_id": unit_id, "owner_text": unit_names[unit_id],
                    "co_owner_texts": [], "action": action, "deadline": deadline, "status": status,
                    "progress": 100 if status == "hoan_thanh" else rng.randint(0, 90),
                    "completed_on": completed_on, "urgent": rng.random() < 0.05, "version": 1,
                    "result_note": "Đã báo cáo kết quả" if status == "hoan_thanh" else None,
                    "search_text": search_text_for_task(action, d, unit_names[unit_id]),
                })
            conn.execute(insert(Task), chunk)
            written += len(chunk)
        task_ids = range(first_task_id, first_task_id + tasks)
        for task_id in task_ids:
            if rng.random() < 0.3:
                for unit_id in rng.sample(unit_ids, 2):
                    co_rows.append({"task_id": task_id, "unit_id": unit_id})
        for start in range(0, len(co_rows), batch):
            conn.execute(insert(TaskCoUnit), co_rows[start:start + batch])
    analyze(engine)   # the per-unit counts become index-only scans
    return {"units": units, "directives": directives, "tasks": tasks, "co_units": len(co_rows)}


def ensure_leader(engine, login: str = BENCH_LEADER, password: str = BENCH_PASSWORD):
    """A leader account to log in with (created once)."""
    from sqlmodel import Session

    from tracker.models import User
    from tracker.services import accounts

    with Session(engine) as session:
        user = session.execute(select(User).where(User.login == login)).scalars().first()
        if user is None:
            accounts.create_user(session, login=login, role="leader", password=password)
            session.commit()
    return login, password


def _time(fn, runs: int, warmup: int = 2):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return _summary(samples)


class _HttpClient:
    """A tiny cookie-keeping client for a running server (logs in through the form)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read()

    def login(self, login: str, password: str) -> None:
        page = self.get("/login").decode("utf-8", "replace")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page)
        data = {"login": login, "password": password}
        if match:
            data["csrf_token"] = match.group(1)
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(urllib.request.Request(self.base + "/login", data=body), timeout=60) as response:
            response.read()


def _page_timer(app_or_url, login: str, password: str):
    """A function GETting a path as the logged-in leader, via test client or HTTP."""
    if isinstance(app_or_url, str):
        client = _HttpClient(app_or_url)
        client.login(login, password)
        return client.get
    client = app_or_url.test_client()
    response = client.post("/login", data={"login": login, "password": password})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"bench login failed ({response.status_code})")

    def get(path):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return response.data

    return get


def bench_dashboard(app_or_url, *, runs: int = 30, login: str | None = None, password: str | None = None,
                    engine=None) -> dict:
    """Time the dashboard: the figures service (when an app or engine is given) and the page.

    `app_or_url` is a Flask app (test client, plus the service timed directly) or the base
    URL of a running server (then `login`/`password` of a leader are needed, or the bench
    leader is created through `engine`)."""
    from sqlmodel import Session

    from tracker.services import stats

    out = {}
    if not isinstance(app_or_url, str):
        engine = app_or_url.extensions["engine"]
    if engine is not None:
        with Session(engine) as session:
            out["figures_service"] = _time(lambda: stats.dashboard(session, stats.Filters()), runs)
            out["overdue_page_service"] = _time(lambda: stats.overdue_page(session, stats.Filters()), runs)
            signer = (stats.signers(session) or [None])[0]
            filtered = stats.Filters(signer=signer, period_field="issued",
                                     date_from=date.today() - timedelta(days=180))
            out["figures_service_filtered"] = _time(lambda: stats.dashboard(session, filtered), runs)
        if login is None:
            login, password = ensure_leader(engine)
    get = _page_timer(app_or_url, login, password)
    out["dashboard_page"] = _time(lambda: get("/dashboard"), runs)
    out["overdue_page"] = _time(lambda: get("/dashboard/overdue?page=2"), runs)
    return out


def bench_export(app_or_url, *, rows: int = 10_000, runs: int = 3, login: str | None = None,
                 password: str | None = None, engine=None) -> dict:
    """Time a `rows`-row Excel and CSV export (service directly, and the download URL)."""
    from openpyxl import load_workbook
    from sqlmodel import Session

    from tracker.services import exports
    from tracker.services import stats

    out = {"rows": rows}
    if not isinstance(app_or_url, str):
        engine = app_or_url.extensions["engine"]
    if engine is not None:
        with Session(engine) as session:
            def xlsx():
                return exports.tasks_xlsx(session, stats.Filters(), limit=rows)

            out["xlsx_service"] = _time(xlsx, runs, warmup=1)
            data = xlsx()
            sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
            out["xlsx_rows_written"] = (sum(1 for _ in sheet.iter_rows()) - exports.HEADER_ROWS
                                        - getattr(exports, "TRAILER_ROWS", 0))
            out["csv_service"] = _time(lambda: exports.tasks_csv(session, stats.Filters(), limit=rows), runs,
                                       warmup=1)
        if login is None:
            login, password = ensure_leader(engine)
    get = _page_timer(app_or_url, login, password)
    out["xlsx_download"] = _time(lambda: get(f"/exports/tasks.xlsx?limit={rows}"), runs, warmup=1)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--directives", type=int, default=5_000)
    parser.add_argument("--database-url", default=None,
                        help="an empty database to fill (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)

    import tempfile

    from tracker import create_app
    from tracker.db import make_engine
    from tracker.migrate import upgrade

    tmp = tempfile.mkdtemp(prefix="bench-leadership-")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    written = populate(engine, tasks=args.tasks, units=args.units, directives=args.directives)
    print(f"populated {written} in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
                      "WTF_CSRF_ENABLED": False})
    for name, run in (("dashboard", lambda: bench_dashboard(app, runs=args.runs)),
                      ("export", lambda: bench_export(app))):
        print(name, flush=True)
        for key, value in run().items():
            print(f"  {key}: {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
