"""Import, review and publish through the pages; bad input; escaping; permissions."""
import io
import re
import zipfile

import docx
import pytest
from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit

TEXT = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: 12/TB-UBND
Demo, ngày 02 tháng 01 năm 2025

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh

1. Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế rà soát nhu cầu vốn, hoàn thành trước ngày 15/02/2025.
2. Giao Sở Y tế xây dựng kế hoạch tiêm chủng, trình UBND tỉnh trước ngày 20/12/2024.
3. Sở Xây dựng kiểm tra công trình <script>alert(1)</script> trọng điểm.
"""


def _import(client, **data):
    return client.post("/directives/new", data=data, content_type="multipart/form-data")


def _review_form(html: str) -> dict:
    """The review form's fields as a browser would post them (inputs, textareas, selected options)."""
    form = {}
    for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*>', html):
        tag = m.group(0)
        if 'type="file"' in tag or 'type="submit"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        form[m.group(1)] = _unescape(value.group(1)) if value else ""
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form[m.group(1)] = _unescape(m.group(2))
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        sel = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(2))
        form[m.group(1)] = sel.group(1) if sel else ""
    return form


def _unescape(s):
    import html

    return html.unescape(s)


@pytest.fixture
def clerk(world, login):
    login(world.users["clerk"])
    return world


def test_import_page_for_clerk_only(client, world, login):
    login(world.users["staff_a"])
    assert client.get("/directives/new").status_code == 403
    assert _import(client, text=TEXT).status_code == 403
    client.post("/logout")
    login(world.users["leader"])
    assert client.get("/directives/new").status_code == 403
    client.post("/logout")
    login(world.users["clerk"])
    assert client.get("/directives/new").status_code == 200


