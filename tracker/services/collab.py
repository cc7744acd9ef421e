"""Work inside and across units (issue 16): the officer in charge, the discussion with
@mentions, following a task, and for-information units.

Every event a person should hear about goes through `tracker.followup.outbox.enqueue`
(the one source of notifications: the web inbox and the chat/mail channels). Nothing
here commits: the change and its events are one transaction of the caller.
"""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session
from sqlmodel import select

from tracker.followup import outbox
from tracker.models import CLERK
from tracker.models import HEAD
from tracker.models import LEADER
from tracker.models import STAFF
from tracker.models import Task
from tracker.models import TaskComment
from tracker.models import TaskFollow
from tracker.models import TaskInfoUnit
from tracker.models import Unit
from tracker.models import User
from tracker.services import Forbidden
from tracker.services import ServiceError
from tracker.services import permissions
from tracker.services.clock import utc_now

MAX_COMMENT = 5000
MAX_COMMENT_FILES = 10
# "@" + a login of letters, digits and dots; a trailing dot (end of sentence) is not part of
# it, nor is any other punctuation. "@" inside a word (an e-mail address) is not a mention.
MENTION = re.compile(r"(?<![\w@])@([^\W_]+(?:\.[^\W_]+)*)")


def _record(session, task, actor, channel, kind, old=None, new=None, note=None, now=None):
    from tracker.services.tasks import record

    return record(session, task, actor, channel, kind, old, new, note, now)


def _bump(session, task, version, now):
    from tracker.services.tasks import _bump_version

    _bump_version(session, task, version, now)


def task_label(task: Task) -> str:
    action = " ".join((task.action or "").split())
    return f"#{task.id} {action[:80]}{'…' if len(action) > 80 else ''}"


# --- officer in charge --------------------------------------------------------------

def can_assign(session: Session, user: User, task: Task) -> bool:
    """The lead unit's head, its staff when the unit allows it, and the clerk."""
    if user.role == CLERK:
        return True
    if not permissions.is_lead(user, task):
        return False
    if user.role == HEAD:
        return True
    unit = session.get(Unit, task.lead_unit_id)
    return bool(unit and unit.staff_may_assign)


def assign(session: Session, user: User, task: Task, assignee_id: int | None, *, version: int | None,
           channel: str = "web", now: datetime | None = None) -> Task:
    """Set (or, with None, clear) the officer in charge; history and an `assigned` event."""
    if not can_assign(session, user, task):
        raise Forbidden("Chỉ lãnh đạo đơn vị chủ trì (hoặc cán bộ khi đơn vị cho phép) và Văn phòng được phân công")
    assignee = None
    if assignee_id is not None:
        if not isinstance(assignee_id, int) or isinstance(assignee_id, bool):
            raise ServiceError("'assignee_id' phải là số nguyên hoặc null", code="invalid_assignee", status=422)
        assignee = session.get(User, assignee_id)
        if (assignee is None or not assignee.active or assignee.unit_id != task.lead_unit_id
                or assignee.role not in (STAFF, HEAD)):
            raise ServiceError("Người được giao phải là cán bộ đang hoạt động của đơn vị chủ trì",
                               code="invalid_assignee", status=422)
    if (assignee.id if assignee else None) == task.assignee_id:
        raise ServiceError("Không có thay đổi nào", code="no_change", status=422)
    old = session.get(User, task.assignee_id) if task.assignee_id else None
    _bump(session, task, version, now)
    _record(session, task, user, channel, "assignee", old.display_name if old else None,
            assignee.display_name if assignee else None, None, now)
    task.assignee_id = assignee.id if assignee else None
    session.add(task)
    session.flush()
    if assignee is not None:
        follow(session, assignee, task, now=now)
        if assignee.id != user.id:
            outbox.enqueue(session, recipient_ids=[assignee.id], kind="assigned", now=utc_now(now), task_id=task.id,
                           text=f"{user.display_name} giao bạn xử lý nhiệm vụ {task_label(task)}",
                           dedupe=f"assigned:t{task.id}:v{task.version}")
    return task


CLOSED_STATUSES = ("hoan_thanh", "da_huy")  # their officer in charge stays on record


