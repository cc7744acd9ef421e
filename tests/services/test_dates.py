"""Typed dates (tracker.services.dates): DD/MM/YYYY, ISO, free text, clear errors."""
from datetime import date

import pytest

from tracker.services import ServiceError
from tracker.services.dates import impossible_dates
from tracker.services.dates import parse_user_date

TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize("typed, expected", [
    ("15/03/2026", date(2026, 3, 15)), ("5/3/2026", date(2026, 3, 5)), ("15-03-2026", date(2026, 3, 15)),
    ("2026-03-15", date(2026, 3, 15)),
    ("15/3", date(2027, 3, 15)),                       # the deadline grammar: next 15/3 on or after the base
    ("cuối tháng 3", date(2027, 3, 31)),
    ("thứ Sáu tuần sau", date(2026, 12, 11)), ("thứ 6", date(2026, 12, 4)), ("chủ nhật tuần này", date(2026, 12, 6)),
    ("3 ngày nữa", date(2026, 12, 6)), ("2 tuần nữa", date(2026, 12, 17)), ("ngày mai", date(2026, 12, 4)),
    ("March 15", date(2027, 3, 15)),                   # dateparser: English month names
])
def test_accepted(typed, expected):
    assert parse_user_date(typed, today=TODAY) == expected


def test_relative_phrases_count_from_the_base():
    issued = date(2025, 1, 2)  # a Thursday
    assert parse_user_date("cuối tháng 2", today=TODAY, base=issued) == date(2025, 2, 28)
    assert parse_user_date("thứ Sáu tuần sau", today=TODAY, base=issued) == date(2025, 1, 10)


@pytest.mark.parametrize("typed", ["31/02/2022", "2022-02-31", "32/1", "không rõ", "x" * 100])
def test_refused_with_a_clear_message(typed):
    with pytest.raises(ServiceError) as exc:
        parse_user_date(typed, "hạn", today=TODAY)
    assert exc.value.code == "invalid_date" and exc.value.status == 422
    assert "DD/MM/YYYY" in exc.value.message and exc.value.message.startswith("Hạn")


def test_empty_is_none_and_impossible_dates_are_found():
    assert parse_user_date("", today=TODAY) is None and parse_user_date(None, today=TODAY) is None
    assert impossible_dates("hạn 31/02/2022, họp 15/03/2022 và 30/02/2023") == ["31/02/2022", "30/02/2023"]
