"""Reads of the elder-housing app, scoped to the acting kommune officer (``housing.scoping``).

The kommune is the data controller of its citizens' needs decisions and general-list entries: a
user sees the rows of kommuner they are an officer of (and whose tenant they are a member of), and
nothing else. Each page costs a fixed number of queries, however many elders are listed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from housing import permissions, scoping
from housing.models import Kommune

from .models import (
    DeadlineWarning,
    ElderOffer,
    ElderOfferState,
    ElderVacancy,
    ElderVacancyState,
    GuaranteeEntry,
    GuaranteePeriod,
    GuaranteeState,
    NeedDecision,
    NeedState,
)
from .rules.deadlines import quarter_bounds


def officer_kommuner(user) -> QuerySet[Kommune]:
    scope = scoping.scope_for(user)
    return Kommune.objects.filter(pk__in=scope.kommune_ids, tenant_id__in=scope.tenant_ids).order_by("name")


def is_officer(user) -> bool:
    return permissions.is_kommune_officer(user)


def need_decisions_for(user) -> QuerySet[NeedDecision]:
    scope = scoping.scope_for(user)
    return NeedDecision.objects.filter(kommune_id__in=scope.kommune_ids, controller_id__in=scope.tenant_ids)


def need_decision_list(user, *, state: str = NeedState.IN_FORCE) -> QuerySet[NeedDecision]:
    """The decisions in force (or of ``state``), newest first, without the assessment columns."""
    decisions = need_decisions_for(user).select_related("person", "kommune")
    if state:
        decisions = decisions.filter(state=state)
    return decisions.defer("assessment_notes").order_by("-decided_on", "-pk")


def need_history(decision: NeedDecision) -> list[NeedDecision]:
    """All decisions of the decision's citizen, newest first (the citizen's visitation history)."""
    return list(
        NeedDecision.objects.filter(person_id=decision.person_id, kommune_id=decision.kommune_id)
        .select_related("decided_by")
        .order_by("-decided_on", "-pk")
    )


def guarantee_entries_for(user) -> QuerySet[GuaranteeEntry]:
    scope = scoping.scope_for(user)
    return GuaranteeEntry.objects.filter(kommune_id__in=scope.kommune_ids, controller_id__in=scope.tenant_ids)


def breached_periods(kommune_ids, *, today: datetime.date) -> QuerySet[GuaranteePeriod]:
    """Periods whose guarantee was broken (R16): the deadline passed with no offer (and the entry
    had not left the list before it), an offer made after the deadline, or a dwelling offered that
    was not ready to move into by ``ready_by`` (R16.2)."""
    no_offer = Q(offered_on__isnull=True, deadline__lt=today) & (
        Q(closed_on__isnull=True) | Q(closed_on__gt=F("deadline"))
    )
    late_offer = Q(offered_on__isnull=False, offered_on__gt=F("deadline"))
    not_ready = Q(offered_ready_on__isnull=False, offered_ready_on__gt=F("ready_by"))
    return GuaranteePeriod.objects.filter(kommune_id__in=kommune_ids).filter(
        no_offer | late_offer | not_ready
    )


@dataclass
class DashboardStats:
    waiting: int
    overdue: int
    due_soon: int
    breaches_quarter: int
    breaches_year: int
    quarter_start: datetime.date
    year: int


def guarantee_dashboard(user, *, today: datetime.date, warning_days: int = 14):
    """The general list of the officer's kommuner for the dashboard: the rows (earliest deadline
    first, each with ``has_pending_offer``), the figures, and the latest warnings of the daily job."""
    kommune_ids = list(scoping.scope_for(user).kommune_ids)
    entries = (
        guarantee_entries_for(user)
        .filter(state=GuaranteeState.WAITING)
        .select_related("person", "kommune")
        .only(
            "pk",
            "deadline",
            "ready_by",
            "admitted_on",
            "clock_started_on",
            "refusals",
            "reassessment_due",
            "kommune__name",
            "person__first_name",
            "person__last_name",
            "person__applicant_number",
            "person__birth_date",
        )
        .annotate(
            has_pending_offer=Exists(
                ElderOffer.objects.filter(guarantee_entry_id=OuterRef("pk"), state=ElderOfferState.PENDING)
            )
        )
        .order_by("deadline", "pk")
    )
    soon = today + datetime.timedelta(days=warning_days)
    counts = guarantee_entries_for(user).aggregate(
        waiting=Count("pk", filter=Q(state=GuaranteeState.WAITING)),
        overdue=Count("pk", filter=Q(state=GuaranteeState.WAITING, deadline__lt=today)),
        due_soon=Count("pk", filter=Q(state=GuaranteeState.WAITING, deadline__gte=today, deadline__lte=soon)),
    )
    quarter_start, _quarter_end = quarter_bounds(today)
    year_start = datetime.date(today.year, 1, 1)
    breaches = (
        breached_periods(kommune_ids, today=today)
        .filter(deadline__gte=year_start, deadline__lte=today)
        .aggregate(year=Count("pk"), quarter=Count("pk", filter=Q(deadline__gte=quarter_start)))
    )
    stats = DashboardStats(
        waiting=counts["waiting"],
        overdue=counts["overdue"],
        due_soon=counts["due_soon"],
        breaches_quarter=breaches["quarter"],
        breaches_year=breaches["year"],
        quarter_start=quarter_start,
        year=today.year,
    )
    warnings = list(
        DeadlineWarning.objects.filter(
            kommune_id__in=kommune_ids, warned_on__gte=today - datetime.timedelta(days=7)
        )
        .filter(entry__state=GuaranteeState.WAITING, entry__deadline=F("deadline"))
        .select_related("entry__person")
        .order_by("deadline", "pk")[:20]
    )
    return entries, stats, warnings


def waiting_count(user) -> int:
    """For the dashboard card and the menu: elders on the general list of the officer's kommuner."""
    scope = scoping.scope_for(user)
    if not scope.kommune_ids:
        return 0
    return guarantee_entries_for(user).filter(state=GuaranteeState.WAITING).count()


