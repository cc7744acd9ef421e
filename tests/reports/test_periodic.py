"""The periodic report's figures: the hand-computed quarters, the history rule, the API, the dashboard."""
from datetime import date

import pytest

from tests.reports.conftest import EXPECTED_Q1
from tests.reports.conftest import EXPECTED_Q1_TOTAL
from tests.reports.conftest import EXPECTED_Q2
from tests.reports.conftest import EXPECTED_Q2_TOTAL
from tests.reports.conftest import Q1
from tests.reports.conftest import Q2
from tests.reports.conftest import TODAY
from tracker.services import accounts
from tracker.services import periodic
from tracker.services import stats


def _by_name(result: dict) -> dict:
    return {u["unit"]["name"]: {k: v for k, v in u.items() if k != "unit"} for u in result["units"]}


@pytest.mark.parametrize("quarter,expected,total", [(Q1, EXPECTED_Q1, EXPECTED_Q1_TOTAL),
                                                    (Q2, EXPECTED_Q2, EXPECTED_Q2_TOTAL)])
def test_quarters_give_the_hand_computed_table(session, quarters, quarter, expected, total):
    result = periodic.period_figures(session, periodic.Period(*quarter), today=TODAY).as_dict()
    assert result["totals"] == total
    assert _by_name(result) == expected
    assert result["as_of"] == quarter[1].isoformat()


def test_a_past_quarter_gives_the_same_figures_later(session, quarters):
    """Judged from the history as of the period's end, whatever happened after."""
    q1 = periodic.Period(*Q1)
    early = periodic.period_figures(session, q1, today=date(2025, 4, 1)).as_dict()
    late = periodic.period_figures(session, q1, today=date(2026, 7, 1)).as_dict()
    assert early == late
    assert early["totals"] == EXPECTED_Q1_TOTAL


def test_a_period_still_running_is_judged_today(session, quarters):
    result = periodic.period_figures(session, periodic.Period(date(2025, 7, 1), date(2025, 9, 30)),
                                     today=TODAY).as_dict()
    assert result["as_of"] == TODAY.isoformat()
    # b3 due 10/07, still open on 15/07
    assert result["totals"]["chua_hoan_thanh_qua_han"] == 1 and result["totals"]["tong_so"] == 1


def test_unit_and_signer_filters(session, quarters):
    q2 = periodic.Period(*Q2)
    unit_b = quarters.units["B"].id
    only_b = periodic.period_figures(session, q2, stats.Filters(unit_id=unit_b), today=TODAY).as_dict()
    assert [u["unit"]["id"] for u in only_b["units"]] == [unit_b]
    assert {k: v for k, v in only_b["totals"].items()} == EXPECTED_Q2["Sở Y tế"]
    # signer Trần Thị Bình: d2's tasks b2, c1, c2
    d2 = periodic.period_figures(session, q2, stats.Filters(signer="Trần Thị Bình"), today=TODAY).as_dict()
    assert d2["totals"]["tong_so"] == 3
    assert d2["totals"]["chua_hoan_thanh_qua_han"] == 1 and d2["totals"]["khong_co_han"] == 1


def test_narrative_figures(session, quarters):
    data = periodic.report_data(session, periodic.Period(*Q2), today=TODAY)
    assert data.previous.period == periodic.Period(*Q1)
    assert data.previous.totals.as_dict()["tong_so"] == 8
    assert [(u.name, u.figures.chua_hoan_thanh_qua_han) for u in data.most_overdue_units] == [
        ("Sở Y tế", 2), ("Sở Tài chính", 1)]
    assert [(t.action, t.days_overdue) for t in data.longest_overdue] == [
        ("Nhiệm vụ a4", 76), ("Nhiệm vụ b1", 41), ("Nhiệm vụ b2", 15)]
    assert (data.extensions_granted, data.tasks_extended, data.returned) == (1, 1, 0)
    q1 = periodic.report_data(session, periodic.Period(*Q1), today=TODAY)
    assert (q1.extensions_granted, q1.returned, q1.current.cancelled) == (1, 1, 1)
    text = periodic.narrative(data)
    assert "quý II năm 2025" in text and "tổng số nhiệm vụ" in text and "7 nhiệm vụ" in text
    assert "Tỷ lệ hoàn thành đúng hạn đạt 40,0%" in text and "chưa đạt" in text
    assert "So với quý I năm 2025 (8 nhiệm vụ, tỷ lệ hoàn thành đúng hạn 28,6%)" in text
    assert "tăng 11,4 điểm phần trăm" in text
    assert "Sở Y tế (2 nhiệm vụ)" in text and "quá hạn 76 ngày" in text
    assert "gia hạn 1 lượt cho 1 nhiệm vụ" in text


