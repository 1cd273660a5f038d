"""What the seniority schemes in force say, read without writing: the organisation's scheme in force
on a day, and the date an internal-list entry's seniority counts from under an R9.3 scheme
(internal seniority from the general-list date).

Below both ``registration`` (which dates a new internal entry, R9.3) and ``seniority`` (which
decides and applies the schemes and registers through ``registration``), so neither imports the
other back.
"""

from __future__ import annotations

import datetime

from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from housing.models import HousingOrganisation

from ..models import Entry, EntryStatus, ListKind, SchemeKind, SeniorityScheme


def scheme_in_force(
    *, organisation_id: int, kind: str, on: datetime.date, enabled_only: bool = True
) -> SeniorityScheme | None:
    """The organisation's latest decision of ``kind`` in force on ``on`` — or None if there is
    none, or (``enabled_only``) the latest decision abolished the scheme."""
    scheme = (
        SeniorityScheme.objects.filter(organisation_id=organisation_id, kind=kind, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if scheme is None or (enabled_only and not scheme.enabled):
        return None
    return scheme


def general_list_controllers(organisation: HousingOrganisation) -> set[int]:
    """The controllers whose general list is the organisation's: its own, or its association's."""
    return {organisation.tenant_id, organisation.list_tenant_id}


def general_dates_subquery(organisation: HousingOrganisation):
    """The person's earliest seniority date on a living entry of the organisation's general list.

    Matched by the CPR lookup hash, not the person row: when the general list is shared, its
    controller is the association and the same human is a different row there (§ 9, stk. 3
    names the general list, whoever keeps it)."""
    return Subquery(
        Entry.objects.filter(
            waiting_list__kind=ListKind.GENERAL,
            controller_id__in=general_list_controllers(organisation),
            person__cpr_hash=OuterRef("person__cpr_hash"),
        )
        .exclude(status=EntryStatus.DELETED)
        .order_by()
        .values("person__cpr_hash")
        .annotate(first=Min("seniority_date"))
        .values("first")[:1]
    )


def internal_seniority_date(*, entry: Entry, on: datetime.date | None = None) -> datetime.date:
    """The date an internal-list entry's seniority counts from on ``on`` (default today): its own
    date (registration, or andels membership R2.3–R2.4), or — with an R9.3 scheme in force — the
    person's general-list date when that is earlier (the earlier date wins)."""
    own = entry.seniority_date
    waiting_list = entry.waiting_list
    if waiting_list.kind != ListKind.INTERNAL or waiting_list.organisation_id is None:
        return own
    day = on or timezone.localdate()
    if (
        scheme_in_force(
            organisation_id=waiting_list.organisation_id, kind=SchemeKind.INTERNAL_FROM_GENERAL, on=day
        )
        is None
    ):
        return own
    organisation = waiting_list.organisation
    general = (
        Entry.objects.filter(pk=entry.pk)
        .annotate(general=general_dates_subquery(organisation))
        .values_list("general", flat=True)
        .first()
    )
    return min(own, general) if general else own
