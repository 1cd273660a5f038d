"""Legal deadlines: the one place where calendar months and working days are counted.

The law counts in two ways:

* **calendar months** (*2 måneder*, § 16; *1 måned* / *6 måneder*, § 22): the same day number in the
  month N months on, clamped to the month's last day when it has no such day — a decision on
  31 December gives 28 February (29 in a leap year). `dateutil.relativedelta` does exactly this.
* **working days** (*hverdage*, e.g. *5 hverdage*, § 42, stk. 3): Monday to Friday except the
  Danish public holidays (the `holidays` calendar: nytårsdag, skærtorsdag, langfredag, 2. påskedag,
  Kristi himmelfartsdag, 2. pinsedag, juledag, 2. juledag …), Grundlovsdag (5 June), juleaftensdag
  (24 December) and nytårsaftensdag (31 December). This is one national definition: a day on which
  one kommune keeps its offices closed (its *lukkedage*, ``housing.KommuneClosingDay``) is still a
  hverdag and never moves a legal deadline — the closing days are shown beside a deadline as
  information only. Store Bededag is no holiday from 2024 on, and the library knows that;
  1 May is no holiday under the definition and is a hverdag.

Deadlines are computed here, stored on the row they belong to, and compared with today by jobs.
"""

from __future__ import annotations

import datetime
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


# (month, day) of the days that are no hverdage although they are no public holidays:
# Grundlovsdag, juleaftensdag and nytårsaftensdag.
DAYS_OFF_BESIDE_HOLIDAYS = ((6, 5), (12, 24), (12, 31))


def is_day_off_beside_holidays(day: datetime.date) -> bool:
    """Grundlovsdag (5 June), 24 December or 31 December."""
    return (day.month, day.day) in DAYS_OFF_BESIDE_HOLIDAYS


def is_working_day(day: datetime.date) -> bool:
    """A *hverdag*: Monday–Friday, not a Danish public holiday, not Grundlovsdag, 24 or 31 December."""
    if day.weekday() >= 5 or is_danish_public_holiday(day):
        return False
    return not is_day_off_beside_holidays(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The `days`-th working day after `start` (the day of receipt itself does not count).

    Received on Wednesday 1 April 2026 with 5 working days: Thursday 2 April is skærtorsdag,
    Friday langfredag, Monday 6 April 2. påskedag, so the days are 7, 8, 9, 10 and 13 April → Monday 13 April.
    """
    if days < 0:
        raise ValueError("days must be zero or positive")
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
