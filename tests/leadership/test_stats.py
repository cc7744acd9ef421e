"""The four-way figures, ranking and overdue list, computed in SQL, against a hand-computed table."""
from datetime import date

import pytest
from sqlmodel import select

from tests.leadership.conftest import EXPECTED
from tests.leadership.conftest import EXPECTED_TOTAL
from tests.leadership.conftest import TODAY
from tracker.deadline_state import deadline_state
from tracker.models import Task
from tracker.services import ServiceError
from tracker.services import stats


def _by_name(board):
    return {row.name: row for row in board.units}


def _figures(row):
    d = row.figures.as_dict()
    return d


def test_four_way_figures_per_unit_and_total(session, province):
    board = stats.dashboard(session, today=TODAY)
    rows = _by_name(board)
    assert {name: _figures(row) for name, row in rows.items()} == EXPECTED
    assert board.total.as_dict() == EXPECTED_TOTAL


def test_figures_agree_with_the_python_deadline_state(session, province):
    """The SQL GROUP BY and the per-task Python rule give the same counts."""
    counted = {}
    for task in session.exec(select(Task)).all():
        state = deadline_state(task.deadline, task.status, task.completed_on, TODAY)
        column = stats.STATE_COLUMN[state]
        counted[column] = counted.get(column, 0) + 1
    total = stats.dashboard(session, today=TODAY).total
    assert {c: getattr(total, c) for c in stats.COLUMNS} == {c: counted.get(c, 0) for c in stats.COLUMNS}


def test_extension_and_recurrence_are_judged_on_their_own_deadlines(session, province):
    t = province.tasks
    session.refresh(t["a6"])
    assert t["a6"].deadline == date(2025, 6, 30)
    session.refresh(t["b2"])
    assert (t["b2"].deadline, t["b2"].completed_on) == (date(2025, 6, 14), date(2025, 6, 13))
    series = session.exec(select(Task.deadline, Task.status).where(
        (Task.id == t["b1"].id) | (Task.series_id == t["b1"].id)).order_by(Task.deadline)).all()
    assert [tuple(r) for r in series] == [(date(2025, 4, 25), "hoan_thanh"), (date(2025, 5, 25), "hoan_thanh"),
                                          (date(2025, 6, 25), "chua_thuc_hien")]


def test_ranking_orders_units_by_on_time_rate(session, province):
    board = stats.dashboard(session, today=TODAY)
    assert [(row.name, row.rank) for row in board.units] == [
        ("Sở Y tế", 1), ("Sở Tài chính", 2), ("UBND huyện Hòa Bình", None)]


def test_ranking_ties_share_a_rank():
    a = stats.UnitRow(1, "A", "A", stats.Figures(hoan_thanh_dung_han=1, chua_hoan_thanh_qua_han=1))
    b = stats.UnitRow(2, "B", "B", stats.Figures(hoan_thanh_dung_han=1, chua_hoan_thanh_qua_han=1))
    c = stats.UnitRow(3, "C", "C", stats.Figures(hoan_thanh_dung_han=1, hoan_thanh_qua_han=3))
    stats.rank_units(rows := [c, b, a])
    assert [(r.code, r.rank) for r in rows] == [("A", 1), ("B", 1), ("C", 3)]


def test_filter_by_deadline_period(session, province):
    filters = stats.Filters(period_field="deadline", date_from=date(2025, 6, 1), date_to=date(2025, 6, 30))
    rows = _by_name(stats.dashboard(session, filters, today=TODAY))
    assert set(rows) == {"Sở Tài chính", "Sở Y tế"}
    a, b = rows["Sở Tài chính"].figures.as_dict(), rows["Sở Y tế"].figures.as_dict()
    assert (a["hoan_thanh_dung_han"], a["hoan_thanh_qua_han"], a["chua_hoan_thanh_trong_han"],
            a["chua_hoan_thanh_qua_han"], a["khong_co_han"]) == (2, 1, 3, 2, 0)
    assert (b["hoan_thanh_dung_han"], b["hoan_thanh_qua_han"], b["chua_hoan_thanh_trong_han"],
            b["chua_hoan_thanh_qua_han"], b["khong_co_han"]) == (1, 0, 1, 0, 0)


