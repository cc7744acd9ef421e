"""The duplicate guard's measure: 5-word shingles of the folded text, Jaccard >= 0.9."""
from tracker.services.duplicates import THRESHOLD
from tracker.services.duplicates import jaccard
from tracker.services.duplicates import shingles

BASE = " ".join(f"Giao Sở số {i} thực hiện nhiệm vụ thứ {i} trước ngày {i % 28 + 1}/03/2026." for i in range(40))


def test_folding_and_spacing_do_not_matter():
    retyped = BASE.upper().replace("Ở", "O").replace(" ", "  \n")
    assert jaccard(shingles(BASE), shingles(retyped)) == 1.0


def test_a_small_edit_stays_above_the_bar_a_different_text_does_not():
    edited = BASE.replace("nhiệm vụ thứ 7 ", "nhiệm vụ thứ bảy ")
    assert jaccard(shingles(BASE), shingles(edited)) >= THRESHOLD
    half = BASE[: len(BASE) // 2]
    assert jaccard(shingles(BASE), shingles(half)) < THRESHOLD
    assert jaccard(shingles("một hai ba"), shingles("bốn năm sáu")) == 0.0
