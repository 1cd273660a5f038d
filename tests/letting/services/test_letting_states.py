"""The letting's state machines (issue 14, item 3): the vacancy's stored stage, the offer round's
state, the offer's answer and the boliggarantibevis's state.

Each table is walked on real rows; the stage is followed through the letting end to end (a round
to the kommune's approval and the lease, no approval needed, the R42.3 lapse, a refused winner and
the next acceptance, an exhausted round and the next one, a refusal overturned (R24), a tenant
chosen outside the lists (R2.5), the kommune's nomination (R1.4), the lottery (R38.3), the
cancellation); the backfill migration is run on rows as they were before the stage was stored;
and the board reads the stored stage: one query for the list, one grouped query for the counts.
"""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from allocation import selectors
from allocation.models import (
    AgreementKind,
    Answer,
    HousingGuarantee,
    Lease,
    LettingAgreement,
    LettingChannel,
    Offer,
    OfferRound,
    RoundState,
    Vacancy,
    VacancyStage,
    VacancyState,
    state_for_stage,
)
from allocation.services import adverts, lottery, nominations, offers, vacancies
from approvals import services as approvals
from approvals.models import ApprovalRequest, ApprovalState, RefusalGround
from housing import scoping
from housing.audit import audited_save, system_user
from housing.models import Role
from housing.selectors import state_changes_of
from housing.state_machine import machines
from letting import workflow
from tests import scenarios
from tests.factories import (
    DepartmentFactory,
    DwellingFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    unique_cpr,
)
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from tests.state_machine_support import assert_machine_walk
from waitinglists.models import Entry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REASON = scenarios.REASON
MIGRATION = importlib.import_module("allocation.migrations.0020_vacancy_stage")

S = VacancyStage


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are asserted in English (the UI's source language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


def _applicants(general_list, department, count: int) -> list[Entry]:
    """``count`` entries on the general list for the department, the oldest seniority first."""
    entries = []
    for i in range(count):
        entry = EntryFactory(
            waiting_list=general_list, seniority_date=datetime.date(2010, i + 1, 1), rooms_min=1, rooms_max=6
        )
        entry.departments.add(department)
        entries.append(entry)
    return entries


def _stage_path(obj) -> list[tuple[str, str]]:
    return [(c.from_state, c.to_state) for c in state_changes_of(obj)]


def _stage(vacancy: Vacancy) -> str:
    vacancy.refresh_from_db()
    assert vacancy.state == state_for_stage(vacancy.stage)
    return vacancy.stage


def _sign(caseworker, vacancy, offer: Offer) -> Lease:
    offer.refresh_from_db()
    return workflow.lease_sign(
        actor=caseworker,
        reason=REASON,
        vacancy=vacancy,
        person=offer.entry.person,
        offer=offer,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )


def _refuse(kommune_officer, request: ApprovalRequest) -> ApprovalRequest:
    return approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge.",
        is_refugee=True,
    )


def _pending(vacancy) -> ApprovalRequest:
    return ApprovalRequest.objects.get(vacancy=vacancy, state=ApprovalState.PENDING)


# --- The machines are the models' own ---------------------------------------------------------------


def test_the_letting_machines_are_registered():
    assert {(model._meta.label, machine.field) for model, machine in machines()} >= {
        ("allocation.Vacancy", "stage"),
        ("allocation.OfferRound", "state"),
        ("allocation.Offer", "answer"),
        ("allocation.HousingGuarantee", "state"),
    }
    assert Vacancy.stages.problems(Vacancy) == []
    assert OfferRound.states.problems(OfferRound) == []
    assert Offer.answers.problems(Offer) == []


