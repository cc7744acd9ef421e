"""Text normalisation that keeps a map back to the original offsets.

Clerks paste text from Word, PDFs and web pages: it arrives with no-break spaces,
curly quotes, Windows line ends and sometimes decomposed (NFD) Vietnamese letters.
The parser works on a cleaned copy, but every span it reports must point into the
text the caller gave, so `normalize` returns the cleaned text together with a
function that maps a cleaned offset back to an original offset.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .startcache import compile as _re  # re.compile, kept between processes

# One-to-one replacements: they never change the length of the text.
_CHAR_MAP = {
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    "\u2002": " ", "\u2003": " ", "\u3000": " ", "\f": " ", "\v": " ",
    "\u200b": " ", "\ufeff": " ",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'",
    "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2028": "\n", "\u2029": "\n", "\x85": "\n",
    "\r": "\n",
}
# Tabs are kept: a table pasted from a word processor arrives as tab-separated cells.
_TRANSLATE = str.maketrans(_CHAR_MAP)
# str.translate looks every character of a non-ASCII text up in a dict (slow on long texts);
# the few characters to replace are found by one character-class scan instead.
_TO_REPLACE = _re("[" + "".join(re.escape(c) for c in _CHAR_MAP) + "]")


def _replace_chars(text: str) -> str:
    return _TO_REPLACE.sub(lambda m: _CHAR_MAP[m.group()], text)


# Tone-mark placement: "Uỷ ban" / "Ủy ban", "hoá" / "hóa", "thuỷ" / "thủy". In an open final
# syllable "oa", "oe", "uy" carry the tone on either vowel depending on the writer's habit; the
# parser reads one spelling (tone on the first vowel, as its vocabulary is written). Two letters
# become two letters, so offsets do not move. "quý" keeps its spelling ("qu" is one consonant).
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _tone_pairs() -> dict[str, str]:
    pairs = {}
    for first in "oOuU":
        for second, seconds in (("o", "aAeE"), ("u", "yY")):
            if first.lower() != second:
                continue
            for v in seconds:
                for tone in _TONES:
                    toned = unicodedata.normalize("NFC", v + tone)
                    pairs[first + toned] = unicodedata.normalize("NFC", first + tone) + v
    return pairs


_TONE_PAIRS = _tone_pairs()
# Two character classes, not an alternation of the 40 pairs: the engine then tests one class
# per position instead of 40 literals ("oý" matches the classes but is no pair: kept as is).
_TONE_RE = _re("(?<![qQ])[oOuU][" + "".join(sorted({p[1] for p in _TONE_PAIRS})) + "](?![^\\W\\d_])")


def unify_tones(text: str) -> str:
    """ "Uỷ ban nhân dân" -> "Ủy ban nhân dân", "văn hoá" -> "văn hóa" (same length)."""
    return _TONE_RE.sub(lambda m: _TONE_PAIRS.get(m.group(0), m.group(0)), text)


@dataclass(frozen=True)
class Normalized:
    """Cleaned text plus the original offset of each cleaned character."""

    text: str
    original: str
    _offsets: tuple[int, ...] | None  # None: identity map

    def as_written(self, phrase: str | None, near: int = 0) -> str | None:
        """The original spelling of a phrase read from the cleaned text (the occurrence nearest
        to `near`); the phrase itself when the text does not hold it (a name the parser built)."""
        if not phrase:
            return phrase
        t = self.text
        before = t.rfind(phrase, 0, near + len(phrase))
        after = t.find(phrase, near)
        hits = [i for i in (before, after) if i != -1]
        if not hits:
            return phrase
        i = min(hits, key=lambda k: abs(k - near))
        return self.original[self.to_original(i):self.to_original(i + len(phrase))]

    def to_original(self, i: int) -> int:
        """Map an offset in the cleaned text to an offset in the original text."""
        if self._offsets is None:
            return max(0, min(i, len(self.original)))
        if i <= 0:
            return 0
        if i >= len(self._offsets):
            return len(self.original)
        return self._offsets[i]


def normalize(text: str) -> Normalized:
    """Return the NFC, space- and quote-normalised text with an offset map.

    A CRLF pair becomes " \\n" (two characters for two), so line structure is kept
    without shifting offsets. Only NFC composition can change the length; then the
    map is built cluster by cluster (a base character and its combining marks).
    """
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        cleaned = unify_tones(_replace_chars(text.replace("\r\n", " \n")))
        return Normalized(cleaned, text, None)
    out: list[str] = []
    offsets: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", text[i:j])
        for k, ch in enumerate(cluster):
            out.append(ch)
            # the first composed character starts at the cluster; any extra
            # characters (rare) map inside it
            offsets.append(i if k == 0 else min(j, i + k))
        i = j
    offsets.append(n)
    cleaned = unify_tones(_replace_chars("".join(out).replace("\r\n", " \n")))
    return Normalized(cleaned, text, tuple(offsets))
