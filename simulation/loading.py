"""What a replay reads from the database, in bulk and read-only: the vacancies let in the period with
what the past recorded about each (``cases``), and every history row their candidates need
(``histories``). A fixed number of statements for the histories whatever the size of the lists;
per vacancy only the rules in force, through the live ``letting_rules_for`` (cached by the live
code per organisation, kommune and day).

The ranking moment of a vacancy let from the lists is the moment its winning offer round was opened
(``OfferRound.opened_at``: the candidates are read as they stood then) and its ranking day the day
the round was opened *for* — the answer deadline less the organisation's answer days in force (a
round can be opened for another day than the one it is entered on: ``round_open(day=…)``)."""

from __future__ import annotations

import datetime
import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from django.apps import apps
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from allocation.models import (
    Answer,
    GuaranteeSetAside,
    HousingGuarantee,
    Lease,
    Offer,
    OrganisationLettingPolicy,
    PriorityNeed,
    SeparationPriority,
    Vacancy,
    VacancyState,
)
from allocation.services.candidates.plan import lists_of_organisation
from allocation.services.policies import DEFAULT_POLICY
from allocation.services.ranking import RANKING_RELATED, decisions_marker, dwelling_facts, letting_rules_for
from allocation.services.youth import guideline_facts_of
from approvals.models import ApprovalRequest
from approvals.services import LETTING_ALLOWED_STATES
from housing.models import Dwelling, DwellingKind, HouseholdMember, Person
from rejections.models import RejectionCase, RejectionState
from waitinglists.models import Entry
from waitinglists.services.registration import WISH_FIELDS

from .changes import YOUTH_GUIDELINE, Change
from .models import Scenario, ScopeKind
from .replay import DwellingRow, EntryRow, Histories, VacancyCase

# Answers that refuse the vacancy (the applicant declined or did not answer, or the kommune refused
# the letting to them, R42.2): the applicant is skipped for it in both rankings.
REFUSING = frozenset({Answer.DECLINED, Answer.NO_ANSWER, Answer.KOMMUNE_REFUSED})


def vacancies_let(
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    organisation_ids: Iterable[int] | None = None,
    association_id: int | None = None,
    kommune_id: int | None = None,
) -> QuerySet[Vacancy]:
    """The vacancies of the scope let in the period (their lease signed in it)."""
    vacancies = Vacancy.objects.filter(
        state=VacancyState.LET, lease__signed_on__gte=period_start, lease__signed_on__lte=period_end
    )
    if organisation_ids is not None:
        vacancies = vacancies.filter(organisation_id__in=list(organisation_ids))
    if association_id is not None:
        vacancies = vacancies.filter(organisation__shared_list_id=association_id)
    if kommune_id is not None:
        vacancies = vacancies.filter(dwelling__department__kommune_id=kommune_id)
    return vacancies


def vacancies_of(
    scenario: Scenario, period_start: datetime.date, period_end: datetime.date
) -> QuerySet[Vacancy]:
    scope = {
        ScopeKind.ORGANISATION: {"organisation_ids": [scenario.organisation_id]},
        ScopeKind.SHARED_LIST: {"association_id": scenario.association_id},
        ScopeKind.KOMMUNE: {"kommune_id": scenario.kommune_id},
    }[scenario.scope]
    return vacancies_let(period_start=period_start, period_end=period_end, **scope)


def _ranking_day(
    policies: list[tuple[datetime.date, int]], opened: datetime.datetime, deadline: datetime.date
) -> datetime.date:
    """The day the round was opened for: its deadline less the answer days in force (as
    ``offer_terms``: the latest policy in force on the day it was entered; ``policies`` newest
    first), never after the day it was entered."""
    entered = timezone.localdate(opened)
    answer_days = next(
        (days for valid_from, days in policies if valid_from <= entered), DEFAULT_POLICY.answer_days
    )
    return min(deadline - datetime.timedelta(days=answer_days), entered)


