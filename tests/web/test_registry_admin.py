"""Users and units administered in the app (issue 14): admin only, audited, one transaction."""
import pytest
import sqlalchemy as sa
from sqlmodel import select

from tracker.models import AuditEvent
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import TaskEvent
from tracker.models import Unit
from tracker.models import UnitMember
from tracker.models import User
from tracker.services import ServiceError
from tracker.services import registry_admin as reg
from tracker.services import user_admin


def _audits(session, entity, action):
    return session.exec(select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.action == action)).all()


def test_clerk_cannot_edit_users(client, world, login, session):
    staff = world.users["staff_a"]
    login(world.users["clerk"])
    for path, data in (("edit", {"role": "admin", "display_name": "X", "unit_id": ""}),
                       ("password", {"password": "matkhau-moi-1"}), ("active", {"active": "0"})):
        assert client.post(f"/admin/users/{staff.id}/{path}", data=data).status_code == 403, path
    assert client.get("/admin/users").status_code == 403
    session.expire_all()
    assert session.get(User, staff.id).role == "staff" and session.get(User, staff.id).active
    with pytest.raises(ServiceError) as exc:
        user_admin.update_user(session, world.users["clerk"], staff.id, role="admin")
    assert exc.value.status == 403


def test_admin_edits_a_user(client, world, login, session):
    staff = world.users["staff_a"]
    login(world.users["admin"])
    r = client.post(f"/admin/users/{staff.id}/edit", data={"display_name": "Nguyễn Văn A", "role": "head",
                                                           "unit_id": str(world.b.id)})
    assert r.status_code == 302
    session.expire_all()
    user = session.get(User, staff.id)
    assert (user.display_name, user.role, user.unit_id) == ("Nguyễn Văn A", "head", world.b.id)
    assert {a.action for a in session.exec(select(AuditEvent).where(AuditEvent.entity_id == staff.id,
                                                                   AuditEvent.entity == "user")).all()} \
        >= {"rename", "role", "unit"}
    # a unit role needs a unit; one's own role is not changed by oneself
    r = client.post(f"/admin/users/{staff.id}/edit", data={"display_name": "Nguyễn Văn A", "role": "staff",
                                                           "unit_id": ""})
    assert r.status_code == 422
    r = client.post(f"/admin/users/{world.users['admin'].id}/edit", data={"display_name": "QT", "role": "clerk",
                                                                          "unit_id": ""})
    assert r.status_code == 409
    # search and filters
    page = client.get("/admin/users?q=Nguy%E1%BB%85n").get_data(as_text=True)
    assert "canbo_a" in page and "canbo_b" not in page
    page = client.get("/admin/users?role=clerk").get_data(as_text=True)
    assert "vanphong" in page and "canbo_c" not in page
    page = client.get(f"/admin/users?unit={world.c.id}").get_data(as_text=True)
    assert "canbo_c" in page and "vanphong" not in page


def test_password_reset_forces_a_change_at_next_login(client, world, login, session):
    staff = world.users["staff_a"]
    login(world.users["admin"])
    assert client.post(f"/admin/users/{staff.id}/password", data={"password": "ngan"}).status_code == 422
    assert client.post(f"/admin/users/{staff.id}/password", data={"password": "tam-thoi-123"}).status_code == 302
    client.post("/logout")
    r = login("canbo_a", "tam-thoi-123")
    assert r.status_code == 302
    r = client.get("/tasks/mine")
    assert r.status_code == 302 and "/profile" in r.headers["Location"]
    r = client.post("/profile/password", data={"current_password": "tam-thoi-123", "new_password": "moi-that-456",
                                               "confirm_password": "moi-that-456"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]  # a change ends every session
    login("canbo_a", "moi-that-456")
    assert client.get("/tasks/mine").status_code == 200
    assert _audits(session, "user", "reset_password")


def test_rename_keeps_the_old_name_searchable(client, world, login, session):
    login(world.users["admin"])
    r = client.post(f"/admin/units/{world.a.id}/rename", data={"name": "Sở Tài chính và Kế hoạch"})
    assert r.status_code == 302
    session.expire_all()
    unit = session.get(Unit, world.a.id)
    assert unit.name == "Sở Tài chính và Kế hoạch" and "Sở Tài chính" in unit.aliases
    from tracker.services.units import find_unit

    assert find_unit(session, "Sở Tài chính").id == unit.id
    assert _audits(session, "unit", "rename")
    r = client.post(f"/admin/units/{world.b.id}/rename", data={"name": "Sở Tài chính"})
    assert r.status_code == 409, "a name (or alias) of another unit is refused"


def test_merge_moves_tasks_users_and_memberships(client, world, login, session, make_task):
    b, c = world.b, world.c
    group = Unit(code="NHOM", name="Các sở", kind="group")
    session.add(group)
    session.commit()
    session.add(UnitMember(group_id=group.id, member_id=b.id))
    t_c = make_task(c, action="Nhiệm vụ của C", co_units=[b])
    session.commit()
    login(world.users["admin"])
    r = client.post(f"/admin/units/{b.id}/merge", data={"target_id": str(c.id)})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Task, world.task_b.id).lead_unit_id == c.id
    assert session.get(User, world.users["staff_b"].id).unit_id == c.id
    co = set(session.exec(select(TaskCoUnit.unit_id).where(TaskCoUnit.task_id == world.task_a.id)).all())
    assert co == {c.id}
    assert not session.exec(select(TaskCoUnit).where(TaskCoUnit.task_id == t_c.id)).all(), \
        "a unit does not coordinate its own task"
    assert set(session.exec(select(UnitMember.member_id).where(UnitMember.group_id == group.id)).all()) == {c.id}
    merged = session.get(Unit, b.id)
    assert not merged.active and "Sở Y tế" in session.get(Unit, c.id).aliases
    from tracker.services.units import find_unit

    assert find_unit(session, "Sở Y tế").id in (b.id, c.id)
    moved = session.exec(select(TaskEvent).where(TaskEvent.task_id == world.task_b.id,
                                                 TaskEvent.kind == "corrected_lead")).one()
    assert (moved.old_value, moved.new_value) == ("Sở Y tế", "Sở Xây dựng")
    move = session.exec(select(AuditEvent).where(AuditEvent.action == "lead_unit_moved",
                                                 AuditEvent.entity_id == world.task_b.id)).one()
    assert (move.old_value, move.new_value) == (str(b.id), str(c.id))
    # both names find the task
    from tracker.services import tasks as task_service

    rows, _ = task_service.list_tasks(session, world.users["clerk"], today=world.today, q="so y te")
    assert world.task_b.id in {t.id for t, _, _ in rows}