def test_the_state_cannot_disagree_with_the_stage(caseworker_a, department_a):
    """The vacancy's state (open, let, cancelled) changes only with its stage, in the same move: the
    database refuses a row where they disagree."""
    vacancy = _vacancy_row(caseworker_a, department_a, S.READY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vacancy.objects.filter(pk=vacancy.pk).update(state=VacancyState.LET)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vacancy.objects.filter(pk=vacancy.pk).update(stage=S.CANCELLED)


# --- Every table walked -------------------------------------------------------------------------------


def _vacancy_row(actor, department, stage: str, *, channel: str = LettingChannel.LIST) -> Vacancy:
    organisation = department.organisation
    return audited_save(
        Vacancy(
            dwelling=DwellingFactory(department=department, rooms=3),
            organisation=organisation,
            controller=organisation.tenant,
            notice_date=TODAY - datetime.timedelta(days=30),
            move_out_date=TODAY + datetime.timedelta(days=30),
            channel=channel,
            channel_reason="Test",
            opened_by=actor,
            stage=stage,
            state=state_for_stage(stage),
        ),
        actor=actor,
        reason=REASON,
    )


def _round_row(actor, vacancy, state: str, number: int = 1) -> OfferRound:
    return audited_save(
        OfferRound(
            vacancy=vacancy,
            number=number,
            state=state,
            answer_deadline=TODAY + datetime.timedelta(days=10),
            opened_by=actor,
        ),
        actor=actor,
        reason=REASON,
    )


def test_the_vacancy_stage_table_walked(caseworker_a, department_a):
    tried = assert_machine_walk(
        Vacancy.stages,
        lambda stage: _vacancy_row(caseworker_a, department_a, stage),
        actor=caseworker_a,
        changes_for=lambda _source, target: {"state": state_for_stage(target)},
    )
    assert tried == len(VacancyStage.values) ** 2


def test_the_offer_round_table_walked(caseworker_a, department_a):
    tried = assert_machine_walk(
        OfferRound.states,
        lambda state: _round_row(caseworker_a, _vacancy_row(caseworker_a, department_a, S.OFFERING), state),
        actor=caseworker_a,
        changes_for=lambda _source, _target: {"closed_at": timezone.now()},
    )
    assert tried == len(RoundState.values) ** 2


def test_the_offer_answer_table_walked(caseworker_a, department_a, general_list):
    offer_round = _round_row(
        caseworker_a, _vacancy_row(caseworker_a, department_a, S.OFFERING), RoundState.OPEN
    )

    def offer(answer: str) -> Offer:
        return audited_save(
            Offer(
                round=offer_round,
                entry=EntryFactory(waiting_list=general_list),
                rank=1,
                rule="R2.1",
                explanation="Test",
                answer=answer,
            ),
            actor=caseworker_a,
            reason=REASON,
        )

    tried = assert_machine_walk(Offer.answers, offer, actor=caseworker_a)
    assert tried == len(Answer.values) ** 2


def test_the_boliggarantibevis_table_walked(caseworker_a, org_a, department_a):
    def guarantee(state: str) -> HousingGuarantee:
        person = PersonFactory(controller=org_a.tenant)
        lease = audited_save(
            Lease(
                dwelling=DwellingFactory(department=department_a),
                landlord=org_a,
                controller=org_a.tenant,
                person=person,
                signed_on=datetime.date(2015, 1, 1),
                starts_on=datetime.date(2015, 1, 1),
                ends_on=datetime.date(2025, 6, 1),
                signed_by=caseworker_a,
            ),
            actor=caseworker_a,
            reason=REASON,
        )
        return audited_save(
            HousingGuarantee(
                person=person,
                controller=org_a.tenant,
                organisation=org_a,
                department=department_a,
                lease=lease,
                moved_out_on=datetime.date(2025, 6, 1),
                valid_until=datetime.date(2028, 6, 1),
                state=state,
                issued_by=caseworker_a,
            ),
            actor=caseworker_a,
            reason=REASON,
        )

    assert assert_machine_walk(HousingGuarantee.states, guarantee, actor=caseworker_a) == 9


# --- The stage follows the letting ------------------------------------------------------------------


@pytest.fixture
def approving(kommune_aarhus, org_a):
    """Aarhus approves each letting of family dwellings (R42.1); rounds of two."""
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=2)


