"""Properties: never raises, spans inside the text, deterministic, fast on hostile input."""
from pathlib import Path

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.budget import hang_guard
from tracker.parsing import parse_directive
from tracker.parsing.normalize import normalize

WORDS = ["Giao", "Sở Y tế", "chủ trì", "phối hợp với", "UBND các huyện", ",", ";", ":", ".", "\n", "1.", "a)", "-",
         "trước ngày 15/02/2022", "hằng tháng", "Đồng thời", "Yêu cầu", "các sở, ban, ngành", "|", "Nơi nhận:",
         "Công an tỉnh", "thường xuyên", "ngay", "Kính gửi:", "quý I/2022", "(", ")", "\u00a0", "\r\n", "\u201c"]


def check(text):
    out = parse_directive(text, issued="2022-01-12").to_dict()
    for t in out["tasks"]:
        assert 0 <= t["start"] <= t["end"] <= len(text)
        assert 0.0 <= t["confidence"] <= 1.0
    return out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_unicode_never_raises(text):
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
def test_directive_like_noise(text):
    assert check(text) == check(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ạảãàáâậầấẩẫăắằặẳẵ\u0301\u0300\u0323a e\n.,;:"), max_size=300))
def test_decomposed_text_maps_back(text):
    n = normalize(text)
    for i in range(len(n.text) + 1):
        assert 0 <= n.to_original(i) <= len(text)
    check(text)


def test_deterministic_on_a_real_shape():
    text = "1. Sở Công Thương:\na) Theo dõi thị trường, báo cáo trước ngày 20 hằng tháng.\nb) Khẩn trương kiểm tra."
    assert parse_directive(text) == parse_directive(text)


def test_nfd_input_spans_point_into_the_original():
    import unicodedata
    text = unicodedata.normalize("NFD", "Ghi chú.\nGiao Sở Y tế kiểm tra an toàn thực phẩm, hoàn thành trước ngày"
                                        " 25/01/2022.")
    (t,) = parse_directive(text, issued="2022-01-12").to_dict()["tasks"]
    assert unicodedata.normalize("NFC", text[t["start"]:t["end"]]).startswith("Giao Sở Y tế")
    assert t["deadline"] == "2022-01-25"


def test_repeated_punctuation_line_is_fast():
    text = ("." * 50_000) + ("," * 25_000) + (";" * 25_000)
    with hang_guard():  # catches a hang only; no wall-clock bound (issue 11, finding 12)
        parse_directive(text)


def test_two_megabytes_parse_in_time():
    corpus = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dev"
    base = "".join(p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))) if corpus.is_dir() else (
        "1. Giao Sở Y tế chủ trì, phối hợp với Công an tỉnh kiểm tra, hoàn thành trước ngày 25/01/2022.\n" * 50)
    text = (base * (2_000_000 // len(base) + 1))[:2_000_000]
    with hang_guard():  # catches a hang only; no wall-clock bound (issue 11, finding 12)
        parse_directive(text, issued="2022-01-12")


def test_one_huge_sentence_of_dated_clauses_stays_linear():
    unit = "Sở Y tế chủ trì, phối hợp với Công an tỉnh, trước ngày 15/02/2022; "
    text = (unit * 3000)[:200_000]
    with hang_guard():  # catches a hang only; no wall-clock bound (issue 11, finding 12)
        out = parse_directive(text, issued="2022-01-01")
    assert len(out.tasks) > 1000
