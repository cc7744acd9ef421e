"""Large exports as background jobs (issue #18): over EXPORT_JOB_ROWS rows the worker builds the file.

The threshold is set low here (the province has 16 tasks); the jobs are run the way the
worker runs them (`jobs.run_pending`, the file built in a child process)."""
import io
import os
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from tests.leadership.conftest import TODAY
from tests.leadership.conftest import fast_user
from tracker.models import BackgroundJob
from tracker.models import Task
from tracker.services import NotFound
from tracker.services import export_jobs
from tracker.services import exports
from tracker.services import jobs
from tracker.services import stats
from tracker.settings import reconfigure

H = exports.HEADER_ROWS


@pytest.fixture
def frozen_today(monkeypatch):
    import tracker.web.dashboard as dashboard

    monkeypatch.setattr(dashboard, "local_today", lambda now=None: TODAY)
    return TODAY


@pytest.fixture
def low_threshold(app):
    app.config["EXPORT_JOB_ROWS"] = 5
    return 5


def _run_jobs(app) -> int:
    with app.app_context():
        return jobs.run_pending(app.extensions["engine"])


def _job_id(response) -> int:
    assert response.status_code == 303, response.status_code
    match = re.search(r"/exports/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _data_rows(body: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(body)).active
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    return rows[H:len(rows) - exports.TRAILER_ROWS]


def test_small_export_is_still_a_direct_download(client, login, province, frozen_today, low_threshold):
    login(province.users["leader"])
    response = client.get("/exports/tasks.xlsx?state=qua_han")   # 3 rows <= 5
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]


def test_large_export_becomes_a_job_then_a_download(app, client, login, province, frozen_today, low_threshold,
                                                    session):
    leader = province.users["leader"]
    login(leader)
    direct = None
    app.config["EXPORT_JOB_ROWS"] = 10_000
    direct = client.get("/exports/tasks.xlsx").data
    app.config["EXPORT_JOB_ROWS"] = low_threshold

    response = client.get("/exports/tasks.xlsx")
    job_id = _job_id(response)
    # a reload of the export link finds the same job instead of queueing the work twice
    assert _job_id(client.get("/exports/tasks.xlsx")) == job_id
    page = client.get(f"/exports/jobs/{job_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Đang chờ" in text and 'http-equiv="refresh"' in text
    assert "16 dòng" in text and "chế độ nền" in text
    poll = client.get(f"/exports/jobs/{job_id}.json").get_json()
    assert poll["job"]["state"] == "queued" and poll["download_url"] is None and poll["job"]["rows"] == 16
    assert client.get(f"/exports/jobs/{job_id}/file").status_code == 404   # not ready yet

    assert _run_jobs(app) == 1
    poll = client.get(f"/exports/jobs/{job_id}.json").get_json()
    assert poll["job"]["state"] == "done" and poll["job"]["progress"] == 100
    assert poll["download_url"] == f"/exports/jobs/{job_id}/file"
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "Tải tệp về" in page and 'http-equiv="refresh"' not in page
    file = client.get(poll["download_url"])
    assert file.status_code == 200
    assert file.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'danh-sach-nhiem-vu-{TODAY.isoformat()}.xlsx' in file.headers["Content-Disposition"]
    # the same rows, in the same office layout, as the synchronous export
    assert _data_rows(file.data) == _data_rows(direct)
    assert len(_data_rows(file.data)) == 16
    job = session.get(BackgroundJob, job_id)
    assert os.path.isfile(os.path.join(app.instance_path, job.result_path))
    assert job.result_path.startswith("exports/")


def test_job_file_keeps_cells_safe_and_the_users_scope(app, client, login, province, frozen_today, session):
    """Unit staff get only their unit's tasks, and formula-looking text stays text."""
    app.config["EXPORT_JOB_ROWS"] = 2
    task = session.get(Task, province.tasks["a1"].id)
    task.action = "=HYPERLINK(\"http://x.example\",\"bấm\")"
    session.add(task)
    session.commit()
    login(province.users["A"])   # staff of Sở Tài chính: 9 tasks
    job_id = _job_id(client.get("/exports/tasks.csv"))
    _run_jobs(app)
    body = client.get(f"/exports/jobs/{job_id}/file").data.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert len(lines) == 1 + 9
    assert "Sở Y tế" not in "".join(line.split(",")[3] for line in lines[1:])
    assert "'=HYPERLINK(" in body and ",=HYPERLINK(" not in body


def test_only_the_requester_and_admins_see_the_job(app, client, login, province, frozen_today, low_threshold,
                                                   session):
    login(province.users["leader"])
    job_id = _job_id(client.get("/exports/tasks.xlsx"))
    _run_jobs(app)
    urls = (f"/exports/jobs/{job_id}", f"/exports/jobs/{job_id}.json", f"/exports/jobs/{job_id}/file")
    login(province.users["clerk"])
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.get(urls[1]).get_json()["error"]["code"] == "not_found"
    admin = fast_user(session, "quantri", "admin")
    session.commit()
    login(admin)
    for url in urls:
        assert client.get(url).status_code == 200, url
    anonymous = app.test_client()
    assert anonymous.get(urls[2]).status_code in (302, 401)


def test_json_client_gets_202_with_the_job_and_its_poll_url(client, login, province, frozen_today, low_threshold):
    login(province.users["leader"])
    response = client.get("/exports/tasks.csv", headers={"Accept": "application/json"})
    assert response.status_code == 202
    body = response.get_json()
    assert body["job"]["id"] and body["job"]["state"] == "queued"
    assert body["poll_url"] == f"/exports/jobs/{body['job']['id']}.json" == response.headers["Location"]


def test_dashboard_workbook_over_the_threshold_is_a_job(app, client, login, province, frozen_today, low_threshold):
    login(province.users["leader"])
    job_id = _job_id(client.get("/dashboard/export.xlsx"))   # 3 units + total + 3 overdue rows > 5
    _run_jobs(app)
    file = client.get(f"/exports/jobs/{job_id}/file")
    assert file.status_code == 200
    book = load_workbook(io.BytesIO(file.data))
    assert book.sheetnames == ["Tổng hợp", "Quá hạn"]
    assert "tong-hop-nhiem-vu" in file.headers["Content-Disposition"]
    # the CSV (units only) stays a direct download
    assert client.get("/dashboard/export.csv").status_code == 200


def test_a_failed_job_says_so_in_vietnamese(app, client, login, province, frozen_today, low_threshold, session):
    leader = province.users["leader"]
    login(leader)
    job_id = _job_id(client.get("/exports/tasks.xlsx"))
    job = session.get(BackgroundJob, job_id)
    job.payload = {**job.payload, "args": {"from": "31/02/2025"}}   # an impossible date reaches the worker
    session.add(job)
    session.commit()
    _run_jobs(app)
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "Không tạo được tệp" in page and "Tải tệp về" not in page
    assert client.get(f"/exports/jobs/{job_id}.json").get_json()["job"]["state"] == "failed"


def test_files_are_kept_24_hours_then_removed_by_the_worker(app, province, session):
    """The injected clock: asked at T, the file is there at T+23h59 and gone (row and file) after T+24h."""
    engine = app.extensions["engine"]
    leader = province.users["leader"]
    asked = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)
    job = export_jobs.enqueue_export(session, leader, "tasks", "csv", {}, rows=16, today=TODAY, now=asked)
    session.commit()
    job_id = job.id
    _run_jobs(app)
    session.expire_all()
    job = session.get(BackgroundJob, job_id)
    path = export_jobs.file_path(app.instance_path, job)
    assert os.path.isfile(path)

    almost = asked + timedelta(hours=23, minutes=59)
    assert export_jobs.job_for(session, leader, job_id, now=almost).id == job_id
    assert jobs.purge_expired(engine, app.instance_path, now=almost) == 0
    assert os.path.isfile(path)

    later = asked + timedelta(hours=24, minutes=1)
    with pytest.raises(NotFound):   # expired: refused even before the purge has run
        export_jobs.job_for(session, leader, job_id, now=later)
    assert jobs.purge_expired(engine, app.instance_path, now=later) == 1
    assert not os.path.exists(path)
    session.expire_all()
    assert session.get(BackgroundJob, job_id) is None


