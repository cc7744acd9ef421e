"""Dashboard page, overdue drill-down, the stats API and their permissions."""
import re

import pytest
import sqlalchemy as sa

from tests.leadership.conftest import EXPECTED
from tests.leadership.conftest import EXPECTED_TOTAL
from tests.leadership.conftest import TODAY
from tracker.services import accounts
from tracker.services import stats


@pytest.fixture
def frozen_today(monkeypatch):
    """The web views ask `local_today()`; pin it to the province's day."""
    import tracker.web.dashboard as dashboard

    monkeypatch.setattr(dashboard, "local_today", lambda now=None: TODAY)
    return TODAY


def _cells(html: str, row_pattern: str) -> dict:
    row = re.search(row_pattern + r"(.*?)</tr>", html, re.S)
    assert row, row_pattern
    return {col: re.sub(r"<[^>]+>", "", value).strip()
            for col, value in re.findall(r'data-col="([a-z_]+)">(.*?)</td>', row.group(1), re.S)}


def _page_figures(html: str, unit_id: int) -> dict:
    return _cells(html, rf'<tr data-unit="{unit_id}">')


def _as_page_text(figures: dict) -> dict:
    out = {k: str(v) for k, v in figures.items() if k != "ty_le_dung_han"}
    rate = figures["ty_le_dung_han"]
    out["ty_le_dung_han"] = "—" if rate is None else f"{rate:.1f}%".replace(".", ",")
    return out


def test_dashboard_shows_the_four_way_figures(client, login, province, frozen_today):
    login(province.users["leader"])
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name, expected in EXPECTED.items():
        unit = next(u for u in province.units.values() if u.name == name)
        assert _page_figures(html, unit.id) == _as_page_text(expected), name
    assert _cells(html, r'<table id="totals"[^>]*>.*?<tbody><tr>') == _as_page_text(EXPECTED_TOTAL)
    # ranking: Sở Y tế (50%) before Sở Tài chính (40%), the unit with nothing due last
    order = [int(x) for x in re.findall(r'<tr data-unit="(\d+)">', html)]
    assert order == [province.units["B"].id, province.units["A"].id, province.units["C"].id]
    # charts are inline SVG, nothing from a CDN, no inline script or style
    assert html.count("<svg") >= 3
    assert "<script>" not in html and "style=" not in html and "cdn" not in html.lower()


