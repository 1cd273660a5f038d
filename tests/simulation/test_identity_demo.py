"""The identity on the demo world (issue 17, 4.): replaying its lettings with no rule changed gives
the actual winner of every vacancy let from the lists, or says which vacancy it cannot and why.

``manage.py seed_demo`` leaves vacancies with offers out but none let, so the test lets them — and
more, in the organisations' departments — through the services as caseworkers would: rounds with
declines and unanswered offers, the kommune's approvals where it approves each letting, the leases
signed. Then the replay of each organisation runs as a job."""

from __future__ import annotations

import datetime
from io import StringIO
from itertools import cycle

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command

from allocation.models import Answer, LettingChannel, RoundState, Vacancy, VacancyState
from allocation.services import offers
from approvals.models import ApprovalRequest, ApprovalState
from approvals.services import approval_decide
from housing.models import Dwelling, DwellingKind, HousingOrganisation, Role
from letting import workflow
from simulation.models import Fidelity, RunState, ScenarioRunVacancy, ScopeKind
from simulation.services import scenario_create
from tests import scenarios

from .support import run

pytestmark = pytest.mark.django_db
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


def _caseworker(organisation):
    user_model = get_user_model()
    return user_model.objects.filter(
        memberships__tenant=organisation.tenant, memberships__role=Role.CASEWORKER
    ).first()


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


def _let_the_demo_world() -> int:
    """The demo's open list vacancies, and a vacancy on more family dwellings of each organisation,
    let. Returns how many were let."""
    let = 0
    for vacancy in Vacancy.objects.filter(state=VacancyState.OPEN, channel=LettingChannel.LIST).order_by(
        "pk"
    ):
        let += _let(_caseworker(vacancy.organisation), vacancy)
    for organisation in HousingOrganisation.objects.order_by("pk"):
        caseworker = _caseworker(organisation)
        if caseworker is None:
            continue
        dwellings = Dwelling.objects.filter(
            department__organisation=organisation, kind=DwellingKind.FAMILY, lease_scope=""
        ).exclude(vacancies__isnull=False)
        for dwelling in dwellings.order_by("department__number", "number")[:8]:
            vacancy = scenarios.open_vacancy(caseworker, dwelling)
            if vacancy.channel == LettingChannel.LIST:
                let += _let(caseworker, vacancy)
    return let


def test_replaying_the_demo_world_with_no_change_reproduces_every_winner_or_says_why():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert _let_the_demo_world() >= 10
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
    assert checked >= 10
