"""Finding 10 (round 2): publishing more rows than a draft can hold is refused (422 too_many_tasks)."""
from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task
from tracker.services import directives as directive_service


def _row(world):
    return {"unit_id": world.a.id, "action": "Kiểm tra", "deadline": "2030-12-31", "start": 0, "end": 5,
            "co_unit_ids": [], "recurrence": None}


def test_api_publish_with_3000_rows_is_refused(client, world, session):
    headers = {"Authorization": f"Bearer {world.tokens['clerk']}"}
    for count in (3000, directive_service.MAX_TASKS + 1):
        response = client.post(f"/api/v1/directives/{world.draft.id}/publish", json={"tasks": [_row(world)] * count},
                               headers=headers)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["code"] == "too_many_tasks"
    session.expire_all()
    assert session.get(Directive, world.draft.id).state == "draft"
    assert session.exec(select(Task).where(Task.directive_id == world.draft.id)).all() == []


def test_api_publish_at_the_limit_is_not_refused_for_its_size(client, world, session):
    headers = {"Authorization": f"Bearer {world.tokens['clerk']}"}
    rows = [_row(world)] * (directive_service.MAX_TASKS - 1) + [dict(_row(world), unit_id=None)]
    response = client.post(f"/api/v1/directives/{world.draft.id}/publish", json={"tasks": rows, "issued": "2025-01-02"},
                           headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_tasks"  # checked row by row, not refused for its size
