"""The API's contracts as SQLModel models (issue #12), the full-stack template's families:
`TaskBase` (fields a task shows and the office may correct, as the API names them), `TaskPublic`
(what every endpoint answers for a task: `api.task_to_json` builds one) and `TaskUpdate` (the body
of PATCH /api/v1/tasks/{id}: the handler accepts exactly its fields). `openapi.py` takes the
components from `model_components()`, so the document and the answers cannot drift apart. The
same holds for directives (`DirectivePublic`, `DirectiveCreate`, `DirectivePublish`), units
(`UnitPublic`), the caller (`UserPublic`, GET /api/v1/me), extension requests (`ExtensionPublic`,
`ExtensionCreate`, `ExtensionDecide`), comments and the inbox. Answers are built with
`model_construct` (values from the database, lists not validated row by row); the bodies are still
checked by hand in the handlers, which keep their error codes and Vietnamese messages.

The table model (`tracker.models.Task`) keeps its own column names (`status`, `lead_unit_id`);
`updated_at` is the string Python's `isoformat()` gives (`+00:00`), as the API always answered.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from sqlmodel import Field
from sqlmodel import SQLModel

from tracker.deadline_state import STATES
from tracker.models import DIRECTIVE_KINDS
from tracker.vocab import DirectiveState
from tracker.vocab import Role
from tracker.vocab import TaskStatus

TaskState = Literal[tuple(TaskStatus.labels())]  # type: ignore[valid-type]
DeadlineState = Literal[tuple(STATES)]  # type: ignore[valid-type]
# what a unit may set itself; the office's states (hoan_thanh, tra_lai, da_huy) have their own routes
UnitSettableState = Literal["chua_thuc_hien", "dang_thuc_hien", "cho_xac_nhan", "tam_dung"]
DirectiveKind = Literal[tuple(DIRECTIVE_KINDS)]  # type: ignore[valid-type]
DirectiveStateName = Literal[tuple(DirectiveState.labels())]  # type: ignore[valid-type]
RoleName = Literal[tuple(Role.labels())]  # type: ignore[valid-type]
ExtensionStatus = Literal["pending", "approved", "rejected", "cancelled"]
NOTIFICATION_KINDS = ["daily", "escalation", "assigned", "unassigned", "mention", "comment", "corrected",
                      "cancelled", "reopened", "extension_decided", "returned", "due_soon", "overdue"]
NotificationKind = Literal[tuple(NOTIFICATION_KINDS)]  # type: ignore[valid-type]


class UnitRef(SQLModel):
    id: int
    name: str


class UserRef(SQLModel):
    id: int
    name: str | None


class TaskBase(SQLModel):
    """Fields shared by the answer and the correction, as the API names them."""

    action: str
    deadline: date | None = Field(default=None, description="YYYY-MM-DD")
    recurrence: str | None = Field(default=None, schema_extra={"examples": ["monthly:20", "weekly:5", "quarterly"]})


class TaskPublic(TaskBase):
    """Một nhiệm vụ như API trả về."""

    id: int
    directive_id: int
    lead_unit: UnitRef
    owner_text: str | None = Field(description="Đơn vị chủ trì như viết trong văn bản")
    co_units: list[UnitRef]
    info_units: list[UnitRef] = Field(description="Đơn vị nhận để biết")
    assignee: UserRef | None = Field(description="Chuyên viên xử lý (người được giao trong đơn vị chủ trì)")
    parent_id: int | None = Field(description="Nhiệm vụ cấp trên (khi được giao xuống)")
    action: str
    deadline: date | None
    deadline_text: str | None = Field(description="Cụm từ thời hạn như viết trong văn bản")
    recurrence: str | None = Field(schema_extra={"examples": ["monthly:20", "weekly:5", "quarterly"]})
    series_id: int | None
    urgent: bool
    state: TaskState = Field(description="Trạng thái xử lý")
    state_label: str
    deadline_state: DeadlineState | None = Field(description="null khi nhiệm vụ đã hủy (da_huy)")
    progress: int = Field(ge=0, le=100)
    result_note: str | None
    completed_on: date | None
    updated_at: str | None = Field(schema_extra={"format": "date-time"})
    version: int = Field(description="Gửi lại khi PATCH; sai phiên bản trả về 409")


class TaskUpdate(TaskBase):
    """Cập nhật của đơn vị (state, progress, note), điều chỉnh của Văn phòng (lead_unit_id, co_unit_ids,
    action, deadline, recurrence, kèm reason), phân công (assignee_id, info_unit_ids)."""

    version: int
    state: UnitSettableState | None = None
    progress: int | None = Field(default=None, ge=0, le=100)
    note: str | None = Field(default=None, max_length=5000)
    lead_unit_id: int | None = Field(default=None, description="Đơn vị chủ trì mới")
    co_unit_ids: list[int] | None = None
    action: str | None = Field(default=None, max_length=5000)
    deadline: date | None = Field(default=None, description="YYYY-MM-DD; thay cả cụm từ thời hạn")
    reason: str | None = Field(default=None, max_length=2000, description="Lý do điều chỉnh")
    assignee_id: int | None = Field(default=None, description=(
        "Chuyên viên xử lý: cán bộ đang hoạt động của đơn vị chủ trì (lãnh đạo đơn vị, cán bộ khi đơn vị cho "
        "phép, Văn phòng); null bỏ phân công"))
    info_unit_ids: list[int] | None = Field(default=None, description="Đơn vị nhận để biết (chỉ Văn phòng)")


class TaskDraft(SQLModel):
    """Nhiệm vụ đề xuất (bản nháp); gửi lại, có thể đã sửa, khi ban hành"""

    owner: str | None = None
    unit_id: int | None = None
    co_owners: list[str] = Field(default_factory=list)
    co_unit_ids: list[int] = Field(default_factory=list)
    info_unit_ids: list[int] = Field(default_factory=list, description="Đơn vị nhận để biết")
    action: str = ""
    deadline: date | None = None
    deadline_text: str | None = None
    recurrence: str | None = None
    urgent: bool = False
    start: int | None = None
    end: int | None = None
    confidence: float | None = None
    reasons: list[str] = Field(default_factory=list)
    expanded_count: int = Field(default=0, schema_extra={"readOnly": True}, description=(
        "Số nhiệm vụ dòng này tạo ra khi ban hành (nhóm đơn vị được tách thành từng đơn vị thành viên)"))




class TaskPage(SQLModel):
    items: list[TaskPublic]
    page: int
    per_page: int
    total: int


# --- directives ----------------------------------------------------------------------

class DirectiveBase(SQLModel):
    number: str | None = Field(default=None, description="Số hiệu văn bản")
    kind: DirectiveKind | None = None


class DirectivePublic(DirectiveBase):
    """Một văn bản như API trả về (`api.directive_to_json`)."""

    id: int
    number: str | None
    code: str | None
    kind: DirectiveKind
    title: str
    issuer: str | None
    signer: str | None
    issued: date | None
    state: DirectiveStateName = Field(description="draft: bản nháp; published: đã ban hành; thu_hoi: đã thu hồi; "
                                                  "thay_the: đã được thay thế (xem replaced_by)")
    replaced_by: int | None = Field(description="Văn bản thay thế (khi state = thay_the)")
    version: int


class DirectiveDetail(DirectivePublic):
    """Văn bản kèm phần mỗi thao tác thêm vào: tạo bản nháp (duplicate_of, tasks), xem (tasks, text_origin),
    ban hành (tasks), thu hồi (cancelled_tasks)."""

    # the `Directive` component; the handlers add these keys to `directive_to_json`'s answer

    duplicate_of: int | None = Field(default=None, description=(
        "Chỉ khi tạo bản nháp: văn bản đã ban hành sớm nhất trùng số/ký hiệu và cơ quan ban hành, hoặc gần như "
        "cùng nội dung; null nếu không trùng"))
    text_origin: str | None = Field(default=None, description=(
        "Bản nháp từ tệp: cách đọc chữ (txt, docx, pdf, ocr = nhận dạng từ ảnh)"))
    tasks: list[TaskPublic | TaskDraft] = Field(default_factory=list, description=(
        "Bản nháp: nhiệm vụ đề xuất (DraftTask); đã ban hành: nhiệm vụ (Task)"))
    cancelled_tasks: list[int] = Field(default_factory=list, description="Chỉ khi thu hồi: nhiệm vụ đã hủy")


class DirectiveCreate(DirectiveBase):
    """Nội dung văn bản cần phân tích (dạng JSON)."""

    # the handler checks it field by field, with its own error codes (empty_text, invalid_number, invalid_kind)

    text: str = Field(max_length=2 * 1024 * 1024)
    issued: str | None = Field(default=None, description="YYYY-MM-DD hoặc DD/MM/YYYY")


class DirectivePublish(SQLModel):
    """Ban hành bản nháp (không bắt buộc gửi nội dung)."""

    tasks: list[TaskDraft] | None = Field(default=None, description="Nhiệm vụ đề xuất, có thể đã sửa")
    confirm_duplicate: bool = Field(default=False, description="Xác nhận ban hành dù trùng văn bản đã có")
    issued: date | None = Field(default=None, description="Ngày ban hành (bắt buộc nếu văn bản chưa có)")


class DirectiveWithdraw(SQLModel):
    reason: str = Field(max_length=2000)
    replaced_by: int | None = Field(default=None, description="Văn bản thay thế (đã ban hành)")


# --- units and users -----------------------------------------------------------------

class UnitPublic(SQLModel):
    id: int
    code: str
    name: str
    short_name: str | None
    kind: str
    aliases: list[str]


class UnitList(SQLModel):
    items: list[UnitPublic]


class UserPublic(SQLModel):
    """Người dùng đang gọi API (GET /api/v1/me)."""

    id: int
    login: str
    name: str
    role: RoleName
    unit: UnitRef | None


# --- extension requests --------------------------------------------------------------

class ExtensionPublic(SQLModel):
    """Một đề nghị gia hạn như API trả về (`api.extension_to_json`)."""

    id: int
    task_id: int
    status: ExtensionStatus
    old_deadline: date | None
    requested_date: date
    granted_date: date | None
    reason: str
    decision_note: str | None
    requested_by: int = Field(description="Người đề nghị (id)")
    decided_by: int | None = Field(description="Người quyết định (id)")


class ExtensionDecision(ExtensionPublic):
    """Đề nghị gia hạn đã quyết định, kèm nhiệm vụ sau quyết định."""

    task: TaskPublic


class ExtensionCreate(SQLModel):
    date: str = Field(description="Hạn mới: YYYY-MM-DD hoặc DD/MM/YYYY")
    reason: str = Field(max_length=2000)


class ExtensionDecide(SQLModel):
    decision: Literal["approve", "reject"]
    date: str | None = Field(default=None, description="Hạn được duyệt (mặc định: hạn đơn vị đề nghị)")
    note: str | None = Field(default=None, max_length=2000, description="Ý kiến, hiển thị cho đơn vị")


# --- comments and the inbox ----------------------------------------------------------

class CommentFile(SQLModel):
    id: int
    name: str
    size: int
    url: str = Field(description="GET /api/v1/attachments/{id} với mã truy cập")


class CommentPublic(SQLModel):
    id: int
    author: UserRef
    text: str
    directing: bool
    attachment_id: int | None = Field(description="Tệp đầu tiên (giữ cho tương thích)")
    attachments: list[CommentFile]
    created_at: str | None = Field(schema_extra={"format": "date-time"})


class CommentCreate(SQLModel):
    text: str = Field(max_length=5000)
    directing: bool = Field(default=False, description="Ý kiến chỉ đạo (chỉ lãnh đạo UBND)")


class NotificationPublic(SQLModel):
    id: int
    kind: NotificationKind
    task_id: int | None
    text: str
    read: bool
    created_at: str | None = Field(schema_extra={"format": "date-time"})


class Inbox(SQLModel):
    items: list[NotificationPublic]
    unread: int


class NotificationsRead(SQLModel):
    """Đánh dấu đã đọc: {"ids": [...]} hoặc {"all": true}."""

    ids: list[int] | None = None
    all: bool = False


class ReadResult(SQLModel):
    """Số mục đã đánh dấu và số còn chưa đọc."""

    marked: int
    unread: int


class TaskDelegate(SQLModel):
    """Giao nhiệm vụ (hoặc một phần) cho đơn vị cấp dưới."""

    unit_id: int = Field(description="Đơn vị cấp dưới trực tiếp (danh mục đơn vị)")
    action: str | None = Field(default=None, description="Nội dung giao; mặc định là nội dung nhiệm vụ cha")
    deadline: date | None = Field(default=None, description="Mặc định là hạn nhiệm vụ cha")


# The OpenAPI component names (kept from the hand-written document) and the mode of each: request bodies
# are described as they are validated, answers as they are serialized.
_COMPONENTS = {
    "Task": (TaskPublic, "serialization"), "TaskUpdate": (TaskUpdate, "validation"),
    "DraftTask": (TaskDraft, "serialization"), "TaskPage": (TaskPage, "serialization"),
    "Directive": (DirectiveDetail, "serialization"), "DirectiveCreate": (DirectiveCreate, "validation"),
    "DirectivePublish": (DirectivePublish, "validation"), "DirectiveWithdraw": (DirectiveWithdraw, "validation"),
    "Unit": (UnitPublic, "serialization"), "UnitList": (UnitList, "serialization"),
    "Me": (UserPublic, "serialization"),
    "Extension": (ExtensionPublic, "serialization"), "ExtensionDecision": (ExtensionDecision, "serialization"),
    "ExtensionCreate": (ExtensionCreate, "validation"), "ExtensionDecide": (ExtensionDecide, "validation"),
    "Comment": (CommentPublic, "serialization"), "CommentCreate": (CommentCreate, "validation"),
    "Notification": (NotificationPublic, "serialization"), "Inbox": (Inbox, "serialization"),
    "NotificationsRead": (NotificationsRead, "validation"), "ReadResult": (ReadResult, "serialization"),
    "TaskDelegate": (TaskDelegate, "validation"),
}
_REF = "#/components/schemas/{model}"
# a nested model keeps its class name as component name unless renamed here (one name per model)
_DEF_NAMES = {cls.__name__: name for name, (cls, _) in _COMPONENTS.items()}


def _renamed(node):
    if isinstance(node, dict):
        out = {k: _renamed(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            target = ref.rsplit("/", 1)[1]
            out["$ref"] = _REF.format(model=_DEF_NAMES.get(target, target))
        return out
    if isinstance(node, list):
        return [_renamed(v) for v in node]
    return node


def model_components() -> dict:
    """OpenAPI components generated from the models (`model_json_schema`)."""
    out: dict = {}
    for name, (model, mode) in _COMPONENTS.items():
        schema = model.model_json_schema(ref_template=_REF, mode=mode)
        for def_name, sub in schema.pop("$defs", {}).items():
            if def_name not in _DEF_NAMES:  # a model with a component name of its own is generated under it
                out[def_name] = _renamed(sub)
        out[name] = _renamed(schema)
    return out
