"""The parser on the held-out set (tests/parsing/heldout), scored in-process.

The held-out set is directives written for this check, deliberately unlike the shared
corpora in surface form: other provinces and ministries (Bắc Ninh, Khánh Hòa, Gia Lai,
Tây Ninh, Hưng Yên, Thái Nguyên, Đà Nẵng, Hải Phòng, Lâm Đồng, Quảng Ngãi, Bộ Y tế,
Bộ Giáo dục và Đào tạo, Văn phòng Chính phủ), other kinds (a storm Công điện, a
ministry's Công văn, a Quyết định ban hành kế hoạch, news reports, a ministry plan with an
appendix table, Kế hoạch blocks) and other deadline forms (weekday dates, clock times,
working days, lunar dates, "thứ Sáu hằng tuần", "trước 31/8/2026", ...). It was
annotated by reading, before the parser was run on it, and it is never used to write
rules for particular sentences; it measures whether the grammar written on the shared
corpora generalizes. The matching is that of score_parser.py (via
tracker.parsing.evaluate, the same code as test_corpus_scores.py).

Each batch was scored once before any fix it prompted:
- batch 1 (8 documents, 122 tasks): F1 0.945, owner 0.973, deadline 0.991;
- batch 2 (5 documents, 44 tasks), written after the batch-1 fixes: F1 0.943, owner 1.000,
  deadline 1.000;
- batch 3 (3 documents, 21 tasks): F1 1.000, owner 1.000, deadline 1.000;
- batch 4 (2 documents, 13 tasks): F1 1.000 (one "miss" was an annotation error of ours,
  corrected: a clause with its own recurrence is a task of its own);
- batch 5 (2 documents, 12 tasks): F1 1.000, owner 1.000, deadline 1.000, recurrence 0.917;
- batch 6 (1 document, 7 tasks): F1 1.000, owner 1.000, deadline 1.000.

Bars: what the parser reaches on the whole set (21 documents, 219 tasks) after the fixes
(F1 1.000, owner 1.000, deadline 1.000, recurrence 1.000), less a margin of about three
tasks (3/219 ≈ 0.014, rounded to 0.02) so that a harmless re-segmentation of a sentence
or two elsewhere in the parser does not fail the suite; that is still above the
dev-corpus bars of issue #3 (0.90 / 0.95 / 0.95).
"""
from pathlib import Path

import pytest

from tracker.parsing.core import parse_directive
from tracker.parsing.evaluate import evaluate_corpus

HELDOUT = Path(__file__).parent / "heldout"

BARS = {"f1": 0.98, "owner": 0.98, "deadline": 0.98, "recurrence": 0.98}


def test_heldout_set_is_well_formed():
    import json
    import unicodedata

    docs = sorted(HELDOUT.glob("*.json"))
    assert len(docs) >= 18
    n = 0
    for jp in docs:
        gold = json.loads(jp.read_text(encoding="utf-8"))
        text = jp.with_suffix(".txt").read_text(encoding="utf-8")
        assert gold["id"] == jp.stem
        assert unicodedata.is_normalized("NFC", text)
        for task in gold["tasks"]:
            assert text.count(task["source_sentence"]) == 1, (jp.stem, task["source_sentence"][:60])
            assert task["deadline_text"] is None or task["deadline_text"] in task["source_sentence"]
            n += 1
    assert n >= 200


def test_heldout_meets_the_bar():
    if not HELDOUT.is_dir():
        pytest.skip(f"{HELDOUT} not present")
    figures = evaluate_corpus(HELDOUT, baseline=False, out=None).figures()
    low = {k: round(figures[k], 3) for k, bar in BARS.items() if figures[k] < bar}
    assert not low, f"held-out: below the bar {low} (all: { {k: round(v, 3) for k, v in figures.items()} })"


# -- grammar the held-out set showed missing (each a rule of Vietnamese directives, not a sentence) --

_HDR = "ỦY BAN NHÂN DÂN\nTỈNH GIA LAI\n\nGia Lai, ngày 02 tháng 3 năm 2026\n\n"


def _tasks(body, header=_HDR):
    return parse_directive(header + body + "\n", issued="2026-03-02").to_dict()["tasks"]


