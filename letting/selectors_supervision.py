"""The kommune's supervision of lettings (§ 39, R39: *kommunalbestyrelsen påser i nødvendigt omfang,
at almene boligorganisationer og selvejende institutioner udlejer ledige almene boliger i
overensstemmelse med bestemmelserne i bekendtgørelsen*).

A kommune officer sees the lettings (signed leases) of dwellings in their kommune over a period:
counts per channel and rule, and each letting with organisation, department, date, channel, rule
and the applicant number — never names or CPR numbers: the organisation, not the kommune, is the
data controller of its applicants. Lettings that deserve a closer look are flagged:

* ``out_of_scope`` — let outside the letting rules (R1.1–R1.3): is the dwelling classified right?
* ``outside_unchecked`` — let outside the eligible group under a rule the system did not check
  against the lists (R14.3, R41, or R2.5/R12.3 outside list letting). R2.5 and R12.3 on a list
  vacancy are refused while anybody on the lists can take the dwelling, so those are not flagged.
* ``approval_missing`` — the letting needed the kommune's approval (R42.1 by the kommune's decision
  in force on the signing day, R12.1 for a startbolig) and none approved or lapsed is recorded for
  the tenant, or the kommune refused.
* ``no_vacancy`` — a lease without a vacancy record: not let through the letting system.

Everything is counted in the database; the page costs a fixed number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, StrIndex, Substr
from django.utils.translation import gettext_lazy as _

from allocation.models import KommuneLettingDecision, Lease, LettingChannel
from approvals.models import ApprovalRequest, ApprovalState
from housing import permissions
from rejections.models import Dispensation, DispensationState
from waitinglists.models import ListKind

FLAGS = {
    "out_of_scope": _("Let outside the letting rules (R1.1–R1.3): check the dwelling's classification."),
    "outside_unchecked": _(
        "Let outside the eligible group under a rule the system did not check against the lists."
    ),
    "approval_missing": _(
        "The letting needed the kommune's approval and none is recorded (or it was refused)."
    ),
    "no_vacancy": _("No vacancy is recorded: the dwelling was not let through the letting system."),
}

BASES = {
    "general_list": _("General waiting list (R2.1, incl. R4, R6, R8.2)"),
    "internal_list": _("Internal list (§ 7 turn, R9, R10)"),
    "needs_priority": _("Priority of elderly and disabled persons (R5)"),
    "internal_needs_priority": _("Internal priority of elderly, disabled and same department (R10)"),
    "outside_eligible": _("Letting outside the eligible group (R2.5, R12.3, R14.3, R41)"),
    LettingChannel.KOMMUNAL_ANVISNING.value: _("Kommunal anvisning (R1.4, R5.5, R1.9)"),
    LettingChannel.ADVERTISING.value: _("Letting by advertising (R1.6)"),
    LettingChannel.FLEXIBLE.value: _("Flexible letting (R1.7)"),
    LettingChannel.REHOUSING.value: _("Rehousing (R1.5)"),
    LettingChannel.OUT_OF_SCOPE.value: _("Outside the letting rules (R1.1–R1.3)"),
    "no_vacancy": _("No vacancy recorded"),
}

CHECKED_FALLBACKS = ("R2.5", "R12.3")  # refused by the system while the lists are not empty


@dataclass(frozen=True)
class Period:
    kommune_ids: frozenset[int]
    date_from: datetime.date
    date_to: datetime.date


def officer_kommune_ids(user) -> frozenset[int]:
    """The kommuner the user supervises; anybody else (caseworkers too) is refused."""
    permissions.require_kommune_officer(user)
    return permissions.officer_kommune_ids(user)


def _decision(field: str) -> Coalesce:
    """The kommune's decision in force on the signing day (R42.1)."""
    latest = (
        KommuneLettingDecision.objects.filter(
            kommune_id=OuterRef("dwelling__department__kommune_id"), valid_from__lte=OuterRef("signed_on")
        )
        .order_by("-valid_from")
        .values(field)[:1]
    )
    return Coalesce(Subquery(latest, output_field=BooleanField()), Value(False))


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def lettings(user, *, period: Period) -> QuerySet[Lease]:
    """The leases signed in the period for dwellings in the officer's kommune(s), annotated with
    channel, rule, basis and flags. ``period.kommune_ids`` must be within the user's kommuner."""
    allowed = officer_kommune_ids(user)
    kommune_ids = period.kommune_ids & allowed
    approvals = ApprovalRequest.objects.filter(
        vacancy_id=OuterRef("vacancy_id"), person_id=OuterRef("person_id")
    )
    allowed_approval = Exists(approvals.filter(state__in=[ApprovalState.APPROVED, ApprovalState.LAPSED]))
    refused = Exists(approvals.filter(state=ApprovalState.REFUSED))
    lapsed = Exists(approvals.filter(state=ApprovalState.LAPSED))
    dispensation = Exists(
        Dispensation.objects.filter(
            vacancy_id=OuterRef("vacancy_id"),
            person_id=OuterRef("person_id"),
            state=DispensationState.GRANTED,
        )
    )
    offer_rule = F("offer__rule")
    needs_approval = Q(
        channel__in=[LettingChannel.LIST, LettingChannel.ADVERTISING, LettingChannel.FLEXIBLE]
    ) & (
        Q(dwelling__kind="family", approves_family=True)
        | Q(dwelling__kind="youth", approves_youth=True)
        | Q(dwelling__kind="youth", dwelling__youth_kind="startbolig")
    )
    return (
        Lease.objects.filter(
            dwelling__department__kommune_id__in=kommune_ids,
            signed_on__gte=period.date_from,
            signed_on__lte=period.date_to,
        )
        .annotate(
            channel=Coalesce(F("vacancy__channel"), Value("no_vacancy")),
            fallback=Coalesce(F("vacancy__fallback_rule"), Value("")),
            approves_family=_decision("approves_each_letting"),
            approves_youth=_decision("approves_each_youth_letting"),
            approval_allowed=allowed_approval,
            approval_refused=refused,
        )
        .annotate(
            rule=Case(
                When(vacancy__isnull=True, then=Value("")),
                When(~Q(fallback=""), then=F("fallback")),
                When(offer__isnull=False, then=offer_rule),
                When(
                    vacancy__channel_reason__startswith="R",
                    then=Substr(
                        "vacancy__channel_reason", 1, StrIndex("vacancy__channel_reason", Value(":")) - 1
                    ),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            letting_basis=Case(
                When(vacancy__isnull=True, then=Value("no_vacancy")),
                When(~Q(fallback=""), then=Value("outside_eligible")),
                When(offer__rule__startswith="R5", then=Value("needs_priority")),
                When(offer__rule__startswith="R10", then=Value("internal_needs_priority")),
                When(offer__entry__waiting_list__kind=ListKind.INTERNAL, then=Value("internal_list")),
                When(channel=LettingChannel.LIST, then=Value("general_list")),
                default=F("channel"),
                output_field=CharField(),
            ),
            approval_lapsed=lapsed,
            benefit_dispensation=dispensation,
            flag_out_of_scope=_flag(Q(channel=LettingChannel.OUT_OF_SCOPE)),
            flag_outside_unchecked=_flag(
                ~Q(fallback="") & ~Q(fallback__in=CHECKED_FALLBACKS, channel=LettingChannel.LIST)
            ),
            flag_approval_missing=_flag(
                (needs_approval | Q(approval_refused=True)) & Q(approval_allowed=False)
            ),
            flag_no_vacancy=_flag(Q(vacancy__isnull=True)),
        )
        .select_related("landlord", "dwelling__department", "person")
        .only(
            "signed_on",
            "starts_on",
            "landlord__name",
            "dwelling__number",
            "dwelling__department__number",
            "dwelling__department__name",
            "person__applicant_number",
            "vacancy_id",
            "offer_id",
        )
        .order_by("-signed_on", "-pk")
    )


FLAG_FIELDS = ("flag_out_of_scope", "flag_outside_unchecked", "flag_approval_missing", "flag_no_vacancy")


def summary(queryset: QuerySet[Lease]) -> dict:
    """Counts over the period in one query."""
    flagged = Q()
    for field in FLAG_FIELDS:
        flagged |= Q(**{field: True})
    return queryset.order_by().aggregate(
        total=Count("pk"),
        internal_turn=Count("pk", filter=Q(vacancy__internal_turn=True)),
        needs_priority=Count("pk", filter=Q(letting_basis="needs_priority")),
        internal_needs_priority=Count("pk", filter=Q(letting_basis="internal_needs_priority")),
        outside_eligible=Count("pk", filter=Q(letting_basis="outside_eligible")),
        approvals_lapsed=Count("pk", filter=Q(approval_lapsed=True)),
        dispensations=Count("pk", filter=Q(benefit_dispensation=True)),
        flagged=Count("pk", filter=flagged),
    )


def by_channel_and_rule(queryset: QuerySet[Lease]) -> list[dict]:
    """Counts per channel, basis and rule, grouped in the database."""
    rows = list(
        queryset.order_by()
        .values("channel", "letting_basis", "rule")
        .annotate(count=Count("pk"))
        .order_by("channel", "letting_basis", "rule")
    )
    channels = dict(LettingChannel.choices) | {"no_vacancy": BASES["no_vacancy"]}
    for row in rows:
        row["channel_label"] = channels.get(row["channel"], row["channel"])
        row["basis"] = row.pop("letting_basis")
        row["basis_label"] = BASES.get(row["basis"], row["basis"])
    return rows


def letting_flags(lease: Lease) -> list[str]:
    return [FLAGS[field.removeprefix("flag_")] for field in FLAG_FIELDS if getattr(lease, field)]
