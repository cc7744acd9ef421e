"""A hand-computed province: tasks in every deadline state, reached through the real workflow.

"Today" is 15/06/2025 (Asia/Ho_Chi_Minh). Expected four-way figures (see EXPECTED):

Sở Tài chính (unit A)
  a1 deadline 10/06, reported 05/06, confirmed        -> hoàn thành đúng hạn
  a2 deadline 10/06, reported ON the deadline day      -> hoàn thành đúng hạn
  a3 deadline 10/06, reported 11/06, confirmed         -> hoàn thành quá hạn
  a4 deadline 01/06, reported 30/05, RETURNED 31/05    -> chưa hoàn thành, quá hạn (14 days)
     (coordinated by Sở Y tế and UBND huyện Hòa Bình)
  a5 deadline 20/06, reported 14/06, not confirmed yet -> chưa hoàn thành, trong hạn
  a6 deadline 01/06, extension to 30/06 APPROVED       -> chưa hoàn thành, trong hạn
  a7 no deadline                                       -> không có hạn
  a8 deadline 16/06 (due soon)                         -> chưa hoàn thành, trong hạn
  a9 deadline 14/06, in progress                       -> chưa hoàn thành, quá hạn (1 day)
Sở Y tế (unit B)
  b1 monthly:25 from 25/04: reported 24/04, confirmed  -> hoàn thành đúng hạn
     occurrence 25/05: reported 27/05, confirmed       -> hoàn thành quá hạn
     occurrence 25/06: open                            -> chưa hoàn thành, trong hạn
  b2 deadline 12/06, extension to 14/06 approved, reported 13/06 -> hoàn thành đúng hạn (new deadline)
  b3 deadline 31/03, other directive (signer Trần Thị Bình) -> chưa hoàn thành, quá hạn (76 days)
  b4 no deadline, done                                 -> không có hạn
UBND huyện Hòa Bình (unit C)
  c1 no deadline                                       -> không có hạn
"""
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time

import pytest
from sqlmodel import select
from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD
from tracker.models import Directive
from tracker.models import Task
from tracker.models import User
from tracker.services import tasks as task_service
from tracker.services.clock import VN_TZ
from tracker.services.search import search_text_for_directive
from tracker.services.search import search_text_for_task

TODAY = date(2025, 6, 15)
NOW = datetime.combine(TODAY, time(10, 0), VN_TZ).astimezone(UTC)

EXPECTED = {
    "Sở Tài chính": dict(hoan_thanh_dung_han=2, hoan_thanh_qua_han=1, chua_hoan_thanh_trong_han=3,
                         chua_hoan_thanh_qua_han=2, khong_co_han=1, tong_so=9, ty_le_dung_han=40.0),
    "Sở Y tế": dict(hoan_thanh_dung_han=2, hoan_thanh_qua_han=1, chua_hoan_thanh_trong_han=1,
                    chua_hoan_thanh_qua_han=1, khong_co_han=1, tong_so=6, ty_le_dung_han=50.0),
    "UBND huyện Hòa Bình": dict(hoan_thanh_dung_han=0, hoan_thanh_qua_han=0, chua_hoan_thanh_trong_han=0,
                                chua_hoan_thanh_qua_han=0, khong_co_han=1, tong_so=1, ty_le_dung_han=None),
}
EXPECTED_TOTAL = dict(hoan_thanh_dung_han=4, hoan_thanh_qua_han=2, chua_hoan_thanh_trong_han=4,
                      chua_hoan_thanh_qua_han=3, khong_co_han=3, tong_so=16, ty_le_dung_han=44.4)


def at(d: date, hour: int = 10) -> datetime:
    """A UTC instant on local (Vietnam) day `d`."""
    return datetime.combine(d, time(hour, 0), VN_TZ).astimezone(UTC)


@dataclass
class Province:
    units: dict
    users: dict
    tasks: dict
    directives: dict


_HASHES = {}


