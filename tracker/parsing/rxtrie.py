"""Regular expressions for long lists of literal words, built as a trie.

An alternation of a hundred literals ("Ủy ban nhân dân|UBND|Sở|...") makes the regex engine
try every literal at every position. The same list written as a trie ("S(?:ở|...)|U(?:BND|...)")
tests one branch per character; when every branch opens with a plain letter, `search` and
`finditer` also skip ahead to the next possible first letter in C. The match is the same: the
longest literal that fits (and satisfies what follows the group), as with the longest-first
alternation it replaces.
"""
from __future__ import annotations

import re


def trie_pattern(words, boundary: str | None = None) -> str:
    """A non-capturing group matching any of `words` (longest first).

    `boundary` (a character class such as r"[\\s,;:]") requires the character before the match
    to be in the class or the match to open the string, like ``(?:(?<=^)|(?<=[\\s,;:]))`` written
    in front of the group; here the test sits after the first letter (``S(?<![^\\s,;:].)``), so
    the group still opens with a literal and searches can skip ahead.
    """
    trie: dict = {}
    words = set(words)
    if not words:
        raise ValueError("no words")
    for w in words:
        if not w:
            raise ValueError("empty word")
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    after_first = f"(?<!{_negate(boundary)}.)" if boundary else ""
    return "(?:" + "|".join(re.escape(ch) + after_first + _node(sub) for ch, sub in sorted(trie.items())) + ")"


def _negate(cls: str) -> str:
    if not (cls.startswith("[") and cls.endswith("]")) or cls.startswith("[^"):
        raise ValueError(f"boundary must be a positive character class, got {cls!r}")
    return "[^" + cls[1:]


def _node(node: dict) -> str:
    """The rest of the words below a trie node: longer continuations first, then the end."""
    branches = [re.escape(ch) + _node(sub) for ch, sub in sorted(node.items()) if ch]
    if not branches:
        return ""
    ends = "" in node
    if len(branches) == 1 and not ends:
        return branches[0]
    return "(?:" + "|".join(branches) + ("|" if ends else "") + ")"
