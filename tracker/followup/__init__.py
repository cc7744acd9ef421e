"""Follow-up engine: reminder policy, the SQL sweep into the outbox, the Telegram sender
and the worker process that runs them (see issue 5)."""
