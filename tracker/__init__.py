"""directive-tracker: Vietnamese directives to tracked tasks.

`create_app` is the Flask application factory (the flaskr shape): configuration from
the environment, one engine per process, one session per request, blueprints and CLI
commands registered here.
"""
import importlib
import logging
import os

from flask import Flask

from tracker.config import ConfigError
from tracker.config import load_config

__all__ = ["create_app", "ConfigError"]

log = logging.getLogger(__name__)

# Blueprint modules (each defines `bp`); a module not written yet is skipped.
BLUEPRINT_MODULES = (
    "tracker.web.home",
    "tracker.web.auth",
    "tracker.web.directives",
    "tracker.web.tasks",
    "tracker.web.profile",
    "tracker.web.admin",
    "tracker.web.api",
    "tracker.web.dashboard",
    "tracker.web.feeds",
    "tracker.web.health",
    "bots.webhook",
    "tracker.web.notifications",
    "tracker.channels.email.web",
    "tracker.web.password",
    "tracker.channels.zalo.webhook",
)

# CLI modules (each defines `register_cli(app)`).
CLI_MODULES = (
    "tracker.cli",
    "tracker.followup.cli",
    "bots.cli",
    "tracker.channels.zalo.cli",
    "tracker.services.synthetic",
)


def _optional_import(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def create_app(test_config: dict | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "INSTANCE_PATH", os.path.join(root, "instance")
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder="static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, test_config))
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads"))
    app.config["MAX_CONTENT_LENGTH"] = max(
        app.config["MAX_UPLOAD_BYTES"], app.config["MAX_DIRECTIVE_BYTES"]
    ) + 512 * 1024
    # CSRF tokens live as long as the session (Flask-WTF's default would expire open pages after 1 h).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    from tracker import db

    db.init_app(app)
    if not app.config.get("SKIP_DB_CHECK"):
        db.check_connection(app.extensions["engine"])

    for name in BLUEPRINT_MODULES:
        module = _optional_import(name)
        if module is not None:
            app.register_blueprint(module.bp)
    for name in CLI_MODULES:
        module = _optional_import(name)
        if module is not None:
            module.register_cli(app)
    for name in ("tracker.web.setup", "tracker.web.input_guard"):
        module = _optional_import(name)
        if module is not None:
            module.init_app(app)
    return app
