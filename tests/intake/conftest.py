import pytest

from tracker.services import accounts


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Hash the test users cheaply (login still verifies against the stored method)."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture
def token_for(session):
    def make(user):
        token = accounts.issue_api_token(session, user, "test")
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
