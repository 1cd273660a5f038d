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
* **R42.3** (§ 42, stk. 3): "Afviser kommunalbestyrelsen en udlejning i medfør af stk. 2, skal
  boligorganisationen og den boligsøgende underrettes herom skriftligt. Er afslag ikke afsendt …
  senest 5 hverdage efter ansøgningens modtagelse i kommunen, er kommunalbestyrelsens mulighed for at
  afvise den boligsøgende bortfaldet." The lapse concerns the refusal on the income ground (stk. 2)
  and, by **R42.4** (stk. 4), the refusal of a refugee — nothing else. A request that needs approval
  only under the § 42 scheme (R42.1) has no other ground on which it can be refused, so it lapses
  into approval; a request that also needs the R12.1 startbolig approval, an R12.4/R14.4 approval or
  the § 36 approval (R36.1) never lapses into approval: past the 5 hverdage it stays with the
  kommune, marked overdue, and only the income and refugee refusals are gone.
  *Hverdage* are counted by ``housing.deadlines`` (one national definition: a kommune's own
  closing days never move the deadline).

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

APPROVAL_WORKING_DAYS = 5
# The approval grounds whose request lapses into approval with the deadline: the § 42 scheme, under
# which the kommune can refuse only on income (stk. 2) or a refugee (stk. 4).
LAPSING_GROUNDS = frozenset({"R42.1"})
# The refusal grounds bound by the 5 hverdage (§ 42, stk. 3 and 4): values of ``RefusalGround``.
DEADLINE_BOUND_REFUSALS = frozenset({"R42.2", "R42.4"})

FAMILY, YOUTH, ELDER = "family", "youth", "elder"
# Owners whose elder dwellings cannot be let out of kind (§ 14, stk. 5: a kommune or a
# self-governing institution).
OUT_OF_KIND_EXCLUDED_OWNERS = frozenset({"kommune", "institution"})


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
        if facts.owner_kind in OUT_OF_KIND_EXCLUDED_OWNERS:
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


def refusal_deadline(received_on: datetime.date) -> datetime.date:
    """R42.3: the last day on which the kommune may send a refusal on income (R42.2) or of a refugee
    (R42.4) — the 5th hverdag after the day of receipt (the day of receipt itself does not count)."""
    return add_working_days(received_on, APPROVAL_WORKING_DAYS)


def lapses_into_approval(grounds: Iterable[str]) -> bool:
    """R42.3: whether a request not refused by its deadline counts as approved — only when the § 42
    scheme is its one ground (R12.1, R12.4, R14.4 and R36.1 approvals never lapse)."""
    grounds = set(grounds)
    return bool(grounds) and grounds <= LAPSING_GROUNDS


def refusal_bound_by_deadline(ground: str) -> bool:
    """R42.3, R42.4: the income and refugee refusals must be sent by the deadline; the others
    (R12.1, R12.4/R14.4, R36.1) have no deadline in the law."""
    return ground in DEADLINE_BOUND_REFUSALS


def may_refuse(*, today: datetime.date, deadline: datetime.date, ground: str = "R42.2") -> bool:
    """A refusal on income or of a refugee sent on the deadline day is in time; one day later the
    kommune cannot refuse on those grounds. The other grounds are not bound by the deadline."""
    if not refusal_bound_by_deadline(ground):
        return True
    return today <= deadline


def has_lapsed(*, today: datetime.date, deadline: datetime.date) -> bool:
    """The 5 hverdage have passed (for a request that lapses into approval, see ``lapses_into_approval``)."""
    return today > deadline


def working_days_left(*, today: datetime.date, deadline: datetime.date) -> int:
    """The countdown shown in the queue: hverdage after today up to and including the deadline (0 on
    the deadline day itself; negative — calendar days overdue — after it)."""
    if today > deadline:
        return -(today - deadline).days
    return working_days_between(today, deadline)


def rent_share_of_income(*, monthly_rent: Decimal, yearly_income: Decimal | None) -> Decimal | None:
    """R42.2: the year's rent as a share of the household's yearly income (None without an income;
    a zero income gives None too — the assessment must then rest on the other circumstances)."""
    if yearly_income is None or yearly_income <= 0:
        return None
    return (monthly_rent * 12 / yearly_income).quantize(Decimal("0.001"))
