"""Every page and API read, for every role: the status each one gets (forbidden cases included)."""
import pytest

ROLES = ("admin", "clerk", "leader", "staff_a", "head_a", "staff_b", "staff_c")


def _pages(world):
    a, b = world.task_a, world.task_b
    d = a.directive_id
    # path -> {role: status}; roles not listed get the default in the tuple
    return [
        ("/login", 302, {}),  # already signed in -> redirected
        ("/", 302, {}),
        ("/tasks/mine", 403, {"staff_a": 200, "head_a": 200, "staff_b": 200, "staff_c": 200}),
        ("/tasks", 200, {"staff_a": 403, "head_a": 403, "staff_b": 403, "staff_c": 403}),
        (f"/tasks/{a.id}", 200, {"staff_c": 404}),
        (f"/tasks/{b.id}", 200, {"staff_a": 404, "head_a": 404, "staff_c": 404}),
        ("/tasks/999999", 404, {}),
        ("/directives", 200, {}),
        (f"/directives/{d}", 200, {}),
        ("/directives/new", 403, {"clerk": 200, "admin": 200}),
        ("/directives/999999", 404, {}),
        ("/profile", 200, {}),
        ("/admin/users", 403, {"admin": 200}),
        ("/admin/units", 403, {"admin": 200}),
        ("/admin/audit.csv", 403, {"admin": 200}),
    ]


def _api(world):
    a, b = world.task_a, world.task_b
    return [
        ("/api/v1/tasks", 200, {}),
        (f"/api/v1/tasks/{a.id}", 200, {"staff_c": 404}),
        (f"/api/v1/tasks/{b.id}", 200, {"staff_a": 404, "head_a": 404, "staff_c": 404}),
        ("/api/v1/units", 200, {}),
        (f"/api/v1/directives/{a.directive_id}", 200, {}),
        ("/api/v1/directives/999999", 404, {}),
        ("/api/v1/openapi.json", 200, {}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client, world, login, role):
    login(world.users[role])
    for path, default, special in _pages(world):
        expected = special.get(role, default)
        assert client.get(path).status_code == expected, (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_api_by_role(client, world, token_for, role):
    headers = token_for(world.users[role])
    for path, default, special in _api(world):
        expected = special.get(role, default)
        r = client.get(path, headers=headers)
        assert r.status_code == expected, (role, path)
        assert r.is_json


def test_anonymous_pages_redirect_to_login(client, world):
    for path, _, _ in _pages(world):
        if path == "/login":
            continue
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    for path, _, _ in _api(world):
        if path.endswith("openapi.json"):
            continue
        assert client.get(path).status_code == 401, path


def test_home_sends_each_role_to_its_page(client, world, login):
    expected = {"staff_a": "/tasks/mine", "clerk": "/tasks", "admin": "/admin/users"}
    for role, target in expected.items():
        login(world.users[role])
        assert client.get("/").headers["Location"].endswith(target), role
        client.post("/logout")


def test_api_draft_directive_visible_to_clerk_only(client, world, token_for):
    r = client.post("/api/v1/directives", json={"text": "1. Giao Sở Y tế xây dựng kế hoạch tiêm chủng, trước ngày"
                                                        " 20/03/2030."},
                    headers=token_for(world.users["clerk"]))
    draft_id = r.get_json()["id"]
    r = client.get(f"/api/v1/directives/{draft_id}", headers=token_for(world.users["clerk"]))
    assert r.status_code == 200 and r.get_json()["tasks"][0]["unit_id"] == world.b.id
    for role in ("staff_b", "leader"):
        assert client.get(f"/api/v1/directives/{draft_id}", headers=token_for(world.users[role])).status_code == 404
    # a published directive shows each reader only the tasks they may see
    r = client.get(f"/api/v1/directives/{world.task_a.directive_id}", headers=token_for(world.users["staff_c"]))
    assert r.status_code == 200 and r.get_json()["tasks"] == []
