"""Reads for the rejection pages, scoped to the acting user through ``housing.scoping``.

* Rejection cases belong to the organisation that let the vacancy: its members see them.
* R37.2 dispensations are seen by the organisation and by officers of the department's kommune.
* R28.2 reports carry no personal data; they are seen by the kommune they were sent to and the
  organisation that sent them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from housing import scoping
from rejections.models import (
    Dispensation,
    DispensationReport,
    RejectionCase,
    TerminationRejectionReport,
    TerminationRejectionReportBatch,
)


def rejections_for(user) -> QuerySet[RejectionCase]:
    return RejectionCase.objects.filter(organisation_id__in=scoping.scope_for(user).organisation_ids)


def rejection_list(*, user, state: str | None = None, ground: str | None = None) -> QuerySet[RejectionCase]:
    queryset = rejections_for(user).select_related("person", "vacancy__dwelling__department", "organisation")
    if state:
        queryset = queryset.filter(state=state)
    if ground:
        queryset = queryset.filter(ground=ground)
    return queryset.order_by("-opened_at", "-id")


def rejection_detail(*, user, pk: int) -> RejectionCase:
    return (
        rejections_for(user)
        .select_related(
            "person",
            "entry__waiting_list",
            "vacancy__dwelling__department__kommune",
            "organisation",
            "terminating_department__organisation",
            "letter",
            "opened_by",
            "decided_by",
        )
        .get(pk=pk)
    )


def dispensations_for(user) -> QuerySet[Dispensation]:
    scope = scoping.scope_for(user)
    return Dispensation.objects.filter(
        Q(organisation_id__in=scope.organisation_ids) | Q(kommune_id__in=scope.kommune_ids)
    )


def dispensation_list(*, user, state: str | None = None) -> QuerySet[Dispensation]:
    queryset = dispensations_for(user).select_related(
        "person", "vacancy__dwelling__department", "organisation", "kommune"
    )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("state", "-requested_on", "-id")


def dispensation_detail(*, user, pk: int) -> Dispensation:
    return (
        dispensations_for(user)
        .select_related(
            "person",
            "vacancy__dwelling__department",
            "organisation",
            "kommune",
            "rejection",
            "letter",
            "requested_by",
            "decided_by",
        )
        .get(pk=pk)
    )


def termination_reports_for(user) -> QuerySet[TerminationRejectionReport]:
    scope = scoping.scope_for(user)
    return (
        TerminationRejectionReport.objects.filter(
            Q(kommune_id__in=scope.kommune_ids) | Q(organisation_id__in=scope.organisation_ids)
        )
        .select_related("kommune", "organisation", "forwarded_by", "batch")
        .order_by("-rejected_on", "-id")
    )


def termination_report_batches_for(user) -> QuerySet[TerminationRejectionReportBatch]:
    """The monthly R28.2 reports the job sent to the user's kommune(s)."""
    scope = scoping.scope_for(user)
    return TerminationRejectionReportBatch.objects.filter(kommune_id__in=scope.kommune_ids).select_related(
        "kommune"
    )


def dispensation_reports_for(user) -> QuerySet[DispensationReport]:
    scope = scoping.scope_for(user)
    return DispensationReport.objects.filter(kommune_id__in=scope.kommune_ids).select_related("kommune")
