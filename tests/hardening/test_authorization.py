"""Authorization: one table over every route of the app and every API call, for every
role, on objects of the user's own unit and of another unit.

Every route in `app.url_map` must have a row in POLICY (a new route without one fails
the test: decide who may use it). A request is *allowed* when the answer is neither
401/403/404 nor a redirect to the login page (a 409/422 for the dummy input still means
the door was open); *denied* otherwise. A denied state-changing request must also leave
the database exactly as it was. Telegram callbacks go through the same rule
(bots.actions.callback / answer_text), and the secret tokens are checked at the end.
"""
import hashlib
import os
import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.hardening.conftest import ROLES
from tests.hardening.conftest import login_as
from tests.hardening.conftest import url_for_rule
from tracker.models import Directive
from tracker.services import accounts

UNIT_ROLES = ("staff", "head")
EVERYONE_SIGNED_IN = ("admin", "clerk", "leader", "staff", "head")
PUBLIC, SECRET = "public", "secret"


def only(*roles):
    return lambda role, own: role in roles


signed_in = only(*EVERYONE_SIGNED_IN)


def sees_task(role, own):
    """Admin, clerk and leader see every task; unit people their unit's (lead or coordinating)."""
    return role in ("admin", "clerk", "leader") or (role in UNIT_ROLES and own)


def notes_task(role, own):
    """Progress notes: the clerk, the lead unit and coordinating units (not admin or leader)."""
    return role == "clerk" or (role in UNIT_ROLES and own)


def leads_task(role, own):
    return role in UNIT_ROLES and own


def own_object(role, own):
    return role in EVERYONE_SIGNED_IN and own


