"""The task's API contracts (issue #12): the OpenAPI components are generated from the SQLModel
models in tracker/web/schemas.py, and the answers match them key for key and type for type."""
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
