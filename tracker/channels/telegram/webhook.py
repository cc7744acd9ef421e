"""Webhook mode (TELEGRAM_MODE=webhook): Telegram POSTs updates to /telegram/webhook.

The route checks the `X-Telegram-Bot-Api-Secret-Token` header against
TELEGRAM_WEBHOOK_SECRET (constant-time), then processes the update in this request
with a short-lived PTB Application (the web process is synchronous; each request gets
its own event loop). The worker registers the webhook URL at start-up. CSRF does not
apply: `tracker.web.setup` exempts blueprints of the `bots` package.
"""
import asyncio
import hmac
import logging

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import jsonify
from flask import request

from tracker.settings import of as settings_of

bp = Blueprint("telegram_webhook", __name__)
log = logging.getLogger(__name__)


@bp.post("/telegram/webhook")
def webhook():
    config = settings_of(current_app)
    secret = config.telegram_webhook_secret
    token = config.telegram_bot_token
    if config.telegram_mode != "webhook" or not secret or not token:
        abort(404)
    from tracker.web import throttling

    blocked = throttling.refused("telegram_webhook", json=True)
    if blocked is not None:  # before the header is compared
        return blocked
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        throttling.failed("telegram_webhook")
        log.warning("Webhook Telegram: sai mã bí mật từ %s", request.remote_addr)
        abort(403)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "update_id" not in data:
        return jsonify({"ok": False, "error": "Cập nhật không hợp lệ"}), 400
    asyncio.run(_process(config, current_app.extensions["engine"], data))
    return jsonify({"ok": True})


async def _process(config, engine, data):
    from tracker.channels.telegram.bot import build_application
    from tracker.channels.telegram.bot import process_update_json

    application = build_application(config.telegram_bot_token, config.telegram_api_url, engine,
                                    settings=config.reminders, updater=False)
    async with application:
        await process_update_json(application, data)