def open_assignments(session: Session, user_id: int) -> int:
    """How many open tasks are assigned to the person."""
    return session.execute(sa.select(sa.func.count()).select_from(Task).where(
        Task.assignee_id == user_id, Task.status.not_in(CLOSED_STATUSES))).scalar_one()


def release_assignments(session: Session, actor: User, person: User, *, channel: str = "web",
                        now: datetime | None = None) -> list[Task]:
    """After `person` moved to another unit, was deactivated or no longer has a unit role:
    the open tasks assigned to them that they may no longer be assigned (the officer in
    charge is an active officer of the lead unit, as `assign` requires) lose the
    assignment, with a history entry; the lead unit's head (or, with no active head, the
    tracking office) is told to assign someone else. The person stops following those
    tasks they can no longer see. Their daily message follows their new unit. Does not commit.

    An office hands a transferring officer's files over (bàn giao): the task stays with its
    lead unit, and only that unit's head can give it to someone who is still there."""
    still_valid = sa.and_(sa.literal(bool(person.active)), sa.literal(person.role in (STAFF, HEAD)),
                          Task.lead_unit_id == (person.unit_id if person.unit_id is not None else -1))
    tasks = session.exec(select(Task).where(Task.assignee_id == person.id, Task.status.not_in(CLOSED_STATUSES),
                                            sa.not_(still_valid)).order_by(Task.id)).all()
    if not tasks:
        return []
    new_unit = session.get(Unit, person.unit_id) if person.unit_id else None
    if not person.active:
        why = f"{person.display_name} không còn hoạt động"
    elif person.role not in (STAFF, HEAD):
        why = f"{person.display_name} không còn là cán bộ đơn vị"
    else:
        why = f"{person.display_name} đã chuyển sang {new_unit.name if new_unit else 'đơn vị khác'}"
    when = utc_now(now)
    for task in tasks:
        _bump(session, task, None, now)
        session.refresh(task)
        _record(session, task, actor, channel, "assignee", person.display_name, None,
                f"Bỏ phân công: {why}; cần phân công người khác", now)
        task.assignee_id = None
        session.add(task)
        session.flush()
        if not permissions.can_view_task(session, person, task):
            unfollow(session, person, task)
        heads = [u.id for u in session.exec(select(User).where(
            User.unit_id == task.lead_unit_id, User.role == HEAD, User.active == sa.true(),
            User.id != person.id)).all()]
        told = heads or [u.id for u in session.exec(select(User).where(
            User.role == CLERK, User.active == sa.true())).all()]
        outbox.enqueue(session, recipient_ids=told, kind="unassigned", now=when, task_id=task.id,
                       text=f"{why}: nhiệm vụ {task_label(task)} chưa có người xử lý, đề nghị phân công lại",
                       dedupe=f"unassigned:t{task.id}:v{task.version}")
    return list(tasks)


def unit_officers(session: Session, unit_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.unit_id == unit_id, User.active == sa.true(),
                                                User.role.in_((STAFF, HEAD))).order_by(User.display_name)).all())


# --- following ----------------------------------------------------------------------

def is_following(session: Session, user: User, task: Task) -> bool:
    return session.get(TaskFollow, (task.id, user.id)) is not None


def follow(session: Session, user: User, task: Task, now: datetime | None = None) -> None:
    if not is_following(session, user, task):
        session.add(TaskFollow(task_id=task.id, user_id=user.id, created_at=utc_now(now)))
        session.flush()


def unfollow(session: Session, user: User, task: Task) -> None:
    session.execute(sa.delete(TaskFollow).where(TaskFollow.task_id == task.id, TaskFollow.user_id == user.id))


# --- discussion ---------------------------------------------------------------------

def mentioned_logins(text: str) -> list[str]:
    seen: list[str] = []
    for m in MENTION.finditer(text or ""):
        login = m.group(1).lower()
        if login not in seen:
            seen.append(login)
    return seen


