"""Document structure: appendices, task tables, agency headings, owner lists (issue #13)."""
from tracker.parsing import parse_directive

# The snippets sit under a directive's header, as in a real document: headerless text is held to the
# non-directive gate of tracker/parsing/gate.py, which is not what these tests are about.
HEADER = "ỦY BAN NHÂN DÂN TỈNH BẮC NINH\nSố: 471/KH-UBND\nKẾ HOẠCH\n"


def tasks(text, issued="2025-11-20"):
    return parse_directive(HEADER + text, issued=issued).to_dict()["tasks"]


def test_appendix_prose_is_data_and_only_task_table_rows_count():
    text = ("Điều 1. Giao Sở Tư pháp công bố danh mục thủ tục hành chính.\n"
            "PHỤ LỤC I\n"
            "DANH MỤC THỦ TỤC HÀNH CHÍNH\n"
            "Cơ quan thực hiện thủ tục hành chính: UBND cấp xã.\n"
            "Công ty TNHH khai thác đá Phú Sơn\n"
            "STT | Nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành\n"
            "1 | Rà soát quy hoạch | Sở Xây dựng | Tháng 12/2025\n")
    got = tasks(text)
    assert [(t["owner"], t["deadline"]) for t in got] == [("Sở Tư pháp", None), ("Sở Xây dựng", "2025-12-31")]


def test_a_data_row_is_never_a_header():
    text = ("STT | Nội dung công việc | Đơn vị chủ trì | Thời gian\n"
            "1 | Tập huấn nghiệp vụ | Sở Nội vụ | 2025\n"
            "2 | Nội dung chi thực hiện nhiệm vụ 150 triệu đồng | Sở Tài chính | Quý I/2026\n"
            "3 | Kiểm tra | Công an tỉnh | Tháng 12/2025\n")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["Sở Nội vụ", "Sở Tài chính", "Công an tỉnh"]
    assert got[2]["deadline"] == "2025-12-31"


def test_agency_heading_with_a_name_the_vocabulary_does_not_cover():
    text = ("2. Tiểu ban giúp việc Ban Chỉ đạo 934\n"
            "- Thực hiện phân công nhiệm vụ kịp thời cho các cơ quan, đơn vị.\n"
            "3. Vụ Tổ chức cán bộ\n"
            "- Quán triệt, hướng dẫn các cơ quan, đơn vị đưa nội dung vào công tác thi đua.\n")
    assert [t["owner"] for t in tasks(text)] == ["Tiểu ban giúp việc Ban Chỉ đạo 934", "Vụ Tổ chức cán bộ"]


def test_places_listed_after_a_colon_stay_one_owner():
    text = ("11. Ủy ban nhân dân các xã: Gia Thuận, Tân Điền, Gò Công Đông\n- Xây dựng kế hoạch cụ thể hóa các nhiệm"
            " vụ.\n")
    assert [t["owner"] for t in tasks(text)] == ["Ủy ban nhân dân các xã: Gia Thuận, Tân Điền, Gò Công Đông"]


def test_the_requester_is_not_the_owner():
    got = tasks("Bộ Văn hóa, Thể thao và Du lịch yêu cầu Cục Du lịch Quốc gia Việt Nam rà soát các điểm đến trước ngày"
                " 15/12/2025.")
    assert [t["owner"] for t in got] == ["Cục Du lịch Quốc gia Việt Nam"]


def test_the_addressee_acts_and_the_object_of_chi_dao_helps():
    got = tasks("Ủy ban nhân dân tỉnh Ninh Bình chỉ đạo các cơ quan liên quan khẩn trương hoàn thiện hồ sơ dự án.")
    assert [t["owner"] for t in got] == ["Ủy ban nhân dân tỉnh Ninh Bình"]


def test_a_decision_article_citing_its_own_appendix_is_a_task():
    text = ("Điều 2. Sở Công Thương có trách nhiệm chủ trì hướng dẫn các doanh nghiệp tổ chức hội chợ theo danh mục "
            "kèm theo Quyết định này.\n"
            "Điều 3. Thủ trưởng các cơ quan: Văn phòng UBND tỉnh, Sở Công Thương căn cứ Quyết định thi hành./.\n")
    assert [t["owner"] for t in tasks(text)] == ["Sở Công Thương"]


def test_a_lead_sentence_at_the_end_of_a_paragraph_gives_its_owner_to_the_items():
    text = ("Trẻ em có hoàn cảnh đặc biệt là những người chịu nhiều thiệt thòi. Để làm tốt việc này, yêu cầu cấp ủy, "
            "tổ chức đảng, chính quyền, đoàn thể các cấp tập trung thực hiện tốt một số nhiệm vụ, giải pháp sau:\n"
            "1. Bảo đảm mọi trẻ bị bỏ rơi đều được tiếp nhận, chăm sóc an toàn và kịp thời.\n"
            "2. Đổi mới mô hình chăm sóc trẻ em có hoàn cảnh đặc biệt.\n")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["cấp ủy, tổ chức đảng, chính quyền, đoàn thể các cấp"] * 2


