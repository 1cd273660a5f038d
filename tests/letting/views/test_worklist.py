"""*Mine opgaver* for the letting (``letting.worklist``): each kind counts exactly the user's scoped
rows — never another organisation's — with the earliest due date, overdue marked, in one query."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from allocation.models import AgreementKind, Answer, LettingAgreement, VacancyStage
from allocation.services import adverts, lottery, offers
from housing import scoping, worklist
from housing.audit import audited_save
from housing.models import Role
from letting import workflow
from tests import scenarios
from tests.factories import DwellingFactory, MembershipFactory, PersonFactory, UserFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

pytestmark = pytest.mark.django_db

REASON = scenarios.REASON


def _today() -> datetime.date:
    return timezone.localdate()


def _applicants(org, department, count: int) -> None:
    waiting_list = WaitingListFactory(controller=org.tenant, name=f"Liste {org.pk}")
    for i in range(count):
        entry = EntryFactory(
            waiting_list=waiting_list, seniority_date=datetime.date(2010, i + 1, 1), rooms_min=1, rooms_max=6
        )
        entry.departments.add(department)


def _vacancy(caseworker, department, *, move_out_in: int = 30):
    return scenarios.open_vacancy(
        caseworker,
        DwellingFactory(department=department, rooms=3),
        move_out_date=_today() + datetime.timedelta(days=move_out_in),
    )


def _letting_world(caseworker, department):
    """One vacancy with no offers out, one with offers due, one round past its deadline."""
    _applicants(department.organisation, department, 3)
    waiting = _vacancy(caseworker, department, move_out_in=20)
    offering = _vacancy(caseworker, department, move_out_in=40)
    offer_round = workflow.round_open(actor=caseworker, reason=REASON, vacancy=offering)
    late = _vacancy(caseworker, department, move_out_in=60)
    late_round = workflow.round_open(
        actor=caseworker, reason=REASON, vacancy=late, day=_today() - datetime.timedelta(days=30)
    )
    return waiting, offer_round, late_round


def _items(user) -> dict[str, worklist.WorkItem]:
    worklist.forget(user)
    return {item.key: item for item in worklist.for_user(user)}


def test_the_caseworkers_letting_work_is_counted_in_their_scope_only(
    caseworker_a, caseworker_b, department_a, department_b
):
    waiting, offer_round, late_round = _letting_world(caseworker_a, department_a)
    _letting_world(caseworker_b, department_b)  # another tenant's work: never counted for A

    items = _items(caseworker_a)
    assert waiting.channel == "list" and waiting.stage == VacancyStage.OPEN
    assert items["offer_round_needed"].count == 1
    assert items["offer_round_needed"].due == waiting.move_out_date
    assert not items["offer_round_needed"].overdue

    pending = offer_round.offers.filter(answer=Answer.PENDING).count()
    assert pending >= 1
    assert items["offer_answers"].count == pending
    assert items["offer_answers"].due == offer_round.answer_deadline

    assert late_round.answer_deadline < _today()
    assert items["rounds_to_close"].count == 1
    assert items["rounds_to_close"].due == late_round.answer_deadline
    assert items["rounds_to_close"].overdue and items["rounds_to_close"].overdue_count == 1
    # Overdue first, then the earliest due.
    keys = list(items)
    assert keys[0] == "rounds_to_close"


def test_the_earliest_due_date_and_the_overdue_count(caseworker_a, department_a):
    _applicants(department_a.organisation, department_a, 3)
    first = _vacancy(caseworker_a, department_a, move_out_in=-5)  # already vacant: overdue
    _vacancy(caseworker_a, department_a, move_out_in=15)
    found = {item.key: item for item in worklist.for_user(caseworker_a, today=_today())}["offer_round_needed"]
    assert found.count == 2
    assert found.due == first.move_out_date
    assert found.overdue_count == 1


def test_a_won_round_leaves_a_lease_to_sign(caseworker_a, caseworker_b, department_a, department_b):
    for caseworker, department in ((caseworker_a, department_a), (caseworker_b, department_b)):
        _applicants(department.organisation, department, 2)
        vacancy = _vacancy(caseworker, department)
        assert scenarios.winner(caseworker, vacancy) is not None
    vacancy.refresh_from_db()
    assert vacancy.stage == VacancyStage.READY
    items = _items(caseworker_a)
    assert items["leases_to_sign"].count == 1
    assert items["leases_to_sign"].url == "/udlejning/?stage=ready"


# --- The auditor's lotteries (R38.3) ----------------------------------------------------------------


def _advertised(caseworker, department, system_user, *, deadline: datetime.date, applicants: int):
    if not LettingAgreement.objects.filter(organisation=department.organisation).exists():
        audited_save(
            LettingAgreement(
                organisation=department.organisation,
                kommune=department.kommune,
                kind=AgreementKind.ADVERTISING,
                valid_from=datetime.date(2020, 1, 1),
            ),
            actor=system_user,
            reason="Aftale om annonceret udlejning",
        )
    vacancy = _vacancy(caseworker, department)
    assert vacancy.channel == "advertising"
    advert = adverts.advert_create(
        actor=caseworker,
        reason=REASON,
        vacancy=vacancy,
        agreed_on=deadline - datetime.timedelta(days=14),
        dwelling_description="3 værelser",
        criteria="Mindst én myndig person",
        interest_deadline=deadline,
        viewing_at=timezone.make_aware(datetime.datetime.combine(deadline, datetime.time(16))),
        viewing_place="Ved opgangen",
        decision_expected_on=deadline + datetime.timedelta(days=14),
    )
    for n in range(applicants):
        adverts.interest_record(
            actor=caseworker,
            reason="Skriftlig interesse",
            advert=advert,
            person=PersonFactory(controller=department.organisation.tenant, first_name=f"Ansøger{n}"),
            received_on=deadline,
            qualified=True,
            assessment="",
        )
    return advert


@pytest.mark.rule("R38.3")
def test_the_auditor_sees_the_adverts_waiting_for_lots(
    caseworker_a, caseworker_b, department_a, department_b, org_a, org_b, system_user, monkeypatch
):
    today = _today()
    past = today - datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: past)  # the interest arrives in time
    due = _advertised(caseworker_a, department_a, system_user, deadline=past, applicants=2)
    _advertised(caseworker_a, department_a, system_user, deadline=past, applicants=1)  # no lots for one
    _advertised(caseworker_b, department_b, system_user, deadline=past, applicants=3)  # another tenant
    monkeypatch.undo()
    auditor = UserFactory(username="revisor_a")
    MembershipFactory(user=auditor, tenant=org_a.tenant, role=Role.AUDITOR)

    items = _items(auditor)
    assert list(items) == ["lotteries"]
    assert items["lotteries"].count == 1
    assert items["lotteries"].due == due.decision_expected_on
    assert items["lotteries"].url == "/udlejning/?stage=open&channel=advert"
    # Lots committed but not drawn: still waiting. Drawn: done.
    lottery.lottery_commit(actor=auditor, reason="Lodtrækning", advert=due)
    assert _items(auditor)["lotteries"].count == 1
    workflow.lottery_draw(actor=auditor, reason="Lodtrækning", advert=due)
    assert "lotteries" not in _items(auditor)
    # A caseworker does not draw lots.
    assert "lotteries" not in _items(caseworker_a)


def test_the_answers_are_recorded_and_the_count_follows(caseworker_a, department_a):
    _applicants(department_a.organisation, department_a, 3)
    vacancy = _vacancy(caseworker_a, department_a)
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    before = _items(caseworker_a)["offer_answers"].count
    offers.offer_answer(
        actor=caseworker_a, reason=REASON, offer=offer_round.offers.get(rank=1), answer=Answer.DECLINED
    )
    assert _items(caseworker_a)["offer_answers"].count == before - 1


def _each_kind_by_its_own_query(user) -> dict[str, tuple]:
    """Each kind counted alone through the ORM (as off PostgreSQL): (count, due, overdue)."""
    found = {}
    for kind in worklist.registered_kinds():
        if kind.applies(scoping.scope_for(user)):
            worklist.forget(user)
            count = kind.count(user, today=_today())
            if count.count:
                found[kind.key] = (count.count, count.due, count.overdue)
    return found


def test_all_the_kinds_are_read_in_one_statement_with_the_counts_of_their_own_queries(
    caseworker_a, department_a, monkeypatch
):
    _letting_world(caseworker_a, department_a)
    won = _vacancy(caseworker_a, department_a, move_out_in=-3)
    assert scenarios.winner(caseworker_a, won) is not None
    worklist.forget(caseworker_a)
    scoping.scope_for(caseworker_a)
    with CaptureQueriesContext(connection) as read:
        items = {item.key: item for item in worklist.for_user(caseworker_a)}
    assert len(read.captured_queries) == 1  # every kind of the caseworker's, side by side
    assert {
        key: (i.count, i.due, i.overdue_count) for key, i in items.items()
    } == _each_kind_by_its_own_query(caseworker_a)
    assert set(items) >= {"offer_round_needed", "offer_answers", "rounds_to_close", "leases_to_sign"}

    # The next request builds no query (the SQL is kept for this user, scope and day) and reads
    # the rows again: a new vacancy is counted at once.
    for key in ("offer_round_needed", "leases_to_sign", "offer_answers"):
        kind = worklist._KINDS[key]

        def refuse(*args, **kwargs):
            raise AssertionError("the kind's query was built again")

        monkeypatch.setitem(worklist._KINDS, key, dataclasses.replace(kind, count=refuse))
    _vacancy(caseworker_a, department_a, move_out_in=10)
    with CaptureQueriesContext(connection) as again:
        assert _items(caseworker_a)["offer_round_needed"].count == items["offer_round_needed"].count + 1
    assert len(again.captured_queries) == 1


def test_the_labels_count_in_the_plural():
    kind = {k.key: k for k in worklist.registered_kinds()}["rounds_to_close"]
    with translation.override("en"):
        assert kind.label % {"n": 1} == "1 offer round is past its answer deadline and is to be closed"
        assert kind.label % {"n": 2} == "2 offer rounds are past their answer deadline and are to be closed"
