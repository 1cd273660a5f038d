"""The rejection part of the demo world (called from ``allocation.demo.seed``).

On an open vacancy of Kattegat Bolig two decided rejections — overdue debt (R27) and a very special
case (R30), each with its decision letter — and in Hedeparken (an omdannelsesområde, formerly hårdt
ghettoområde) the mandatory
R37.1 rejection of an applicant on kontanthjælp with the organisation's request to Aarhus Kommune
for a dispensation (R37.2). Log in as ``sagsbehandler`` and open *Afvisninger*; as ``kommune`` the
dispensation waits under *Dispensationer*. Idempotent: nothing is added when a rejection exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocation.models import Vacancy, VacancyState
from allocation.services import vacancies
from housing.benefits import benefit_status_record
from housing.models import BenefitKind, BenefitSource, DwellingKind, HouseholdRelation
from rejections import dispensations
from rejections import services as rejections
from rejections.models import RejectionCase, RejectionGround
from waitinglists.models import Entry, EntryStatus

REASON = "Demodata"
SPOUSES = (HouseholdRelation.SPOUSE, HouseholdRelation.PARTNER, HouseholdRelation.COHABITANT)
SPECIAL_GROUNDS_REASONING = (
    "Ansøgeren har over for flere beboere i opgangen fremsat trusler, som politiet har registreret; "
    "en udlejning vil efter en konkret vurdering skabe utryghed i afdelingen."
)


def _entries(organisation):
    """Active list entries of the organisation's applicants (its own register or its shared list's),
    applicants without a spouse or partner first (R37.1 then asks about the applicant alone)."""
    controllers = [organisation.tenant_id, organisation.list_tenant_id]
    return (
        Entry.objects.filter(person__controller_id__in=controllers, status=EntryStatus.ACTIVE)
        .exclude(person__household_membership__household__members__relation__in=SPOUSES)
        .select_related("person")
        .order_by("pk")
    )


def seed(*, command) -> dict[str, int]:
    counts = {"rejection cases": 0, "dispensation requests": 0}
    organisation = getattr(command, "organisations", {}).get("kattegat")
    caseworker = get_user_model().objects.filter(username="sagsbehandler").first()
    if organisation is None or caseworker is None or RejectionCase.objects.exists():
        return counts
    today = timezone.localdate()
    entries = list(_entries(organisation)[:3])
    vacancy = (
        Vacancy.objects.filter(organisation=organisation, state=VacancyState.OPEN, channel="list")
        .select_related("dwelling")
        .order_by("pk")
        .first()
    )
    if vacancy is not None and len(entries) >= 2:
        debtor, threat = entries[0], entries[1]
        rejections.rejection_open(
            actor=caseworker,
            reason="Ansøgeren har gæld til boligorganisationen",
            vacancy=vacancy,
            person=debtor.person,
            entry=debtor,
            ground=RejectionGround.R27,
            reasoning="Restance fra et tidligere lejemål i Skovbrynet; ingen afdragsordning.",
            facts={
                "debt_amount": Decimal("8450.00"),
                "debt_due_date": today - datetime.timedelta(days=400),
                "debt_origin": "former",
                "debt_origin_text": "Tidligere lejemål i afdeling 101, Skovbrynet",
            },
        )
        rejections.rejection_open(
            actor=caseworker,
            reason="Ganske særligt tilfælde",
            vacancy=vacancy,
            person=threat.person,
            entry=threat,
            ground=RejectionGround.R30,
            reasoning=SPECIAL_GROUNDS_REASONING,
        )
        counts["rejection cases"] += 2
    # R37.1 in Hedeparken (department 102, on the list since 1 December 2018 — then hårdt ghettoområde,
    # since 30 November 2021 omdannelsesområde).
    dwelling = (
        organisation.departments.get(number="102")
        .dwellings.filter(kind=DwellingKind.FAMILY, lease_scope="", leases__isnull=True)
        .exclude(vacancies__state=VacancyState.OPEN)
        .order_by("number")
        .first()
        if organisation.departments.filter(number="102").exists()
        else None
    )
    applicant = entries[2] if len(entries) >= 3 else None
    if dwelling is None or applicant is None:
        return counts
    ghetto_vacancy = vacancies.vacancy_open(
        actor=caseworker,
        reason="Lejer har opsagt lejemålet",
        dwelling=dwelling,
        notice_date=today - datetime.timedelta(days=10),
        move_out_date=today + datetime.timedelta(days=80),
    )
    benefit_status_record(
        actor=caseworker,
        reason=REASON,
        person=applicant.person,
        kind=BenefitKind.KONTANTHJAELP,
        valid_from=today - datetime.timedelta(days=200),
        source=BenefitSource.KOMMUNE,
        note="Oplyst af Aarhus Kommune",
    )
    try:
        case = rejections.rejection_open(
            actor=caseworker,
            reason="Obligatorisk afvisning i omdannelsesområde (§ 37)",
            vacancy=ghetto_vacancy,
            person=applicant.person,
            entry=applicant,
            ground=RejectionGround.R37,
        )
    except ValidationError as exc:  # e.g. the applicant already lives in the department
        command.stderr.write(f"No demo R37 rejection: {exc}")
        return counts
    counts["rejection cases"] += 1
    dispensations.dispensation_request(
        actor=caseworker,
        reason="Anmodning om dispensation",
        case=case,
        request_text=(
            "Ansøgeren har fået tilbudt fast arbejde fra næste måned (§ 37, stk. 2, nr. 1); vi beder "
            "kommunen dispensere fra afvisningen."
        ),
    )
    counts["dispensation requests"] += 1
    return counts
