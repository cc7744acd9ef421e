"""Old import names of the configuration; the settings live in `tracker/settings.py`.

`load_config` is the `app.config` view of `Settings.load`: the mapping given to
`create_app` (tests pass Flask keys such as TESTING too) with every setting, validated.
"""
from tracker.settings import MIN_SECRET_BYTES  # noqa: F401 - re-exported (the old home of the settings helpers)
from tracker.settings import PLACEHOLDER_SECRETS  # noqa: F401 - re-exported (the old home of the settings helpers)
from tracker.settings import ConfigError  # noqa: F401 - re-exported (the old home of the settings helpers)
from tracker.settings import Settings
from tracker.settings import check_production_secret  # noqa: F401 - re-exported (the old home of the settings helpers)
from tracker.settings import defaults
from tracker.settings import normalize_database_url  # noqa: F401 - re-exported (the old home of the settings helpers)

DEFAULTS = defaults()


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Merge defaults, environment and overrides, then validate (see `Settings.load`)."""
    return {**(overrides or {}), **Settings.load(instance_path, overrides).as_config()}