POLICY = {
    # public and secret-bearing routes
    "auth.login": PUBLIC, "auth.logout": PUBLIC, "health.healthz": PUBLIC, "health.ping": PUBLIC,
    "health.admin_health": only("admin"), "auth.login_2fa": PUBLIC,
    "api.openapi": PUBLIC, "dashboard.stylesheet": PUBLIC,
    "feeds.calendar_feed": SECRET, "telegram_webhook.webhook": SECRET,
    # everyone signed in (own data or filtered lists)
    "home.index": signed_in, "directives.index": signed_in, "directives.detail": signed_in,
    "dashboard.export_tasks": signed_in, "dashboard.export_tasks_xlsx": signed_in,
    "profile.index": signed_in, "profile.create_token": signed_in, "profile.change_password": signed_in,
    "profile.revoke_token": own_object, "profile.end_all_sessions": signed_in,
    "profile.twofactor": signed_in, "profile.twofactor_enable": signed_in, "profile.twofactor_disable": signed_in,
    "feeds.calendar_settings": signed_in, "feeds.regenerate_calendar_token": signed_in,
    "notifications.settings": signed_in, "notifications.save_settings": signed_in,
    "notifications.new_link_token": signed_in, "notifications.unlink": signed_in,
    "api.get_directive": signed_in, "api.list_tasks": signed_in, "api.list_units": signed_in,
    # tasks
    "tasks.mine": only(*UNIT_ROLES), "tasks.index": only("clerk", "leader", "admin"),
    "tasks.detail": sees_task, "tasks.attachment": sees_task, "api.get_task": sees_task,
    "tasks.update": notes_task, "api.patch_task": notes_task,
    "tasks.request_extension": leads_task,
    "tasks.confirm": only("clerk", "admin"), "tasks.return_task": only("clerk", "admin"),
    "tasks.decide_extension": only("clerk", "leader", "admin"),
    # directives
    "directives.new": only("clerk", "admin"), "directives.review": only("clerk", "admin"),
    "directives.review_post": only("clerk", "admin"), "directives.delete_draft": only("clerk", "admin"),
    "directives.review_add_unit": only("clerk"),   # the review page's "Thêm vào danh mục" (issue #13)
    "api.create_directive": only("clerk", "admin"), "api.publish_directive": only("clerk", "admin"),
    # the original file: office, leaders and the units with tasks in the directive (issue 17)
    "directives.original": sees_task, "api.directive_original": sees_task,
    "sheet_import.upload": only("clerk", "admin"), "sheet_import.preview": only("clerk", "admin"),
    # leadership views
    "dashboard.index": only("leader", "clerk", "admin"), "dashboard.overdue": only("leader", "clerk", "admin"),
    "dashboard.export_dashboard": only("leader", "clerk", "admin"),
    "dashboard.api_stats_units": only("leader", "clerk", "admin"),
    # administration
    "admin.users": only("admin"), "admin.create_user": only("admin"), "admin.set_active": only("admin"),
    "admin.units": only("admin"), "admin.import_units": only("admin"), "admin.audit_export": only("admin"),
    "notifications.outbox": only("admin", "clerk"), "notifications.retry": only("admin", "clerk"),
    # the office's control of published work (issue 14)
    "tasks.correct": only("clerk", "admin"), "tasks.cancel": only("clerk", "admin"),
    "tasks.reopen": only("clerk", "admin"), "directives.withdraw": only("clerk", "admin"),
    "api.cancel_task": only("clerk", "admin"), "api.reopen_task": only("clerk", "admin"),
    "api.confirm_task": only("clerk", "admin"), "api.return_task": only("clerk", "admin"),
    "api.request_extension": leads_task, "api.decide_extension": only("clerk", "leader", "admin"),
    "api.withdraw_directive": only("clerk", "admin"),
    # users and the unit registry in the app: the admin only (clerks 403 on every user-edit route)
    "admin.edit_user": only("admin"), "admin.reset_password": only("admin"), "admin.add_unit": only("admin"),
    "admin.rename_unit": only("admin"), "admin.merge_unit": only("admin"), "admin.unit_active": only("admin"),
    "admin.unit_aliases": only("admin"), "admin.unit_members": only("admin"),
    "admin.holidays": only("admin"), "admin.save_holidays": only("admin"),
    # official reports (leaders and the office; unit staff refused)
    "reports.index": only("leader", "clerk", "admin"), "reports.download_docx": only("leader", "clerk", "admin"),
    "reports.scores_page": only("leader", "clerk", "admin"), "reports.scores_export": only("leader", "clerk", "admin"),
    "reports.api_periodic": only("leader", "clerk", "admin"),
    "reports.api_periodic_docx": only("leader", "clerk", "admin"),
    "reports.api_scores": only("leader", "clerk", "admin"),
    "reports.admin_scoring": only("clerk", "admin"),
    # issue 16: officer in charge, discussion, inbox, delegation, print views, help
    "collab.assigned": only(*UNIT_ROLES), "collab.unit_setting": only("head"),
    "collab.assign": lambda role, own: role == "clerk" or (role == "head" and own),
    "collab.comment": sees_task, "collab.follow": sees_task, "collab.print_task": sees_task,
    "collab.delegate": lambda role, own: role == "head" and own,
    "collab.close_child": only(),  # only the delegating unit, on a child task (the world has none)
    "collab.inbox_page": signed_in, "collab.inbox_read": signed_in, "collab.inbox_open": own_object,
    "collab.print_directive": signed_in, "collab.help_page": signed_in,
    "collab_api.me": signed_in, "collab_api.list_notifications": signed_in,
    "collab_api.read_notifications": signed_in,
    "collab_api.list_comments": sees_task, "collab_api.post_comment": sees_task,
    "collab_api.download_attachment": sees_task,
    "collab_api.delegate": lambda role, own: role == "head" and own,
    # channels (issue 15)
    "notifications.new_zalo_code": signed_in, "zalo_webhook.webhook": SECRET,
    "email_pages.unsubscribe_page": SECRET, "email_pages.unsubscribe": SECRET,
    "password.forgot_password": PUBLIC, "admin.set_email": only("admin"),
    "password.reset_page": SECRET, "password.reset_password": SECRET,
    # issue 18: a large export built by the worker: the person who asked, and admins
    "export_jobs.job_page": lambda role, own: role == "admin" or (role in EVERYONE_SIGNED_IN and own),
    "export_jobs.job_json": lambda role, own: role == "admin" or (role in EVERYONE_SIGNED_IN and own),
    "export_jobs.download": lambda role, own: role == "admin" or (role in EVERYONE_SIGNED_IN and own),
}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
FORM = {"note": "Kiểm tra quyền truy cập", "reason": "Lý do kiểm tra", "new_date": "31/12/2031",
        "decision": "reject", "active": "1"}
