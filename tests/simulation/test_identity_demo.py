"""The identity on the demo world (issue 17, 4.): replaying its lettings with no rule changed gives
the actual winner of every vacancy let from the lists, or says which vacancy it cannot and why.

``manage.py seed_demo`` lets some family dwellings of every organisation from the lists
(``simulation.demo``: rounds with declines and unanswered offers, the leases signed) and leaves
Boligforeningen Kattegat an example scenario with a finished run. The test lets the demo's own open
list vacancies and a few more dwellings on top, through the services as caseworkers would (the
kommune's approvals where it approves each letting), and replays each organisation as a job."""

from __future__ import annotations

import datetime
from io import StringIO
from itertools import cycle

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from allocation.models import Answer, LettingChannel, Offer, RoundState, Vacancy, VacancyState
from allocation.services import offers
from approvals.models import ApprovalRequest, ApprovalState
from approvals.services import approval_decide
from housing.models import Dwelling, DwellingKind, HousingOrganisation, Role
from letting import workflow
from simulation import demo
from simulation.models import (
    ChangeAction,
    ChangeKind,
    Fidelity,
    RunState,
    Scenario,
    ScenarioRun,
    ScenarioRunVacancy,
    ScopeKind,
)
from simulation.services import can_use, scenario_create
from tests import scenarios

from .support import run

pytestmark = pytest.mark.django_db
PAGE_LANGUAGE = "en"  # the pages' messages asserted in the source language
REASON = "Test"
# Answers of the offers, by rank, round after round: the first accepts; the first declines and
# the second accepts; nobody answers the first, the second accepts.
PATTERNS = cycle(
    [
        [Answer.ACCEPTED],
        [Answer.DECLINED, Answer.ACCEPTED],
        [Answer.NO_ANSWER, Answer.ACCEPTED],
    ]
)
MORE_PER_ORGANISATION = 2


def _caseworker(organisation):
    """The organisation's caseworker, or the administrator where none is (as the demo acts)."""
    users = get_user_model().objects.order_by("pk")
    caseworker = users.filter(
        memberships__tenant=organisation.tenant, memberships__role=Role.CASEWORKER
    ).first()
    return caseworker or users.get(username="admin")


def _approve(vacancy: Vacancy) -> None:
    officer = get_user_model().objects.get(username="kommune")
    for request in ApprovalRequest.objects.filter(vacancy=vacancy, state=ApprovalState.PENDING):
        approval_decide(actor=officer, reason=REASON, request=request, approve=True)


def _decide(caseworker, vacancy: Vacancy, answers: list[str]):
    """Open a round (unless one is open), record the answers by rank (no answer: left to the
    deadline, closed as unanswered) and close it: the winner, or None."""
    offer_round = vacancy.rounds.filter(state=RoundState.OPEN).first() or workflow.round_open(
        actor=caseworker, reason=REASON, vacancy=vacancy
    )
    for offer, answer in zip(offer_round.offers.order_by("rank"), answers, strict=False):
        if answer != Answer.NO_ANSWER and offer.answer == Answer.PENDING:
            offers.offer_answer(actor=caseworker, reason=REASON, offer=offer, answer=answer)
    pending = offer_round.offers.filter(answer=Answer.PENDING).order_by("rank").first()
    today = scenarios.today()
    if pending is not None and answers[0] == Answer.NO_ANSWER:
        # Past the deadline the best-ranked's silence counts as no answer (R-offers: the round closes).
        today = offer_round.answer_deadline + datetime.timedelta(days=1)
    return workflow.round_close(actor=caseworker, reason=REASON, offer_round=offer_round, today=today).winner


def _let(caseworker, vacancy: Vacancy) -> bool:
    """Take one vacancy let from the lists to its lease. False when nobody on the lists takes it."""
    vacancy.refresh_from_db()
    decided = vacancy.rounds.filter(state=RoundState.DECIDED).first()
    winner = None
    if decided is not None:
        winner = decided.offers.filter(answer=Answer.ACCEPTED).order_by("rank").first()
    for _attempt in range(3):
        if winner is not None:
            break
        try:
            winner = _decide(caseworker, Vacancy.objects.get(pk=vacancy.pk), next(PATTERNS))
        except ValidationError:
            return False
    if winner is None:
        return False
    vacancy.refresh_from_db()
    _approve(vacancy)
    workflow.lease_sign(
        actor=caseworker,
        reason=REASON,
        vacancy=Vacancy.objects.get(pk=vacancy.pk),
        person=winner.entry.person,
        offer=winner,
        signed_on=scenarios.today(),
        starts_on=vacancy.move_out_date,
    )
    return True


def _let_more_of_the_demo_world() -> int:
    """The demo's open list vacancies, and a vacancy on a few more family dwellings of each
    organisation, let. Returns how many were let."""
    let = 0
    for vacancy in Vacancy.objects.filter(state=VacancyState.OPEN, channel=LettingChannel.LIST).order_by(
        "pk"
    ):
        let += _let(_caseworker(vacancy.organisation), vacancy)
    for organisation in HousingOrganisation.objects.order_by("pk"):
        caseworker = _caseworker(organisation)
        dwellings = Dwelling.objects.filter(
            department__organisation=organisation, kind=DwellingKind.FAMILY, lease_scope=""
        ).exclude(vacancies__isnull=False)
        for dwelling in dwellings.order_by("department__number", "number")[:MORE_PER_ORGANISATION]:
            vacancy = scenarios.open_vacancy(caseworker, dwelling)
            if vacancy.channel == LettingChannel.LIST:
                let += _let(caseworker, vacancy)
    return let


