"""`flask --app app zalo link LOGIN CHAT_ID` (operators link a chat by hand)."""
import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from sqlmodel import Session

from tracker.channels.zalo import links
from tracker.services import ServiceError

zalo_cli = AppGroup("zalo", help="Bot Zalo.")


@zalo_cli.command("link")
@click.argument("login")
@click.argument("chat_id")
@with_appcontext
def zalo_link(login, chat_id):
    """Liên kết tài khoản LOGIN với chat Zalo CHAT_ID (chuỗi)."""
    with Session(current_app.extensions["engine"], expire_on_commit=False) as s:
        try:
            user = links.link_by_hand(s, login, chat_id)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Đã liên kết {user.login} với chat Zalo {chat_id}.")


def register_cli(app) -> None:
    app.cli.add_command(zalo_cli)
