"""A hand-computed province over two quarters of 2025, reached through the real workflow.

"Today" is 15/07/2025; Q1 = 01/01–31/03, Q2 = 01/04–30/06. Directive d1 (signer Nguyễn Văn
An) was published 05/01, d2 (signer Trần Thị Bình) 10/04.

Sở Tài chính (A)
  a1 due 15/02, reported 10/02, confirmed 11/02             Q1: HT đúng hạn
  a2 due 28/02, reported 05/03, confirmed 06/03             Q1: HT quá hạn
  a3 due 20/03, reported 18/03, RETURNED 19/03, reported 10/04, confirmed 11/04
                                                            Q1: chưa HT quá hạn (as of 31/03)
                                                            Q2 scores: HT quá hạn (done in Q2)
  a4 due 10/03, extension approved 02/03 -> 15/04, open     Q1: not in it; Q2: chưa HT quá hạn (76 days)
  a5 due 25/03, extension approved 05/04 -> 30/04, reported 28/04, confirmed 29/04
                                                            Q1: chưa HT quá hạn (judged on 25/03)
                                                            Q2: HT đúng hạn
  a6 no deadline (d1)                                       Q1: không có hạn
  a7 due 31/03, cancelled 20/03 (status da_huy)             Q1: excluded
Sở Y tế (B)
  b1 monthly:20 from 20/01: reported 19/01, confirmed 20/01 Q1: HT đúng hạn
     20/02: reported 22/02, confirmed 23/02                 Q1: HT quá hạn
     20/03: reported 20/03, confirmed 02/04                 Q1: chưa HT quá hạn (still awaiting
                                                                confirmation on 31/03)
     20/04: reported 15/04, confirmed 16/04                 Q2: HT đúng hạn
     20/05: open                                            Q2: chưa HT quá hạn (41 days)
  b2 due 15/06 (d2), open                                   Q2: chưa HT quá hạn (15 days)
  b3 due 10/07 (d2), open                                   in neither quarter
UBND huyện Hòa Bình (C)
  c1 no deadline (d2)                                       Q2: không có hạn
  c2 due 30/06 (d2), reported 30/06, confirmed 01/07        Q2: chưa HT trong hạn (as of 30/06)
"""
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time

import pytest
from sqlmodel import select

from tests.leadership.conftest import fast_user
from tests.leadership.conftest import province  # noqa: F401 - the dashboard's fixture, for the equality test
from tracker.models import Directive
from tracker.models import Task
from tracker.services import tasks as task_service
from tracker.services.clock import VN_TZ

TODAY = date(2025, 7, 15)
Q1 = (date(2025, 1, 1), date(2025, 3, 31))
Q2 = (date(2025, 4, 1), date(2025, 6, 30))


def at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour, 0), VN_TZ).astimezone(UTC)


def fig(dh, qh, th, cqh, kch, rate, excluded=0):
    return dict(hoan_thanh_dung_han=dh, hoan_thanh_qua_han=qh, chua_hoan_thanh_trong_han=th,
                chua_hoan_thanh_qua_han=cqh, khong_co_han=kch, tong_so=dh + qh + th + cqh + kch,
                ty_le_dung_han=rate, excluded={"da_huy": excluded})


EXPECTED_Q1 = {
    "Sở Tài chính": fig(1, 1, 0, 2, 1, 25.0, excluded=1),
    "Sở Y tế": fig(1, 1, 0, 1, 0, 33.3),
}
EXPECTED_Q1_TOTAL = fig(2, 2, 0, 3, 1, 28.6, excluded=1)
EXPECTED_Q2 = {
    "Sở Tài chính": fig(1, 0, 0, 1, 0, 50.0),
    "Sở Y tế": fig(1, 0, 0, 2, 0, 33.3),
    "UBND huyện Hòa Bình": fig(0, 0, 1, 0, 1, None),
}
EXPECTED_Q2_TOTAL = fig(2, 0, 1, 3, 1, 40.0)


@dataclass
class Quarters:
    units: dict
    users: dict
    tasks: dict


