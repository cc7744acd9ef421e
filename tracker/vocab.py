"""The project's vocabulary: roles, workflow states, deadline states, directive states.

Each is a `StrEnum` (members are the strings stored in the database and sent in JSON, so
`Role.CLERK == "clerk"`), with its Vietnamese label for people. Permission sets name
what a role may do; the decorators, the services and the templates (`can(...)`) read
the same sets. Nothing here imports Flask or the database.
"""
from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    """A StrEnum whose members carry a Vietnamese label: Member = ("value", "Nhãn")."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}


class Role(_Labelled):
    ADMIN = ("admin", "Quản trị")
    CLERK = ("clerk", "Chuyên viên theo dõi (Văn phòng)")
    STAFF = ("staff", "Cán bộ đơn vị")
    HEAD = ("head", "Lãnh đạo đơn vị")
    LEADER = ("leader", "Lãnh đạo UBND")


class TaskStatus(_Labelled):
    """Where a task is in its workflow (the `state` of PATCH bodies and forms)."""

    CHUA_THUC_HIEN = ("chua_thuc_hien", "Chưa thực hiện")
    DANG_THUC_HIEN = ("dang_thuc_hien", "Đang thực hiện")
    CHO_XAC_NHAN = ("cho_xac_nhan", "Chờ xác nhận")
    HOAN_THANH = ("hoan_thanh", "Hoàn thành")
    TRA_LAI = ("tra_lai", "Trả lại")
    TAM_DUNG = ("tam_dung", "Tạm dừng")
    DA_HUY = ("da_huy", "Đã hủy")


class DeadlineState(_Labelled):
    """The four-way (plus none) deadline reading of a task on a day (`deadline_state`)."""

    ON_TRACK = ("trong_han", "Trong hạn")
    DUE_SOON = ("sap_den_han", "Sắp đến hạn")
    OVERDUE = ("qua_han", "Quá hạn")
    DONE_ON_TIME = ("hoan_thanh_dung_han", "Hoàn thành đúng hạn")
    DONE_LATE = ("hoan_thanh_qua_han", "Hoàn thành quá hạn")
    NO_DEADLINE = ("khong_co_han", "Không có hạn")


class DirectiveState(_Labelled):
    DRAFT = ("draft", "Bản nháp")
    PUBLISHED = ("published", "Đã ban hành")
    WITHDRAWN = ("thu_hoi", "Đã thu hồi")
    REPLACED = ("thay_the", "Đã được thay thế")


# What each role may do (read by permissions.py, the route decorators and `can()` in templates).
SEES_EVERYTHING = frozenset({Role.ADMIN, Role.CLERK, Role.LEADER})
UNIT_ROLES = frozenset({Role.STAFF, Role.HEAD})
CAN_IMPORT = frozenset({Role.CLERK, Role.ADMIN})
CAN_CONFIRM = frozenset({Role.CLERK, Role.ADMIN})
CAN_DECIDE_EXTENSION = frozenset({Role.CLERK, Role.LEADER, Role.ADMIN})
CAN_VIEW_ALL_TASKS = SEES_EVERYTHING
CAN_VIEW_DASHBOARD = frozenset({Role.LEADER, Role.CLERK, Role.ADMIN})
CAN_ADMINISTER = frozenset({Role.ADMIN})
HAS_UNIT_TASKS = UNIT_ROLES

PERMISSIONS = {
    "import": CAN_IMPORT, "confirm": CAN_CONFIRM, "decide_extension": CAN_DECIDE_EXTENSION,
    "view_all_tasks": CAN_VIEW_ALL_TASKS, "view_dashboard": CAN_VIEW_DASHBOARD, "administer": CAN_ADMINISTER,
    "unit_tasks": HAS_UNIT_TASKS,
}


def role_can(role: str | None, permission: str) -> bool:
    """Does `role` hold `permission` (a key of PERMISSIONS)? An unknown permission is an error."""
    return role in PERMISSIONS[permission]
