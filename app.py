"""Entry point for `flask --app app ...` and gunicorn (`app:app`)."""
import sys

from tracker import ConfigError
from tracker import create_app

try:
    app = create_app()
except ConfigError as exc:
    print(f"Lỗi cấu hình: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
