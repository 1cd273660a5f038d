"""The letting's demo: vacancies opened through ``letting.workflow`` on three of the dwellings the
allocation demo let — one ready for an offer round, one with offers out, and one more so the § 7
alternation shows. Idempotent: nothing is added when those dwellings already have vacancies.

Then work for *Mine opgaver* (``letting.worklist``), dated relative to today, each step through the
services with the caseworker (or the auditor) and a reason: on more of those dwellings an offer
round past its answer deadline (to be closed) and a round won (a lease to sign, R1.10); and in
Boligforeningen Kattegat's department Hedeparken, let by advertising by a department agreement with
Aarhus Kommune (R1.6), an advert whose deadline for written interest passed two days ago with three
qualified applicants — lots for the auditor (``revisor``) to draw (R38.3)."""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocation.models import (
    Advert,
    AgreementKind,
    Answer,
    Lease,
    LettingAgreement,
    LettingChannel,
    Vacancy,
    VacancyState,
)
from allocation.services import adverts, offers
from housing import cpr
from housing import services as housing_services
from housing.audit import audited_save
from housing.models import (
    Department,
    Dwelling,
    DwellingKind,
    Household,
    HouseholdMember,
    HouseholdRelation,
    Person,
)

from . import workflow

REASON = "Demodata"
ADVERT_DEPARTMENT = "102"  # Hedeparken, Boligforeningen Kattegat, Aarhus
# The applicants who answer the advert: (first name, last name, birth date, CPR number's last four).
ADVERT_APPLICANTS = (
    ("Sofie", "Winther", datetime.date(1991, 5, 17), "1284"),
    ("Jonas", "Thygesen", datetime.date(1987, 9, 2), "1137"),
    ("Amalie", "Kragh", datetime.date(1995, 1, 28), "2046"),
)


def seed(*, command) -> dict[str, int]:
    organisation = command.organisations.get("kattegat")
    if organisation is None:
        return {}
    caseworker = get_user_model().objects.get(username="sagsbehandler")
    today = timezone.localdate()
    counts: Counter[str] = Counter()
    counts.update(_first_vacancies(command, organisation, caseworker, today))
    counts.update(_rounds(command, organisation, caseworker, today))
    counts.update(_advert(command, organisation, caseworker, today))
    return {what: n for what, n in counts.items() if n}


def _first_vacancies(command, organisation, caseworker, today: datetime.date) -> dict[str, int]:
    counts: dict[str, int] = {}
    dwellings = [
        lease.dwelling
        for lease in Lease.objects.filter(landlord=organisation, basis="Demodata")
        .select_related("dwelling__department")
        .order_by("dwelling__department__number", "dwelling__number")[:3]
    ]
    if not dwellings or Vacancy.objects.filter(dwelling__in=dwellings).exists():
        return counts
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
    return counts


def _rounds(command, organisation, caseworker, today: datetime.date) -> dict[str, int]:
    """On four more of the dwellings the allocation demo let: vacancies opened through the workflow;
    on the first one let from the general lists (not the internal list's turn, § 7) a round opened
    ten days ago, now past its answer deadline; on the next one a round whose best-ranked applicant
    accepted, closed — the lease is to be signed. The others stay open for an offer round."""
    dwellings = [
        lease.dwelling
        for lease in Lease.objects.filter(landlord=organisation, basis="Demodata")
        .select_related("dwelling__department")
        .order_by("dwelling__department__number", "dwelling__number")[3:7]
    ]
    if not dwellings or Vacancy.objects.filter(dwelling__in=dwellings).exists():
        return {}
    counts = {"vacancies": 0, "offer rounds": 0}
    opened = []
    for dwelling in dwellings:
        opened.append(
            workflow.vacancy_open(
                actor=caseworker,
                reason="Lejer har opsagt lejemålet",
                dwelling=dwelling,
                notice_date=today - datetime.timedelta(days=45),
                move_out_date=today + datetime.timedelta(days=15),
            )
        )
        counts["vacancies"] += 1
    from_the_lists = [v for v in opened if v.channel == LettingChannel.LIST and not v.internal_turn]
    steps = (_round_past_deadline, _round_won)
    for vacancy, step in zip(from_the_lists, steps, strict=False):
        try:
            step(caseworker, vacancy, today)
        except ValidationError as exc:  # nobody on the lists for it: the demo works without
            command.stderr.write(f"No demo offer round for {vacancy.dwelling}: {exc}")
            continue
        counts["offer rounds"] += 1
    return counts


def _round_past_deadline(caseworker, vacancy: Vacancy, today: datetime.date) -> None:
    workflow.round_open(
        actor=caseworker,
        reason="Tilbud til de øverste på listen",
        vacancy=vacancy,
        day=today - datetime.timedelta(days=10),
    )


def _round_won(caseworker, vacancy: Vacancy, today: datetime.date) -> None:
    offer_round = workflow.round_open(
        actor=caseworker,
        reason="Tilbud til de øverste på listen",
        vacancy=vacancy,
        day=today - datetime.timedelta(days=3),
    )
    offers.offer_answer(
        actor=caseworker,
        reason="Ansøgeren har takket ja telefonisk",
        offer=offer_round.offers.get(rank=1),
        answer=Answer.ACCEPTED,
    )
    workflow.round_close(
        actor=caseworker, reason="Den bedst placerede har takket ja", offer_round=offer_round
    )


