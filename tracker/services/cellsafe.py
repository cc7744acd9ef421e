"""Neutralise user text before it goes into a spreadsheet cell (CSV, XLSX).

A cell whose text starts with = + - @ (or a tab or carriage return, which some
spreadsheet programs strip before reading the rest) is taken for a formula by Excel,
LibreOffice and Google Sheets: "=HYPERLINK(...)" becomes a live link, "=cmd|' /C calc'!A0"
a DDE command (OWASP "CSV Injection"). Every export writes user text through
`neutralize`, which prefixes such text with an apostrophe, the form spreadsheet
programs show as the text itself; XLSX writers must also store it as a string cell.
"""
from __future__ import annotations

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """The value, with a leading apostrophe when it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value
