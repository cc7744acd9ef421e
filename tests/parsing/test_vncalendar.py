"""Vietnamese lunar calendar, holidays and working days."""
from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.vncalendar import add_working_days
from tracker.vncalendar import holidays_in_year
from tracker.vncalendar import is_holiday
from tracker.vncalendar import is_working_day
from tracker.vncalendar import last_day_of_lunar_year
from tracker.vncalendar import lunar_to_solar
from tracker.vncalendar import solar_to_lunar
from tracker.vncalendar import tet
from tracker.vncalendar import working_days_between
from tracker.vncalendar import year_from_name
from tracker.vncalendar import year_name
from tracker.vncalendar.lunar import lunar_month_length


@pytest.mark.parametrize("year, expected", [
    (2021, date(2021, 2, 12)),
    (2022, date(2022, 2, 1)),
    (2023, date(2023, 1, 22)),
    (2024, date(2024, 2, 10)),
    (2025, date(2025, 1, 29)),
    (2026, date(2026, 2, 17)),
    (2007, date(2007, 2, 17)),  # China: 18/02/2007
    (1985, date(1985, 1, 21)),  # China: 20/02/1985
    (2030, date(2030, 2, 2)),  # China: 03/02/2030
    (1990, date(1990, 1, 27)),
    (2060, date(2060, 2, 2)),
])
def test_tet(year, expected):
    assert tet(year) == expected


@pytest.mark.parametrize("lunar, solar", [
    ((30, 12, 2020), date(2021, 2, 11)),  # 30 Chạp Canh Tý
    ((30, 12, 2023), date(2024, 2, 9)),  # 30 Chạp Quý Mão
    ((1, 12, 2025), date(2026, 1, 19)),  # 1 Chạp Ất Tỵ
    ((25, 12, 2025), date(2026, 2, 12)),  # 25 Chạp Ất Tỵ
    ((10, 3, 2024), date(2024, 4, 18)),  # Giỗ Tổ Hùng Vương
    ((15, 8, 2025), date(2025, 10, 6)),  # Tết Trung thu
])
def test_lunar_to_solar_corpus_rows(lunar, solar):
    assert lunar_to_solar(*lunar) == solar
    assert solar_to_lunar(solar) == (*lunar, False)


@pytest.mark.parametrize("lunar_year, days", [(2020, 30), (2021, 29), (2022, 30), (2023, 30), (2024, 29), (2025, 29)])
def test_length_of_thang_chap(lunar_year, days):
    assert lunar_month_length(12, lunar_year) == days
    assert last_day_of_lunar_year(lunar_year) == tet(lunar_year + 1) - timedelta(days=1)


def test_thirty_chap_does_not_exist_in_a_29_day_month():
    with pytest.raises(ValueError):
        lunar_to_solar(30, 12, 2021)


def test_leap_month_2023_is_leap_second_month():
    # 2023 had tháng 2 nhuận (Quý Mão): 22/3/2023 = 1/2 nhuận
    assert solar_to_lunar(date(2023, 3, 22)) == (1, 2, 2023, True)
    assert lunar_to_solar(1, 2, 2023, leap=True) == date(2023, 3, 22)
    with pytest.raises(ValueError):
        lunar_to_solar(1, 3, 2023, leap=True)


@pytest.mark.parametrize("year, name", [
    (2020, "Canh Tý"), (2021, "Tân Sửu"), (2022, "Nhâm Dần"), (2023, "Quý Mão"),
    (2024, "Giáp Thìn"), (2025, "Ất Tỵ"), (2026, "Bính Ngọ"), (2007, "Đinh Hợi"),
])
def test_year_name_and_inverse(year, name):
    assert year_name(year) == name
    assert year_from_name(name, year + 3) == year


