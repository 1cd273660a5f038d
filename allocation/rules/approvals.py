"""When a letting needs the kommune's approval, and the deadline of its refusal — pure functions
over plain data, to be read next to the law.

* **R42.1** (§ 42, stk. 1): the kommune may decide that each letting of family dwellings and/or
  youth dwellings needs its approval.
* **R36.1** (§ 36, stk. 1): where the kommune has decided on *kombineret udlejning* (almenboligloven
  § 51 b, stk. 1), it approves each letting of vacant family dwellings to applicants on the waiting
  list in the areas on the ministry's list (R35) and refuses recipients of integrationsydelse,
  uddannelseshjælp and kontanthjælp.
* **R12.1** (§ 12, stk. 1, 4. pkt.): the kommune must approve each letting of a startbolig.
* **R12.4** (§ 12, stk. 4): a youth dwelling let as a family or elder dwelling needs the kommune's
  approval; **R14.4** (§ 14, stk. 4–5) the same for an elder dwelling let as a family or youth
  dwelling — not for dwellings owned by a kommune or a self-governing institution.
* **R42.3** (§ 42, stk. 3): a refusal must be *sent* at the latest 5 working days (*hverdage*) after
  the kommune received the request; after that the kommune can no longer refuse.

A dwelling the kommune names the tenant of itself (kommunal anvisning, R1.4) needs no further
approval — the kommune's own nomination is its approval — except for letting out of kind; a lease
outside the letting rules (R1.2, R1.3) needs none.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from housing.deadlines import add_working_days, working_days_between

R42_3_WORKING_DAYS = 5

FAMILY, YOUTH, ELDER = "family", "youth", "elder"
# Owners whose elder dwellings cannot be let out of kind (§ 14, stk. 5: a kommune or a
# self-governing institution).
R14_5_EXCLUDED_OWNERS = frozenset({"kommune", "institution"})


@dataclass(frozen=True)
class LettingFacts:
    """What the approval rules ask about one letting, on the day it is let."""

    dwelling_kind: str
    youth_kind: str = ""
    owner_kind: str = "organisation"
    far_reaching_fitted: bool = False  # an elder dwelling fitted under § 14, stk. 2 (R14.2)
    let_as: str = ""  # the kind the dwelling is let as when let out of kind (R12.4, R14.4)
    channel: str = "list"
    in_listed_area: bool = False  # the department is on the ministry's R35 list on the day
    approves_family: bool = False  # R42.1 decision in force
    approves_youth: bool = False  # R42.1 decision in force
    combined_letting: bool = False  # R36.1 decision in force


def out_of_kind_problem(facts: LettingFacts) -> str:
    """Why the dwelling cannot be let as ``let_as`` at all: "" when it can (with approval), "R14.5"
    for an elder dwelling of a kommune or a self-governing institution, "R14.2" for an elder dwelling
    fitted for far-reaching disabilities (§ 14, stk. 4 covers only the stk. 1 dwellings), "kind"
    for any other kind."""
    if not facts.let_as or facts.let_as == facts.dwelling_kind:
        return ""
    if facts.dwelling_kind == YOUTH and facts.let_as in (FAMILY, ELDER):
        return ""
    if facts.dwelling_kind == ELDER and facts.let_as in (FAMILY, YOUTH):
        if facts.owner_kind in R14_5_EXCLUDED_OWNERS:
            return "R14.5"
        if facts.far_reaching_fitted:
            return "R14.2"
        return ""
    return "kind"


def approval_grounds(facts: LettingFacts) -> list[str]:
    """The rules under which this letting needs the kommune's approval, in the law's order."""
    if facts.channel == "out_of_scope":
        return []  # R1.2 / R1.3: the letting rules do not cover the lease
    grounds: list[str] = []
    out_of_kind = bool(facts.let_as) and facts.let_as != facts.dwelling_kind
    kind = facts.let_as if out_of_kind else facts.dwelling_kind
    if out_of_kind and facts.dwelling_kind == YOUTH:
        grounds.append("R12.4")
    if out_of_kind and facts.dwelling_kind == ELDER:
        grounds.append("R14.4")
    if facts.channel == "kommunal_anvisning":
        return grounds  # the kommune names the tenant itself: its nomination is its approval
    if kind == YOUTH and facts.youth_kind == "startbolig" and not out_of_kind:
        grounds.append("R12.1")
    if (kind == FAMILY and facts.approves_family) or (kind == YOUTH and facts.approves_youth):
        grounds.append("R42.1")
    if kind == FAMILY and facts.combined_letting and facts.in_listed_area and facts.channel == "list":
        grounds.append("R36.1")
    return grounds


def refusal_deadline(received_on: datetime.date, closing_days: Iterable[datetime.date] = ()) -> datetime.date:
    """R42.3: the last day on which the kommune may send a refusal — the 5th working day after
    the day of receipt (the day of receipt itself does not count)."""
    return add_working_days(received_on, R42_3_WORKING_DAYS, closing_days)


def may_refuse(*, today: datetime.date, deadline: datetime.date) -> bool:
    """A refusal sent on the deadline day is in time; one day later the kommune cannot refuse."""
    return today <= deadline


def has_lapsed(*, today: datetime.date, deadline: datetime.date) -> bool:
    return today > deadline


def working_days_left(
    *, today: datetime.date, deadline: datetime.date, closing_days: Iterable[datetime.date] = ()
) -> int:
    """The countdown shown in the queue: working days after today up to and including the
    deadline (0 on the deadline day itself; negative — calendar days overdue — after it)."""
    if today > deadline:
        return -(today - deadline).days
    return working_days_between(today, deadline, closing_days)


def rent_share_of_income(*, monthly_rent: Decimal, yearly_income: Decimal | None) -> Decimal | None:
    """R42.2: the year's rent as a share of the household's yearly income (None without an income;
    a zero income gives None too — the assessment must then rest on the other circumstances)."""
    if yearly_income is None or yearly_income <= 0:
        return None
    return (monthly_rent * 12 / yearly_income).quantize(Decimal("0.001"))
