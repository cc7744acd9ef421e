"""Old import name of `fold`; its home is `tracker/textfold.py` (one fold for the parser and search)."""
from tracker.textfold import fold  # noqa: F401 - re-exported for the services
from tracker.textfold import fold_name  # noqa: F401 - re-exported for the services
