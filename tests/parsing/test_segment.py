"""Structure: list labels and their ranks, bare labels, tables, sentences, clauses."""
from tracker.parsing.segment import blocks
from tracker.parsing.segment import clauses
from tracker.parsing.segment import is_caps_heading
from tracker.parsing.segment import sentences


def _labels(text):
    return [(b.label, b.rank, b.text) for b in blocks(text)]


def test_label_kinds_and_ranks():
    text = "I. NHIỆM VỤ\n1. Sở Y tế:\n1.1. Rà soát.\na) Tổ chức.\n(i) Báo cáo.\n- Gửi.\n+ Ghi.\n• Điểm.\nĐoạn văn."
    got = _labels(text)
    assert [g[0] for g in got] == ["I.", "1.", "1.1.", "a)", "(i)", "-", "+", "•", None]
    ranks = [g[1] for g in got]
    assert ranks == sorted(ranks[:-1]) + [9] or ranks[0] < ranks[1] < ranks[2] < ranks[3]
    assert got[1][2] == "Sở Y tế:"


def test_article_label():
    (b,) = blocks("Điều 2. Tổ chức thực hiện")
    assert b.label.startswith("Điều") and b.text == "Tổ chức thực hiện"


def test_bare_label_joins_next_line():
    text = "1.\nTrên cơ sở tài liệu, các cơ quan tổ chức tuyên truyền."
    (b,) = blocks(text)
    assert b.label == "1." and b.text.startswith("Trên cơ sở")
    assert b.line_start == 0


def test_body_offsets_point_into_text():
    text = "  a) Sở Y tế chủ trì.  \n\n- Công an tỉnh tuần tra."
    for b in blocks(text):
        assert text[b.start:b.end] == b.text
        assert not b.text.endswith(" ")


def test_table_row_cells():
    text = ("STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành\n1 | Rà soát | Sở TN&MT |"
            " UBND các huyện | Quý II năm 2023")
    rows = blocks(text)
    assert all(r.cells is not None for r in rows)
    cells = [text[a:b] for a, b in rows[1].cells]
    assert cells == ["1", "Rà soát", "Sở TN&MT", "UBND các huyện", "Quý II năm 2023"]


def test_sentences_split_before_capital():
    text = "Sở Y tế chủ trì. Đồng thời, chỉ đạo các bệnh viện. Xong"
    spans = sentences(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == ["Sở Y tế chủ trì.", "Đồng thời, chỉ đạo các bệnh viện.", "Xong"]


def test_sentences_keep_numbers_and_abbreviations():
    text = "Nghị quyết số 128/NQ-CP ngày 11/10/2021 của Chính phủ. TP. Hồ Chí Minh tăng 7,5%."
    spans = sentences(text, 0, len(text))
    assert len(spans) == 2


def test_clauses_respect_parentheses():
    text = "Báo cáo định kỳ (trước ngày 15; hằng quý); gửi Sở Tài chính"
    got = [text[a:b] for a, b in clauses(text, 0, len(text))]
    assert got == ["Báo cáo định kỳ (trước ngày 15; hằng quý)", "gửi Sở Tài chính"]


def test_caps_heading():
    assert is_caps_heading("NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI")
    assert not is_caps_heading("Nhiệm vụ trọng tâm")
    assert not is_caps_heading("UBND")


def test_tab_separated_table_from_a_word_processor():
    from tracker.parsing import parse_directive
    text = ("TT\tNội dung công việc\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian hoàn thành\n"
            "1\tRà soát danh mục dự án\tSở Tài chính\tSở Xây dựng\tTrước ngày 15/12/2025\n")
    (t,) = parse_directive(text, issued="2025-12-01").to_dict()["tasks"]
    assert t["owner"] == "Sở Tài chính" and t["co_owners"] == ["Sở Xây dựng"]
    assert t["deadline"] == "2025-12-15"
    assert text[t["start"]:t["end"]].startswith("1\tRà soát")
