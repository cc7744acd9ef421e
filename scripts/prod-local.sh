#!/usr/bin/env bash
# The production deployment example (deploy/) on this machine, against the local PostgreSQL:
# a fresh database, migrations, the demo province plus synthetic data, gunicorn with
# deploy/gunicorn.conf.py (2 workers), the worker process (scheduler + sender + bot), and
# nginx in front (static files, upload limit, proxy headers) when nginx is installed.
#
#   scripts/prod-local.sh            start, wait until healthy, stay in the foreground (Ctrl-C stops)
#   scripts/prod-local.sh --detach   start, wait until healthy, return (pids in $RUN_DIR)
#   scripts/prod-local.sh stop       stop what a detached start left running
#
# Settings (environment): PROD_DB (dt_prod), PG_URL (postgresql://postgres@127.0.0.1:5432),
# PROD_PORT (gunicorn, 8000), PROD_HTTP_PORT (nginx, 8080), PROD_TASKS (synthetic tasks, 20000),
# PROD_UNITS (120), RUN_DIR (/tmp/dt-prod), KEEP_DB=1 to keep an existing database.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PROD_DB=${PROD_DB:-dt_prod}
PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432}
PROD_PORT=${PROD_PORT:-8000}
PROD_HTTP_PORT=${PROD_HTTP_PORT:-8080}
PROD_TASKS=${PROD_TASKS:-20000}
PROD_UNITS=${PROD_UNITS:-120}
RUN_DIR=${RUN_DIR:-/tmp/dt-prod}
FLASK="$ROOT/.venv/bin/flask --app app"

stop_all() {
    local name pid
    for name in nginx worker web; do
        if [ -f "$RUN_DIR/$name.pid" ]; then
            pid=$(cat "$RUN_DIR/$name.pid")
            if kill -0 "$pid" 2>/dev/null; then
                kill -TERM "$pid" 2>/dev/null || true
                for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
                kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
            fi
            rm -f "$RUN_DIR/$name.pid"
        fi
    done
}

if [ "${1:-}" = "stop" ]; then
    stop_all
    echo "Đã dừng."
    exit 0
fi
DETACH=0
[ "${1:-}" = "--detach" ] && DETACH=1

mkdir -p "$RUN_DIR/instance" "$RUN_DIR/log"
stop_all  # a previous detached run

# --- Environment, as /etc/directive-tracker/tracker.env would give it ------------------
[ -f "$RUN_DIR/secret_key" ] || "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))' > "$RUN_DIR/secret_key"
export TRACKER_ENV=production
export SECRET_KEY=$(cat "$RUN_DIR/secret_key")
export DATABASE_URL="$PG_URL/$PROD_DB"
export INSTANCE_PATH="$RUN_DIR/instance"
export PUBLIC_URL="http://127.0.0.1:$PROD_HTTP_PORT"
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
export GUNICORN_BIND="127.0.0.1:$PROD_PORT"
export GUNICORN_ACCESSLOG="$RUN_DIR/log/access.log"
env | grep -E '^(TRACKER_ENV|DATABASE_URL|INSTANCE_PATH|PUBLIC_URL|WEB_CONCURRENCY|GUNICORN_BIND)=' > "$RUN_DIR/env"
echo "SECRET_KEY=$SECRET_KEY" >> "$RUN_DIR/env"

# --- A fresh database --------------------------------------------------------------------
"$ROOT/.venv/bin/python" - "$PG_URL" "$PROD_DB" "${KEEP_DB:-0}" <<'PY'
import sys
import sqlalchemy as sa
from tracker.config import normalize_database_url
url, name, keep = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
admin = sa.create_engine(normalize_database_url(url + "/postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    if exists and not keep:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    if not exists or not keep:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        print(f"Cơ sở dữ liệu mới: {name}")
PY
$FLASK db upgrade
if [ "${KEEP_DB:-0}" != "1" ]; then
    TRACKER_ENV=development $FLASK demo load  # refused in production (well-known demo accounts)
    if [ "$PROD_TASKS" -gt 0 ]; then
        $FLASK demo generate --tasks "$PROD_TASKS" --units "$PROD_UNITS" --seed 1 | tail -3
    fi
fi

# --- Processes -----------------------------------------------------------------------------
"$ROOT/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py app:app >"$RUN_DIR/log/web.log" 2>&1 &
echo $! > "$RUN_DIR/web.pid"

if $FLASK worker --help >/dev/null 2>&1; then
    $FLASK worker run >"$RUN_DIR/log/worker.log" 2>&1 &
    echo $! > "$RUN_DIR/worker.pid"
else
    echo "Cảnh báo: chưa có lệnh 'flask worker run' (bộ nhắc việc); chạy không có worker." >&2
fi

NGINX_URL=""
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    mkdir -p "$RUN_DIR/nginx"
    # deploy/nginx/directive-tracker.conf, minus TLS, on a local port, run as this user
    cat > "$RUN_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/log/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $RUN_DIR/log/nginx-access.log;
    client_body_temp_path $RUN_DIR/nginx/body;
    proxy_temp_path $RUN_DIR/nginx/proxy;
    fastcgi_temp_path $RUN_DIR/nginx/fastcgi;
    uwsgi_temp_path $RUN_DIR/nginx/uwsgi;
    scgi_temp_path $RUN_DIR/nginx/scgi;
    upstream directive_tracker { server 127.0.0.1:$PROD_PORT fail_timeout=0; keepalive 16; }
    server {
        listen 127.0.0.1:$PROD_HTTP_PORT;
        client_max_body_size 11m;
        location /static/ { alias $ROOT/tracker/static/; expires 7d; access_log off; }
        location / {
            proxy_pass http://directive_tracker;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_redirect off;
            proxy_read_timeout 70s;
        }
    }
}
EOF
    "$NGINX" -c "$RUN_DIR/nginx/nginx.conf" -p "$RUN_DIR/nginx" -e "$RUN_DIR/log/nginx-error.log" \
        >"$RUN_DIR/log/nginx.log" 2>&1 &
    echo $! > "$RUN_DIR/nginx.pid"
    NGINX_URL="http://127.0.0.1:$PROD_HTTP_PORT"
fi

# --- Wait until healthy ----------------------------------------------------------------------
for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$PROD_PORT/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$RUN_DIR/web.pid")" 2>/dev/null; then
        echo "gunicorn đã dừng; xem $RUN_DIR/log/web.log" >&2; tail -20 "$RUN_DIR/log/web.log" >&2; stop_all; exit 1
    fi
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$PROD_PORT/healthz"; echo
echo "gunicorn: http://127.0.0.1:$PROD_PORT/  (2 worker, deploy/gunicorn.conf.py)"
[ -n "$NGINX_URL" ] && echo "nginx:    $NGINX_URL/  (tĩnh từ tracker/static, client_max_body_size 11m)"
echo "Tài khoản mẫu (mật khẩu demo12345): admin, vanphong, lanhdao, stc.canbo; dữ liệu tổng hợp: syn.vanphong1, syn.lanhdao1"
echo "Nhật ký: $RUN_DIR/log/   Biến môi trường: $RUN_DIR/env"

if [ "$DETACH" = 1 ]; then
    exit 0
fi
on_exit() { trap - EXIT INT TERM; stop_all; echo "Đã dừng."; exit 0; }
trap on_exit EXIT INT TERM
wait
