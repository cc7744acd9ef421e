"""Delivery channels: each a small sender behind one interface (`base.Channel`).

- web: the in-app inbox (a row is delivered by storing its text);
- email: SMTP through the standard library (`tracker.channels.email`);
- telegram: python-telegram-bot (`tracker.channels.telegram`);
- zalo: the Zalo Bot Platform (`tracker.channels.zalo`).
The outbox pass (`tracker.followup.sender.deliver_pass`) claims a channel's rows,
composes them at send time and hands each to the channel's `send`.
"""
