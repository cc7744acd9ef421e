"""What a fresh `python -m tracker.parsing` process would otherwise rebuild: the compiled regexes.

The parser's ~250 regular expressions cost a fresh process about half of its start-up:
Python's `re` parses and compiles each pattern in Python code (re._parser, re._compiler)
before the C engine gets it. `compile` here keeps what those two steps produce (the flags,
the engine's code list, the groups) in a cache file, keyed by the pattern, its flags and the
interpreter (cache tag and the engine's MAGIC), and later processes hand it straight to the
engine (`_sre.compile`, what re._compiler.compile ends with). The pattern object is the same
`re.Pattern` either way.

Anything unexpected (another Python, a missing private API, an unreadable or unwritable
cache) falls back to plain `re.compile` for good; the cache is only ever an accelerator.
The cache file is written at exit, when the process compiled patterns it did not have.
"""
from __future__ import annotations

import atexit
import marshal
import os
import re
import sys
from pathlib import Path

try:  # private, version-specific: used only to recreate what the same interpreter computed
    import _sre
    from re import _compiler
    from re import _parser

    _TAG = f"{sys.implementation.cache_tag}-{_sre.MAGIC}"
except (ImportError, AttributeError):  # pragma: no cover - another implementation of Python
    _sre = _compiler = _parser = None
    _TAG = None


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/directive-tracker (or ~/.cache/...); None without a home.
    DIRECTIVE_TRACKER_NO_CACHE=1 turns the start-up caches off."""
    if os.environ.get("DIRECTIVE_TRACKER_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home == "~":
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "directive-tracker"


class _Cache:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], tuple] | None = None   # loaded on first use
        self.added = 0
        self.enabled = _TAG is not None
        self.path: Path | None = None

    def load(self) -> dict:
        if self.entries is None:
            self.entries = {}
            folder = cache_dir()
            self.path = folder / f"regex-{_TAG}.marshal" if folder is not None else None
            if self.path is not None:
                try:
                    data = marshal.loads(self.path.read_bytes())
                    if isinstance(data, dict):
                        self.entries = data
                except (OSError, ValueError, EOFError, TypeError):
                    pass
            atexit.register(self.save)
        return self.entries

    def save(self) -> None:
        if not self.added or self.path is None or not self.enabled:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(self.entries))
            os.replace(tmp, self.path)
            self.added = 0
        except (OSError, ValueError):
            pass


_CACHE = _Cache()
_LIVE: dict[tuple[str, int], re.Pattern] = {}


def _entry(pattern: str, flags: int) -> tuple:
    """What re._compiler.compile hands to the engine, minus the pattern itself."""
    p = _parser.parse(pattern, flags)
    code = _compiler._code(p, flags)
    groupindex = dict(p.state.groupdict)
    indexgroup = [None] * p.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    # plain ints: the opcodes are int subclasses, which marshal does not write
    return (int(flags | p.state.flags), [int(c) for c in code], p.state.groups - 1, groupindex, tuple(indexgroup))


def compile(pattern: str, flags: int = 0) -> re.Pattern:   # noqa: A001 - the same name as re.compile
    """re.compile(pattern, flags), from the cache when this interpreter compiled it before."""
    if isinstance(flags, re.RegexFlag):
        flags = flags.value
    key = (pattern, flags)
    live = _LIVE.get(key)   # a pattern compiled inside a function: built once per process, as re's own cache does
    if live is not None:
        return live
    if not _CACHE.enabled or not isinstance(pattern, str) or flags & re.DEBUG:
        return re.compile(pattern, flags)
    try:
        entries = _CACHE.load()
        entry = entries.get(key)
        if entry is None:
            entry = _entry(pattern, flags)
            entries[key] = entry
            _CACHE.added += 1
        live = _LIVE[key] = _sre.compile(pattern, *entry)
        return live
    except Exception:   # a private API that changed, a cache entry of another shape: plain re from now on
        _CACHE.enabled = False
        return re.compile(pattern, flags)
