"""Profile (API tokens shown once, revoke, password) and administration (users, units, audit CSV)."""
import io
import re

from sqlmodel import select

from tracker.models import ApiToken
from tracker.models import Unit
from tracker.models import User


def test_profile_tokens_create_once_and_revoke(client, world, login, session):
    login(world.users["staff_a"])
    page = client.get("/profile").get_data(as_text=True)
    assert "/profile/notifications" in page and "Cài đặt nhắc việc và kênh nhận" in page
    r = client.post("/profile/tokens", data={"name": "Excel <b>"})
    page = r.get_data(as_text=True)
    token = re.search(r'id="new-token">(dt_[^<]+)<', page).group(1)
    assert "Excel &lt;b&gt;" in page
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/profile").get_data(as_text=True)
    row = session.exec(select(ApiToken)).one()
    client.post(f"/profile/tokens/{row.id}/revoke")
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/profile/tokens", data={"name": ""}).status_code == 422


def test_cannot_revoke_someone_elses_token(client, world, login, token_for, session):
    token_for(world.users["clerk"])
    row = session.exec(select(ApiToken)).one()
    login(world.users["staff_a"])
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 404
    session.expire_all()
    assert session.get(ApiToken, row.id).revoked_at is None


def test_change_password(client, world, login):
    login(world.users["staff_a"])
    r = client.post("/profile/password", data={"current_password": "sai", "new_password": "moi-mat-khau-2026",
                                               "confirm_password": "moi-mat-khau-2026"})
    assert r.status_code == 422
    r = client.post("/profile/password", data={"current_password": "matkhau-1234", "new_password": "moi-mat-khau-2026",
                                               "confirm_password": "moi-mat-khau-2026"})
    assert r.status_code == 302
    client.post("/logout")
    assert login(world.users["staff_a"], "moi-mat-khau-2026").status_code == 302


def test_admin_pages_are_admin_only(client, world, login):
    for role in ("clerk", "leader", "staff_a"):
        login(world.users[role])
        for path in ("/admin/users", "/admin/units", "/admin/audit.csv"):
            assert client.get(path).status_code == 403, (role, path)
        assert client.post("/admin/users", data={"login": "x"}).status_code == 403
        client.post("/logout")


def test_admin_creates_and_deactivates_users(client, world, login, session):
    login(world.users["admin"])
    assert "canbo_a" in client.get("/admin/users").get_data(as_text=True)
    r = client.post("/admin/users",
                    data={"login": "moi", "display_name": "Cán bộ <i>mới</i>", "password": "matkhau-1234",
                                          "role": "staff", "unit_id": str(world.c.id)})
    assert r.status_code == 302
    assert "Cán bộ &lt;i&gt;mới&lt;/i&gt;" in client.get("/admin/users").get_data(as_text=True)
    r = client.post("/admin/users", data={"login": "moi2", "password": "matkhau-1234", "role": "staff"})
    assert r.status_code == 422 and "cần một đơn vị" in r.get_data(as_text=True)
    r = client.post("/admin/users", data={"login": "moi", "password": "matkhau-1234", "role": "clerk"})
    assert r.status_code == 409
    user = session.exec(select(User).where(User.login == "moi")).one()
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    assert client.post(f"/admin/users/{world.users['admin'].id}/active", data={"active": "0"}).status_code == 409
    client.post("/logout")
    assert login("moi").status_code == 401


def test_deactivated_user_session_ends(client, world, login, session):
    login(world.users["staff_a"])
    assert client.get("/tasks/mine").status_code == 200
    user = session.get(User, world.users["staff_a"].id)
    user.active = False
    session.add(user)
    session.commit()
    assert client.get("/tasks/mine").status_code == 302


def test_admin_imports_unit_registry(client, world, login, session):
    login(world.users["admin"])
    csv_text = "code,name,short,kind,parent,aliases,members\nSNV,Sở Nội vụ,SNV,department,,Nội vụ|SNV,\n"
    r = client.post("/admin/units/import", data={"file": (io.BytesIO(csv_text.encode()), "units.csv")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="import-preview"' in page and "Thêm mới" in page  # a preview first
    assert session.exec(select(Unit).where(Unit.code == "SNV")).first() is None, "the preview writes nothing"
    import re

    content = re.search(r'name="content" value="([^"]+)"', page).group(1)
    r = client.post("/admin/units/import", data={"content": content, "suffix": ".csv"})
    assert r.status_code == 200 and "1 đơn vị mới" in r.get_data(as_text=True)
    assert session.exec(select(Unit).where(Unit.code == "SNV")).one().name == "Sở Nội vụ"
    r = client.post("/admin/units/import", data={"file": (io.BytesIO(b"units: 3"), "units.yaml")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "units:" in r.get_data(as_text=True)
    r = client.post("/admin/units/import", data={"file": (io.BytesIO(b"x"), "units.exe")},
                    content_type="multipart/form-data")
    assert r.status_code == 422


def test_audit_csv_export(client, world, login):
    login(world.users["staff_a"])
    client.post(f"/tasks/{world.task_a.id}/update",
                data={"progress": "20", "note": "=HYPERLINK(\"x\")", "version": "1"})
    client.post("/logout")
    login(world.users["admin"])
    r = client.get("/admin/audit.csv")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeffthoi_gian")
    assert "progress" in text and "canbo_a" in text
    assert "'=HYPERLINK" in text
    assert "create" in text  # audit events (user creation) are included
