"""Home: send each role to the page it works from."""
from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for

from tracker.web.auth import current_user

bp = Blueprint("home", __name__)

LANDING = {
    "staff": "tasks.mine",
    "head": "tasks.mine",
    "clerk": "tasks.index",
    "leader": "dashboard.index",
    "admin": "admin.users",
}


@bp.get("/")
def index():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    endpoint = LANDING.get(user.role, "directives.index")
    if endpoint not in current_app.view_functions:
        endpoint = "tasks.index" if "tasks.index" in current_app.view_functions else "directives.index"
    if endpoint == "tasks.mine" and not user.unit_id:
        endpoint = "directives.index"
    if endpoint not in current_app.view_functions:
        return render_template("home.html")
    return redirect(url_for(endpoint))
