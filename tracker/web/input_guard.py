"""Refuse request input the database cannot store, before any view sees it.

Found by the hardening fuzz tests (tests/hardening/test_input_fuzz.py); each of these
used to end in a 500:
- an id in the URL, a numeric query or form field, or a JSON number beyond the 32-bit
  integer range (SQLite: "Python int too large"; PostgreSQL: "integer out of range");
- a NUL character in any text (PostgreSQL text cannot hold it);
- a lone UTF-16 surrogate in a JSON string ("\\ud800" is valid JSON but not encodable);
- JSON nested so deeply that the parser recurses out of stack;
- NaN or Infinity in JSON (Python's parser accepts them; PostgreSQL's json type does not).
An out-of-range id in the URL cannot name anything, so it is a 404; the rest are 400/422
with a Vietnamese message (JSON on the API, the error page elsewhere).
"""
import math
import re

from flask import Flask
from flask import abort
from flask import request

from tracker.services import ServiceError
from tracker.services.inputs import INT_MAX
from tracker.services.inputs import to_int

_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
# Query and form fields that are read as integers (ids, paging, versions, offsets).
_NUMERIC_FIELD = re.compile(
    r"(?:^|[-_])(?:id|ids|page|per_page|limit|unit|units|directive|task|user|version|row_count|progress|start|end|"
    r"offset|count|days)$")
_JSON_MAX_DEPTH = 64


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_field(name: str, value: str) -> None:
    if "\x00" in value:
        raise ServiceError(f"Trường '{name[:40]}' chứa ký tự không hợp lệ (NUL)", code="invalid_characters", status=400)
    if _NUMERIC_FIELD.search(name) and _INTEGER.fullmatch(value) and to_int(value, minimum=-INT_MAX) is None:
        # more than 18 digits, or beyond 32 bits: nothing the database can store
        raise ServiceError(f"Giá trị của '{name[:40]}' ngoài khoảng cho phép", code="out_of_range", status=400)


def _check_json(data) -> None:
    """Walk the parsed JSON without recursion: bad strings and out-of-range integers."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > _JSON_MAX_DEPTH:
            raise ServiceError("Dữ liệu JSON lồng nhau quá sâu", code="invalid_json", status=400)
        if isinstance(value, str):
            if _bad_text(value):
                raise ServiceError("Dữ liệu chứa ký tự không hợp lệ (NUL hoặc mã UTF-16 lẻ)",
                                   code="invalid_characters", status=400)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ServiceError("JSON không hợp lệ (NaN, Infinity)", code="invalid_json", status=400)
        elif isinstance(value, int):
            if abs(value) > INT_MAX:
                raise ServiceError("Số quá lớn (ngoài khoảng số nguyên 32 bit)", code="out_of_range", status=422)
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def check_request_input() -> None:
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAX:
            abort(404)
    for name, value in request.args.items(multi=True):
        _check_field(name, value)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            if not request.path.startswith("/api/"):
                return  # the Telegram webhook carries 64-bit chat ids; the bot checks its own input
            try:
                data = request.get_json(silent=True)
            except RecursionError:
                raise ServiceError("Dữ liệu JSON lồng nhau quá sâu", code="invalid_json", status=400) from None
            if data is not None:
                _check_json(data)
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, value in request.form.items(multi=True):
                _check_field(name, value)


def init_app(app: Flask) -> None:
    app.before_request(check_request_input)
