"""The plan of one ranking: the lists, the rules and the thresholds of the day that every
query shares, and a candidate's place in its list's order (``queue_key``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from housing.models import DwellingKind
from waitinglists.models import ListKind, WaitingList

from ...models import Vacancy
from ...rules.ranking import Candidate, DwellingFacts, LettingRules

# Dwelling kinds whose tenants lose the § 7 priority when the organisation has decided so (R8.1).
NO_TRANSFER_PRIORITY_KINDS = (DwellingKind.YOUTH, DwellingKind.ELDER, DwellingKind.PLEJEBOLIG)
# Counting the entries passed over stops here; beyond it the count is "at least".
COUNT_CAP = 1_000

# (seniority_date, id), or (not listed_before_seniority_scheme, seniority_date, id) on an internal list
QueueKey = tuple


def queue_key(c: Candidate) -> QueueKey:
    """A candidate's place in its list's order (R9.4 first on the internal list)."""
    if c.list_kind == ListKind.INTERNAL:
        return (not c.listed_before_seniority_scheme, c.seniority_date, c.entry_id)
    return (c.seniority_date, c.entry_id)


# --- Dates the rules count in whole years and months ----------------------------------------------


def born_on_or_before(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone at least ``years`` old on ``day``, in the whole years
    ``relativedelta`` counts (as the rules and ``Person.age_on`` do; 29 February included)."""
    born = day - relativedelta(years=years)
    one = datetime.timedelta(days=1)
    while relativedelta(day, born).years < years:
        born -= one
    while relativedelta(day, born + one).years >= years:
        born += one
    return born


def moved_in_on_or_before(day: datetime.date, months: int) -> datetime.date:
    """The latest move-in date that has completed ``months`` of residence on ``day`` (R8.3:
    ``moved_in + months <= day``, in calendar months)."""
    moved_in = day - relativedelta(months=months)
    one = datetime.timedelta(days=1)
    while moved_in + relativedelta(months=months) > day:
        moved_in -= one
    while moved_in + one + relativedelta(months=months) <= day:
        moved_in += one
    return moved_in


# --- The plan: the facts every query of one ranking shares ----------------------------------------


@dataclass(frozen=True)
class Plan:
    dwelling: DwellingFacts
    rules: LettingRules
    # The dwelling's own values, compared exactly in SQL (the pure facts hold floats).
    rooms: int
    gross_floor_area: Decimal
    monthly_rent: Decimal
    lists: tuple[tuple[int, str], ...]  # (waiting list id, kind)
    skip: frozenset[int]
    adult_born_by: datetime.date  # aged 18 or more on the day (children are younger, R4)
    aged_25_born_by: datetime.date  # startboliger: 18–24 (R12.1)
    transfer_moved_in_by: datetime.date | None
    # Conditions compiled once per ranking (``_sql``), by name.
    compiled: dict = field(default_factory=dict, compare=False, repr=False)
    vacancy_id: int | None = None
    # R12.1: persons whose startbolig letting of this vacancy the kommune approved (read by
    # ``letting.workflow`` from the approvals app and passed down as data).
    approved_person_ids: frozenset[int] = frozenset()

    @property
    def day(self) -> datetime.date:
        return self.rules.today

    def lists_of(self, *kinds: str) -> list[int]:
        return [list_id for list_id, kind in self.lists if kind in kinds]

    def kind_of(self, list_id: int) -> str:
        for candidate_id, kind in self.lists:
            if candidate_id == list_id:
                return kind
        raise KeyError(list_id)

    # Which tiers can apply at all to this dwelling under these rules (others need no slice).
    @property
    def mobility_fitted(self) -> bool:
        """As the pure function's ``fitted_for_mobility``: the other list's holders of the need
        are read too (§ 5, stk. 2–3; § 10, stk. 3–4)."""
        return self.dwelling.fitted_mobility_impaired or self.dwelling.fitted_large_household_mobility

    @property
    def children_agreement_possible(self) -> bool:
        return self.rules.children_agreement and self.dwelling.rooms >= 3

    @property
    def housing_guarantee_possible(self) -> bool:
        return self.rules.issues_housing_guarantees and "R6" not in self.rules.switched_off_by_kommune

    @property
    def separation_priority_possible(self) -> bool:
        return self.rules.separation_priority and "R8.2" not in self.rules.switched_off_by_kommune


def plan_for(
    vacancy: Vacancy,
    dwelling: DwellingFacts,
    rules: LettingRules,
    skip_entry_ids: Iterable[int],
    approved_person_ids: Iterable[int] = (),
) -> Plan:
    """The lists of the vacancy's organisation (one query) and the thresholds of the day.
    ``vacancy`` must come with ``dwelling`` and ``organisation__shared_list`` loaded."""
    organisation = vacancy.organisation
    list_tenant_id = organisation.list_tenant_id
    own = Q(organisation_id=organisation.pk)
    unowned = Q(organisation__isnull=True)
    lists = WaitingList.objects.filter(
        Q(kind=ListKind.INTERNAL) & own
        | Q(kind=ListKind.GENERAL) & (own | unowned & Q(controller_id=list_tenant_id))
        | Q(kind=ListKind.YOUTH)
        & (own | unowned & Q(controller_id__in={organisation.tenant_id, list_tenant_id}))
    ).order_by("pk")
    months = rules.transfer_residence_months
    return Plan(
        dwelling=dwelling,
        rules=rules,
        rooms=vacancy.dwelling.rooms,
        gross_floor_area=vacancy.dwelling.gross_floor_area,
        monthly_rent=vacancy.dwelling.monthly_rent,
        lists=tuple(lists.values_list("pk", "kind")),
        skip=frozenset(skip_entry_ids),
        approved_person_ids=frozenset(approved_person_ids),
        adult_born_by=born_on_or_before(rules.today, 18),
        aged_25_born_by=born_on_or_before(rules.today, 25),
        transfer_moved_in_by=moved_in_on_or_before(rules.today, months) if months else None,
        vacancy_id=vacancy.pk,
    )
