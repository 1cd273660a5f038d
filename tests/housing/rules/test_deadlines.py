"""``housing.deadlines``: calendar months and working days (*hverdage*) — Monday to Friday except
public holidays, Grundlovsdag, 24 and 31 December, one national definition (a kommune's closing
days are no part of it) — the R42.3 edges across Easter, Grundlovsdag and Christmas."""

from __future__ import annotations

import datetime

import pytest

from housing.deadlines import (
    add_calendar_months,
    add_working_days,
    is_danish_public_holiday,
    is_day_off_beside_holidays,
    is_working_day,
    working_days_between,
)

D = datetime.date


@pytest.mark.rule("R42.3")
def test_fifth_working_day_across_easter_2026():
    # Thu 2 April skærtorsdag, Fri 3 langfredag, Mon 6 2. påskedag: 7, 8, 9, 10, 13 April.
    assert add_working_days(D(2026, 4, 1), 5) == D(2026, 4, 13)
    # One day earlier it is still Friday 10 April: the 4th working day.
    assert add_working_days(D(2026, 4, 1), 4) == D(2026, 4, 10)


@pytest.mark.rule("R42.3")
def test_5_hverdage_across_christmas_24_december_is_no_hverdag():
    # Received Monday 21 December 2026: 22, 23 count; 24 (juleaftensdag), 25 and 26 do not;
    # 28, 29, 30 → Wednesday 30 December.
    assert add_working_days(D(2026, 12, 21), 5) == D(2026, 12, 30)
    # Were 24 December a hverdag, the 5th would be 29 December: it is not.
    assert add_working_days(D(2026, 12, 21), 5) != D(2026, 12, 29)


@pytest.mark.rule("R42.3")
def test_5_hverdage_across_new_year_31_december_is_no_hverdag():
    # Received Wednesday 23 December 2026: 28, 29, 30 count; 31 December and 1 January (nytårsdag)
    # do not; Monday 4 and Tuesday 5 January 2027.
    assert add_working_days(D(2026, 12, 23), 5) == D(2027, 1, 5)


@pytest.mark.rule("R42.3")
def test_5_hverdage_across_grundlovsdag():
    # Grundlovsdag, Friday 5 June 2026, is no hverdag: received Monday 1 June, the days are 2, 3, 4,
    # 8 and 9 June.
    assert not is_working_day(D(2026, 6, 5))
    assert add_working_days(D(2026, 6, 1), 5) == D(2026, 6, 9)


@pytest.mark.rule("R42.3")
def test_1_may_is_a_hverdag():
    # 1 May is neither a public holiday nor in the definition: Friday 1 May 2026 counts.
    assert is_working_day(D(2026, 5, 1))
    assert add_working_days(D(2026, 4, 30), 5) == D(2026, 5, 7)


@pytest.mark.rule("R42.3")
def test_the_day_of_receipt_does_not_count_and_weekends_are_skipped():
    # Received on a Friday: Monday is the first working day, the next Friday the 5th.
    assert add_working_days(D(2026, 11, 20), 5) == D(2026, 11, 27)
    # Received on a Saturday: Monday to Friday.
    assert add_working_days(D(2026, 11, 21), 5) == D(2026, 11, 27)
    assert add_working_days(D(2026, 11, 20), 0) == D(2026, 11, 20)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 20), -1)


def test_public_holidays_and_store_bededag():
    assert is_danish_public_holiday(D(2026, 5, 14))  # Kristi himmelfartsdag
    assert is_danish_public_holiday(D(2026, 5, 25))  # 2. pinsedag
    assert is_danish_public_holiday(D(2027, 1, 1))
    # Store Bededag was abolished from 2024: Friday 16 May 2025 is a working day, 5 May 2023 was not.
    assert is_working_day(D(2025, 5, 16))
    assert not is_working_day(D(2023, 5, 5))
    # Grundlovsdag, juleaftensdag and nytårsaftensdag are no public holidays in the calendar, yet no
    # hverdage under the definition.
    assert not is_danish_public_holiday(D(2026, 6, 5))
    for day in (D(2026, 6, 5), D(2026, 12, 24), D(2026, 12, 31)):
        assert is_day_off_beside_holidays(day) and not is_working_day(day)
    assert not is_working_day(D(2026, 11, 22))  # a Sunday


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(D(2026, 4, 1), D(2026, 4, 13)) == 5
    assert working_days_between(D(2026, 12, 21), D(2026, 12, 30)) == 5  # 24, 25, 26 do not count
    assert working_days_between(D(2026, 4, 13), D(2026, 4, 13)) == 0
    assert working_days_between(D(2026, 4, 13), D(2026, 4, 1)) == 0
    # Consistent with add_working_days.
    start = D(2026, 12, 18)
    for n in range(12):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_calendar_months_clamp_to_the_end_of_a_shorter_month():
    assert add_calendar_months(D(2026, 12, 31), 2) == D(2027, 2, 28)
    assert add_calendar_months(D(2027, 12, 31), 2) == D(2028, 2, 29)
    assert add_calendar_months(D(2026, 1, 15), 2) == D(2026, 3, 15)
    assert add_calendar_months(D(2026, 8, 31), 1) == D(2026, 9, 30)
