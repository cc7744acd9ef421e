"""Zalo Bot Platform: HTTP client, the channel sender, linking, the bot's commands, the
webhook route and `flask zalo link`. Zalo bots have no inline buttons: actions are links
to the web app."""
