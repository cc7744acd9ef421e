"""Pages of the large exports the worker builds (services/export_jobs.py).

- GET /exports/jobs/<id>        the job's page: progress (refreshes itself every 2 s while
                                the file is being made, no script), then the download link
- GET /exports/jobs/<id>.json   the same as JSON, for polling: {"job": {...}, "poll_url", "download_url"}
- GET /exports/jobs/<id>/file   the file (kept 24 hours)

Only the person who asked for the export and admins see these; anyone else gets 404.
"""
from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for

from tracker.db import get_session
from tracker.services import NotFound
from tracker.services import export_jobs
from tracker.web.auth import current_user
from tracker.web.auth import login_required

bp = Blueprint("export_jobs", __name__)

MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8"}


def _links(job) -> dict:
    ready = export_jobs.status(job)["ready"]
    return {"poll_url": url_for("export_jobs.job_json", job_id=job.id),
            "page_url": url_for("export_jobs.job_page", job_id=job.id),
            "download_url": url_for("export_jobs.download", job_id=job.id) if ready else None}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def job_response(job):
    """What an export route answers when its file became a job: 202 + the job for a JSON
    client, otherwise a redirect to the job's page (a reload there does not queue again)."""
    if wants_json():
        response = jsonify({"job": export_jobs.status(job), **_links(job)})
        response.status_code = 202
        response.headers["Location"] = _links(job)["poll_url"]
        return response
    return redirect(url_for("export_jobs.job_page", job_id=job.id), code=303)


@bp.get("/exports/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    job = export_jobs.job_for(get_session(), current_user(), job_id)
    info = export_jobs.status(job)
    return render_template("dashboard/export_job.html", job=info, links=_links(job), expires=job.expires_at,
                           threshold=export_jobs.threshold(current_app.config))


@bp.get("/exports/jobs/<int:job_id>.json")
@login_required
def job_json(job_id: int):
    try:
        job = export_jobs.job_for(get_session(), current_user(), job_id)
    except NotFound as exc:
        response = jsonify({"error": {"code": exc.code, "message": exc.message}})
        response.status_code = 404
        return response
    response = jsonify({"job": export_jobs.status(job), **_links(job)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/jobs/<int:job_id>/file")
@login_required
def download(job_id: int):
    job = export_jobs.job_for(get_session(), current_user(), job_id)
    path = export_jobs.file_path(current_app.instance_path, job)
    fmt = (job.payload or {}).get("fmt", "xlsx")
    response = send_file(path, mimetype=MIMETYPES.get(fmt, "application/octet-stream"), as_attachment=True,
                         download_name=(job.payload or {}).get("filename") or f"xuat-{job.id}.{fmt}")
    response.headers["Cache-Control"] = "no-store"
    return response
