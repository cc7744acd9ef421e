"""Lists cost a fixed number of SQL queries, whatever the number of tasks (no query per row).

Each page is requested with 10 tasks and again with 200 (more than a page: 10 rows shown,
then 50), and the number of statements the database saw (a `before_cursor_execute`
listener) must not grow: a query per row would add dozens. One statement of slack: the
list reads a page in two index-ordered segments (dated tasks, then undated ones), so a
page that straddles the two costs one query more than a page that does not.
A page that is not built yet is skipped, not passed.
"""
from contextlib import contextmanager
from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import event

from tracker.models import TaskEvent
from tracker.services import accounts

TODAY = date.today()


@contextmanager
def counting(engine):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def province(session, make_unit, make_user, make_task):
    """Two units and a clerk; `grow(n)` adds n tasks of unit A in mixed states with co-units and history."""
    a = make_unit(name="Sở Tài chính", code="STC")
    b = make_unit(name="Sở Y tế", code="SYT")
    c = make_unit(name="UBND xã Tân Phú", kind="commune", code="XTP")
    clerk = make_user("vanphong", role="clerk")
    staff = make_user("stc.canbo", role="staff", unit=a)
    made = {"n": 0}

    def grow(n):
        for _ in range(n):
            i = made["n"]
            made["n"] += 1
            status = ("chua_thuc_hien", "dang_thuc_hien", "cho_xac_nhan", "hoan_thanh", "tra_lai")[i % 5]
            deadline = None if i % 7 == 0 else TODAY + timedelta(days=(i % 40) - 20)
            task = make_task(a, action=f"Rà soát thủ tục hành chính đợt {i}", deadline=deadline, status=status,
                             completed_on=TODAY if status == "hoan_thanh" else None,
                             co_units=(b, c) if i % 2 else (b,))
            session.add(TaskEvent(task_id=task.id, actor_id=staff.id, kind="note", note="Đang thực hiện"))
        session.commit()

    return {"a": a, "clerk": clerk, "staff": staff, "grow": grow}


def assert_no_growth(small: int, large: int) -> None:
    assert large <= small + 1, f"{small} queries with 10 tasks, {large} with 200"


def _route_exists(app, rule: str) -> bool:
    return any(r.rule == rule for r in app.url_map.iter_rules())


def _count(app, client, url, headers=None):
    engine = app.extensions["engine"]
    client.get(url, headers=headers)  # warm-up: first-request work (caches, lazy loads) is not per row
    with counting(engine) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return len(statements)


def test_task_list_page_queries_do_not_grow(app, client, login, province):
    if not _route_exists(app, "/tasks"):
        pytest.skip("task list page not built yet")
    login(province["clerk"])
    url = f"/tasks?unit={province['a'].id}"
    province["grow"](10)
    small = _count(app, client, url)
    province["grow"](190)
    large = _count(app, client, url)
    assert_no_growth(small, large)
    assert small <= 15


def test_unit_staff_task_list_queries_do_not_grow(app, client, login, province):
    if not _route_exists(app, "/tasks/mine"):
        pytest.skip("my-unit page not built yet")
    login(province["staff"])
    province["grow"](10)
    small = _count(app, client, "/tasks/mine")
    province["grow"](190)
    large = _count(app, client, "/tasks/mine")
    assert_no_growth(small, large)


def test_api_task_list_queries_do_not_grow(app, client, session, province):
    if not _route_exists(app, "/api/v1/tasks"):
        pytest.skip("API not built yet")
    token = accounts.issue_api_token(session, province["clerk"], "test")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/tasks?unit={province['a'].id}&per_page=100"
    province["grow"](10)
    small = _count(app, client, url, headers)
    province["grow"](190)
    large = _count(app, client, url, headers)
    assert_no_growth(small, large)
    assert small <= 15


def test_dashboard_queries_do_not_grow(app, client, login, province):
    if not _route_exists(app, "/dashboard"):
        pytest.skip("dashboard not built yet")
    login(province["clerk"])
    province["grow"](10)
    small = _count(app, client, "/dashboard")
    province["grow"](190)
    large = _count(app, client, "/dashboard")
    assert_no_growth(small, large)


def test_task_page_queries_do_not_grow(app, client, login, session, make_unit, make_user, make_task):
    """The task page: a fixed number of statements whatever its history, discussion, files,
    extension requests, child tasks and units; and every part is shown (the parts known to be
    empty are skipped with EXISTS flags read with the task)."""
    from tracker.models import Attachment
    from tracker.models import ExtensionRequest
    from tracker.models import Task
    from tracker.models import TaskComment
    from tracker.models import TaskFollow
    from tracker.models import TaskInfoUnit

    lead, co, info, sub = (make_unit(name=n, code=c) for n, c in
                           (("Sở Tài chính", "STC"), ("Sở Y tế", "SYT"), ("Sở Nội vụ", "SNV"),
                            ("Phòng Ngân sách", "PNS")))
    leader = make_user("lanhdao", role="leader")
    bare = make_task(lead, action="Nhiệm vụ trống")
    task = make_task(lead, action="Nhiệm vụ đầy đủ", deadline=TODAY, co_units=(co,))
    session.add(TaskInfoUnit(task_id=task.id, unit_id=info.id))
    session.add(TaskFollow(task_id=task.id, user_id=leader.id))
    session.commit()
    made = {"n": 0}

    def grow(n):
        for _ in range(n):
            i = made["n"]
            made["n"] += 1
            comment = TaskComment(task_id=task.id, author_id=leader.id, text=f"Ý kiến số {i}")
            session.add(comment)
            session.flush()
            session.add(Attachment(task_id=task.id, comment_id=comment.id if i % 2 else None, uploaded_by_id=leader.id,
                                   original_name=f"tep-{i}.pdf", stored_name=f"stored-{i}",
                                   content_type="application/pdf",
                                   size=10))
            session.add(ExtensionRequest(task_id=task.id, requested_by_id=leader.id, requested_date=TODAY,
                                         reason=f"Lý do {i}", status="rejected", decided_by_id=leader.id))
            session.add(TaskEvent(task_id=task.id, actor_id=leader.id, kind="note", note=f"Ghi chú {i}"))
            session.add(Task(directive_id=task.directive_id, lead_unit_id=sub.id, parent_id=task.id,
                             action=f"Việc con {i}", status="chua_thuc_hien", progress=0))
        session.commit()

    login(leader)
    bare_count = _count(app, client, f"/tasks/{bare.id}")
    grow(2)
    small = _count(app, client, f"/tasks/{task.id}")
    grow(18)
    large = _count(app, client, f"/tasks/{task.id}")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    for shown in ("Ý kiến số 19", "tep-18.pdf", "tep-19.pdf", "Việc con 19", "Sở Y tế", "Sở Nội vụ"):
        assert shown in page, shown
    assert large == small, f"{small} queries with 2 of each, {large} with 20"
    assert bare_count < small  # the empty parts cost no query