def test_inline_enumeration_after_a_bare_assignment():
    text = ("4.1. Giao Đảng ủy Chính phủ: (i) Chỉ đạo Đảng ủy Bộ Y tế xây dựng quy trình liên thông; "
            "(ii) Chỉ đạo Đảng ủy Bộ Giáo dục và Đào tạo xây dựng các chương trình giáo dục.\n"
            "5. Bộ Tư pháp:\n- Khẩn trương hoàn thiện các báo cáo: (i) Báo cáo tình hình triển khai; (ii) Báo cáo xử lý"
            " các vướng mắc.\n")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["Đảng ủy Chính phủ", "Đảng ủy Chính phủ", "Bộ Tư pháp"]


def test_a_later_clause_with_its_own_subject_is_its_task():
    text = ("3.1. Bộ Tài chính hoàn thiện Kế hoạch cao điểm chống buôn lậu, báo cáo Thủ tướng trước ngày 30/11/2025; "
            "Trên cơ sở đó, Ban Chỉ đạo 389 các bộ, ngành, địa phương xây dựng kế hoạch triển khai.")
    got = tasks(text)
    assert [(t["owner"], t["deadline"]) for t in got] == [
        ("Bộ Tài chính", "2025-11-30"), ("Ban Chỉ đạo 389 các bộ, ngành, địa phương", None)]


def test_a_requester_opening_a_list_is_no_task():
    text = ("Trước tình hình đó, Bộ Văn hóa, Thể thao và Du lịch yêu cầu:\n"
            "1. Cục Du lịch Quốc gia Việt Nam\n- Rà soát các điểm đến.\n")
    assert [t["owner"] for t in tasks(text)] == ["Cục Du lịch Quốc gia Việt Nam"]


def test_the_requester_after_a_fronted_reference_and_topic_items_below():
    text = ("Thực hiện Kết luận số 210-KL/TW ngày 12/11/2025, Ban Chỉ đạo của Chính phủ (sau đây viết là Ban Chỉ đạo)"
            " yêu cầu "
            "Chủ tịch Ủy ban nhân dân các tỉnh tập trung, khẩn trương chỉ đạo, giải quyết dứt điểm các khó khăn ở cấp"
            " xã, "
            "một số nội dung cụ thể sau:\n"
            "1. Về kiện toàn tổ chức bộ máy\n"
            "- Tiếp tục bổ sung, bố trí đủ cán bộ, công chức chuyên môn ở cấp xã.\n"
            "- Đối với các nhiệm vụ đã được phân định cho cấp xã, trường hợp có vướng mắc, khó khăn, giao Ủy ban nhân"
            " dân "
            "cấp tỉnh chủ động tháo gỡ.\n")
    got = tasks(text)
    assert [t["owner"] for t in got] == ["Ủy ban nhân dân các tỉnh", "Ủy ban nhân dân cấp tỉnh"]


def test_a_short_numbered_line_with_items_under_it_is_an_agency_heading():
    text = ("7. Cục Kinh tế - Quản lý đầu tư xây dựng\n"
            "- Tham mưu cho Lãnh đạo Bộ đôn đốc các địa phương.\n"
            "8. Các Sở Xây dựng nêu trên\n"
            "- Khẩn trương kiểm tra các công trình bị ảnh hưởng.\n")
    assert [t["owner"] for t in tasks(text)] == ["Cục Kinh tế - Quản lý đầu tư xây dựng", "Các Sở Xây dựng nêu trên"]


def test_plan_block_attribute_lines_with_qualified_keys():
    text = ("- Ra mắt AI pháp luật hỗ trợ cho cán bộ, công chức.\n"
            "Đơn vị chủ trì tham mưu thực hiện: Sở Khoa học và Công nghệ.\n"
            "Đơn vị phối hợp thực hiện: Sở Tư pháp.\n"
            "Thời gian thực hiện: Tháng 12/2025.\n")
    got = tasks(text)
    assert [(t["owner"], t["co_owners"], t["deadline"]) for t in got] == [
        ("Sở Khoa học và Công nghệ", ["Sở Tư pháp"], "2025-12-31")]


def test_a_lead_line_with_a_date_over_items_that_name_their_own_owners():
    text = ("b) Các Bộ: Tài chính, Y tế khẩn trương khắc phục các bất cập của hệ thống thông tin, hoàn thành trong "
            "tháng 11 năm 2025, cụ thể:\n"
            "(1) Bộ Tài chính giải quyết các vấn đề tồn đọng của hệ thống thuế.\n"
            "(2) Bộ Y tế hoàn thành nâng cấp hệ thống cấp phép hành nghề.\n")
    got = tasks(text, issued="2025-11-18")
    assert [(t["owner"], t["deadline"]) for t in got] == [("Bộ Tài chính", "2025-11-30"), ("Bộ Y tế", "2025-11-30")]
    assert all("deadline_inherited" in t["reasons"] for t in got)


