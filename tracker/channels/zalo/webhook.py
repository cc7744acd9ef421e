"""Webhook mode (ZALO_MODE=webhook): the Zalo Bot Platform POSTs updates to /zalo/webhook
with the secret given to setWebhook in the `X-Bot-Api-Secret-Token` header
(ZALO_WEBHOOK_SECRET, compared in constant time)."""
import hmac
import logging
from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import jsonify
from flask import request

from tracker.settings import of as settings_of

bp = Blueprint("zalo_webhook", __name__)
log = logging.getLogger(__name__)


@bp.post("/zalo/webhook")
def webhook():
    from tracker.channels.zalo import bot
    from tracker.channels.zalo.client import ZaloApi

    config = settings_of(current_app)
    secret, token = config.zalo_webhook_secret, config.zalo_bot_token
    if config.zalo_mode != "webhook" or not secret or not token:
        abort(404)
    from tracker.web import throttling

    blocked = throttling.refused("zalo_webhook", json=True)
    if blocked is not None:  # before the header is compared
        return blocked
    given = request.headers.get("X-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        throttling.failed("zalo_webhook")
        log.warning("Webhook Zalo: sai mã bí mật từ %s", request.remote_addr)
        abort(403)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"ok": False, "error": "Cập nhật không hợp lệ"}), 400
    update = data.get("result") if isinstance(data.get("result"), dict) else data
    handled = bot.handle_update(current_app.extensions["engine"], update, datetime.now(UTC),
                                config.public_url or "", config.tz)
    if handled:
        bot.reply(ZaloApi(token, config.zalo_api_url), handled[0], handled[1])
    return jsonify({"ok": True})
