"""Directive parser: Vietnamese directive text -> tasks (owner, deadline, source span)."""
from .core import parse_directive
from .registry import resolve_unit

__all__ = ["parse_directive", "resolve_unit"]
