"""Domain model (SQLModel tables).

Datetimes are stored UTC-aware (SQLModel >= 0.0.45 maps `datetime` to UTCDateTime);
dates that people reason about (deadlines, issued date, completion day) are plain
`date` values in Asia/Ho_Chi_Minh, so the deadline-state SQL compares dates only.
"""
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Column
from sqlalchemy import Index
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy import false as sa_false
from sqlmodel import Field
from sqlmodel import SQLModel

from tracker.vocab import DirectiveState
from tracker.vocab import Role
from tracker.vocab import TaskStatus

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


# Roles (the vocabulary lives in tracker/vocab.py; these names are kept for the callers)
ADMIN, CLERK, STAFF, HEAD, LEADER = Role.ADMIN, Role.CLERK, Role.STAFF, Role.HEAD, Role.LEADER
ROLES = tuple(r.value for r in Role)  # plain strings (click.Choice reads enum members by name)
ROLE_LABELS = Role.labels()

# Unit kinds
UNIT_KINDS = ("department", "province", "district", "commune", "group", "other")
UNIT_KIND_LABELS = {
    "department": "Sở, ban, ngành",
    "province": "Cấp tỉnh",
    "district": "UBND huyện",
    "commune": "UBND xã, phường",
    "group": "Nhóm đơn vị",
    "other": "Khác",
}

# Directive kinds and states
DIRECTIVE_KINDS = {
    "thong_bao_ket_luan": "Thông báo kết luận",
    "chi_thi": "Chỉ thị",
    "cong_van": "Công văn",
    "ke_hoach": "Kế hoạch",
    "quyet_dinh": "Quyết định",
    "news": "Tin bài hội nghị",
    "other": "Khác",
}
DRAFT, PUBLISHED = DirectiveState.DRAFT, DirectiveState.PUBLISHED
WITHDRAWN, REPLACED = DirectiveState.WITHDRAWN, DirectiveState.REPLACED
DIRECTIVE_STATES = DirectiveState.labels()

# Task workflow states
TASK_STATUSES = TaskStatus.labels()
CANCELLED = TaskStatus.DA_HUY
CLOSED_STATUSES = (TaskStatus.HOAN_THANH, CANCELLED)  # the unit cannot change these until the office reopens

# Recurrence rules as the parser writes them (see tracker.parsing.deadlines)
RECURRENCE_PATTERN = re.compile(
    r"daily|weekly(:[1-7])?|monthly(:([1-9]|[12][0-9]|3[01]))?|quarterly(:([1-9]|[12][0-9]|3[01]))?"
    r"|yearly(:(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?"
)

CHANNELS = ("web", "api", "telegram", "system")


class UnitMember(SQLModel, table=True):
    """Explicit membership of a group unit."""

    __tablename__ = "unit_member"
    group_id: int = Field(foreign_key="unit.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="unit.id", primary_key=True, ondelete="CASCADE")


class Unit(SQLModel, table=True):
    __tablename__ = "unit"
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255, index=True)
    short_name: Optional[str] = Field(default=None, max_length=64)
    kind: str = Field(default="department", max_length=32)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    members_kind: Optional[str] = Field(default=None, max_length=32)
    parent_id: Optional[int] = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    active: bool = Field(default=True)
    # issue 16: the unit's staff (not only its head) may name the officer in charge of a task
    staff_may_assign: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=255)
    role: str = Field(max_length=16)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    failed_logins: int = Field(default=0)
    locked_until: Optional[datetime] = None
    # Reminder settings (profile page)
    notify_enabled: bool = Field(default=True)
    # '' = the service's REMINDER_TIME (08:00 by default): the daily message's time
    digest_time: str = Field(default="", max_length=5)
    lead_days: str = Field(default="3,1,0", max_length=32)
    quiet_start: str = Field(default="21:00", max_length=5)
    quiet_end: str = Field(default="07:00", max_length=5)
    skip_non_working_days: bool = Field(default=True)
    # iCalendar feed secret (hashed); regenerated from the profile page
    calendar_token_hash: Optional[str] = Field(default=None, max_length=64, index=True)
    # set by the admin's password reset: the user must choose a new password at next login
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # Sessions (issue 11): a cookie carries the generation it was issued under; logout, password
    # change, role/unit change and deactivation bump it, so older cookies stop working.
    session_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Optional TOTP two-factor login (RFC 6238): the base32 secret once confirmed, and the
    # hashes of the unused recovery codes.
    totp_secret: Optional[str] = Field(default=None, max_length=64)
    totp_recovery_hashes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False,
                                                                                   server_default="[]"))
    # Channels (issue 15): the e-mail address, and the channels the person switched off
    # (comma list of 'email', 'telegram', 'zalo'; '' = the defaults: e-mail when an
    # address is set, each chat once linked; the web inbox is always on).
    email: Optional[str] = Field(default=None, max_length=254)
    channels_off: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=128)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: Optional[datetime] = None
    revoked_at: Optional[datetime] = None
    # Issue 11: tokens expire (default 90 days) and carry a scope: "read" or "write".
    expires_at: Optional[datetime] = None
    scope: str = Field(default="write", max_length=8, sa_column_kwargs={"server_default": "write"})