JSON_BODY = {"api.patch_task": {"note": "Kiểm tra quyền"}, "api.create_directive": {"text": "Giao Sở A kiểm tra."},
             "api.cancel_task": {"reason": "Kiểm tra quyền"}, "api.reopen_task": {"reason": "Kiểm tra quyền"},
             "api.return_task": {"reason": "Kiểm tra quyền"},
             "api.request_extension": {"date": "31/12/2031", "reason": "Kiểm tra quyền"},
             "api.decide_extension": {"decision": "reject", "note": "Kiểm tra quyền"},
             "api.withdraw_directive": {"reason": "Kiểm tra quyền"}}


def _snapshot(engine):
    """Everything a request could change, except the audit log (a refusal may be logged there)."""
    queries = {
        "task": "SELECT id, version, status, progress, deadline, result_note FROM task ORDER BY id",
        "task_event": "SELECT count(*) FROM task_event",
        "task_co_unit": "SELECT task_id, unit_id FROM task_co_unit ORDER BY task_id, unit_id",
        "directive": "SELECT id, state, version, title FROM directive ORDER BY id",
        "extension": "SELECT id, status, decided_by_id FROM extension_request ORDER BY id",
        "attachment": "SELECT id, stored_name FROM attachment ORDER BY id",
        "notification": "SELECT id, status, due_at FROM notification ORDER BY id",
        "user": "SELECT id, active, role, password_hash, calendar_token_hash, notify_enabled, digest_time, "
                "email, channels_off FROM user_account ORDER BY id",
        "api_token": "SELECT id, revoked_at FROM api_token ORDER BY id",
        "link_token": "SELECT count(*) FROM telegram_link_token",
        "unit": "SELECT id, name, active FROM unit ORDER BY id",
    }
    with engine.connect() as conn:
        return {name: conn.execute(sa.text(sql)).all() for name, sql in queries.items()}


