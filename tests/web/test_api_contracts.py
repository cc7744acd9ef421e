"""The API's contracts (issue #12): the OpenAPI components are generated from the SQLModel models in
tracker/web/schemas.py, and the answers (tasks, directives, units, /me, extension requests, comments,
the inbox) match them key for key and type for type, and dump to the JSON the hand-written dicts gave."""
from tracker.services import office
from tracker.web.schemas import TaskPublic
from tracker.web.schemas import TaskUpdate

# The keys and JSON types the API answered for a task before the models existed (issue #12 keeps them).
TASK_KEYS = {
    "id": int, "directive_id": int, "lead_unit": dict, "owner_text": (str, type(None)), "co_units": list,
    "info_units": list, "assignee": (dict, type(None)), "parent_id": (int, type(None)), "action": str,
    "deadline": (str, type(None)), "deadline_text": (str, type(None)), "recurrence": (str, type(None)),
    "series_id": (int, type(None)), "urgent": bool, "state": str, "state_label": str,
    "deadline_state": (str, type(None)), "progress": int, "result_note": (str, type(None)),
    "completed_on": (str, type(None)), "updated_at": (str, type(None)), "version": int,
}


def _json_type_ok(value, schema, components) -> bool:
    if "$ref" in schema:
        return _json_type_ok(value, components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "anyOf" in schema:
        return any(_json_type_ok(value, s, components) for s in schema["anyOf"])
    kind = schema.get("type")
    checks = {"integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "string": lambda v: isinstance(v, str),
              "boolean": lambda v: isinstance(v, bool), "null": lambda v: v is None,
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "array": lambda v: isinstance(v, list), "object": lambda v: isinstance(v, dict)}
    if not checks[kind](value):
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if kind == "object":
        return set(value) == set(schema["properties"]) and all(
            _json_type_ok(value[k], s, components) for k, s in schema["properties"].items())
    if kind == "array":
        return all(_json_type_ok(v, schema["items"], components) for v in value)
    return True


def test_openapi_task_schema_lists_exactly_the_keys_the_api_answers(client, world, token_for):
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    task = client.get(f"/api/v1/tasks/{world.task_a.id}", headers=token_for(world.users["staff_a"])).get_json()
    schema = components["Task"]
    assert set(task) == set(schema["properties"]) == set(schema["required"]) == set(TASK_KEYS)
    assert set(TaskPublic.model_fields) == set(TASK_KEYS)
    for key, types in TASK_KEYS.items():
        assert isinstance(task[key], types) and not (types is int and isinstance(task[key], bool)), key
        assert _json_type_ok(task[key], schema["properties"][key], components), (key, task[key])
    assert set(task["lead_unit"]) == {"id", "name"}
    assert "+00:00" in task["updated_at"] or task["updated_at"] is None  # isoformat, as before


def test_task_list_items_follow_the_same_schema(client, world, token_for):
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    items = client.get("/api/v1/tasks", headers=token_for(world.users["clerk"])).get_json()["items"]
    assert items and all(_json_type_ok(t, components["Task"], components) for t in items)


def test_patch_accepts_exactly_the_update_model_fields(client, world, token_for):
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/api/v1/tasks/{id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    update = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(update["properties"]) == set(TaskUpdate.model_fields) == {
        "state", "progress", "note", "version", "reason", "assignee_id", "info_unit_ids", *office.CORRECTION_FIELDS}
    assert update["required"] == ["version"]
    r = client.patch(f"/api/v1/tasks/{world.task_a.id}", json={"version": 1, "colour": "red"},
                     headers=token_for(world.users["staff_a"]))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_field"


def test_draft_tasks_carry_the_draft_schema_keys(client, world, token_for):
    from tests.web.test_api import TEXT

    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    body = client.post("/api/v1/directives", json={"text": TEXT}, headers=token_for(world.users["clerk"])).get_json()
    schema = components["DraftTask"]
    for row in body["tasks"]:
        # info_unit_ids is what the clerk sends back at publish time; the parser proposes none
        assert set(row) | {"info_unit_ids"} == set(schema["properties"])
        for key in set(schema["properties"]) & set(row):
            assert _json_type_ok(row[key], schema["properties"][key], components), (key, row[key])


# --- the other entities (directives, units, the caller, extension requests, comments, the inbox) ---------

def _components(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]


def _exactly(value, name, components):
    """`value` has exactly the component's keys, every one required, each of the documented type."""
    schema = components[name]
    assert set(value) == set(schema["properties"]) == set(schema["required"]), \
        (name, set(value) ^ set(schema["properties"]))
    assert _json_type_ok(value, schema, components), (name, value)


# The dicts the API built by hand before the models (issue 12: same JSON on the wire); the answers
# through the models must dump to the same JSON, byte for byte.
def _legacy_directive(d) -> dict:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {"id": d.id, "number": d.number, "code": d.code, "kind": d.kind, "title": d.title, "issuer": d.issuer,
            "signer": d.signer, "issued": iso(d.issued_date), "state": d.state, "replaced_by": d.replaced_by_id,
            "version": d.version}


def _legacy_extension(req) -> dict:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {"id": req.id, "task_id": req.task_id, "status": req.status, "old_deadline": iso(req.old_deadline),
            "requested_date": iso(req.requested_date), "granted_date": iso(req.granted_date),
            "reason": req.reason, "decision_note": req.decision_note, "requested_by": req.requested_by_id,
            "decided_by": req.decided_by_id}


def _legacy_comment(c, author_name, files) -> dict:
    return {"id": c.id, "author": {"id": c.author_id, "name": author_name}, "text": c.text,
            "directing": c.directing, "attachment_id": c.attachment_id,
            "attachments": [{"id": a.id, "name": a.original_name, "size": a.size, "url": f"/api/v1/attachments/{a.id}"}
                            for a in files],
            "created_at": c.created_at.isoformat() if c.created_at else None}


def _same_json(new: dict, old: dict) -> None:
    """Same bytes as `jsonify` writes them (its provider sorts keys: `test_api_json_sorts_keys`)."""
    import json

    assert json.dumps(new, sort_keys=True) == json.dumps(old, sort_keys=True)
    assert [type(v) for _, v in sorted(new.items())] == [type(v) for _, v in sorted(old.items())]


def test_api_json_sorts_keys(app):
    """The models list inherited fields first; the wire is unchanged because jsonify sorts keys."""
    assert app.json.sort_keys is True
    with app.app_context():
        from flask import jsonify

        assert jsonify({"b": 1, "a": 2}).get_data() == b'{"a":2,"b":1}\n'


def test_directive_answers_follow_the_directive_schema(client, session, world, token_for):
    from tests.web.test_api import TEXT
    from tracker.models import Directive
    from tracker.web.api import directive_to_json
    from tracker.web.schemas import DirectivePublic

    components = _components(client)
    schema = components["Directive"]
    base = set(schema["required"])
    assert base == set(DirectivePublic.model_fields) == {
        "id", "number", "code", "kind", "title", "issuer", "signer", "issued", "state", "replaced_by", "version"}
    clerk = token_for(world.users["clerk"])

    def check(body, extras):
        assert set(body) == base | extras, set(body) ^ (base | extras)
        for key, value in body.items():
            if key != "tasks":  # the items: Task, or DraftTask rows (test_draft_tasks_carry_the_draft_schema_keys)
                assert _json_type_ok(value, schema["properties"][key], components), (key, value)
        if "tasks" in body:
            assert schema["properties"]["tasks"]["items"]["anyOf"] == [
                {"$ref": "#/components/schemas/Task"}, {"$ref": "#/components/schemas/DraftTask"}]
            for task in body["tasks"]:
                if body["state"] == "draft":
                    assert set(task) | {"info_unit_ids"} == set(components["DraftTask"]["properties"])
                else:
                    _exactly(task, "Task", components)

    created = client.post("/api/v1/directives", json={"text": TEXT, "number": "12/CT-UBND", "kind": "chi_thi"},
                          headers=clerk)
    assert created.status_code == 201
    did = created.get_json()["id"]
    check(created.get_json(), {"duplicate_of", "tasks"})
    check(client.get(f"/api/v1/directives/{did}", headers=clerk).get_json(), {"tasks"})
    published = client.post(f"/api/v1/directives/{did}/publish", json={"issued": "2026-01-05"}, headers=clerk)
    assert published.status_code == 201 and published.get_json()["tasks"]
    check(published.get_json(), {"tasks"})
    check(client.get(f"/api/v1/directives/{did}", headers=clerk).get_json(), {"tasks"})
    withdrawn = client.post(f"/api/v1/directives/{did}/withdraw", json={"reason": "Ban hành nhầm"}, headers=clerk)
    check(withdrawn.get_json(), {"cancelled_tasks"})
    directive = session.get(Directive, did)
    session.refresh(directive)
    _same_json(directive_to_json(directive), _legacy_directive(directive))
    assert withdrawn.get_json()["state"] == "thu_hoi" and withdrawn.get_json()["issued"] == "2026-01-05"


def test_directive_request_bodies_are_the_models(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]

    def body(path):
        schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        return components[schema["$ref"].rsplit("/", 1)[1]]

    create = body("/api/v1/directives")
    assert set(create["properties"]) == {"text", "issued", "number", "kind"} and create["required"] == ["text"]
    from tracker.models import DIRECTIVE_KINDS

    kinds = [s for s in create["properties"]["kind"]["anyOf"] if s.get("type") == "string"]
    assert kinds[0]["enum"] == list(DIRECTIVE_KINDS)
    publish = body("/api/v1/directives/{id}/publish")
    assert set(publish["properties"]) == {"tasks", "confirm_duplicate", "issued"} and "required" not in publish
    assert publish["properties"]["tasks"]["anyOf"][0]["items"] == {"$ref": "#/components/schemas/DraftTask"}
    assert set(body("/api/v1/directives/{id}/withdraw")["properties"]) == {"reason", "replaced_by"}


def test_units_follow_the_unit_schema(client, session, world, token_for):
    from tracker.models import Unit

    components = _components(client)
    body = client.get("/api/v1/units", headers=token_for(world.users["staff_a"])).get_json()
    assert set(body) == {"items"} and len(body["items"]) == 3
    for item in body["items"]:
        _exactly(item, "Unit", components)
        unit = session.get(Unit, item["id"])
        _same_json(dict(sorted(item.items())), dict(sorted({
            "id": unit.id, "code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
            "aliases": list(unit.aliases or [])}.items())))


def test_me_follows_the_me_schema(client, world, token_for):
    components = _components(client)
    clerk = client.get("/api/v1/me", headers=token_for(world.users["clerk"])).get_json()
    staff = client.get("/api/v1/me", headers=token_for(world.users["staff_a"])).get_json()
    for me in (clerk, staff):
        _exactly(me, "Me", components)
    assert clerk["unit"] is None and clerk["role"] == "clerk" and clerk["login"] == "vanphong"
    assert staff["unit"] == {"id": world.a.id, "name": world.a.name}


def test_extension_answers_follow_their_schemas(client, session, world, token_for):
    from datetime import timedelta

    from tracker.models import ExtensionRequest
    from tracker.web.api import extension_to_json

    components = _components(client)
    new_date = (world.today + timedelta(days=30)).isoformat()
    asked = client.post(f"/api/v1/tasks/{world.task_a.id}/extensions", json={"date": new_date, "reason": "Chờ số liệu"},
                        headers=token_for(world.users["staff_a"]))
    assert asked.status_code == 201
    _exactly(asked.get_json(), "Extension", components)
    assert asked.get_json()["requested_date"] == new_date and asked.get_json()["granted_date"] is None
    decided = client.post(f"/api/v1/extensions/{asked.get_json()['id']}/decide",
                          json={"decision": "approve", "note": "Đồng ý"}, headers=token_for(world.users["clerk"]))
    assert decided.status_code == 200
    _exactly(decided.get_json(), "ExtensionDecision", components)
    _exactly(decided.get_json()["task"], "Task", components)
    assert set(components["ExtensionDecision"]["properties"]) == set(components["Extension"]["properties"]) | {"task"}
    req = session.get(ExtensionRequest, asked.get_json()["id"])
    session.refresh(req)
    assert req.status == "approved"
    _same_json(extension_to_json(req), _legacy_extension(req))
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, fields in {"/api/v1/tasks/{id}/extensions": {"date", "reason"},
                         "/api/v1/extensions/{id}/decide": {"decision", "date", "note"}}.items():
        ref = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert set(components[ref.rsplit("/", 1)[1]]["properties"]) == fields


def test_comments_and_inbox_follow_their_schemas(client, session, world, token_for):
    import io

    from tracker.services import collab
    from tracker.web.collab_api import comment_to_json

    components = _components(client)
    staff, clerk = token_for(world.users["staff_a"]), token_for(world.users["clerk"])
    posted = client.post(f"/api/v1/tasks/{world.task_a.id}/comments", headers=staff, content_type="multipart/form-data",
                         data={"text": "Gửi biên bản @vanphong",
                               "file": [(io.BytesIO(b"%PDF-1.4\n% bien ban\n"), "bb.pdf")]})
    assert posted.status_code == 201, posted.get_json()
    _exactly(posted.get_json(), "Comment", components)
    answered = client.post(f"/api/v1/tasks/{world.task_a.id}/comments", json={"text": "Đã nhận"}, headers=clerk)
    assert answered.status_code == 201
    items = client.get(f"/api/v1/tasks/{world.task_a.id}/comments", headers=clerk).get_json()["items"]
    assert len(items) == 2 and len(items[0]["attachments"]) == 1 and items[1]["attachments"] == []
    for item in items:
        _exactly(item, "Comment", components)
    _exactly(items[0]["attachments"][0], "CommentFile", components)
    files = collab.comment_files(session, world.task_a)
    for c, name in collab.comments_of(session, world.task_a):
        _same_json(comment_to_json(c, name, files.get(c.id, ())), _legacy_comment(c, name, files.get(c.id, ())))
    inbox = client.get("/api/v1/notifications", headers=clerk).get_json()
    _exactly(inbox, "Inbox", components)
    assert inbox["items"] and inbox["unread"] >= 1
    for item in inbox["items"]:
        _exactly(item, "Notification", components)
    doc = client.get("/api/v1/openapi.json").get_json()
    ref = doc["paths"]["/api/v1/tasks/{id}/comments"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(components[ref["$ref"].rsplit("/", 1)[1]]["properties"]) == {"text", "directing"}
    read = client.post("/api/v1/notifications/read", json={"all": True}, headers=clerk)
    _exactly(read.get_json(), "ReadResult", components)
    assert read.get_json()["marked"] == inbox["unread"] and read.get_json()["unread"] == 0
    ref = doc["paths"]["/api/v1/notifications/read"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(components[ref["$ref"].rsplit("/", 1)[1]]["properties"]) == {"ids", "all"}


def test_comment_and_delegate_bodies_accept_their_model_fields_and_refuse_others(client, world, token_for):
    from tracker.web.schemas import CommentCreate
    from tracker.web.schemas import TaskDelegate

    doc = client.get("/api/v1/openapi.json").get_json()
    ref = doc["paths"]["/api/v1/tasks/{id}/delegate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]["properties"]) == set(
        TaskDelegate.model_fields) == {"unit_id", "action", "deadline"}
    staff = token_for(world.users["staff_a"])
    for path, body in ((f"/api/v1/tasks/{world.task_a.id}/comments", {"text": "Đã nhận", "colour": "red"}),
                       (f"/api/v1/tasks/{world.task_a.id}/delegate", {"unit_id": world.b.id, "colour": "red"})):
        r = client.post(path, json=body, headers=staff)
        assert r.status_code == 422 and r.get_json()["error"] == {
            "code": "unknown_field", "message": "Trường không được hỗ trợ: colour"}, r.get_json()
    assert set(CommentCreate.model_fields) == {"text", "directing"}
    ok = client.post(f"/api/v1/tasks/{world.task_a.id}/comments", headers=staff,
                     json={"text": "Đã nhận", "directing": False, "version": 1})  # version: accepted, ignored
    assert ok.status_code == 201


def test_every_schema_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert refs
    prefix = "#/components/schemas/"
    assert all(r.startswith(prefix) and r[len(prefix):] in components for r in refs), sorted(
        {r for r in refs if r[len(prefix):] not in components})
