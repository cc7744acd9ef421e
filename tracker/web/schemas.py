"""The task's API contracts as SQLModel models (issue #12), the full-stack template's families:
`TaskBase` (fields a task shows and the office may correct, as the API names them), `TaskPublic`
(what every endpoint answers for a task: `api.task_to_json` builds one) and `TaskUpdate` (the body
of PATCH /api/v1/tasks/{id}: the handler accepts exactly its fields). `openapi.py` takes the
`Task`, `TaskUpdate`, `UnitRef` and `UserRef` components from `task_components()`, so the document
and the answers cannot drift apart.

The table model (`tracker.models.Task`) keeps its own column names (`status`, `lead_unit_id`);
`updated_at` is the string Python's `isoformat()` gives (`+00:00`), as the API always answered.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from sqlmodel import Field
from sqlmodel import SQLModel

from tracker.deadline_state import STATES
from tracker.vocab import TaskStatus

TaskState = Literal[tuple(TaskStatus.labels())]  # type: ignore[valid-type]
DeadlineState = Literal[tuple(STATES)]  # type: ignore[valid-type]
# what a unit may set itself; the office's states (hoan_thanh, tra_lai, da_huy) have their own routes
UnitSettableState = Literal["chua_thuc_hien", "dang_thuc_hien", "cho_xac_nhan", "tam_dung"]


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


# the OpenAPI component names (kept from the hand-written document)
_COMPONENTS = {"Task": TaskPublic, "TaskUpdate": TaskUpdate, "DraftTask": TaskDraft}
_REF = "#/components/schemas/{model}"


def task_components() -> dict:
    """OpenAPI components generated from the models (`model_json_schema`)."""
    out: dict = {}
    for name, model in _COMPONENTS.items():
        schema = model.model_json_schema(ref_template=_REF,
                                         mode="validation" if name == "TaskUpdate" else "serialization")
        out.update(schema.pop("$defs", {}))
        out[name] = schema
    return out
