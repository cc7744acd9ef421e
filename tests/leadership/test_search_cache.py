"""Search results reused from the cache are never stale: every task change moves the data version."""
from datetime import date

from sqlalchemy import event

from tracker.models import Directive
from tracker.models import Task
from tracker.services import tasks as task_service
from tracker.services.cache import cache_for
from tracker.services.cache import data_version
from tracker.services.search import search_text_for_directive
from tracker.services.search import search_text_for_task

TODAY = date(2025, 6, 15)


def _setup(session, make_unit, make_user):
    finance = make_unit("Sở Tài chính")
    clerk = make_user("vp.cache", role="clerk")
    d = Directive(code="7/CT-UBND", title="Chỉ thị về chuyển đổi số", kind="chi_thi", source_text="x",
                  state="published", issued_date=date(2025, 1, 2))
    d.search_text = search_text_for_directive(d)
    session.add(d)
    session.commit()
    return finance, clerk, d


def _add(session, d, unit, action, deadline):
    t = Task(directive_id=d.id, lead_unit_id=unit.id, action=action, deadline=deadline,
             search_text=search_text_for_task(action, d, unit.name))
    session.add(t)
    session.commit()
    return t


def _search(session, clerk, q, **kw):
    rows, total = task_service.list_tasks(session, clerk, today=TODAY, q=q, **kw)
    return [t.id for t, _, _ in rows], total


def test_repeated_search_is_served_from_the_cache(app, session, make_unit, make_user):
    finance, clerk, d = _setup(session, make_unit, make_user)
    tasks = [_add(session, d, finance, f"Báo cáo tiến độ đợt {i}", date(2025, 6, i + 1)) for i in range(5)]
    scans = []

    def count_scans(conn, cursor, statement, *args):
        if "instr(task.search_text" in statement or "strpos(task.search_text" in statement:
            scans.append(statement)

    engine = app.extensions["engine"]
    event.listen(engine, "before_cursor_execute", count_scans)
    try:
        first = _search(session, clerk, "bao cao tien do")
        second = _search(session, clerk, "bao cao tien do")
    finally:
        event.remove(engine, "before_cursor_execute", count_scans)
    assert first == second == ([t.id for t in tasks], 5)
    assert len(scans) == 1  # the second search did not scan again
    assert cache_for(session, "search").hits >= 1


def test_cached_search_follows_new_and_changed_tasks(session, make_unit, make_user):
    finance, clerk, d = _setup(session, make_unit, make_user)
    a = _add(session, d, finance, "Đẩy nhanh giải ngân vốn đầu tư công", date(2025, 6, 20))
    assert _search(session, clerk, "giai ngan") == ([a.id], 1)
    assert _search(session, clerk, "giai ngan", status="hoan_thanh") == ([], 0)

    # a new matching task: a new max id
    b = _add(session, d, finance, "Giải ngân vốn sự nghiệp", date(2025, 6, 10))
    assert _search(session, clerk, "giai ngan") == ([b.id, a.id], 2)

    # a task changed directly through the ORM (no service call): updated_at moves on its own
    version = data_version(session)
    a.status = "hoan_thanh"
    a.completed_on = date(2025, 6, 14)
    session.add(a)
    session.commit()
    assert data_version(session) != version
    assert _search(session, clerk, "giai ngan", status="hoan_thanh") == ([a.id], 1)
    # and through the service: a report moves it out of "chưa thực hiện"
    assert _search(session, clerk, "giai ngan", status="chua_thuc_hien") == ([b.id], 1)
    head = make_user("truong.tc", role="head", unit=finance)
    task_service.update_task(session, head, b.id, version=None, status="dang_thuc_hien")
    session.commit()
    assert _search(session, clerk, "giai ngan", status="chua_thuc_hien") == ([], 0)


def test_broad_search_count_is_cached_and_exact(session, make_unit, make_user, monkeypatch):
    monkeypatch.setattr(task_service, "SEARCH_SORT_IN_PYTHON", 2)  # every search here is "broad"
    finance, clerk, d = _setup(session, make_unit, make_user)
    made = [_add(session, d, finance, f"Chuyển đổi số bước {i}", date(2025, 6, 1 + i)) for i in range(4)]
    assert _search(session, clerk, "chuyen doi so", per_page=3) == ([t.id for t in made[:3]], 4)
    assert _search(session, clerk, "chuyen doi so", per_page=3, page=2) == ([made[3].id], 4)
    extra = _add(session, d, finance, "Chuyển đổi số bổ sung", date(2025, 5, 1))
    assert _search(session, clerk, "chuyen doi so", per_page=3) == ([extra.id] + [t.id for t in made[:2]], 5)