def fast_user(session, login, role, unit=None, password=PASSWORD):
    """A user row with the password hashed once per run (scrypt is slow, and every test
    here needs five accounts)."""
    if password not in _HASHES:
        _HASHES[password] = generate_password_hash(password)
    user = User(login=login, role=role, password_hash=_HASHES[password], display_name=login,
                unit_id=unit.id if unit is not None else None)
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def province(session, make_unit, make_task):
    units = {
        "A": make_unit("Sở Tài chính"),
        "B": make_unit("Sở Y tế"),
        "C": make_unit("UBND huyện Hòa Bình", kind="district"),
    }
    users = {
        "clerk": fast_user(session, "vanphong", "clerk"),
        "leader": fast_user(session, "lanhdao", "leader"),
        "A": fast_user(session, "canbo.tc", "staff", units["A"]),
        "B": fast_user(session, "canbo.yt", "staff", units["B"]),
        "C": fast_user(session, "canbo.hb", "staff", units["C"]),
    }
    d1 = Directive(code="45/TB-UBND", number="45", kind="thong_bao_ket_luan", signer="Nguyễn Văn An",
                   title="Thông báo kết luận của Chủ tịch UBND tỉnh về giải ngân vốn đầu tư công quý II",
                   source_text="(văn bản)", state="published", issued_date=date(2025, 4, 1))
    d2 = Directive(code="12/CT-UBND", number="12", kind="chi_thi", signer="Trần Thị Bình",
                   title="Chỉ thị về phòng, chống dịch bệnh", source_text="(văn bản)", state="published",
                   issued_date=date(2025, 3, 1))
    for d in (d1, d2):
        d.search_text = search_text_for_directive(d)
        session.add(d)
    session.commit()
    tasks = {}

    def task(key, unit, action, deadline=None, directive=d1, status="chua_thuc_hien", recurrence=None, co=()):
        t = make_task(units[unit], action=action, deadline=deadline, directive=directive, status=status,
                      recurrence=recurrence, co_units=[units[c] for c in co])
        t.search_text = search_text_for_task(action, directive, units[unit].name)
        session.add(t)
        session.commit()
        tasks[key] = t
        return t

    def report(key, day):
        t = tasks[key]
        unit_user = users[next(k for k, u in units.items() if u.id == t.lead_unit_id)]
        task_service.update_task(session, unit_user, t.id, version=None, status="cho_xac_nhan", now=at(day))
        session.commit()

    def confirm(key, day):
        task_service.confirm_completion(session, users["clerk"], tasks[key].id, now=at(day))
        session.commit()

    def extend(key, new_date, day):
        unit_user = users[next(k for k, u in units.items() if u.id == tasks[key].lead_unit_id)]
        req = task_service.request_extension(session, unit_user, tasks[key].id, new_date=new_date,
                                             reason="Chờ ý kiến các sở", now=at(day))
        session.commit()
        task_service.decide_extension(session, users["leader"], req.id, approve=True, now=at(day))
        session.commit()

    task("a1", "A", "Báo cáo kết quả giải ngân quý I", date(2025, 6, 10))
    report("a1", date(2025, 6, 5))
    confirm("a1", date(2025, 6, 6))
    task("a2", "A", "Rà soát danh mục dự án chậm giải ngân", date(2025, 6, 10))
    report("a2", date(2025, 6, 10))
    confirm("a2", date(2025, 6, 12))
    task("a3", "A", "Tổng hợp đề xuất điều chỉnh kế hoạch vốn", date(2025, 6, 10))
    report("a3", date(2025, 6, 11))
    confirm("a3", date(2025, 6, 11))
    task("a4", "A", "Hoàn thiện dự thảo quy chế phối hợp", date(2025, 6, 1), co=("C", "B"))
    report("a4", date(2025, 5, 30))
    task_service.return_completion(session, users["clerk"], tasks["a4"].id, reason="Thiếu phụ lục",
                                   now=at(date(2025, 5, 31)))
    session.commit()
    task("a5", "A", "Đôn đốc các chủ đầu tư đẩy nhanh tiến độ", date(2025, 6, 20))
    report("a5", date(2025, 6, 14))
    task("a6", "A", "Kiểm tra, xử lý tồn đọng tạm ứng", date(2025, 6, 1))
    extend("a6", date(2025, 6, 30), date(2025, 5, 25))
    task("a7", "A", "Theo dõi, tổng hợp tình hình thu ngân sách")
    task("a8", "A", "Báo cáo nhanh tình hình giải ngân", date(2025, 6, 16))
    task("a9", "A", "Đề xuất phương án xử lý nợ đọng xây dựng cơ bản", date(2025, 6, 14), status="dang_thuc_hien")

    task("b1", "B", "Báo cáo tình hình dịch bệnh hằng tháng", date(2025, 4, 25), recurrence="monthly:25")
    report("b1", date(2025, 4, 24))
    confirm("b1", date(2025, 4, 26))
    def occurrence(deadline):
        """The next occurrence, opened by confirm_completion."""
        return session.exec(select(Task).where(Task.series_id == tasks["b1"].id, Task.deadline == deadline)).one()

    tasks["b1.2"] = occurrence(date(2025, 5, 25))
    report("b1.2", date(2025, 5, 27))
    confirm("b1.2", date(2025, 5, 27))
    tasks["b1.3"] = occurrence(date(2025, 6, 25))
    task("b2", "B", "Phun hóa chất diệt muỗi tại các ổ dịch", date(2025, 6, 12))
    extend("b2", date(2025, 6, 14), date(2025, 6, 11))
    report("b2", date(2025, 6, 13))
    confirm("b2", date(2025, 6, 13))
    task("b3", "B", "Kiểm tra công tác phòng chống dịch sốt xuất huyết", date(2025, 3, 31), directive=d2)
    task("b4", "B", "Tuyên truyền vệ sinh môi trường", status="hoan_thanh")
    task("c1", "C", "Tổ chức ra quân làm sạch môi trường")
    return Province(units=units, users=users, tasks=tasks, directives={"d1": d1, "d2": d2})
