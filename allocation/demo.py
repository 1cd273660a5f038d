"""The letting part of the demo world (called by ``manage.py seed_demo``).

Per organisation: its letting decisions (offer rounds of 3 with 7 days to answer; Boligforeningen
Kattegat issues boliggarantibeviser), and for an organisation with youth dwellings its written
letting guidelines (§ 12, stk. 2, R12.2) with three priority groups. For Boligforeningen Kattegat:
current leases for a few of its own tenants (``letting.demo`` then opens vacancies on three of the
dwellings through the workflow).
Idempotent: nothing is added when the organisation already has vacancies (or a youth guideline).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from housing.audit import audited_save
from housing.models import Dwelling, DwellingKind, Person

from .models import Lease, OrganisationLettingPolicy, Vacancy, YouthLettingGuideline, YouthPriorityGroup

REASON = "Demodata"


def _policies(command) -> int:
    created = 0
    for key, organisation in command.organisations.items():
        if OrganisationLettingPolicy.objects.filter(organisation=organisation).exists():
            continue
        audited_save(
            OrganisationLettingPolicy(
                organisation=organisation,
                valid_from=datetime.date(2024, 1, 1),
                decided_on=datetime.date(2023, 11, 15),
                issues_housing_guarantees=key == "kattegat",
                housing_guarantee_terms=(
                    "Boliggarantibevis gives ved fraflytning efter helhedsplanens renovering."
                ),
                offer_round_size=3,
                answer_days=7,
                passive_after_unanswered=3,
            ),
            actor=command.system,
            reason=REASON,
        )
        created += 1
    return created


# § 12, stk. 2: the guideline weighs educational, economic and social circumstances.
YOUTH_GUIDELINE_TEXT = (
    "Ungdomsboligerne udlejes efter disse retningslinjer, jf. § 12, stk. 2, i bekendtgørelse om udlejning "
    "af almene boliger. 1) Studerende på en mellemlang eller lang videregående uddannelse med en "
    "dokumenteret årsindkomst under 150.000 kr. 2) Unge med dokumenterede sociale forhold, der gør en "
    "ungdomsbolig særlig påkrævet. 3) Øvrige unge under uddannelse. Inden for hver gruppe går den, der har "
    "stået længst på ungdomsboliglisten, forud. Unge med et særligt behov, der ikke falder i en gruppe, "
    "kommer derefter efter anciennitet."
)
YOUTH_GROUPS = (
    ("Studerende med lav indkomst", ["medium_higher", "long_higher"], 150000, False),
    ("Dokumenteret socialt behov", [], None, True),
    (
        "Øvrige under uddannelse",
        ["youth_education", "vocational", "short_higher", "medium_higher", "long_higher", "other"],
        None,
        False,
    ),
)


def _youth_guidelines(command) -> int:
    """One guideline per organisation with ordinary or relabelled youth dwellings, unless it has one."""
    created = 0
    for organisation in command.organisations.values():
        has_youth = (
            Dwelling.objects.filter(department__organisation=organisation, kind=DwellingKind.YOUTH)
            .exclude(youth_kind="startbolig")
            .exists()
        )
        if not has_youth or YouthLettingGuideline.objects.filter(organisation=organisation).exists():
            continue
        guideline = audited_save(
            YouthLettingGuideline(
                organisation=organisation,
                valid_from=datetime.date(2024, 1, 1),
                decided_on=datetime.date(2023, 11, 15),
                title="Retningslinjer for udlejning af ungdomsboliger",
                text=YOUTH_GUIDELINE_TEXT,
                kommune_rules="Kommunen har ikke fastsat nærmere regler (§ 12, stk. 2, 2. pkt.).",
            ),
            actor=command.system,
            reason=REASON,
        )
        for position, (name, levels, income_below, social_need) in enumerate(YOUTH_GROUPS, start=1):
            audited_save(
                YouthPriorityGroup(
                    guideline=guideline,
                    position=position,
                    name=name,
                    education_levels=levels,
                    income_below=income_below,
                    social_need=social_need,
                ),
                actor=command.system,
                reason=REASON,
            )
        created += 1
    return created


def seed(*, command) -> dict[str, int]:
    counts = _seed(command)
    counts["youth letting guidelines"] = _youth_guidelines(command)
    return {what: n for what, n in counts.items() if n}


def _seed(command) -> dict[str, int]:
    counts = {"letting decisions": _policies(command)}
    organisation = command.organisations.get("kattegat")
    if organisation is None or Vacancy.objects.filter(organisation=organisation).exists():
        return counts
    caseworker = get_user_model().objects.get(username="sagsbehandler")
    dwellings = list(
        Dwelling.objects.filter(
            department__organisation=organisation, kind=DwellingKind.FAMILY, lease_scope=""
        )
        .select_related("department")
        .order_by("department__number", "number")[:8]
    )
    # Demo tenants: the newest persons of the organisation's register or of its shared list's.
    controllers = [organisation.tenant_id]
    if organisation.shared_list_id:
        controllers.append(organisation.shared_list.tenant_id)
    tenants = list(Person.objects.filter(controller_id__in=controllers).order_by("-pk")[: len(dwellings)])
    leases = 0
    for dwelling, person in zip(dwellings, tenants, strict=False):
        audited_save(
            Lease(
                dwelling=dwelling,
                landlord=organisation,
                controller=organisation.tenant,
                person=person,
                basis="Demodata",
                signed_on=datetime.date(2016, 3, 1),
                starts_on=datetime.date(2016, 4, 1),
                signed_by=caseworker,
            ),
            actor=command.system,
            reason=REASON,
        )
        leases += 1
    counts["leases"] = leases
    return counts
