"""Sign-in throttling by account and by address: slow down guessing, never lock anyone out.

Only failures count (a wrong password at sign-in or at the password-change form), kept in
`login_failure` for the window. Past the limit (default 10 per account and 50 per address
in 15 minutes) an attempt is refused *without checking the password*, with the same message
as a wrong password and after the same password-hash work, so the answer reveals neither
that the account exists nor that it is throttled. Nothing is locked: the window slides and
failures age out of it, so a throttled account signs in again at most 15 minutes after the
last guess, and no answer is ever faster than a real check.
Off under TESTING (tests turn it on explicitly with LOGIN_THROTTLE=True).
"""
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import select

from tracker.models import LoginFailure
from tracker.models import utcnow

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 10
PER_ADDRESS = 50


def _keys(login: str | None, address: str | None) -> list[tuple[str, int]]:
    keys = []
    if login:
        keys.append(("login:" + login.strip().lower()[:150], PER_ACCOUNT))
    if address:
        keys.append(("addr:" + address[:150], PER_ADDRESS))
    return keys


def is_throttled(session: Session, login: str | None, address: str | None, *, now=None,
                 per_account: int = PER_ACCOUNT, per_address: int = PER_ADDRESS) -> bool:
    """True when the account or the address has had too many failures in the window."""
    now = now or utcnow()
    since = now - WINDOW
    for key, limit in _keys(login, address):
        limit = per_account if key.startswith("login:") else per_address
        count = session.exec(select(func.count()).select_from(LoginFailure)
                             .where(LoginFailure.key == key, LoginFailure.at > since)).one()
        if count >= limit:
            return True
    return False


def record_failure(session: Session, login: str | None, address: str | None, *, now=None) -> None:
    now = now or utcnow()
    for key, _limit in _keys(login, address):
        session.add(LoginFailure(key=key, at=now))
    # old rows are of no use; drop them as we go (bounded table)
    session.exec(delete(LoginFailure).where(LoginFailure.at < now - 2 * WINDOW))