@pytest.mark.rule("R42.1", "R1.10")
@pytest.mark.usefixtures("approving")
def test_a_round_to_the_kommunes_approval_and_the_lease(
    caseworker_a, kommune_officer, general_list, department_a
):
    _applicants(general_list, department_a, 2)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    assert _stage(vacancy) == S.OPEN

    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    assert _stage(vacancy) == S.OFFERING
    first, second = offer_round.offers.order_by("rank")
    for offer in (first, second):
        offers.offer_answer(actor=caseworker_a, reason=REASON, offer=offer, answer=Answer.ACCEPTED)
    workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    assert _stage(vacancy) == S.AWAITING_KOMMUNE

    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=_pending(vacancy), approve=True)
    assert _stage(vacancy) == S.READY

    _sign(caseworker_a, vacancy, first)
    assert _stage(vacancy) == S.LET and vacancy.state == VacancyState.LET
    assert _stage_path(vacancy) == [
        (S.OPEN, S.OFFERING),
        (S.OFFERING, S.WINNER_CHOSEN),
        (S.WINNER_CHOSEN, S.AWAITING_KOMMUNE),
        (S.AWAITING_KOMMUNE, S.READY),
        (S.READY, S.LET),
    ]
    # The round and the offers moved through their own machines, each change recorded.
    assert _stage_path(offer_round) == [(RoundState.OPEN, RoundState.DECIDED)]
    assert _stage_path(first) == [(Answer.PENDING, Answer.ACCEPTED)]
    assert _stage_path(second) == [(Answer.PENDING, Answer.ACCEPTED), (Answer.ACCEPTED, Answer.WITHDRAWN)]


@pytest.mark.rule("R2.1")
def test_a_winner_who_needs_no_approval_is_ready_for_the_lease(
    caseworker_a, org_a, general_list, department_a
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _applicants(general_list, department_a, 1)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    winner = scenarios.winner(caseworker_a, vacancy)
    assert _stage(vacancy) == S.READY
    _sign(caseworker_a, vacancy, winner)
    assert _stage_path(vacancy) == [
        (S.OPEN, S.OFFERING),
        (S.OFFERING, S.WINNER_CHOSEN),
        (S.WINNER_CHOSEN, S.READY),
        (S.READY, S.LET),
    ]


@pytest.mark.rule("R42.3")
@pytest.mark.usefixtures("approving")
def test_the_lapse_of_the_deadline_makes_the_letting_ready(caseworker_a, general_list, department_a):
    _applicants(general_list, department_a, 1)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    winner = scenarios.winner(caseworker_a, vacancy)
    request = _pending(vacancy)
    assert _stage(vacancy) == S.AWAITING_KOMMUNE
    assert approvals.approvals_lapse(today=request.deadline + datetime.timedelta(days=1)) == 1
    assert _stage(vacancy) == S.READY
    assert _sign(caseworker_a, vacancy, winner).pk
    assert _stage(vacancy) == S.LET


def test_cancelling_cancels_the_vacancy_and_its_open_round(caseworker_a, org_a, general_list, department_a):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _applicants(general_list, department_a, 1)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    vacancies.vacancy_cancel(actor=caseworker_a, reason="Opsigelsen trukket tilbage", vacancy=vacancy)
    assert _stage(vacancy) == S.CANCELLED and vacancy.state == VacancyState.CANCELLED
    assert _stage_path(vacancy) == [(S.OPEN, S.OFFERING), (S.OFFERING, S.CANCELLED)]
    offer_round.refresh_from_db()
    assert offer_round.state == RoundState.CANCELLED and offer_round.closed_at is not None
    assert _stage_path(offer_round) == [(RoundState.OPEN, RoundState.CANCELLED)]


@pytest.mark.rule("R42.2")
@pytest.mark.usefixtures("approving")
def test_a_refused_winner_hands_the_letting_to_the_next_acceptance(
    caseworker_a, kommune_officer, general_list, department_a
):
    _applicants(general_list, department_a, 2)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    _round, (first, second) = scenarios.decided_round(
        caseworker_a, vacancy, [Answer.ACCEPTED, Answer.ACCEPTED]
    )
    _refuse(kommune_officer, _pending(vacancy))
    # The next acceptance wins and goes to the kommune in turn.
    assert _stage(vacancy) == S.AWAITING_KOMMUNE
    assert _pending(vacancy).offer == second
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=_pending(vacancy), approve=True)
    assert _stage(vacancy) == S.READY
    _sign(caseworker_a, vacancy, second)
    assert _stage_path(vacancy) == [
        (S.OPEN, S.OFFERING),
        (S.OFFERING, S.WINNER_CHOSEN),
        (S.WINNER_CHOSEN, S.AWAITING_KOMMUNE),
        (S.AWAITING_KOMMUNE, S.WINNER_CHOSEN),
        (S.WINNER_CHOSEN, S.AWAITING_KOMMUNE),
        (S.AWAITING_KOMMUNE, S.READY),
        (S.READY, S.LET),
    ]
    assert _stage_path(first) == [
        (Answer.PENDING, Answer.ACCEPTED),
        (Answer.ACCEPTED, Answer.KOMMUNE_REFUSED),
    ]
    assert _stage_path(second) == [
        (Answer.PENDING, Answer.ACCEPTED),
        (Answer.ACCEPTED, Answer.WITHDRAWN),
        (Answer.WITHDRAWN, Answer.ACCEPTED),
    ]


