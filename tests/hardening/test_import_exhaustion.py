"""Finding 4 (round 2): imports cannot exhaust a worker.

- parsing builds the unit registry once per document (it was rebuilt for every coordinating
  unit named: 134 KB of "Giao Sở … phối hợp Sở …, Sở …" took 22 s, 1.35 MB gave a 500);
- PDF and DOCX text extraction run in a child process with CPU, memory and wall limits
  and page caps (tracker/services/sandbox.py).
Work is counted, never timed; `hang_guard` only catches a hang.
"""
import pytest

from tests.budget import hang_guard
from tests.hardening.conftest import login_as
from tracker.parsing import registry as registry_module

SENTENCE = "Giao Sở Y tế chủ trì, phối hợp Sở Tài chính, Sở Xây dựng, Sở Công Thương kiểm tra. "


@pytest.fixture
def counted(monkeypatch):
    """Counts Registry constructions and slow-path lookups."""
    counts = {"built": 0, "lookups": 0}
    original_init, original_lookup = registry_module.Registry.__init__, registry_module.Registry._lookup

    def init(self, units):
        counts["built"] += 1
        original_init(self, units)

    def lookup(self, owner_text):
        counts["lookups"] += 1
        return original_lookup(self, owner_text)

    monkeypatch.setattr(registry_module.Registry, "__init__", init)
    monkeypatch.setattr(registry_module.Registry, "_lookup", lookup)
    return counts


@pytest.fixture
def units(make_unit):
    return [make_unit(name, aliases=[name]) for name in ("Sở Y tế", "Sở Tài chính", "Sở Xây dựng", "Sở Công Thương")]


def test_registry_is_built_once_per_document(app, client, world, units, counted, session):
    login_as(client, world.users["clerk"])
    text = SENTENCE * (134_000 // len(SENTENCE))
    with hang_guard(what="a 134 KB draft"):
        response = client.post("/api/v1/directives", json={"text": text},
                               headers={"Authorization": f"Bearer {world.tokens['clerk']}"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert len(body["tasks"]) > 1000
    from tracker.models import Directive

    draft = session.get(Directive, body["id"])
    assert draft.draft_tasks[0]["co_unit_ids"] == [u.id for u in units[1:]]  # the co-units are still resolved
    assert counted["built"] == 1
    # each distinct name is looked up once (the registry caches), not once per task
    assert counted["lookups"] <= 20


def test_a_1_35_mb_paste_is_a_draft_not_a_500(app, client, world, units, counted):
    login_as(client, world.users["clerk"])
    text = SENTENCE * (1_350_000 // len(SENTENCE))
    with hang_guard(what="a 1.35 MB draft"):
        response = client.post("/directives/new", data={"text": text})
    assert response.status_code in (200, 302, 303), response.status_code
    assert counted["built"] == 1
