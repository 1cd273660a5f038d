"""The plan of one ranking: the shape of its statement (``Shape``), the values bound to it (the
lists, the dwelling, the thresholds of the day) and a candidate's place in its list's order
(``queue_key``)."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Q

from housing.models import DwellingKind, YouthKind
from waitinglists.models import ListKind, WaitingList

from ...models import Vacancy
from ...rules.ranking import Candidate, DwellingFacts, LettingRules, guideline_applies
from .binding import Ids, Texts

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


# --- The plan: the shape of the statement and the values bound to it ------------------------------


@dataclass(frozen=True)
class Shape:
    """Everything that decides the *text* of a ranking's statement, and nothing that varies from
    one vacancy or day to the next: the kinds of the lists read (in order), the kind of dwelling
    and which of its facts are tested at all, which tiers the decisions in force make possible,
    the youth guideline's groups (which conditions each sets). The department, the day, the
    dwelling's rooms, rent and floor, the lists' ids, the entries skipped — all are values bound
    to the statement (``Plan.values``), so one compiled and prepared statement serves every
    vacancy of its shape on every day.

    The builders of the statement (``conditions``, ``slices``, ``facts``) read only this, never a
    value: that is what makes a statement compiled for one plan right for another of its shape."""

    vendor: str
    lists: tuple[str, ...]  # the kinds of the lists read, in ``Plan.lists`` order
    kind: str
    youth_kind: str
    has_floor: bool
    elevator_test: bool  # no elevator above the ground floor: an applicant needing one is excluded
    fitted_elderly_disabled: bool
    fitted_mobility_impaired: bool
    fitted_large_household_mobility: bool
    internal_turn: bool
    children_agreement_possible: bool  # a § 4 agreement in force and 3+ rooms
    elder_disabled_priority_decided: bool
    housing_guarantee_possible: bool
    separation_priority_possible: bool
    no_transfer_priority_for_youth_elder_tenants: bool
    transfer_residence: bool  # R8.3 decided
    transfer_residence_all_departments: bool  # R8.3 for every department (none chosen)
    # R12.2: per priority group of the guideline in force (when it applies to the dwelling),
    # whether it sets education levels, an income ceiling, social circumstances.
    youth_groups: tuple[tuple[bool, bool, bool], ...] = ()
    skip: bool = False
    startbolig_approvals: bool = False

    def lists_of(self, *kinds: str) -> list[int]:
        """Positions (in ``lists``) of the lists of ``kinds``: their ids are bound as ``list_N``."""
        return [index for index, kind in enumerate(self.lists) if kind in kinds]

    @property
    def youth(self) -> bool:
        return self.kind == DwellingKind.YOUTH

    # Which tiers can apply at all to this dwelling under these rules (others need no slice).
    @property
    def mobility_fitted(self) -> bool:
        """As the pure function's ``fitted_for_mobility``: the other list's holders of the need
        are read too (§ 5, stk. 2–3; § 10, stk. 3–4)."""
        return self.fitted_mobility_impaired or self.fitted_large_household_mobility


@dataclass(frozen=True)
class Plan:
    """One ranking: its shape (the statement) and the values bound to it."""

    shape: Shape
    dwelling: DwellingFacts
    rules: LettingRules
    lists: tuple[tuple[int, str], ...]  # (waiting list id, kind)
    skip: frozenset[int]
    values: dict = field(compare=False, repr=False)
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
        return self.kinds[list_id]

    @functools.cached_property
    def kinds(self) -> dict[int, str]:
        """Each list's kind, by its id."""
        return dict(self.lists)


def lists_of_organisation(
    *, organisation_id: int, tenant_id: int, list_tenant_id: int
) -> tuple[tuple[int, str], ...]:
    """The lists a vacancy of the organisation is ranked from (one query): its internal list, its
    general list — its own or the shared list it belongs to (R3.2; ``list_tenant_id``) — and the
    youth lists."""
    own = Q(organisation_id=organisation_id)
    unowned = Q(organisation__isnull=True)
    lists = WaitingList.objects.filter(
        Q(kind=ListKind.INTERNAL) & own
        | Q(kind=ListKind.GENERAL) & (own | unowned & Q(controller_id=list_tenant_id))
        | Q(kind=ListKind.YOUTH) & (own | unowned & Q(controller_id__in={tenant_id, list_tenant_id}))
    ).order_by("pk")
    return tuple(lists.values_list("pk", "kind"))


