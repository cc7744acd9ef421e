"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Every value can be overridden from the environment (systemd EnvironmentFile, Procfile).
Web workers never run the scheduler: that is the separate `flask --app app worker run`.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# At least 2 workers so one slow request (an export) never blocks the site; about one per core.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
# A few threads per worker keep a worker busy while another request waits on the database;
# each thread gets its own SQLAlchemy session (per request) from the per-process pool.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# The 10,000-row export takes about a second; 60 s is the ceiling for anything.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so memory stays flat over months of uptime.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# The app creates its engine in create_app(): without preload each worker opens its own
# connection pool (a pool inherited across fork() would share sockets between processes).
preload_app = False
# nginx on the same host sets X-Forwarded-Proto; trust it only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "directive-tracker-web"