@pytest.mark.rule("R2.1")
def test_an_exhausted_round_opens_the_next_one(caseworker_a, org_a, general_list, department_a):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _applicants(general_list, department_a, 2)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    first_round, _offers = scenarios.decided_round(caseworker_a, vacancy, [Answer.DECLINED])
    assert first_round.state == RoundState.EXHAUSTED
    assert OfferRound.objects.get(vacancy=vacancy, number=2).state == RoundState.OPEN
    assert _stage(vacancy) == S.OFFERING
    assert _stage_path(vacancy) == [(S.OPEN, S.OFFERING), (S.OFFERING, S.OPEN), (S.OPEN, S.OFFERING)]


@pytest.mark.rule("R42.2", "R24")
@pytest.mark.usefixtures("approving")
def test_a_refused_winner_alone_opens_the_next_round_and_an_overturned_refusal_makes_it_ready(
    caseworker_a, kommune_officer, general_list, department_a
):
    scenarios.letting_policy(department_a.organisation, offer_round_size=1, valid_from=TODAY)
    _applicants(general_list, department_a, 2)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    first_round, (winner,) = scenarios.decided_round(caseworker_a, vacancy, [Answer.ACCEPTED])
    refused = _refuse(kommune_officer, _pending(vacancy))
    # Nobody else accepted: the round is exhausted and the next one opens.
    first_round.refresh_from_db()
    assert first_round.state == RoundState.EXHAUSTED
    second_round = OfferRound.objects.get(vacancy=vacancy, number=2)
    assert second_round.state == RoundState.OPEN
    assert _stage(vacancy) == S.OFFERING

    # Ankestyrelsen overturns the refusal (R24): the winner is the one again, the later round is
    # cancelled, and the lease may be signed.
    approvals.approval_overturn(actor=kommune_officer, reason=REASON, request=refused, day=TODAY)
    assert _stage(vacancy) == S.READY
    second_round.refresh_from_db()
    first_round.refresh_from_db()
    assert (first_round.state, second_round.state) == (RoundState.DECIDED, RoundState.CANCELLED)
    assert _stage_path(first_round) == [
        (RoundState.OPEN, RoundState.DECIDED),
        (RoundState.DECIDED, RoundState.EXHAUSTED),
        (RoundState.EXHAUSTED, RoundState.DECIDED),
    ]
    assert _stage_path(winner)[-1] == (Answer.KOMMUNE_REFUSED, Answer.ACCEPTED)
    _sign(caseworker_a, vacancy, winner)
    assert _stage_path(vacancy) == [
        (S.OPEN, S.OFFERING),
        (S.OFFERING, S.WINNER_CHOSEN),
        (S.WINNER_CHOSEN, S.AWAITING_KOMMUNE),
        (S.AWAITING_KOMMUNE, S.OPEN),
        (S.OPEN, S.OFFERING),
        (S.OFFERING, S.READY),
        (S.READY, S.LET),
    ]


