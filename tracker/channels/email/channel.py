"""E-mail through SMTP (standard library `smtplib`, STARTTLS by default).

Settings: SMTP_HOST (none = dry run: e-mails wait in the outbox), SMTP_PORT (587),
SMTP_USER / SMTP_PASSWORD (login when set), SMTP_STARTTLS (true), MAIL_FROM
(required with SMTP_HOST). Every message has an HTML and a plain-text part (Vietnamese,
a link per task) and `List-Unsubscribe` + `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
(RFC 8058): a POST to the tokenised URL turns the e-mail channel off for that person
without a login.
"""
from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from tracker.channels import base
from tracker.followup.compose import Composed
from tracker.followup.compose import to_email_html
from tracker.followup.compose import to_plain

_SALT = "email-unsubscribe"


def unsubscribe_token(secret_key: str, user_id: int) -> str:
    return URLSafeSerializer(secret_key, salt=_SALT).dumps(int(user_id))


def user_id_of_token(secret_key: str, token: str) -> int | None:
    try:
        value = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(public_url: str, secret_key: str, user_id: int) -> str:
    return f"{public_url.rstrip('/')}/unsubscribe/email/{unsubscribe_token(secret_key, user_id)}"


class EmailChannel(base.Channel):
    name = "email"
    rate = 10.0
    per_address_interval = 0.0

    def __init__(self, host=None, port=587, user=None, password=None, starttls=True, mail_from=None,
                 secret_key="", public_url="", timeout=20.0):
        self.host, self.port, self.user, self.password = host, int(port or 587), user, password
        self.starttls, self.mail_from, self.timeout = starttls, mail_from, timeout
        self.secret_key, self.public_url = secret_key, public_url

    @classmethod
    def from_settings(cls, settings) -> EmailChannel:
        """From `tracker.settings.Settings` (SMTP_*, MAIL_FROM, SECRET_KEY for unsubscribe links)."""
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
                   settings.smtp_starttls, settings.mail_from, settings.secret_key or "", settings.public_url or "")

    def configured(self) -> bool:
        return bool(self.host)

    def address(self, session, user) -> str | None:
        off = {c.strip() for c in (user.channels_off or "").split(",")}
        return user.email if user.email and "email" not in off else None

    def render(self, composed: Composed, session, user) -> str:
        legacy = getattr(composed, "legacy_html", None)
        if legacy is not None:
            import html
            import re

            composed = Composed(subject="Nhắc việc", intro=html.unescape(re.sub(r"<[^>]+>", "", legacy)))
        return to_plain(composed)

    def build(self, out: base.Outgoing) -> EmailMessage:
        c = out.composed
        unsub = unsubscribe_url(self.public_url, self.secret_key, out.recipient_id)
        msg = EmailMessage()
        msg["Subject"] = c.subject or "Thông báo từ hệ thống theo dõi nhiệm vụ"
        msg["From"] = self.mail_from
        msg["To"] = out.address
        msg["Message-ID"] = make_msgid(idstring=f"n{out.id}")
        msg["List-Unsubscribe"] = f"<{unsub}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["Auto-Submitted"] = "auto-generated"
        plain = out.text + f"\n\nTắt nhận thư điện tử: {unsub}\n"
        msg.set_content(plain)
        if getattr(c, "legacy_html", None) is None:
            msg.add_alternative(to_email_html(c, unsub), subtype="html")
        return msg

    def _send_sync(self, msg: EmailMessage) -> None:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, DNS, connect timeout
            raise base.Transient(f"Không kết nối được máy chủ thư {self.host}:{self.port}: {exc}") from None
        sending = False
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            sending = True
            smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib turns a read timeout into "Connection unexpectedly closed: timed out"
            # (the timeout is the exception's context): once the message is being sent, the
            # server may have stored it, so it is uncertain, not simply retried
            if sending and isinstance(exc.__context__, TimeoutError):
                raise base.Uncertain(f"hết thời gian chờ máy chủ thư: {exc}") from None
            raise base.Transient(f"Lỗi máy chủ thư: {exc}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise base.BadConfig(f"Máy chủ thư từ chối đăng nhập ({exc.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise base.Rejected(f"Địa chỉ nhận bị từ chối: {exc.recipients}") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise base.Transient(f"Máy chủ thư tạm từ chối ({exc.smtp_code})") from None
            raise base.Rejected(f"Máy chủ thư từ chối ({exc.smtp_code})") from None
        except TimeoutError as exc:
            if sending:
                raise base.Uncertain(f"hết thời gian chờ máy chủ thư: {exc}") from None
            raise base.Transient(f"Máy chủ thư không trả lời: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise base.Transient(f"Lỗi máy chủ thư: {exc}") from None
        finally:
            try:
                smtp.quit()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                smtp.close()

    async def send(self, out: base.Outgoing) -> None:
        await asyncio.to_thread(self._send_sync, self.build(out))
