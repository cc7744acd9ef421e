"""Demo data: the demo province's registry, a user per role, two directives whose tasks
cover every deadline state. Idempotent: loading twice changes nothing the second time."""
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import select

from tracker.models import Directive
from tracker.models import Task
from tracker.models import User
from tracker.services import accounts
from tracker.services import directives as directive_service
from tracker.services import tasks as task_service
from tracker.services.clock import local_today
from tracker.services.clock import utc_now
from tracker.services.units import DEMO_REGISTRY
from tracker.services.units import find_unit
from tracker.services.units import import_registry
from tracker.services.units import read_registry_file

DEMO_PASSWORD = "demo12345"
DEMO_USERS = (
    ("admin", "admin", "Quản trị hệ thống", None),
    ("vanphong", "clerk", "Nguyễn Thị Văn Phòng", "VP_UBND"),
    ("lanhdao", "leader", "Trần Văn Lãnh Đạo", None),
    ("stc.canbo", "staff", "Lê Văn Tài Chính", "STC"),
    ("stc.truong", "head", "Phạm Thị Giám Đốc", "STC"),
    ("syt.canbo", "staff", "Hoàng Văn Y Tế", "SYT"),
    ("sxd.canbo", "staff", "Đỗ Thị Xây Dựng", "SXD"),
)

DEMO_TEXT_1 = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: {n1}/TB-UBND
Demo, ngày {issued_vn}

THÔNG BÁO
Kết luận của Chủ tịch UBND tỉnh tại cuộc họp giao ban tháng

1. Giao Sở Tài chính chủ trì, phối hợp với Sở Xây dựng rà soát, tổng hợp nhu cầu vốn đầu tư công, hoàn thành trước ngày {d_overdue}.
2. Giao Sở Y tế xây dựng kế hoạch tiêm chủng mở rộng, trình UBND tỉnh trước ngày {d_soon}.
3. Sở Xây dựng kiểm tra chất lượng công trình giao thông trọng điểm, báo cáo trước ngày {d_later}.
4. Giao Sở Tài chính tham mưu phân bổ kinh phí hỗ trợ các xã, hoàn thành trước ngày {d_done}.
5. Sở Y tế thường xuyên theo dõi tình hình dịch bệnh trên địa bàn.
"""  # noqa: E501 - the directive's text, one paragraph a line as in a real document

DEMO_TEXT_2 = """ỦY BAN NHÂN DÂN TỈNH DEMO
Số: {n2}/CT-UBND
Demo, ngày {issued_vn}

CHỈ THỊ
Về tăng cường công tác cải cách hành chính

1. Sở Tài chính tổng hợp báo cáo tình hình giải ngân vốn đầu tư công trước ngày 20 hằng tháng.
2. Giao Sở Xây dựng hoàn thiện hồ sơ quy hoạch, hoàn thành trước ngày {d_late}.
3. Giao Sở Tài chính rà soát thủ tục hành chính, hoàn thành trước ngày {d_returned}.
"""


def load_demo(session: Session, *, now=None) -> dict:
    report = import_registry(session, read_registry_file(DEMO_REGISTRY))
    created_users = 0
    for login, role, name, unit_code in DEMO_USERS:
        if session.exec(select(User).where(User.login == login)).first() is None:
            # the demo keeps its well-known password (development only: `demo load` is refused in production)
            accounts.create_user(session, login=login, role=role, password=DEMO_PASSWORD,
                                 display_name=name, unit_ref=unit_code, enforce_policy=False)
            created_users += 1
    session.flush()
    directives_created = 0
    if session.exec(select(Directive).where(Directive.code.like("%-DEMO"))).first() is None:
        _load_directives(session, now)
        directives_created = 2
    return {"units": report, "users_created": created_users, "directives_created": directives_created}


def _load_directives(session: Session, now) -> None:
    """Two demo directives, published, then moved so every deadline state occurs."""
    today = local_today(now)
    issued = today - timedelta(days=20)
    fmt = lambda d: d.strftime("%d/%m/%Y")  # noqa: E731 - a one-line local helper
    values = {
        "n1": "15", "n2": "07", "issued_vn": f"{issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
        "d_overdue": fmt(today - timedelta(days=5)), "d_soon": fmt(today + timedelta(days=2)),
        "d_later": fmt(today + timedelta(days=30)), "d_done": fmt(today - timedelta(days=2)),
        "d_late": fmt(today - timedelta(days=8)), "d_returned": fmt(today + timedelta(days=10)),
    }
    clerk = session.exec(select(User).where(User.login == "vanphong")).one()
    for template, code in ((DEMO_TEXT_1, "15/TB-DEMO"), (DEMO_TEXT_2, "07/CT-DEMO")):
        directive = directive_service.create_draft(session, clerk, text=template.format(**values), issued=issued,
                                                   channel="system", now=now)
        directive.code = code
        for draft in directive.draft_tasks:
            if not draft.get("unit_id"):
                draft["unit_id"] = find_unit(session, "VP_UBND").id
        directive_service.publish(session, clerk, directive, channel="system", now=now)
    session.flush()
    _advance_states(session, clerk, today, now)


def _advance_states(session: Session, clerk: User, today, now) -> None:
    staff_by_unit = {u.unit_id: u for u in session.exec(select(User).where(User.role == "staff")).all()}
    tasks = session.exec(select(Task).order_by(Task.id)).all()
    stamp = utc_now(now)
    for task in tasks:
        staff = staff_by_unit.get(task.lead_unit_id)
        if staff is None or task.deadline is None:
            continue
        if task.deadline == today - timedelta(days=2):  # done on time
            task_service.update_task(session, staff, task.id, version=task.version, status="cho_xac_nhan",
                                     note="Đã hoàn thành, gửi kèm báo cáo", channel="system",
                                     now=stamp - timedelta(days=3))
            task_service.confirm_completion(session, clerk, task.id, channel="system", now=now)
        elif task.deadline == today - timedelta(days=8):  # done late
            task_service.update_task(session, staff, task.id, version=task.version, status="cho_xac_nhan",
                                     note="Hoàn thành muộn do chờ ý kiến các ngành", channel="system",
                                     now=stamp - timedelta(days=1))
            task_service.confirm_completion(session, clerk, task.id, channel="system", now=now)
        elif task.deadline == today + timedelta(days=10):  # returned, counted as not done
            task_service.update_task(session, staff, task.id, version=task.version, status="cho_xac_nhan",
                                     channel="system", now=now)
            task_service.return_completion(session, clerk, task.id, reason="Báo cáo chưa đủ số liệu",
                                           channel="system", now=now)
        elif task.deadline == today + timedelta(days=30):
            task_service.update_task(session, staff, task.id, version=task.version, status="dang_thuc_hien",
                                     progress=40, note="Đang kiểm tra 3/7 công trình", channel="system", now=now)