@pytest.mark.rule("R2.5", "R42.1")
@pytest.mark.usefixtures("approving")
def test_a_tenant_outside_the_eligible_group_waits_for_the_kommune(
    caseworker_a, kommune_officer, org_a, department_a
):
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, kind="family"))
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R2.5", why="Ingen på ventelisten"
    )
    assert _stage(vacancy) == S.OPEN
    outsider, other = PersonFactory(controller=org_a.tenant), PersonFactory(controller=org_a.tenant)
    workflow.send_to_kommune(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=outsider)
    assert _stage(vacancy) == S.AWAITING_KOMMUNE
    # Refused: the vacancy no longer waits, another tenant can be chosen.
    _refuse(kommune_officer, _pending(vacancy))
    assert _stage(vacancy) == S.OPEN
    workflow.send_to_kommune(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=other)
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=_pending(vacancy), approve=True)
    assert _stage(vacancy) == S.READY
    workflow.lease_sign_outside(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=other,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    assert _stage_path(vacancy) == [
        (S.OPEN, S.AWAITING_KOMMUNE),
        (S.AWAITING_KOMMUNE, S.OPEN),
        (S.OPEN, S.AWAITING_KOMMUNE),
        (S.AWAITING_KOMMUNE, S.READY),
        (S.READY, S.LET),
    ]


def _share_agreement(organisation, department):
    """Every vacant family dwelling of the department goes to the kommune (R1.4)."""
    return audited_save(
        LettingAgreement(
            organisation=organisation,
            kommune=department.kommune,
            department=department,
            kind=AgreementKind.KOMMUNE_SHARE,
            every_nth=1,
            valid_from=scenarios.FAR_BACK,
        ),
        actor=system_user(),
        reason=REASON,
    )


def _nominate(kommune_officer, vacancy, cpr_number: str = ""):
    return nominations.nomination_record(
        actor=kommune_officer,
        reason="Anvist af kommunen",
        vacancy=vacancy,
        cpr_number=cpr_number or unique_cpr(),
        first_name="Nanna",
        last_name="Nødsen",
        household_size=2,
        ground="Akut boligsocialt behov",
    )


@pytest.mark.rule("R1.4")
def test_the_kommunes_nomination_makes_the_letting_ready(caseworker_a, kommune_officer, org_a, department_a):
    _share_agreement(org_a, department_a)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
    assert vacancy.channel == LettingChannel.KOMMUNAL_ANVISNING
    nomination = _nominate(kommune_officer, vacancy)
    assert _stage(vacancy) == S.READY
    _nominate(kommune_officer, vacancy)  # a change of whom the kommune named: still ready
    workflow.nomination_lease(
        actor=caseworker_a,
        reason=REASON,
        nomination=nomination,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    assert _stage_path(vacancy) == [(S.OPEN, S.READY), (S.READY, S.LET)]


@pytest.mark.rule("R38.3", "R42.1")
@pytest.mark.usefixtures("approving")
def test_the_lottery_names_the_winner_who_goes_to_the_kommune(
    caseworker_a, org_a, kommune_aarhus, department_a, monkeypatch
):
    audited_save(
        LettingAgreement(
            organisation=org_a,
            kommune=kommune_aarhus,
            kind=AgreementKind.ADVERTISING,
            valid_from=scenarios.FAR_BACK,
        ),
        actor=system_user(),
        reason=REASON,
    )
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, kind="family"))
    yesterday = TODAY - datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: yesterday)
    advert = adverts.advert_create(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        agreed_on=yesterday - datetime.timedelta(days=10),
        dwelling_description="3 værelser",
        criteria="",
        interest_deadline=yesterday,
        viewing_at=timezone.now() - datetime.timedelta(days=3),
        viewing_place="Ved opgangen",
        decision_expected_on=TODAY + datetime.timedelta(days=14),
    )
    for _ in range(3):
        adverts.interest_record(
            actor=caseworker_a,
            reason=REASON,
            advert=advert,
            person=PersonFactory(controller=org_a.tenant),
            received_on=yesterday,
            qualified=True,
            assessment="",
        )
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    auditor = UserFactory(username="auditor_states")
    MembershipFactory(user=auditor, tenant=org_a.tenant, role=Role.AUDITOR)
    lottery.lottery_commit(actor=auditor, reason=REASON, advert=advert)
    assert _stage(vacancy) == S.OPEN
    workflow.lottery_draw(actor=auditor, reason=REASON, advert=advert)
    assert _stage(vacancy) == S.AWAITING_KOMMUNE
    assert _stage_path(vacancy) == [(S.OPEN, S.WINNER_CHOSEN), (S.WINNER_CHOSEN, S.AWAITING_KOMMUNE)]


# --- The backfill of the stored stage ----------------------------------------------------------------


@pytest.fixture
def without_the_stage_check():
    """The database as the migration finds it: the stage column exists, its check on the state does
    not yet (it is added after the backfill). Restored when the test's transaction rolls back."""
    check = next(c for c in Vacancy._meta.constraints if c.name == "vacancy_state_follows_stage")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Vacancy, check)


