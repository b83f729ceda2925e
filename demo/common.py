"""What every demo generator shares: the defaults, people's names and phones, and the demo's calendar.

Public names, so that `demo.inventory`, `demo.reports` and `demo.ledger` import them from here instead
of from each other. Every moment is a working-hours moment in Asia/Shanghai drawn from the caller's
seeded random stream, so the same seed gives the same moments.
"""

import datetime
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from dispatch.models import SHANGHAI

from .data import GIVEN_CHARS, MOBILE_PREFIXES, SURNAMES

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo password, printed by bootstrap_demo
DEFAULT_SEED = 2026
DEFAULT_PROJECTS = 300
DEFAULT_MONTHS = 12
BATCH_SIZE = 2000
EMAIL_DOMAIN = "ganzhou.example"
DRC_USER = "drc"

CENT = Decimal("0.01")
ONE = Decimal("1")


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def office_phone(rng: random.Random) -> str:
    return f"0936-82{rng.randrange(10**5):05d}"  # Zhangye's area code


def reporter_username(unit_code: str) -> str:
    """The demo account that reports for the unit."""
    return f"reporter_{unit_code}"


# ---------------------------------------------------------------------------
# The calendar
# ---------------------------------------------------------------------------


def seed_now(today: datetime.date) -> datetime.datetime:
    """The moment the demo stands at: 10:00 on `today`. Nothing later has happened."""
    return datetime.datetime.combine(today, datetime.time(10, 0), tzinfo=SHANGHAI)


def window_start(today: datetime.date, months: int) -> datetime.date:
    """First day of the history: `months` months before `today`."""
    return today - relativedelta(months=months)


def month_key(year: int, month: int) -> int:
    return year * 12 + month


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def annual_list_day(year: int) -> datetime.date:
    """The day the district issues the year's key-project plan (seed 001: in the first quarter)."""
    return datetime.date(year, 2, 26)


def moment_on(day: datetime.date, rng: random.Random, first_hour: int = 8, last_hour: int = 17) -> datetime.datetime:
    """A working-hours moment of `day` in Asia/Shanghai."""
    moment = datetime.time(rng.randint(first_hour, last_hour), rng.randint(0, 59), rng.randint(0, 59))
    return datetime.datetime.combine(day, moment, tzinfo=SHANGHAI)


def random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    """A day in [first, last], moved off the weekend when there is room to."""
    if last < first:
        return last
    day = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
    if day.weekday() >= 5:
        friday = day - datetime.timedelta(days=day.weekday() - 4)
        monday = day + datetime.timedelta(days=7 - day.weekday())
        if friday >= first:
            return friday
        if monday <= last:
            return monday
    return day


def later(moment: datetime.datetime, rng: random.Random, low_minutes: int, high_minutes: int) -> datetime.datetime:
    return moment + datetime.timedelta(minutes=rng.randint(low_minutes, high_minutes))


def review_moment(rng: random.Random, after: datetime.datetime, low: int, high: int) -> datetime.datetime:
    """A working-hours moment `low`-`high` days after `after` (a reviewer's or a unit's next step)."""
    day = after.astimezone(SHANGHAI).date()
    return moment_on(random_day(rng, day + datetime.timedelta(days=low), day + datetime.timedelta(days=high)), rng)
