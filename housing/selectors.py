"""Reads for the pages, always scoped to the acting user, each costing a fixed number of queries."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from . import name_search, scoping
from .models import (
    Department,
    DepartmentAreaStatus,
    Dwelling,
    HouseholdMember,
    HousingOrganisation,
    Person,
    PersonalDataAccess,
    StateChange,
)


def organisation_list(*, user) -> QuerySet[HousingOrganisation]:
    return (
        scoping.organisations_for(user)
        .select_related("shared_list")
        .annotate(department_count=Count("departments", distinct=True))
    )


def department_list(*, user) -> QuerySet[Department]:
    return (
        scoping.departments_for(user)
        .select_related("organisation", "kommune")
        .annotate(dwelling_count=Count("dwellings"))
    )


def department_detail(*, user, pk: int) -> Department:
    statuses = DepartmentAreaStatus.objects.select_related("housing_area").order_by("kind", "-valid_from")
    return (
        scoping.departments_for(user)
        .select_related("organisation", "kommune")
        .prefetch_related(Prefetch("area_statuses", queryset=statuses))
        .get(pk=pk)
    )


def dwelling_list(*, user) -> QuerySet[Dwelling]:
    return scoping.dwellings_for(user).select_related("department", "department__organisation")


PICKER_RESULTS = 20


def dwelling_label(dwelling: Dwelling) -> str:
    """How a dwelling is named in a choice: department number and name, then the address."""
    return f"{dwelling.department.number} {dwelling.department.name} – {dwelling.address_line}"


def dwelling_picker_search(*, user, query: str, writable_only: bool = False) -> list[Dwelling]:
    """The dwellings a picker offers for ``query`` (every word in the address, the tenancy number,
    the department's number or name): read through ``scoping.dwellings_for`` like every other
    read; ``writable_only`` keeps those of organisations the user may change (as the forms that
    pick a dwelling to act on do)."""
    dwellings = dwelling_list(user=user)
    if writable_only:
        dwellings = dwellings.filter(
            department__organisation_id__in=scoping.scope_for(user).writable_organisation_ids
        )
    words = query.split()
    if not words or len(query.strip()) < 2:
        return []
    for word in words:
        dwellings = dwellings.filter(
            Q(address_line__icontains=word)
            | Q(number__icontains=word)
            | Q(department__number__icontains=word)
            | Q(department__name__icontains=word)
        )
    return list(dwellings.order_by("department__number", "number", "pk")[:PICKER_RESULTS])


def person_search(*, user, query: str) -> QuerySet[Person]:
    """Name or applicant-number search. CPR search is separate (a POST, through the keyed hash)."""
    people = scoping.persons_for(user).select_related("kommune", "controller")
    query = query.strip()
    if not query:
        return people.none()
    if query.isdigit():
        return people.filter(applicant_number=query.zfill(7))
    return people.filter(name_search.name_matches(query))


def persons_by_id(ids: list[int]) -> list[Person]:
    """The rows of one page of ``person_search`` (ids already read through the user's scope)."""
    return list(Person.objects.filter(pk__in=ids).select_related("kommune", "controller"))


def person_detail(*, user, pk: int) -> Person:
    return scoping.persons_for(user).select_related("kommune", "controller").get(pk=pk)


def household_members(*, person: Person) -> list[HouseholdMember]:
    membership = HouseholdMember.objects.filter(person=person).only("household_id").first()
    if membership is None:
        return []
    return list(
        HouseholdMember.objects.filter(household_id=membership.household_id)
        .select_related("person")
        .order_by("relation", "person__birth_date")
    )


def person_accesses(*, person: Person) -> QuerySet[PersonalDataAccess]:
    return PersonalDataAccess.objects.filter(person=person).select_related("user")


# Up to this many persons the start page counts them; above, it shows a count kept for
# PERSON_COUNT_SECONDS with the time it was made (counting 1.2 million persons took 120-300 ms).
EXACT_PERSON_COUNT = 10_000
PERSON_COUNT_SECONDS = 600


def dashboard_counts(*, user) -> dict:
    scope = scoping.scope_for(user)
    dwellings = scoping.dwellings_for(user)
    persons, persons_as_of = _person_count(user, scope.tenant_ids) if scope.tenant_ids else (0, None)
    return {
        "organisations": scoping.organisations_for(user).count(),
        "departments": scoping.departments_for(user).count(),
        "dwellings": dwellings.count(),
        "persons": persons,
        "persons_as_of": persons_as_of,
    }


def _person_count(user, tenant_ids) -> tuple[int, datetime.datetime | None]:
    """The persons in the user's scope: exact (``as_of`` None) when few, else the count made at
    most ``PERSON_COUNT_SECONDS`` ago, with its time — shown as "pr. kl. 14:05"."""
    persons = scoping.persons_for(user)
    few = persons.values("pk").order_by()[: EXACT_PERSON_COUNT + 1].count()
    if few <= EXACT_PERSON_COUNT:
        return few, None
    key = "person-count:" + ",".join(str(pk) for pk in sorted(tenant_ids))
    return kept_with_time(key, PERSON_COUNT_SECONDS, persons.count)


def kept_with_time(key: str, seconds: int, compute):
    """``(compute(), when it was computed)``, computed at most every ``seconds`` under ``key``: a
    figure too costly to make on every visit, shown with its time ("pr. kl. 14:05")."""
    kept = cache.get(key)
    if kept is None:
        kept = (compute(), timezone.now())
        cache.set(key, kept, seconds)
    return kept


def dwelling_kind_counts(*, user) -> list[dict]:
    return list(scoping.dwellings_for(user).values("kind").annotate(n=Count("id")).order_by("kind"))


def state_changes_of(obj: Model, /) -> QuerySet[StateChange]:
    """The state changes of ``obj`` (every field with a state machine), oldest first, with their users.

    Not scoped here: the caller has already reached ``obj`` through a scoped selector.
    """
    return (
        StateChange.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