@pytest.mark.usefixtures("without_the_stage_check")
def test_the_backfill_maps_each_derived_stage_to_the_stored_one(
    caseworker_a, kommune_officer, org_a, kommune_aarhus, general_list, department_a
):
    """Each column of the old board (derived from the state, the channel and the rounds) and each
    step of the kommune's approval becomes the stage the letting would have reached."""
    scenarios.letting_policy(org_a, offer_round_size=1)
    _applicants(general_list, department_a, 12)

    def opened(department=department_a, **dwelling) -> Vacancy:
        return scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department, **dwelling))

    # A department nobody on the lists asked for: its vacancies may be let outside the group (R2.5).
    unwanted = DepartmentFactory(organisation=org_a, kommune=kommune_aarhus)

    # Before the kommune approves each letting: a winner who needed no approval.
    ready_without_request = opened(rooms=3)
    scenarios.winner(caseworker_a, ready_without_request)
    # The same, and a refusal of the winner stored later (no runner-up was promoted): winner chosen.
    winner_refused = opened(rooms=3)
    refused_winner = scenarios.winner(caseworker_a, winner_refused)
    audited_save(
        ApprovalRequest(
            vacancy=winner_refused,
            kommune=kommune_aarhus,
            organisation=org_a,
            controller=org_a.tenant,
            person=refused_winner.entry.person,
            offer=refused_winner,
            grounds=["R42.1"],
            received_on=TODAY,
            deadline=TODAY + datetime.timedelta(days=7),
            state=ApprovalState.REFUSED,
            refusal_ground=RefusalGround.REFUGEE,
            is_refugee=True,
            decision_reasons="Boligplacering af flygtninge.",
            decided_on=TODAY,
            decided_by=kommune_officer,
            monthly_rent=winner_refused.dwelling.monthly_rent,
        ),
        actor=kommune_officer,
        reason=REASON,
    )
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    new = opened(rooms=3)  # old board: "new"
    offering = opened(rooms=3)  # "offering"
    workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=offering)
    awaiting = opened(rooms=3)  # "winner", with the kommune
    scenarios.winner(caseworker_a, awaiting)
    approved = opened(rooms=3)  # "winner", approved
    scenarios.winner(caseworker_a, approved)
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=_pending(approved), approve=True)
    let = opened(rooms=3)  # "let"
    scenarios.winner(caseworker_a, let)
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=_pending(let), approve=True)
    _sign(caseworker_a, let, Offer.objects.get(round__vacancy=let, answer=Answer.ACCEPTED))
    cancelled = opened(rooms=3)  # "cancelled"
    vacancies.vacancy_cancel(actor=caseworker_a, reason=REASON, vacancy=cancelled)
    outside_waiting = opened(unwanted, kind="family")  # "outside", with the kommune
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=outside_waiting, rule="R2.5", why="x"
    )
    workflow.send_to_kommune(
        actor=caseworker_a,
        reason=REASON,
        vacancy=outside_waiting,
        person=PersonFactory(controller=org_a.tenant),
    )
    outside_approved = opened(unwanted, kind="family")  # "outside", approved
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=outside_approved, rule="R2.5", why="x"
    )
    workflow.send_to_kommune(
        actor=caseworker_a,
        reason=REASON,
        vacancy=outside_approved,
        person=PersonFactory(controller=org_a.tenant),
    )
    approvals.approval_decide(
        actor=kommune_officer, reason=REASON, request=_pending(outside_approved), approve=True
    )
    share_department = DepartmentFactory(organisation=org_a, kommune=kommune_aarhus)
    _share_agreement(org_a, share_department)
    anvisning = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=share_department, rooms=2)
    )  # "kommune"
    named = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=share_department, rooms=2))
    _nominate(kommune_officer, named)

    expected = {
        new: S.OPEN,
        offering: S.OFFERING,
        awaiting: S.AWAITING_KOMMUNE,
        approved: S.READY,
        ready_without_request: S.READY,
        winner_refused: S.WINNER_CHOSEN,
        let: S.LET,
        cancelled: S.CANCELLED,
        outside_waiting: S.AWAITING_KOMMUNE,
        outside_approved: S.READY,
        anvisning: S.OPEN,
        named: S.READY,
    }
    # The letting reached these stages itself (but for the refusal written above by hand) …
    live = dict(Vacancy.objects.values_list("pk", "stage"))
    assert {v.pk: live[v.pk] for v in expected if v is not winner_refused} == {
        v.pk: stage for v, stage in expected.items() if v is not winner_refused
    }

    # … and from the rows as they were before the stage was stored, the backfill finds them again.
    Vacancy.objects.update(stage=S.OPEN)
    with CaptureQueriesContext(connection) as reads:
        found = MIGRATION.stages_from_todays_data(django_apps)
    assert len(reads) == 8  # a fixed number of queries, however many vacancies
    assert {v.pk: found[v.pk] for v in expected} == {v.pk: stage for v, stage in expected.items()}
    MIGRATION.backfill_stages(django_apps, None)
    assert {v.pk: stage for v, stage in expected.items()} == {
        pk: stage
        for pk, stage in Vacancy.objects.values_list("pk", "stage")
        if pk in {v.pk for v in expected}
    }


