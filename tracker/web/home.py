"""Home page."""
from flask import Blueprint
from flask import render_template
from sqlmodel import func
from sqlmodel import select

from tracker.db import get_session
from tracker.models import Directive
from tracker.models import Task

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    session = get_session()
    counts = {
        "directives": session.exec(select(func.count()).select_from(Directive)).one(),
        "tasks": session.exec(select(func.count()).select_from(Task)).one(),
    }
    return render_template("home.html", counts=counts)
