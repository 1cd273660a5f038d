"""The plejebolig guarantee's deadlines (§§ 16–17), counted only through ``housing.deadlines``.

* R16.1: an offer at the latest **2 calendar months** after the needs decision — a decision on
  31 December gives 28 February (29 February in a leap year, e.g. 31.12.2027 → 29.02.2028).
* R16.2: the dwelling offered ready to move into at the latest **2 weeks** after that deadline.
* R17: a refusal cancels the running deadline; a new 2-month deadline runs from the day the
  kommune received the refusal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from housing.deadlines import add_calendar_months

GUARANTEE_MONTHS = 2  # § 16, stk. 1
READY_WITHIN = datetime.timedelta(weeks=2)  # § 16, stk. 2


@dataclass(frozen=True)
class GuaranteeDeadlines:
    started_on: datetime.date
    offer_by: datetime.date
    ready_by: datetime.date


def guarantee_deadlines(started_on: datetime.date) -> GuaranteeDeadlines:
    """The deadlines of a 2-month period counted from ``started_on`` (the decision date, or the
    day a refusal was received)."""
    offer_by = add_calendar_months(started_on, GUARANTEE_MONTHS)
    return GuaranteeDeadlines(started_on=started_on, offer_by=offer_by, ready_by=offer_by + READY_WITHIN)


def days_left(deadline: datetime.date, today: datetime.date) -> int:
    """Calendar days until ``deadline`` (0 on the day itself, negative when overdue)."""
    return (deadline - today).days


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the calendar quarter ``day`` lies in."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first_month, 1)
    end = add_calendar_months(start, 3) - datetime.timedelta(days=1)
    return start, end
