"""Issue #13: parse_directive returns frozen dataclasses; the CLI's JSON did not change.

The reference (data/cli_json_reference.json, made by cli_reference.py) holds main's
`python -m tracker.parsing FILE --issued ... --json` on every dev and real document before
the change: the header as printed and a digest of each task's JSON ("urgent" aside, changed on
purpose by issue #15). A changed value, a missing or added key, a reordered key or a lost task
fails here, naming the document and the task.
"""
import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from tracker.parsing import DocumentHeader
from tracker.parsing import ParsedDocument
from tracker.parsing import ParsedTask
from tracker.parsing import UnitRef
from tracker.parsing import parse_directive
from tracker.parsing.__main__ import main as cli_main

from .cli_reference import reduce
from .test_corpus_scores import corpus_dir

REFERENCE = json.loads((Path(__file__).parent / "data" / "cli_json_reference.json").read_text(encoding="utf-8"))
TEXT = ("UBND TỈNH CÀ MAU\nSố: 09/CT-UBND\nCà Mau, ngày 12 tháng 01 năm 2022\nCHỈ THỊ\nVề an toàn thực phẩm\n"
        "1. Giao Sở Y tế chủ trì, phối hợp với Công an tỉnh kiểm tra an toàn thực phẩm, hoàn thành trước ngày"
        " 25/01/2022.\n"
        "2. Sở KH&ĐT tổng hợp, báo cáo trước ngày 20 hằng tháng.\n")


def cli_json(capsys, txt: Path) -> dict:
    gold = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    argv = [str(txt), "--json"] + (["--issued", gold["issued"]] if gold.get("issued") else [])
    assert cli_main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("corpus", ["dev", "real"])
def test_cli_json_is_unchanged_on_the_corpus(corpus, capsys):
    folder = corpus_dir(corpus)
    names = sorted(k.split("--", 1)[1] for k in REFERENCE if k.startswith(f"{corpus}--"))
    assert names == sorted(p.stem for p in folder.glob("*.txt")), "the corpus changed: rebuild the reference"
    for name in names:
        want = REFERENCE[f"{corpus}--{name}"]
        got = reduce(cli_json(capsys, folder / f"{name}.txt"))
        assert got["top_keys"] == want["top_keys"] and got["document_keys"] == want["document_keys"], name
        assert got["document"] == want["document"], name
        assert len(got["tasks"]) == len(want["tasks"]), f"{name}: {len(got['tasks'])} tasks, was {len(want['tasks'])}"
        changed = [i for i, (a, b) in enumerate(zip(got["tasks"], want["tasks"], strict=True)) if a != b]
        assert not changed, f"{name}: tasks {changed} differ from the reference"


def test_the_reference_digest_sees_a_changed_value():
    out = parse_directive(TEXT).to_dict()
    before = reduce(out)
    out["tasks"][1]["deadline_text"] = "trước ngày 21 hằng tháng"
    assert reduce(out)["tasks"][1] != before["tasks"][1]
    reordered = dict(reversed(list(out["tasks"][0].items())))
    assert reduce({**out, "tasks": [reordered] + out["tasks"][1:]})["tasks"][0] != before["tasks"][0]


def test_result_is_frozen_and_typed():
    r = parse_directive(TEXT)
    assert isinstance(r, ParsedDocument) and isinstance(r.document, DocumentHeader)
    assert r.document.issued == date(2022, 1, 12) and r.document.code == "09/CT-UBND"
    assert isinstance(r.tasks, tuple) and all(isinstance(t, ParsedTask) for t in r.tasks)
    first, second = r.tasks
    assert first.owner == "Sở Y tế" and first.deadline == date(2022, 1, 25)
    assert first.co_owners == ("Công an tỉnh",) and isinstance(first.unit, UnitRef) and first.unit.code == "SYT"
    assert second.recurrence == "monthly:20" and isinstance(second.reasons, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.owner = "Sở Tài chính"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.document.kind = "cong_van"


def test_to_dict_is_the_json_contract():
    r = parse_directive(TEXT, units=[{"id": 7, "code": "SYT", "name": "Sở Y tế"}])
    d = r.to_dict()
    assert list(d) == ["document", "tasks"]
    assert list(d["document"]) == ["number", "code", "kind", "title", "issuer", "signer", "issued"]
    assert d["document"]["issued"] == "2022-01-12"
    t = d["tasks"][0]
    assert list(t) == ["owner", "unit", "co_owners", "action", "deadline", "deadline_text", "recurrence", "urgent",
                       "start", "end", "confidence", "reasons", "reason_texts", "warnings"]
    assert t["deadline"] == "2022-01-25" and t["co_owners"] == ["Công an tỉnh"]
    assert t["unit"] == {"code": "SYT", "name": "Sở Y tế", "id": 7}   # "id" only from a registry that has ids
    assert parse_directive(TEXT).to_dict()["tasks"][0]["unit"] == {"code": "SYT", "name": "Sở Y tế"}
    assert d["tasks"][1]["unit"] is None   # Sở KH&ĐT is not in this one-unit registry
    json.dumps(d)   # plain JSON types only
