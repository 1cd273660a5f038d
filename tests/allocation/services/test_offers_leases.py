"""Offer rounds, answers, the winner, the lease and what signing does to the lists (R1.10,
R3.5–R3.7), the boliggarantibevis (R6, R40), letting outside the eligible group (R2.5, R12.3, R41),
and the concurrency guarantees: one open round, one lease."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from allocation.models import (
    Answer,
    GuaranteeState,
    HousingGuarantee,
    KommuneLettingDecision,
    Lease,
    Offer,
    OfferRound,
    RoundState,
    VacancyState,
)
from allocation.services import leases, offers, vacancies
from housing.audit import audited_save, system_user
from letters.models import Letter
from letting import workflow
from tests import scenarios
from tests.factories import DwellingFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import EntryStatus, KeepRule, KeepSeniorityRight, SchemeKind, SeniorityScheme
from waitinglists.models.seniority import LettingRecord
from waitinglists.services.seniority import keep_window

TODAY = timezone.localdate()
REASON = "Test"


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are asserted in English (the UI's source language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def dwelling(department_a):
    return DwellingFactory(department=department_a, rooms=3)


def _entries(general_list, department, count: int, start_year: int = 2010):
    entries = []
    for i in range(count):
        entry = EntryFactory(
            waiting_list=general_list,
            seniority_date=datetime.date(start_year + i // 12, i % 12 + 1, 1),
            rooms_min=1,
            rooms_max=6,
        )
        entry.departments.add(department)
        entries.append(entry)
    return entries


@pytest.fixture
def vacancy(caseworker_a, dwelling):
    return scenarios.open_vacancy(caseworker_a, dwelling)


# --- Offer rounds -----------------------------------------------------------------------------------


@pytest.mark.rule("R2.1")
def test_a_round_offers_the_top_n_with_letters_and_a_deadline(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    scenarios.letting_policy(org_a, offer_round_size=2, answer_days=10)
    first, second, _third = _entries(general_list, department_a, 3)
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    offered = list(offer_round.offers.order_by("rank"))
    assert [o.entry_id for o in offered] == [first.pk, second.pk]
    assert [o.rule for o in offered] == ["R2.1", "R2.1"]
    assert offer_round.answer_deadline == TODAY + datetime.timedelta(days=10)
    letters = Letter.objects.filter(kind="offer")
    assert letters.count() == 2 and all(o.letter_id for o in offered)
    # One open round at a time.
    with pytest.raises(ValidationError):
        workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)


def test_the_best_ranked_acceptance_wins_and_waits_for_better_ranked(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    scenarios.letting_policy(org_a, offer_round_size=3)
    _entries(general_list, department_a, 3)
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    first, second, third = offer_round.offers.order_by("rank")
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=third, answer=Answer.ACCEPTED)
    # Rank 1 and 2 may still answer before the deadline: the round cannot be decided yet.
    with pytest.raises(ValidationError, match="1, 2"):
        workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=first, answer=Answer.DECLINED)
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=second, answer=Answer.ACCEPTED)
    outcome = workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    assert outcome.winner.pk == second.pk and outcome.round.state == RoundState.DECIDED
    third.refresh_from_db()
    assert third.answer == Answer.WITHDRAWN
    assert Letter.objects.filter(kind="offer_outcome", recipient=third.entry.person).exists()


def test_the_deadline_job_counts_unanswered_sets_passive_and_opens_the_next_round(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    scenarios.letting_policy(org_a, offer_round_size=2, answer_days=7, passive_after_unanswered=1)
    first, second, third, fourth = _entries(general_list, department_a, 4)
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    declined = offer_round.offers.get(entry=second)
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=declined, answer=Answer.DECLINED)
    # The deadline day itself is still open for answers; the job acts the day after.
    assert workflow.rounds_expire(today=offer_round.answer_deadline) == 0
    assert workflow.rounds_expire(today=offer_round.answer_deadline + datetime.timedelta(days=1)) == 1
    offer_round.refresh_from_db()
    assert offer_round.state == RoundState.EXHAUSTED
    assert offer_round.offers.get(entry=first).answer == Answer.NO_ANSWER
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EntryStatus.PASSIVE  # 1 unanswered offer reaches this organisation's limit
    assert second.status == EntryStatus.ACTIVE  # declining is an answer
    next_round = OfferRound.objects.get(vacancy=vacancy, number=2)
    assert next_round.state == RoundState.OPEN
    assert set(next_round.offers.values_list("entry_id", flat=True)) == {third.pk, fourth.pk}


def test_a_read_only_user_cannot_open_a_round(read_only_a, general_list, department_a, vacancy):
    _entries(general_list, department_a, 1)
    with pytest.raises(PermissionDenied):
        workflow.round_open(actor=read_only_a, reason=REASON, vacancy=vacancy)


# --- The lease ----------------------------------------------------------------------------------------


def _decided(caseworker, vacancy, entry_index: int = 0):
    offer_round = workflow.round_open(actor=caseworker, reason=REASON, vacancy=vacancy)
    chosen = list(offer_round.offers.order_by("rank"))
    for i, offer in enumerate(chosen):
        answer = Answer.ACCEPTED if i == entry_index else Answer.DECLINED
        offers.offer_answer(actor=caseworker, reason=REASON, offer=offer, answer=answer)
    outcome = workflow.round_close(actor=caseworker, reason=REASON, offer_round=offer_round)
    return outcome.winner


@pytest.mark.rule("R1.10", "R3.5")
def test_signing_makes_the_lease_and_ends_the_place_and_its_seniority(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    scenarios.letting_policy(org_a, offer_round_size=2)
    winner_entry, _other = _entries(general_list, department_a, 2)
    winner = _decided(caseworker_a, vacancy)
    lease = workflow.lease_sign(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=winner.entry.person,
        offer=winner,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    assert lease.landlord == org_a and lease.person == winner_entry.person and lease.entry == winner_entry
    vacancy.refresh_from_db()
    winner_entry.refresh_from_db()
    assert vacancy.state == VacancyState.LET
    assert winner_entry.status == EntryStatus.DELETED and winner_entry.deletion_reason == "lease_signed"
    # No andels membership and no scheme: no right to keep the place (R3.5), no information.
    assert lease.seniority_information_letter is None
    assert not KeepSeniorityRight.objects.filter(entry=winner_entry).exists()
    record = LettingRecord.objects.get(person=winner_entry.person)
    assert record.winner_seniority_date == winner_entry.seniority_date and record.rooms == 3
    assert Letter.objects.filter(kind="lease_confirmation", recipient=winner_entry.person).exists()


@pytest.mark.rule("R1.10", "R3.5")
def test_a_lease_refused_at_its_last_step_leaves_nothing_behind(
    caseworker_a, org_a, general_list, department_a, vacancy, monkeypatch, django_capture_on_commit_callbacks
):
    """Signing is one transaction. When the confirmation letter — the last step — cannot
    be made, there is no lease, the vacancy is open, the winner keeps the place on the list, nothing
    is recorded for the waiting-time estimates and no letter is queued or dispatched."""
    scenarios.letting_policy(org_a, offer_round_size=2)
    winner_entry, _other = _entries(general_list, department_a, 2)
    winner = _decided(caseworker_a, vacancy)
    letters_before = Letter.objects.count()

    def no_template(**kwargs):
        raise ValidationError("There is no letter template for this kind of letter.")

    monkeypatch.setattr(leases, "_confirmation_letter", no_template)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(ValidationError):
        workflow.lease_sign(
            actor=caseworker_a,
            reason=REASON,
            vacancy=vacancy,
            person=winner.entry.person,
            offer=winner,
            signed_on=TODAY,
            starts_on=vacancy.move_out_date,
        )
    assert callbacks == []
    vacancy.refresh_from_db()
    winner_entry.refresh_from_db()
    assert not Lease.objects.filter(vacancy=vacancy).exists()
    assert vacancy.state == VacancyState.OPEN
    assert winner_entry.status != EntryStatus.DELETED
    assert not LettingRecord.objects.filter(person=winner_entry.person).exists()
    assert Letter.objects.count() == letters_before


@pytest.mark.rule("R3.7", "R3.6")
def test_under_a_keep_seniority_scheme_the_written_information_goes_with_the_lease(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    audited_save(
        SeniorityScheme(
            organisation=org_a,
            kind=SchemeKind.KEEP_ON_LEASE,
            decided_on=datetime.date(2015, 1, 1),
            effective_from=datetime.date(2015, 1, 1),
        ),
        actor=system_user(),
        reason=REASON,
    )
    scenarios.letting_policy(org_a, offer_round_size=1)
    _entries(general_list, department_a, 1)
    winner = _decided(caseworker_a, vacancy)
    lease = workflow.lease_sign(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=winner.entry.person,
        offer=winner,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    # The written information goes with the lease (§ 3, stk. 6, 3. pkt.); the 8 days count from
    # the day it is actually sent, not from the signing or the queueing (it is still queued here).
    letter = Letter.objects.get(kind="lease_confirmation")
    assert lease.seniority_information_letter == letter
    assert "8 dage" in letter.body_html and "§ 3, stk. 7 og 6" in letter.body_html
    right = KeepSeniorityRight.objects.get(entry=winner.entry)
    assert (right.rule, right.lease_signed_on, right.information_letter) == (KeepRule.SCHEME, TODAY, letter)
    window = keep_window(right)
    assert (window.informed_on, window.deadline) == (None, None)


def test_a_list_dwelling_cannot_be_let_past_the_offer_round(caseworker_a, person_a, vacancy):
    with pytest.raises(ValidationError, match="best-ranked"):
        workflow.lease_sign(
            actor=caseworker_a,
            reason=REASON,
            vacancy=vacancy,
            person=person_a,
            signed_on=TODAY,
            starts_on=vacancy.move_out_date,
        )


def test_the_tenancy_cannot_start_before_the_dwelling_is_vacant(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _entries(general_list, department_a, 1)
    winner = _decided(caseworker_a, vacancy)
    with pytest.raises(ValidationError) as error:
        workflow.lease_sign(
            actor=caseworker_a,
            reason=REASON,
            vacancy=vacancy,
            person=winner.entry.person,
            offer=winner,
            signed_on=TODAY,
            starts_on=vacancy.move_out_date - datetime.timedelta(days=1),
        )
    assert "starts_on" in error.value.message_dict
    assert not Lease.objects.exists()


# --- Letting outside the eligible group ------------------------------------------------------------------


@pytest.mark.rule("R2.5")
def test_letting_to_others_only_when_nobody_on_the_general_list_can_take_it(
    caseworker_a, general_list, department_a, vacancy, person_a
):
    entry = _entries(general_list, department_a, 1)[0]
    with pytest.raises(ValidationError, match="still applicants"):
        workflow.vacancy_let_outside(actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R2.5", why="x")
    entry.rooms_max = 1  # the dwelling has 3 rooms: no longer wanted
    audited_save(entry, actor=caseworker_a, reason=REASON)
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R2.5", why="Ingen på listen ønsker boligen"
    )
    lease = workflow.lease_sign(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=person_a,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    assert lease.basis.startswith("Let from") or lease.basis


@pytest.mark.rule("R12.3")
def test_a_youth_dwelling_with_nobody_eligible_may_be_let_to_others(caseworker_a, org_a, department_a):
    youth = DwellingFactory(department=department_a, kind="youth", rooms=1)
    vacancy = scenarios.open_vacancy(caseworker_a, youth)
    with pytest.raises(ValidationError):
        workflow.vacancy_let_outside(actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R2.5", why="x")
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R12.3", why="Ingen unge"
    )
    vacancy.refresh_from_db()
    assert vacancy.fallback_rule == "R12.3"


@pytest.mark.rule("R41", "R14.3")
def test_extraordinary_letting_difficulties_and_the_next_vacancy_tries_the_group_again(
    caseworker_a, general_list, department_a, dwelling
):
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R41", why="Udlejes til erhverv i 1 år"
    )
    vacancies.vacancy_cancel(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    # R14.3 is for elder dwellings only.
    with pytest.raises(ValidationError):
        workflow.vacancy_let_outside(
            actor=caseworker_a,
            reason=REASON,
            vacancy=scenarios.open_vacancy(caseworker_a, dwelling),
            rule="R14.3",
            why="x",
        )
    # The next vacancy starts from the lists again: no fallback carried over.
    entry = _entries(general_list, department_a, 1)[0]
    other = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    assert other.fallback_rule == ""
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=other)
    assert offer_round.offers.get().entry == entry


# --- Boliggarantibevis ---------------------------------------------------------------------------------


def _old_lease(caseworker, dwelling, person):
    return audited_save(
        Lease(
            dwelling=dwelling,
            landlord=dwelling.department.organisation,
            controller=dwelling.department.organisation.tenant,
            person=person,
            signed_on=datetime.date(2015, 1, 1),
            starts_on=datetime.date(2015, 2, 1),
            signed_by=caseworker,
        ),
        actor=caseworker,
        reason=REASON,
    )


@pytest.mark.rule("R6.1")
def test_a_departing_tenant_gets_a_guarantee_and_priority_in_the_department_left(
    caseworker_a, org_a, general_list, department_a, dwelling, person_a
):
    scenarios.letting_policy(
        org_a, issues_housing_guarantees=True, housing_guarantee_months=36, offer_round_size=1
    )
    old = _old_lease(caseworker_a, dwelling, person_a)
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    old.refresh_from_db()
    assert vacancy.previous_lease == old and old.ends_on == vacancy.move_out_date
    guarantee = leases.guarantee_issue(
        actor=caseworker_a, reason=REASON, lease=old, moved_out_on=vacancy.move_out_date
    )
    assert guarantee.valid_until == datetime.date(
        vacancy.move_out_date.year + 3, vacancy.move_out_date.month, vacancy.move_out_date.day
    )
    assert Letter.objects.filter(kind="housing_guarantee", recipient=person_a).exists()
    # On the general list, the holder goes before longer seniority for a dwelling in that department.
    _entries(general_list, department_a, 2)
    holder = EntryFactory(
        waiting_list=general_list, person=person_a, seniority_date=datetime.date(2024, 1, 1)
    )
    next_vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=next_vacancy)
    first = offer_round.offers.get(rank=1)
    assert first.entry == holder and first.rule == "R6"
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=first, answer=Answer.ACCEPTED)
    workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    workflow.lease_sign(
        actor=caseworker_a,
        reason=REASON,
        vacancy=next_vacancy,
        person=person_a,
        offer=first,
        signed_on=TODAY,
        starts_on=next_vacancy.move_out_date,
    )
    guarantee.refresh_from_db()
    assert guarantee.state == GuaranteeState.USED
    # Used up by the lease: a history row with the user and the reason (no .update()).
    used = guarantee.history.latest()
    assert (used.state, used.history_user, used.history_change_reason) == (
        GuaranteeState.USED,
        caseworker_a,
        REASON,
    )


@pytest.mark.rule("R6.2", "R40")
def test_no_guarantee_without_the_organisations_decision_on_its_terms_or_when_the_kommune_switched_r6_off(
    caseworker_a, org_a, department_a, dwelling, person_a, kommune_aarhus
):
    old = _old_lease(caseworker_a, dwelling, person_a)
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    with pytest.raises(ValidationError, match=r"R6\.1"):
        leases.guarantee_issue(
            actor=caseworker_a, reason=REASON, lease=old, moved_out_on=vacancy.move_out_date
        )
    policy = scenarios.letting_policy(org_a, issues_housing_guarantees=True)
    with pytest.raises(ValidationError, match="63 c"):
        leases.guarantee_issue(
            actor=caseworker_a,
            reason=REASON,
            lease=old,
            moved_out_on=vacancy.move_out_date,
            relocation_grant=True,
        )
    other_department = DwellingFactory(department__organisation=org_a).department
    policy._history_user, policy._change_reason = system_user(), REASON
    policy.housing_guarantee_departments.add(other_department)
    with pytest.raises(ValidationError, match=r"R6\.2"):
        leases.guarantee_issue(
            actor=caseworker_a, reason=REASON, lease=old, moved_out_on=vacancy.move_out_date
        )
    policy.housing_guarantee_departments.clear()
    audited_save(
        KommuneLettingDecision(
            kommune=kommune_aarhus,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            housing_guarantees_off=True,
        ),
        actor=system_user(),
        reason=REASON,
    )
    with pytest.raises(ValidationError, match="R40"):
        leases.guarantee_issue(
            actor=caseworker_a, reason=REASON, lease=old, moved_out_on=vacancy.move_out_date
        )
    assert not HousingGuarantee.objects.exists()


# --- Concurrency --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_acceptances_give_exactly_one_lease(
    org_a, department_a, general_list, caseworker_a
):
    scenarios.letting_policy(org_a, offer_round_size=20)
    _entries(general_list, department_a, 20)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=3))
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    all_offers = list(offer_round.offers.order_by("rank"))
    barrier = threading.Barrier(len(all_offers))
    signed, refused = [], []

    def accept_and_sign(offer: Offer) -> None:
        try:
            barrier.wait()
            offers.offer_answer(actor=caseworker_a, reason=REASON, offer=offer, answer=Answer.ACCEPTED)
            try:
                outcome = workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
            except ValidationError:
                outcome = None
            winner = Offer.objects.filter(round=offer_round, answer=Answer.ACCEPTED).order_by("rank").first()
            if outcome is None and winner is None:
                refused.append(offer.pk)
                return
            workflow.lease_sign(
                actor=caseworker_a,
                reason=REASON,
                vacancy=vacancy,
                person=winner.entry.person,
                offer=winner,
                signed_on=TODAY,
                starts_on=vacancy.move_out_date,
            )
            signed.append(offer.pk)
        except ValidationError:
            refused.append(offer.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept_and_sign, args=(offer,)) for offer in all_offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Lease.objects.filter(vacancy=vacancy).count() == 1
    assert len(signed) == 1 and len(refused) == 19
    # Everyone accepted; the best-ranked who was decided on won, the others were withdrawn.
    offer_round.refresh_from_db()
    assert offer_round.state == RoundState.DECIDED
    assert Offer.objects.filter(round=offer_round, answer=Answer.ACCEPTED).count() == 1