class Directive(SQLModel, table=True):
    __tablename__ = "directive"
    id: Optional[int] = Field(default=None, primary_key=True)
    number: Optional[str] = Field(default=None, max_length=32)
    code: Optional[str] = Field(default=None, max_length=64, index=True)
    kind: str = Field(default="other", max_length=32)
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    issuer: Optional[str] = Field(default=None, max_length=255)
    signer: Optional[str] = Field(default=None, max_length=255)
    issued_date: Optional[date] = Field(default=None, index=True)
    source_text: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default=DRAFT, max_length=16, index=True)
    draft_tasks: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    published_at: Optional[datetime] = None
    search_text: Optional[str] = Field(default=None, sa_column=Column(Text))  # folded code + title
    version: int = Field(default=1)
    # withdrawn ("thu_hoi") or replaced ("thay_the") by the office: when, and by which directive
    withdrawn_at: Optional[datetime] = None
    replaced_by_id: Optional[int] = Field(default=None, foreign_key="directive.id", ondelete="SET NULL")


class TaskCoUnit(SQLModel, table=True):
    """A coordinating unit of a task (phối hợp)."""

    __tablename__ = "task_co_unit"
    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_unit_deadline", "lead_unit_id", "deadline"),
        Index("ix_task_status_deadline", "status", "deadline"),
        # covers the dashboard's per-unit four-way GROUP BY (an index-only scan on SQLite)
        Index("ix_task_unit_figures", "lead_unit_id", "deadline", "status", "completed_on"),
        # max(updated_at) is part of the data version the caches key on (services/cache.py)
        Index("ix_task_updated_at", "updated_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    directive_id: int = Field(foreign_key="directive.id", index=True)
    lead_unit_id: int = Field(foreign_key="unit.id")
    owner_text: Optional[str] = Field(default=None, max_length=512)
    co_owner_texts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    source_start: Optional[int] = None
    source_end: Optional[int] = None
    deadline: Optional[date] = Field(default=None, index=True)
    deadline_text: Optional[str] = Field(default=None, max_length=512)
    recurrence: Optional[str] = Field(default=None, max_length=32)
    series_id: Optional[int] = Field(default=None, foreign_key="task.id", index=True)
    urgent: bool = Field(default=False)
    status: str = Field(default="chua_thuc_hien", max_length=16)
    progress: int = Field(default=0)
    result_note: Optional[str] = Field(default=None, sa_column=Column(Text))
    search_text: Optional[str] = Field(default=None, sa_column=Column(Text))  # folded action + directive code/title
    completed_at: Optional[datetime] = None
    completed_on: Optional[date] = None
    created_at: datetime = Field(default_factory=utcnow)
    # onupdate: any ORM change of a task row moves updated_at (the dashboard and search
    # caches key on max(updated_at); see tracker/services/cache.py)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})
    version: int = Field(default=1)
    # issue 16: the officer in charge ("chuyên viên xử lý") and the task this one was delegated from
    assignee_id: Optional[int] = Field(default=None, foreign_key="user_account.id", index=True)
    parent_id: Optional[int] = Field(default=None, foreign_key="task.id", index=True)


class TaskEvent(SQLModel, table=True):
    """Append-only history of every change to a task."""

    __tablename__ = "task_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow)
    channel: str = Field(default="web", max_length=16)
    kind: str = Field(max_length=32)
    old_value: Optional[str] = Field(default=None, sa_column=Column(Text))
    new_value: Optional[str] = Field(default=None, sa_column=Column(Text))
    note: Optional[str] = Field(default=None, sa_column=Column(Text))


class AuditEvent(SQLModel, table=True):
    """Append-only history of changes that are not task changes (users, units, directives, tokens)."""

    __tablename__ = "audit_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    at: datetime = Field(default_factory=utcnow)
    channel: str = Field(default="web", max_length=16)
    entity: str = Field(max_length=32)
    entity_id: Optional[int] = None
    action: str = Field(max_length=64)
    old_value: Optional[str] = Field(default=None, sa_column=Column(Text))
    new_value: Optional[str] = Field(default=None, sa_column=Column(Text))


class ExtensionRequest(SQLModel, table=True):
    __tablename__ = "extension_request"
    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    requested_by_id: int = Field(foreign_key="user_account.id")
    old_deadline: Optional[date] = None
    requested_date: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    decided_at: Optional[datetime] = None
    decision_note: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    granted_date: Optional[date] = None  # the date the approver granted (may differ from the one asked)


class Attachment(SQLModel, table=True):
    """Evidence file; stored under instance/uploads with a generated name.

    `comment_id` names the comment a file came with (several files per comment); it has no
    foreign key because `task_comment.attachment_id` (its first file) already points here,
    and SQLite cannot create such a cycle."""

    __tablename__ = "attachment"
    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    comment_id: Optional[int] = Field(default=None, index=True)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=128)
    size: int
    created_at: datetime = Field(default_factory=utcnow)


