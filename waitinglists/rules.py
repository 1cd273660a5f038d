"""The waiting-list rules of the executive order as pure functions over plain values.

Each function names the rule it implements; the services apply them to rows, and the tests prove
them at the edges the law names (the 15th birthday, day 8 of the window, 5 years of prepayment,
the 5- and 10-year limits on changing a seniority scheme).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from housing import fees as housing_fees

MINIMUM_AGE = 15  # R3.1
KEEP_SENIORITY_DAYS = 8  # R3.6
MAX_PREPAID_YEARS = 5  # R3.3
FIRST_SCHEME_CHANGE_YEARS = 5  # R3.9, R9.6
LATER_SCHEME_CHANGE_YEARS = 10  # R3.9, R9.6
INFORM_TENANTS_WEEKS = 4  # R9.5
ESTIMATE_WINDOW_MONTHS = 24  # R3.4: lettings of the last 24 months


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return relativedelta(day, birth_date).years


def may_register(*, birth_date: datetime.date, on: datetime.date, continues_tenancy: bool = False) -> bool:
    """R3.1: anyone who has turned 15 may register — on the 15th birthday itself, not the day
    before; no age limit for someone continuing a tenancy under almenlejeloven §§ 71–72."""
    return continues_tenancy or age_on(birth_date, on) >= MINIMUM_AGE


def keep_seniority_deadline(
    *, lease_signed_on: datetime.date, informed_on: datetime.date | None
) -> datetime.date:
    """R3.6 (and R3.7 by reference): the wish to keep one's seniority must reach the organisation
    within 8 days of signing. The organisation must inform in writing at signing at the latest;
    if it informs later, the 8 days run from the information instead ("udsættes tilsvarende")."""
    start = lease_signed_on if informed_on is None or informed_on <= lease_signed_on else informed_on
    return start + datetime.timedelta(days=KEEP_SENIORITY_DAYS)


def keep_seniority_in_time(
    *, requested_on: datetime.date, lease_signed_on: datetime.date, informed_on: datetime.date | None
) -> bool:
    """Day 8 after signing is in time; day 9 is too late (unless the window was postponed).

    ``informed_on=None`` means the information has not been given yet: then the window has not
    started, and a wish is in time.
    """
    if informed_on is None:
        return True
    return requested_on <= keep_seniority_deadline(lease_signed_on=lease_signed_on, informed_on=informed_on)


def prepayment_allowed(years: int) -> bool:
    """R3.3: the update fee may be charged for a longer period by agreement — at most 5 years."""
    return 1 <= years <= MAX_PREPAID_YEARS


def earliest_scheme_change(effective_dates: list[datetime.date]) -> datetime.date | None:
    """R3.9 / R9.6: the first change of a scheme may take effect 5 years after the scheme took
    effect; every later change 10 years after the latest change took effect. ``effective_dates``
    are the dates the scheme and its changes so far took effect. None: no scheme yet."""
    if not effective_dates:
        return None
    dates = sorted(effective_dates)
    years = FIRST_SCHEME_CHANGE_YEARS if len(dates) == 1 else LATER_SCHEME_CHANGE_YEARS
    return dates[-1] + relativedelta(years=years)


def inform_tenants_by(decided_on: datetime.date) -> datetime.date:
    """R9.5: tenants are told of their rights at the latest 4 weeks after the decision."""
    return decided_on + datetime.timedelta(weeks=INFORM_TENANTS_WEEKS)


def update_fee_due(*, year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


# R3.3: an unpaid fee gets a reminder; still unpaid despite the reminder → deleted. The date rules
# are shared with the specific lists' fees (R21.2–R21.4) and live in ``housing.fees``.
reminder_due = housing_fees.reminder_due
deletion_due = housing_fees.deletion_due


# --- Transfers (R32–R34) -----------------------------------------------------------------------

PARTNER_RELATIONS = frozenset({"spouse", "partner", "cohabitant"})


@dataclass(frozen=True)
class TransferVerdict:
    allowed: bool
    rule: str
    reason: str


def transfer_verdict(*, kind: str, relation: str, is_exchange: bool = False) -> TransferVerdict:
    """R32: on a permanent passing of the right of use the seniority may pass — not on exchange.
    R33.1: on death it passes to the surviving spouse, registered partner or equivalent.
    R33.2: on a move to a nursing home or elder dwelling because of age or illness, the place may
    pass to the spouse, registered partner or equivalent. R34: no other transfer."""
    if kind == "takeover":
        if is_exchange:
            return TransferVerdict(False, "R32", "Seniority does not pass on an exchange (bytning), § 32.")
        return TransferVerdict(True, "R32", "The right of use passed permanently (§ 32).")
    if kind in ("death", "care_move"):
        rule = "R33.1" if kind == "death" else "R33.2"
        if relation in PARTNER_RELATIONS:
            return TransferVerdict(
                True, rule, "Passes to the spouse, registered partner or equivalent (§ 33)."
            )
        return TransferVerdict(
            False,
            "R34",
            "Only a spouse, registered partner or equivalent can take over the place (§§ 33–34).",
        )
    return TransferVerdict(False, "R34", "Waiting-list places cannot be transferred on other grounds (§ 34).")


# --- Expected waiting time (R3.4) -----------------------------------------------------------------


@dataclass(frozen=True)
class WaitingEstimate:
    position: int  # 1 = next in line among those wanting this
    lettings: int  # lettings in the window
    window_months: int
    years_low: float | None
    years_high: float | None


def estimate_waiting(
    *, position: int, lettings: int, window_months: int = ESTIMATE_WINDOW_MONTHS
) -> WaitingEstimate:
    """An honest range: at the pace of the last ``window_months`` (``lettings`` dwellings of this
    kind let from the list), the applicant ``position`` in line waits position / pace years. The
    range spans half to double that pace, because lettings come unevenly; with no lettings in the
    window there is no basis for an estimate at all (None)."""
    if lettings <= 0:
        return WaitingEstimate(position, 0, window_months, None, None)
    per_year = lettings * 12 / window_months
    central = position / per_year
    return WaitingEstimate(position, lettings, window_months, round(central * 0.5, 1), round(central * 2, 1))
