"""Set-up helper: put a fresh random SECRET_KEY into an env file, or print one.

    python -m tracker.secretkey                       # prints a new key
    python -m tracker.secretkey /etc/directive-tracker/tracker.env

With a file, a `SECRET_KEY=` line that is empty or a known placeholder is replaced by a new
key (a real key already there is kept), and the file is made readable by its owner only.
"""
import os
import re
import secrets
import sys
from pathlib import Path

from tracker.config import ConfigError
from tracker.config import check_production_secret

_LINE = re.compile(r"^SECRET_KEY=(.*)$", re.M)


def new_key() -> str:
    return secrets.token_hex(32)


def fill_env_file(path: str) -> bool:
    """Write a new key into `path` when it has none usable; True when the file was changed."""
    text = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else ""
    match = _LINE.search(text)
    if match:
        try:
            check_production_secret(match.group(1).strip().strip("'\""))
            return False
        except ConfigError:
            text = text[:match.start()] + f"SECRET_KEY={new_key()}" + text[match.end():]
    else:
        text += ("" if not text or text.endswith("\n") else "\n") + f"SECRET_KEY={new_key()}\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    return True


def main(argv: list[str]) -> int:
    if not argv:
        print(new_key())
        return 0
    changed = fill_env_file(argv[0])
    print(f"{argv[0]}: " + ("đã tạo SECRET_KEY mới" if changed else "SECRET_KEY đã có, giữ nguyên"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
