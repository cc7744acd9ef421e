"""Minimal stand-in for tracker.parsing.deadlines, used only while it is absent."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DeadlineHit:
    start: int
    end: int
    text: str
    deadline: date | None
    recurrence: str | None
    urgent: bool
    ongoing: bool
    kind: str


_RX = re.compile(
    r"(?P<date>(?:(?:hoàn thành\s+)?(?:trước|chậm nhất(?: trước)?|vào)\s+)?ngày\s+(?P<d>\d{1,2})(?:/|-|\.|\s+tháng\s+)(?P<m>\d{1,2})(?:(?:/|-|\.|\s+năm\s+)(?P<y>\d{4}))?)"
    r"|(?P<month>(?:trong|cuối)\s+tháng\s+(?P<mm>\d{1,2})(?:/|\s+năm\s+)(?P<my>\d{4}))"
    r"|(?P<quarter>(?:trong\s+)?[Qq]uý\s+(?P<q>IV|III|II|I)(?:/|\s+năm\s+)(?P<qy>\d{4}))"
    r"|(?P<year>(?:trong\s+)?[Nn]ăm\s+(?P<yy>\d{4}))"
    r"|(?P<ongoing>[Tt]hường xuyên)|(?P<urgent>khẩn trương|\bngay\b)")


def find_deadlines(text, issued):
    out = []
    for m in _RX.finditer(text):
        dl = None; kind = "x"; urg = ong = False
        try:
            if m.group("date"):
                y = int(m.group("y") or issued.year)
                dl = date(y, int(m.group("m")), int(m.group("d"))); kind = "date"
                before = text[max(0, m.start() - 20):m.start()]
                if re.search(r"(?:số|/\S+)\s*$", before) or "của" in text[m.end():m.end() + 5]:
                    continue
            elif m.group("month"):
                y, mo = int(m.group("my")), int(m.group("mm"))
                dl = date(y, mo, calendar.monthrange(y, mo)[1]); kind = "month"
            elif m.group("quarter"):
                q = {"I": 3, "II": 6, "III": 9, "IV": 12}[m.group("q")]
                dl = date(int(m.group("qy")), q, calendar.monthrange(int(m.group("qy")), q)[1]); kind = "quarter"
            elif m.group("year"):
                dl = date(int(m.group("yy")), 12, 31); kind = "year"
            elif m.group("ongoing"):
                ong = True; kind = "ongoing"
            else:
                urg = True; kind = "urgent"
        except ValueError:
            continue
        out.append(DeadlineHit(m.start(), m.end(), m.group(0), dl, None, urg, ong, kind))
    return out


def pick_deadline(text, issued):
    hits = find_deadlines(text, issued)
    dated = [h for h in hits if h.deadline]
    if dated:
        return dated[-1]
    return hits[-1] if hits else None