class TelegramLink(SQLModel, table=True):
    __tablename__ = "telegram_link"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    active: bool = Field(default=True)
    linked_at: datetime = Field(default_factory=utcnow)
    deactivated_reason: Optional[str] = Field(default=None, max_length=255)


class TelegramLinkToken(SQLModel, table=True):
    """One-time deep-link token; only its SHA-256 is stored."""

    __tablename__ = "telegram_link_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: Optional[datetime] = None


class Notification(SQLModel, table=True):
    """The reminder outbox. `dedupe_key` makes every reminder be written once."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_notification_dedupe_key"),
        Index("ix_notification_status_due", "status", "due_at"),
        Index("ix_notification_inbox", "recipient_id", "channel", "read_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="user_account.id", index=True)
    task_id: Optional[int] = Field(default=None, foreign_key="task.id", index=True)
    kind: str = Field(max_length=32)
    occurrence: Optional[date] = None
    dedupe_key: str = Field(max_length=255)
    due_at: datetime
    payload: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: Optional[datetime] = None
    claimed_at: Optional[datetime] = None
    sent_at: Optional[datetime] = None
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    # Which channel delivers the row: 'web' (the in-app inbox), 'email', 'telegram', 'zalo'.
    # The sweep writes one 'daily' row per person per channel; its text is composed at
    # send time (tracker/followup/daily.py).
    channel: str = Field(default="telegram", max_length=16, sa_column_kwargs={"server_default": "telegram"})
    text: Optional[str] = Field(default=None, sa_column=Column(Text))  # the event, in Vietnamese, for people
    read_at: Optional[datetime] = None  # web inbox: when the recipient read it


class ScoringRules(SQLModel, table=True):
    """A loaded set of unit-scoring rules (YAML text); the newest row applies."""

    __tablename__ = "scoring_rules"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    source: str = Field(sa_column=Column(Text, nullable=False))
    loaded_at: datetime = Field(default_factory=utcnow)
    loaded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")


class LoginFailure(SQLModel, table=True):
    """One failed sign-in (or password-change check), for throttling by account and by address.

    Only failures are kept, and only for the throttle window; `key` is "login:<login>" or
    "addr:<address>"."""
    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=160)
    at: datetime = Field(default_factory=utcnow)


@event.listens_for(User, "before_update")
def _end_sessions_on_account_change(_mapper, _connection, user: User) -> None:
    """A new password, role, unit or active flag ends every session of the user (issue 11):
    done here so that every path that changes them (web, CLI, admin, services) does it."""
    from sqlalchemy import inspect as sa_inspect

    state = sa_inspect(user)
    if (any(state.attrs[name].history.has_changes() for name in ("password_hash", "role", "unit_id", "active"))
            and not state.attrs["session_generation"].history.has_changes()):
        # incremented in SQL: a stale copy of the row must not write back an old generation
        user.session_generation = User.session_generation + 1
# --- issue 16: work inside and across units -------------------------------------------

class TaskInfoUnit(SQLModel, table=True):
    """A for-information unit of a task ("nhận để biết"): sees it and its discussion, no duty."""

    __tablename__ = "task_info_unit"
    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class TaskComment(SQLModel, table=True):
    """One message of a task's discussion; append-only (a correction is a new comment)."""

    __tablename__ = "task_comment"
    __table_args__ = (Index("ix_task_comment_task_created", "task_id", "created_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    author_id: int = Field(foreign_key="user_account.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    directing: bool = Field(default=False)  # a leader's "ý kiến chỉ đạo"
    attachment_id: Optional[int] = Field(default=None, foreign_key="attachment.id")
    created_at: datetime = Field(default_factory=utcnow)


class TaskFollow(SQLModel, table=True):
    """A person following a task ("theo dõi"): they get its comments in their inbox."""

    __tablename__ = "task_follow"
    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


# --- intake (issue 17): the original file of a directive, background jobs -------------------

INTAKE_READY, INTAKE_PROCESSING, INTAKE_FAILED = "ready", "processing", "failed"


class DirectiveOriginal(SQLModel, table=True):
    """The file a directive came in (Word, PDF, scan, image), kept under instance/originals
    with a generated name; `text_origin` says how its text was read (ocr = from an image)."""

    __tablename__ = "directive_original"
    id: Optional[int] = Field(default=None, primary_key=True)
    directive_id: int = Field(foreign_key="directive.id", unique=True, ondelete="CASCADE")
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=128)
    size: int
    text_origin: str = Field(default="file", max_length=16)     # txt | docx | pdf | ocr
    intake_state: str = Field(default=INTAKE_READY, max_length=16)
    intake_error: Optional[str] = Field(default=None, sa_column=Column(Text))
    job_id: Optional[int] = Field(default=None, foreign_key="background_job.id", ondelete="SET NULL")
    uploaded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)


JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED = "queued", "running", "done", "failed"


class BackgroundJob(SQLModel, table=True):
    """One row per piece of background work (OCR of a scan, a large export...).

    Served by the worker (tracker.services.jobs): claimed atomically, run away from the
    minute sweep, progress 0-100 written as it goes; `result_path` names a file under the
    instance folder for jobs that produce one; rows past `expires_at` are purged."""

    __tablename__ = "background_job"
    __table_args__ = (Index("ix_background_job_state_created", "state", "created_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=JOB_QUEUED, max_length=16)
    progress: int = Field(default=0)
    message: Optional[str] = Field(default=None, sa_column=Column(Text))
    result_path: Optional[str] = Field(default=None, max_length=255)
    owner_id: Optional[int] = Field(default=None, foreign_key="user_account.id", index=True)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    expires_at: Optional[datetime] = None
class ZaloLink(SQLModel, table=True):
    """A user's Zalo Bot Platform chat (chat ids are strings on Zalo)."""

    __tablename__ = "zalo_link"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True)
    chat_id: str = Field(max_length=64, index=True)
    active: bool = Field(default=True)
    linked_at: datetime = Field(default_factory=utcnow)
    deactivated_reason: Optional[str] = Field(default=None, max_length=255)


class ZaloLinkCode(SQLModel, table=True):
    """One-time code a person sends to the Zalo bot to link; only its SHA-256 is stored."""

    __tablename__ = "zalo_link_code"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: Optional[datetime] = None
