"""Reads of the specific lists, free-choice applications and refuse-outsiders decisions, scoped to
the acting kommune officer (``housing.scoping``): a user sees the lists of the kommuner they are an
officer of, and nothing else. Each page costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from housing import scoping

from .models import (
    FreeChoiceApplication,
    RefuseOutsidersDecision,
    SpecificEntryStatus,
    SpecificList,
    SpecificListEntry,
)


def _kommune_filter(user, prefix: str = "") -> Q:
    scope = scoping.scope_for(user)
    return Q(
        **{f"{prefix}kommune_id__in": scope.kommune_ids, f"{prefix}kommune__tenant_id__in": scope.tenant_ids}
    )


def specific_lists_for(user) -> QuerySet[SpecificList]:
    return SpecificList.objects.filter(_kommune_filter(user))


def specific_list_overview(user) -> QuerySet[SpecificList]:
    """The officer's lists with their counts (one query)."""
    active = Q(entries__status=SpecificEntryStatus.ACTIVE)
    return (
        specific_lists_for(user)
        .select_related("kommune", "facility")
        .annotate(
            active_count=Count("entries", filter=active),
            inside_count=Count("entries", filter=active & Q(entries__lives_inside=True)),
            outside_count=Count("entries", filter=active & Q(entries__lives_inside=False)),
        )
        .order_by("kommune__name", "name")
    )


def entries_for(user) -> QuerySet[SpecificListEntry]:
    return SpecificListEntry.objects.filter(_kommune_filter(user, "specific_list__"))


def list_entries(specific_list: SpecificList, *, status: str = SpecificEntryStatus.ACTIVE) -> QuerySet:
    """The entries of a list in the order they joined, with what the page shows (one query)."""
    entries = SpecificListEntry.objects.filter(specific_list=specific_list).select_related(
        "person", "home_kommune", "fee_charge"
    )
    if status:
        entries = entries.filter(status=status)
    return entries.order_by("joined_on", "pk")


def free_choice_for(user) -> QuerySet[FreeChoiceApplication]:
    return FreeChoiceApplication.objects.filter(_kommune_filter(user, "specific_list__"))


def decisions_for(user) -> QuerySet[RefuseOutsidersDecision]:
    return RefuseOutsidersDecision.objects.filter(_kommune_filter(user))
