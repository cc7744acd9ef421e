"""Vietnamese deadline grammar: one case per pattern and per distractor."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.budget import hang_guard
from tracker.parsing.deadlines import DeadlineHit
from tracker.parsing.deadlines import find_deadlines
from tracker.parsing.deadlines import pick_deadline
from tracker.parsing.deadlines import resolve_recurrence_first

ISSUED = date(2025, 3, 10)  # a Monday


def pick(text, issued=ISSUED):
    hit = pick_deadline(text, issued)
    assert hit is None or text[hit.start:hit.end] == hit.text
    return hit


# --- dated phrases: (sentence, deadline_text, deadline) ---------------------

DATED = [
    ("Gửi danh sách về Văn phòng UBND tỉnh trước ngày 05/02/2026.", "trước ngày 05/02/2026", date(2026, 2, 5)),
    ("Hoàn thiện dự thảo, trình UBND tỉnh trước ngày 15-04-2025.", "trước ngày 15-04-2025", date(2025, 4, 15)),
    ("Báo cáo trước ngày 15.04.2025.", "trước ngày 15.04.2025", date(2025, 4, 15)),
    ("báo cáo UBND tỉnh trước ngày 22 tháng 02 năm 2026.", "trước ngày 22 tháng 02 năm 2026", date(2026, 2, 22)),
    ("chậm nhất ngày 30/6 báo cáo kết quả.", "chậm nhất ngày 30/6", date(2025, 6, 30)),
    ("trình UBND tỉnh trước ngày 15/12.", "trước ngày 15/12", date(2025, 12, 15)),
    ("trình UBND tỉnh trước ngày 15/02.", "trước ngày 15/02", date(2026, 2, 15)),  # already past this year
    ("Báo cáo trước 17 giờ ngày 30/6/2025.", "trước 17 giờ ngày 30/6/2025", date(2025, 6, 30)),
    ("gửi về Sở trước 12 giờ ngày 5-10.", "trước 12 giờ ngày 5-10", date(2025, 10, 5)),
    ("gửi báo cáo trước 17h00 ngày 20/3/2025.", "trước 17h00 ngày 20/3/2025", date(2025, 3, 20)),
    ("báo cáo kết quả trước 12 giờ hôm nay.", "trước 12 giờ hôm nay", ISSUED),
    ("tổng hợp, báo cáo trong ngày.", "trong ngày", ISSUED),
    ("hạn chót 30/4/2025.", "hạn chót 30/4/2025", date(2025, 4, 30)),
    ("hạn chót là ngày 30/4.", "hạn chót là ngày 30/4", date(2025, 4, 30)),
    ("gửi không muộn hơn ngày 31/5/2025.", "không muộn hơn ngày 31/5/2025", date(2025, 5, 31)),
    ("hoàn thành chậm nhất trước ngày 31/12/2025; xây dựng lại nhà", "chậm nhất trước ngày 31/12/2025",
     date(2025, 12, 31)),
    ("thực hiện đến hết ngày 31/12/2025.", "đến hết ngày 31/12/2025", date(2025, 12, 31)),
    ("hoàn thành trong tháng 3/2025.", "trong tháng 3/2025", date(2025, 3, 31)),
    ("báo cáo trong tháng 11 năm 2025.", "trong tháng 11 năm 2025", date(2025, 11, 30)),
    ("hoàn thành trong tháng 4.", "trong tháng 4", date(2025, 4, 30)),
    ("kết quả thực hiện vào cuối tháng 2/2026.", "cuối tháng 2/2026", date(2026, 2, 28)),
    ("báo cáo vào đầu tháng 4/2025.", "đầu tháng 4/2025", date(2025, 4, 10)),
    ("báo cáo giữa tháng 4/2025.", "giữa tháng 4/2025", date(2025, 4, 20)),
    ("hoàn thành trong quý I/2026.", "trong quý I/2026", date(2026, 3, 31)),
    ("hoàn thành trong quý II năm 2025.", "trong quý II năm 2025", date(2025, 6, 30)),
    ("hoàn thành trong quý 3 năm 2025.", "trong quý 3 năm 2025", date(2025, 9, 30)),
    ("hoàn thành trong quý IV.", "trong quý IV", date(2025, 12, 31)),
    ("Thời gian hoàn thành: quý II năm 2024.", "quý II năm 2024", date(2024, 6, 30)),
    ("Thời gian thực hiện: Quý IV năm 2025 và các năm tiếp theo.", "Quý IV năm 2025 và các năm tiếp theo",
     date(2025, 12, 31)),
    ("Thời gian thực hiện: Năm 2026 và các năm tiếp theo.", "Năm 2026 và các năm tiếp theo", date(2026, 12, 31)),
    ("Phấn đấu đến hết 6 tháng đầu năm giải ngân đạt 50%.", "đến hết 6 tháng đầu năm", date(2025, 6, 30)),
    ("Thời gian hoàn thành: 6 tháng đầu năm 2024.", "6 tháng đầu năm 2024", date(2024, 6, 30)),
    ("hoàn thành trong 6 tháng cuối năm.", "trong 6 tháng cuối năm", date(2025, 12, 31)),
    ("hoàn thành trong 9 tháng đầu năm 2025.", "trong 9 tháng đầu năm 2025", date(2025, 9, 30)),
    ("hoàn thành trong năm 2025.", "trong năm 2025", date(2025, 12, 31)),
    ("bảo đảm mục tiêu đến hết năm 2026 cả nước có 1.700km", "đến hết năm 2026", date(2026, 12, 31)),
    ("Thời gian hoàn thành: năm 2024.", "năm 2024", date(2024, 12, 31)),
    ("Sở X | Sở Y | Năm 2026", "Năm 2026", date(2026, 12, 31)),
    ("Sở X | Sở Y | Tháng 6/2023", "Tháng 6/2023", date(2023, 6, 30)),
    ("Sở X | Sở Y | Hoàn thành trong tháng 6/2026", "Hoàn thành trong tháng 6/2026", date(2026, 6, 30)),
    ("c) Thời gian thực hiện: Hoàn thành trong năm 2025.", "Hoàn thành trong năm 2025", date(2025, 12, 31)),
    ("các tuyến cao tốc bảo đảm thông xe kỹ thuật năm 2025 góp phần", "thông xe kỹ thuật năm 2025", date(2025, 12, 31)),
    ("báo cáo trong thời hạn 10 ngày kể từ ngày ký văn bản này.", "trong thời hạn 10 ngày kể từ ngày ký văn bản này",
     date(2025, 3, 20)),
    ("trong vòng 15 ngày kể từ ngày ban hành Quyết định này.", "trong vòng 15 ngày kể từ ngày ban hành Quyết định này",
     date(2025, 3, 25)),
    ("bàn giao mặt bằng trong 05 ngày làm việc.", "trong 05 ngày làm việc", date(2025, 3, 17)),
    ("báo cáo trong năm ngày làm việc.", "trong năm ngày làm việc", date(2025, 3, 17)),
    ("hoàn thành trước Tết Nguyên đán Ất Tỵ.", "trước Tết Nguyên đán Ất Tỵ", date(2025, 1, 28)),
    ("hoàn thành trước Tết Nguyên đán.", "trước Tết Nguyên đán", date(2026, 2, 16)),
    ("hoàn thành trước Tết Nguyên đán năm 2026.", "trước Tết Nguyên đán năm 2026", date(2026, 2, 16)),
    ("hoàn thành trước ngày 25 tháng Chạp.", "trước ngày 25 tháng Chạp", date(2026, 2, 12)),
    ("hoàn thành trước ngày 30 tháng Chạp năm Giáp Thìn.", "trước ngày 30 tháng Chạp năm Giáp Thìn", date(2025, 1, 28)),
    ("trình kỳ họp HĐND tỉnh dự kiến tổ chức cuối tháng 7/2025.", "cuối tháng 7/2025", date(2025, 7, 31)),
    ("báo cáo Chủ tịch UBND tỉnh tại cuộc họp giao ban tháng 4/2025.", "tại cuộc họp giao ban tháng 4/2025",
     date(2025, 4, 30)),
    ("tổ chức lễ khởi công vào ngày 19/5/2025.", "vào ngày 19/5/2025", date(2025, 5, 19)),
    ("báo cáo trước ngày 15 tháng 11 năm 2024.", "trước ngày 15 tháng 11 năm 2024",
     date(2024, 11, 15)),  # before issue: kept
]


DATED += [
    ("- Thời gian thực hiện: Từ tháng 01/2026 đến tháng 6/2026.", "Từ tháng 01/2026 đến tháng 6/2026",
     date(2026, 6, 30)),
    ("hoàn thành trước mùng 10 Tết.", "trước mùng 10 Tết", date(2026, 2, 26)),  # 10 Giêng 2025 is past
    ("báo cáo trước 16h30' ngày 15/4/2025.", "trước 16h30' ngày 15/4/2025", date(2025, 4, 15)),
    ("hạn cuối cùng là ngày 20/4/2025.", "hạn cuối cùng là ngày 20/4/2025", date(2025, 4, 20)),
    ("hoàn thành trước cuối năm 2026.", "trước cuối năm 2026", date(2026, 12, 31)),
    ("phải được hoàn thành trong năm 2025.", "trong năm 2025", date(2025, 12, 31)),
    ("Thời hạn hoàn thành: 30/6/2025.", "30/6/2025", date(2025, 6, 30)),
    ("báo cáo trong tháng này.", "trong tháng này", date(2025, 3, 31)),
    ("hoàn thành trong quý này.", "trong quý này", date(2025, 3, 31)),
    ("hoàn thành trong năm nay.", "trong năm nay", date(2025, 12, 31)),
    ("chậm nhất sau 10 ngày kể từ ngày nhận được văn bản.", "chậm nhất sau 10 ngày kể từ ngày nhận được văn bản",
     date(2025, 3, 20)),
    ("báo cáo trong 02 tuần.", "trong 02 tuần", date(2025, 3, 24)),
    ("báo cáo kết quả chậm nhất đến ngày 30/4/2025.", "chậm nhất đến ngày 30/4/2025", date(2025, 4, 30)),
    ("gửi về Sở Nội vụ trước thứ Sáu, ngày 14/3/2025.", "trước thứ Sáu, ngày 14/3/2025", date(2025, 3, 14)),
    ("xử lý dứt điểm trong vòng 24 giờ.", "trong vòng 24 giờ", date(2025, 3, 11)),
    ("Thời gian thực hiện: Quý IV/2025 - Quý I/2026", "Quý IV/2025 - Quý I/2026", date(2026, 3, 31)),
    ("báo cáo UBND tỉnh (qua Sở Nội vụ) trước ngày 30/4/2025 để Sở Nội vụ tổng hợp, báo cáo Bộ Nội vụ trước ngày"
     " 05/5/2025.",
     "trước ngày 30/4/2025", date(2025, 4, 30)),
    ("giải ngân hết số vốn để đầu tư hạ tầng, báo cáo Thủ tướng Chính phủ kết quả thực hiện trong Quý I năm 2026.",
     "trong Quý I năm 2026", date(2026, 3, 31)),
    ("5. Về điều chuyển số vốn không giải ngân trong năm 2025 (1.500 tỷ đồng): UBND tỉnh báo cáo trong Quý I năm 2026.",
     "trong Quý I năm 2026", date(2026, 3, 31)),
    ("hoàn thành trước ngày 15 tháng 12 năm 2025 và định kỳ hằng năm.", "trước ngày 15 tháng 12 năm 2025",
     date(2025, 12, 15)),
    ("hoàn thành việc chi trả trước Tết Nguyên đán Ất Tỵ 2025.", "trước Tết Nguyên đán Ất Tỵ 2025", date(2025, 1, 28)),
    ("trong thời hạn 05 ngày làm việc kể từ ngày nhận được Công văn này.",
     "trong thời hạn 05 ngày làm việc kể từ ngày nhận được Công văn này", date(2025, 3, 17)),
    ("- Thời gian thực hiện: 2026.", "2026", date(2026, 12, 31)),
    ("báo cáo trước 17 giờ 00 phút, ngày 25/3/2025 (thứ Ba).", "trước 17 giờ 00 phút, ngày 25/3/2025",
     date(2025, 3, 25)),
]


@pytest.mark.parametrize("text, phrase, deadline", DATED)
def test_dated_phrase(text, phrase, deadline):
    hit = pick(text)
    assert hit is not None
    assert (hit.text, hit.deadline, hit.recurrence) == (phrase, deadline, None)


# --- issue-date dependent resolutions ---------------------------------------

@pytest.mark.parametrize("text, issued, deadline", [
    ("hoàn thành trước Tết Nguyên đán Nhâm Dần.", date(2022, 1, 12), date(2022, 1, 31)),
    ("hoàn thành trước Tết Nguyên đán Tân Sửu.", date(2021, 1, 18), date(2021, 2, 11)),
    ("trước ngày 30 tháng Chạp năm Canh Tý.", date(2021, 1, 18), date(2021, 2, 11)),
    ("đưa vào sử dụng trước ngày 30 tháng Chạp.", date(2023, 12, 27), date(2024, 2, 9)),
    ("hoàn thành trước ngày 25 tháng Chạp năm Ất Tỵ.", date(2025, 12, 22), date(2026, 2, 12)),
    ("bàn giao mặt bằng trong 05 ngày làm việc.", date(2024, 8, 28), date(2024, 9, 6)),
    ("phục vụ nhân dân dịp Tết dương lịch 2026 và Tết Bính Ngọ.", date(2025, 11, 18), date(2025, 12, 31)),
])
def test_resolution_against_issue_date(text, issued, deadline):
    assert pick(text, issued).deadline == deadline


# --- recurrences -----------------------------------------------------------

RECURRING = [
    ("báo cáo UBND tỉnh trước ngày 20 hằng tháng.", "trước ngày 20 hằng tháng", "monthly:20", date(2025, 3, 20)),
    ("báo cáo trước ngày 5 hàng tháng.", "trước ngày 5 hàng tháng", "monthly:5", date(2025, 4, 5)),
    ("báo cáo hằng tháng, trước ngày 25.", "hằng tháng, trước ngày 25", "monthly:25", date(2025, 3, 25)),
    ("báo cáo UBND tỉnh định kỳ hằng quý (trước ngày 15 của tháng cuối quý).",
     "định kỳ hằng quý (trước ngày 15 của tháng cuối quý)", "quarterly:15", date(2025, 3, 15)),
    ("Định kỳ hằng quý (trước ngày 10 của tháng cuối quý), tổng hợp báo cáo.",
     "Định kỳ hằng quý (trước ngày 10 của tháng cuối quý)", "quarterly:10", date(2025, 3, 10)),
    ("báo cáo hằng năm trước ngày 15/12.", "hằng năm trước ngày 15/12", "yearly:12-15", date(2025, 12, 15)),
    ("Sở X | Hằng năm trước ngày 15/12", "Hằng năm trước ngày 15/12", "yearly:12-15", date(2025, 12, 15)),
    ("tổng hợp báo cáo trước ngày 25/12 hàng năm.", "trước ngày 25/12 hàng năm", "yearly:12-25", date(2025, 12, 25)),
    ("báo cáo trước ngày 10 tháng 12 hằng năm.", "trước ngày 10 tháng 12 hằng năm", "yearly:12-10", date(2025, 12, 10)),
    ("báo cáo vào thứ Sáu hằng tuần.", "vào thứ Sáu hằng tuần", "weekly:5", date(2025, 3, 14)),
    ("báo cáo trước 15 giờ thứ Năm hằng tuần.", "trước 15 giờ thứ Năm hằng tuần", "weekly:4", date(2025, 3, 13)),
    ("báo cáo hằng tuần vào thứ Hai.", "hằng tuần vào thứ Hai", "weekly:1", date(2025, 3, 10)),
    ("báo cáo hằng tuần.", "hằng tuần", "weekly", None),
    ("định kỳ hằng ngày báo cáo Sở Y tế.", "định kỳ hằng ngày", "daily", None),
    ("định kỳ hằng tháng báo cáo UBND tỉnh.", "định kỳ hằng tháng", "monthly", None),
    ("báo cáo kết quả thực hiện hằng năm theo quy định.", "hằng năm", "yearly", None),
    ("báo cáo hằng quý.", "hằng quý", "quarterly", None),
    ("báo cáo ngày 20 hằng tháng.", "ngày 20 hằng tháng", "monthly:20", date(2025, 3, 20)),
    ("báo cáo trước ngày 15 tháng cuối quý.", "trước ngày 15 tháng cuối quý", "quarterly:15", date(2025, 3, 15)),
    ("cập nhật trước 16 giờ hằng ngày.", "trước 16 giờ hằng ngày", "daily", None),
    ("tổ chức tổng kết trong tháng 12 hằng năm.", "trong tháng 12 hằng năm", "yearly:12-31", date(2025, 12, 31)),
    ("báo cáo hằng tháng (trước ngày 25).", "hằng tháng (trước ngày 25)", "monthly:25", date(2025, 3, 25)),
    ("báo cáo 6 tháng (trước ngày 15/6) và hằng năm (trước ngày 15/12).", "hằng năm (trước ngày 15/12)", "yearly:12-15",
     date(2025, 12, 15)),
]


@pytest.mark.parametrize("text, phrase, recurrence, deadline", RECURRING)
def test_recurring_phrase(text, phrase, recurrence, deadline):
    hit = pick(text)
    assert (hit.text, hit.recurrence, hit.deadline) == (phrase, recurrence, deadline)


def test_recurring_day_already_past_rolls_to_next_month():
    hit = pick("báo cáo trước ngày 15 hằng tháng.", date(2025, 11, 17))
    assert hit.deadline == date(2025, 12, 15)


@pytest.mark.parametrize("recurrence, on, expected", [
    ("monthly:20", date(2025, 3, 10), date(2025, 3, 20)),
    ("monthly:20", date(2025, 3, 21), date(2025, 4, 20)),
    ("monthly:31", date(2025, 2, 1), date(2025, 2, 28)),
    ("quarterly:15", date(2025, 3, 16), date(2025, 6, 15)),
    ("quarterly:15", date(2025, 12, 20), date(2026, 3, 15)),
    ("yearly:12-15", date(2025, 12, 16), date(2026, 12, 15)),
    ("yearly:02-29", date(2025, 1, 1), date(2028, 2, 29)),
    ("weekly:5", date(2025, 3, 10), date(2025, 3, 14)),
    ("weekly:1", date(2025, 3, 10), date(2025, 3, 10)),
    ("weekly:7", date(2025, 3, 10), date(2025, 3, 16)),
    ("daily", date(2025, 3, 10), date(2025, 3, 10)),
    ("monthly", date(2025, 3, 10), None),
    ("quarterly", date(2025, 3, 10), None),
    ("yearly", date(2025, 3, 10), None),
    ("weekly", date(2025, 3, 10), None),
    ("weekly:9", date(2025, 3, 10), None),
    ("nonsense:x", date(2025, 3, 10), None),
])
def test_resolve_recurrence_first(recurrence, on, expected):
    assert resolve_recurrence_first(recurrence, on) == expected


# --- unresolvable, urgent, ongoing -----------------------------------------

@pytest.mark.parametrize("text, phrase, urgent, ongoing", [
    ("triển khai ngay các biện pháp cấp bách.", "ngay", True, False),
    ("Sở TN&MT phải vào cuộc ngay, phối hợp với UBND huyện.", "ngay", True, False),
    ("UBND xã khẩn trương gia cố tạm các đoạn bờ kè.", "khẩn trương", True, False),
    ("xử lý gấp các trường hợp vi phạm.", "gấp", True, False),
    ("Thường xuyên tuần tra, kiểm soát.", "Thường xuyên", False, True),
    ("Sở TT&TT thường xuyên tuyên truyền.", "thường xuyên", False, True),
    ("Sở X | Sở Y | Thường xuyên", "Thường xuyên", False, True),
    ("c) Thời gian thực hiện: Thực hiện thường xuyên .", "Thực hiện thường xuyên", False, True),
])
def test_markers(text, phrase, urgent, ongoing):
    hit = pick(text)
    assert (hit.text, hit.deadline, hit.urgent, hit.ongoing) == (phrase, None, urgent, ongoing)


@pytest.mark.parametrize("text, phrase", [
    ("Trong thời hạn 15 ngày làm việc kể từ ngày nhận được hồ sơ hợp lệ, cơ quan giải quyết.",
     "Trong thời hạn 15 ngày làm việc"),  # counted from an event the text does not date
    ("trình HĐND tỉnh quyết định trước kỳ họp HĐND tỉnh cuối năm.", "trước kỳ họp HĐND tỉnh cuối năm"),
    ("Sở X | Trước kỳ họp HĐND tỉnh cuối năm 2026", "Trước kỳ họp HĐND tỉnh cuối năm 2026"),
    ("nghiên cứu chính sách trong thời gian tới, báo cáo cấp có thẩm quyền.", "trong thời gian tới"),
    ("- Thời gian thực hiện: Theo tiến độ xây dựng dự thảo văn bản của cơ quan chủ trì soạn thảo.",
     "Theo tiến độ xây dựng dự thảo văn bản của cơ quan chủ trì soạn thảo"),
    ("Thời gian thực hiện sau khi Chiến lược tiêu chuẩn quốc gia được ban hành.",
     "sau khi Chiến lược tiêu chuẩn quốc gia được ban hành"),
    ("kiểm tra theo định kỳ hoặc đột xuất đối với các tổ chức.", "theo định kỳ hoặc đột xuất"),
    ("thực hiện các nhiệm vụ, giải pháp trên các lĩnh vực trong 02 tháng cuối năm 2025 và những tháng đầu năm 2026 "
     "theo",
     "trong 02 tháng cuối năm 2025 và những tháng đầu năm 2026"),
])
def test_unresolvable_keeps_text(text, phrase):
    hit = pick(text)
    assert (hit.text, hit.deadline, hit.recurrence) == (phrase, None, None)


def test_explicit_date_wins_over_urgency():
    hit = pick("Yêu cầu khẩn trương hoàn thành, báo cáo trước ngày 30/4/2025.")
    assert hit.deadline == date(2025, 4, 30)


def test_last_dated_phrase_wins():
    text = "báo cáo kết quả thực hiện 6 tháng đầu năm trước ngày 10/7/2025."
    assert pick(text).text == "trước ngày 10/7/2025"
    text = "hoàn thành trước ngày 10/10/2025; tổng hợp, báo cáo tình hình giải ngân trước ngày 20 hằng tháng."
    assert [h.text for h in find_deadlines(text, ISSUED)] == ["trước ngày 10/10/2025", "trước ngày 20 hằng tháng"]
    assert pick(text).recurrence == "monthly:20"


def test_recurrence_beats_later_urgency():
    text = "báo cáo UBND tỉnh trước ngày 20 hằng tháng; trường hợp có tình huống đột xuất phải báo cáo ngay."
    assert pick(text).recurrence == "monthly:20"


def test_no_phrase_gives_none():
    assert pick("Sở Y tế chủ trì, phối hợp với các đơn vị liên quan triển khai thực hiện.") is None


# --- distractors: no dated hit ---------------------------------------------

DISTRACTORS = [
    "Tổng thu ngân sách tăng 7,5% so với cùng kỳ.",
    "Toàn tỉnh đạt 12/22 chỉ tiêu, 45/126 dự án đã giải ngân.",
    "kiểm tra 01 lần/năm đối với mỗi cơ sở.",
    "thực hiện Nghị quyết số 128/NQ-CP ngày 11/10/2021 của Chính phủ.",
    "theo Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015.",
    "triển khai Kế hoạch số 12/KH-UBND ngày 05/01/2025 của UBND tỉnh.",
    "Thông báo số 75-TB/VPTW ngày 04 tháng 8 năm 2025 của Văn phòng Trung ương.",
    "Hội nghị khai mạc lúc 14 giờ 00 ngày 20/3/2025.",
    "Hội nghị kết thúc lúc 17:45.",
    "số liệu tính đến ngày 31/8/2025.",
    "Đến ngày 31/8/2025, toàn tỉnh giải ngân được 40%.",
    "mưa lớn diện rộng từ 16-22/11/2025.",
    "bảo đảm an ninh, trật tự trước, trong và sau Tết.",
    "giải ngân vốn đầu tư công năm 2025.",
    "quyết toán các dự án đã hoàn thành trước năm 2022.",
    "kế hoạch đầu tư công trung hạn giai đoạn 2021 - 2025.",
    "phấn đấu đến năm 2030 hoàn thành 5.000 km đường cao tốc.",
    "các nhiệm vụ được giao trong năm 2025 phải hoàn thành đúng tiến độ.",
    "Đối với các nhiệm vụ triển khai trong năm 2025, các sở chủ động bố trí kinh phí.",
    "khẩn trương thanh toán khối lượng hoàn thành năm 2024.",
    "các dự án cao tốc có kế hoạch hoàn thành năm 2025.",
    "báo cáo kết quả thực hiện 6 tháng đầu năm.",
    "đỉnh triều dự báo đạt 3,65 m, xuất hiện vào khoảng 16 giờ 00 đến 18 giờ 00 hằng ngày.",
    "theo Nghị quyết hằng năm của Hội đồng nhân dân thành phố.",
    "sử dụng từ định mức chi thường xuyên ngân sách hằng năm.",
    "phấn đấu sản lượng mỗi tháng đạt tối thiểu 20%.",
    "Năm 2024, tốc độ tăng trưởng kinh tế đạt 7,2%.",
    "Ngày 11/9/2025, tại trụ sở UBND tỉnh, đồng chí Chủ tịch chủ trì cuộc họp.",
    "Ngày 08 tháng 11 năm 2025, Thủ tướng Chính phủ chủ trì Phiên họp.",
    "Dịp Tết Canh Tý năm 2020, 100% hộ nghèo đã được thăm hỏi.",
    "Cuối tháng 10 và tháng 11 vừa qua, đã liên tiếp xảy ra thiên tai.",
    "Từ nay đến hết năm 2025 chỉ còn gần 2 tháng.",
    "Sau 04 tháng vận hành, chính quyền địa phương hoạt động thông suốt.",
    "các công trình khánh thành, khởi công dịp 19 tháng 12 năm 2025.",
    "thời gian trong tuần ngày 15 đến ngày 31 tháng 12 năm 2025.",
    "theo chỉ đạo tại Hội nghị trực tuyến Chính phủ với các địa phương ngày 07 tháng 11 năm 2025",
    "28/08/2024 19:20",
    "hỗ trợ 1.500 hộ với tổng kinh phí 7.5 tỷ đồng.",
    "Giá trị sản xuất đạt 3/5 kế hoạch.",
    "tháng 6 năm 2025 đã tổ chức",
    "tiếp tục được xử lý trong năm 2025 và chuyển sang năm 2026",
    "các dự án đã hoàn thành trong năm 2024 phải quyết toán",
    "được giao trong tháng 12 năm 2025",
    "từ ngày 20/10 đến ngày 26/10/2025, khu vực ven biển chịu ảnh hưởng triều cường",
    "xử lý dứt điểm ngay tại công trường, triển khai ngay từ giai đoạn đầu",
    "Trong 6 tháng đầu năm 2025, toàn tỉnh đã giải ngân được 40% kế hoạch vốn.",
    "UBND thành phố đã chỉ đạo các cơ quan hoàn thành việc cập nhật trước ngày 30 tháng 10 năm 2025.",
    "bảo đảm ổn định cuộc sống hằng ngày của người dân.",
    "Giao Sở Tài chính chủ trì rà soát; phấn đấu đến năm 2030 tỷ lệ đô thị hóa đạt 50%.",
]


@pytest.mark.parametrize("text", DISTRACTORS)
def test_distractor_has_no_dated_hit(text):
    issued = date(2025, 11, 20)
    assert [h for h in find_deadlines(text, issued) if h.deadline or h.recurrence] == []


# --- properties --------------------------------------------------------------

_VOCAB = ["trước", "ngày", "tháng", "năm", "quý", "hằng", "hàng", "trong", "đến hết", "chậm nhất", "Tết",
          "Nguyên đán", "Chạp", "15/12", "30/6/2025", "2025", "II", "IV", "giờ", "17h00", "ngay", "khẩn trương",
          "thường xuyên", "kể từ", "làm việc", "05", "|", ":", ",", ".", "(", ")", "\n", "số", "/NQ-CP",
          "Thời gian thực hiện:", "sau khi", "ban hành", "kỳ họp", "cuối", "đầu", "giữa", "6", "31", "-"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCAB), max_size=40), st.dates(min_value=date(1995, 1, 1), max_value=date(2055, 1, 1)))
def test_never_raises_and_spans_are_exact_on_vocabulary(words, issued):
    text = " ".join(words)
    _check_invariants(text, issued)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.dates(min_value=date(1995, 1, 1), max_value=date(2055, 1, 1)))
def test_never_raises_on_arbitrary_text(text, issued):
    _check_invariants(text, issued)


def _check_invariants(text, issued):
    hits = find_deadlines(text, issued)
    assert hits == find_deadlines(text, issued)  # deterministic
    previous_end = 0
    for h in hits:
        assert isinstance(h, DeadlineHit)
        assert 0 <= h.start < h.end <= len(text)
        assert text[h.start:h.end] == h.text
        assert h.start >= previous_end  # in text order, non-overlapping
        previous_end = h.end
        assert not (h.deadline is None and h.recurrence and ":" in h.recurrence)
    picked = pick_deadline(text, issued)
    assert picked is None or picked in hits


def test_long_punctuation_line_is_fast():
    text = "./-:,;|()" * 11_500  # ~100 kB
    with hang_guard():  # a hang only; no time bound in tests (issue 11, finding 12): bench/ keeps speed
        find_deadlines(text, ISSUED)


def test_long_repetitive_inputs_are_fast():
    for text in ("trước ngày " * 8000, "1/1/1 " * 15000, "sau khi " * 10000, "Thời gian: " * 8000,
                 "hằng năm " * 11000, "Thời gian: thường xuyên\n" * 4000, "trước ngày 15/12/2025 " * 4500,
                 "Tết " * 25000, "Về " * 30000 + ": trước ngày 1/1/2025"):
        with hang_guard(what=repr(text[:20])):
            find_deadlines(text, ISSUED)


def test_throughput_under_5ms_per_1000_words():
    paragraph = (
        "Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp với Sở Tài chính và các đơn vị liên quan rà soát kế hoạch "
        "vốn đầu tư công năm 2025 theo Nghị quyết số 128/NQ-CP ngày 11/10/2021 của Chính phủ, bảo đảm tỷ lệ giải "
        "ngân tăng 7,5% so với cùng kỳ; tham mưu UBND tỉnh điều chuyển vốn của các dự án chậm tiến độ, hoàn thành "
        "trước ngày 15/02/2026. Các sở, ban, ngành thường xuyên theo dõi, đôn đốc các chủ đầu tư đẩy nhanh tiến "
        "độ thi công, kịp thời tháo gỡ khó khăn, vướng mắc cho doanh nghiệp và người dân trên địa bàn tỉnh; định "
        "kỳ tổng hợp, báo cáo UBND tỉnh kết quả thực hiện trước ngày 20 hằng tháng. UBND các xã, phường tăng "
        "cường công tác tuyên truyền, vận động Nhân dân chấp hành tốt các quy định của pháp luật về đất đai, "
        "xây dựng, môi trường; chủ động phối hợp với các cơ quan chức năng xử lý nghiêm các trường hợp vi phạm.\n"
    )
    text = paragraph * 12
    words = len(text.split())
    # The 5 ms per 1,000 words target is measured by bench/, not asserted here (a loaded CI machine
    # would fail it); this keeps the input's results and catches a hang.
    with hang_guard():
        hits = find_deadlines(text, ISSUED)
    assert words > 1000 and len(hits) >= 12