def _let_from_rounds(organisation) -> int:
    return Vacancy.objects.filter(
        organisation=organisation, state=VacancyState.LET, lease__offer__isnull=False
    ).count()


def test_the_demo_world_has_lettings_from_the_lists_and_an_example_scenario_with_its_result():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    for organisation in HousingOrganisation.objects.all():
        assert _let_from_rounds(organisation) == demo.LETTINGS_PER_ORGANISATION, organisation.name
    seeded = Offer.objects.filter(round__vacancy__state=VacancyState.LET)
    # The rounds tell of declines and of applicants who did not answer by the deadline.
    assert seeded.filter(answer=Answer.DECLINED).exists()
    assert seeded.filter(answer=Answer.NO_ANSWER).exists()
    organisations = HousingOrganisation.objects.count()
    assert seeded.filter(lease__isnull=False).count() == organisations * demo.LETTINGS_PER_ORGANISATION

    scenario = Scenario.objects.get()
    kattegat = HousingOrganisation.objects.get(name="Boligforeningen Kattegat")
    today = scenarios.today()
    assert scenario.name == demo.SCENARIO_NAME
    assert (scenario.scope, scenario.organisation) == (ScopeKind.ORGANISATION, kattegat)
    # The last 12 months, up to and including today (the demo's lettings were made today).
    assert scenario.period_end == today
    assert scenario.period_start == today - relativedelta(months=12) + datetime.timedelta(days=1)
    agreement, share = scenario.changes.order_by("pk")
    assert (agreement.kind, agreement.action, agreement.organisation) == (
        ChangeKind.CHILDREN_AGREEMENT,
        ChangeAction.ADD,
        kattegat,
    )
    assert (share.kind, share.action, share.every_nth) == (ChangeKind.KOMMUNE_SHARE, ChangeAction.ADD, 3)
    assert scenario.history.get().history_change_reason == "Demodata"
    result = ScenarioRun.objects.get()
    assert result.state == RunState.DONE and result.requested_by.username == "admin"
    assert result.summary["identity"] == {
        "let_from_lists_in_rounds": demo.LETTINGS_PER_ORGANISATION,
        "reproduced": demo.LETTINGS_PER_ORGANISATION,
    }
    assert result.vacancies.count() == demo.LETTINGS_PER_ORGANISATION
    # Every 3rd family vacancy of Kattegat's in each kommune goes to the kommune: those change hands.
    to_kommune = result.summary["scenario"]["per_channel"].get("kommunal_anvisning", 0)
    assert to_kommune >= 1 and result.summary["changed_hands"] >= to_kommune
    # Who sees it (README): the administrator and Kattegat's caseworker — not the Aarhus officer, the
    # reader, the auditor or another organisation's caseworker.
    users = get_user_model().objects.order_by("pk")
    assert {u.username for u in users if can_use(u, scenario)} == {"admin", "sagsbehandler"}


def test_replaying_the_demo_world_with_no_change_reproduces_every_winner_or_says_why():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    seeded = sum(_let_from_rounds(o) for o in HousingOrganisation.objects.all())
    assert _let_more_of_the_demo_world() >= 5
    admin = get_user_model().objects.get(username="admin")
    checked = 0
    for organisation in HousingOrganisation.objects.order_by("pk"):
        scenario = scenario_create(
            actor=admin,
            reason=REASON,
            name=f"Identitet {organisation.name}",
            scope=ScopeKind.ORGANISATION,
            organisation=organisation,
            period_start=scenarios.today() - datetime.timedelta(days=365),
            period_end=scenarios.today() + datetime.timedelta(days=1),
        )
        result = run(admin, scenario)
        assert result.state == RunState.DONE, result.error
        rows = list(ScenarioRunVacancy.objects.filter(run=result))
        let_here = Vacancy.objects.filter(organisation=organisation, state=VacancyState.LET).count()
        assert len(rows) == let_here
        for row in rows:
            if row.fidelity == Fidelity.REPRODUCED:
                assert row.replay_entry_id == row.actual_entry_id == row.scenario_entry_id
                assert not row.changed
            else:
                # Not from the lists in a round: said so, with the reason; the actual tenant stands.
                assert row.fidelity != Fidelity.DIFFERS, row.fidelity_reason
                assert row.fidelity_reason
                assert not row.changed
        identity = result.summary["identity"]
        assert identity["reproduced"] == identity["let_from_lists_in_rounds"]
        checked += identity["reproduced"]
    assert checked >= seeded + 5


def test_running_the_demo_scenario_says_whether_the_replay_is_done_or_started(client_for, monkeypatch):
    """When the queue runs the job at once (eagerly, outside a transaction: the callback runs as the
    run is committed), the message says the scenario was replayed — not that it is being replayed.
    A run handed to a worker that has not finished it was started; its page shows how far it is."""
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    scenario = Scenario.objects.get()
    client = client_for(get_user_model().objects.get(username="sagsbehandler"))
    url = f"/scenarier/{scenario.pk}/koer/"
    with monkeypatch.context() as patched:
        patched.setattr(transaction, "on_commit", lambda callback, *args, **kwargs: callback())
        response = client.post(url, {"submission_key": "demorunAAAAAAAAAAAAAAAAAAAAAAAAA"}, follow=True)
    body = response.content.decode()
    assert scenario.runs.latest("pk").state == RunState.DONE
    assert "The scenario was replayed." in body and "being replayed" not in body
    response = client.post(url, {"submission_key": "demorunBBBBBBBBBBBBBBBBBBBBBBBBB"}, follow=True)
    body = response.content.decode()
    assert scenario.runs.latest("pk").state == RunState.QUEUED  # on commit, which a test never reaches
    assert "The run was started." in body and "was replayed" not in body