def add_comment(session: Session, user: User, task: Task, text, *, directing: bool = False,
                files: list[tuple[str, bytes]] = (), upload_dir: str | None = None, max_bytes: int = 0,
                channel: str = "web", now: datetime | None = None) -> TaskComment:
    """Append a comment; mentions must be people who can see the task (422 otherwise).

    `files` are (name, bytes) sent with it, stored under the evidence rules
    (`tasks.store_file`: size cap, sniffed type, safe name), at most MAX_COMMENT_FILES. If
    anything is refused, the files already written are removed and nothing is kept."""
    if not permissions.can_view_task(session, user, task):
        raise Forbidden("Bạn không có quyền trao đổi trên nhiệm vụ này")
    if not isinstance(text, str) or not text.strip():
        raise ServiceError("Cần nhập nội dung ý kiến", code="empty_text", status=422)
    text = text.strip()
    if len(text) > MAX_COMMENT:
        raise ServiceError(f"Ý kiến quá dài (tối đa {MAX_COMMENT} ký tự)", code="too_long", status=422)
    if not isinstance(directing, bool):
        raise ServiceError("'directing' phải là true hoặc false", code="invalid_directing", status=422)
    if directing and user.role != LEADER:
        raise Forbidden("Chỉ lãnh đạo UBND được ghi ý kiến chỉ đạo")
    files = list(files or ())
    if len(files) > MAX_COMMENT_FILES:
        raise ServiceError(f"Tối đa {MAX_COMMENT_FILES} tệp cho một ý kiến", code="too_many_files", status=422)
    logins = mentioned_logins(text)
    mentioned: list[User] = []
    if logins:
        found = session.exec(select(User).where(sa.func.lower(User.login).in_(logins))).all()
        outside = [u.login for u in found if not u.active or not permissions.can_view_task(session, u, task)]
        if outside:
            err = ServiceError("Không thể nhắc tên người không xem được nhiệm vụ này: @" + ", @".join(outside),
                               code="mention_outside", status=422)
            err.errors = {"mentions": outside}
            raise err
        mentioned = [u for u in found if u.id != user.id]
        mentioned += _unit_mentions(session, task, [x for x in logins if x not in {u.login.lower() for u in found}],
                                    exclude={user.id} | {u.id for u in mentioned})
    comment = TaskComment(task_id=task.id, author_id=user.id, text=text, directing=directing,
                          created_at=utc_now(now))
    session.add(comment)
    session.flush()
    stored = _store_comment_files(session, user, task, comment, files, upload_dir, max_bytes, now)
    _record(session, task, user, channel, "directing" if directing else "comment", None,
            ", ".join(a.original_name for a in stored)[:2000] or None, text[:2000], now)
    follow(session, user, task, now=now)
    when = utc_now(now)
    snippet = " ".join(text.split())[:200]
    mention_ids = {u.id for u in mentioned}
    if mention_ids:
        outbox.enqueue(session, recipient_ids=mention_ids, kind="mention", now=when, task_id=task.id,
                       text=f"{user.display_name} nhắc đến bạn ở nhiệm vụ {task_label(task)}: {snippet}",
                       dedupe=f"mention:c{comment.id}")
    followers = set(session.exec(select(TaskFollow.user_id).where(TaskFollow.task_id == task.id)).all())
    followers -= mention_ids | {user.id}
    if followers:
        label = "ý kiến chỉ đạo" if directing else "ý kiến"
        outbox.enqueue(session, recipient_ids=followers, kind="comment", now=when, task_id=task.id,
                       text=f"{user.display_name} có {label} ở nhiệm vụ {task_label(task)}: {snippet}",
                       dedupe=f"comment:c{comment.id}")
    return comment


def _store_comment_files(session, user, task, comment, files, upload_dir, max_bytes, now) -> list:
    from tracker.services.tasks import discard_attachment_file
    from tracker.services.tasks import store_file

    stored = []
    try:
        for name, data in files:
            stored.append(store_file(session, user, task, filename=name, data=data, upload_dir=upload_dir,
                                     max_bytes=max_bytes, comment_id=comment.id, now=now))
    except BaseException:
        for attachment in stored:
            discard_attachment_file(upload_dir, attachment)
        raise
    if stored:
        comment.attachment_id = stored[0].id  # the first file, as before several were allowed
        session.add(comment)
        session.flush()
    return stored