def test_paste_review_publish(client, clerk, session):
    r = _import(client, text=TEXT)
    assert r.status_code == 302
    review_url = r.headers["Location"]
    page = client.get(review_url).get_data(as_text=True)
    # header pre-filled by the parser
    assert 'value="12/TB-UBND"' in page and 'value="02/01/2025"' in page
    # spans highlighted, script escaped in the source and in the rows
    assert '<mark data-tasks="1" id="src-1" data-n="1">' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # unit picker pre-selected with the registry name, the text as written shown beside it
    assert 'name="tasks-0-unit" value="Sở Tài chính"' in page
    assert "Văn bản ghi: “trước ngày 15/02/2025”" in page
    # deadline before the issued date: a warning that can be kept
    assert "trước ngày ban hành 02/01/2025" in page
    form = _review_form(page)
    assert form["row_count"] == "3"
    # the third task names no registered unit -> publish is refused, nothing created
    form["tasks-2-unit"] = ""
    r = client.post(review_url, data={**form, "op": "publish"})
    assert r.status_code == 422
    assert "chưa chọn đơn vị chủ trì" in r.get_data(as_text=True)
    directive = session.exec(select(Directive).where(Directive.code == "12/TB-UBND")).one()
    assert session.exec(select(Task).where(Task.directive_id == directive.id)).all() == []
    # correct one task: unit by alias without diacritics, action edited, keep the early deadline
    form["tasks-2-unit"] = "sxd"
    form["tasks-1-action"] = "Xây dựng kế hoạch tiêm chủng mở rộng năm 2025"
    r = client.post(review_url, data={**form, "op": "publish"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    session.expire_all()
    tasks = session.exec(select(Task).where(Task.directive_id == directive.id).order_by(Task.id)).all()
    assert [t.lead_unit_id for t in tasks] == [clerk.a.id, clerk.b.id, clerk.c.id]
    assert tasks[1].action == "Xây dựng kế hoạch tiêm chủng mở rộng năm 2025"
    assert tasks[1].deadline.isoformat() == "2024-12-20"
    assert session.exec(select(TaskCoUnit.unit_id).where(TaskCoUnit.task_id == tasks[0].id)).all() == [clerk.b.id]
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Xây dựng kế hoạch tiêm chủng mở rộng năm 2025" in detail
    assert "<script>alert(1)</script>" not in detail
    # the review page of a published directive goes to its detail
    assert client.get(review_url).status_code == 302


def test_save_draft_and_come_back(client, clerk, session):
    review_url = _import(client, text=TEXT).headers["Location"]
    form = _review_form(client.get(review_url).get_data(as_text=True))
    form["tasks-0-action"] = "Rà soát nhu cầu vốn (đã sửa)"
    form["title"] = "Tiêu đề <b>đậm</b>"
    assert client.post(review_url, data={**form, "op": "save"}).status_code == 302
    page = client.get(review_url).get_data(as_text=True)
    assert "Rà soát nhu cầu vốn (đã sửa)" in page
    assert "Tiêu đề &lt;b&gt;đậm&lt;/b&gt;" in page
    # a stale version: nothing saved, a conflict message
    stale = dict(form, version=str(int(form["version"]) - 1))
    stale["tasks-0-action"] = "Không được lưu"
    r = client.post(review_url, data={**stale, "op": "save"})
    assert r.status_code == 409
    assert "CHƯA được lưu" in r.get_data(as_text=True)
    assert "Không được lưu" not in client.get(review_url).get_data(as_text=True)


def test_row_operations_delete_split_add_selection(client, clerk, session):
    review_url = _import(client, text=TEXT).headers["Location"]
    form = _review_form(client.get(review_url).get_data(as_text=True))
    r = client.post(review_url, data={**form, "op": "split:0"})
    form = _review_form(r.get_data(as_text=True))
    assert form["row_count"] == "4"
    assert form["tasks-1-action"] == form["tasks-0-action"]
    r = client.post(review_url, data={**form, "op": "delete:3"})
    form = _review_form(r.get_data(as_text=True))
    assert form["row_count"] == "3"
    directive = session.exec(select(Directive).where(Directive.code == "12/TB-UBND")).one()
    start = directive.source_text.index("Kết luận")
    end = start + len("Kết luận của Chủ tịch UBND tỉnh")
    r = client.post(review_url, data={**form, "op": "add_selection", "new_start": str(start), "new_end": str(end)})
    form = _review_form(r.get_data(as_text=True))
    assert form["row_count"] == "4"
    assert form["tasks-3-action"] == "Kết luận của Chủ tịch UBND tỉnh"
    assert form["tasks-3-start"] == str(start)
    r = client.post(review_url, data={**form, "op": "add"})
    form = _review_form(r.get_data(as_text=True))
    assert form["row_count"] == "5" and form["tasks-4-action"] == ""
    # nothing stored by row operations
    session.expire_all()
    assert len(session.get(Directive, directive.id).draft_tasks) == 3


def test_invalid_dates_and_units_are_refused_with_data_kept(client, clerk, session):
    review_url = _import(client, text=TEXT).headers["Location"]
    form = _review_form(client.get(review_url).get_data(as_text=True))
    form["tasks-0-deadline"] = "31/02/2022"
    form["tasks-1-unit"] = "Sở Không Tồn Tại"
    form["tasks-0-action"] = "Giữ nguyên nội dung đã sửa"
    r = client.post(review_url, data={**form, "op": "save"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "31/02/2022" in page and "không hợp lệ" in page
    assert "Sở Không Tồn Tại" in page
    assert "Giữ nguyên nội dung đã sửa" in page
    form["issued"] = "2022-02-31"
    r = client.post(review_url, data={**form, "op": "save"})
    assert r.status_code == 422


def test_import_bad_input(client, clerk, app):
    r = _import(client, text="   ")
    assert r.status_code == 422 and "trống" in r.get_data(as_text=True)
    r = _import(client, text="Giao Sở Y tế. " * 200_000)
    assert r.status_code == 413 and "quá lớn" in r.get_data(as_text=True)
    r = _import(client, text="", file=(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100), "vanban.txt"))
    assert r.status_code == 422 and "ảnh PNG" in r.get_data(as_text=True)
    for legacy in ("Giao Sõ Tài chính".encode("latin-1"), "Giao Sở Tài chính".encode("utf-16")):
        r = _import(client, text="", file=(io.BytesIO(legacy), "vanban.txt"))
        assert r.status_code == 422 and "không phải mã UTF-8" in r.get_data(as_text=True)
    r = _import(client, text="", file=(io.BytesIO(b"%PDF-1.4 garbage"), "vanban.docx"))
    assert r.status_code == 422 and "PDF" in r.get_data(as_text=True)
    r = _import(client, text="", file=(io.BytesIO(b"abc"), "vanban.odt"))
    assert r.status_code == 422
    r = _import(client, text=TEXT, issued="2022-02-31")
    assert r.status_code == 422 and "không hợp lệ" in r.get_data(as_text=True)


def test_import_docx(client, clerk, session):
    document = docx.Document()
    for line in TEXT.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    r = _import(client, text="", file=(io.BytesIO(buf.getvalue()), "thong-bao.docx"))
    assert r.status_code == 302
    directive = session.exec(select(Directive).where(Directive.code == "12/TB-UBND")).one()
    assert len(directive.draft_tasks) == 3


def test_zip_bomb_docx_refused(client, clerk):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("word/document.xml", b"\x00" * (60 * 1024 * 1024))
    r = _import(client, text="", file=(io.BytesIO(buf.getvalue()), "bom.docx"))
    assert r.status_code == 422
    assert "không xử lý" in r.get_data(as_text=True)


def test_directive_list_search_and_visibility(client, world, login, session):
    login(world.users["clerk"])
    _import(client, text=TEXT)
    page = client.get("/directives").get_data(as_text=True)
    assert "12/TB-UBND" in page and "Bản nháp" in page
    assert "12/TB-UBND" in client.get("/directives?q=ket luan chu tich").get_data(as_text=True)
    assert "12/TB-UBND" not in client.get("/directives?q=khong co gi").get_data(as_text=True)
    draft = session.exec(select(Directive).where(Directive.code == "12/TB-UBND")).one()
    client.post("/logout")
    login(world.users["staff_a"])
    assert "12/TB-UBND" not in client.get("/directives").get_data(as_text=True)
    assert client.get(f"/directives/{draft.id}").status_code == 404
    assert client.get(f"/directives/{draft.id}/review").status_code == 403
    assert client.post(f"/directives/{draft.id}/review", data={"op": "publish"}).status_code == 403
    # published directive detail shows only the tasks the staff may see
    page = client.get(f"/directives/{world.task_a.directive_id}").get_data(as_text=True)
    assert "Rà soát vốn đầu tư công" in page and "Kế hoạch tiêm chủng" not in page


def test_delete_draft(client, clerk, session):
    review_url = _import(client, text=TEXT).headers["Location"]
    directive_id = int(review_url.rstrip("/").split("/")[-2])
    assert client.post(f"/directives/{directive_id}/delete").status_code == 302
    session.expire_all()
    assert session.get(Directive, directive_id) is None


UNKNOWN = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: 15/TB-UBND
Demo, ngày 02 tháng 01 năm 2025

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh

1. Giao Ban Quản lý Khu du lịch Hồ Núi Cốc kiểm tra an toàn các công trình, hoàn thành trước ngày 15/02/2025.
2. Giao Sở Y tế xây dựng kế hoạch tiêm chủng, trình UBND tỉnh trước ngày 20/02/2025.
3. Ban Quản lý Khu du lịch Hồ Núi Cốc báo cáo kết quả trước ngày 28/02/2025.
"""


def test_unknown_agency_added_to_the_registry_from_the_review(client, clerk, session):
    from tracker.models import AuditEvent
    from tracker.models import Unit

    review_url = _import(client, text=UNKNOWN).headers["Location"]
    page = client.get(review_url).get_data(as_text=True)
    form = _review_form(page)
    assert form["tasks-0-unit"] == "" and form["tasks-2-unit"] == ""
    assert "“Ban Quản lý Khu du lịch Hồ Núi Cốc” không có trong danh mục." in _unescape(page)
    assert page.count('value="0"') >= 1 and "Thêm vào danh mục" in page
    add_url = review_url.replace("/review", "/review/units")
    assert add_url in page   # the button posts the whole form there
    form["tasks-1-action"] = "Kế hoạch tiêm chủng (đã sửa, chưa lưu)"
    r = client.post(add_url, data={**form, "row": "0"})
    assert r.status_code == 200, r.get_data(as_text=True)[:1000]
    page = _unescape(r.get_data(as_text=True))
    unit = session.exec(select(Unit).where(Unit.name == "Ban Quản lý Khu du lịch Hồ Núi Cốc")).one()
    assert unit.active and unit.kind == "department" and unit.code == "BQLKDLHNC"
    assert f"Đã thêm “{unit.name}” (mã {unit.code})" in page
    after = _review_form(r.get_data(as_text=True))
    # both rows naming it are now led by it; the clerk's unsaved edit came back as typed
    assert after["tasks-0-unit"] == after["tasks-2-unit"] == unit.name
    assert after["tasks-1-action"] == "Kế hoạch tiêm chủng (đã sửa, chưa lưu)"
    assert "owner_not_in_registry" not in after["tasks-0-reasons"]
    assert "Thêm vào danh mục" not in page
    audit = session.exec(select(AuditEvent).where(AuditEvent.entity == "unit", AuditEvent.entity_id == unit.id)).one()
    assert audit.action == "create" and audit.actor_id == clerk.users["clerk"].id
    # nothing of the draft was saved by the button; publishing uses the new unit
    r = client.post(review_url, data={**after, "op": "publish"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    directive = session.exec(select(Directive).where(Directive.code == "15/TB-UBND")).one()
    leads = session.exec(select(Task.lead_unit_id).where(Task.directive_id == directive.id).order_by(Task.id)).all()
    assert leads[0] == leads[2] == unit.id


def test_add_unit_from_review_refuses_a_taken_name_and_a_bad_row(client, clerk, session):
    review_url = _import(client, text=UNKNOWN).headers["Location"]
    form = _review_form(client.get(review_url).get_data(as_text=True))
    add_url = review_url.replace("/review", "/review/units")
    assert client.post(add_url, data={**form, "row": "0"}).status_code == 200
    # the same name again (an old copy of the page): refused, said in Vietnamese, the form kept
    r = client.post(add_url, data={**form, "row": "2"})
    assert r.status_code == 409
    assert "đã dùng cho đơn vị" in _unescape(r.get_data(as_text=True))
    r = client.post(add_url, data={**form, "row": "99"})
    assert r.status_code == 422 and "Không rõ dòng nào" in _unescape(r.get_data(as_text=True))


def test_only_the_clerk_adds_from_the_review(session, world):
    from tracker.services import Forbidden
    from tracker.services import registry_admin

    for role in ("admin", "leader", "staff_a", "head_a"):
        with pytest.raises(Forbidden):
            registry_admin.add_unit_from_review(session, world.users[role], name="Ban Quản lý Chợ Đêm")
    unit = registry_admin.add_unit_from_review(session, world.users["clerk"], name="UBND xã Tân Thành")
    assert (unit.kind, unit.code) == ("commune", "UXTT")
    assert registry_admin.guess_kind("UBND huyện Năm Căn") == "district"
    assert registry_admin.guess_kind("Các đơn vị sự nghiệp") == "group"
