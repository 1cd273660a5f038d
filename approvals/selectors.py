"""Reads of the kommune approvals, scoped to the acting user through ``housing.scoping``: the
officer's queue with its countdowns, the recent decisions, one request, a vacancy's requests, and
the facts that decide whether a letting needs the kommune's approval (``letting_facts``).

* A kommune officer sees the requests to their kommune(s); the organisation's staff (its data
  controller) see their own. Everybody else sees none.
* The kommune's own closing days are shown beside a deadline as information only: they never move
  it (R42.3; the deadline is counted by ``housing.deadlines``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from allocation.models import Vacancy, VacancyState
from allocation.services.policies import kommune_decision_in_force
from approvals import rules
from approvals.models import ApprovalRequest, ApprovalState, YouthReversion
from housing import permissions, scoping
from housing.models import AreaStatusKind, DepartmentAreaStatus, Person
from housing.models.closing_days import KommuneClosingDay


def visible_requests(user) -> QuerySet[ApprovalRequest]:
    """Requests the user may see: a kommune officer those to their kommune(s), the organisation's
    staff (its data controller) their own. Everybody else none."""
    scope = scoping.scope_for(user)
    if not scope.kommune_ids and not scope.tenant_ids:
        return ApprovalRequest.objects.none()
    return ApprovalRequest.objects.filter(
        Q(kommune_id__in=scope.kommune_ids) | Q(controller_id__in=scope.tenant_ids)
    )


@dataclass
class QueueRow:
    """One pending request in the kommune's queue. ``closing_days`` are the kommune's own closing
    days between receipt and the deadline: shown as information, they do not move the deadline."""

    request: ApprovalRequest
    days_left: int
    closing_days: list[datetime.date] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def lapses(self) -> bool:
        """R42.3: whether the request counts as approved when the deadline has passed."""
        return rules.lapses_into_approval(self.request.grounds)


def _closing_days_by_kommune(kommune_ids: set[int], start: datetime.date, end: datetime.date) -> dict:
    found: dict[int, set[datetime.date]] = {k: set() for k in kommune_ids}
    rows = KommuneClosingDay.objects.filter(kommune_id__in=kommune_ids, day__gte=start, day__lte=end)
    for kommune_id, day in rows.values_list("kommune_id", "day"):
        found[kommune_id].add(day)
    return found


def kommune_queue(user, *, today: datetime.date | None = None) -> list[QueueRow]:
    """The kommune officer's pending requests, the earliest deadline first, each with its
    countdown in hverdage (negative: calendar days overdue) and the kommune's closing days in the
    period (information only). An overdue request that does not lapse into approval (R12.1,
    R12.4/R14.4, R36.1) stays here, marked overdue. Three queries, however many rows."""
    today = today or timezone.localdate()
    kommune_ids = scoping.scope_for(user).kommune_ids
    if not kommune_ids:
        return []
    requests = list(
        waiting_for_officer(user)
        .select_related("vacancy__dwelling__department", "organisation", "person", "kommune")
        .order_by("deadline", "pk")
    )
    if not requests:
        return []
    first = min(r.received_on for r in requests)
    last = max(r.deadline for r in requests)
    closing = _closing_days_by_kommune({r.kommune_id for r in requests}, first, last)
    return [
        QueueRow(
            r,
            rules.working_days_left(today=today, deadline=r.deadline),
            sorted(d for d in closing[r.kommune_id] if r.received_on < d <= r.deadline),
        )
        for r in requests
    ]


def recent_decisions(user, *, limit: int = 20) -> QuerySet[ApprovalRequest]:
    kommune_ids = scoping.scope_for(user).kommune_ids
    return (
        ApprovalRequest.objects.filter(kommune_id__in=kommune_ids)
        .exclude(state=ApprovalState.PENDING)
        .select_related("vacancy__dwelling", "organisation", "person")
        .order_by("-decided_on", "-pk")[:limit]
    )


def waiting_for_officer(user) -> QuerySet[ApprovalRequest]:
    """The pending requests to the officer's kommune(s) — the rows of ``kommune_queue``, for the
    officer's *Mine opgaver*. None for everybody else."""
    kommune_ids = scoping.scope_for(user).kommune_ids
    if not kommune_ids:
        return ApprovalRequest.objects.none()
    return ApprovalRequest.objects.filter(
        kommune_id__in=kommune_ids, state=ApprovalState.PENDING, vacancy__state=VacancyState.OPEN
    )


