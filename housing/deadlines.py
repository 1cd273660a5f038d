"""Legal deadlines: the one place where calendar months and working days are counted.

The law counts in two ways:

* **calendar months** (*2 måneder*, § 16; *1 måned* / *6 måneder*, § 22): the same day number in the
  month N months on, clamped to the month's last day when it has no such day — a decision on
  31 December gives 28 February (29 in a leap year). `dateutil.relativedelta` does exactly this.
* **working days** (*5 hverdage*, § 42, stk. 3): Monday to Friday that are not Danish public holidays
  (the `holidays` calendar: nytårsdag, skærtorsdag, langfredag, 2. påskedag, Kristi himmelfartsdag,
  2. pinsedag, juledag, 2. juledag …) and not one of the caller's extra closing days (a kommune's
  configured *lukkedage*, e.g. Grundlovsdag, 24 and 31 December). Store Bededag is no holiday from 2024
  on, and the library knows that.

Deadlines are computed here, stored on the row they belong to, and compared with today by jobs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta


def add_calendar_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus `months` calendar months, clamped to the end of a shorter month."""
    return day + relativedelta(months=months)


@lru_cache(maxsize=64)
def _danish_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("DK", years=year).keys())


def is_danish_public_holiday(day: datetime.date) -> bool:
    return day in _danish_holidays(day.year)


def is_working_day(day: datetime.date, closing_days: Iterable[datetime.date] = ()) -> bool:
    """Monday–Friday, not a Danish public holiday and not one of `closing_days`."""
    if day.weekday() >= 5 or is_danish_public_holiday(day):
        return False
    return day not in set(closing_days)


def add_working_days(
    start: datetime.date, days: int, closing_days: Iterable[datetime.date] = ()
) -> datetime.date:
    """The `days`-th working day after `start` (the day of receipt itself does not count).

    Received on Wednesday 1 April 2026 with 5 working days: Thursday 2 April is skærtorsdag,
    Friday langfredag, Monday 6 April 2. påskedag, so the days are 7, 8, 9, 10 and 13 April → Monday 13 April.
    """
    if days < 0:
        raise ValueError("days must be zero or positive")
    closed = set(closing_days)
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, closed):
            counted += 1
    return day


def working_days_between(
    start: datetime.date, end: datetime.date, closing_days: Iterable[datetime.date] = ()
) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    closed = set(closing_days)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, closed):
            count += 1
    return count