def _outcome(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (401, 403, 404):
        return "denied"
    if response.status_code in (301, 302, 303, 307, 308) and "/login" in response.headers.get("Location", ""):
        return "denied"
    return "allowed"


def test_every_route_every_role_own_and_other_unit(app, client, world, session):
    engine = app.extensions["engine"]
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    unclassified = sorted({r.endpoint for r in rules} - set(POLICY))
    assert not unclassified, f"routes without an authorization rule in POLICY: {unclassified}"

    def fresh_url(rule, role, own):
        """Objects a request may consume (a draft to delete, a token to revoke) are made anew."""
        if rule.endpoint == "directives.delete_draft" or rule.endpoint.startswith("directives.review"):
            with Session(engine, expire_on_commit=False) as s:
                draft = Directive(kind="cong_van", title="Nháp", source_text="Giao Sở A.", state="draft",
                                  draft_tasks=[{"unit_id": world.a.id, "action": "Kiểm tra"}])
                s.add(draft)
                s.commit()
            return rule.rule.replace("<int:directive_id>", str(draft.id))
        if rule.endpoint == "profile.revoke_token":
            owner_key = role if (own and role in world.users) else ("staff_b" if role != "staff_b" else "staff")
            with Session(engine, expire_on_commit=False) as s:
                owner = s.get(type(world.users["staff"]), world.users[owner_key].id)
                accounts.issue_api_token(s, owner, "revoke me")
                s.commit()
                token_id = s.execute(sa.text("SELECT max(id) FROM api_token")).scalar()
            return rule.rule.replace("<int:token_id>", str(token_id))
        if rule.endpoint in ("directives.withdraw", "api.withdraw_directive"):
            # a published directive of its own, so withdrawing it cancels none of the world's tasks
            with Session(engine, expire_on_commit=False) as s:
                extra = Directive(kind="cong_van", title="Thu hồi", source_text="Giao Sở A.", state="published",
                                  published_at=datetime.now(UTC))
                s.add(extra)
                s.commit()
            return rule.rule.replace("<int:directive_id>", str(extra.id))
        if rule.endpoint == "collab.inbox_open":  # an inbox item of the user (own) or of someone else
            from tracker.followup import outbox

            owner_key = role if (own and role in world.users) else ("staff_b" if role != "staff_b" else "staff")
            with Session(engine, expire_on_commit=False) as s:
                outbox.enqueue(s, recipient_ids=[world.users[owner_key].id], kind="comment", text="Kiểm tra",
                               now=datetime.now(UTC), task_id=world.task_a.id)
                s.commit()
                item_id = s.execute(sa.text("SELECT max(id) FROM notification WHERE channel = 'web'")).scalar()
            return rule.rule.replace("<int:notification_id>", str(item_id))
        if rule.endpoint in ("directives.original", "api.directive_original"):
            return original_url(rule, own)
        if rule.endpoint.startswith("export_jobs."):
            return export_job_url(rule, role, own)
        if rule.endpoint == "sheet_import.preview":
            return sheet_url(rule, role)
        if rule.endpoint == "admin.set_active":
            return rule.rule.replace("<int:user_id>", str(world.users["head_b"].id))
        return url_for_rule(rule, world, own=own, role=role)

    def original_url(rule, own):
        """A published directive with its original file and one task, of unit A (own) or B."""
        from tracker.models import DirectiveOriginal
        from tracker.models import Task
        from tracker.services.intake import originals_folder

        stored = os.urandom(16).hex()
        with open(os.path.join(originals_folder(app.instance_path), stored), "wb") as fh:
            fh.write(b"Giao S\xe1\xbb\x9f A.")
        with Session(engine, expire_on_commit=False) as s:
            d = Directive(kind="cong_van", title="Có tệp gốc", source_text="Giao Sở A.", state="published")
            s.add(d)
            s.flush()
            s.add(Task(directive_id=d.id, lead_unit_id=(world.a if own else world.b).id, action="Kiểm tra"))
            s.add(DirectiveOriginal(directive_id=d.id, original_name="vb.txt", stored_name=stored,
                                    content_type="text/plain; charset=utf-8", size=12, text_origin="txt"))
            s.commit()
        return rule.rule.replace("<int:directive_id>", str(d.id))

    def export_job_url(rule, role, own):
        """A finished export job (with its file) of the requesting user (own) or of someone else."""
        from tracker.models import BackgroundJob

        owner_key = role if (own and role in world.users) else ("staff_b" if role != "staff_b" else "staff")
        folder = os.path.join(app.instance_path, "exports")
        os.makedirs(folder, exist_ok=True)
        name = f"{os.urandom(8).hex()}.csv"
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write("\ufeffSTT\r\n".encode("utf-8"))
        now = datetime.now(UTC)
        with Session(engine, expire_on_commit=False) as s:
            job = BackgroundJob(kind="export", state="done", progress=100, owner_id=world.users[owner_key].id,
                                payload={"export": "tasks", "fmt": "csv", "args": {}, "filename": "x.csv"},
                                result_path=f"exports/{name}", expires_at=now + timedelta(hours=24))
            s.add(job)
            s.commit()
        return rule.rule.replace("<int:job_id>", str(job.id))

    def sheet_url(rule, role):
        """A stored sheet upload owned by the requesting user (or by the clerk, for anonymous)."""
        import io

        import openpyxl

        from tracker.web.sheet_import import save_upload

        book = openpyxl.Workbook()
        book.active.append(["Nội dung", "Đơn vị chủ trì", "Hạn"])
        book.active.append(["Kiểm tra", "Sở B", "31/12/2030"])
        buf = io.BytesIO()
        book.save(buf)
        owner = world.users.get(role) or world.users["clerk"]
        with app.app_context():
            upload_id = save_upload(buf.getvalue(), "theo-doi.xlsx", owner.id)
        return rule.rule.replace("<upload_id>", upload_id)

    problems = []
    checked = 0
    for rule in sorted(rules, key=lambda r: r.rule):
        policy = POLICY[rule.endpoint]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            for role in ROLES:
                for own in ((True, False) if rule.arguments else (True,)):
                    user = world.users.get(role)
                    url = fresh_url(rule, role, own)
                    if url is None:
                        continue
                    login_as(client, None if rule.rule.startswith("/api/") else user)
                    headers = {}
                    if rule.rule.startswith("/api/") and user is not None:
                        headers["Authorization"] = f"Bearer {world.tokens[role]}"
                    kwargs = {}
                    if method in STATE_CHANGING:
                        task = world.task_a if own else world.task_b
                        if rule.rule.startswith("/api/"):
                            kwargs["json"] = {**JSON_BODY.get(rule.endpoint, {}), "version": task.version}
                        else:
                            kwargs["data"] = {**FORM, "version": str(task.version)}
                    before = _snapshot(engine) if method in STATE_CHANGING else None
                    response = client.open(url, method=method, headers=headers, **kwargs)
                    got = _outcome(response)
                    checked += 1
                    where = f"{method} {url} as {role} ({'own' if own else 'other'} unit)"
                    if got.startswith("error"):
                        problems.append(f"{where}: {got}")
                        continue
                    if policy == PUBLIC:
                        if response.status_code == 403:
                            problems.append(f"{where}: public route answered 403")
                        continue
                    if policy == SECRET:
                        if got != "denied":
                            problems.append(f"{where}: allowed without its secret ({response.status_code})")
                        continue
                    want = "allowed" if (role != "anonymous" and policy(role, own)) else "denied"
                    if got != want:
                        problems.append(f"{where}: expected {want}, got {response.status_code}")
                    if got == "denied" and before is not None and _snapshot(engine) != before:
                        problems.append(f"{where}: denied, but the database changed")
    assert checked > 300
    assert not problems, "\n".join(problems)


# --- Telegram callbacks: the same rule as the pages -----------------------------------

@pytest.fixture
def linked(world, session):
    from tracker.models import TelegramLink

    chats = {"staff": 1001, "staff_b": 2002, "clerk": 3003}
    for role, chat in chats.items():
        session.add(TelegramLink(user_id=world.users[role].id, chat_id=chat))
    session.commit()
    return chats


def test_telegram_callbacks_for_another_units_task_are_refused(app, world, linked):
    from bots import actions
    from tracker.followup import messages

    engine = app.extensions["engine"]
    now = datetime.now(UTC)
    before = _snapshot(engine)
    task_b = world.task_b
    for chat in (linked["staff"], linked["clerk"]):  # staff of A, and the clerk (who never changes status)
        for action in messages.ACTIONS:
            reply = actions.callback(engine, chat, messages.callback_data(action, task_b.id, task_b.version), now)
            assert not reply.ok and reply.alert, (chat, action)
            assert "không có quyền" in reply.answer
        for kind, text in (("progress", "90 xong"), ("extend", "31/12/2031 Chờ ý kiến")):
            reply = actions.answer_text(engine, chat, {"kind": kind, "task_id": task_b.id, "version": task_b.version},
                                        text, now)
            assert not reply.ok and "không có quyền" in reply.message
    unlinked = actions.callback(engine, 999_999, messages.callback_data(messages.DONE, task_b.id, 1), now)
    assert not unlinked.ok
    forged = actions.callback(engine, linked["staff"], "dn:abc:1' OR 1=1", now)
    assert not forged.ok
    after = _snapshot(engine)
    assert after == before, "a refused callback changed nothing"
    with engine.connect() as conn:
        refusals = conn.execute(sa.text("SELECT count(*) FROM audit_event WHERE channel = 'telegram' "
                                        "AND action = 'refused'")).scalar()
    assert refusals >= 2 * (len(messages.ACTIONS) + 2), "refusals are logged"

    # the control: the lead unit's own button works, once
    own = actions.callback(engine, linked["staff"], messages.callback_data(messages.DONE, world.task_a.id,
                                                                           world.task_a.version), now)
    assert own.ok
    again = actions.callback(engine, linked["staff"], messages.callback_data(messages.DONE, world.task_a.id,
                                                                             world.task_a.version), now)
    assert not again.ok, "a replayed button does nothing twice"


# --- secret tokens: unguessable, revocable or expiring, compared safely ---------------

def _random_bits(token: str, prefix: str = "") -> int:
    body = token[len(prefix):]
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return len(body) * 6


def test_calendar_feed_token(app, client, world, session):
    from tracker.web import feeds

    user = world.users["staff"]
    tokens = {feeds.issue_calendar_token(session, user) for _ in range(50)}
    session.commit()
    assert len(tokens) == 50
    token = feeds.issue_calendar_token(session, user)
    session.commit()
    assert _random_bits(token, feeds.TOKEN_PREFIX) >= 128
    session.refresh(user)
    assert user.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest(), "only a hash is stored"
    assert token not in (user.calendar_token_hash or "")
    assert client.get(f"/feeds/{token}.ics").status_code == 200
    near_miss = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/feeds/{near_miss}.ics").status_code == 404
    # looked up by its SHA-256 (no comparison against the secret itself), then compare_digest
    import inspect

    source = inspect.getsource(feeds.user_for_calendar_token)
    assert "compare_digest" in source and "token_hash(token)" in source
    # regenerating revokes the old one; revoking stops the feed
    newer = feeds.issue_calendar_token(session, user)
    session.commit()
    assert client.get(f"/feeds/{token}.ics").status_code == 404
    assert client.get(f"/feeds/{newer}.ics").status_code == 200
    feeds.revoke_calendar_token(session, user)
    session.commit()
    assert client.get(f"/feeds/{newer}.ics").status_code == 404


def test_telegram_deep_link_token(app, world, session):
    from tracker.followup import links
    from tracker.models import TelegramLinkToken
    from tracker.services import ServiceError

    user = world.users["staff"]
    now = datetime.now(UTC)
    token = links.create_link_token(session, user, now)
    session.commit()
    assert _random_bits(token) >= 128
    row = session.exec(__import__("sqlmodel").select(TelegramLinkToken)
                       .where(TelegramLinkToken.user_id == user.id)).one()
    assert row.token_hash != token and token not in row.token_hash
    assert row.expires_at - now <= timedelta(minutes=30)
    # expired: refused
    with pytest.raises(ServiceError):
        links.consume_link_token(session, token, 555, now + timedelta(minutes=31))
    session.rollback()
    # wrong token: refused; right token: works once
    with pytest.raises(ServiceError):
        links.consume_link_token(session, token[:-1] + ("x" if token[-1] != "x" else "y"), 555, now)
    session.rollback()
    assert links.consume_link_token(session, token, 555, now).id == user.id
    session.commit()
    with pytest.raises(ServiceError):
        links.consume_link_token(session, token, 556, now)


def test_api_tokens_are_hashed_revocable_and_unguessable(app, client, world, session):
    token = world.tokens["staff"]
    assert _random_bits(token, "dt_") >= 128
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    row = world.api_tokens["staff"]
    assert row.token_hash == accounts.token_hash(token) and token not in row.token_hash
    forged = {"Authorization": f"Bearer dt_{secrets.token_urlsafe(32)}"}
    assert client.get("/api/v1/units", headers=forged).status_code == 401
    accounts.revoke_api_token(session, world.users["staff"], row.id)
    session.commit()
    assert client.get("/api/v1/units", headers=headers).status_code == 401
