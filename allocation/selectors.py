"""Reads for the letting pages, scoped to the acting user through ``housing.scoping``.

Vacancies belong to the organisation (and its data controller): its members see them; writing
needs write rights on the organisation. Kommune officers reach the vacancies placed at the
kommune's disposal through their own queue (``allocation.services.nominations``)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from housing import permissions, scoping
from housing.models import AreaStatusKind, DepartmentAreaStatus, Person

from .models import Answer, Lease, LettingChannel, Offer, OfferRound, Vacancy, VacancyStage


def vacancies_for(user) -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(organisation_id__in=scoping.scope_for(user).organisation_ids)


def can_write_vacancy(user, vacancy: Vacancy) -> bool:
    return permissions.can_write_organisation(user, vacancy.organisation_id)


# The board: a tab per stage, read from the stored stage (``Vacancy.stages``), the earliest vacant
# first; within a stage the channels that let outside the offer rounds can be picked out.
BOARD_STAGES = tuple(VacancyStage.values)
BOARD_CHANNELS = {
    "kommune": Q(channel=LettingChannel.KOMMUNAL_ANVISNING),
    "advert": Q(channel=LettingChannel.ADVERTISING),
    "outside": ~Q(
        channel__in=[LettingChannel.LIST, LettingChannel.KOMMUNAL_ANVISNING, LettingChannel.ADVERTISING]
    )
    | ~Q(fallback_rule=""),
}


def board(*, user, stage: str, channel: str = "") -> QuerySet[Vacancy]:
    """The user's vacancies at ``stage`` (one of ``BOARD_STAGES``), optionally of one channel group
    (``BOARD_CHANNELS``): one query on the board index (organisation, stage, vacant from)."""
    queryset = (
        vacancies_for(user)
        .filter(stage=stage)
        .select_related("dwelling__department", "organisation")
        .order_by("move_out_date", "pk")
    )
    if channel in BOARD_CHANNELS:
        queryset = queryset.filter(BOARD_CHANNELS[channel])
    return queryset


def board_counts(*, user) -> dict[str, dict[str, int]]:
    """How many of the user's vacancies stand at each stage — in all (``"all"``) and per channel
    group of ``BOARD_CHANNELS`` — in one grouped query."""
    rows = (
        vacancies_for(user)
        .order_by()
        .values("stage")
        .annotate(
            all=Count("pk"),
            **{key: Count("pk", filter=condition) for key, condition in BOARD_CHANNELS.items()},
        )
    )
    counts = {stage: dict.fromkeys(("all", *BOARD_CHANNELS), 0) for stage in BOARD_STAGES}
    for row in rows:
        counts[row.pop("stage")] = row
    return counts


def vacancy_detail(*, user, pk: int) -> Vacancy:
    offers = Offer.objects.select_related("entry__person", "entry__waiting_list", "letter").order_by("rank")
    return (
        vacancies_for(user)
        .select_related(
            "dwelling__department__kommune",
            "organisation",
            "agreement",
            "previous_lease__person",
            "opened_by",
            "lease__person",
        )
        .prefetch_related(
            Prefetch("rounds", queryset=OfferRound.objects.prefetch_related(Prefetch("offers", offers)))
        )
        .get(pk=pk)
    )


def leases_for(user) -> QuerySet[Lease]:
    return Lease.objects.filter(landlord_id__in=scoping.scope_for(user).organisation_ids)


def lease_detail(*, user, pk: int) -> Lease:
    return (
        leases_for(user)
        .select_related(
            "dwelling__department",
            "landlord",
            "person",
            "vacancy",
            "offer__round",
            "entry__waiting_list",
            "signed_by",
        )
        .get(pk=pk)
    )


def unanswered_counts(entry_ids: list[int]) -> dict[int, int]:
    rows = (
        Offer.objects.filter(entry_id__in=entry_ids, answer=Answer.NO_ANSWER)
        .values("entry_id")
        .annotate(n=Count("pk"))
    )
    return {row["entry_id"]: row["n"] for row in rows}


# --- Facts about the applicant and the department that several decisions read -----------------


def area_status_on(department_id: int, kind: str, day: datetime.date) -> DepartmentAreaStatus | None:
    return (
        DepartmentAreaStatus.objects.filter(department_id=department_id, kind=kind, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("-valid_from")
        .first()
    )


def housing_area_on(department_id: int, day: datetime.date) -> int | None:
    status = area_status_on(department_id, AreaStatusKind.COMBINED_AREA, day)
    return status.housing_area_id if status else None


def household_size(person: Person) -> int:
    membership = getattr(person, "household_membership", None)
    return membership.household.members.count() if membership is not None else 1


def has_dwelling_in_department(person: Person, department_id: int, day: datetime.date) -> bool:
    """R37.1: the applicant already has a dwelling in the department (the same human may be known
    to several controllers, so leases are matched on the CPR hash)."""
    return (
        Lease.objects.filter(
            dwelling__department_id=department_id, person__cpr_hash=person.cpr_hash, starts_on__lte=day
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .exists()
    )
