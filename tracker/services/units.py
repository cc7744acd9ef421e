"""The unit registry: loading a province's registry file, resolving names, expanding groups."""
import csv
import io
from pathlib import Path

import yaml
from sqlmodel import Session
from sqlmodel import select

from tracker.models import UNIT_KINDS
from tracker.models import Unit
from tracker.models import UnitMember
from tracker.services import NotFound
from tracker.services import ServiceError
from tracker.services.inputs import to_int
from tracker.textfold import fold_name

DEMO_REGISTRY = Path(__file__).resolve().parent.parent / "data" / "demo_units.yaml"


def read_registry_file(path: str | Path) -> list[dict]:
    """Read a registry from YAML (`units:` list) or CSV (code,name,short,kind,parent,aliases,members)."""
    path = Path(path)
    if not path.is_file():
        raise ServiceError(f"Không tìm thấy tệp {path}")
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ServiceError(f"Tệp {path} không phải văn bản UTF-8") from None
    if path.suffix.lower() == ".csv":
        rows = []
        for row in csv.DictReader(io.StringIO(raw)):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for key in ("aliases", "members"):
                row[key] = [s.strip() for s in row.get(key, "").split("|") if s.strip()]
            rows.append(row)
        entries = rows
    else:
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ServiceError(f"Tệp YAML không hợp lệ: {str(exc).splitlines()[0]}") from None
        entries = (data or {}).get("units") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ServiceError("Tệp YAML phải có danh sách 'units:'")
    return [_validate_entry(e, i + 1) for i, e in enumerate(entries)]


def _validate_entry(entry, number: int) -> dict:
    if not isinstance(entry, dict) or not entry.get("code") or not entry.get("name"):
        raise ServiceError(f"Đơn vị thứ {number}: thiếu 'code' hoặc 'name'")
    kind = entry.get("kind") or "department"
    if kind not in UNIT_KINDS:
        raise ServiceError(f"Đơn vị {entry['code']}: loại '{kind}' không hợp lệ ({', '.join(UNIT_KINDS)})")
    return {
        "code": str(entry["code"]).strip(),
        "name": str(entry["name"]).strip(),
        "short": (str(entry.get("short")).strip() if entry.get("short") else None),
        "kind": kind,
        "parent": entry.get("parent") or None,
        "aliases": [str(a).strip() for a in (entry.get("aliases") or []) if str(a).strip()],
        "members": [str(m).strip() for m in (entry.get("members") or [])],
        "members_kind": entry.get("members_kind") or None,
        "active": entry.get("active", True) not in (False, "false", "0", 0),
    }