def test_merge_is_one_transaction(app, world, session, monkeypatch):
    """A failure in the middle of a merge leaves nothing moved."""
    engine = app.extensions["engine"]

    def boom(*args, **kwargs):
        raise RuntimeError("giữa chừng")

    monkeypatch.setattr(reg, "_refresh_search_text", boom)
    from sqlmodel import Session

    with Session(engine) as s:
        admin = s.get(User, world.users["admin"].id)
        with pytest.raises(RuntimeError):
            reg.merge_units(s, admin, world.b.id, world.c.id)
        s.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT lead_unit_id FROM task WHERE id = :i"), {"i": world.task_b.id}).scalar() \
            == world.b.id
        assert conn.execute(sa.text("SELECT unit_id FROM user_account WHERE id = :i"),
                            {"i": world.users["staff_b"].id}).scalar() == world.b.id
        assert conn.execute(sa.text("SELECT active FROM unit WHERE id = :i"), {"i": world.b.id}).scalar() in (1, True)


def test_add_deactivate_aliases_members(client, world, login, session):
    login(world.users["admin"])
    r = client.post("/admin/units", data={"code": "SNV", "name": "Sở Nội vụ", "kind": "department",
                                          "aliases": "SNV; Nội vụ"})
    assert r.status_code == 302
    snv = session.exec(select(Unit).where(Unit.code == "SNV")).one()
    assert snv.aliases == ["SNV", "Nội vụ"]
    assert client.post("/admin/units", data={"code": "SNV", "name": "Khác"}).status_code == 409
    assert client.post(f"/admin/units/{snv.id}/aliases", data={"aliases": "Sở NV"}).status_code == 302
    session.expire_all()
    assert session.get(Unit, snv.id).aliases == ["Sở NV"]
    # a unit with active users cannot be deactivated; an empty one can
    assert client.post(f"/admin/units/{world.a.id}/active", data={"active": "0"}).status_code == 409
    assert client.post(f"/admin/units/{snv.id}/active", data={"active": "0"}).status_code == 302
    session.expire_all()
    assert not session.get(Unit, snv.id).active
    group = Unit(code="G", name="Nhóm thử", kind="group")
    session.add(group)
    session.commit()
    assert client.post(f"/admin/units/{group.id}/members",
                       data={"member_ids": [str(world.a.id), str(world.b.id)]}).status_code == 302
    assert set(session.exec(select(UnitMember.member_id).where(UnitMember.group_id == group.id)).all()) == \
        {world.a.id, world.b.id}
    assert client.post(f"/admin/units/{world.a.id}/members", data={"member_ids": [str(world.b.id)]}).status_code == 422
    assert {a.action for a in session.exec(select(AuditEvent).where(AuditEvent.entity == "unit")).all()} >= \
        {"create", "aliases", "deactivate", "members"}
    login(world.users["clerk"])
    assert client.post("/admin/units", data={"code": "X", "name": "Y"}).status_code == 403


def test_admin_edits_the_years_holiday_table(client, world, login, session):
    from datetime import date

    from tracker.vncalendar import is_holiday
    from tracker.vncalendar import is_working_day

    login(world.users["clerk"])
    assert client.get("/admin/holidays?year=2031").status_code == 403
    assert client.post("/admin/holidays", data={"year": "2031", "rows": "nghỉ 01/01/2031"}).status_code == 403
    login(world.users["admin"])
    page = client.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert "nghỉ 17/02/2026" in page, "the official rows of holidays.csv are shown to edit"
    assert not is_holiday(date(2031, 3, 3)) and not is_working_day(date(2031, 3, 8))
    bad = client.post("/admin/holidays", data={"year": "2031", "rows": "nghỉ 31/02/2031 sai"})
    assert bad.status_code == 422 and "không có trong lịch" in bad.get_data(as_text=True)
    bad = client.post("/admin/holidays", data={"year": "2031", "rows": "nghỉ 01/01/2031\nlàm 05/03/2031 thứ Năm"})
    assert bad.status_code == 422
    r = client.post("/admin/holidays", data={"year": "2031", "rows": "nghỉ 01/01/2031 Tết Dương lịch\n"
                                                                      "nghỉ 03/03/2031 Nghỉ bù\n"
                                                                      "làm 08/03/2031 Làm bù"})
    assert r.status_code == 302
    assert is_holiday(date(2031, 3, 3)) and is_working_day(date(2031, 3, 8))
    assert not is_holiday(date(2031, 9, 2)), "the edited year replaces the rule-based estimate"
    assert session.exec(select(AuditEvent).where(AuditEvent.entity == "holiday")).first() is not None
    r = client.post("/admin/holidays", data={"year": "2031", "restore": "1"})
    assert r.status_code == 302
    assert not is_holiday(date(2031, 3, 3)) and is_holiday(date(2031, 9, 2))
