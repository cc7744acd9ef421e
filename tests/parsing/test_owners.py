"""Owners: lead and coordinators, headings, requesters, heads of bodies, groups."""
import pytest

from tracker.parsing import parse_directive
from tracker.parsing.owners import find_agencies, scan_agency, split_agency_list
from tracker.parsing.registry import Registry, fold, resolve_unit

ISSUED = "2022-01-12"


def tasks(text, **kw):
    return parse_directive(text, issued=ISSUED, **kw)["tasks"]


def only(text, **kw):
    got = tasks(text, **kw)
    assert len(got) == 1, got
    return got[0]


@pytest.mark.parametrize("phrase, expected", [
    ("Sở Nông nghiệp và Phát triển nông thôn chủ trì", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("Sở Văn hóa, Thể thao và Du lịch tổ chức", "Sở Văn hóa, Thể thao và Du lịch"),
    ("UBND các huyện, thị xã, thành phố triển khai", "UBND các huyện, thị xã, thành phố"),
    ("BQL Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn bố trí", "BQL Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn"),
    ("Ngân hàng Nhà nước Việt Nam - Chi nhánh tỉnh Đồng Tháp chỉ đạo", "Ngân hàng Nhà nước Việt Nam - Chi nhánh tỉnh Đồng Tháp"),
    ("UBND huyện Năm Căn tập trung hoàn thành", "UBND huyện Năm Căn"),
    ("Sở LĐ-TB&XH:", "Sở LĐ-TB&XH"),
    ("Giám đốc Sở Y tế chỉ đạo", "Sở Y tế"),
    ("Thủ trưởng các sở, ban, ngành nghiêm túc", "các sở, ban, ngành"),
    ("Ủy ban nhân dân các xã, phường và đặc khu thực hiện", "Ủy ban nhân dân các xã, phường và đặc khu"),
])
def test_agency_phrase_ends_at_the_verb(phrase, expected):
    ag = scan_agency(phrase, 0)
    assert ag is not None and ag.text == expected


def test_verbs_that_look_like_heads_are_not_agencies():
    assert scan_agency("Tổ chức kiểm tra an toàn", 0) is None
    assert scan_agency("Ban hành Kế hoạch", 0) is None
    assert scan_agency("Hội nghị kết thúc lúc 17 giờ", 0) is None


def test_coordinators_share_head_nouns():
    s = "Sở TT&TT, Công an tỉnh và UBND các huyện, thành phố Cà Mau tiếp tục"
    assert split_agency_list(s, 0, len(s)) == ["Sở TT&TT", "Công an tỉnh", "UBND các huyện, thành phố Cà Mau"]


def test_lead_and_coordinators():
    t = only("1. Giao Sở Y tế chủ trì, phối hợp với Sở TT&TT, Công an tỉnh và các đơn vị liên quan triển khai tiêm vắc-xin.")
    assert t["owner"] == "Sở Y tế"
    assert t["co_owners"] == ["Sở TT&TT", "Công an tỉnh", "các đơn vị liên quan"]
    assert t["action"].startswith("Triển khai tiêm")
    assert "trigger:giao" in t["reasons"]


def test_agency_heading_gives_owner_to_sub_items():
    text = "2. Công an tỉnh:\na) Chủ trì, phối hợp với BCH Quân sự tỉnh triển khai ngay kế hoạch.\nb) Thường xuyên tuần tra, kiểm soát."
    got = tasks(text)
    assert [t["owner"] for t in got] == ["Công an tỉnh", "Công an tỉnh"]
    assert got[0]["co_owners"] == ["BCH Quân sự tỉnh"]
    assert got[0]["urgent"] is True


def test_group_heading_with_semicolon_is_one_owner():
    text = "1. Các sở, ban, ngành; UBND các huyện, thành phố:\n- Xây dựng kế hoạch, gửi Sở KH&ĐT."
    assert only(text)["owner"] == "Các sở, ban, ngành; UBND các huyện, thành phố"


def test_requester_is_not_owner():
    t = only("Chủ tịch UBND tỉnh yêu cầu Công an tỉnh tăng cường bảo đảm an ninh, trật tự.")
    assert t["owner"] == "Công an tỉnh"


def test_proposal_to_the_province_is_no_task():
    assert tasks("Giám đốc Sở Công Thương đề nghị UBND tỉnh sớm ban hành quy chế phối hợp.") == []


def test_department_directing_its_units_keeps_the_owner():
    t = only("5. Sở NN&PTNT chỉ đạo các đơn vị chuyên môn hướng dẫn người dân phòng, chống rét.")
    assert t["owner"] == "Sở NN&PTNT"


def test_carried_over_owner():
    text = "6. UBND thành phố Cà Mau trang trí đèn, hoa trên các tuyến đường. Đồng thời, chỉ đạo UBND xã Tân Thành tổ chức tổng vệ sinh môi trường."
    got = tasks(text)
    assert [t["owner"] for t in got] == ["UBND thành phố Cà Mau", "UBND thành phố Cà Mau"]
    assert "owner_carried_over" in got[1]["reasons"]


def test_head_of_body_maps_to_body():
    t = only("b) Giao đồng chí Bộ trưởng Bộ Xây dựng trực tiếp chỉ đạo kiểm tra, rà soát các dự án.")
    assert t["owner"] == "Bộ Xây dựng"


def test_shared_head_noun_list_after_colon():
    t = only("8. Các Bộ, cơ quan: Tài chính, Xây dựng, Nội vụ theo chức năng, nhiệm vụ được giao khẩn trương hướng dẫn tỉnh.")
    assert t["owner"] == "Bộ Tài chính"


def test_statistics_praise_and_intentions_are_no_tasks():
    text = ("Năm 2021, các cấp, các ngành đã nỗ lực vừa phòng, chống dịch. "
            "Chủ tịch UBND tỉnh ghi nhận, biểu dương sự nỗ lực của các sở, ngành. "
            "Năm 2022, Tỉnh ủy sẽ tăng cường công tác kiểm tra, giám sát.")
    assert tasks(text) == []


def test_closing_boilerplate_is_no_task():
    text = ("Yêu cầu Thủ trưởng các sở, ban, ngành, Chủ tịch UBND các huyện nghiêm túc triển khai thực hiện Chỉ thị này./.\n"
            "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan kịp thời báo cáo UBND tỉnh.")
    assert tasks(text) == []


def test_plan_item_with_inline_attributes():
    text = "1. Xây dựng Quy chế vận hành IOC tỉnh. Chủ trì: Sở TT&TT; phối hợp: Văn phòng UBND tỉnh, Sở Nội vụ. Thời gian hoàn thành: quý II năm 2024."
    t = only(text)
    assert t["owner"] == "Sở TT&TT"
    assert t["co_owners"] == ["Văn phòng UBND tỉnh", "Sở Nội vụ"]
    assert t["deadline"] == "2024-06-30"


def test_plan_block_layout():
    text = ("a) Nhiệm vụ: Rà soát, hoàn thiện Chiến lược dữ liệu.\nb) Cơ quan thực hiện:\n"
            "- Đơn vị chủ trì: Sở Khoa học và Công nghệ.\n- Đơn vị phối hợp: Các Sở, ban, ngành.\n"
            "c) Thời gian thực hiện: Hoàn thành trong năm 2025.")
    t = only(text)
    assert t["owner"] == "Sở Khoa học và Công nghệ"
    assert t["deadline"] == "2025-12-31"


def test_table_rows():
    text = ("STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành\n"
            "1 | Công khai kế hoạch sử dụng đất | Sở TN&MT | UBND các huyện, thị xã, thành phố | Trước ngày 30/5/2023")
    t = only(text)
    assert t["owner"] == "Sở TN&MT"
    assert t["deadline"] == "2023-05-30"
    assert t["unit"]["code"] == "SNNMT"


def test_unknown_agency_is_kept_with_lower_confidence():
    known = only("Giao Sở Y tế kiểm tra an toàn thực phẩm.")
    unknown = only("Giao Cục Hải quan tỉnh bố trí đủ công chức làm thủ tục.")
    assert unknown["owner"] == "Cục Hải quan tỉnh" and unknown["unit"] is None
    assert unknown["confidence"] < known["confidence"]
    assert "owner_not_in_registry" in unknown["reasons"]


def test_registry_resolution_ignores_case_diacritics_and_abbreviations():
    assert resolve_unit("Sở KH&ĐT")["code"] == "STC"
    assert resolve_unit("sở ke hoach va dau tu")["code"] == "STC"
    assert resolve_unit("Ủy ban nhân dân xã Đất Mũi")["code"] == "X_DAT_MUI"
    assert resolve_unit("Sở Y tế tỉnh Cà Mau")["code"] == "SYT"
    assert resolve_unit("Tập đoàn Đèo Cả") is None


def test_caller_registry_is_used():
    units = [{"id": 7, "code": "HQ", "name": "Cục Hải quan tỉnh", "short": "HQ", "kind": "other", "aliases": []}]
    t = only("Giao Cục Hải quan tỉnh bố trí đủ công chức làm thủ tục.", units=units)
    assert t["unit"] == {"code": "HQ", "name": "Cục Hải quan tỉnh", "id": 7}
    assert Registry(units).lookup("cuc hai quan tinh")["code"] == "HQ"


def test_fold():
    assert fold("Sở Giáo dục và Đào tạo") == "so giao duc va dao tao"


def test_find_agencies_in_order():
    s = "Sở Công Thương chủ trì, phối hợp với Sở Tài chính, Cục Quản lý thị trường tỉnh và các đơn vị liên quan"
    assert [a.text for a in find_agencies(s)] == ["Sở Công Thương", "Sở Tài chính", "Cục Quản lý thị trường tỉnh", "các đơn vị liên quan"]