def _unit_mentions(session: Session, task: Task, names: list[str], exclude: set[int]) -> list[User]:
    """`@CODE` of a unit (its registry code) mentions the unit's people; a unit that cannot see
    the task is refused like a person (422). Names that are neither a login nor a code are text."""
    if not names:
        return []
    units = session.exec(select(Unit).where(sa.func.lower(Unit.code).in_(names), Unit.active == sa.true())).all()
    outside = [u.code for u in units if not permissions.can_view_task(session, User(role=STAFF, unit_id=u.id), task)]
    if outside:
        err = ServiceError("Không thể nhắc đơn vị không xem được nhiệm vụ này: @" + ", @".join(outside),
                           code="mention_outside", status=422)
        err.errors = {"mentions": outside}
        raise err
    if not units:
        return []
    return [p for p in session.exec(select(User).where(User.unit_id.in_([u.id for u in units]),
                                                       User.active == sa.true(),
                                                       User.role.in_((STAFF, HEAD)))).all() if p.id not in exclude]


def comments_of(session: Session, task: Task) -> list[tuple[TaskComment, str]]:
    """The thread, oldest first, with each author's name (one query)."""
    rows = session.exec(select(TaskComment, User.display_name).join(User, User.id == TaskComment.author_id)
                        .where(TaskComment.task_id == task.id)
                        .order_by(TaskComment.created_at, TaskComment.id)).all()
    return [(c, name) for c, name in rows]


def comment_files(session: Session, task: Task, attachments=None) -> dict[int, list]:
    """The files sent with each comment of `task`, by comment id: from `attachments` (all
    of the task's files, already read) or one query."""
    from tracker.models import Attachment

    out: dict[int, list] = {}
    if attachments is not None:
        rows = sorted((a for a in attachments if a.comment_id is not None), key=lambda a: a.id)
    else:
        rows = session.exec(select(Attachment).where(Attachment.task_id == task.id, Attachment.comment_id.is_not(None))
                            .order_by(Attachment.id)).all()
    for attachment in rows:
        out.setdefault(attachment.comment_id, []).append(attachment)
    return out


# --- for-information units ----------------------------------------------------------

def info_units_for(session: Session, task_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = {tid: [] for tid in task_ids}
    if not task_ids:
        return out
    rows = session.exec(select(TaskInfoUnit.task_id, Unit.id, Unit.name).join(Unit, Unit.id == TaskInfoUnit.unit_id)
                        .where(TaskInfoUnit.task_id.in_(task_ids)).order_by(Unit.name)).all()
    for task_id, unit_id, name in rows:
        out[task_id].append((unit_id, name))
    return out


def validate_unit_ids(session: Session, raw, label: str = "info_unit_ids") -> list[int]:
    if raw is None:
        return []
    if not isinstance(raw, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in raw):
        raise ServiceError(f"'{label}' phải là danh sách số nguyên", code="invalid_units", status=422)
    ids = sorted(set(raw))
    if ids:
        found = set(session.exec(select(Unit.id).where(Unit.id.in_(ids), Unit.active == sa.true())).all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ServiceError(f"Không có đơn vị: {', '.join(map(str, missing))}", code="unknown_unit", status=422)
    return ids


def set_info_units(session: Session, user: User, task: Task, unit_ids: list[int], *, version: int | None,
                   channel: str = "web", now: datetime | None = None) -> Task:
    """The clerk names the for-information units of a published task."""
    if user.role != CLERK:
        raise Forbidden("Chỉ Văn phòng được sửa đơn vị nhận để biết")
    ids = set(unit_ids) - {task.lead_unit_id}
    current = permissions.info_unit_ids(session, task)
    if ids == current:
        return task
    _bump(session, task, version, now)
    names = (dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(ids | current))).all()) if ids | current
             else {})
    _record(session, task, user, channel, "info_units", ", ".join(sorted(names[i] for i in current)) or None,
            ", ".join(sorted(names[i] for i in ids)) or None, None, now)
    session.execute(sa.delete(TaskInfoUnit).where(TaskInfoUnit.task_id == task.id))
    for uid in sorted(ids):
        session.add(TaskInfoUnit(task_id=task.id, unit_id=uid))
    session.flush()
    return task
