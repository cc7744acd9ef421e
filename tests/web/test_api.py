"""JSON API: tokens, permissions, filters, optimistic versions, error shapes."""
from tracker.models import Task
from tracker.models import TaskEvent


def _err(r):
    body = r.get_json()
    assert set(body["error"]) >= {"code", "message"}
    return body["error"]["code"]


def test_api_requires_a_valid_bearer_token(client, world):
    assert client.get("/api/v1/tasks").status_code == 401
    r = client.get("/api/v1/tasks", headers={"Authorization": "Bearer sai"})
    assert r.status_code == 401 and _err(r) == "unauthorized"


def test_session_cookie_does_not_authenticate_api(client, world, login):
    login(world.users["clerk"])
    assert client.get("/api/v1/tasks").status_code == 401


def test_revoked_token_is_refused(client, world, session, token_for):
    from tracker.models import ApiToken
    from tracker.services import accounts

    headers = token_for(world.users["clerk"])
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    row = session.exec(__import__("sqlmodel").select(ApiToken)).first()
    accounts.revoke_api_token(session, world.users["clerk"], row.id)
    session.commit()
    assert client.get("/api/v1/units", headers=headers).status_code == 401


def test_task_json_shape(client, world, token_for):
    r = client.get(f"/api/v1/tasks/{world.task_a.id}", headers=token_for(world.users["staff_a"]))
    assert r.status_code == 200
    body = r.get_json()
    for key in ("id", "directive_id", "lead_unit", "co_units", "action", "deadline", "deadline_text", "recurrence",
                "state", "deadline_state", "progress", "version"):
        assert key in body
    assert body["lead_unit"] == {"id": world.a.id, "name": "Sở Tài chính"}
    assert body["co_units"] == [{"id": world.b.id, "name": "Sở Y tế"}]
    assert body["state"] == "chua_thuc_hien"
    assert body["deadline_state"] == "trong_han"
    assert body["deadline"] == world.task_a.deadline.isoformat()


def test_staff_sees_own_and_coordinated_tasks_only(client, world, token_for):
    ids = lambda h: {t["id"] for t in client.get("/api/v1/tasks", headers=h).get_json()["items"]}  # noqa: E731 - a one-line local helper
    assert ids(token_for(world.users["staff_a"])) == {world.task_a.id}
    assert ids(token_for(world.users["staff_b"])) == {world.task_a.id, world.task_b.id}
    assert ids(token_for(world.users["staff_c"])) == set()
    assert ids(token_for(world.users["leader"])) == {world.task_a.id, world.task_b.id}


def test_other_units_task_is_404_through_api(client, world, token_for):
    h = token_for(world.users["staff_c"])
    assert client.get(f"/api/v1/tasks/{world.task_a.id}", headers=h).status_code == 404
    r = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"state": "dang_thuc_hien", "version": 1}, headers=h)
    assert r.status_code == 404 and _err(r) == "not_found"


def test_coordinator_cannot_change_status_but_can_note(client, world, token_for, session):
    h = token_for(world.users["staff_b"])
    r = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"state": "dang_thuc_hien", "version": 1}, headers=h)
    assert r.status_code == 403 and _err(r) == "forbidden"
    r = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"note": "Đã gửi số liệu", "version": 1}, headers=h)
    assert r.status_code == 200


def test_patch_updates_and_stale_version_conflicts(client, world, token_for, session):
    h = token_for(world.users["staff_a"])
    r = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"state": "dang_thuc_hien", "progress": 30,
                                                                "note": "Bắt đầu", "version": 1}, headers=h)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "dang_thuc_hien" and body["progress"] == 30 and body["version"] == 2
    events_before = len(session.exec(__import__("sqlmodel").select(TaskEvent)).all())
    r = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"progress": 50, "version": 1}, headers=h)
    assert r.status_code == 409 and _err(r) == "conflict"
    session.expire_all()
    task = session.get(Task, world.task_a.id)
    assert task.progress == 30 and task.version == 2
    # nothing changed; the refused attempt itself is kept as one "conflict" history event
    events = session.exec(__import__("sqlmodel").select(TaskEvent)).all()
    assert len(events) == events_before + 1 and events[-1].kind == "conflict"


def test_patch_bad_input(client, world, token_for):
    h = token_for(world.users["staff_a"])
    url = f"/api/v1/tasks/{world.task_a.id}"
    assert client.patch(url, data="{not json", headers={**h, "Content-Type": "application/json"}).status_code == 400
    r = client.patch(url, json={"state": "dang_thuc_hien"}, headers=h)
    assert r.status_code == 422 and _err(r) == "version_required"
    r = client.patch(url, json={"progress": 150, "version": 1}, headers=h)
    assert r.status_code == 422 and _err(r) == "invalid_progress"
    r = client.patch(url, json={"state": "bay_bong", "version": 1}, headers=h)
    assert r.status_code == 422
    r = client.patch(url, json={"state": "hoan_thanh", "version": 1}, headers=h)
    assert r.status_code == 403
    r = client.patch(url, json={"owner": "x", "version": 1}, headers=h)
    assert r.status_code == 422 and _err(r) == "unknown_field"


