"""The legal grounds for rejecting an applicant (bekendtgørelsens §§ 26–30 and § 37) as pure checks.

Each ``check_*`` takes the facts of one ground as plain values and returns the problems that stop
the rejection, each as ``(field, message)`` (``field`` is ``None`` for the case as a whole). An
empty list means the law allows (R26–R30) or demands (R37.1) the rejection. The services collect
the facts from the database and store them on the case; the checks read like the law.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from housing.deadlines import add_calendar_months

Problem = tuple[str | None, str]

MAX_PERSONS_PER_ROOM = 2  # § 26
TERMINATION_PERIOD_MONTHS = 24  # § 28, stk. 1: "inden for en periode på to år inden overtagelsesdagen"
# § 28, stk. 1: almenlejeloven § 85, stk. 1, nr. 3 or 4, or § 90, stk. 1, nr. 7–10 or 13.
TERMINATION_LISTED_GROUNDS = frozenset(
    {"85.1.3", "85.1.4", "90.1.7", "90.1.8", "90.1.9", "90.1.10", "90.1.13"}
)
SPECIAL_GROUNDS_MIN_REASONING = 40  # characters: a reasoning, not a word


def persons_per_room(household_size: int, rooms: int) -> Decimal:
    return (Decimal(household_size) / Decimal(rooms)).quantize(Decimal("0.01"))


def check_occupancy_limit(
    *,
    household_size: int | None,
    rooms: int | None,
    beboermaksimum_applied: bool = False,
    reasoning: str | None = None,
) -> list[Problem]:
    """§ 26: "Når reglerne om beboermaksimum i §§ 52 a-52 c … ikke anvendes, kan boligorganisationen
    afvise udlejning til en boligsøgende, hvis boligen vil blive beboet af flere end 2 personer pr.
    beboelsesrum." Not where the department applies the beboermaksimum rules; and "kan" is a
    discretion, so the decision states its reasons (``reasoning``; None: not asked, as before
    the case form gave it)."""
    if beboermaksimum_applied:
        return [
            (
                None,
                _(
                    "The department applies the beboermaksimum rules (§§ 52 a–52 c): § 26 does not apply, "
                    "so no rejection for more than 2 persons per room (R26)."
                ),
            )
        ]
    if not household_size or household_size < 1:
        return [("household_size", _("The household has no members recorded."))]
    if not rooms or rooms < 1:
        return [(None, _("The dwelling has no rooms recorded."))]
    if household_size <= MAX_PERSONS_PER_ROOM * rooms:
        return [
            (
                None,
                _(
                    "%(persons)s persons in %(rooms)s rooms is %(ratio)s per room: not more than 2, so § 26 "
                    "does not allow a rejection (R26)."
                )
                % {
                    "persons": household_size,
                    "rooms": rooms,
                    "ratio": persons_per_room(household_size, rooms),
                },
            )
        ]
    if reasoning is not None and not reasoning.strip():
        return [
            (
                "reasoning",
                _("Write why the organisation uses its discretion to reject (§ 26: 'kan … afvise')."),
            )
        ]
    return []


def debt_is_insignificant(amount: Decimal, threshold: Decimal) -> bool:
    """R27.2 nr. 1: a debt under the organisation's threshold is insignificant; at the threshold
    it is not."""
    return amount < threshold


def check_debt(
    *,
    amount: Decimal | None,
    due_date: datetime.date | None,
    origin: str,
    threshold: Decimal,
    time_barred: bool,
    plan_kept: bool,
    restructuring_kept: bool,
    day: datetime.date,
) -> list[Problem]:
    """§ 27: overdue debt to the organisation from a former or current tenancy, unless stk. 2."""
    problems: list[Problem] = []
    if amount is None or amount <= 0:
        problems.append(("debt_amount", _("State the amount of the debt.")))
    if due_date is None:
        problems.append(("debt_due_date", _("State when the debt fell due.")))
    elif due_date >= day:
        problems.append(
            ("debt_due_date", _("The debt is not overdue yet: § 27 requires overdue debt (R27.1)."))
        )
    if origin not in ("former", "current"):
        problems.append(
            (
                "debt_origin",
                _("Only debt from a former or current tenancy with the organisation counts (R27.1)."),
            )
        )
    if amount is not None and amount > 0 and debt_is_insignificant(amount, threshold):
        problems.append(
            (
                "debt_amount",
                _("A debt under %(threshold)s kr. is insignificant: no rejection (R27.2, nr. 1).")
                % {"threshold": f"{threshold:.2f}".replace(".", ",")},
            )
        )
    if time_barred:
        problems.append(("debt_time_barred", _("The claim is time-barred: no rejection (R27.2, nr. 2).")))
    if plan_kept:
        problems.append(
            (
                "debt_plan_kept",
                _("The applicant keeps an instalment plan or settlement: no rejection (R27.2, nr. 3)."),
            )
        )
    if restructuring_kept:
        problems.append(
            (
                "debt_restructuring_kept",
                _("The applicant keeps a debt restructuring: no rejection (R27.2, nr. 4)."),
            )
        )
    return problems


def termination_period_end(termination_date: datetime.date) -> datetime.date:
    """The last takeover date the termination can ground a rejection: 2 years from its date."""
    return add_calendar_months(termination_date, TERMINATION_PERIOD_MONTHS)


def check_terminated_tenancy(
    *,
    termination_date: datetime.date | None,
    takeover_date: datetime.date,
    ground: str,
    terminating_landlord_is_other: bool | None,
    same_housing_area: bool | None,
    court_found_unmet: bool,
    tenant_objected_no_court: bool,
    reasoning: str,
) -> list[Problem]:
    """§ 28, stk. 1: a tenancy of the applicant or a household member terminated or cancelled by
    another landlord in the same housing area (as assessed by the kommune), on a listed ground,
    within 2 years before the takeover date counted from the termination date; after a concrete
    assessment; not when a court found the grounds unmet or the tenant objected and the landlord
    did not go to court in time."""
    problems: list[Problem] = []
    if termination_date is None:
        problems.append(("termination_date", _("State the date of the termination or cancellation.")))
    elif termination_date > takeover_date:
        problems.append(("termination_date", _("The termination cannot be after the takeover date.")))
    elif takeover_date > termination_period_end(termination_date):
        problems.append(
            (
                "termination_date",
                _("The termination is more than 2 years before the takeover date (R28.1)."),
            )
        )
    if ground not in TERMINATION_LISTED_GROUNDS:
        problems.append(
            (
                "termination_ground",
                _(
                    "Only terminations under almenlejeloven § 85, stk. 1, nr. 3–4, or § 90, stk. 1, nr. 7–10 "
                    "or 13 count (R28.1)."
                ),
            )
        )
    if terminating_landlord_is_other is None or same_housing_area is None:
        problems.append(("terminating_department", _("Choose the department of the terminated tenancy.")))
    else:
        if not terminating_landlord_is_other:
            problems.append(
                (
                    "terminating_department",
                    _("The tenancy must have been terminated by another landlord (R28.1)."),
                )
            )
        if not same_housing_area:
            problems.append(
                (
                    "terminating_department",
                    _(
                        "The kommune has not assessed the two departments as one combined housing area on "
                        "the takeover date (R28.1)."
                    ),
                )
            )
    if court_found_unmet:
        problems.append(
            (
                "court_found_unmet",
                _("A court found the grounds for the termination unmet: no rejection (R28.1)."),
            )
        )
    if tenant_objected_no_court:
        problems.append(
            (
                "tenant_objected_no_court",
                _(
                    "The tenant objected and the landlord did not bring the case to court in time: "
                    "no rejection (R28.1)."
                ),
            )
        )
    if len((reasoning or "").strip()) < SPECIAL_GROUNDS_MIN_REASONING:
        problems.append(
            (
                "reasoning",
                _("Write the concrete assessment: why the organisation has reasonable grounds (R28.1)."),
            )
        )
    return problems


def check_criminal_record_area(*, vulnerable_area: bool) -> list[Problem]:
    """§ 29, stk. 1: criminal-record certificates only for a dwelling in an udsat boligområde."""
    if not vulnerable_area:
        return [
            (
                None,
                _(
                    "The department is not in an udsat boligområde on the takeover date: criminal-record "
                    "certificates cannot be required (R29)."
                ),
            )
        ]
    return []


def check_criminal_record_decision(
    *, received_on: datetime.date | None, relevant: bool | None, assessment: str
) -> list[Problem]:
    """§ 29, stk. 2: reject on records relevant to safety in the area."""
    problems: list[Problem] = []
    if received_on is None:
        problems.append(("certificates_received_on", _("Record when the certificates were received.")))
    if relevant is None:
        problems.append(
            ("record_relevant", _("Assess whether the records are relevant to safety in the area."))
        )
    if not (assessment or "").strip():
        problems.append(("record_assessment", _("Write the assessment of the records.")))
    return problems


def check_very_special_grounds(*, reasoning: str) -> list[Problem]:
    """§ 30: in very special cases with reasonable grounds — a written reasoning is required."""
    if len((reasoning or "").strip()) < SPECIAL_GROUNDS_MIN_REASONING:
        return [
            (
                "reasoning",
                _(
                    "Write the reasoning (at least %(n)s characters): why this is a very special case with "
                    "reasonable grounds (R30)."
                )
                % {"n": SPECIAL_GROUNDS_MIN_REASONING},
            )
        ]
    return []


@dataclass(frozen=True)
class BenefitRejectionFacts:
    hard_ghetto_on_takeover: bool
    already_has_dwelling_in_department: bool
    from_waiting_list: bool
    benefit_condition: bool  # applicant and any spouse receive a listed benefit (§ 51 c, stk. 1–2)
    dispensation_granted: bool
    # The answer turns on a cohabitant whose start of cohabitation is not recorded (§ 51 c, stk. 2).
    cohabitation_unknown: bool = False


def benefit_rejection_applies(facts: BenefitRejectionFacts) -> bool:
    """§ 37, stk. 1: the organisation **must** reject — unless the kommune dispensed (stk. 2)."""
    return (
        facts.hard_ghetto_on_takeover
        and facts.from_waiting_list
        and not facts.already_has_dwelling_in_department
        and facts.benefit_condition
        and not facts.dispensation_granted
    )


def check_benefit_rejection(facts: BenefitRejectionFacts) -> list[Problem]:
    """Why R37 does not apply (an R37 case can only be opened where it does)."""
    problems: list[Problem] = []
    if not facts.hard_ghetto_on_takeover:
        problems.append(
            (
                None,
                _(
                    "The department is not part of an omdannelsesområde (formerly: hårdt ghettoområde) "
                    "on the takeover date (R37.1)."
                ),
            )
        )
    if not facts.from_waiting_list:
        problems.append((None, _("R37.1 concerns applicants from the waiting list.")))
    if facts.already_has_dwelling_in_department:
        problems.append((None, _("The applicant already has a dwelling in the department (R37.1).")))
    if not facts.benefit_condition and facts.cohabitation_unknown:
        problems.append(
            (
                None,
                _(
                    "Record since when the cohabitant has lived with the applicant: after 2 years a "
                    "cohabitant counts as a spouse (almenboligloven § 51 c, stk. 2; R37.1)."
                ),
            )
        )
    elif not facts.benefit_condition:
        problems.append(
            (
                None,
                _(
                    "The applicant and any spouse do not both receive a benefit listed in almenboligloven "
                    "§ 51 c on the takeover date (R37.1)."
                ),
            )
        )
    if facts.dispensation_granted:
        problems.append((None, _("The kommune has granted a dispensation (R37.2).")))
    return problems


def dispensation_report_period(report_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """§ 37, stk. 3: the report made on 1 July covers the past year, 1 July – 30 June."""
    end_year = report_day.year if (report_day.month, report_day.day) >= (7, 1) else report_day.year - 1
    return datetime.date(end_year - 1, 7, 1), datetime.date(end_year, 6, 30)
