"""Search ignores diacritics and case, reads Roman quarter numbers, and runs in SQL on both databases."""
from datetime import UTC
from datetime import date

from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task
from tracker.services import search
from tracker.services.search import directive_search_clause
from tracker.services.search import normalize
from tracker.services.search import query_terms
from tracker.services.search import search_text_for_directive
from tracker.services.search import search_text_for_task
from tracker.services.search import task_search_clause


def test_normalize_folds_and_reads_roman_counts():
    assert normalize("Sở Tài chính báo cáo quý I/2025") == "so tai chinh bao cao quy 1 2025"
    assert normalize("QUÝ IV; Đợt III, giai đoạn II") == "quy 4 dot 3 giai doan 2"
    assert normalize("Số 15/CT-UBND") == "so 15 ct ubnd"
    # a Roman numeral that does not follow a counting word is left alone
    assert normalize("Sở Y tế, mục tiêu V") == "so y te muc tieu v"


def test_query_terms_keep_quoted_phrases_and_drop_wildcards():
    assert query_terms("so tai chinh quy 1") == ["quy 1 ", "so", "tai", "chinh"]
    assert query_terms('"tai chinh" quý I') == ["tai chinh", "quy 1 "]
    assert query_terms("100%_") == ["100"]
    assert query_terms("   ") == []


def test_escape_like():
    assert search.escape_like("a%b_c\\") == "a\\%b\\_c\\\\"


def _directive(session, code, title, number=None):
    d = Directive(code=code, number=number, title=title, kind="cong_van", source_text="x", state="published",
                  issued_date=date(2025, 1, 2))
    d.search_text = search_text_for_directive(d)
    session.add(d)
    session.commit()
    return d


def _task(session, directive, unit, action):
    t = Task(directive_id=directive.id, lead_unit_id=unit.id, action=action, deadline=date(2025, 3, 31),
             search_text=search_text_for_task(action, directive, unit.name))
    session.add(t)
    session.commit()
    return t


def _found(session, q):
    return {t.action for t in session.exec(select(Task).where(task_search_clause(q))).all()}


def test_search_finds_vietnamese_text_from_plain_ascii(session, make_unit):
    finance = make_unit("Sở Tài chính")
    health = make_unit("Sở Y tế")
    d1 = _directive(session, "15/CT-UBND", "Chỉ thị về tăng cường quản lý ngân sách", number="15")
    d2 = _directive(session, "230/TB-UBND", "Thông báo kết luận của Chủ tịch UBND tỉnh")
    _task(session, d1, finance, "Sở Tài chính tổng hợp, báo cáo kết quả giải ngân quý I năm 2025")
    _task(session, d1, finance, "Sở Tài chính báo cáo quý II")
    _task(session, d2, health, "Tăng cường phòng chống dịch sốt xuất huyết")
    _task(session, d2, finance, "Rà soát 100% hồ sơ quá hạn")

    assert _found(session, "so tai chinh quy 1") == {"Sở Tài chính tổng hợp, báo cáo kết quả giải ngân quý I năm 2025"}
    assert _found(session, "SỞ TÀI CHÍNH QUÝ II") == {"Sở Tài chính báo cáo quý II"}
    assert _found(session, "sot xuat huyet") == {"Tăng cường phòng chống dịch sốt xuất huyết"}
    # directive number/code and title are searchable through the task
    assert len(_found(session, "15/CT-UBND")) == 2
    assert len(_found(session, "thong bao ket luan")) == 2
    # the unit's registered name finds a task whose action does not name it
    assert _found(session, "so y te") == {"Tăng cường phòng chống dịch sốt xuất huyết"}
    # every term must match; a term matches at a word start only
    assert _found(session, "tai chinh dich") == set()
    assert _found(session, "202") == {"Sở Tài chính tổng hợp, báo cáo kết quả giải ngân quý I năm 2025"}
    assert _found(session, "025") == set()
    # LIKE wildcards in the query are not wildcards
    assert _found(session, "%") == _found(session, "")
    assert _found(session, "100%") == {"Rà soát 100% hồ sơ quá hạn"}
    assert len(_found(session, "")) == 4

    directives = session.exec(select(Directive).where(directive_search_clause("chi thi ngan sach"))).all()
    assert [d.code for d in directives] == ["15/CT-UBND"]
    directives = session.exec(select(Directive).where(directive_search_clause("230/tb"))).all()
    assert [d.code for d in directives] == ["230/TB-UBND"]


def test_backfill_fills_missing_search_text(session, make_unit, make_task):
    unit = make_unit("Sở Tài chính")
    task = make_task(unit, action="Báo cáo quý III")
    assert task.search_text is None
    assert search.backfill(session) >= 1
    session.commit()
    session.refresh(task)
    assert _found(session, "bao cao quy 3") == {"Báo cáo quý III"}
    assert "van ban thu nghiem" in task.search_text


def test_publish_and_next_occurrence_fill_search_text(session, make_unit, make_user, monkeypatch):
    from datetime import datetime

    from tracker.services import directives as directive_service
    from tracker.services import tasks as task_service

    finance = make_unit("Sở Tài chính")
    clerk = make_user("vanphong", role="clerk")
    staff = make_user("canbo", role="staff", unit=finance)
    draft = Directive(code="7/KH-UBND", title="Kế hoạch thu ngân sách", kind="ke_hoach", source_text="x",
                      state="draft", issued_date=datetime(2025, 3, 1).date())
    session.add(draft)
    session.commit()
    now = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
    created = directive_service.publish(session, clerk, draft, [
        {"unit_id": finance.id, "action": "Báo cáo thu ngân sách hằng tháng", "deadline": "2025-03-25",
         "recurrence": "monthly:25"},
    ], now=now)
    session.commit()
    assert draft.search_text.strip() == "7 kh ubnd ke hoach thu ngan sach"
    task = created[0]
    assert _found(session, "so tai chinh thu ngan sach 7/kh") == {"Báo cáo thu ngân sách hằng tháng"}

    # the recurrence grammar belongs to the parser; a fixed next date keeps this test about search
    monkeypatch.setattr(task_service, "next_occurrence", lambda rule, after: date(2025, 4, 25))
    task_service.update_task(session, staff, task.id, version=task.version, status="cho_xac_nhan", now=now)
    task_service.confirm_completion(session, clerk, task.id, now=now)
    session.commit()
    occurrences = session.exec(select(Task).where(task_search_clause("bao cao thu ngan sach"))).all()
    assert sorted(t.deadline for t in occurrences) == [date(2025, 3, 25), date(2025, 4, 25)]