def test_stats_api_returns_the_dashboard_figures(app, client, session, login, province, frozen_today):
    token = accounts.issue_api_token(session, province.users["leader"], "bảng tổng hợp")
    session.commit()
    for query in ("", "?period=deadline&from=2025-06-01&to=2025-06-30", "?signer=Trần Thị Bình",
                  f"?directive={province.directives['d1'].id}", "?q=so+tai+chinh"):
        api = client.get("/api/v1/stats/units" + query, headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 200, api.get_data(as_text=True)
        data = api.get_json()
        filters = stats.parse_filters(dict(re.findall(r"([a-z]+)=([^&]*)", query.replace("+", " "))))
        assert data == stats.dashboard(session, filters, today=TODAY).as_dict()
        login(province.users["leader"])
        html = client.get("/dashboard" + query).get_data(as_text=True)
        for row in data["units"]:
            figures = {k: v for k, v in row.items() if k not in ("unit", "rank")}
            assert _page_figures(html, row["unit"]["id"]) == _as_page_text(figures)
        assert _cells(html, r'<table id="totals"[^>]*>.*?<tbody><tr>') == _as_page_text(data["total"])
    full = client.get("/api/v1/stats/units", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert full["total"] == EXPECTED_TOTAL
    assert {u["unit"]["name"]: {k: v for k, v in u.items() if k not in ("unit", "rank")}
            for u in full["units"]} == EXPECTED


def test_stats_api_refuses_unit_staff_and_missing_tokens(client, session, province):
    token = accounts.issue_api_token(session, province.users["A"])
    session.commit()
    response = client.get("/api/v1/stats/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/stats/units").status_code == 401


def test_stats_api_bad_filter_is_a_json_error(client, session, province):
    token = accounts.issue_api_token(session, province.users["clerk"])
    session.commit()
    response = client.get("/api/v1/stats/units?from=32/13/2025", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_date" and "không hợp lệ" in error["message"]


def test_dashboard_permissions(client, login, province):
    assert client.get("/dashboard").status_code == 302
    login(province.users["A"])
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/overdue").status_code == 403
    assert client.get("/dashboard/export.xlsx").status_code == 403
    for role in ("clerk", "leader"):
        client.post("/logout")
        login(province.users[role])
        assert client.get("/dashboard").status_code == 200


def test_bad_filter_on_the_page_is_a_vietnamese_message(client, login, province):
    login(province.users["leader"])
    response = client.get("/dashboard?from=31/02/2025")
    assert response.status_code == 422
    assert "Từ ngày &#39;31/02/2025&#39; không hợp lệ" in response.get_data(as_text=True) or \
        "Từ ngày '31/02/2025' không hợp lệ" in response.get_data(as_text=True)


def test_overdue_drill_down_to_a_unit_and_its_tasks(client, login, province, frozen_today):
    login(province.users["leader"])
    html = client.get("/dashboard").get_data(as_text=True)
    unit_a = province.units["A"].id
    link = re.search(rf'<tr data-unit="{unit_a}">.*?data-col="chua_hoan_thanh_qua_han">\s*<a href="([^"]+)"',
                     html, re.S)
    assert link, "the overdue figure links to the unit's overdue list"
    drill = client.get(link.group(1).replace("&amp;", "&"))
    assert drill.status_code == 200
    page = drill.get_data(as_text=True)
    assert "Sở Tài chính" in page
    tasks = re.findall(r'<tr data-task="(\d+)">', page)
    assert tasks == [str(province.tasks["a4"].id), str(province.tasks["a9"].id)]
    assert f'href="/tasks/{province.tasks["a4"].id}"' in page
    assert re.search(r"<td[^>]*>14</td>", page) and re.search(r"<td[^>]*>1</td>", page)
    # the full overdue list is sorted by days overdue
    one_unit = client.get(f"/dashboard?unit={unit_a}").get_data(as_text=True)
    assert re.findall(r'<tr data-unit="(\d+)">', one_unit) == [str(unit_a)]
    assert f'href="/dashboard/overdue?unit={unit_a}"' in one_unit
    full = client.get("/dashboard/overdue").get_data(as_text=True)
    assert re.findall(r'<tr data-task="(\d+)">', full) == [
        str(province.tasks[k].id) for k in ("b3", "a4", "a9")]
    assert client.get("/dashboard/overdue?unit=999999").status_code == 404


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __call__(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self)


def test_dashboard_query_count_does_not_grow_with_tasks(app, client, login, session, province, make_task,
                                                       frozen_today):
    login(province.users["leader"])
    engine = app.extensions["engine"]

    def count(path):
        with QueryCounter(engine) as counter:
            assert client.get(path).status_code == 200
        return counter.count

    paths = ("/dashboard", "/dashboard/overdue", f"/dashboard/overdue?unit={province.units['A'].id}",
             "/dashboard/export.xlsx", "/exports/tasks.xlsx", "/exports/tasks.csv?state=qua_han")
    before = {p: count(p) for p in paths}
    from datetime import date

    for i in range(40):
        make_task(province.units["ABC"[i % 3]], action=f"Nhiệm vụ bổ sung {i}", deadline=date(2025, 5, 1 + i % 28),
                  co_units=[province.units["B"]])
    after = {p: count(p) for p in before}
    assert after == before
    assert before["/dashboard"] <= 10


def test_svg_charts_escape_names_and_scale_bars(app):
    from flask import get_template_attribute

    from tracker.web import charts

    rows = [stats.UnitRow(1, "X", "Sở <b>&</b> \"Tài chính\"", stats.Figures(hoan_thanh_dung_han=3,
                                                                              chua_hoan_thanh_qua_han=1), rank=1)]
    with app.app_context():
        bars = get_template_attribute("dashboard/_charts.html", "bars")
        composition = get_template_attribute("dashboard/_charts.html", "composition")
        for chart in (charts.units_stacked(rows, "t"), charts.on_time_rates(rows, "t")):
            svg = str(bars(chart))
            assert "<b>" not in svg and "Sở &lt;b&gt;&amp;&lt;/b&gt;" in svg
        svg = str(composition(charts.composition(stats.Figures(hoan_thanh_dung_han=3, chua_hoan_thanh_qua_han=1))))
        assert "Chưa có nhiệm vụ" in str(composition(charts.composition(stats.Figures())))
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="0" width="([\d.]+)"', svg)]
    assert widths == [900.0, 300.0]  # 3:1 of the 1200-unit bar
    assert "Hoàn thành đúng hạn: 3 (75%)" in svg


def test_empty_dashboard_and_odd_parameters(client, login, make_unit, session):
    from tests.leadership.conftest import fast_user

    leader = fast_user(session, "lanhdao.moi", "leader")
    login(leader)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Không có nhiệm vụ nào phù hợp bộ lọc." in html and "Không có nhiệm vụ quá hạn." in html
    assert client.get("/dashboard/overdue?page=abc").status_code == 200
    assert client.get("/dashboard/export.xlsx").status_code == 200
    assert client.get("/dashboard/export.pdf").status_code == 404
    assert client.get("/dashboard?directive=12abc").status_code == 422
