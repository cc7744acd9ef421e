"""Pure text parsing: Vietnamese directive text -> tasks (no Flask, no database)."""
