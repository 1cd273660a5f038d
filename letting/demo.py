"""The letting's demo: vacancies opened through ``letting.workflow`` on three of the dwellings the
allocation demo let — one ready for an offer round, one with offers out, and one more so the § 7
alternation shows. Idempotent: nothing is added when those dwellings already have vacancies."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocation.models import Lease, Vacancy

from . import workflow


def seed(*, command) -> dict[str, int]:
    counts: dict[str, int] = {}
    organisation = command.organisations.get("kattegat")
    if organisation is None:
        return counts
    dwellings = [
        lease.dwelling
        for lease in Lease.objects.filter(landlord=organisation, basis="Demodata")
        .select_related("dwelling__department")
        .order_by("dwelling__department__number", "dwelling__number")[:3]
    ]
    if not dwellings or Vacancy.objects.filter(dwelling__in=dwellings).exists():
        return counts
    caseworker = get_user_model().objects.get(username="sagsbehandler")
    today = timezone.localdate()
    opened = []
    for dwelling in dwellings:
        opened.append(
            workflow.vacancy_open(
                actor=caseworker,
                reason="Lejer har opsagt lejemålet",
                dwelling=dwelling,
                notice_date=today - datetime.timedelta(days=20),
                move_out_date=today + datetime.timedelta(days=70),
            )
        )
    counts["vacancies"] = len(opened)
    list_vacancies = [v for v in opened if v.channel == "list" and not v.internal_turn]
    if list_vacancies:
        try:
            workflow.round_open(
                actor=caseworker, reason="Tilbud til de øverste på listen", vacancy=list_vacancies[0]
            )
            counts["offer rounds"] = 1
        except ValidationError as exc:  # nobody on the lists wants it: the demo works without offers out
            command.stderr.write(f"No demo offer round: {exc}")
    return {what: n for what, n in counts.items() if n}
