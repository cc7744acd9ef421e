"""Unit registry: match an owner phrase to a known unit.

A registry is a list of dicts with keys code, name, short, kind, aliases (the web
app passes its database units in that shape, with "id" too). Matching ignores case,
diacritics, punctuation and the spelling of common abbreviations (UBND = Ủy ban nhân
dân, ...), and tolerates a trailing place name ("Sở Y tế tỉnh Cà Mau").
"""
from __future__ import annotations

import functools
import marshal
import os
import re
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path

from tracker.textfold import fold_name

from .startcache import cache_dir as start_cache_dir
from .startcache import compile as _re  # re.compile, kept between processes

DEMO_UNITS_PATH = Path(__file__).resolve().parents[1] / "data" / "demo_units.yaml"

# Spelled-out forms, applied (on folded text) before comparing names.
_EXPANSIONS = [
    (r"\bubnd\b", "uy ban nhan dan"),
    (r"\bhdnd\b", "hoi dong nhan dan"),
    (r"\bmttq\b", "mat tran to quoc"),
    (r"\bbch\b", "bo chi huy"),
    (r"\bbql\b", "ban quan ly"),
    (r"\bkt\b", "khu kinh te"),
    (r"\bqs\b", "quan su"),
    (r"\bvp\b", "van phong"),
]
_EXPANSION_RES = [(_re(a), b) for a, b in _EXPANSIONS]
_GENERIC_TAIL = _re(r"\s+(?:co\s+)?lien quan$|\s+tren dia ban(?:\s+.*)?$")
_TERRITORIAL = _re(r"(?:uy ban nhan dan|hoi dong nhan dan|thanh uy|tinh uy|dang uy)\b")
_PLACE_TAIL = _re(r"\s+(tinh|thanh pho)(\s+.*)?$")


# Lower-case, no diacritics (đ -> d), no punctuation, spaces squeezed: the one fold (tracker/textfold.py).
fold = fold_name


def _keys(name: str) -> set[str]:
    """Comparable forms of one name."""
    f = fold(name)
    if not f:
        return set()
    expanded = f
    for rx, rep in _EXPANSION_RES:
        expanded = rx.sub(rep, expanded)
    keys = {f, expanded, f.replace(" ", ""), expanded.replace(" ", "")}
    return {k for k in keys if k}


# The rule every unit-name matcher uses (parser registry, services/units, the review form).
name_keys = _keys


class Registry:
    """An index of units by every comparable form of their names."""

    def __init__(self, units: Iterable[dict]):
        self.units = [u for u in units if isinstance(u, dict) and u.get("name")]
        self._index: dict[str, dict] = {}
        self._cache: dict[str, dict | None] = {}
        for unit in self.units:
            names = [unit.get("name"), unit.get("short"), unit.get("code")]
            aliases = unit.get("aliases") or []
            # a registry read from CSV may carry its aliases as one "a; b" string
            names += [x.strip() for x in aliases.split(";")] if isinstance(aliases, str) else list(aliases)
            for nm in names:
                if isinstance(nm, str):
                    for k in _keys(nm):
                        self._index.setdefault(k, unit)

    def lookup(self, owner_text: str) -> dict | None:
        """The unit the phrase names, or None."""
        if not owner_text:
            return None
        if owner_text in self._cache:
            return self._cache[owner_text]
        unit = self._lookup(owner_text)
        if len(self._cache) < 10_000:
            self._cache[owner_text] = unit
        return unit

    def _lookup(self, owner_text: str) -> dict | None:
        candidates = [owner_text]
        # "Giám đốc Sở Y tế" style heads are stripped by the owner grammar; here we
        # only drop a trailing place qualifier ("Sở Y tế tỉnh Cà Mau").
        for cand in candidates:
            for k in _keys(cand):
                if k in self._index:
                    return self._index[k]
        f = fold(owner_text)
        for rx, rep in _EXPANSION_RES:
            f = rx.sub(rep, f)
        m = _PLACE_TAIL.search(f)
        if m and m.start() > 0 and not (_TERRITORIAL.match(f) and m.group(1) != "tinh"):
            # "Sở Y tế tỉnh Cà Mau" -> "Sở Y tế"; never "UBND thành phố Hà Tĩnh" -> "UBND tỉnh": a
            # territorial body of another level is another unit (an unknown one stays unknown, flagged)
            base = f[: m.start()]
            for k in (base, base + " tinh", base.replace(" ", "")):
                if k in self._index:
                    return self._index[k]
        # "các sở, ngành liên quan" -> "các sở, ngành"
        trimmed = _GENERIC_TAIL.sub("", f)
        if trimmed != f and trimmed in self._index:
            return self._index[trimmed]
        # a joint group owner ("Các sở, ban, ngành; UBND các huyện ...") -> its first group
        whole = owner_text.strip()
        m = re.search(r"\s+và\s+(?=[Cc]ác\s|UBND|Ủy ban|Sở)", whole)
        if m:
            return self.lookup(whole[: m.start()])
        first = re.split(r"\s*;\s*", whole, maxsplit=1)[0]
        if first and first != whole:
            return self.lookup(first)
        return None


def load_yaml_units(path: Path = DEMO_UNITS_PATH, cache_dir: Path | None = None) -> list[dict]:
    """Units of a registry YAML file (format of tracker/data/demo_units.yaml).

    Importing PyYAML and reading the file is most of what the registry costs a fresh
    `python -m tracker.parsing` process, so the units read are kept in a cache file (marshal,
    keyed by the YAML's bytes and the Python version) that later starts read instead; the
    YAML stays the only source. A cache that cannot be read or written is skipped."""
    raw = path.read_bytes()
    cache = _cache_file(raw, cache_dir)
    if cache is not None:
        try:
            units = marshal.loads(cache.read_bytes())
            if isinstance(units, list):
                return units
        except (OSError, ValueError, EOFError, TypeError):
            pass
    import yaml

    # the C loader (libyaml) when PyYAML was built with it: several times faster at start-up
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(raw.decode("utf-8"), Loader=loader) or {}
    units = list(data.get("units") or [])
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(units))
            os.replace(tmp, cache)
        except (OSError, ValueError):   # read-only home, or a value marshal cannot write
            pass
    return units


def _cache_file(raw: bytes, cache_dir: Path | None) -> Path | None:
    """Where the units of this YAML content are cached (startcache.cache_dir()), or None."""
    if cache_dir is None:
        cache_dir = start_cache_dir()
        if cache_dir is None:
            return None
    key = f"{zlib.crc32(raw):08x}-{len(raw)}-py{sys.version_info[0]}{sys.version_info[1]}"
    return cache_dir / f"units-{key}.marshal"


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The built-in demo registry, loaded once."""
    try:
        return Registry(load_yaml_units())
    except (OSError, ImportError, ValueError):
        return Registry([])


def as_registry(units) -> Registry:
    """Accept None (built-in registry), a Registry, or a list of unit dicts."""
    if units is None:
        return default_registry()
    if isinstance(units, Registry):
        return units
    return Registry(units)


def resolve_unit(owner_text: str | None, registry=None) -> dict | None:
    """{"code", "name"} (plus "id" when the registry has ids) of the owner's unit."""
    unit = as_registry(registry).lookup(owner_text or "")
    if unit is None:
        return None
    out = {"code": unit.get("code"), "name": unit.get("name")}
    if unit.get("id") is not None:
        out["id"] = unit["id"]
    return out
