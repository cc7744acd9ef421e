"""Human words only: no snake_case and no rule codes in what a person reads (issue 14).

Two walks: every template's static text, and every page of the app (GET routes, each
role) rendered over a world holding the codes that used to leak — parser rules
(`deadline:lunar_tet`, `plan_block_owner`), recurrences (`monthly:20`), task states,
history kinds of every office action. Visible text is what a browser shows: element
text and option labels, not attribute values or scripts.
"""
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from tests.hardening.conftest import login_as
from tests.hardening.conftest import url_for_rule
from tracker.models import Directive
from tracker.models import Task
from tracker.services import tasks as task_service

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# snake_case words and rule codes ("deadline:lunar_tet", "monthly:20", "trigger:giao")
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+:[a-z0-9_À-ỹ-]+\b")


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.text)


def test_templates_static_text_has_no_codes():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        # what Jinja prints or decides is checked on the rendered pages; here: the words written
        static = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
        for hit in CODE.findall(visible_text(static)):
            problems.append(f"{path.relative_to(TEMPLATES)}: {hit}")
    assert not problems, problems


def _codes_world(session, world):
    """Put the codes that used to reach people into the world."""
    world.draft.draft_tasks = [dict(world.draft.draft_tasks[0], recurrence="monthly:20",
                                    reasons=["deadline:lunar_tet", "plan_block_owner", "trigger:giao", "no_owner",
                                             "deadline:brand_new_rule", "some_future_rule"])]
    session.add(world.draft)
    t = world.task_a
    t.recurrence = "monthly:20"
    session.add(t)
    clerk = world.users["clerk"]
    for kind, old, new in (("corrected_lead", "Sở A", "Sở B"), ("corrected_recurrence", "monthly:20", "weekly:5"),
                           ("corrected_deadline", "01/01/2030", "02/02/2030"), ("extension_cancelled", None, None),
                           ("status", "hoan_thanh", "da_huy"), ("status", "da_huy", "dang_thuc_hien")):
        task_service.record(session, t, clerk, "web", kind, old, new, "Lý do thử")
    cancelled = Task(directive_id=world.published.id, lead_unit_id=world.a.id, action="Nhiệm vụ đã hủy",
                     status="da_huy", deadline=world.task_a.deadline - timedelta(days=30))
    withdrawn = Directive(code="3/CT-THU", kind="chi_thi", title="Chỉ thị đã thu hồi", source_text="Giao Sở A.",
                          state="thu_hoi", issued_date=world.published.issued_date)
    session.add_all([cancelled, withdrawn])
    session.commit()
    return world


def test_every_page_speaks_vietnamese(app, client, world, session):
    _codes_world(session, world)
    logins = sorted((u.login for u in world.users.values()), key=len, reverse=True)
    rules = [r for r in app.url_map.iter_rules()
             if "GET" in r.methods and r.endpoint != "static" and not r.rule.startswith("/api/")]
    problems, pages, seen = [], 0, {}
    for rule in sorted(rules, key=lambda r: r.rule):
        for role in ("admin", "clerk", "leader", "staff"):
            url = url_for_rule(rule, world, own=True, role=role)
            if url is None:
                continue
            if rule.endpoint.startswith("directives.review"):
                url = rule.rule.replace("<int:directive_id>", str(world.draft.id))
            login_as(client, world.users[role])
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            pages += 1
            text = visible_text(response.get_data(as_text=True))
            for name in logins:  # people's login names are data, not codes
                text = text.replace(name, " ")
            text = re.sub(r"@?\w+_bot\b", " ", text)  # a Telegram bot's handle is a name, not a code
            seen.setdefault(rule.endpoint, text)
            for hit in sorted(set(CODE.findall(text))):
                problems.append(f"{url} as {role}: {hit}")
    assert pages >= 30
    # the codes were there to be translated (the walk is not vacuous)
    assert "hạn trước Tết Nguyên đán" in seen["directives.review"] and "nhận dạng tự động" in seen["directives.review"]
    assert "hằng tháng, ngày 20" in seen["tasks.detail"] and "Đề nghị gia hạn tự hủy" in seen["tasks.detail"]
    assert not problems, "\n".join(problems)
