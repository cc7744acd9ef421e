"""One rule for unit names (issue #12): the parser registry, find_unit, the review form and
the tracking-sheet import all match a typed name by `tracker.parsing.registry.name_keys`."""
import pytest

from tracker.parsing.registry import Registry
from tracker.parsing.registry import fold as registry_fold
from tracker.services import NotFound
from tracker.services.search import normalize
from tracker.services.sheet_import import UnitIndex
from tracker.services.text import fold as text_fold
from tracker.services.units import UnitNames
from tracker.services.units import find_unit
from tracker.textfold import fold
from tracker.textfold import fold_name
from tracker.web.directives import UnitLookup

TYPED = ["Sở Kế hoạch & Đầu tư", "so ke hoach dau tu", "SỞ KẾ HOẠCH - ĐẦU TƯ", "Sở Kế hoạch và Đầu tư.",
         "skhdt", "SKHĐT"]


def test_one_fold():
    assert registry_fold is fold_name and text_fold is fold
    assert fold("Số 12/CT-UBND  Đà Nẵng") == "so 12/ct-ubnd da nang"
    assert fold_name("Số 12/CT-UBND  Đà Nẵng") == "so 12 ct ubnd da nang"
    assert normalize("Số 12/CT-UBND") == "so 12 ct ubnd"  # search's stored form is unchanged


def test_every_matcher_finds_the_same_units(session, make_unit):
    ubnd = make_unit("Ủy ban nhân dân huyện Đông Sơn", kind="district", code="UBND_DS")
    plan = make_unit("Sở Kế hoạch và Đầu tư", aliases=["Sở Kế hoạch & Đầu tư", "SKHĐT"], code="SKHDT")
    health = make_unit("Sở Y tế", code="SYT")
    units = [ubnd, plan, health]
    names, lookup, sheet = UnitNames(units), UnitLookup(units), UnitIndex(session)
    registry = Registry([{"id": u.id, "code": u.code, "name": u.name, "short": u.short_name, "kind": u.kind,
                          "aliases": list(u.aliases)} for u in units])
    for typed, expected in [*((t, plan) for t in TYPED), ("UBND huyện Đông Sơn", ubnd),
                            ("uy ban nhan dan huyen dong son", ubnd), ("UBND_DS", ubnd)]:
        assert names.find(typed) is expected, typed
        assert lookup.find(typed) is expected, typed
        assert find_unit(session, typed).id == expected.id, typed
        assert sheet.find(typed).id == expected.id, typed
        assert registry.lookup(typed)["id"] == expected.id, typed
    for typed in ["Sở Kế hoạch", "", "   "]:
        assert names.find(typed) is None and lookup.find(typed) is None
    with pytest.raises(NotFound):
        find_unit(session, "Sở Kế hoạch")