def test_a_procedure_section_lists_no_tasks():
    text = ("I.\nTrách nhiệm phối hợp trong công tác thẩm định chủ trương đầu tư dự án\n"
            "1. Sở Xây dựng\n- Đánh giá sự phù hợp của dự án đầu tư với quy hoạch xây dựng.\n"
            "II.\nTổ chức thực hiện\n1. Giao Sở Tài chính chủ trì theo dõi, tổng hợp các khó khăn, vướng mắc.\n")
    assert [t["owner"] for t in tasks(text)] == ["Sở Tài chính"]


def test_lead_and_coordinating_bodies_in_one_attribute_line():
    text = ("1. Tổ chức tập huấn chuyển đổi số cho cán bộ cấp xã. Cơ quan chủ trì: Sở Khoa học và Công nghệ; "
            "cơ quan phối hợp: Sở Nội vụ, Sở Tài chính. Thời gian hoàn thành: Quý I/2026.")
    got = tasks(text)
    assert [(t["owner"], t["co_owners"], t["deadline"]) for t in got] == [
        ("Sở Khoa học và Công nghệ", ["Sở Nội vụ", "Sở Tài chính"], "2026-03-31")]


def test_figures_to_report_under_a_heading_are_no_tasks_and_heads_of_listed_bodies_own():
    text = ("1. Ủy ban nhân dân các tỉnh: Đắk Lắk, Khánh Hòa khẩn trương gửi báo cáo về Văn phòng Chính phủ và các Bộ "
            "về tình hình thiệt hại nhà ở của người dân do mưa lũ, gồm:\n"
            "- Số hộ dân có nhà bị sập, đổ, trôi cần phải xây dựng lại.\n"
            "- Tổng kinh phí cần thiết hỗ trợ Nhân dân sửa chữa nhà.\n"
            "3. Bộ trưởng các Bộ: Quốc phòng, Công an chỉ đạo lực lượng quân đội hỗ trợ người dân.\n")
    assert [t["owner"] for t in tasks(text)] == ["Ủy ban nhân dân các tỉnh: Đắk Lắk, Khánh Hòa", "Bộ Quốc phòng"]


def test_inline_agency_heading_with_a_name_the_vocabulary_does_not_cover():
    text = ("5. Cục Di sản văn hóa: Chủ trì, phối hợp với các cơ quan, đơn vị liên quan tham mưu Lãnh đạo Bộ các giải"
            " pháp.\n")
    assert [t["owner"] for t in tasks(text)] == ["Cục Di sản văn hóa"]


def test_a_closing_notice_with_a_long_addressee_list_is_no_task():
    text = ("1. Bộ Y tế khẩn trương hoàn thiện hồ sơ dự án.\n"
            "Văn phòng Chính phủ thông báo để các Bộ Y tế, Công an, Xây dựng, Quốc phòng, Tài chính, Ủy ban nhân dân "
            "tỉnh Ninh Bình và các bộ, cơ quan, tổ chức, cá nhân liên quan biết, thực hiện./.\n")
    assert [t["owner"] for t in tasks(text)] == ["Bộ Y tế"]


def test_the_speaker_concluding_or_assessing_is_no_task():
    text = ("Sau khi nghe báo cáo của các bộ, Ban Chỉ đạo của Chính phủ thống nhất kết luận như sau:\n"
            "Ban Chỉ đạo của Chính phủ thẳng thắn chỉ ra những hạn chế, bất cập cần khắc phục: còn nhiệm vụ chậm"
            " muộn.\n"
            "1. Bộ Công an khẩn trương hoàn thiện Nghị định.\n")
    assert [t["owner"] for t in tasks(text)] == ["Bộ Công an"]


def test_a_header_read_with_wrong_tone_marks_still_names_its_columns():
    # a scanned table: OCR put the wrong tone on "đề xuất" and "chủ trì"; the columns keep their roles
    text = ("STT | Tỉnh kiến nghị | Thông tin để xuất | Cơ quan chù trì | Thời hạn\n"
            "1 | Nghệ An | Hỗ trợ kinh phí khắc phục hậu quả bão số 10 | Bộ Tài chính | Tháng 12/2025\n"
            "2 | Hà Tĩnh | Bổ sung vốn sửa chữa đê điều | Bộ Nông nghiệp và Môi trường | 2026\n")
    got = tasks(text)
    assert [(t["owner"], t["action"], t["deadline"]) for t in got] == [
        ("Bộ Tài chính", "Hỗ trợ kinh phí khắc phục hậu quả bão số 10", "2025-12-31"),
        ("Bộ Nông nghiệp và Môi trường", "Bổ sung vốn sửa chữa đê điều", "2026-12-31")]
