"""The parser's public output: frozen dataclasses (issue #13).

`parse_directive` returns a `ParsedDocument`: the header facts (`DocumentHeader`) and the
tasks (`ParsedTask`), in document order. Dates are `datetime.date`; lists are tuples, so a
result can be shared and cached without anyone editing it behind the parser's back.

`to_dict()` gives the JSON contract of issue #3 (what `python -m tracker.parsing --json`
prints): the same keys in the same order, dates as ISO strings, `unit` without "id" when the
registry has no ids.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class UnitRef:
    """The registry unit an owner resolved to."""

    code: str | None
    name: str | None
    id: int | None = None   # set when the registry is the database's (the web app's units)

    @classmethod
    def from_dict(cls, unit: dict | None) -> UnitRef | None:
        if not unit:
            return None
        return cls(unit.get("code"), unit.get("name"), unit.get("id"))

    def to_dict(self) -> dict:
        out = {"code": self.code, "name": self.name}
        if self.id is not None:
            out["id"] = self.id
        return out


@dataclass(frozen=True)
class ParsedTask:
    """One task the directive assigns, as the parser proposes it to the clerk."""

    owner: str | None                 # the lead as written ("Sở KH&ĐT")
    unit: UnitRef | None              # the owner in the unit registry, None when unknown
    co_owners: tuple[str, ...]        # coordinating bodies as written
    action: str
    deadline: date | None
    deadline_text: str | None         # the timing phrase as written ("trước ngày 15/02/2022")
    recurrence: str | None            # "monthly:20", "quarterly", ... (corpus README)
    urgent: bool                      # the document's urgency mark, or a same-day deadline (issue #15)
    start: int                        # offsets of the task's text in the caller's original text
    end: int
    confidence: float
    reasons: tuple[str, ...]          # stable codes ("trigger:giao", "deadline:date_dmy")
    reason_texts: tuple[str, ...]     # the same for the clerk, in Vietnamese
    warnings: tuple[str, ...]         # what the clerk must check ("... không có trong danh mục đơn vị")

    def to_dict(self) -> dict:
        return {
            "owner": self.owner,
            "unit": self.unit.to_dict() if self.unit is not None else None,
            "co_owners": list(self.co_owners),
            "action": self.action,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "recurrence": self.recurrence,
            "urgent": self.urgent,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "reason_texts": list(self.reason_texts),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class DocumentHeader:
    """Header facts of the document; absent facts are None."""

    number: str | None
    code: str | None                  # "15/CT-UBND"
    kind: str | None                  # chi_thi, cong_van, ... (corpus README)
    title: str | None
    issuer: str | None
    signer: str | None
    issued: date | None               # the given issue date, else the one in the text

    @classmethod
    def from_dict(cls, header: dict) -> DocumentHeader:
        issued = header.get("issued")
        return cls(header.get("number"), header.get("code"), header.get("kind"), header.get("title"),
                   header.get("issuer"), header.get("signer"),
                   date.fromisoformat(issued) if isinstance(issued, str) else issued)

    def to_dict(self) -> dict:
        return {"number": self.number, "code": self.code, "kind": self.kind, "title": self.title,
                "issuer": self.issuer, "signer": self.signer,
                "issued": self.issued.isoformat() if self.issued else None}


@dataclass(frozen=True)
class ParsedDocument:
    """What `parse_directive` returns."""

    document: DocumentHeader
    tasks: tuple[ParsedTask, ...]

    def to_dict(self) -> dict:
        """The JSON contract: {"document": {...}, "tasks": [...]}."""
        return {"document": self.document.to_dict(), "tasks": [t.to_dict() for t in self.tasks]}
