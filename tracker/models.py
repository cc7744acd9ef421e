"""Domain model (SQLModel tables).

Datetimes are stored UTC-aware (SQLModel >= 0.0.45 maps `datetime` to UTCDateTime);
dates that people reason about (deadlines, issued date, completion day) are plain
`date` values in Asia/Ho_Chi_Minh, so the deadline-state SQL compares dates only.
"""
import re
from datetime import date
from datetime import datetime
from datetime import timezone
from typing import Optional

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Column
from sqlalchemy import Index
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlmodel import Field
from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Roles
ADMIN, CLERK, STAFF, HEAD, LEADER = "admin", "clerk", "staff", "head", "leader"
ROLES = (ADMIN, CLERK, STAFF, HEAD, LEADER)
ROLE_LABELS = {
    ADMIN: "Quản trị",
    CLERK: "Chuyên viên theo dõi (Văn phòng)",
    STAFF: "Cán bộ đơn vị",
    HEAD: "Lãnh đạo đơn vị",
    LEADER: "Lãnh đạo UBND",
}

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
DRAFT, PUBLISHED = "draft", "published"

# Task workflow states
TASK_STATUSES = {
    "chua_thuc_hien": "Chưa thực hiện",
    "dang_thuc_hien": "Đang thực hiện",
    "cho_xac_nhan": "Chờ xác nhận",
    "hoan_thanh": "Hoàn thành",
    "tra_lai": "Trả lại",
    "tam_dung": "Tạm dừng",
}

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


class Attachment(SQLModel, table=True):
    """Evidence file; stored under instance/uploads with a generated name."""

    __tablename__ = "attachment"
    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
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