@pytest.fixture
def quarters(session, make_unit, make_task):
    units = {"A": make_unit("Sở Tài chính"), "B": make_unit("Sở Y tế"),
             "C": make_unit("UBND huyện Hòa Bình", kind="district")}
    users = {"clerk": fast_user(session, "vanphong", "clerk"), "leader": fast_user(session, "lanhdao", "leader"),
             "admin": fast_user(session, "quantri", "admin"),
             **{k: fast_user(session, f"canbo.{k.lower()}", "staff", u) for k, u in units.items()}}
    d1 = Directive(code="5/TB-UBND", number="5", kind="thong_bao_ket_luan", signer="Nguyễn Văn An",
                   title="Thông báo kết luận đầu năm", source_text="(văn bản)", state="published",
                   issued_date=date(2025, 1, 3), published_at=at(date(2025, 1, 5)))
    d2 = Directive(code="20/CT-UBND", number="20", kind="chi_thi", signer="Trần Thị Bình",
                   title="Chỉ thị quý II", source_text="(văn bản)", state="published",
                   issued_date=date(2025, 4, 9), published_at=at(date(2025, 4, 10)))
    session.add(d1)
    session.add(d2)
    session.commit()
    tasks = {}

    def task(key, unit, deadline=None, directive=d1, recurrence=None):
        tasks[key] = make_task(units[unit], action=f"Nhiệm vụ {key}", deadline=deadline, directive=directive,
                               recurrence=recurrence)
        return tasks[key]

    def lead_user(key):
        return users[next(k for k, u in units.items() if u.id == tasks[key].lead_unit_id)]

    def report(key, day):
        task_service.update_task(session, lead_user(key), tasks[key].id, version=None, status="cho_xac_nhan",
                                 now=at(day))
        session.commit()

    def confirm(key, day):
        task_service.confirm_completion(session, users["clerk"], tasks[key].id, now=at(day))
        session.commit()

    def give_back(key, day):
        task_service.return_completion(session, users["clerk"], tasks[key].id, reason="Thiếu hồ sơ", now=at(day))
        session.commit()

    def extend(key, new_date, day):
        req = task_service.request_extension(session, lead_user(key), tasks[key].id, new_date=new_date,
                                             reason="Chờ ý kiến", now=at(day))
        session.commit()
        task_service.decide_extension(session, users["leader"], req.id, approve=True, now=at(day))
        session.commit()

    def cancel(key, day):
        """Cancellation as the cancellation feature writes it: a status event to da_huy."""
        t = tasks[key]
        task_service.record(session, t, users["clerk"], "web", "status", t.status, "da_huy", "Hủy nhiệm vụ",
                            now=at(day))
        t.status = "da_huy"
        session.add(t)
        session.commit()

    def occurrence(series, deadline):
        return session.exec(select(Task).where(Task.series_id == series, Task.deadline == deadline)).one()

    task("a1", "A", date(2025, 2, 15))
    report("a1", date(2025, 2, 10))
    confirm("a1", date(2025, 2, 11))
    task("a2", "A", date(2025, 2, 28))
    report("a2", date(2025, 3, 5))
    confirm("a2", date(2025, 3, 6))
    task("a3", "A", date(2025, 3, 20))
    report("a3", date(2025, 3, 18))
    give_back("a3", date(2025, 3, 19))
    report("a3", date(2025, 4, 10))
    confirm("a3", date(2025, 4, 11))
    task("a4", "A", date(2025, 3, 10))
    extend("a4", date(2025, 4, 15), date(2025, 3, 2))
    task("a5", "A", date(2025, 3, 25))
    extend("a5", date(2025, 4, 30), date(2025, 4, 5))
    report("a5", date(2025, 4, 28))
    confirm("a5", date(2025, 4, 29))
    task("a6", "A")
    task("a7", "A", date(2025, 3, 31))
    cancel("a7", date(2025, 3, 20))

    task("b1", "B", date(2025, 1, 20), recurrence="monthly:20")
    report("b1", date(2025, 1, 19))
    confirm("b1", date(2025, 1, 20))
    series = tasks["b1"].id
    tasks["b1.2"] = occurrence(series, date(2025, 2, 20))
    report("b1.2", date(2025, 2, 22))
    confirm("b1.2", date(2025, 2, 23))
    tasks["b1.3"] = occurrence(series, date(2025, 3, 20))
    report("b1.3", date(2025, 3, 20))
    confirm("b1.3", date(2025, 4, 2))
    tasks["b1.4"] = occurrence(series, date(2025, 4, 20))
    report("b1.4", date(2025, 4, 15))
    confirm("b1.4", date(2025, 4, 16))
    tasks["b1.5"] = occurrence(series, date(2025, 5, 20))
    task("b2", "B", date(2025, 6, 15), directive=d2)
    task("b3", "B", date(2025, 7, 10), directive=d2)

    task("c1", "C", directive=d2)
    task("c2", "C", date(2025, 6, 30), directive=d2)
    report("c2", date(2025, 6, 30))
    confirm("c2", date(2025, 7, 1))
    return Quarters(units=units, users=users, tasks=tasks)