@pytest.mark.parametrize("name, near, expected", [
    ("nhâm dần", 2022, 2022), ("Ất Tị", 2025, 2025), ("Quý Mẹo", 2023, 2023),
    ("Kỉ Hợi", 2020, 2019), ("Canh Tý", 2050, 2080), ("Giáp Sửu", 2022, None), ("Foo Bar", 2022, None),
])
def test_year_from_name_variants(name, near, expected):
    assert year_from_name(name, near) == expected


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)))
def test_lunar_round_trip(d):
    day, month, year, leap = solar_to_lunar(d)
    assert lunar_to_solar(day, month, year, leap) == d


@given(st.integers(min_value=1990, max_value=2060))
def test_tet_is_between_jan_20_and_feb_21(year):
    assert date(year, 1, 20) <= tet(year) <= date(year, 2, 21)
    assert solar_to_lunar(tet(year)) == (1, 1, year, False)


# --- holidays ---------------------------------------------------------------

@pytest.mark.parametrize("d", [
    date(2024, 9, 2), date(2024, 9, 3), date(2025, 1, 1), date(2025, 4, 30), date(2025, 5, 1),
    date(2025, 9, 1), date(2025, 9, 2), date(2026, 2, 17), date(2026, 2, 16), date(2024, 4, 18),
])
def test_known_holidays(d):
    assert is_holiday(d)
    assert not is_working_day(d)


def test_weekend_is_not_a_working_day():
    assert not is_working_day(date(2025, 3, 8))  # Saturday
    assert not is_working_day(date(2025, 3, 9))  # Sunday
    assert is_working_day(date(2025, 3, 10))


def test_swapped_saturday_is_a_working_day():
    assert is_working_day(date(2025, 4, 26))  # worked to make 02/5/2025 a day off
    assert is_holiday(date(2025, 5, 2))


def test_default_rule_for_a_year_without_official_schedule():
    days = holidays_in_year(2030)
    eve = tet(2030) - timedelta(days=1)
    assert {eve + timedelta(days=i) for i in range(5)} <= days
    assert date(2030, 9, 2) in days and date(2030, 4, 30) in days
    assert lunar_to_solar(10, 3, 2030) in days


def test_weekend_holiday_is_compensated_by_default():
    # 01/5/2027 is a Saturday: compensated on Monday 03/5/2027
    assert date(2027, 5, 3) in holidays_in_year(2027)


@pytest.mark.parametrize("issued, n, expected", [
    (date(2024, 8, 28), 5, date(2024, 9, 6)),  # skips 02/9 and 03/9/2024
    (date(2025, 10, 16), 5, date(2025, 10, 23)),
    (date(2022, 3, 9), 5, date(2022, 3, 16)),
    (date(2025, 3, 7), 1, date(2025, 3, 10)),  # Friday -> Monday
    (date(2025, 3, 7), 0, date(2025, 3, 7)),
])
def test_add_working_days(issued, n, expected):
    assert add_working_days(issued, n) == expected


def test_working_days_between():
    assert working_days_between(date(2024, 8, 28), date(2024, 9, 6)) == 5
    assert working_days_between(date(2024, 9, 6), date(2024, 8, 28)) == -5
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 10)) == 0


@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2055, 12, 31)), st.integers(min_value=0, max_value=60))
def test_add_then_count_working_days(d, n):
    end = add_working_days(d, n)
    assert working_days_between(d, end) == n
    assert n == 0 or is_working_day(end)


def test_official_schedules_2019_2026_match_reference_data():
    # seeded from the `holidays` package; the CSV must load them unchanged
    holidays = pytest.importorskip("holidays")
    for year in range(2019, 2027):
        assert holidays_in_year(year) == frozenset(holidays.VN(years=[year]))


def test_csv_rules_apply_from_their_first_year():
    assert date(2030, 11, 25) in holidays_in_year(2030)  # 24/11/2030 is a Sunday: nghỉ bù on Monday
    assert not is_holiday(date(2017, 11, 24))  # a Friday, before Ngày Văn hóa Việt Nam became a holiday
    assert lunar_to_solar(10, 3, 2031) in holidays_in_year(2031)  # Giỗ Tổ Hùng Vương, lunar rule