@pytest.mark.parametrize("body, owner, deadline", [
    # a department of a ministry ("Vụ ...") is an agency
    ("1. Vụ Kế hoạch - Tài chính chủ trì, phối hợp với các đơn vị liên quan bố trí kinh phí trong quý II/2026.",
     "Vụ Kế hoạch - Tài chính", "2026-06-30"),
    # "số" in "chuyển đổi số" / "chữ ký số" is no document number
    ("1. Sở Khoa học và Công nghệ đẩy mạnh chuyển đổi số trong quý III/2026.", "Sở Khoa học và Công nghệ",
     "2026-09-30"),
    ("1. Sở Nội vụ cấp chữ ký số trước ngày 30/6/2026.", "Sở Nội vụ", "2026-06-30"),
    # "trước tháng 6/2026" / "trước quý III": the day before the period starts
    ("1. Sở Tài chính hoàn thành trước tháng 6/2026.", "Sở Tài chính", "2026-05-31"),
    ("1. Sở Tài chính hoàn thành trước quý III/2026.", "Sở Tài chính", "2026-06-30"),
    # two periods sharing a year: the later
    ("1. Sở Tài chính hoàn thành trong tháng 3 và tháng 4/2026.", "Sở Tài chính", "2026-04-30"),
    # requesters before the trigger
    ("Tiếp theo Công văn số 12/UBND-KT ngày 02/02/2026, Sở Y tế đề nghị các bệnh viện rà soát thuốc trước ngày"
     " 20/3/2026.", "các bệnh viện", "2026-03-20"),
    ("Ông cũng giao UBND các xã, phường đẩy nhanh giải phóng mặt bằng trong quý I/2026.", "UBND các xã, phường",
     "2026-03-31"),
    ("Về đề xuất này, ông Nam giao Sở Tài chính tham mưu điều chỉnh vốn trong tháng 3/2026.", "Sở Tài chính",
     "2026-03-31"),
    ("1. Chủ tịch UBND tỉnh giao nhiệm vụ cho Sở Y tế xây dựng kế hoạch tiêm chủng trước ngày 20/3/2026.", "Sở Y tế",
     "2026-03-20"),
    ("1. Thống nhất giao Sở Tài chính làm đầu mối tổng hợp, báo cáo UBND tỉnh trước ngày 10/4/2026.", "Sở Tài chính",
     "2026-04-10"),
    ("1. Đồng ý đề xuất của Sở Xây dựng; giao Sở Xây dựng hoàn thiện hồ sơ trước ngày 25/3/2026.", "Sở Xây dựng",
     "2026-03-25"),
    # a commune chair is an addressee, not the speaker
    ("1. Chủ tịch UBND phường Pleiku, xã Ia Grai tập trung giải phóng mặt bằng, hoàn thành chậm nhất ngày 31/5.",
     "UBND phường Pleiku", "2026-05-31"),
    # a quoted instruction
    ("“Sở Y tế phải hoàn thành lắp đặt thiết bị trước ngày 15/6”, Chủ tịch UBND tỉnh yêu cầu.", "Sở Y tế",
     "2026-06-15"),
])
def test_held_out_grammar(body, owner, deadline):
    tasks = _tasks(body)
    assert len(tasks) == 1, tasks
    assert owner in tasks[0]["owner"] and tasks[0]["deadline"] == deadline


@pytest.mark.parametrize("body", [
    "Tại hội nghị, Giám đốc Sở Công Thương đề nghị UBND tỉnh sớm phê duyệt Đề án phát triển cụm công nghiệp.",
    "1. Yêu cầu Giám đốc các sở và Chủ tịch UBND các xã, phường xác định giải ngân vốn đầu tư công là nhiệm vụ chính"
    " trị "
    "trọng tâm; người đứng đầu chịu trách nhiệm về kết quả giải ngân.",
    "Để phòng ngừa cháy, nổ, Chủ tịch Ủy ban nhân dân tỉnh yêu cầu:",
])
def test_held_out_non_tasks(body):
    assert _tasks(body) == []


def test_agency_heading_with_doi_voi():
    tasks = _tasks("3. Đối với Sở Y tế:\n- Chỉ đạo các bệnh viện bố trí giường bệnh trước ngày 30/4/2026.\n- Kiểm tra"
                   " an toàn thực phẩm.")
    assert [t["owner"] for t in tasks] == ["Sở Y tế", "Sở Y tế"]