def plan_for(
    vacancy: Vacancy,
    dwelling: DwellingFacts,
    rules: LettingRules,
    skip_entry_ids: Iterable[int],
    approved_person_ids: Iterable[int] = (),
    *,
    lists: tuple[tuple[int, str], ...] | None = None,
    vendor: str | None = None,
) -> Plan:
    """The plan of one ranking: its shape and the values of the day. ``lists``: the
    organisation's lists if known (``lists_of_organisation``; one query otherwise). ``vacancy``
    must come with ``dwelling`` and ``organisation__shared_list`` loaded."""
    if lists is None:
        organisation = vacancy.organisation
        lists = lists_of_organisation(
            organisation_id=organisation.pk,
            tenant_id=organisation.tenant_id,
            list_tenant_id=organisation.list_tenant_id,
        )
    skip = frozenset(skip_entry_ids)
    approved = frozenset(approved_person_ids)
    guideline = rules.youth_guideline if guideline_applies(dwelling) else None
    months = rules.transfer_residence_months
    shape = Shape(
        vendor=vendor or connection.vendor,
        lists=tuple(kind for _pk, kind in lists),
        kind=dwelling.kind,
        youth_kind=dwelling.youth_kind or "",
        has_floor=dwelling.floor is not None,
        elevator_test=not dwelling.has_elevator and (dwelling.floor or 0) > 0,
        fitted_elderly_disabled=dwelling.fitted_elderly_disabled,
        fitted_mobility_impaired=dwelling.fitted_mobility_impaired,
        fitted_large_household_mobility=dwelling.fitted_large_household_mobility,
        internal_turn=rules.internal_turn,
        children_agreement_possible=rules.children_agreement and dwelling.rooms >= 3,
        elder_disabled_priority_decided=rules.elder_disabled_priority_decided,
        housing_guarantee_possible=rules.issues_housing_guarantees
        and "R6" not in rules.switched_off_by_kommune,
        separation_priority_possible=rules.separation_priority
        and "R8.2" not in rules.switched_off_by_kommune,
        no_transfer_priority_for_youth_elder_tenants=rules.no_transfer_priority_for_youth_elder_tenants,
        transfer_residence=bool(months),
        transfer_residence_all_departments=rules.transfer_residence_departments is None,
        youth_groups=tuple(
            (bool(g.education_levels), g.income_below is not None, g.social_need) for g in guideline.groups
        )
        if guideline
        else (),
        skip=bool(skip),
        startbolig_approvals=dwelling.youth_kind == YouthKind.STARTBOLIG and vacancy.pk is not None,
    )
    day = rules.today
    values: dict[str, object] = {
        "department": dwelling.department_id,
        "organisation": dwelling.organisation_id,
        "kommune": dwelling.kommune_id,
        # No set-aside names vacancy 0 (an unsaved vacancy has none).
        "vacancy": vacancy.pk or 0,
        "day": day,
        "adult_born_by": born_on_or_before(day, 18),
        "aged_25_born_by": born_on_or_before(day, 25),
        "rooms": vacancy.dwelling.rooms,
        "rent": vacancy.dwelling.monthly_rent,
        "gross_floor_area": vacancy.dwelling.gross_floor_area,
        "skip": Ids(sorted(skip)),
        "approved": Ids(sorted(approved)),
    }
    if dwelling.floor is not None:
        values["floor"] = dwelling.floor
    if months:
        values["transfer_moved_in_by"] = moved_in_on_or_before(day, months)
        values["residence_departments"] = Ids(sorted(rules.transfer_residence_departments or ()))
    for index, (list_id, _kind) in enumerate(lists):
        values[f"list_{index}"] = list_id
    for number, group in enumerate(guideline.groups if guideline else ()):
        values[f"group_{number}_levels"] = Texts(sorted(group.education_levels))
        if group.income_below is not None:
            values[f"group_{number}_income"] = Decimal(group.income_below)
    return Plan(
        shape=shape,
        dwelling=dwelling,
        rules=rules,
        lists=lists,
        skip=skip,
        values=values,
        vacancy_id=vacancy.pk,
        approved_person_ids=approved,
    )
