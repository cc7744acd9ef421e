"""Commands: `flask --app app worker run`, `reminders run-once [--now ISO]`,
`telegram link LOGIN CHAT_ID`."""
from __future__ import annotations

import asyncio
import logging
import os

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from sqlmodel import Session

from tracker.channels.telegram import links
from tracker.followup import policy
from tracker.followup import sender
from tracker.followup import worker
from tracker.services import ServiceError
from tracker.settings import of as settings_of

worker_cli = AppGroup("worker", help="Tiến trình nền: quét nhắc việc, gửi Telegram, bot.")
reminders_cli = AppGroup("reminders", help="Nhắc việc.")
telegram_cli = AppGroup("telegram", help="Telegram.")


@worker_cli.command("run")
@with_appcontext
def worker_run():
    """Chạy worker (một tiến trình duy nhất; worker thứ hai sẽ chờ)."""
    worker.main(current_app)


@reminders_cli.command("run-once")
@click.option("--now", "now_text", default=None, help="Thời điểm giả lập, ISO-8601 (không có múi giờ = giờ Việt Nam)")
@with_appcontext
def run_once(now_text):
    """Quét một lần và gửi một lượt; in ra những gì đã làm."""
    app = current_app
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        now = worker.parse_now(now_text) if now_text else worker.make_clock(app)()
    except ValueError:
        raise click.UsageError(f"--now không hợp lệ: {now_text!r} (ví dụ 2026-11-30T08:05)") from None
    engine = app.extensions["engine"]
    local = policy.local_now(now, settings_of(app).tz)
    with Session(engine) as s:
        counts = policy_sweep(app, s, now)
    click.echo(f"Quét lúc {local.strftime('%H:%M %d/%m/%Y')}: " + (
        ", ".join(f"{policy.KIND_LABELS[k]} {v}" for k, v in counts.items() if v) or "không có nhắc việc mới"))
    settings = settings_of(app).sender
    recovered = sender.recover_in_flight(engine, settings.lease_seconds, now)
    if recovered["sending"]:
        click.echo(f"Gửi lại {len(recovered['sending'])} thông báo đang gửi dở khi tiến trình trước dừng: "
                   + ", ".join(f"#{i}" for i in recovered["sending"]))
    if not app.config.get("TELEGRAM_BOT_TOKEN"):
        click.echo(worker.startup_line(app))
    stats = asyncio.run(_send(app, now, settings))
    labels = {"sent": "đã gửi", "retry": "thử lại sau", "retry_after": "yêu cầu chờ (429)", "failed": "lỗi",
              "not_sent_now": "bỏ qua/hoãn", "uncertain": "không chắc đã gửi"}
    for channel, st in stats.items():
        click.echo(f"Gửi {channel}: " + (", ".join(f"{labels.get(k, k)} {v}" for k, v in st.items())
                                         or "không có gì để gửi"))
    pending = sender.outbox_counts(engine).get("pending", 0)
    click.echo(f"Hàng đợi: {pending} thông báo chờ gửi.")


def policy_sweep(app, session, now):
    from tracker.followup.sweep import sweep

    return sweep(session, now, settings_of(app).reminders)


async def _send(app, now, settings):
    """One pass per configured channel (the web inbox always; e-mail, Telegram, Zalo when set up)."""
    from tracker.channels import registry

    cfg = settings_of(app)
    engine, url = app.extensions["engine"], cfg.public_url
    rs = cfg.reminders
    out = {}
    for channel in registry.from_settings(cfg):
        if channel.configured():
            out[channel.name] = await sender.deliver_pass(engine, channel, now=now, public_url=url,
                                                          settings=settings, reminder_settings=rs)
    if cfg.telegram_bot_token:
        from telegram import Bot

        bot = Bot(cfg.telegram_bot_token, base_url=cfg.telegram_api_url.rstrip("/"))
        async with bot:
            out["telegram"] = await sender.send_pass(engine, bot, now=now, public_url=url, settings=settings)
    return out


@telegram_cli.command("link")
@click.argument("login")
@click.argument("chat_id", type=int)
@with_appcontext
def telegram_link(login, chat_id):
    """Liên kết tài khoản LOGIN với chat Telegram CHAT_ID (cho quản trị viên)."""
    with Session(current_app.extensions["engine"], expire_on_commit=False) as s:
        try:
            user = links.link_by_hand(s, login, chat_id)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Đã liên kết {user.login} với chat {chat_id}.")


def register_cli(app) -> None:
    for group in (worker_cli, reminders_cli, telegram_cli):
        app.cli.add_command(group)
    os.environ.setdefault("PTB_TIMEDELTA", "1")
