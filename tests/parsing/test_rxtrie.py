"""The trie form of a word list matches what the longest-first alternation matched."""
import random
import re

import pytest

from tracker.parsing.rxtrie import trie_pattern

WORDS = ["Sở", "Sở Y tế", "Ban", "Ban Quản lý", "Ban Chỉ đạo", "UBND", "Ủy ban", "Ủy ban nhân dân", "Bộ", "Bộ Chỉ huy",
         "a.b", "(x)"]


def alternation(words):
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def test_same_matches_as_the_alternation_with_a_tail_condition():
    old = re.compile(alternation(WORDS) + r"(?=[\s,.;:)]|$)")
    new = re.compile(trie_pattern(WORDS) + r"(?=[\s,.;:)]|$)")
    rnd = random.Random(7)
    pieces = WORDS + [" ", ",", "x", "nhân", "Quản", "."]
    for _ in range(3000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        for pos in range(len(s)):
            a, b = old.match(s, pos), new.match(s, pos)
            assert (a and a.span()) == (b and b.span()), (s, pos)


def test_boundary_before_the_first_letter():
    B = r"[\s(,;:]"
    old = re.compile(r"(?:(?<=^)|(?<=[\s(,;:]))" + alternation(WORDS))
    new = re.compile(trie_pattern(WORDS, boundary=B))
    rnd = random.Random(11)
    pieces = WORDS + [" ", ",", "x", "(", "Sởx"]
    for _ in range(2000):
        s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        assert [m.span() for m in old.finditer(s)] == [m.span() for m in new.finditer(s)], s
        for start in range(len(s)):   # a search from inside the text still sees the character before
            assert [m.span() for m in old.finditer(s, start)] == [m.span() for m in new.finditer(s, start)], (s, start)


@pytest.mark.parametrize("words, boundary", [([""], None), ([], None), (["Sở"], "[^x]"), (["Sở"], r"\s")])
def test_rejects_an_empty_word_or_list_and_a_boundary_that_is_no_class(words, boundary):
    with pytest.raises(ValueError):
        trie_pattern(words, boundary=boundary)