@contextlib.contextmanager
def _as_of(day: datetime.date):
    """The steps taken on ``day``: the services read "today" from ``timezone.localdate`` and check
    every date against it (an advert's deadline is never in the past when it is put up)."""
    with mock.patch.object(timezone, "localdate", lambda *args, **kwargs: day):
        yield


def _applicant(command, tenant, first_name: str, last_name: str, number: str, index: int) -> Person:
    """An applicant in the organisation's own register (the lottery's published list names
    applicants by their number there), in a household of their own — made as the seed makes every
    demo person: by the system user, with the demo reason."""
    person = Person(
        controller=tenant,
        first_name=first_name,
        last_name=last_name,
        address_line=f"Søndergade {index + 11}",
        postal_code="8000",
        city="Aarhus C",
    )
    person.set_cpr(number)
    person.applicant_number = (
        f"{housing_services.reserve_numbers(tenant_id=tenant.pk, series='applicant'):07d}"
    )
    audited_save(person, actor=command.system, reason=REASON)
    household = audited_save(Household(controller=tenant), actor=command.system, reason=REASON)
    audited_save(
        HouseholdMember(household=household, person=person, relation=HouseholdRelation.APPLICANT),
        actor=command.system,
        reason=REASON,
    )
    return person


def _advert(command, organisation, caseworker, today: datetime.date) -> dict[str, int]:
    """Hedeparken is let by advertising (a department agreement with the kommune, R1.6). Three
    weeks ago a vacancy there was advertised with a deadline for written interest two days ago
    (R38.1, R38.2); three applicants — registered in the organisation's own register — wrote in
    time and meet the criteria. The auditor now draws lots (R38.3)."""
    department = Department.objects.filter(organisation=organisation, number=ADVERT_DEPARTMENT).first()
    if department is None or Advert.objects.filter(vacancy__dwelling__department=department).exists():
        return {}
    counts = {"letting agreements": 0, "adverts": 0, "written interests": 0, "persons": 0, "households": 0}
    if not LettingAgreement.objects.filter(department=department, kind=AgreementKind.ADVERTISING).exists():
        audited_save(
            LettingAgreement(
                organisation=organisation,
                kommune=department.kommune,
                department=department,
                kind=AgreementKind.ADVERTISING,
                valid_from=datetime.date(2024, 1, 1),
            ),
            actor=command.system,
            reason=REASON,
        )
        counts["letting agreements"] += 1
    dwelling = (
        Dwelling.objects.filter(department=department, kind=DwellingKind.FAMILY, lease_scope="")
        .exclude(vacancies__state=VacancyState.OPEN)
        .exclude(leases__isnull=False)
        .order_by("-number")
        .first()
    )
    if dwelling is None:
        return counts
    put_up = today - datetime.timedelta(days=21)
    deadline = today - datetime.timedelta(days=2)
    with _as_of(put_up):
        vacancy = workflow.vacancy_open(
            actor=caseworker,
            reason="Lejer har opsagt lejemålet",
            dwelling=dwelling,
            notice_date=put_up - datetime.timedelta(days=10),
            move_out_date=today + datetime.timedelta(days=40),
        )
        if vacancy.channel != LettingChannel.ADVERTISING:
            command.stderr.write(f"No demo advert: {dwelling} is let through {vacancy.channel}")
            return counts
        advert = adverts.advert_create(
            actor=caseworker,
            reason="Annonceret på DanmarkBolig.dk efter aftale med kommunen",
            vacancy=vacancy,
            agreed_on=put_up,
            dwelling_description=(
                f"{dwelling.rooms} værelser, {dwelling.gross_floor_area} m², "
                f"husleje {dwelling.monthly_rent} kr."
            ),
            criteria="Mindst én myndig person i husstanden; højst 2 personer pr. værelse",
            interest_deadline=deadline,
            viewing_at=timezone.make_aware(
                datetime.datetime.combine(deadline - datetime.timedelta(days=4), datetime.time(16))
            ),
            viewing_place="Ved opgangen",
            decision_expected_on=today + datetime.timedelta(days=7),
        )
    counts["adverts"] += 1
    tenant = organisation.tenant
    with _as_of(deadline):
        for index, (first_name, last_name, born, last_four) in enumerate(ADVERT_APPLICANTS):
            number = f"{born:%d%m%y}{last_four}"
            person = Person.objects.filter(controller=tenant, cpr_hash=cpr.lookup_hash(number)).first()
            if person is None:
                person = _applicant(command, tenant, first_name, last_name, number, index)
                counts["persons"] += 1
                counts["households"] += 1
            adverts.interest_record(
                actor=caseworker,
                reason="Skriftlig interesse modtaget",
                advert=advert,
                person=person,
                received_on=deadline - datetime.timedelta(days=index),
                qualified=True,
                assessment="Opfylder kriterierne",
            )
            counts["written interests"] += 1
    return counts
