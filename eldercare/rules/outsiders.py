"""§ 22 (R22.1–R22.7): the dates and the condition of a refuse-outsiders decision, as pure functions.

All dates through ``housing.deadlines.add_calendar_months`` (calendar months, clamped to the end of a
shorter month). A period is half-open: a decision is in force from ``effective_from`` up to but not
including ``lapses_on``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from housing.deadlines import add_calendar_months

NOTICE_MONTHS = 1  # stk. 2 and stk. 4: takes effect 1 month after the decision
VALID_MONTHS = 6  # stk. 3 and stk. 7: valid for at most 6 months from taking effect
EXTENSION_WINDOW_MONTHS = 1  # stk. 6: an extension at the earliest 1 month before expiry
MONITOR_MONTHS = 3  # stk. 2 and Bilag 1: the level is the average over the preceding 3 months
REQUIRED_INCREASE_PERCENT = Decimal("50")  # stk. 2, stk. 5 and Bilag 1: at least 50 %


@dataclass(frozen=True)
class Period:
    decided_on: datetime.date
    effective_from: datetime.date
    lapses_on: datetime.date  # the first day the decision no longer applies


def decision_period(decided_on: datetime.date) -> Period:
    """R22.2–R22.3 (and R22.4, R22.7 for an extension): in force 1 month after the decision, for 6 months."""
    effective = add_calendar_months(decided_on, NOTICE_MONTHS)
    return Period(decided_on, effective, add_calendar_months(effective, VALID_MONTHS))


def earliest_extension(lapses_on: datetime.date) -> datetime.date:
    """R22.6: an extension may be adopted at the earliest 1 month before the period expires."""
    return add_calendar_months(lapses_on, -EXTENSION_WINDOW_MONTHS)


def extension_allowed_on(day: datetime.date, *, lapses_on: datetime.date) -> bool:
    """Adopted from 1 month before expiry and before the decision has lapsed (after it has lapsed
    there is nothing left to extend: the kommune makes a new decision under stk. 1)."""
    return earliest_extension(lapses_on) <= day < lapses_on


@dataclass(frozen=True)
class Windows:
    recent_start: datetime.date
    recent_end: datetime.date  # exclusive
    baseline_start: datetime.date
    baseline_end: datetime.date  # exclusive (= recent_start)


def monitor_windows(day: datetime.date) -> Windows:
    """The preceding 3 months before ``day`` and the 3 months before those (the comparison level)."""
    recent_start = add_calendar_months(day, -MONITOR_MONTHS)
    return Windows(recent_start, day, add_calendar_months(day, -2 * MONITOR_MONTHS), recent_start)


def increase_percent(recent: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    """The increase of ``recent`` over ``baseline`` in percent, one decimal; None without a basis."""
    if recent is None or baseline is None or baseline <= 0:
        return None
    return ((recent - baseline) * 100 / baseline).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def increase_qualifies(percent: Decimal | None) -> bool:
    """R22.2 / R22.5: a rise of at least 50 % — exactly 50 % is enough."""
    return percent is not None and percent >= REQUIRED_INCREASE_PERCENT
