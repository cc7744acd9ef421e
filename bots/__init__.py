"""Chat bots: the Telegram bot (python-telegram-bot 22) and its webhook route."""
