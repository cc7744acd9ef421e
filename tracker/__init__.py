"""directive-tracker: Vietnamese directives to tracked tasks.

`create_app` is the Flask application factory (the flaskr shape): configuration from
the environment, one engine per process, one session per request, blueprints and CLI
commands registered here.
"""
import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask and the configuration load in create_app only: the parser CLI starts without them
    from flask import Flask

    from tracker.settings import ConfigError


def __getattr__(name: str):
    """`from tracker import ConfigError` without importing the configuration module up front."""
    if name == "ConfigError":
        from tracker.settings import ConfigError

        return ConfigError
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")

__all__ = ["create_app", "ConfigError"]

log = logging.getLogger(__name__)

def create_app(test_config: dict | None = None) -> "Flask":
    """Build the app: settings from the environment (or `test_config`), the database,
    every blueprint and CLI command. The instance folder (uploads, generated secret, the
    SQLite file by default) is INSTANCE_PATH, else ./instance of the working directory,
    so an installed wheel never writes inside site-packages."""
    # Lazy: `import tracker.parsing` loads this package, and the parser CLI must start
    # without Flask (issue #18's cold start).
    from flask import Flask

    from tracker.settings import Settings
    from tracker.web import input_guard
    from tracker.web import setup

    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "INSTANCE_PATH", os.path.join(os.getcwd(), "instance")
    )
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path),
        instance_relative_config=True,
        template_folder="templates",
        static_folder="static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    # the one settings object (tracker/settings.py); app.config gets the same values by name
    settings = Settings.load(app.instance_path, test_config)
    app.extensions["settings"] = settings
    app.config.update(test_config or {})
    app.config.update(settings.as_config())
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads"))
    # the years of the holiday table the admin edits in the app (beside holidays.csv)
    app.config.setdefault("HOLIDAYS_FILE", os.path.join(app.instance_path, "holidays.csv"))
    from tracker.vncalendar.holidays import set_override_file

    set_override_file(app.config["HOLIDAYS_FILE"])
    app.config["MAX_CONTENT_LENGTH"] = max(
        app.config["MAX_UPLOAD_BYTES"], app.config["MAX_DIRECTIVE_BYTES"], app.config["MAX_SCAN_BYTES"]
    ) + 512 * 1024
    # CSRF tokens live as long as the session (Flask-WTF's default would expire open pages after 1 h).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    from tracker import db

    db.init_app(app)
    if not app.config.get("SKIP_DB_CHECK"):
        db.check_connection(app.extensions["engine"])

    register_blueprints(app)
    register_cli(app)
    setup.init_app(app)
    input_guard.init_app(app)
    return app


def register_blueprints(app: "Flask") -> None:
    """Every blueprint, by name: a missing module is an error, never silently skipped."""
    from bots import webhook
    from tracker.channels.email import web as email_web
    from tracker.channels.zalo import webhook as zalo_webhook
    from tracker.web import admin
    from tracker.web import api
    from tracker.web import auth
    from tracker.web import collab
    from tracker.web import collab_api
    from tracker.web import dashboard
    from tracker.web import directives
    from tracker.web import export_jobs
    from tracker.web import feeds
    from tracker.web import health
    from tracker.web import home
    from tracker.web import notifications
    from tracker.web import password
    from tracker.web import profile
    from tracker.web import reports
    from tracker.web import sheet_import
    from tracker.web import tasks

    for module in (home, auth, directives, tasks, profile, admin, api, dashboard, feeds, health, webhook,
                   notifications, reports, collab_api, collab, sheet_import, email_web, password, zalo_webhook,
                   export_jobs):
        app.register_blueprint(module.bp)


def register_cli(app: "Flask") -> None:
    """Every CLI group (`flask --app app ...`)."""
    from tracker import cli
    from tracker.channels.zalo import cli as zalo_cli
    from tracker.followup import cli as followup_cli
    from tracker.services import scoring

    for module in (cli, followup_cli, zalo_cli, scoring):
        module.register_cli(app)
