"""CLI: python -m tracker.parsing FILE [--issued YYYY-MM-DD] [--json]."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from .core import parse_directive
from .output import ParsedDocument


def _fail(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracker.parsing", description="Extract tasks from a directive.")
    ap.add_argument("file")
    ap.add_argument("--issued", help="issue date YYYY-MM-DD (wins over the date in the text)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    issued = None
    if args.issued:
        try:
            issued = date.fromisoformat(args.issued)
        except ValueError:
            return _fail(f"--issued must be YYYY-MM-DD, got {args.issued!r}")
    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _fail(f"{path}: no such file")
    except OSError as e:
        return _fail(f"{path}: cannot read ({e.strerror or e})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _fail(f"{path}: not UTF-8 text")
    if "\x00" in text:
        return _fail(f"{path}: not UTF-8 text (binary data)")
    if not text.strip():
        return _fail(f"{path}: empty file")
    result = parse_directive(text, issued=issued)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    print(render_table(result))
    return 0


def render_table(result: ParsedDocument) -> str:
    doc = result.document
    issued = doc.issued.isoformat() if doc.issued else "?"
    lines = [f"{doc.kind or '?'} {doc.code or ''} issued {issued} by {doc.issuer or '?'}",
             f"{len(result.tasks)} tasks", ""]
    for i, t in enumerate(result.tasks, 1):
        when = t.deadline.isoformat() if t.deadline else (t.deadline_text or "-")
        if t.recurrence:
            when += f" ({t.recurrence})"
        lines.append(f"{i:>3}. [{t.owner or '?'}] {when}{' URGENT' if t.urgent else ''}  conf {t.confidence:.2f}")
        if t.co_owners:
            lines.append(f"     with: {', '.join(t.co_owners)}")
        lines.append(f"     {t.action}")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # "| head" closed the pipe: not an error of ours
        sys.stderr.close()
        sys.exit(0)
