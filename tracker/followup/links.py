"""Moved to `tracker.channels.telegram.links` (the Telegram code lives in tracker/channels/telegram/); this
name stays importable for existing imports."""
import sys

import tracker.channels.telegram.links as _moved
from tracker.channels.telegram.links import *  # noqa: F401,F403 - re-exported: the module's old import path

sys.modules[__name__] = _moved
