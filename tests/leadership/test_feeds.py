"""The iCalendar feed: secret URL, regenerable and revocable, parsed by a calendar library."""
import re
from datetime import date

import pytest
from icalendar import Calendar

from tests.leadership.conftest import TODAY
from tracker.models import AuditEvent
from tracker.models import User


@pytest.fixture
def frozen_today(monkeypatch):
    import tracker.web.feeds as feeds

    monkeypatch.setattr(feeds, "local_today", lambda now=None: TODAY)
    return TODAY


def _new_feed_url(client):
    response = client.post("/profile/calendar")
    assert response.status_code == 200
    match = re.search(r'<p class="token" id="feed-url">([^<]+)</p>', response.get_data(as_text=True))
    assert match
    return match.group(1)


def _path(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _events(client, url):
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.data)
    return {str(e.get("uid")): e for e in cal.walk("VEVENT")}, cal


def test_feed_lists_the_units_deadlines_with_overdue_tasks(client, login, session, province, frozen_today):
    login(province.users["A"])
    assert "Tạo đường dẫn lịch" in client.get("/profile/calendar").get_data(as_text=True)
    url = _new_feed_url(client)
    assert re.fullmatch(r"http://[^/]+/feeds/cal_[A-Za-z0-9_-]{43}\.ics", url)
    client.post("/logout")  # the feed needs no login
    events, cal = _events(client, url)
    assert str(cal.get("x-wr-calname")) == "Hạn nhiệm vụ · Sở Tài chính"
    t = province.tasks
    by_task = {int(uid.split("-")[1].split("@")[0]): e for uid, e in events.items()}
    # the unit's tasks with a deadline, including the overdue ones; not other units' tasks
    assert set(by_task) == {t[k].id for k in ("a1", "a2", "a3", "a4", "a5", "a6", "a8", "a9")}
    overdue = by_task[t["a4"].id]
    assert str(overdue.get("summary")) == "[Quá hạn 14 ngày] Hoàn thiện dự thảo quy chế phối hợp"
    assert overdue.decoded("dtstart") == date(2025, 6, 1)
    assert overdue.decoded("dtend") == date(2025, 6, 2)
    assert f"/tasks/{t['a4'].id}" in str(overdue.get("url"))
    assert "Đơn vị chủ trì: Sở Tài chính" in str(overdue.get("description"))
    assert str(by_task[t["a9"].id].get("summary")).startswith("[Quá hạn 1 ngày]")
    assert str(by_task[t["a1"].id].get("summary")).startswith("[Đã hoàn thành]")
    assert by_task[t["a6"].id].decoded("dtstart") == date(2025, 6, 30)  # the extended deadline


def test_coordinating_unit_sees_coordinated_tasks(client, login, province, frozen_today):
    login(province.users["C"])
    events, _ = _events(client, _new_feed_url(client))
    assert [str(e.get("summary")) for e in events.values()] == [
        "[Quá hạn 14 ngày] Hoàn thiện dự thảo quy chế phối hợp"]


def test_regenerating_revokes_the_old_url(client, login, session, province, frozen_today):
    login(province.users["B"])
    first = _new_feed_url(client)
    assert "Bạn đã có một đường dẫn lịch" in client.get("/profile/calendar").get_data(as_text=True)
    second = _new_feed_url(client)
    assert first != second
    assert client.get(_path(first)).status_code == 404
    assert client.get(_path(second)).status_code == 200
    stored = session.get(User, province.users["B"].id)
    session.refresh(stored)
    token = _path(second).rsplit("/", 1)[1][:-4]
    assert stored.calendar_token_hash != token and len(stored.calendar_token_hash) == 64
    client.post("/profile/calendar", data={"action": "revoke"})
    assert client.get(_path(second)).status_code == 404
    actions = [a for (a,) in session.execute(
        AuditEvent.__table__.select().with_only_columns(AuditEvent.action)
        .where(AuditEvent.entity_id == stored.id, AuditEvent.action.like("calendar_token%"))
        .order_by(AuditEvent.id)).all()]
    assert actions == ["calendar_token_create", "calendar_token_regenerate", "calendar_token_revoke"]


@pytest.mark.parametrize("path", ["/feeds/cal_nope.ics", "/feeds/x.ics", "/feeds/" + "a" * 300 + ".ics"])
def test_unknown_tokens_are_not_found(client, province, path):
    assert client.get(path).status_code == 404


def test_regenerate_needs_login_and_csrf(app, client, login, province):
    assert client.post("/profile/calendar").status_code == 302
    login(province.users["A"])
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/profile/calendar").status_code == 400
    page = client.get("/profile/calendar").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/profile/calendar", data={"csrf_token": csrf})
    assert response.status_code == 200 and 'id="feed-url"' in response.get_data(as_text=True)


def test_leaders_feed_has_every_unit_and_drops_old_completed_tasks(client, login, province, frozen_today):
    login(province.users["leader"])
    events, cal = _events(client, _new_feed_url(client))
    assert str(cal.get("x-wr-calname")) == "Hạn nhiệm vụ · toàn tỉnh"
    ids = {int(uid.split("-")[1].split("@")[0]) for uid in events}
    t = province.tasks
    assert t["b3"].id in ids  # 76 days overdue, still there
    assert t["b1.2"].id in ids  # done, deadline 25/05: within the last 30 days
    assert t["b1"].id not in ids  # done, deadline 25/04: dropped
    assert t["a7"].id not in ids and t["c1"].id not in ids  # no deadline, nothing to put on a calendar
