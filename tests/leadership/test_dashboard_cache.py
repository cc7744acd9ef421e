"""The dashboard's figure cache: bounded, time-limited, and invalidated by every task change.

The figures themselves are checked against the hand-computed province elsewhere; here the
question is only whether a cached result is ever served after the data changed.
"""
from datetime import date

import pytest

from tests.leadership.conftest import EXPECTED_TOTAL
from tests.leadership.conftest import TODAY
from tracker.services import accounts
from tracker.services import stats
from tracker.services import tasks as task_service

# Changes below run on the real clock, as in production: the data version compares
# `updated_at` stamps, and the fixture's rows were created on the real clock too.
LATER = None


@pytest.fixture
def frozen_today(monkeypatch):
    import tracker.web.dashboard as dashboard

    monkeypatch.setattr(dashboard, "local_today", lambda now=None: TODAY)
    return TODAY


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_result_cache_is_bounded_lru_and_time_limited():
    clock = FakeClock()
    cache = stats.ResultCache(maxsize=2, ttl=30, clock=clock)
    calls = []

    def compute(value):
        calls.append(value)
        return value

    assert cache.get_or_compute("a", lambda: compute(1)) == 1
    assert cache.get_or_compute("a", lambda: compute(2)) == 1  # hit
    cache.get_or_compute("b", lambda: compute(3))
    cache.get_or_compute("a", lambda: compute(4))  # a is now the most recent
    cache.get_or_compute("c", lambda: compute(5))  # evicts b, the least recently used
    assert cache.get_or_compute("a", lambda: compute(6)) == 1
    assert cache.get_or_compute("b", lambda: compute(7)) == 7
    assert len(cache._entries) == 2
    clock.t += 31  # past the time limit: computed again
    assert cache.get_or_compute("b", lambda: compute(8)) == 8
    assert calls == [1, 3, 5, 7, 8]


def test_filters_key_normalises_what_does_not_change_the_result():
    # without dates, the period field changes nothing
    assert stats.filters_key(stats.Filters(period_field="issued")) == stats.filters_key(stats.Filters())
    assert stats.filters_key(stats.Filters(unit_id=3)) != stats.filters_key(stats.Filters())
    assert stats.filters_key(stats.parse_filters({"from": "01/06/2025"})) == \
        stats.filters_key(stats.parse_filters({"from": "2025-06-01"}))


def _api_total(client, token):
    response = client.get("/api/v1/stats/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.get_json()["total"]


def test_every_task_change_moves_the_data_version(session, province):
    before = stats.data_version(session)
    task_service.update_task(session, province.users["A"], province.tasks["a9"].id, version=None,
                             progress=60, now=LATER)
    session.commit()
    after_update = stats.data_version(session)
    assert after_update != before
    task_service.update_task(session, province.users["A"], province.tasks["a8"].id, version=None,
                             status="cho_xac_nhan")
    session.commit()
    task_service.confirm_completion(session, province.users["clerk"], province.tasks["a8"].id)
    session.commit()
    assert stats.data_version(session) != after_update


def test_cached_figures_follow_a_completion_and_a_new_task(app, client, session, login, province, make_task,
                                                           frozen_today):
    token = accounts.issue_api_token(session, province.users["leader"], "bảng tổng hợp")
    session.commit()
    total = _api_total(client, token)
    assert {k: total[k] for k in EXPECTED_TOTAL} == EXPECTED_TOTAL
    cache = app.extensions["dashboard_cache"]
    misses = cache.misses
    assert _api_total(client, token) == total  # served from the cache
    assert cache.misses == misses and cache.hits >= 1

    # a9 (overdue, in progress) is reported and confirmed: one overdue task becomes done late
    a9 = province.tasks["a9"].id
    task_service.update_task(session, province.users["A"], a9, version=None, status="cho_xac_nhan", now=LATER)
    session.commit()
    task_service.confirm_completion(session, province.users["clerk"], a9)
    session.commit()
    changed = _api_total(client, token)
    assert changed["chua_hoan_thanh_qua_han"] == total["chua_hoan_thanh_qua_han"] - 1
    assert changed["hoan_thanh_qua_han"] == total["hoan_thanh_qua_han"] + 1

    # a new task (published elsewhere, a new row) shows at once as well
    make_task(province.units["C"], deadline=date(2025, 6, 1))
    added = _api_total(client, token)
    assert added["tong_so"] == changed["tong_so"] + 1
    assert added["chua_hoan_thanh_qua_han"] == changed["chua_hoan_thanh_qua_han"] + 1

    # the page shows the same figures as the API (both read through the same cache)
    from tests.leadership.test_dashboard_web import _cells

    login(province.users["leader"])
    html = client.get("/dashboard").get_data(as_text=True)
    page = _cells(html, r'<table id="totals"[^>]*>.*?<tbody><tr>')
    assert int(page["chua_hoan_thanh_qua_han"]) == added["chua_hoan_thanh_qua_han"]
    assert int(page["tong_so"]) == added["tong_so"]


def test_long_unit_table_shows_both_ends_and_links_to_all(client, login, province, frozen_today, monkeypatch):
    import re

    import tracker.web.dashboard as dashboard

    monkeypatch.setattr(dashboard, "UNITS_FULL_MAX", 2)
    monkeypatch.setattr(dashboard, "UNITS_EACH_END", 1)
    login(province.users["leader"])
    html = client.get("/dashboard").get_data(as_text=True)
    shown = [int(x) for x in re.findall(r'<tr data-unit="(\d+)">', html)]
    # best first, the unit with nothing due last; the middle one is behind the link
    assert shown == [province.units["B"].id, province.units["C"].id]
    assert "1 đơn vị ở giữa" in html and "all_units=1" in html
    full = client.get("/dashboard?all_units=1").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'<tr data-unit="(\d+)">', full)] == \
        [province.units["B"].id, province.units["A"].id, province.units["C"].id]


def test_result_cache_computes_a_key_once_for_concurrent_readers():
    import threading

    cache = stats.ResultCache()
    started, release = threading.Event(), threading.Event()
    calls, results = [], []

    def slow():
        calls.append(1)
        started.set()
        release.wait(5)
        return "figures"

    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow))) for _ in range(3)]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(5)
    assert results == ["figures"] * 4
    assert len(calls) == 1


def test_result_cache_failure_is_not_cached():
    cache = stats.ResultCache()

    def boom():
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", boom)
    assert cache.get_or_compute("k", lambda: 42) == 42