def test_counting_stops_past_the_threshold(session, province):
    """Deciding "more than N rows" reads at most N + 1 ids."""
    filters = stats.Filters()
    assert exports.count_task_rows(session, filters, today=TODAY) == 16
    assert exports.count_task_rows(session, filters, today=TODAY, cap=5) == 6
    assert exports.count_task_rows(session, filters, today=TODAY, limit=4, cap=5) == 4
    assert exports.count_task_rows(session, filters, today=TODAY, state="qua_han") == 3
    assert len(session.exec(select(Task.id)).all()) == 16


def test_openapi_documents_the_export_job_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/exports/jobs/{id}", "/exports/jobs/{id}.json", "/exports/jobs/{id}/file"):
        assert "get" in doc["paths"][path], path
    assert "202" in doc["paths"]["/exports/tasks.{fmt}"]["get"]["responses"]
    assert doc["components"]["schemas"]["ExportJob"]["properties"]["poll_url"]
    assert "session" in doc["components"]["securitySchemes"]


def test_the_worker_process_serves_export_jobs(app, client, login, province, frozen_today, low_threshold):
    """`flask worker run`'s job loop knows the export kind (no test-side registration)."""
    import asyncio

    from sqlmodel import Session

    from tracker.followup import worker

    login(province.users["leader"])
    job_id = _job_id(client.get("/exports/tasks.csv"))
    reconfigure(app, SWEEP_INTERVAL_SECONDS=0.2, JOB_POLL_SECONDS=0.05)

    def state():
        with Session(app.extensions["engine"]) as s:
            return s.get(BackgroundJob, job_id).state

    async def go():
        stop = asyncio.Event()

        async def stop_when_done():
            for _ in range(1200):   # a hang guard only (60 s), not a speed check
                if await asyncio.to_thread(state) in ("done", "failed"):
                    break
                await asyncio.sleep(0.05)
            stop.set()

        waiter = asyncio.create_task(stop_when_done())
        await worker.run_worker(app, stop_event=stop)
        await waiter

    asyncio.run(go())
    assert state() == "done"
    body = client.get(f"/exports/jobs/{job_id}/file").data.decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 1 + 16
