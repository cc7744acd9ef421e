"""Finding 9 (round 2), kept here: display names are escaped in Telegram HTML messages, and a
/start token sent from another person's chat does not silently move that chat's link."""
from sqlmodel import select

from tests.followup.test_bot import NOW
from tests.followup.test_bot import replies
from tests.followup.test_bot import run_updates
from tracker.followup import links
from tracker.models import TelegramLink

NAME = 'Cán bộ <a href="http://evil.example">bấm</a> & <b>'


def test_display_name_is_escaped_in_the_start_replies(session, engine, make_unit, make_user, fake_tg):
    user = make_user("chuyenvien", "staff", make_unit())
    user.display_name = NAME
    session.add(user)
    session.commit()
    token = links.create_link_token(session, user, now=NOW)
    run_updates(engine, fake_tg, fake_tg.inject_message(900, f"/start {token}"), fake_tg.inject_message(900, "/start"))
    for text in replies(fake_tg, 900)[:2]:
        assert "<a href" not in text and "& <b>" not in text
        assert "&lt;a href=" in text and "&amp;" in text


def test_a_token_from_another_persons_chat_does_not_silently_move_the_link(session, engine, make_unit, make_user,
                                                                           linked, fake_tg):
    unit = make_unit()
    owner = linked(make_user("chu_chat", "staff", unit), 600)
    other = make_user("nguoi_khac", "staff", unit)
    token = links.create_link_token(session, other, now=NOW)
    run_updates(engine, fake_tg, fake_tg.inject_message(600, f"/start {token}"))
    session.expire_all()
    owner_link = session.exec(select(TelegramLink).where(TelegramLink.user_id == owner.id)).one()
    answer = replies(fake_tg, 600)[-1]
    # either the chat keeps its account, or the answer says plainly whose link it replaces
    assert (owner_link.active and owner_link.chat_id == 600) or owner.login in answer
