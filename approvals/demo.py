"""The kommune-approval part of the demo world (called from ``allocation.demo.seed``).

Aarhus Kommune gets a closing day (the bridge day after Kristi himmelfartsdag — shown beside a
deadline, never moving it) and two startbolig lettings waiting for its approval (R12.1): one
received today (5 working days left) and one received three weeks ago, which stays in the queue
marked overdue (a startbolig approval never lapses into approval, R42.3). Log in as ``kommune``
and open *Godkendelse af udlejning*. Idempotent: nothing is added when a request exists.
"""

from __future__ import annotations

import datetime

import holidays
from django.contrib.auth import get_user_model
from django.utils import timezone

from allocation.models import Vacancy, VacancyState
from allocation.services import vacancies
from approvals import services as approvals
from approvals.models import ApprovalRequest
from housing import scoping
from housing.audit import audited_save
from housing.models import Dwelling, DwellingKind, KommuneClosingDay, Person, YouthKind

REASON = "Demodata"


def _bridge_days(year: int) -> list[datetime.date]:
    """The Friday after Kristi himmelfartsdag: a hverdag many kommuner keep closed."""
    ascension = [d for d, name in holidays.country_holidays("DK", years=year).items() if "Ascension" in name]
    return [d + datetime.timedelta(days=1) for d in ascension]


def seed(*, command) -> dict[str, int]:
    counts = {"kommune closing days": 0, "approval requests": 0}
    aarhus = command.kommuner.get("0751") if hasattr(command, "kommuner") else None
    if aarhus is None:
        return counts
    today = timezone.localdate()
    for day in _bridge_days(today.year):
        if not KommuneClosingDay.objects.filter(kommune=aarhus, day=day).exists():
            audited_save(
                KommuneClosingDay(kommune=aarhus, day=day, note="Kommunens lukkedag (bro-dag)"),
                actor=command.system,
                reason=REASON,
            )
            counts["kommune closing days"] += 1
    if ApprovalRequest.objects.exists():
        return counts
    caseworker = get_user_model().objects.filter(username="sagsbehandler").first()
    if caseworker is None:
        return counts
    writable = scoping.scope_for(caseworker).writable_organisation_ids
    dwellings = list(
        Dwelling.objects.filter(
            department__kommune=aarhus,
            department__organisation_id__in=writable,
            kind=DwellingKind.YOUTH,
            youth_kind=YouthKind.STARTBOLIG,
            lease_scope="",
        )
        .exclude(vacancies__state=VacancyState.OPEN)
        .select_related("department__organisation")
        .order_by("pk")[:2]
    )
    for dwelling, received in zip(dwellings, (today, today - datetime.timedelta(days=21)), strict=False):
        organisation = dwelling.department.organisation
        person = (
            Person.objects.filter(controller_id__in=[organisation.tenant_id, organisation.list_tenant_id])
            .order_by("pk")
            .first()
        )
        if person is None:
            continue
        vacancy: Vacancy = vacancies.vacancy_open(
            actor=caseworker,
            reason="Lejer har opsagt lejemålet",
            dwelling=dwelling,
            notice_date=today - datetime.timedelta(days=40),
            move_out_date=today + datetime.timedelta(days=30),
        )
        if approvals.request_if_needed(
            actor=caseworker,
            reason="Startbolig: til kommunens godkendelse",
            vacancy=vacancy,
            person=person,
            day=received,
        ):
            counts["approval requests"] += 1
    return counts
