"""Working days in the official Chinese calendar (holidays and make-up workdays), from the app's own table.

`chinesecalendar` only knows the State Council's schedules up to 2026; the table it seeds is
extended by an administrator for later years. A year missing from the table falls back to
Monday–Friday, and `missing_years` tells administrators so.
"""

import datetime
from functools import lru_cache

from .models import CalendarDay, HolidayYear

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争胜利70周年纪念日",
}


class WorkCalendar:
    """The calendar as of now, read once: covered years and their exceptions."""

    def __init__(self):
        self.covered = set(HolidayYear.objects.values_list("year", flat=True))
        self.exceptions = dict(CalendarDay.objects.values_list("date", "kind"))

    def is_covered(self, year: int) -> bool:
        return year in self.covered

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.exceptions.get(day) if day.year in self.covered else None
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if kind == CalendarDay.Kind.WORKDAY:
            return True
        return day.weekday() < 5

    def working_days_before(self, day: datetime.date, count: int) -> datetime.date:
        """The `count`-th working day before `day` (not counting `day` itself)."""
        current = day
        found = 0
        while found < count:
            current -= datetime.timedelta(days=1)
            if self.is_working_day(current):
                found += 1
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`."""
        days = 0
        current = start
        while current < end:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                days += 1
        return days


def missing_years(today: datetime.date) -> list[int]:
    """This year, and next year from December on, when their holiday schedule is not in the table."""
    wanted = [today.year] + ([today.year + 1] if today.month == 12 else [])
    covered = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in covered]


@lru_cache(maxsize=1)
def chinesecalendar_days() -> tuple[dict[datetime.date, tuple[str, str]], set[int]]:
    """Holidays and make-up workdays known to the chinesecalendar package, and the years it covers."""
    from chinese_calendar import constants

    days: dict[datetime.date, tuple[str, str]] = {}
    for day, holiday in constants.holidays.items():
        name = getattr(holiday, "value", holiday)
        days[day] = (CalendarDay.Kind.HOLIDAY, HOLIDAY_NAMES.get(name, name))
    for day, holiday in constants.workdays.items():
        name = getattr(holiday, "value", holiday)
        days[day] = (CalendarDay.Kind.WORKDAY, HOLIDAY_NAMES.get(name, name) + "调休")
    years = {day.year for day in constants.holidays}
    return days, years


def seed_from_chinesecalendar(*, acting_user=None) -> int:
    """Fill the table from chinesecalendar for the years it knows and the table lacks. Returns days added.

    Run after every migrate; the rows it adds are recorded under the data-migration system actor.
    """
    from simple_history.utils import bulk_create_with_history

    from ganzhou_projects.audit import system_actor

    days, years = chinesecalendar_days()
    have = set(HolidayYear.objects.values_list("year", flat=True))
    new_years = sorted(years - have)
    if not new_years:
        return 0
    acting_user = acting_user or system_actor("migration")
    existing = set(CalendarDay.objects.filter(date__year__in=new_years).values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(days.items())
        if day.year in new_years and day not in existing
    ]
    bulk_create_with_history(rows, CalendarDay, default_user=acting_user)
    bulk_create_with_history(
        [HolidayYear(year=year, source=HolidayYear.Source.CHINESECALENDAR) for year in new_years],
        HolidayYear,
        default_user=acting_user,
    )
    return len(rows)
