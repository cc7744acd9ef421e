"""Vietnamese calendar: lunar calendar (UTC+7), public holidays, working days."""
from tracker.vncalendar.holidays import add_working_days
from tracker.vncalendar.holidays import holidays_in_year
from tracker.vncalendar.holidays import is_holiday
from tracker.vncalendar.holidays import is_working_day
from tracker.vncalendar.holidays import working_days_between
from tracker.vncalendar.lunar import last_day_of_lunar_year
from tracker.vncalendar.lunar import lunar_to_solar
from tracker.vncalendar.lunar import solar_to_lunar
from tracker.vncalendar.lunar import tet
from tracker.vncalendar.lunar import year_from_name
from tracker.vncalendar.lunar import year_name

__all__ = [
    "add_working_days", "holidays_in_year", "is_holiday", "is_working_day",
    "working_days_between", "last_day_of_lunar_year", "lunar_to_solar",
    "solar_to_lunar", "tet", "year_from_name", "year_name",
]