def cases(vacancies: QuerySet[Vacancy]) -> list[VacancyCase]:
    """Each vacancy with what the past recorded: the lease, the winning round and every answer to the
    vacancy's offers, the decided rejections, the startbolig approvals and the R6.2 set-asides."""
    rows = list(
        vacancies.select_related(*RANKING_RELATED, "agreement", "lease", "lease__offer__round").order_by("pk")
    )
    ids = [v.pk for v in rows]
    offers: dict[int, list[tuple]] = defaultdict(list)
    for offer in Offer.objects.filter(round__vacancy_id__in=ids).values_list(
        "round__vacancy_id", "round__number", "entry_id", "answer"
    ):
        offers[offer[0]].append(offer[1:])
    rejected: dict[int, set[int]] = defaultdict(set)
    for vacancy_id, person_id in RejectionCase.objects.filter(
        vacancy_id__in=ids, state=RejectionState.DECIDED
    ).values_list("vacancy_id", "person_id"):
        rejected[vacancy_id].add(person_id)
    approved: dict[int, set[int]] = defaultdict(set)
    for vacancy_id, person_id, grounds in ApprovalRequest.objects.filter(
        vacancy_id__in=ids, state__in=LETTING_ALLOWED_STATES
    ).values_list("vacancy_id", "person_id", "grounds"):
        if "R12.1" in (grounds or []):
            approved[vacancy_id].add(person_id)
    set_aside: dict[int, dict[int, str]] = defaultdict(dict)
    for vacancy_id, person_id, provision in GuaranteeSetAside.objects.filter(vacancy_id__in=ids).values_list(
        "vacancy_id", "guarantee__person_id", "provision"
    ):
        known = set_aside[vacancy_id].get(person_id)
        set_aside[vacancy_id][person_id] = min(known, provision) if known else provision

    policies: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for organisation_id, valid_from, answer_days in (
        OrganisationLettingPolicy.objects.filter(organisation_id__in={v.organisation_id for v in rows})
        .order_by("-valid_from")
        .values_list("organisation_id", "valid_from", "answer_days")
    ):
        policies[organisation_id].append((valid_from, answer_days))
    # The decisions in force are read through the live ``letting_rules_for``, with one marker for all.
    marker = decisions_marker()
    lists: dict[int, tuple] = {}
    out = []
    for vacancy in rows:
        lease = vacancy.lease
        organisation = vacancy.organisation
        department = vacancy.dwelling.department
        offer = lease.offer
        if offer is not None:
            as_of = offer.round.opened_at
            day = _ranking_day(policies[organisation.pk], as_of, offer.round.answer_deadline)
            number = offer.round.number
            # The rounds before the winning one were answered; in it, the refusals
            # (as ``offers.previously_offered``).
            refused = frozenset(
                entry
                for n, entry, answer in offers[vacancy.pk]
                if n < number or (n == number and answer in REFUSING)
            )
        else:
            as_of = vacancy.opened_at
            day = timezone.localdate(as_of)
            refused = frozenset()
        if organisation.pk not in lists:
            lists[organisation.pk] = lists_of_organisation(
                organisation_id=organisation.pk,
                tenant_id=organisation.tenant_id,
                list_tenant_id=organisation.list_tenant_id,
            )
        agreement = vacancy.agreement
        out.append(
            VacancyCase(
                vacancy_id=vacancy.pk,
                organisation_id=organisation.pk,
                kommune_id=department.kommune_id,
                department_id=department.pk,
                dwelling=dwelling_facts(vacancy),
                as_of=as_of,
                day=day,
                channel=vacancy.channel,
                family=vacancy.dwelling.kind == DwellingKind.FAMILY
                and not vacancy.channel_reason.startswith("R5.5"),
                agreement=(
                    agreement.kind,
                    agreement.organisation_id,
                    agreement.kommune_id,
                    agreement.department_id,
                )
                if agreement is not None
                else None,
                fallback_rule=vacancy.fallback_rule,
                rules=letting_rules_for(vacancy, day, marker=marker),
                list_ids=lists[organisation.pk],
                has_round=offer is not None,
                lease_id=lease.pk,
                lease_entry_id=lease.entry_id,
                lease_person_id=lease.person_id,
                actual_rule=offer.rule if offer is not None else "",
                actual_explanation=offer.explanation if offer is not None else (lease.basis or ""),
                refused_entry_ids=refused,
                rejected_person_ids=frozenset(rejected.get(vacancy.pk, ())),
                approved_person_ids=frozenset(approved.get(vacancy.pk, ())),
                set_aside=set_aside.get(vacancy.pk, {}),
            )
        )
    out.sort(key=lambda c: (c.as_of, c.vacancy_id))
    return out


def _ordered(queryset: QuerySet, until: datetime.datetime) -> QuerySet:
    return queryset.filter(history_date__lte=until).order_by("history_date", "history_id")


# What every history row the ``World`` applies starts with (``replay.HistoryRow``).
HISTORY_HEAD = ("history_date", "history_id", "history_type", "id")


def _history(model, until: datetime.datetime, fields: Iterable[str], **where) -> list[tuple]:
    """The history rows of ``model`` matching ``where``, written up to ``until``, in time order:
    ``HISTORY_HEAD`` and then ``fields``."""
    return list(
        _ordered(model.history.model.objects.filter(**where), until).values_list(*HISTORY_HEAD, *fields)
    )


# An entry's history row: its place on its list, then what it wishes (``WISH_FIELDS``).
ENTRY_FACTS = (
    *HISTORY_HEAD,
    "waiting_list_id",
    "person_id",
    "household_id",
    "seniority_date",
    "status",
    "listed_before_seniority_scheme",
    "rehoused_outside",
    *WISH_FIELDS,
    "registered_on",
)


@functools.lru_cache(maxsize=256)
def _kinds_text(text: str) -> frozenset[str]:
    return frozenset(json.loads(text))


def _kinds(value) -> frozenset[str]:
    """The wished dwelling kinds as a set: text from the raw statement (few distinct values, each
    decoded once), a list through the ORM."""
    if value is None:
        return frozenset()
    return _kinds_text(value) if isinstance(value, str) else frozenset(value)