# --- The board reads the stored stage ---------------------------------------------------------------


@pytest.fixture
def board_rows(caseworker_a, department_a):
    """Vacancies at every stage, two open (one of them let by kommunal anvisning)."""
    rows = {stage: _vacancy_row(caseworker_a, department_a, stage) for stage in VacancyStage.values}
    rows["anvisning"] = _vacancy_row(
        caseworker_a, department_a, S.OPEN, channel=LettingChannel.KOMMUNAL_ANVISNING
    )
    return rows


def test_the_board_lists_a_stage_in_one_query_and_counts_every_stage_in_one(caseworker_a, board_rows):
    scoping.scope_for(caseworker_a)  # the user's scope is read once per request
    with CaptureQueriesContext(connection) as listing:
        rows = list(selectors.board(user=caseworker_a, stage=S.OPEN))
    assert len(listing) == 1 and "stage" in listing[0]["sql"]
    assert rows == sorted(
        [board_rows[S.OPEN], board_rows["anvisning"]], key=lambda v: (v.move_out_date, v.pk)
    )
    assert list(selectors.board(user=caseworker_a, stage=S.OPEN, channel="kommune")) == [
        board_rows["anvisning"]
    ]
    assert list(selectors.board(user=caseworker_a, stage=S.AWAITING_KOMMUNE)) == [
        board_rows[S.AWAITING_KOMMUNE]
    ]

    with CaptureQueriesContext(connection) as counting:
        counts = selectors.board_counts(user=caseworker_a)
    assert len(counting) == 1 and "GROUP BY" in counting[0]["sql"]
    assert counts[S.OPEN] == {"all": 2, "kommune": 1, "advert": 0, "outside": 0}
    assert {stage: row["all"] for stage, row in counts.items()} == {
        stage: 2 if stage == S.OPEN else 1 for stage in VacancyStage.values
    }


def test_the_board_index_is_in_the_database():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Vacancy._meta.db_table)
    assert found["vacancy_stage_board_idx"]["columns"] == ["organisation_id", "stage", "move_out_date"]


def test_the_board_page_shows_the_stages_and_the_channels(caseworker_a, client_for, board_rows):
    client = client_for(caseworker_a)
    page = client.get(reverse("letting:board") + "?stage=ready").content.decode()
    assert 'id="stage-ready"' in page and 'aria-current="page" id="stage-ready"' in page
    assert board_rows[S.READY].dwelling.address_line in page
    assert board_rows[S.OPEN].dwelling.address_line not in page

    page = client.get(reverse("letting:board") + "?stage=open&channel=kommune").content.decode()
    assert board_rows["anvisning"].dwelling.address_line in page
    assert board_rows[S.OPEN].dwelling.address_line not in page
    assert 'aria-current="page" id="channel-kommune"' in page

    # An unknown stage or channel shows the open vacancies of every channel.
    page = client.get(reverse("letting:board") + "?stage=new&channel=x").content.decode()
    assert (
        board_rows[S.OPEN].dwelling.address_line in page
        and board_rows["anvisning"].dwelling.address_line in page
    )


def test_the_board_page_costs_the_same_queries_at_any_size(
    caseworker_a, client_for, department_a, board_rows
):
    client = client_for(caseworker_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("letting:board") + "?stage=open").status_code == 200
        return len(ctx)

    small = queries()
    for _ in range(15):
        _vacancy_row(caseworker_a, department_a, S.OPEN)
    assert queries() == small