def waiting_count(user) -> int:
    """For the kommune officer's dashboard: pending requests to their kommune(s)."""
    return waiting_for_officer(user).count()


def request_detail(*, user, pk: int) -> ApprovalRequest:
    """One request the user may see (raises ``ApprovalRequest.DoesNotExist`` otherwise)."""
    return (
        visible_requests(user)
        .select_related(
            "vacancy__dwelling__department__kommune",
            "organisation",
            "person",
            "kommune",
            "offer__round",
            "decided_by",
            "applicant_letter",
        )
        .get(pk=pk)
    )


def vacancy_requests(user, vacancy: Vacancy) -> list[ApprovalRequest]:
    """The requests of one vacancy for its page (the caseworker sees the state)."""
    return list(
        visible_requests(user).filter(vacancy=vacancy).select_related("person", "kommune").order_by("pk")
    )


def is_officer_for(user, request: ApprovalRequest) -> bool:
    """The kommune the request went to decides it (``housing.permissions``)."""
    return permissions.can_act_for_kommune(user, request.kommune_id)


def countdown(request: ApprovalRequest, *, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return rules.working_days_left(today=today, deadline=request.deadline)


def closing_days_in_period(request: ApprovalRequest) -> list[KommuneClosingDay]:
    """The kommune's closing days after receipt up to the deadline — shown beside the deadline as
    information; a closing day is still a hverdag and does not move it (R42.3)."""
    return list(
        KommuneClosingDay.objects.filter(
            kommune_id=request.kommune_id, day__gt=request.received_on, day__lte=request.deadline
        ).order_by("day")
    )


def applicant_for(*, vacancy: Vacancy, applicant_number: str) -> Person | None:
    """The applicant with this number in the organisation's register or its shared list's."""
    number = (applicant_number or "").strip()
    if not number:
        return None
    organisation = vacancy.organisation
    return Person.objects.filter(
        controller_id__in=[vacancy.controller_id, organisation.list_tenant_id], applicant_number=number
    ).first()


def youth_reversion_in_force(*, dwelling_id: int, day: datetime.date) -> YouthReversion | None:
    """The kommune's R12.5 decision that the youth dwelling is let as a youth dwelling again."""
    return YouthReversion.objects.filter(dwelling_id=dwelling_id, valid_from__lte=day).first()


# --- When approval is needed --------------------------------------------------------------------


def _in_listed_area(department_id: int, day: datetime.date) -> bool:
    """The department is in an area on the ministry's list (R35, § 51 b) on the day."""
    return (
        DepartmentAreaStatus.objects.filter(
            department_id=department_id, kind=AreaStatusKind.HIGH_OUTSIDE_LABOUR, valid_from__lte=day
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .exists()
    )


def letting_facts(vacancy: Vacancy, *, day: datetime.date, let_as: str = "") -> rules.LettingFacts:
    """The facts of the letting that ``rules.approval_grounds`` reads: the dwelling, the channel,
    the area's status on the ministry's list and the kommune's decisions in force on ``day``."""
    dwelling = vacancy.dwelling
    department = dwelling.department
    decision = kommune_decision_in_force(kommune_id=department.kommune_id, day=day)
    return rules.LettingFacts(
        dwelling_kind=dwelling.kind,
        youth_kind=dwelling.youth_kind or "",
        owner_kind=dwelling.owner_kind,
        far_reaching_fitted=dwelling.fitted_far_reaching_disability,
        let_as=let_as,
        channel=vacancy.channel,
        in_listed_area=_in_listed_area(department.pk, day),
        approves_family=bool(decision and decision.approves_each_letting),
        approves_youth=bool(decision and decision.approves_each_youth_letting),
        combined_letting=bool(decision and decision.combined_letting),
    )
