"""The unit registry edited in the app: add, rename, merge, deactivate, aliases, groups.

Admin only; every change is audited. A rename keeps the old name as an alias, so the
parser and the search still find the unit by it. A merge moves the source unit's tasks
(lead and coordinating), users and group memberships to the target in the caller's one
transaction, records the move in each task's history, keeps both names searchable and
deactivates the source.
"""
import re

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.models import UNIT_KINDS
from tracker.models import AuditEvent
from tracker.models import Directive
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import Unit
from tracker.models import UnitMember
from tracker.models import User
from tracker.services import Conflict
from tracker.services import Forbidden
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services.clock import utc_now
from tracker.services.search import search_text_for_task
from tracker.services.text import fold
from tracker.services.user_admin import require_admin
from tracker.vocab import Role


def _audit(session, actor, unit_id, action, old=None, new=None, channel="web", now=None):
    session.add(AuditEvent(actor_id=actor.id, channel=channel, entity="unit", entity_id=unit_id, action=action,
                           old_value=None if old is None else str(old)[:4000],
                           new_value=None if new is None else str(new)[:4000], at=utc_now(now)))


def _get(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị")
    return unit


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 255:
        raise ServiceError("Tên đơn vị không được để trống (tối đa 255 ký tự)", code="invalid_name", status=422)
    return name


def _name_taken(session: Session, name: str, except_id: int | None = None) -> Unit | None:
    key = fold(name)
    for u in session.exec(select(Unit)).all():
        if u.id != except_id and u.active and key in {fold(n) for n in [u.name, u.short_name, *(u.aliases or [])] if n}:
            return u
    return None


def add_unit(session: Session, actor: User, *, code: str, name: str, kind: str = "department",
             short_name: str | None = None, aliases=(), channel="web", now=None) -> Unit:
    require_admin(actor)
    return _create_unit(session, actor, code=code, name=name, kind=kind, short_name=short_name, aliases=aliases,
                        channel=channel, now=now)


def add_unit_from_review(session: Session, actor: User, *, name: str, channel="web", now=None) -> Unit:
    """The clerk adds an agency the parser did not find in the registry ("không có trong danh mục")
    from the review page: the name as the document writes it, a code made from it, the kind
    guessed from its head noun. The same checks and audit as the admin's `add_unit`."""
    if actor is None or actor.role != Role.CLERK:
        raise Forbidden("Chỉ Văn phòng được thêm đơn vị từ trang rà soát")
    name = _clean_name(name)
    return _create_unit(session, actor, code=_free_code(session, name), name=name, kind=guess_kind(name),
                        channel=channel, now=now)


# Head nouns of a name -> the unit kind ("UBND xã Tân Thành" is a commune).
_KIND_BY_HEAD = [
    (r"^(?:ubnd|uy ban nhan dan) (?:xa|phuong|dac khu|thi tran)\b", "commune"),
    (r"^(?:ubnd|uy ban nhan dan) (?:huyen|quan|thi xa|thanh pho)\b", "district"),
    (r"^cac\b", "group"),
]


def guess_kind(name: str) -> str:
    key = fold(name)
    for pattern, kind in _KIND_BY_HEAD:
        if re.match(pattern, key):
            return kind
    return "department"


def _free_code(session: Session, name: str) -> str:
    """A code not yet used: the initials of the name's words ("Ban Quản lý dự án" -> "BQLDA"), then -2, -3 ..."""
    words = [w for w in fold(name).upper().split() if w.isalnum()]
    base = "".join(w[0] for w in words)[:20] or "DV"
    taken = {c for c in session.exec(select(Unit.code).where(Unit.code.like(f"{base}%"))).all()}
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


def _create_unit(session: Session, actor: User, *, code: str, name: str, kind: str,
                 short_name: str | None = None, aliases=(), channel="web", now=None) -> Unit:
    code = (code or "").strip()
    if not code or len(code) > 64:
        raise ServiceError("Mã đơn vị không được để trống (tối đa 64 ký tự)", code="invalid_code", status=422)
    if session.exec(select(Unit).where(Unit.code == code)).first():
        raise Conflict(f"Mã đơn vị “{code}” đã có")
    name = _clean_name(name)
    if kind not in UNIT_KINDS:
        raise ServiceError("Loại đơn vị không hợp lệ", code="invalid_kind", status=422)
    other = _name_taken(session, name)
    if other:
        raise Conflict(f"Tên “{name}” đã dùng cho đơn vị {other.name}")
    unit = Unit(code=code, name=name, kind=kind, short_name=(short_name or "").strip() or None,
                aliases=[a.strip() for a in aliases if a and a.strip()])
    session.add(unit)
    session.flush()
    _audit(session, actor, unit.id, "create", None, f"{code}: {name}", channel, now)
    return unit


def rename_unit(session: Session, actor: User, unit_id: int, *, name: str, channel="web", now=None) -> Unit:
    """The new name becomes the unit's name; the old one stays as an alias."""
    require_admin(actor)
    unit = _get(session, unit_id)
    name = _clean_name(name)
    if name == unit.name:
        raise ServiceError("Tên mới trùng tên hiện tại", code="no_change", status=422)
    other = _name_taken(session, name, except_id=unit.id)
    if other:
        raise Conflict(f"Tên “{name}” đã dùng cho đơn vị {other.name}")
    old = unit.name
    unit.aliases = [a for a in dict.fromkeys([*(unit.aliases or []), old]) if fold(a) != fold(name)]
    unit.name = name
    session.add(unit)
    _refresh_search_text(session, [unit.id])
    _audit(session, actor, unit.id, "rename", old, name, channel, now)
    session.flush()
    return unit


def set_aliases(session: Session, actor: User, unit_id: int, aliases: list[str], channel="web", now=None) -> Unit:
    require_admin(actor)
    unit = _get(session, unit_id)
    clean = [a for a in dict.fromkeys(a.strip() for a in aliases if a and a.strip()) if len(a) <= 255]
    old = list(unit.aliases or [])
    unit.aliases = clean
    session.add(unit)
    _audit(session, actor, unit.id, "aliases", "; ".join(old), "; ".join(clean), channel, now)
    session.flush()
    return unit


def set_active(session: Session, actor: User, unit_id: int, active: bool, channel="web", now=None) -> Unit:
    require_admin(actor)
    unit = _get(session, unit_id)
    if unit.active == active:
        raise ServiceError("Đơn vị đã ở tình trạng này", code="no_change", status=422)
    if not active:
        users = session.exec(select(sa.func.count()).select_from(User)
                             .where(User.unit_id == unit.id, User.active == sa.true())).one()
        if users:
            raise Conflict(f"Đơn vị còn {users} tài khoản đang hoạt động; hãy chuyển hoặc khoá các tài khoản, "
                           "hoặc gộp đơn vị vào một đơn vị khác")
    unit.active = active
    session.add(unit)
    _audit(session, actor, unit.id, "activate" if active else "deactivate", not active, active, channel, now)
    session.flush()
    return unit


def set_members(session: Session, actor: User, group_id: int, member_ids: list[int], channel="web", now=None) -> Unit:
    require_admin(actor)
    group = _get(session, group_id)
    if group.kind != "group":
        raise ServiceError("Chỉ nhóm đơn vị mới có thành viên", code="not_a_group", status=422)
    wanted = set()
    for mid in member_ids:
        member = session.get(Unit, mid)
        if member is None or member.kind == "group" or member.id == group.id:
            raise ServiceError("Thành viên phải là một đơn vị (không phải nhóm)", code="invalid_unit", status=422)
        wanted.add(member.id)
    current = set(session.exec(select(UnitMember.member_id).where(UnitMember.group_id == group.id)).all())
    session.execute(sa.delete(UnitMember).where(UnitMember.group_id == group.id,
                                                UnitMember.member_id.in_(sorted(current - wanted) or [-1])))
    for mid in sorted(wanted - current):
        session.add(UnitMember(group_id=group.id, member_id=mid))
    _audit(session, actor, group.id, "members", sorted(current), sorted(wanted), channel, now)
    session.flush()
    return group


def merge_units(session: Session, actor: User, source_id: int, target_id: int, channel="web", now=None) -> dict:
    """Move everything of `source` to `target` and deactivate `source`. Does not commit:
    the caller's one commit makes the whole move, or none of it, visible."""
    from tracker.services.tasks import record

    require_admin(actor)
    if source_id == target_id:
        raise ServiceError("Không thể gộp một đơn vị vào chính nó", code="same_unit", status=422)
    source, target = _get(session, source_id), _get(session, target_id)
    if source.kind == "group" or target.kind == "group":
        raise ServiceError("Không gộp nhóm đơn vị; hãy sửa thành viên của nhóm", code="not_a_unit", status=422)
    if not target.active:
        raise ServiceError("Đơn vị nhận phải đang hoạt động", code="inactive_target", status=422)
    stamp = utc_now(now)
    lead_tasks = session.exec(select(Task).where(Task.lead_unit_id == source.id)).all()
    from tracker.services.office import record_lead_move

    for task in lead_tasks:
        record(session, task, actor, channel, "corrected_lead", source.name, target.name,
               f"Gộp đơn vị {source.name} vào {target.name}", now)
        record_lead_move(session, actor, task.id, source.id, target.id, channel, now)
        task.lead_unit_id = target.id
        task.version += 1
        task.updated_at = stamp
        session.add(task)
    co_rows = session.exec(select(TaskCoUnit).where(TaskCoUnit.unit_id == source.id)).all()
    moved_co = 0
    for row in co_rows:
        task = session.get(Task, row.task_id)
        already = session.get(TaskCoUnit, (row.task_id, target.id)) or task.lead_unit_id == target.id
        session.delete(row)
        if not already:
            session.add(TaskCoUnit(task_id=row.task_id, unit_id=target.id))
            moved_co += 1
        record(session, task, actor, channel, "corrected_co", source.name, target.name,
               f"Gộp đơn vị {source.name} vào {target.name}", now)
    session.flush()
    users = session.execute(sa.update(User).where(User.unit_id == source.id).values(unit_id=target.id)
                            .execution_options(synchronize_session=False)).rowcount
    for m in session.exec(select(UnitMember).where(UnitMember.member_id == source.id)).all():
        if session.get(UnitMember, (m.group_id, target.id)) is None:
            session.add(UnitMember(group_id=m.group_id, member_id=target.id))
        session.delete(m)
    target.aliases = [a for a in dict.fromkeys([*(target.aliases or []), source.name, *(source.aliases or []),
                                                *([source.short_name] if source.short_name else [])])
                      if fold(a) != fold(target.name)]
    source.active = False
    session.add_all([source, target])
    session.flush()
    _refresh_search_text(session, [target.id])
    report = {"tasks": len(lead_tasks), "co_tasks": moved_co, "users": users}
    _audit(session, actor, source.id, "merge", source.name, f"vào {target.name}: {report}", channel, now)
    session.flush()
    return report


def _refresh_search_text(session: Session, unit_ids: list[int]) -> None:
    """Tasks are found by their lead unit's name: recompute it with the unit's aliases."""
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(unit_ids))).all()}
    for task in session.exec(select(Task).where(Task.lead_unit_id.in_(unit_ids))).all():
        unit = units[task.lead_unit_id]
        directive = session.get(Directive, task.directive_id)
        owner = " ".join([unit.name, *(unit.aliases or [])])
        task.search_text = search_text_for_task(task.action, directive, owner)
        session.add(task)