def test_body_after_kinh_gui_and_a_list_intro():
    text = ("BỘ Y TẾ\n\nHà Nội, ngày 15 tháng 12 năm 2025\n\nKính gửi: Sở Y tế các tỉnh, thành phố.\n\n"
            "Tính đến ngày 07/12/2025, cả nước ghi nhận 12.450 trường hợp nghi sởi.\n\n"
            "Bộ Y tế đề nghị Sở Y tế các tỉnh, thành phố khẩn trương triển khai các nội dung sau:\n"
            "1. Rà soát, tiêm bù vắc xin sởi, hoàn thành chậm nhất ngày 15/01.\n"
            "2. Báo cáo kết quả tiêm chủng trước ngày 25 hằng tháng.\n")
    tasks = parse_directive(text, issued="2025-12-15").to_dict()["tasks"]
    assert [(t["owner"], t["deadline"]) for t in tasks] == [
        ("Sở Y tế các tỉnh, thành phố", "2026-01-15"), ("Sở Y tế các tỉnh, thành phố", "2025-12-25")]


def test_cong_dien_addressees_are_no_heading():
    text = ("ỦY BAN NHÂN DÂN\nTỈNH KHÁNH HÒA\n\nKhánh Hòa, ngày 24 tháng 11 năm 2025\n\nCÔNG ĐIỆN\n\n"
            "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA điện:\n- Giám đốc các sở;\n- Bộ Chỉ huy Quân sự tỉnh, Công an"
            " tỉnh.\n\n"
            "Theo bản tin lúc 04 giờ 00 ngày 24/11/2025, bão số 15 mạnh cấp 12.\n\n"
            "1. Sở Y tế bố trí phương tiện cấp cứu trước 17 giờ 00 ngày 24/11/2025.\n")
    tasks = parse_directive(text, issued="2025-11-24").to_dict()["tasks"]
    assert [(t["owner"], t["deadline"]) for t in tasks] == [("Sở Y tế", "2025-11-24")]


def test_agency_heading_in_capitals():
    tasks = _tasks("2. SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG:\na. Rà soát quỹ đất trước ngày 30/4/2026.\nb. Hướng dẫn các xã lập"
                   " hồ sơ.\n"
                   "3. ỦY BAN NHÂN DÂN CÁC XÃ, PHƯỜNG\n- Tuyên truyền cho Nhân dân.")
    assert [(t["owner"].lower(), t["deadline"]) for t in tasks] == [
        ("sở nông nghiệp và môi trường", "2026-04-30"), ("sở nông nghiệp và môi trường", None),
        ("ủy ban nhân dân các xã, phường", None)]


@pytest.mark.parametrize("body, deadline", [
    # work to be ready for the occasion is due the day before it; work during it has no date
    ("1. Sở Xây dựng hoàn thiện các công trình phục vụ nhu cầu đi lại của Nhân dân dịp Tết Nguyên đán Đinh Mùi.",
     "2027-02-05"),
    ("1. Công an tỉnh bảo đảm tuyệt đối an ninh, an toàn các sự kiện văn hóa dịp Tết Nguyên đán Đinh Mùi.", None),
    # "thông báo ... trước 16 giờ hằng ngày" is due daily even after the word "dự báo"
    ("1. Sở Nông nghiệp và Môi trường cập nhật cấp dự báo cháy rừng, thông báo cho các xã trước 16 giờ hằng ngày.",
     None),
])
def test_occasions_and_daily_reports(body, deadline):
    tasks = _tasks(body)
    assert len(tasks) == 1 and tasks[0]["deadline"] == deadline
    if "hằng ngày" in body:
        assert tasks[0]["recurrence"] == "daily"


def test_unlabeled_agency_heading_and_colon_items():
    tasks = _tasks("Sở Y tế:\n- Tổ chức tiêm chủng trước ngày 30/4/2026.\n- Báo cáo kết quả.\n"
                   "2. UBND các xã, phường: Tuyên truyền, vận động người dân.")
    assert [(t["owner"], t["deadline"]) for t in tasks] == [
        ("Sở Y tế", "2026-04-30"), ("Sở Y tế", None), ("UBND các xã, phường", None)]