def breach_report_rows(user, *, year: int, today: datetime.date) -> list[GuaranteePeriod]:
    kommune_ids = list(scoping.scope_for(user).kommune_ids)
    return list(
        breached_periods(kommune_ids, today=today)
        .filter(
            deadline__gte=datetime.date(year, 1, 1), deadline__lte=min(today, datetime.date(year, 12, 31))
        )
        .select_related("entry__person", "kommune", "entry__need_decision")
        .order_by("deadline", "pk")
    )


def entry_detail(user, pk: int) -> GuaranteeEntry:
    return (
        guarantee_entries_for(user)
        .select_related("person", "kommune", "need_decision", "end_letter")
        .get(pk=pk)
    )


def entry_periods(entry: GuaranteeEntry) -> list[GuaranteePeriod]:
    return list(entry.periods.order_by("number"))


def vacancies_for(user) -> QuerySet[ElderVacancy]:
    scope = scoping.scope_for(user)
    return ElderVacancy.objects.filter(kommune_id__in=scope.kommune_ids, controller_id__in=scope.tenant_ids)


def open_vacancies(user) -> QuerySet[ElderVacancy]:
    return (
        vacancies_for(user)
        .filter(state=ElderVacancyState.OPEN)
        .select_related("dwelling__department__organisation", "kommune")
        .annotate(
            pending_offer=Exists(
                ElderOffer.objects.filter(vacancy_id=OuterRef("pk"), state=ElderOfferState.PENDING)
            )
        )
        .order_by("vacant_from", "pk")
    )


def vacancy_detail(user, pk: int) -> ElderVacancy:
    return (
        vacancies_for(user)
        .select_related("dwelling__department__organisation", "kommune__tenant", "opened_by")
        .get(pk=pk)
    )


def vacancy_offers(vacancy: ElderVacancy) -> list[ElderOffer]:
    return list(
        ElderOffer.objects.filter(vacancy=vacancy)
        .select_related("person", "offer_letter", "decision_letter")
        .order_by("offered_on", "pk")
    )


def pending_guarantee_offer(decision: NeedDecision) -> ElderOffer | None:
    """The offer under § 16 (from the general list, fulfilling the guarantee) awaiting the answer of
    the elder whose decision is changed: R18 turns on whether it was received before the change."""
    return (
        ElderOffer.objects.filter(
            guarantee_entry__need_decision=decision,
            guarantee_entry__state=GuaranteeState.WAITING,
            state=ElderOfferState.PENDING,
            meets_guarantee=True,
        )
        .select_related("vacancy__dwelling", "offer_letter")
        .order_by("offered_on", "pk")
        .first()
    )
