"""What the elder replay (``simulation.elder``) reads from the database, in bulk and read-only: the
elder vacancies of the scope let in the period with what the past recorded about each letting
(``cases``), and every row their candidates need (``world``) — a fixed number of statements whatever
the number of vacancies and entries.

The point in time comes from the dated columns of the live rows (no history table is needed for
what the ranking reads): a specific-list entry's ``joined_on``/``left_on``, a general-list entry's
``admitted_on``/``ended_on``, a needs decision's ``decided_on``/``ended_on``, an accepted offer's
``answered_on``. Read as now (a known limit, as for the family dwellings): the dwelling's facts, an
entry's inside/outside mark and § 23 exemption (both fixed at joining), a needs decision's scores
(a changed need is a new decision, so they do not change), and a general-list entry's decision when
no decision of the person was in force on the day."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import QuerySet

from eldercare.models import (
    ElderLease,
    ElderOffer,
    ElderOfferState,
    FacilityDwelling,
    GuaranteeEntry,
    NeedDecision,
    SpecificList,
    SpecificListEntry,
)
from eldercare.rules.ranking import DwellingFacts

from .elder import Accepted, DecisionRow, ElderCase, ElderWorld, GeneralRow, ListRow, SpecificRow
from .models import Scenario, ScopeKind


def leases_of(
    scenario: Scenario, period_start: datetime.date, period_end: datetime.date
) -> QuerySet[ElderLease]:
    """The elder vacancies of the scenario's scope let in the period (their lease signed in it): a
    kommune's elder vacancies, or those of the dwellings of the organisation's (the shared list's
    organisations') departments."""
    leases = ElderLease.objects.filter(signed_on__gte=period_start, signed_on__lte=period_end)
    if scenario.scope == ScopeKind.KOMMUNE:
        return leases.filter(vacancy__kommune_id=scenario.kommune_id)
    if scenario.scope == ScopeKind.ORGANISATION:
        return leases.filter(vacancy__dwelling__department__organisation_id=scenario.organisation_id)
    return leases.filter(vacancy__dwelling__department__organisation__shared_list_id=scenario.association_id)


def cases(leases: QuerySet[ElderLease]) -> tuple[list[ElderCase], dict[int, ListRow]]:
    """Each letting with its winning offer (the ranking day, the tenant's entry, decision and recorded
    rank), the dwelling's facts and specific lists, and the persons who refused the vacancy before;
    with the specific lists read (4 statements)."""
    rows = list(leases.select_related("vacancy__dwelling", "offer").order_by("offer__offered_on", "offer_id"))
    vacancy_ids = [lease.vacancy_id for lease in rows]
    dwelling_ids = [lease.vacancy.dwelling_id for lease in rows]
    facility_of: dict[int, tuple[int, str]] = {
        dwelling_id: (facility_id, kind)
        for dwelling_id, facility_id, kind in FacilityDwelling.objects.filter(
            dwelling_id__in=dwelling_ids
        ).values_list("dwelling_id", "facility_id", "facility__kind")
    }
    lists: dict[int, ListRow] = {}
    lists_of_facility: dict[int, list[int]] = defaultdict(list)
    for pk, facility_id, kommune_id, kind, name in SpecificList.objects.filter(
        facility_id__in={facility for facility, _kind in facility_of.values()}
    ).values_list("pk", "facility_id", "kommune_id", "facility__kind", "name"):
        lists[pk] = ListRow(pk, kommune_id, kind, name)
        lists_of_facility[facility_id].append(pk)
    refused: dict[int, set[int]] = defaultdict(set)
    for vacancy_id, person_id in ElderOffer.objects.filter(
        vacancy_id__in=vacancy_ids, state=ElderOfferState.REFUSED
    ).values_list("vacancy_id", "person_id"):
        refused[vacancy_id].add(person_id)
    out = []
    for lease in rows:
        vacancy, offer = lease.vacancy, lease.offer
        dwelling = vacancy.dwelling
        facility_id, facility_kind = facility_of.get(dwelling.pk, (None, ""))
        day = offer.offered_on
        out.append(
            ElderCase(
                vacancy_id=vacancy.pk,
                offer_id=offer.pk,
                kommune_id=vacancy.kommune_id,
                day=day,
                dwelling=DwellingFacts(
                    kind=dwelling.kind,
                    suitable_for_two=dwelling.suitable_for_two,
                    fitted_far_reaching=dwelling.fitted_far_reaching_disability,
                    eligible_not_found=vacancy.eligible_not_found_on is not None
                    and vacancy.eligible_not_found_on <= day,
                ),
                facility_kind=facility_kind,
                list_ids=tuple(sorted(lists_of_facility.get(facility_id, ()))),
                person_id=lease.person_id,
                source=offer.source,
                entry_id=offer.guarantee_entry_id if offer.source == "general" else offer.specific_entry_id,
                need_decision_id=offer.need_decision_id,
                rank=offer.rank,
                need_score=offer.need_score,
                waiting_since=offer.waiting_since,
                answered_on=offer.answered_on or day,
                refused=frozenset(refused.get(vacancy.pk, ())),
            )
        )
    return out, lists


def world(elder_cases: list[ElderCase], lists: dict[int, ListRow]) -> ElderWorld:
    """Every entry of the lists the vacancies are ranked from, the general lists of their kommuner,
    the kommuner's needs decisions and the accepted offers of elder dwellings in them (4 statements)."""
    kommune_ids = sorted({case.kommune_id for case in elder_cases})
    entries = SpecificListEntry.objects.filter(specific_list_id__in=list(lists)).values_list(
        "pk", "person_id", "specific_list_id", "joined_on", "left_on", "lives_inside", "outsider_exemption"
    )
    specific = [SpecificRow(*row[:6], row[6] or "") for row in entries]
    general = [
        GeneralRow(*row)
        for row in GuaranteeEntry.objects.filter(kommune_id__in=kommune_ids).values_list(
            "pk", "person_id", "kommune_id", "admitted_on", "ended_on", "need_decision_id"
        )
    ]
    decisions = [
        DecisionRow(
            id=pk,
            person_id=person_id,
            kommune_id=kommune_id,
            kind=kind,
            need_score=score,
            decided_on=decided_on,
            ended_on=ended_on,
            needs_two=bool(partner),
            far_reaching=far_reaching,
        )
        for pk, person_id, kommune_id, kind, score, decided_on, ended_on, partner, far_reaching in (
            NeedDecision.objects.filter(kommune_id__in=kommune_ids).values_list(
                "pk",
                "person_id",
                "kommune_id",
                "kind",
                "need_score",
                "decided_on",
                "ended_on",
                "partner_relation",
                "far_reaching_disability",
            )
        )
    ]
    accepted = [
        Accepted(person_id, pk, vacancy_id, answered_on or offered_on)
        for person_id, pk, vacancy_id, answered_on, offered_on in ElderOffer.objects.filter(
            vacancy__kommune_id__in=kommune_ids, state=ElderOfferState.ACCEPTED
        ).values_list("person_id", "pk", "vacancy_id", "answered_on", "offered_on")
    ]
    return ElderWorld(lists=lists, specific=specific, general=general, decisions=decisions, accepted=accepted)