def _entry_rows(entry_history: QuerySet, list_ids: list[int], until: datetime.datetime):
    """The entries' history rows in time order. On PostgreSQL one plain statement with the wished
    kinds as text (the ORM's JSON and row conversion cost more than the read on 100,000 rows)."""
    if connection.vendor != "postgresql":
        yield from _ordered(entry_history, until).values_list(*ENTRY_FACTS)
        return
    columns = ", ".join("dwelling_kinds::text" if name == "dwelling_kinds" else name for name in ENTRY_FACTS)
    table = connection.ops.quote_name(entry_history.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE waiting_list_id = ANY(%s) AND history_date <= %s "  # noqa: S608
            "ORDER BY history_date, history_id",
            [list_ids, until],
        )
        while rows := cursor.fetchmany(5000):
            yield from rows


def histories(list_ids: Iterable[int], until: datetime.datetime) -> Histories:
    """Every history row up to ``until`` of the entries of the lists and of what their candidates'
    facts are read from: a fixed number of statements (each a plain read of a history table)."""
    list_ids = sorted(set(list_ids))
    entry_history = Entry.history.model.objects.filter(waiting_list_id__in=list_ids)
    departments_model = apps.get_model("waitinglists", "HistoricalEntry_departments")
    wished: dict[int, set[int]] = defaultdict(set)
    for history_id, department_id in departments_model.objects.filter(
        history__waiting_list_id__in=list_ids, history__history_date__lte=until
    ).values_list("history_id", "department_id"):
        wished[history_id].add(department_id)
    entries = []
    last_wished: dict[int, frozenset[int]] = {}
    for row in _entry_rows(entry_history, list_ids, until):
        date, hid, kind, pk, *facts = row
        # A history row written by ``bulk_update_with_history`` (the seniority services, the demo's
        # fee arrears) carries no snapshot of the wished departments: it keeps the previous row's.
        # (A wish list emptied altogether is recorded the same way, and is read as unchanged.)
        departments = frozenset(wished[hid]) if hid in wished else last_wished.get(pk, frozenset())
        last_wished[pk] = departments
        (
            wl,
            person,
            household,
            seniority,
            status,
            precedes,
            rehoused,
            kinds,
            rmin,
            rmax,
            rent,
            floor,
            elevator,
            institution,
            end,
            special,
            support,
            level,
            income,
            social,
            registered,
        ) = facts
        entries.append(
            (
                date,
                hid,
                kind,
                EntryRow(
                    pk,
                    wl,
                    person,
                    household,
                    seniority,
                    status,
                    precedes,
                    rehoused,
                    _kinds(kinds),
                    rmin,
                    rmax,
                    float(rent) if rent is not None else None,
                    floor,
                    elevator,
                    institution,
                    end,
                    special,
                    support,
                    level,
                    income,
                    social,
                    departments,
                    registered,
                ),
            )
        )
    person_ids = entry_history.values("person_id")
    household_ids = entry_history.filter(household_id__isnull=False).values("household_id")
    members = _history(
        HouseholdMember, until, ("household_id", "person_id", "relation"), household_id__in=household_ids
    )
    member_ids = {row[5] for row in members}
    persons, hashes = {}, {}
    for pk, born, number, digest in Person.objects.filter(
        Q(pk__in=person_ids) | Q(pk__in=sorted(member_ids))
    ).values_list("pk", "birth_date", "applicant_number", "cpr_hash"):
        persons[pk] = (born, number)
        hashes[pk] = digest
    needs = _history(
        PriorityNeed,
        until,
        ("person_id", "elderly_or_disabled", "mobility_impaired", "household_member_mobility_impaired"),
        person_id__in=person_ids,
    )
    guarantees = _history(
        HousingGuarantee,
        until,
        ("person_id", "department_id", "state", "valid_until"),
        person_id__in=person_ids,
    )
    separations = _history(
        SeparationPriority,
        until,
        ("person_id", "organisation_id", "kommune_id", "valid_until"),
        person_id__in=person_ids,
    )
    leases = _history(
        Lease,
        until,
        ("person_id", "dwelling_id", "starts_on", "ends_on", "sections_6_7_set_aside_until"),
        person_id__in=person_ids,
    )
    dwellings = {
        pk: DwellingRow(department, organisation, kind, float(area or 0), elderly, mobility, large)
        for pk, department, organisation, kind, area, elderly, mobility, large in Dwelling.objects.filter(
            pk__in=sorted({row[5] for row in leases})
        ).values_list(
            "pk",
            "department_id",
            "department__organisation_id",
            "kind",
            "gross_floor_area",
            "fitted_elderly_disabled",
            "fitted_mobility_impaired",
            "fitted_large_household_mobility",
        )
    }
    return Histories(
        entries=entries,
        members=members,
        needs=needs,
        guarantees=guarantees,
        separations=separations,
        leases=leases,
        persons=persons,
        hashes=hashes,
        dwellings=dwellings,
    )


def resolve(changes: Iterable[Change]) -> list[Change]:
    """The changes with what they name read: the written youth letting guideline a § 12, stk. 2
    change applies (its groups as they are when the run starts)."""
    return [
        replace(change, guideline=guideline_facts_of(change.youth_guideline_id))
        if change.kind == YOUTH_GUIDELINE and change.youth_guideline_id
        else change
        for change in changes
    ]
