"""Follow-up fixtures: the fake Telegram API, linked users, a VN-time clock helper."""
import os
from datetime import UTC
from datetime import datetime

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup import links  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import
from tracker.followup.policy import VN_TZ  # noqa: E402 - after PTB_TIMEDELTA is set, which python-telegram-bot reads on import

TOKEN = "123456:TEST-TOKEN"


def vn(y, m, d, hh=0, mm=0) -> datetime:
    """A Vietnam wall-clock instant, as UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(UTC)


@pytest.fixture
def fake_tg():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def engine(app):
    return app.extensions["engine"]


@pytest.fixture
def linked(session):
    """Link a user to a chat: linked(user, chat_id)."""
    def do(user, chat_id):
        links.link_by_hand(session, user.login, chat_id)
        return user
    return do


@pytest.fixture
def bot(fake_tg):
    from telegram import Bot

    return Bot(TOKEN, base_url=fake_tg.base_url)
