"""Header facts: number and code, kind, title, issuer, signer, issue date."""
from datetime import date

from tracker.parsing import parse_directive
from tracker.parsing.header import parse_header

TBKL = """UBND TỈNH CÀ MAU
VĂN PHÒNG

Số: 09/TB-VP

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Cà Mau, ngày 12 tháng 01 năm 2022

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh tại cuộc họp giao ban

1. Giao Sở Y tế kiểm tra an toàn thực phẩm.

KT. CHÁNH VĂN PHÒNG
PHÓ CHÁNH VĂN PHÒNG
"""

CONG_VAN = """ỦY BAN NHÂN DÂN
TỈNH ĐỒNG THÁP

Số: 156/UBND-KT
V/v triển khai Chương trình phục hồi kinh tế

Đồng Tháp, ngày 09 tháng 3 năm 2022

Kính gửi:
- Các sở, ban, ngành tỉnh;
- UBND các huyện, thành phố.

1. Sở Tài chính chủ trì theo dõi, tổng hợp.
"""


def test_thong_bao_header():
    h = parse_header(TBKL)
    assert h["code"] == "09/TB-VP" and h["number"] == "09"
    assert h["kind"] == "thong_bao_ket_luan"
    assert h["title"].startswith("Kết luận của Chủ tịch UBND tỉnh")
    assert h["issuer"] == "UBND TỈNH CÀ MAU VĂN PHÒNG"
    assert h["issued"] == "2022-01-12"
    assert "CHÁNH VĂN PHÒNG" in h["signer"]


def test_cong_van_header_and_subject_line():
    h = parse_header(CONG_VAN)
    assert h["code"] == "156/UBND-KT" and h["kind"] == "cong_van"
    assert h["title"] == "triển khai Chương trình phục hồi kinh tế"
    assert h["issued"] == "2022-03-09"


def test_issued_argument_wins():
    h = parse_header(TBKL, date(2022, 2, 1))
    assert h["issued"] == "2022-02-01"


def test_addressee_list_is_not_tasks():
    got = parse_directive(CONG_VAN).to_dict()["tasks"]
    assert [t["owner"] for t in got] == ["Sở Tài chính"]


def test_document_keys():
    doc = parse_directive(TBKL).to_dict()["document"]
    assert set(doc) == {"number", "code", "kind", "title", "issuer", "signer", "issued"}


def test_news_without_header():
    h = parse_header("BẢO ĐẢM THÔNG QUAN\n\nCập nhật lúc 17:45 ngày 27/12/2023\n\nChiều 27/12, UBND tỉnh tổ chức hội"
                     " nghị.")
    assert h["kind"] == "news" and h["code"] is None
    assert h["issued"] == "2023-12-27"


def test_signer_name_below_the_titles():
    h = parse_header(TBKL + "\n\nNguyễn Văn An\n")
    assert h["signer"].endswith("PHÓ CHÁNH VĂN PHÒNG Nguyễn Văn An")


def test_the_body_signed_for_is_not_the_signer():
    from tracker.parsing.header import parse_header
    text = ("ỦY BAN NHÂN DÂN TỈNH X\n\nGiao Sở Y tế kiểm tra.\n\nTM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ"
            " TỊCH\n\nPhạm Văn Thịnh\n")
    assert parse_header(text)["signer"] == "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Phạm Văn Thịnh"
    assert parse_header("ỦY BAN NHÂN DÂN TỈNH X\n\nGiao Sở Y tế kiểm tra.\n\nTM. ỦY BAN NHÂN DÂN\n")["signer"] is None
