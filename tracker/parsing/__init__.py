"""Directive parser: Vietnamese directive text -> tasks (owner, deadline, source span).

    parse_directive(text, issued=None, units=None) -> ParsedDocument (frozen: .document, .tasks;
    .to_dict() is the JSON contract {"document": {...}, "tasks": [...]})

Modules, one job each:
  normalize   cleaned text (NFC, spaces, quotes, line ends) with offsets back to the original
  segment     lines as blocks (list labels and their nesting rank, table rows), sentences, clauses
  owners      agency noun phrases: heads, names, groups, people mapped to their body, lists
  tasks       what a sentence assigns: triggers, subjects, requesters, non-task filters
  core        the document walk: headings, plan blocks, tables, carried owners, task splitting
  deadlines   the deadline grammar (dates, periods, lunar, working days, recurrences)
  result      a task draft made public (unit, action, confidence, reasons, original offsets)
  output      the public types: ParsedDocument, DocumentHeader, ParsedTask, UnitRef
  registry    unit registry matching (names, aliases, abbreviations, diacritics)
  header      number and code, kind, title, issuer, signer, issue date
  evaluate    python -m tracker.parsing.evaluate CORPUS_DIR (scores beside a dateparser baseline)
"""
from .core import parse_directive
from .output import DocumentHeader
from .output import ParsedDocument
from .output import ParsedTask
from .output import UnitRef
from .registry import resolve_unit

__all__ = ["parse_directive", "resolve_unit", "ParsedDocument", "DocumentHeader", "ParsedTask", "UnitRef"]