def import_registry(session: Session, entries: list[dict]) -> dict:
    """Create or update units by code; returns counts of what changed. Does not commit."""
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    report = {"created": 0, "updated": 0, "unchanged": 0}
    for e in entries:
        unit = existing.get(e["code"])
        values = {
            "name": e["name"],
            "short_name": e["short"],
            "kind": e["kind"],
            "aliases": e["aliases"],
            "members_kind": e["members_kind"],
            "active": e["active"],
        }
        if unit is None:
            unit = Unit(code=e["code"], **values)
            session.add(unit)
            existing[e["code"]] = unit
            report["created"] += 1
        elif any(getattr(unit, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(unit, k, v)
            report["updated"] += 1
        else:
            report["unchanged"] += 1
    session.flush()
    for e in entries:
        unit = existing[e["code"]]
        if e["parent"]:
            parent = existing.get(e["parent"])
            if parent is None:
                raise ServiceError(f"Đơn vị {e['code']}: không có đơn vị cha '{e['parent']}'")
            unit.parent_id = parent.id
        if e["members"]:
            wanted = set()
            for code in e["members"]:
                member = existing.get(code)
                if member is None:
                    raise ServiceError(f"Nhóm {e['code']}: không có đơn vị thành viên '{code}'")
                wanted.add(member.id)
            current = set(session.exec(select(UnitMember.member_id).where(UnitMember.group_id == unit.id)).all())
            for mid in wanted - current:
                session.add(UnitMember(group_id=unit.id, member_id=mid))
    session.flush()
    return report


def preview_registry(session: Session, entries: list[dict]) -> list[dict]:
    """What importing `entries` would change, unit by unit, without writing anything."""
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    out = []
    for e in entries:
        unit = existing.get(e["code"])
        if unit is None:
            out.append({"code": e["code"], "name": e["name"], "change": "Thêm mới", "details": []})
            continue
        details = []
        for label, old, new in (("tên", unit.name, e["name"]), ("tên viết tắt", unit.short_name, e["short"]),
                                ("loại", unit.kind, e["kind"]),
                                ("tên gọi khác", list(unit.aliases or []), e["aliases"]),
                                ("hoạt động", unit.active, e["active"])):
            if old != new:
                before = old if old not in (None, []) else "—"
                after = new if new not in (None, []) else "—"
                details.append(f"{label}: {before} → {after}")
        out.append({"code": e["code"], "name": e["name"], "change": "Cập nhật" if details else "Không đổi",
                    "details": details})
    return out


class UnitNames:
    """Units found by what a person typed: the code as written, else a name, short name, code or
    alias compared by the parser registry's rule (`tracker.parsing.registry.name_keys`: case,
    diacritics, punctuation and spaces ignored, UBND = Ủy ban nhân dân ...). The one matcher of
    `find_unit`, the review form and the tracking-sheet import."""

    def __init__(self, units):
        from tracker.parsing.registry import name_keys  # lazy: the parser loads on first use

        self._keys = name_keys
        self.units = list(units)
        self.by_id = {u.id: u for u in self.units}
        self.by_code: dict[str, Unit] = {}
        self._index: dict[str, Unit] = {}
        for u in self.units:
            if u.code:
                self.by_code.setdefault(u.code, u)
        for u in self.units:
            for name in [u.name, u.code, u.short_name, *(u.aliases or [])]:
                if name:
                    for key in sorted(self._keys(name)):
                        self._index.setdefault(key, u)

    def find(self, text: str | None) -> Unit | None:
        text = (text or "").strip()
        if not text:
            return None
        if text in self.by_code:
            return self.by_code[text]
        plain = fold_name(text)
        if plain in self._index:
            return self._index[plain]
        for key in sorted(self._keys(text)):
            if key in self._index:
                return self._index[key]
        return None

    def name(self, unit_id) -> str:
        unit = self.by_id.get(unit_id) if unit_id is not None else None
        return unit.name if unit else ""


def find_unit(session: Session, ref: str | int) -> Unit:
    """A unit by id, else by `UnitNames` (code, canonical name, short name or alias)."""
    ref_s = str(ref).strip()
    if ref_s.isdigit() and to_int(ref_s, minimum=1) is not None:
        unit = session.get(Unit, to_int(ref_s))
        if unit:
            return unit
    unit = UnitNames(session.exec(select(Unit)).all()).find(ref_s)
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị '{ref_s}'")
    return unit


def expand_group(session: Session, unit: Unit) -> list[Unit]:
    """The member units of a group (explicit members, or every active unit of `members_kind`)."""
    if unit.kind != "group":
        return [unit]
    members = session.exec(
        select(Unit).join(UnitMember, UnitMember.member_id == Unit.id).where(UnitMember.group_id == unit.id)
    ).all()
    if unit.members_kind:
        members += session.exec(select(Unit).where(Unit.kind == unit.members_kind, Unit.active)).all()
    seen, result = set(), []
    for m in members:
        if m.id not in seen and m.active:
            seen.add(m.id)
            result.append(m)
    return result


def registry_for_parser(session: Session) -> list[dict]:
    """The registry in the shape `tracker.parsing.parse_directive(units=...)` takes."""
    return [
        {"id": u.id, "code": u.code, "name": u.name, "short": u.short_name, "kind": u.kind, "aliases": list(u.aliases)}
        for u in session.exec(select(Unit).where(Unit.active)).all()
    ]