def test_task_filters(client, world, token_for):
    h = token_for(world.users["clerk"])
    get = lambda qs: [t["id"] for t in client.get("/api/v1/tasks?" + qs, headers=h).get_json()["items"]]  # noqa: E731 - a one-line local helper
    assert get(f"unit={world.b.id}") == [world.task_b.id]
    assert get("state=sap_den_han") == [world.task_b.id]
    assert get("state=trong_han") == [world.task_a.id]
    assert get("q=tiem chung") == [world.task_b.id]
    assert get("q=Tiêm%20CHỦNG") == [world.task_b.id]
    assert get(f"directive={world.task_a.directive_id}") == [world.task_b.id, world.task_a.id]
    page = client.get("/api/v1/tasks?per_page=1&page=2", headers=h).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["id"] == world.task_a.id
    r = client.get("/api/v1/tasks?state=bogus", headers=h)
    assert r.status_code == 422
    r = client.get("/api/v1/tasks?page=abc", headers=h)
    assert r.status_code == 400
    r = client.get("/api/v1/tasks?per_page=100000", headers=h)
    assert r.status_code == 400


def test_units_registry(client, world, token_for):
    r = client.get("/api/v1/units", headers=token_for(world.users["staff_a"]))
    items = r.get_json()["items"]
    assert {"id", "name", "kind", "aliases"} <= set(items[0])
    assert "Sở Tài chính" in {u["name"] for u in items}


def test_openapi_lists_every_path(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    for path in ("/api/v1/directives", "/api/v1/directives/{id}/publish", "/api/v1/tasks", "/api/v1/tasks/{id}",
                 "/api/v1/units", "/api/v1/stats/units"):
        assert path in doc["paths"]
    assert "patch" in doc["paths"]["/api/v1/tasks/{id}"]


def test_staff_cannot_create_directive(client, world, token_for):
    r = client.post("/api/v1/directives", json={"text": "Giao Sở Y tế làm việc."},
                    headers=token_for(world.users["staff_a"]))
    assert r.status_code == 403 and _err(r) == "forbidden"


def test_create_directive_bad_input(client, world, token_for):
    h = token_for(world.users["clerk"])
    assert _err(client.post("/api/v1/directives", json={"text": "   "}, headers=h)) == "empty_text"
    r = client.post("/api/v1/directives", json={"text": "x" * (2 * 1024 * 1024 + 10)}, headers=h)
    assert r.status_code == 413
    r = client.post("/api/v1/directives", json={"text": "Giao Sở Y tế làm.", "issued": "31/02/2022"}, headers=h)
    assert r.status_code == 422 and _err(r) == "invalid_date"
    r = client.post("/api/v1/directives", json=["text"], headers=h)
    assert r.status_code == 400
    r = client.post("/api/v1/directives", json={"text": "abc", "kind": "bogus"}, headers=h)
    assert r.status_code == 422


TEXT = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: 12/TB-UBND
Demo, ngày 02 tháng 01 năm 2025

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh

1. Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế rà soát nhu cầu vốn, hoàn thành trước ngày 15/02/2025.
2. Giao Sở Y tế xây dựng kế hoạch tiêm chủng, trình UBND tỉnh trước ngày 20/03/2025.
"""


def test_create_and_publish_directive(client, world, token_for, session):
    h = token_for(world.users["clerk"])
    r = client.post("/api/v1/directives", json={"text": TEXT}, headers=h)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["state"] == "draft" and len(body["tasks"]) == 2
    assert body["tasks"][0]["unit_id"] == world.a.id
    assert body["tasks"][0]["deadline"] == "2025-02-15"
    # staff cannot publish, even by id
    r = client.post(f"/api/v1/directives/{body['id']}/publish", headers=token_for(world.users["staff_a"]))
    assert r.status_code in (403, 404)
    # an invalid edited task: nothing is created
    bad = [dict(body["tasks"][0]), dict(body["tasks"][1], unit_id=None)]
    r = client.post(f"/api/v1/directives/{body['id']}/publish", json={"tasks": bad}, headers=h)
    assert r.status_code == 422 and _err(r) == "invalid_tasks"
    session.expire_all()
    assert len(session.exec(__import__("sqlmodel").select(Task).where(Task.directive_id == body["id"])).all()) == 0
    r = client.post(f"/api/v1/directives/{body['id']}/publish", headers=h)
    assert r.status_code == 201
    published = r.get_json()
    assert published["state"] == "published" and len(published["tasks"]) == 2
    assert published["tasks"][0]["lead_unit"]["id"] == world.a.id
    assert published["tasks"][0]["co_units"] == [{"id": world.b.id, "name": "Sở Y tế"}]
    r = client.post(f"/api/v1/directives/{body['id']}/publish", headers=h)
    assert r.status_code == 409
    # search finds the new task without diacritics
    items = client.get("/api/v1/tasks?q=tiem chung", headers=h).get_json()["items"]
    assert [t["action"] for t in items if t["directive_id"] == body["id"]]


def test_openapi_documents_every_registered_api_route(app, client):
    import re

    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {re.sub(r"\{[^}]+\}", "{}", p) for p in doc["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<[^>]+>", "{}", rule.rule)
            assert path in documented, rule.rule
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in doc["paths"][next(p for p in doc["paths"]
                                                          if re.sub(r"\{[^}]+\}", "{}", p) == path)], (rule, method)


def test_deadline_state_filter_and_its_deprecated_name(client, make_unit, make_user, make_task, today, days,
                                                       token_for):
    unit = make_unit()
    auth = token_for(make_user("loc_clerk", role="clerk"))
    late = make_task(unit, deadline=today - days(5))
    make_task(unit, deadline=today + days(30))
    new = client.get("/api/v1/tasks?deadline_state=qua_han", headers=auth).get_json()
    old = client.get("/api/v1/tasks?state=qua_han", headers=auth).get_json()
    assert [t["id"] for t in new["items"]] == [t["id"] for t in old["items"]] == [late.id]
    both = client.get("/api/v1/tasks?state=qua_han&deadline_state=qua_han", headers=auth)
    assert both.status_code == 422 and both.get_json()["error"]["code"] == "conflicting_parameters"
