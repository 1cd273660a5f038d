"""A small letting world built through the services, and lettings taken to the lease: what the
replay tests replay. Every letting opens the vacancy through the workflow, offers it in a round
(``tests.scenarios``), records the answers and signs the lease with the winner — as the past would
have recorded it."""

from __future__ import annotations

import datetime

from allocation.models import Answer, Lease, Vacancy
from allocation.services import offers
from housing.models import HouseholdRelation
from letting import workflow
from simulation import services
from simulation.models import Scenario, ScopeKind
from tests import scenarios
from tests.factories import DwellingFactory, HouseholdFactory, HouseholdMemberFactory, PersonFactory
from tests.factories_waitinglists import EntryFactory

REASON = "Test"


def applicant(waiting_list, department, *, seniority: datetime.date, children: int = 0, rooms_max: int = 6):
    """An entry on the list wanting the department, in a household of its own with ``children``
    under 18."""
    tenant = waiting_list.controller
    person = PersonFactory(controller=tenant)
    household = HouseholdFactory(controller=tenant)
    HouseholdMemberFactory(household=household, person=person, relation=HouseholdRelation.APPLICANT)
    for n in range(children):
        child = PersonFactory(controller=tenant, birth_date=datetime.date(2016 + n, 5, 1))
        HouseholdMemberFactory(household=household, person=child, relation=HouseholdRelation.CHILD)
    entry = EntryFactory(
        waiting_list=waiting_list,
        person=person,
        household=household,
        seniority_date=seniority,
        registered_on=seniority,
        rooms_min=1,
        rooms_max=rooms_max,
    )
    entry.departments.add(department)
    return entry


def let(caseworker, dwelling, answers: list[str] | None = None) -> Lease:
    """Open a vacancy on the dwelling, offer it in one round with ``answers`` by rank (default: the
    best-ranked accepts) and sign the lease with the round's winner."""
    vacancy = scenarios.open_vacancy(caseworker, dwelling)
    offer_round = workflow.round_open(actor=caseworker, reason=REASON, vacancy=vacancy)
    for offer, answer in zip(offer_round.offers.order_by("rank"), answers or [Answer.ACCEPTED], strict=False):
        offers.offer_answer(actor=caseworker, reason=REASON, offer=offer, answer=answer)
    winner = workflow.round_close(actor=caseworker, reason=REASON, offer_round=offer_round).winner
    return workflow.lease_sign(
        actor=caseworker,
        reason=REASON,
        vacancy=Vacancy.objects.get(pk=vacancy.pk),
        person=winner.entry.person,
        offer=winner,
        signed_on=scenarios.today(),
        starts_on=vacancy.move_out_date,
    )


def family_dwelling(department, **fields):
    return DwellingFactory(department=department, **fields)


def scenario_for(actor, organisation, *, changes=(), name="Scenario") -> Scenario:
    today = scenarios.today()
    return services.scenario_create(
        actor=actor,
        reason=REASON,
        name=name,
        scope=ScopeKind.ORGANISATION,
        organisation=organisation,
        period_start=today - datetime.timedelta(days=365),
        period_end=today + datetime.timedelta(days=1),
        changes=changes,
    )


def run(actor, scenario: Scenario):
    """Start a run and do its work here (the task would call the same service)."""
    started = services.scenario_run_start(scenario=scenario, user=actor, enqueue=lambda _id: None)
    return services.scenario_run_execute(run_id=started.pk)
