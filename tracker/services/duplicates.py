"""The duplicate guard: is this directive already published?

A draft duplicates a published directive with the same code (số/ký hiệu) and issuer, or
with nearly the same text: the folded text's 5-word shingles overlap by at least 0.9
(Jaccard). Drafts and withdrawn or replaced directives do not count; the earliest
published match is the answer.
"""
import re
from datetime import UTC

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import select

from tracker.models import PUBLISHED
from tracker.models import Directive
from tracker.services.text import fold

SHINGLE = 5
THRESHOLD = 0.9
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str | None, k: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _WORD.findall(fold(text))
    if len(words) < k:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def _same_key(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and fold(a).replace(" ", "") == fold(b).replace(" ", "")


def find_duplicate(session: Session, directive: Directive) -> Directive | None:
    """The earliest published directive this one duplicates, or None."""
    base = select(Directive).where(Directive.state == PUBLISHED, Directive.id != (directive.id or -1))
    order = (Directive.published_at, Directive.id)
    candidates = []
    if directive.code and directive.issuer:
        for other in session.exec(base.where(Directive.code.is_not(None), Directive.issuer.is_not(None))
                                  .order_by(*order)).all():
            if _same_key(other.code, directive.code) and _same_key(other.issuer, directive.issuer):
                candidates.append(other)
                break
    mine = shingles(directive.source_text)
    if mine:
        # Jaccard >= 0.9 needs sizes within 10% of each other; the text length is a loose
        # stand-in, so only texts of roughly the same length are read and compared.
        n = len(directive.source_text or "")
        near = base.where(func.length(Directive.source_text).between(int(n * 0.6), int(n * 1.6) + 50)).order_by(*order)
        for other in session.exec(near).all():
            if candidates and _order(other) >= _order(candidates[0]):
                break
            theirs = shingles(other.source_text)
            if min(len(mine), len(theirs)) >= THRESHOLD * max(len(mine), len(theirs)) \
                    and jaccard(mine, theirs) >= THRESHOLD:
                candidates.append(other)
                break
    if not candidates:
        return None
    return min(candidates, key=_order)


def _order(d: Directive) -> tuple:
    from datetime import datetime

    return (d.published_at or datetime.max.replace(tzinfo=UTC), d.id)
