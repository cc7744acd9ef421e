"""Issue #15: only the document's urgency mark (Hỏa tốc, Thượng khẩn, Khẩn) or an explicit
same-day deadline makes a task urgent; "khẩn trương", "ngay", "gấp" are ordinary urging."""
from datetime import date

import pytest

from tracker.followup import policy
from tracker.parsing import parse_directive
from tracker.parsing.header import urgency_mark

BODY = ("1. Giao Sở Y tế khẩn trương kiểm tra an toàn thực phẩm, báo cáo trước ngày 20/12/2025.\n"
        "2. Sở Công Thương triển khai ngay phương án bình ổn giá.\n"
        "3. Công an tỉnh tăng cường tuần tra, kiểm soát trong dịp Tết.\n")


def header(mark_line: str = "", number_line: str = "Số: 12/CĐ-UBND") -> str:
    return (f"ỦY BAN NHÂN DÂN\nTỈNH QUẢNG TRỊ\n{number_line}\n{mark_line}\n"
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Quảng Trị, ngày 10 tháng 12 năm 2025\n\nCÔNG ĐIỆN\nVề việc bảo đảm an toàn thực phẩm\n\n")


@pytest.mark.parametrize("head, mark", [
    (header("HỎA TỐC"), "HỎA TỐC"),
    (header("HOẢ TỐC"), "HỎA TỐC"),                     # the old spelling of the same mark
    (header("THƯỢNG KHẨN"), "THƯỢNG KHẨN"),
    (header("KHẨN"), "KHẨN"),
    (header("**Khẩn**"), "KHẨN"),                        # a mark in bold, as a converter writes it
    (header("", "Số: 12/CĐ-UBND        THƯỢNG KHẨN"), "THƯỢNG KHẨN"),   # a column of the number line
    (header("", "Số: 12/CĐ-UBND\tHỎA TỐC"), "HỎA TỐC"),
    (header("Độ khẩn: Khẩn"), "KHẨN"),                   # the metadata line of an electronic copy
    (header(), None),
    (header("V/v khẩn trương triển khai"), None),
    (header("CÔNG ĐIỆN KHẨN VỀ VIỆC PHÒNG CHỐNG BÃO"), None),   # part of a title, not the mark
])
def test_urgency_mark_is_read_in_the_header(head, mark):
    assert urgency_mark(head + BODY) == mark


def test_a_mark_deep_in_the_body_is_not_the_documents():
    text = header() + BODY + "\n" * 3 + "\n".join(f"{i}. Nội dung thứ {i}." for i in range(4, 30)) + "\nKHẨN\n"
    assert urgency_mark(text) is None


def test_khan_truong_and_ngay_do_not_make_a_task_urgent():
    got = parse_directive(header() + BODY).to_dict()["tasks"]
    assert [t["owner"] for t in got] == ["Sở Y tế", "Sở Công Thương", "Công an tỉnh"]
    assert [t["urgent"] for t in got] == [False, False, False]
    # the phrase is still the deadline text the clerk sees when no date is given
    assert got[1]["deadline_text"] == "ngay" and got[1]["deadline"] is None


@pytest.mark.parametrize("mark", ["HỎA TỐC", "THƯỢNG KHẨN", "KHẨN"])
def test_a_marked_document_makes_every_task_urgent(mark):
    got = parse_directive(header(mark) + BODY).to_dict()["tasks"]
    assert len(got) == 3 and all(t["urgent"] for t in got)


def test_a_same_day_deadline_is_urgent_and_another_day_is_not():
    body = ("1. Sở Y tế báo cáo kết quả kiểm tra trước 17 giờ ngày 10/12/2025.\n"
            "2. Sở Tài chính tổng hợp, báo cáo UBND tỉnh trong ngày.\n"
            "3. Sở Công Thương khẩn trương báo cáo trước ngày 11/12/2025.\n")
    got = parse_directive(header() + body).to_dict()["tasks"]
    assert [(t["deadline"], t["urgent"]) for t in got] == [
        ("2025-12-10", True), ("2025-12-10", True), ("2025-12-11", False)]


def test_without_a_known_issue_date_no_deadline_counts_as_same_day():
    # no date in the text and none given: today only stands in for the issue date
    today = date.today()
    text = f"Giao Sở Y tế báo cáo kết quả trước ngày {today.day} tháng {today.month} năm {today.year}."
    got = parse_directive(text).to_dict()["tasks"]
    assert got and got[0]["deadline"] == date.today().isoformat() and got[0]["urgent"] is False


def test_followup_reads_the_same_mark():
    assert policy.document_urgency_mark(header("HỎA TỐC") + BODY) == "HỎA TỐC"
    assert policy.document_urgency_mark(header() + BODY) is None
    assert policy.is_urgent(policy.document_urgency_mark(header("KHẨN")), date(2025, 12, 30), date(2025, 12, 10))
