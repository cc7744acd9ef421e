"""Telegram: the bot (commands, buttons; polling or webhook), chat links and the channel
sender. Moved here from bots/ and tracker/followup/ (those names still import)."""
