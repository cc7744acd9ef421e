"""Folding Vietnamese text for comparison: the one home of `fold` (issue #12).

Pure Python, no dependencies: the parser, search, registry matching and the review
form all compare text through these two functions.

- `fold`: lower case, no diacritics (đ -> d), spaces squeezed; punctuation is kept
  ("Sở Tài chính" -> "so tai chinh", "Số 12/CT-UBND" -> "so 12/ct-ubnd").
- `fold_name`: `fold`, then every punctuation mark is a space; the form unit names are
  compared in ("Sở Kế hoạch & Đầu tư" -> "so ke hoach dau tu"). The full rule for
  matching a unit's name (abbreviations such as UBND spelled out, spaces ignored) is
  `tracker.parsing.registry.name_keys`, built on it.
"""
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ -> d), collapse spaces: 'Sở Tài chính' -> 'so tai chinh'."""
    if not text:
        return ""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text.lower()).strip()


def fold_name(text: str | None) -> str:
    """`fold` with punctuation dropped (a space each): the form unit names are compared in."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", fold(text))).strip()