def test_previous_period_rules():
    assert periodic.Period(date(2025, 1, 1), date(2025, 6, 30)).previous() == periodic.Period(
        date(2024, 7, 1), date(2024, 12, 31))
    assert periodic.Period(date(2025, 1, 1), date(2025, 12, 31)).previous().date_from == date(2024, 1, 1)
    assert periodic.Period(date(2025, 3, 5), date(2025, 3, 14)).previous() == periodic.Period(
        date(2025, 2, 23), date(2025, 3, 4))
    assert periodic.Period(date(2025, 7, 1), date(2025, 12, 31)).label() == "6 tháng cuối năm 2025"


def _token(session, user):
    token = accounts.issue_api_token(session, user, "test")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def frozen(monkeypatch):
    import tracker.web.reports as reports

    monkeypatch.setattr(reports, "local_today", lambda now=None: TODAY)


def test_api_periodic(client, session, quarters, frozen):
    headers = _token(session, quarters.users["leader"])
    response = client.get("/api/v1/reports/periodic?from=2025-04-01&to=2025-06-30", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["totals"] == EXPECTED_Q2_TOTAL
    assert _by_name(body) == EXPECTED_Q2
    assert set(body["units"][0]["unit"]) == {"id", "name"}
    unit = quarters.units["A"].id
    one = client.get(f"/api/v1/reports/periodic?from=2025-04-01&to=2025-06-30&unit={unit}", headers=headers)
    assert one.get_json()["totals"] == EXPECTED_Q2["Sở Tài chính"]


@pytest.mark.parametrize("query", ["", "?from=2025-04-01", "?to=2025-06-30", "?from=2025-06-30&to=2025-04-01",
                                   "?from=2025-13-01&to=2025-06-30", "?from=2025-04-01&to=2025-06-30&unit=x"])
def test_api_periodic_refuses_bad_periods(client, session, quarters, frozen, query):
    headers = _token(session, quarters.users["clerk"])
    response = client.get(f"/api/v1/reports/periodic{query}", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"]


def test_api_periodic_refuses_unit_staff(client, session, quarters, frozen):
    response = client.get("/api/v1/reports/periodic?from=2025-04-01&to=2025-06-30",
                          headers=_token(session, quarters.users["A"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_report_equals_the_dashboard(session, province):
    """With nothing after the period's end, the report's dated columns are the dashboard's
    figures for the same deadlines (the leadership fixture, today 15/06/2025).
    The dashboard leaves tasks without deadline out of a deadline period, so those are not compared."""
    from tests.leadership.conftest import EXPECTED
    from tests.leadership.conftest import TODAY as DASH_TODAY

    period = periodic.Period(date(2025, 1, 1), date(2025, 12, 31))  # still running: judged on 15/06
    report = periodic.period_figures(session, period, today=DASH_TODAY)
    board = stats.dashboard(session, stats.Filters(date_from=period.date_from, date_to=period.date_to),
                            today=DASH_TODAY)
    dated = [c for c in stats.COLUMNS if c != stats.NO_DEADLINE]
    by_id = {u.unit_id: u for u in report.units}
    assert board.units
    for row in board.units:
        assert {c: getattr(by_id[row.unit_id].figures, c) for c in dated} == {c: getattr(row.figures, c) for c in dated}
        assert by_id[row.unit_id].figures.on_time_rate == row.figures.on_time_rate
        expected = EXPECTED[row.name]
        assert {c: getattr(row.figures, c) for c in dated} == {c: expected[c] for c in dated}
    for column in dated:
        assert getattr(report.totals, column) == getattr(board.total, column)
