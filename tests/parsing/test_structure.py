"""Document structure: appendices, task tables, agency headings, owner lists (issue #13)."""
from tracker.parsing import parse_directive


def tasks(text, issued="2025-11-20"):
    return parse_directive(text, issued=issued)["tasks"]


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
    text = "11. Ủy ban nhân dân các xã: Gia Thuận, Tân Điền, Gò Công Đông\n- Xây dựng kế hoạch cụ thể hóa các nhiệm vụ.\n"
    assert [t["owner"] for t in tasks(text)] == ["Ủy ban nhân dân các xã: Gia Thuận, Tân Điền, Gò Công Đông"]


def test_the_requester_is_not_the_owner():
    got = tasks("Bộ Văn hóa, Thể thao và Du lịch yêu cầu Cục Du lịch Quốc gia Việt Nam rà soát các điểm đến trước ngày 15/12/2025.")
    assert [t["owner"] for t in got] == ["Cục Du lịch Quốc gia Việt Nam"]


def test_the_addressee_acts_and_the_object_of_chi_dao_helps():
    got = tasks("Ủy ban nhân dân tỉnh Ninh Bình chỉ đạo các cơ quan liên quan khẩn trương hoàn thiện hồ sơ dự án.")
    assert [t["owner"] for t in got] == ["Ủy ban nhân dân tỉnh Ninh Bình"]


def test_a_decision_article_citing_its_own_appendix_is_a_task():
    text = ("Điều 2. Sở Công Thương có trách nhiệm chủ trì hướng dẫn các doanh nghiệp tổ chức hội chợ theo danh mục "
            "kèm theo Quyết định này.\n"
            "Điều 3. Thủ trưởng các cơ quan: Văn phòng UBND tỉnh, Sở Công Thương căn cứ Quyết định thi hành./.\n")
    assert [t["owner"] for t in tasks(text)] == ["Sở Công Thương"]
