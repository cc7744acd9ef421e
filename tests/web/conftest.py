"""Helpers for route tests: a small world of two units, a user per role, and API tokens."""
from datetime import date
from datetime import timedelta

import pytest

from tracker.services import accounts


@pytest.fixture
def world(session, make_unit, make_user, make_task):
    """Two departments A and B, one user per role, a task of A (B coordinates) and a task of B."""
    a = make_unit("Sở Tài chính", aliases=["STC"], code="STC")
    b = make_unit("Sở Y tế", aliases=["SYT"], code="SYT")
    c = make_unit("Sở Xây dựng", aliases=["SXD"], code="SXD")
    users = {
        "admin": make_user("quantri", "admin"),
        "clerk": make_user("vanphong", "clerk"),
        "leader": make_user("lanhdao", "leader"),
        "staff_a": make_user("canbo_a", "staff", a),
        "head_a": make_user("truong_a", "head", a),
        "staff_b": make_user("canbo_b", "staff", b),
        "staff_c": make_user("canbo_c", "staff", c),
    }
    today = date.today()
    task_a = make_task(a, action="Rà soát vốn đầu tư công", deadline=today + timedelta(days=10), co_units=[b])
    task_b = make_task(b, action="Kế hoạch tiêm chủng", deadline=today + timedelta(days=2))
    from tracker.models import Directive
    from tracker.services.search import search_text_for_task

    for t in (task_a, task_b):
        t.search_text = search_text_for_task(t.action, session.get(Directive, t.directive_id))
        session.add(t)
    session.commit()

    class World:
        pass

    w = World()
    w.a, w.b, w.c, w.users, w.task_a, w.task_b, w.today = a, b, c, users, task_a, task_b, today
    return w


@pytest.fixture
def token_for(session):
    def make(user):
        token = accounts.issue_api_token(session, user, "test")
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """scrypt is deliberately slow; route tests create many users, so hash them cheaply here.
    (check_password_hash reads the method from the stored hash, so login still verifies.)"""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))
