"""Sign-in throttling by account and by address: slow down guessing, never lock anyone out.

Only failures count (a wrong password at sign-in or at the password-change form), kept in
`login_failure` for the window. Past the limit (default 10 per account and 50 per address
in 15 minutes) an attempt is refused *without checking the password*, with the same message
as a wrong password and after the same password-hash work, so the answer reveals neither
that the account exists nor that it is throttled. Nothing is locked: the window slides and
failures age out of it, so a throttled account signs in again at most 15 minutes after the
last guess, and no answer is ever faster than a real check.
Off under TESTING (tests turn it on explicitly with LOGIN_THROTTLE=True).

The same table and window also count failed secrets other than passwords (API bearer
tokens, feed and unsubscribe links, password-reset links and requests, chat link codes,
webhook secrets), by scope: see `retry_after` and `record_secret_failure` below, and the
web glue in tracker/web/throttling.py.
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


# --- secrets other than passwords (issue 11, "this round") ------------------------------
#
# Every endpoint that takes or checks a secret token or code counts its FAILURES here, in
# the same table and the same sliding window, under keys of its own scope:
# "<scope>:addr:<address>" and, where the request names an account, "<scope>:acct:<account>".
# The check comes before the secret is looked at, so a throttled caller gets the same answer
# (429 + Retry-After in the web layer) whether the secret or the account exists or not.

SECRET_PER_ADDRESS = 30   # failures per address per scope in the window
SECRET_PER_ACCOUNT = 5    # failures (or password-reset requests) per named account per scope


def _scoped_keys(scope: str, address: str | None, account: str | None,
                 per_address: int, per_account: int) -> list[tuple[str, int]]:
    keys = []
    if address:
        keys.append((f"{scope}:addr:{address}"[:160], per_address))
    if account:
        keys.append((f"{scope}:acct:{account.strip().lower()}"[:160], per_account))
    return keys


def retry_after(session: Session, scope: str, *, address: str | None = None, account: str | None = None,
                now=None, per_address: int = SECRET_PER_ADDRESS, per_account: int = SECRET_PER_ACCOUNT) -> int | None:
    """Seconds until the caller may try again, or None when it is not throttled.

    Past the limit, the wait is until enough failures have left the window for the count to
    be under the limit again (the window slides: nothing is locked for longer)."""
    now = now or utcnow()
    since = now - WINDOW
    wait = None
    for key, limit in _scoped_keys(scope, address, account, per_address, per_account):
        times = session.exec(select(LoginFailure.at).where(LoginFailure.key == key, LoginFailure.at > since)
                             .order_by(LoginFailure.at.desc()).limit(limit)).all()
        if len(times) >= limit:
            oldest = times[-1] if times[-1].tzinfo else times[-1].replace(tzinfo=now.tzinfo)
            seconds = max(1, int((oldest + WINDOW - now).total_seconds() + 0.999))
            wait = max(wait or 0, seconds)
    return wait


def record_secret_failure(session: Session, scope: str, *, address: str | None = None,
                          account: str | None = None, now=None) -> None:
    """Count one failed secret (or one password-reset request). Does not commit."""
    now = now or utcnow()
    for key, _limit in _scoped_keys(scope, address, account, 1, 1):
        session.add(LoginFailure(key=key, at=now))
    session.exec(delete(LoginFailure).where(LoginFailure.at < now - 2 * WINDOW))


# Chat link codes (Telegram /start <token>, Zalo codes) arrive from a chat, not an address:
# the chat id stands for the address. The bot handlers run outside the web app (worker or
# webhook), so this limit is always on; a person mistyping a code a few times never meets it.
CHAT_LINK_PER_CHAT = 10


def chat_link_wait(session: Session, channel: str, chat_id, *, now=None) -> int | None:
    """Seconds a chat must wait before trying another link code, or None."""
    return retry_after(session, f"{channel}_link", address=f"chat:{chat_id}", now=now,
                       per_address=CHAT_LINK_PER_CHAT)


def chat_link_failed(session: Session, channel: str, chat_id, *, now=None) -> None:
    """Count one wrong, used or expired link code sent from `chat_id`. Commits."""
    record_secret_failure(session, f"{channel}_link", address=f"chat:{chat_id}", now=now)
    session.commit()


def chat_wait_message(seconds: int) -> str:
    return (f"Quá nhiều lần gửi mã liên kết không đúng. Vui lòng thử lại sau {max(1, (seconds + 59) // 60)} phút, "
            "hoặc tạo mã mới trên trang Cá nhân.")
