"""The kommune's allocation of vacant elder and nursing dwellings (§ 14, § 19, stk. 3, § 20, stk. 2,
§ 24): the need ranking, the dwelling's fit, offers with the appeal guidance, the refusal that
restarts the guarantee clock, acceptance and the lease, and letting outside the eligible group."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from eldercare.models import (
    ElderOfferState,
    ElderVacancyState,
    GuaranteeEntry,
    GuaranteeState,
    NeedState,
    OtherLettingBasis,
    PeriodOutcome,
    SpecificEntryStatus,
)
from eldercare.rules.ranking import Candidate, DwellingFacts, rank
from eldercare.services import allocation as services
from housing.deadlines import add_calendar_months
from housing.models import AccessKind, OwnerKind, PersonalDataAccess
from tests.eldercare_support import decide, elder, elder_dwelling, facility_with_list, join_specific

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.date.today()


def _open(officer, dwelling, **kwargs):
    return services.vacancy_open(
        actor=officer,
        reason="Lejer fraflyttet",
        dwelling=dwelling,
        vacant_from=kwargs.get("vacant_from", TODAY),
        ready_on=kwargs.get("ready_on", TODAY + datetime.timedelta(days=7)),
    )


def _offer(officer, vacancy, key, *, reason="Størst behov"):
    return services.offer_make(
        actor=officer,
        reason=reason,
        vacancy=vacancy,
        candidate_key=key,
        answer_by=TODAY + datetime.timedelta(days=7),
    )


def _cand(key, score, since, **kw):
    return Candidate(
        key=key,
        source=kw.pop("source", "general"),
        entry_id=int(key.split(":")[1]),
        person_id=kw.pop("person_id", int(key.split(":")[1])),
        need_decision_id=1,
        need_kind=kw.pop("need_kind", "nursing"),
        need_score=score,
        waiting_since=since,
        **kw,
    )


# --- The ranking (pure) --------------------------------------------------------------------------


@pytest.mark.rule("R20.2")
def test_greatest_need_first_then_the_longest_wait():
    dwelling = DwellingFacts(kind="plejebolig", suitable_for_two=False, fitted_far_reaching=False)
    ranking = rank(
        [
            _cand("general:1", 8, D(2026, 1, 1)),
            _cand("general:2", 12, D(2026, 3, 1)),
            _cand("specific:3", 8, D(2025, 6, 1), source="specific"),
            _cand("general:4", 12, D(2026, 2, 1)),
        ],
        dwelling,
    )
    assert [r.candidate.key for r in ranking.placed] == ["general:4", "general:2", "specific:3", "general:1"]
    assert [r.rank for r in ranking.placed] == [1, 2, 3, 4]


@pytest.mark.rule("R20.2")
def test_a_person_on_both_lists_is_ranked_once():
    dwelling = DwellingFacts(kind="plejebolig", suitable_for_two=False, fitted_far_reaching=False)
    ranking = rank(
        [
            _cand("general:1", 8, D(2026, 1, 1), person_id=7),
            _cand("specific:2", 8, D(2025, 1, 1), person_id=7, source="specific"),
        ],
        dwelling,
    )
    assert [r.candidate.key for r in ranking.placed] == ["specific:2"]


@pytest.mark.rule("R19.3", "R14.2", "R14.3")
def test_the_fit_of_the_dwelling():
    with translation.override("en"):
        plain = DwellingFacts(kind="plejebolig", suitable_for_two=False, fitted_far_reaching=False)
        couple = _cand("general:1", 10, D(2026, 1, 1), needs_two=True)
        single = _cand("general:2", 4, D(2026, 1, 1))
        elder_need = _cand("general:3", 16, D(2026, 1, 1), need_kind="elder_dwelling")
        ranking = rank([couple, single, elder_need], plain)
        assert [r.candidate.key for r in ranking.placed] == ["general:2"]
        problems = {r.candidate.key: r.problems for r in ranking.unfit}
        assert "R19.3" in problems["general:1"][0]
        assert "kind of dwelling" in problems["general:3"][0]
        for_two = DwellingFacts(kind="plejebolig", suitable_for_two=True, fitted_far_reaching=False)
        assert [r.candidate.key for r in rank([couple, single], for_two).placed] == ["general:1", "general:2"]
        fitted = DwellingFacts(kind="plejebolig", suitable_for_two=False, fitted_far_reaching=True)
        disabled = _cand("general:4", 2, D(2026, 1, 1), far_reaching=True)
        assert [r.candidate.key for r in rank([single, disabled], fitted).placed] == ["general:4"]
        widened = DwellingFacts(
            kind="plejebolig", suitable_for_two=False, fitted_far_reaching=True, eligible_not_found=True
        )
        assert [r.candidate.key for r in rank([single], widened).placed] == ["general:2"]


# --- Offers, answers, the lease -------------------------------------------------------------------


@pytest.mark.rule("R20.2", "R14.1", "R24", "R16.1")
def test_candidates_from_both_lists_ranked_with_deadlines_and_the_offer_letter_carries_the_appeal_guidance(
    kommune_officer, kommune_aarhus
):
    dwelling = elder_dwelling(kommune_aarhus, address_line="Solbakken 1, st. 3")
    _facility, specific = facility_with_list(kommune_aarhus, [dwelling])
    low = elder(kommune_aarhus, first_name="Lav")
    decide(
        kommune_officer,
        kommune_aarhus,
        low,
        scores=(1, 1, 1, 1),
        decided_on=TODAY - datetime.timedelta(days=40),
    )
    high = elder(kommune_aarhus, first_name="Høj")
    decide(
        kommune_officer,
        kommune_aarhus,
        high,
        scores=(4, 3, 3, 2),
        decided_on=TODAY - datetime.timedelta(days=5),
    )
    chooser = elder(kommune_aarhus, first_name="Valgt")
    decide(kommune_officer, kommune_aarhus, chooser, scores=(3, 3, 2, 2), choice="specific")
    entry = join_specific(specific, chooser, joined_on=TODAY - datetime.timedelta(days=90))
    vacancy = _open(kommune_officer, dwelling)
    ranking, notes = services.vacancy_ranking(vacancy)
    assert [r.candidate.person_id for r in ranking.placed] == [high.pk, chooser.pk, low.pk]
    assert ranking.placed[0].candidate.deadline == GuaranteeEntry.objects.get(person=high).deadline
    assert ranking.placed[1].candidate.deadline is None and ranking.placed[1].candidate.source == "specific"
    assert notes == []

    offer = _offer(kommune_officer, vacancy, ranking.placed[0].candidate.key, reason="Størst plejebehov")
    assert offer.rank == 1 and offer.need_score == 12 and offer.state == ElderOfferState.PENDING
    letter = offer.offer_letter
    assert letter.kind == "elder_offer" and letter.recipient == high
    assert "Ankestyrelsen" in letter.body_html and "Klagevejledning" in letter.body_html
    assert "Solbakken 1, st. 3" in letter.subject and "Størst plejebehov" in letter.body_html
    assert "§ 17" in letter.body_html  # the general-list elder is told what a refusal does
    period = GuaranteeEntry.objects.get(person=high).periods.get()
    assert period.offered_on == TODAY and period.offered_ready_on == vacancy.ready_on
    # One offer at a time.
    with pytest.raises(ValidationError):
        _offer(kommune_officer, vacancy, ranking.placed[1].candidate.key)
    assert entry.status == SpecificEntryStatus.ACTIVE


@pytest.mark.rule("R17")
def test_a_refusal_restarts_the_clock_and_the_next_candidate_can_be_offered(kommune_officer, kommune_aarhus):
    dwelling = elder_dwelling(kommune_aarhus)
    first = elder(kommune_aarhus)
    decide(
        kommune_officer,
        kommune_aarhus,
        first,
        scores=(4, 4, 4, 4),
        decided_on=TODAY - datetime.timedelta(days=30),
    )
    second = elder(kommune_aarhus)
    decide(
        kommune_officer,
        kommune_aarhus,
        second,
        scores=(1, 1, 1, 1),
        decided_on=TODAY - datetime.timedelta(days=30),
    )
    vacancy = _open(kommune_officer, dwelling)
    offer = _offer(kommune_officer, vacancy, f"general:{GuaranteeEntry.objects.get(person=first).pk}")
    received = TODAY
    services.offer_refuse(
        actor=kommune_officer, reason="Afslag pr. telefon", offer=offer, received_on=received
    )
    offer.refresh_from_db()
    assert offer.state == ElderOfferState.REFUSED and offer.answered_on == received
    entry = GuaranteeEntry.objects.get(person=first)
    assert entry.state == GuaranteeState.WAITING and entry.refusals == 1
    assert entry.clock_started_on == received
    assert entry.deadline == add_calendar_months(received, 2)
    ranking, _ = services.vacancy_ranking(vacancy)
    assert [r.candidate.person_id for r in ranking.placed] == [second.pk]  # who refused is not offered again


@pytest.mark.rule("R20.2", "R24", "R16.1")
def test_acceptance_gives_the_decision_letter_and_the_lease_with_the_owner(kommune_officer, kommune_aarhus):
    dwelling = elder_dwelling(kommune_aarhus, owner_kind=OwnerKind.KOMMUNE, owner_name="Aarhus Kommune")
    _facility, specific = facility_with_list(kommune_aarhus, [dwelling])
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person, scores=(3, 3, 3, 3), choice="specific")
    entry = join_specific(specific, person, joined_on=TODAY - datetime.timedelta(days=30))
    on_list = elder(kommune_aarhus)
    decide(
        kommune_officer,
        kommune_aarhus,
        on_list,
        scores=(4, 4, 4, 4),
        decided_on=TODAY - datetime.timedelta(days=3),
    )
    vacancy = _open(kommune_officer, dwelling, ready_on=TODAY + datetime.timedelta(days=5))
    guarantee_entry = GuaranteeEntry.objects.get(person=on_list)
    offer = _offer(kommune_officer, vacancy, f"general:{guarantee_entry.pk}")
    services.offer_accept(actor=kommune_officer, reason="Ja tak", offer=offer, received_on=TODAY)
    offer.refresh_from_db()
    assert offer.state == ElderOfferState.ACCEPTED
    decision_letter = offer.decision_letter
    assert decision_letter.kind == "elder_allocation_decision" and decision_letter.legal_notice
    assert "Ankestyrelsen" in decision_letter.body_html and "Aarhus Kommune" in decision_letter.body_html
    guarantee_entry.refresh_from_db()
    assert guarantee_entry.state == GuaranteeState.HOUSED
    assert guarantee_entry.periods.get().outcome == PeriodOutcome.ACCEPTED
    assert offer.need_decision.__class__.objects.get(pk=offer.need_decision_id).state == NeedState.HOUSED
    with pytest.raises(ValidationError) as error:
        services.lease_record(
            actor=kommune_officer,
            reason="x",
            offer=offer,
            signed_on=TODAY,
            starts_on=TODAY - datetime.timedelta(days=1),
        )
    assert "starts_on" in error.value.message_dict
    lease = services.lease_record(
        actor=kommune_officer,
        reason="Lejekontrakt underskrevet",
        offer=offer,
        signed_on=TODAY,
        starts_on=TODAY + datetime.timedelta(days=5),
    )
    vacancy.refresh_from_db()
    assert vacancy.state == ElderVacancyState.LET and lease.landlord == "Aarhus Kommune"
    assert lease.starts_on == TODAY + datetime.timedelta(days=5)
    entry.refresh_from_db()
    assert entry.status == SpecificEntryStatus.ACTIVE  # the specific-list applicant was not housed


@pytest.mark.rule("R20.2")
def test_a_specific_list_applicant_housed_gets_housed_on(kommune_officer, kommune_aarhus):
    dwelling = elder_dwelling(kommune_aarhus, kind="elder")
    _facility, specific = facility_with_list(kommune_aarhus, [dwelling], kind="aeldreboliger")
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person, kind="elder_dwelling")
    entry = join_specific(specific, person, joined_on=TODAY - datetime.timedelta(days=200))
    without_decision = elder(kommune_aarhus)
    join_specific(specific, without_decision, joined_on=TODAY - datetime.timedelta(days=400))
    vacancy = _open(kommune_officer, dwelling, ready_on=TODAY + datetime.timedelta(days=3))
    ranking, notes = services.vacancy_ranking(vacancy)
    assert [r.candidate.person_id for r in ranking.placed] == [person.pk]
    assert len(notes) == 1  # the applicant without a needs decision cannot be ranked by need
    offer = _offer(kommune_officer, vacancy, f"specific:{entry.pk}")
    services.offer_accept(actor=kommune_officer, reason="Ja", offer=offer, received_on=TODAY)
    entry.refresh_from_db()
    assert entry.status == SpecificEntryStatus.HOUSED and entry.housed_on == TODAY + datetime.timedelta(
        days=3
    )


@pytest.mark.rule("R19.3")
def test_an_elder_with_a_spouse_moving_along_cannot_be_offered_a_dwelling_for_one(
    kommune_officer, kommune_aarhus
):
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person, partner=("spouse", "Erik Hansen"))
    entry = GuaranteeEntry.objects.get(person=person)
    vacancy = _open(kommune_officer, elder_dwelling(kommune_aarhus, suitable_for_two=False))
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _offer(kommune_officer, vacancy, f"general:{entry.pk}")
    assert "R19.3" in str(error.value)
    for_two = _open(kommune_officer, elder_dwelling(kommune_aarhus, suitable_for_two=True))
    assert _offer(kommune_officer, for_two, f"general:{entry.pk}").person == person


@pytest.mark.rule("R14.2", "R14.3")
def test_a_dwelling_for_far_reaching_disabilities_goes_to_that_group_and_never_to_others(
    kommune_officer, kommune_aarhus
):
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person)
    entry = GuaranteeEntry.objects.get(person=person)
    dwelling = elder_dwelling(kommune_aarhus, fitted_far_reaching_disability=True)
    vacancy = _open(kommune_officer, dwelling)
    with pytest.raises(ValidationError):
        _offer(kommune_officer, vacancy, f"general:{entry.pk}")
    with pytest.raises(ValidationError):  # never to others (R14.3, 2nd sentence)
        services.vacancy_let_to_others(
            actor=kommune_officer,
            reason="x",
            vacancy=vacancy,
            basis=OtherLettingBasis.OTHERS,
            note="Søgt bredt",
        )
    services.vacancy_eligible_not_found(
        actor=kommune_officer,
        reason="Ingen i målgruppen",
        vacancy=vacancy,
        note="Ingen med vidtgående handicap",
    )
    offer = _offer(kommune_officer, vacancy, f"general:{entry.pk}")  # now the R14.1 group
    assert offer.person == person
    # A disabled elder is offered the dwelling when there is one, however small the rest of the need.
    disabled = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, disabled, scores=(0, 1, 0, 0), far_reaching=True)
    next_vacancy = _open(kommune_officer, elder_dwelling(kommune_aarhus, fitted_far_reaching_disability=True))
    ranking, _ = services.vacancy_ranking(next_vacancy)
    assert [r.candidate.person_id for r in ranking.placed] == [disabled.pk]


@pytest.mark.rule("R14.3")
def test_let_to_others_only_when_the_eligible_group_is_not_found_and_the_next_vacancy_tries_again(
    kommune_officer, kommune_aarhus
):
    dwelling = elder_dwelling(kommune_aarhus, kind="elder")
    vacancy = _open(kommune_officer, dwelling)
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person, kind="elder_dwelling")
    _facility, specific = facility_with_list(kommune_aarhus, [dwelling], kind="aeldreboliger")
    entry = join_specific(specific, person, joined_on=TODAY)
    with pytest.raises(ValidationError):
        services.vacancy_let_to_others(
            actor=kommune_officer, reason="x", vacancy=vacancy, basis=OtherLettingBasis.OTHERS, note="Ingen"
        )
    entry.status, entry.left_on = SpecificEntryStatus.REMOVED, TODAY
    entry._history_user, entry._change_reason = kommune_officer, "Udmeldt"
    entry.save()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.vacancy_let_to_others(
            actor=kommune_officer, reason="x", vacancy=vacancy, basis=OtherLettingBasis.OTHERS, note=""
        )
    assert "note" in error.value.message_dict
    services.vacancy_let_to_others(
        actor=kommune_officer,
        reason="Ingen ansøgere",
        vacancy=vacancy,
        basis=OtherLettingBasis.OTHERS,
        note="Venteliste tom, annonceret",
    )
    vacancy.refresh_from_db()
    assert vacancy.state == ElderVacancyState.LET_TO_OTHERS and vacancy.eligible_not_found_on == TODAY
    # On the next vacancy the eligible group is tried again: nothing carries over.
    again = _open(kommune_officer, dwelling)
    assert again.eligible_not_found_on is None and again.state == ElderVacancyState.OPEN
    newcomer = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, newcomer, kind="elder_dwelling")
    join_specific(specific, newcomer, joined_on=TODAY)
    ranking, _ = services.vacancy_ranking(again)
    assert [r.candidate.person_id for r in ranking.placed] == [newcomer.pk]


@pytest.mark.rule("R14.4", "R14.5")
@pytest.mark.parametrize(
    ("owner_kind", "allowed"),
    [
        (OwnerKind.ORGANISATION, True),
        (OwnerKind.KOMMUNE, False),
        (OwnerKind.INSTITUTION, False),
    ],
)
def test_family_or_youth_letting_needs_the_kommunes_approval_and_not_for_kommune_or_institution_owned(
    kommune_officer, kommune_aarhus, owner_kind, allowed
):
    extra = {} if owner_kind == OwnerKind.ORGANISATION else {"owner_name": "Ejer"}
    vacancy = _open(
        kommune_officer, elder_dwelling(kommune_aarhus, kind="elder", owner_kind=owner_kind, **extra)
    )
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.vacancy_let_to_others(
            actor=kommune_officer, reason="x", vacancy=vacancy, basis=OtherLettingBasis.FAMILY
        )
    assert "approved_on" in error.value.message_dict
    call = {
        "actor": kommune_officer,
        "reason": "Ingen efterspørgsel",
        "vacancy": vacancy,
        "basis": OtherLettingBasis.FAMILY,
        "approved_on": TODAY,
        "approval_ref": "Byrådet sag 12",
    }
    if allowed:
        services.vacancy_let_to_others(**call)
        vacancy.refresh_from_db()
        assert vacancy.state == ElderVacancyState.LET_TO_OTHERS and vacancy.other_letting_approved_on == TODAY
    else:
        with pytest.raises(ValidationError) as error:
            services.vacancy_let_to_others(**call)
        assert "basis" in error.value.message_dict


@pytest.mark.rule("R14.6")
def test_private_plejeboliger_follow_r14_1_to_r14_3_but_not_r14_4(kommune_officer, kommune_aarhus):
    dwelling = elder_dwelling(kommune_aarhus, owner_kind=OwnerKind.PRIVATE, owner_name="Privat Pleje ApS")
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person)
    vacancy = _open(kommune_officer, dwelling)
    offer = _offer(kommune_officer, vacancy, f"general:{GuaranteeEntry.objects.get(person=person).pk}")
    assert "Privat Pleje ApS" in offer.offer_letter.body_html
    services.offer_refuse(actor=kommune_officer, reason="Nej", offer=offer, received_on=TODAY)
    with pytest.raises(ValidationError) as error:
        services.vacancy_let_to_others(
            actor=kommune_officer,
            reason="x",
            vacancy=vacancy,
            basis=OtherLettingBasis.YOUTH,
            approved_on=TODAY,
        )
    assert "basis" in error.value.message_dict
    services.vacancy_let_to_others(  # R14.3 applies to private plejeboliger too
        actor=kommune_officer,
        reason="Ingen",
        vacancy=vacancy,
        basis=OtherLettingBasis.OTHERS,
        note="Ingen på listen",
    )


@pytest.mark.rule("R14.1")
def test_only_the_kommunes_officer_allocates(kommune_aarhus, kommune_officer, caseworker_a, org_b):
    from housing.models import Kommune, Role
    from tests.factories import MembershipFactory, UserFactory

    dwelling = elder_dwelling(kommune_aarhus)
    with pytest.raises(PermissionDenied):
        _open(caseworker_a, dwelling)
    odense_officer = UserFactory()
    MembershipFactory(
        user=odense_officer, tenant=Kommune.objects.get(code="0461").tenant, role=Role.KOMMUNE_OFFICER
    )
    with pytest.raises(PermissionDenied):
        _open(odense_officer, dwelling)
    with pytest.raises(ValidationError):
        _open(kommune_officer, elder_dwelling(kommune_aarhus, kind="family"))


@pytest.mark.rule("R20.2")
def test_the_candidate_page_logs_the_assessed_need_read(kommune_officer, kommune_aarhus, client_for):
    person = elder(kommune_aarhus)
    decide(kommune_officer, kommune_aarhus, person)
    vacancy = _open(kommune_officer, elder_dwelling(kommune_aarhus))
    before = PersonalDataAccess.objects.filter(person=person, kind=AccessKind.SENSITIVE_READ).count()
    response = client_for(kommune_officer).get(f"/kommune/aeldre/ledige/{vacancy.pk}/")
    assert response.status_code == 200
    assert person.full_name in response.content.decode()
    assert (
        PersonalDataAccess.objects.filter(person=person, kind=AccessKind.SENSITIVE_READ).count() == before + 1
    )
