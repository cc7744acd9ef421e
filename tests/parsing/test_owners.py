"""Owners: lead and coordinators, headings, requesters, heads of bodies, groups."""
import pytest

from tracker.parsing import parse_directive
from tracker.parsing.owners import find_agencies
from tracker.parsing.owners import scan_agency
from tracker.parsing.owners import split_agency_list
from tracker.parsing.registry import Registry
from tracker.parsing.registry import fold
from tracker.parsing.registry import resolve_unit

ISSUED = "2022-01-12"


def tasks(text, **kw):
    return parse_directive(text, issued=ISSUED, **kw).to_dict()["tasks"]


def only(text, **kw):
    got = tasks(text, **kw)
    assert len(got) == 1, got
    return got[0]


@pytest.mark.parametrize("phrase, expected", [
    ("Sở Nông nghiệp và Phát triển nông thôn chủ trì", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("Sở Văn hóa, Thể thao và Du lịch tổ chức", "Sở Văn hóa, Thể thao và Du lịch"),
    ("UBND các huyện, thị xã, thành phố triển khai", "UBND các huyện, thị xã, thành phố"),
    ("BQL Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn bố trí", "BQL Khu kinh tế cửa khẩu Đồng Đăng - Lạng Sơn"),
    ("Ngân hàng Nhà nước Việt Nam - Chi nhánh tỉnh Đồng Tháp chỉ đạo", "Ngân hàng Nhà nước Việt Nam - Chi nhánh tỉnh"
                                                                       " Đồng Tháp"),
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
    t = only("1. Giao Sở Y tế chủ trì, phối hợp với Sở TT&TT, Công an tỉnh và các đơn vị liên quan triển khai tiêm"
             " vắc-xin.")
    assert t["owner"] == "Sở Y tế"
    assert t["co_owners"] == ["Sở TT&TT", "Công an tỉnh", "các đơn vị liên quan"]
    assert t["action"].startswith("Triển khai tiêm")
    assert "trigger:giao" in t["reasons"]


def test_agency_heading_gives_owner_to_sub_items():
    text = ("2. Công an tỉnh:\na) Chủ trì, phối hợp với BCH Quân sự tỉnh triển khai ngay kế hoạch.\nb) Thường xuyên"
            " tuần tra, kiểm soát.")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["Công an tỉnh", "Công an tỉnh"]
    assert got[0]["co_owners"] == ["BCH Quân sự tỉnh"]
    assert got[0]["urgent"] is False   # "triển khai ngay" is urging; no mark, no same-day deadline


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
    text = ("6. UBND thành phố Cà Mau trang trí đèn, hoa trên các tuyến đường. Đồng thời, chỉ đạo UBND xã Tân Thành tổ"
            " chức tổng vệ sinh môi trường.")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["UBND thành phố Cà Mau", "UBND thành phố Cà Mau"]
    assert "owner_carried_over" in got[1]["reasons"]


def test_head_of_body_maps_to_body():
    t = only("b) Giao đồng chí Bộ trưởng Bộ Xây dựng trực tiếp chỉ đạo kiểm tra, rà soát các dự án.")
    assert t["owner"] == "Bộ Xây dựng"


def test_shared_head_noun_list_after_colon():
    t = only("8. Các Bộ, cơ quan: Tài chính, Xây dựng, Nội vụ theo chức năng, nhiệm vụ được giao khẩn trương hướng dẫn"
             " tỉnh.")
    assert t["owner"] == "Bộ Tài chính"


def test_statistics_praise_and_intentions_are_no_tasks():
    text = ("Năm 2021, các cấp, các ngành đã nỗ lực vừa phòng, chống dịch. "
            "Chủ tịch UBND tỉnh ghi nhận, biểu dương sự nỗ lực của các sở, ngành. "
            "Năm 2022, Tỉnh ủy sẽ tăng cường công tác kiểm tra, giám sát.")
    assert tasks(text) == []


def test_closing_boilerplate_is_no_task():
    text = ("Yêu cầu Thủ trưởng các sở, ban, ngành, Chủ tịch UBND các huyện nghiêm túc triển khai thực hiện Chỉ thị"
            " này./.\n"
            "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan kịp thời báo cáo UBND tỉnh.")
    assert tasks(text) == []


def test_plan_item_with_inline_attributes():
    text = ("1. Xây dựng Quy chế vận hành IOC tỉnh. Chủ trì: Sở TT&TT; phối hợp: Văn phòng UBND tỉnh, Sở Nội vụ. Thời"
            " gian hoàn thành: quý II năm 2024.")
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
    assert [a.text for a in find_agencies(s)] == ["Sở Công Thương", "Sở Tài chính", "Cục Quản lý thị trường tỉnh",
                                                  "các đơn vị liên quan"]


def test_agency_and_content_on_one_line():
    t = only("2. Sở Y tế: Chủ trì, phối hợp với Công an tỉnh kiểm tra an toàn thực phẩm, hoàn thành trước ngày"
             " 30/6/2022.")
    assert t["owner"] == "Sở Y tế" and t["co_owners"] == ["Công an tỉnh"]
    assert t["action"].startswith("Kiểm tra an toàn thực phẩm")
    assert t["deadline"] == "2022-06-30"


def test_bare_assignment_line_introduces_its_items():
    text = ("2. Giao Sở Nội vụ\n- Hướng dẫn, theo dõi tiến độ cập nhật dữ liệu.\n- Tham mưu đánh giá trách nhiệm người"
            " đứng đầu.")
    assert [t["owner"] for t in tasks(text)] == ["Sở Nội vụ", "Sở Nội vụ"]


def test_intro_with_owner_is_a_task_when_its_list_names_nobody():
    text = ("Đề nghị Thường trực Tỉnh ủy tập trung lãnh đạo thực hiện các nhiệm vụ trọng tâm sau:\n"
            "1. Đổi mới tư duy, tầm nhìn phát triển.\n2. Chú trọng bảo vệ môi trường.")
    assert [t["owner"] for t in tasks(text)] == ["Thường trực Tỉnh ủy"]


def test_intro_is_dropped_when_its_list_names_owners():
    text = ("Chủ tịch UBND tỉnh yêu cầu các cơ quan, đơn vị tập trung thực hiện tốt các nhiệm vụ sau:\n"
            "1. Sở Y tế kiểm tra an toàn thực phẩm.\n2. Công an tỉnh tăng cường tuần tra.")
    assert [t["owner"] for t in tasks(text)] == ["Sở Y tế", "Công an tỉnh"]


def test_subject_after_a_fronted_phrase():
    t = only("2. Trên cơ sở đề nghị của các Bộ, cơ quan liên quan, Bộ Tài chính khẩn trương rà soát, bố trí kinh phí.")
    assert t["owner"] == "Bộ Tài chính"


def test_trigger_inside_an_action_is_not_a_new_owner():
    text = "1. Sở Y tế:\na) Thường xuyên kiểm tra chất lượng nước; nếu không đạt, phải yêu cầu các đơn vị khắc phục."
    assert only(text)["owner"] == "Sở Y tế"


def test_duties_of_citizens_are_no_tasks():
    assert tasks("Các tổ chức, cá nhân và hộ gia đình khai thác nước dưới đất có trách nhiệm kê khai "
                 "theo quy định.") == []


def test_generic_closing_request_is_no_task():
    assert tasks("Đề nghị các cơ quan, đơn vị khẩn trương triển khai, thực hiện./.") == []


def test_later_sentence_with_its_own_deadline_is_its_own_task():
    text = ("7. Giao Bộ Tài chính chủ trì xem xét, xử lý theo đúng quy định. Đối với nội dung vượt thẩm quyền, "
            "đề xuất báo cáo cấp có thẩm quyền trước ngày 25 tháng 12 năm 2022.")
    got = tasks(text)
    assert [(t["owner"], t["deadline"]) for t in got] == [("Bộ Tài chính", None), ("Bộ Tài chính", "2022-12-25")]


def test_department_proposal_to_the_province_in_a_report():
    text = ("Giám đốc Sở Xây dựng kiến nghị UBND tỉnh cho phép điều chỉnh dự toán. "
            "Kết luận cuộc họp, Chủ tịch UBND tỉnh yêu cầu các chủ đầu tư phấn đấu giải ngân 100% kế hoạch vốn trước"
            " ngày 31/01/2022.")
    t = only(text)
    assert t["owner"] == "các chủ đầu tư" and t["deadline"] == "2022-01-31"


def test_name_words_that_look_like_verbs():
    assert scan_agency("Sở Giáo dục và Đào tạo chỉ đạo", 0).text == "Sở Giáo dục và Đào tạo"
    assert (scan_agency("Tập đoàn Công nghiệp-Năng lượng quốc gia Việt Nam báo cáo", 0).text
            == "Tập đoàn Công nghiệp-Năng lượng quốc gia Việt Nam")


def test_priority_statements_and_chair_reports_are_no_tasks():
    text = ("a) Xác định giải ngân vốn đầu tư công là nhiệm vụ chính trị trọng tâm năm 2022; người đứng đầu chịu trách"
            " nhiệm.\n"
            "Bên cạnh đó, Chủ tịch UBND tỉnh Nguyễn Văn A cũng đề ra 12 nhóm nhiệm vụ trọng tâm cho các đơn vị.\n"
            "Cùng với đó, HĐND tỉnh sẽ giám sát chặt chẽ các lĩnh vực.")
    assert tasks(text) == []


def test_carry_over_needs_an_action():
    text = ("Bí thư Tỉnh ủy yêu cầu UBND tỉnh chọn việc trọng tâm để làm. Đồng thời, đề cao vai trò của từng cá nhân. "
            "Đồng thời, chỉ đạo các sở rà soát danh mục dự án.")
    assert [(t["owner"], "owner_carried_over" in t["reasons"]) for t in tasks(text)] == [("UBND tỉnh", False),
                                                                                       ("UBND tỉnh", True)]


def test_joint_assignment_first_named_leads():
    t = only("a) Bộ Xây dựng, các địa phương, cơ quan chủ quản các dự án tiếp tục chỉ đạo các chủ đầu tư bổ sung nhân"
             " lực.")
    assert t["owner"] == "Bộ Xây dựng"
    assert t["co_owners"][0].startswith("các địa phương")


def test_coordination_without_voi():
    text = ("2. Sở Xây dựng:\na) Chủ trì, phối hợp Sở Công Thương, Ủy ban nhân dân xã, phường hướng dẫn xây dựng phương"
            " án.")
    t = only(text)
    assert t["owner"] == "Sở Xây dựng" and t["co_owners"] == ["Sở Công Thương", "Ủy ban nhân dân xã, phường"]


def test_for_agency_chair_requires_keeps_chair_out_of_coordinators():
    t = only("Đối với UBND huyện Cao Lộc, Chủ tịch UBND tỉnh yêu cầu khẩn trương mở rộng bãi đỗ xe, đưa vào sử dụng"
             " trước ngày 25/01/2022.")
    assert t["owner"] == "UBND huyện Cao Lộc" and t["co_owners"] == []
    assert t["urgent"] is False and t["deadline"] == "2022-01-25"


def test_project_board_names_and_conditional_tail():
    text = ("2. Giao Ban Quản lý dự án đầu tư xây dựng tỉnh (chủ đầu tư):\n"
            "- Khẩn trương hoàn thiện hồ sơ điều chỉnh dự án, trình Sở Xây dựng thẩm định trước ngày 20/01/2022.\n"
            "3. UBND xã An Phú, UBND xã Hòa Bình có trách nhiệm bàn giao mặt bằng trong tháng 02/2022; "
            "trường hợp phát sinh vướng mắc vượt thẩm quyền, kịp thời báo cáo UBND tỉnh.\n"
            "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan kịp thời báo cáo UBND tỉnh.")
    got = tasks(text)
    assert [(t["owner"], t["deadline"]) for t in got] == [
        ("Ban Quản lý dự án đầu tư xây dựng tỉnh", "2022-01-20"), ("UBND xã An Phú", "2022-02-28")]
    assert got[1]["co_owners"] == ["UBND xã Hòa Bình"]
    assert got[1]["action"].startswith("Bàn giao mặt bằng")


def test_approval_in_principle_is_no_task():
    assert tasks("1. Thống nhất chủ trương điều chỉnh cục bộ hướng tuyến theo đề xuất của Sở Xây dựng.") == []


def test_department_requesting_units_assigns_the_units():
    t = only("Sở Tài chính đề nghị các đơn vị gửi báo cáo quyết toán trước ngày 15/02/2022.")
    assert t["owner"] == "các đơn vị" and t["deadline"] == "2022-02-15"


def test_chair_directing_an_agency_in_a_report():
    t = only("Chủ tịch UBND tỉnh chỉ đạo Sở Y tế khẩn trương kiểm tra an toàn thực phẩm dịp Tết.")
    assert t["owner"] == "Sở Y tế" and t["urgent"] is False and t["deadline"] is None
    assert t["deadline_text"] == "khẩn trương"   # kept for the clerk, but it is no urgency


def test_report_list_of_instructions_after_a_colon():
    text = ("Phát biểu kết luận, đồng chí Chủ tịch UBND tỉnh chỉ đạo: Trước mắt, các cấp, ngành tổ chức cho Nhân dân"
            " vui xuân, "
            "đón Tết an toàn; bảo đảm các chính sách an sinh; chuẩn bị nội dung trình kỳ họp HĐND tỉnh cuối tháng"
            " 2/2022.")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["các cấp, ngành"] * 3
    assert got[2]["deadline"] == "2022-02-28"
    assert all("directive_list" in t["reasons"] for t in got)


def test_colon_list_of_named_bodies_after_a_request():
    text = ("9. Về hạ tầng viễn thông: đề nghị các Tập đoàn: Bưu chính Viễn thông Việt Nam, Viettel tổ chức phủ sóng "
            "trong tháng 12 năm 2022; Bộ Khoa học và Công nghệ hướng dẫn các Tập đoàn nêu trên.")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["Tập đoàn Bưu chính Viễn thông Việt Nam", "Bộ Khoa học và Công nghệ"]
    assert got[0]["deadline"] == "2022-12-31"


def test_registry_tolerates_loose_unit_records():
    units = [{"code": "A", "name": "Cục Hải quan tỉnh", "aliases": "Hải quan tỉnh; HQ tỉnh"}, {"code": "B"}, None,
             {"code": "C", "name": "Sở Y tế", "aliases": [None, 3, "SYT"]}]
    reg = Registry(units)
    assert reg.lookup("HQ tỉnh")["code"] == "A"
    assert reg.lookup("SYT")["code"] == "C"
    assert reg.lookup("") is None


def test_heading_with_a_qualifier():
    text = ("5. Các chủ rừng là tổ chức (các Ban quản lý rừng phòng hộ, các Công ty lâm nghiệp)\n"
            "- Tiếp tục kiểm tra, rà soát diện tích rừng bị lấn chiếm.")
    assert only(text)["owner"] == "Các chủ rừng"


def test_tone_mark_variants_read_alike_and_come_out_as_written():
    # "Uỷ ban" / "Ủy ban", "Đảng uỷ": one spelling for matching, the source's spelling in the output
    text = ("1. Giao Uỷ ban nhân dân tỉnh phối hợp với Đảng uỷ xã rà soát công tác văn hoá, hoàn thành trước ngày"
            " 15/12/2025.")
    from tracker.parsing import parse_directive
    got = parse_directive(text, issued="2025-11-20").to_dict()["tasks"]
    assert [t["owner"] for t in got] == ["Uỷ ban nhân dân tỉnh"]
    assert got[0]["deadline"] == "2025-12-15"


def test_unify_tones_keeps_length_and_spares_qu():
    from tracker.parsing.normalize import normalize
    src = "Uỷ ban, thuỷ lợi, hoá chất, quý I, hoàn thành, HOÁ"
    n = normalize(src)
    assert n.text == "Ủy ban, thủy lợi, hóa chất, quý I, hoàn thành, HÓA"
    assert len(n.text) == len(src)
