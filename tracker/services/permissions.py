"""Who may see and change what. Enforced here so pages, API and Telegram share one rule set."""
from sqlmodel import Session
from sqlmodel import select

from tracker.models import CLERK
from tracker.models import Task
from tracker.models import TaskCoUnit
from tracker.models import User
from tracker.vocab import CAN_CONFIRM
from tracker.vocab import CAN_DECIDE_EXTENSION
from tracker.vocab import CAN_IMPORT
from tracker.vocab import SEES_EVERYTHING
from tracker.vocab import UNIT_ROLES


def co_unit_ids(session: Session, task: Task) -> set[int]:
    return set(session.exec(select(TaskCoUnit.unit_id).where(TaskCoUnit.task_id == task.id)).all())


def is_lead(user: User, task: Task) -> bool:
    return user.role in UNIT_ROLES and user.unit_id is not None and user.unit_id == task.lead_unit_id


def is_coordinator(session: Session, user: User, task: Task) -> bool:
    return user.role in UNIT_ROLES and user.unit_id is not None and user.unit_id in co_unit_ids(session, task)


def info_unit_ids(session: Session, task: Task) -> set[int]:
    from tracker.models import TaskInfoUnit

    return set(session.exec(select(TaskInfoUnit.unit_id).where(TaskInfoUnit.task_id == task.id)).all())


def is_info_unit(session: Session, user: User, task: Task) -> bool:
    """A for-information unit ("nhận để biết"): sees the task and its discussion, no duty."""
    return user.role in UNIT_ROLES and user.unit_id is not None and user.unit_id in info_unit_ids(session, task)


def is_delegating_unit(session: Session, user: User, task: Task) -> bool:
    """The lead unit of the task this one was delegated from (it follows and confirms its children)."""
    if task.parent_id is None or user.role not in UNIT_ROLES or user.unit_id is None:
        return False
    parent = session.get(Task, task.parent_id)
    return parent is not None and parent.lead_unit_id == user.unit_id


def can_view_task(session: Session, user: User, task: Task) -> bool:
    if user.role in SEES_EVERYTHING:
        return True
    return (is_lead(user, task) or is_coordinator(session, user, task) or is_info_unit(session, user, task)
            or is_delegating_unit(session, user, task))


def can_change_status(user: User, task: Task) -> bool:
    """Only the lead unit moves a task through its workflow (the clerk confirms or returns)."""
    return is_lead(user, task)


def can_add_note(session: Session, user: User, task: Task) -> bool:
    return user.role == CLERK or is_lead(user, task) or is_coordinator(session, user, task)


def can_confirm(user: User) -> bool:
    return user.role in CAN_CONFIRM


def can_decide_extension(user: User) -> bool:
    return user.role in CAN_DECIDE_EXTENSION


def can_import(user: User) -> bool:
    return user.role in CAN_IMPORT


def visible_tasks_clause(user: User):
    """A WHERE clause limiting a Task query to what the user may see (None = everything)."""
    if user.role in SEES_EVERYTHING:
        return None
    if user.unit_id is None:
        return Task.id == -1
    from sqlalchemy.orm import aliased

    from tracker.models import TaskInfoUnit

    co = select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == user.unit_id)
    info = select(TaskInfoUnit.task_id).where(TaskInfoUnit.unit_id == user.unit_id)
    parent = aliased(Task)
    delegated = select(parent.id).where(parent.lead_unit_id == user.unit_id)
    return ((Task.lead_unit_id == user.unit_id) | Task.id.in_(co) | Task.id.in_(info)
            | Task.parent_id.in_(delegated))
