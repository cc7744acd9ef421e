"""Directive files through the page and the API: the original kept and served to the right people,
multipart POST answering like the text form, MAX_SCAN_BYTES."""
import io

from sqlmodel import select

from bench.intake_render import to_docx
from tracker.models import Directive
from tracker.models import DirectiveOriginal
from tracker.models import Task
from tracker.services import directives as directive_service

PLAN = ("KẾ HOẠCH\nTriển khai nhiệm vụ năm 2026\n"
        "STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành\n"
        "1 | Rà soát quy hoạch sử dụng đất | Sở Tài chính | Sở Xây dựng | Trước ngày 30/6/2026\n"
        "Nơi nhận:\n- Như trên;")


def _post_file(client, headers, name, data, **fields):
    return client.post("/api/v1/directives", headers=headers,
                       data={"file": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data")


def test_multipart_docx_answers_201_like_the_text_form(client, make_user, token_for, make_unit):
    make_unit("Sở Tài chính", code="STC", aliases=["Sở Tài chính"])
    clerk = make_user("vanphong", "clerk")
    headers = token_for(clerk)
    by_file = _post_file(client, headers, "kh.docx", to_docx(PLAN), issued="2026-01-10", kind="ke_hoach")
    by_text = client.post("/api/v1/directives", headers=headers, json={"text": PLAN, "issued": "2026-01-10",
                                                                        "kind": "ke_hoach"})
    assert by_file.status_code == 201 and by_text.status_code == 201
    a, b = by_file.get_json(), by_text.get_json()
    assert set(a) == set(b)
    strip = lambda ts: [{k: v for k, v in t.items() if k not in ("start", "end")} for t in ts]  # noqa: E731 - a one-line local helper
    assert strip(a["tasks"]) == strip(b["tasks"])
    assert a["tasks"][0]["action"] == "Rà soát quy hoạch sử dụng đất"
    assert a["tasks"][0]["deadline"] == "2026-06-30"


def test_multipart_refusals(app, client, make_user, make_unit, token_for):
    headers = token_for(make_user("vanphong", "clerk"))
    r = _post_file(client, headers, "x.docx", b"not a zip")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "type_mismatch"
    r = client.post("/api/v1/directives", headers=headers, data={"number": "1"}, content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "missing_file"
    app.config["MAX_SCAN_BYTES"] = 1000
    r = _post_file(client, headers, "kh.docx", to_docx(PLAN))
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    staff = make_user("canbo", "staff", make_unit())
    r = _post_file(client, token_for(staff), "kh.txt", PLAN.encode())
    assert r.status_code == 403


def test_original_kept_and_served_to_the_right_people(app, client, session, make_user, make_unit, token_for, login):
    a = make_unit("Sở Tài chính", code="STC", aliases=["Sở Tài chính"])
    b = make_unit("Sở Y tế", code="SYT")
    clerk = make_user("vanphong", "clerk")
    data = to_docx(PLAN)
    r = _post_file(client, token_for(clerk), "Kế hoạch 12.docx", data, issued="2026-01-10")
    directive_id = r.get_json()["id"]
    original = session.exec(select(DirectiveOriginal).where(DirectiveOriginal.directive_id == directive_id)).one()
    assert original.stored_name != "Kế hoạch 12.docx" and original.size == len(data)
    assert original.text_origin == "docx"

    # the draft: only the office
    got = client.get(f"/api/v1/directives/{directive_id}/original", headers=token_for(clerk))
    assert got.status_code == 200 and got.data == data
    assert "attachment" in got.headers["Content-Disposition"]
    staff_a = make_user("canbo_a", "staff", a)
    assert client.get(f"/api/v1/directives/{directive_id}/original", headers=token_for(staff_a)).status_code == 404

    directive = session.get(Directive, directive_id)
    directive_service.publish(session, clerk, directive)
    session.commit()
    assert session.exec(select(Task).where(Task.directive_id == directive_id)).first().lead_unit_id == a.id
    staff_b = make_user("canbo_b", "staff", b)
    leader = make_user("lanhdao", "leader")
    assert client.get(f"/api/v1/directives/{directive_id}/original", headers=token_for(staff_a)).data == data
    assert client.get(f"/api/v1/directives/{directive_id}/original", headers=token_for(leader)).status_code == 200
    assert client.get(f"/api/v1/directives/{directive_id}/original", headers=token_for(staff_b)).status_code == 404

    login(staff_a)
    page = client.get(f"/directives/{directive_id}")
    assert 'id="original-link"' in page.get_data(as_text=True)
    assert client.get(f"/directives/{directive_id}/original").data == data
    login(staff_b)
    assert client.get(f"/directives/{directive_id}/original").status_code == 404


def test_pasted_directive_has_no_original(client, make_user, token_for):
    headers = token_for(make_user("vanphong", "clerk"))
    r = client.post("/api/v1/directives", headers=headers, json={"text": PLAN})
    got = client.get(f"/api/v1/directives/{r.get_json()['id']}/original", headers=headers)
    assert got.status_code == 404 and got.get_json()["error"]["code"] == "not_found"


def test_upload_page_keeps_the_file(client, session, make_user, login):
    login(make_user("vanphong", "clerk"))
    r = client.post("/directives/new", data={"file": (io.BytesIO(to_docx(PLAN)), "kh.docx"), "text": ""},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert session.exec(select(DirectiveOriginal)).one().original_name == "kh.docx"
