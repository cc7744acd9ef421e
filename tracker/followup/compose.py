"""A message as the channels see it: channel-neutral structure and its three renderings.

Composers (daily.py, the escalation, events of outbox.enqueue) build a `Composed`:
greeting, intro, sections of lines each with its link, what is expected, a link to
the app. Each channel renders it: Telegram HTML (every piece of user text escaped),
plain text (Zalo, the e-mail's text part, the web inbox) and e-mail HTML.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from html import escape


@dataclass
class Line:
    text: str
    url: str | None = None
    strong: str = ""   # a short label shown in bold before the text ("[KHẨN]")


@dataclass
class Section:
    title: str
    count: int
    lines: list[Line] = field(default_factory=list)


@dataclass
class Composed:
    subject: str
    greeting: str = ""
    intro: str = ""
    sections: list[Section] = field(default_factory=list)
    more: str = ""       # "… và 30 nhiệm vụ khác" (lines beyond the first N)
    expected: str = ""   # what the person is asked to do
    url: str = ""        # the app (or the task) for everything else
    url_label: str = "Mở hệ thống theo dõi"
    buttons: list | None = None  # Telegram inline buttons [(label, callback_data)]
    # The web inbox's kind for a daily message: `overdue` when anything is overdue, else
    # `due_soon` (the grouped inbox items of issue 16: one per day per person); None keeps
    # the row's own kind (the office's "chờ xử lý", the leaders' weekly summary).
    inbox_kind: str | None = None

    @property
    def empty(self) -> bool:
        return not self.sections and not self.intro


def to_telegram_html(c: Composed) -> str:
    out = []
    if c.greeting:
        out.append(escape(c.greeting))
    out.append(f"<b>{escape(c.subject)}</b>")
    if c.intro:
        out.append(escape(c.intro))
    for s in c.sections:
        out.append(f"\n<b>{escape(s.title)} ({s.count})</b>")
        for ln in s.lines:
            label = f"<b>{escape(ln.strong)}</b> " if ln.strong else ""
            link = f' <a href="{escape(ln.url)}">Xem</a>' if ln.url else ""
            out.append(f"• {label}{escape(ln.text)}{link}")
    if c.more:
        out.append(escape(c.more))
    if c.expected:
        out.append("\n" + escape(c.expected))
    if c.url:
        out.append(f'\n<a href="{escape(c.url)}">{escape(c.url_label)}</a>')
    return "\n".join(out)


def to_plain(c: Composed) -> str:
    out = []
    if c.greeting:
        out.append(c.greeting)
    out.append(c.subject)
    if c.intro:
        out.append(c.intro)
    for s in c.sections:
        out.append(f"\n{s.title} ({s.count})")
        for ln in s.lines:
            label = f"{ln.strong} " if ln.strong else ""
            out.append(f"- {label}{ln.text}" + (f"\n  {ln.url}" if ln.url else ""))
    if c.more:
        out.append(c.more)
    if c.expected:
        out.append("\n" + c.expected)
    if c.url:
        out.append(f"\n{c.url_label}: {c.url}")
    return "\n".join(out)


def to_email_html(c: Composed, unsubscribe_url: str | None = None) -> str:
    parts = ['<!doctype html><html lang="vi"><head><meta charset="utf-8">'
             f"<title>{escape(c.subject)}</title></head>"
             '<body style="font-family:Arial,sans-serif;font-size:15px;line-height:1.45;color:#1a1a1a">']
    if c.greeting:
        parts.append(f"<p>{escape(c.greeting)}</p>")
    parts.append(f"<h2 style=\"font-size:17px\">{escape(c.subject)}</h2>")
    if c.intro:
        parts.append(f"<p>{escape(c.intro)}</p>")
    for s in c.sections:
        parts.append(f"<h3 style=\"font-size:15px\">{escape(s.title)} ({s.count})</h3><ul>")
        for ln in s.lines:
            label = f"<b>{escape(ln.strong)}</b> " if ln.strong else ""
            text = f'<a href="{escape(ln.url)}">{escape(ln.text)}</a>' if ln.url else escape(ln.text)
            parts.append(f"<li>{label}{text}</li>")
        parts.append("</ul>")
    if c.more:
        parts.append(f"<p>{escape(c.more)}</p>")
    if c.expected:
        parts.append(f"<p><b>{escape(c.expected)}</b></p>")
    if c.url:
        parts.append(f'<p><a href="{escape(c.url)}">{escape(c.url_label)}</a></p>')
    if unsubscribe_url:
        parts.append('<hr><p style="font-size:12px;color:#666">Không muốn nhận thư nhắc việc? '
                     f'<a href="{escape(unsubscribe_url)}">Tắt nhận thư điện tử</a> '
                     "(vẫn xem được thông báo trên hệ thống).</p>")
    parts.append("</body></html>")
    return "".join(parts)


def cut(text: str, limit: int, url: str) -> str:
    """`text` within `limit` characters; a longer one is cut at a line break and ends
    with a link to the rest."""
    if len(text) <= limit:
        return text
    tail = f"\n… (còn nữa: {url})" if url else "\n… (còn nữa, xem trên hệ thống)"
    room = max(limit - len(tail), 0)
    at = text.rfind("\n", 0, room)
    return text[: at if at > 0 else room] + tail
