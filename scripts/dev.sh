#!/usr/bin/env bash
# Install and start the service on the embedded default (SQLite under instance/):
# migrations, demo data (once), the web server and the worker (scheduler + bot) together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip > .venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
.venv/bin/python -m pip install -q -e . > .venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
export FLASK_APP=app
.venv/bin/flask --app app db upgrade
.venv/bin/flask --app app demo load
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
echo "Dịch vụ: http://$HOST:$PORT/"
echo "Tài khoản mẫu (mật khẩu demo12345): admin, vanphong (văn phòng), lanhdao (lãnh đạo), stc.canbo, stc.truong, syt.canbo, sxd.canbo"
.venv/bin/flask --app app worker run &
WORKER=$!
.venv/bin/gunicorn --bind "$HOST:$PORT" --workers 2 --access-logfile - app:app &
WEB=$!
trap 'kill $WORKER $WEB 2>/dev/null || true; wait' EXIT INT TERM
# Stop both when either ends.
wait -n