def test_filter_by_issued_date_directive_and_signer(session, province):
    by_issued = stats.dashboard(session, stats.Filters(period_field="issued", date_from=date(2025, 3, 15)),
                                today=TODAY)
    assert by_issued.total.chua_hoan_thanh_qua_han == 2  # b3's directive was issued 01/03
    assert by_issued.total.total == 15

    by_signer = stats.dashboard(session, stats.Filters(signer="Trần Thị Bình"), today=TODAY)
    assert [(r.name, r.figures.chua_hoan_thanh_qua_han, r.figures.total) for r in by_signer.units] == [
        ("Sở Y tế", 1, 1)]
    by_directive = stats.dashboard(session, stats.Filters(directive_id=province.directives["d2"].id), today=TODAY)
    assert by_directive.total.as_dict() == by_signer.total.as_dict()

    searched = stats.dashboard(session, stats.Filters(q="so tai chinh quy 1"), today=TODAY)
    assert searched.total.total == 1 and searched.total.hoan_thanh_dung_han == 1


def test_overdue_list_sorted_by_days_overdue_with_unit_drill_down(session, province):
    page = stats.overdue_page(session, stats.Filters(), today=TODAY)
    assert page.total == 3
    assert [(r.action, r.unit_name, r.days_overdue) for r in page.rows] == [
        ("Kiểm tra công tác phòng chống dịch sốt xuất huyết", "Sở Y tế", 76),
        ("Hoàn thiện dự thảo quy chế phối hợp", "Sở Tài chính", 14),
        ("Đề xuất phương án xử lý nợ đọng xây dựng cơ bản", "Sở Tài chính", 1),
    ]
    unit_a = province.units["A"].id
    drill = stats.overdue_page(session, stats.Filters(unit_id=unit_a), today=TODAY)
    assert [r.task_id for r in drill.rows] == [province.tasks["a4"].id, province.tasks["a9"].id]
    paged = stats.overdue_page(session, stats.Filters(), today=TODAY, page=2, per_page=2)
    assert (paged.page, paged.pages, [r.days_overdue for r in paged.rows]) == (2, 2, [1])
    # a page past the end shows the last page
    assert stats.overdue_page(session, stats.Filters(), today=TODAY, page=9, per_page=2).page == 2


@pytest.mark.parametrize("args, message", [
    ({"from": "31/02/2025"}, "Từ ngày '31/02/2025' không hợp lệ"),
    ({"from": "2025-06-30", "to": "2025-06-01"}, "'Từ ngày' phải trước"),
    ({"period": "year"}, "Kỳ lọc"),
    ({"directive": "abc"}, "Văn bản 'abc' không hợp lệ"),
])
def test_bad_filters_get_a_vietnamese_message(args, message):
    with pytest.raises(ServiceError) as err:
        stats.parse_filters(args)
    assert message in err.value.message
    assert err.value.status == 422


def test_parse_filters_reads_both_date_spellings():
    f = stats.parse_filters({"period": "issued", "from": "01/03/2025", "to": "2025-06-30", "directive": "7",
                             "signer": " Trần Thị Bình ", "unit": "3", "q": "quy 1"})
    assert (f.period_field, f.date_from, f.date_to, f.directive_id, f.signer, f.unit_id, f.q) == (
        "issued", date(2025, 3, 1), date(2025, 6, 30), 7, "Trần Thị Bình", 3, "quy 1")
    assert stats.parse_filters(f.query_args()) == f


def test_filter_choices(session, province):
    assert stats.signers(session) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert [code for _, code, _ in stats.recent_directives(session)] == ["45/TB-UBND", "12/CT-UBND"]


@pytest.mark.parametrize("packed", [True, False])
def test_both_counting_queries_agree_on_each_database(session, province, packed):
    rows = stats.unit_figures(session, stats.Filters(), TODAY, packed=packed)
    names = {u.id: u.name for u in province.units.values()}
    assert {names[uid]: f.as_dict() for uid, f in rows.items()} == EXPECTED
    filtered = stats.unit_figures(session, stats.Filters(signer="Trần Thị Bình"), TODAY, packed=packed)
    assert {names[uid]: f.chua_hoan_thanh_qua_han for uid, f in filtered.items()} == {"Sở Y tế": 1}


def test_packed_counts_decode_large_numbers():
    value = 5 + 7 * stats._DIGIT + 1_999_999 * stats._DIGIT ** 2
    assert stats._unpack(value, stats._PACK_A) == {
        stats.DONE_ON_TIME: 5, stats.DONE_LATE: 7, stats.OPEN_OVERDUE: 1_999_999}
