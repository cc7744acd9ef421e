"""The channels a process delivers through, built from the app's configuration."""
from __future__ import annotations

from tracker.channels.web import WebChannel

_registered: dict = {}


def register(channel) -> None:
    _registered[channel.name] = channel


def get_channel(name: str):
    if name in _registered:
        return _registered[name]
    if name == "web":
        return WebChannel()
    raise LookupError(f"Kênh chưa được cấu hình: {name}")


def from_settings(settings) -> list:
    """Every channel of this deployment (from `tracker.settings.Settings`); the unconfigured
    ones are dry runs (`configured()` False)."""
    from tracker.channels.email.channel import EmailChannel
    from tracker.channels.zalo.channel import ZaloChannel

    return [WebChannel(), EmailChannel.from_settings(settings), ZaloChannel.from_settings(settings)]
