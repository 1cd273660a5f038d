"""Kommune approval of lettings: R42.1 (each letting of family/youth dwellings), R42.2 (income
against rent, assessed), R42.3 (5 hverdage from receipt — a kommune's closing days do not move it —
then no income or refugee refusal; the job marks an R42.1 request lapsed-approved), R42.4
(refugees), R36.1 (kombineret udlejning, benefit status read and logged), R36.3 (reasons for a
refusal), R12.1 (startboliger), R12.4/R14.4 (letting out of kind), the pages and the tenancy walls.
The never-lapsing approvals, the letters to the organisation and the complaint guidance are in
``test_approval_deadlines.py`` and ``test_complaint_guidance.py``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from allocation.models import (
    Answer,
    Nomination,
    OfferRound,
    RoundState,
    VacancyState,
)
from allocation.services import vacancies
from approvals import creation, petitions, rules
from approvals import reports as approval_reports
from approvals import selectors as approval_selectors
from approvals import services as approvals
from approvals.models import (
    ApprovalRequest,
    ApprovalState,
    BenefitFinding,
    CombinedLettingPetition,
    PetitionState,
    RefusalGround,
)
from housing.audit import audited_save, system_user
from housing.deadlines import add_working_days
from housing.models import (
    AccessKind,
    AreaStatusKind,
    BenefitKind,
    BenefitSource,
    BenefitStatus,
    DepartmentAreaStatus,
    KommuneClosingDay,
    PersonalDataAccess,
    Role,
)
from letters.models import Letter
from letting import workflow
from tests import scenarios
from tests.factories import DwellingFactory, MembershipFactory, PersonFactory, UserFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

TODAY = timezone.localdate()
REASON = "Test"
D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


#: Pages in English, the source language (see ``client_for`` in conftest).
PAGE_LANGUAGE = "en"


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def dwelling(department_a):
    return DwellingFactory(department=department_a, rooms=3, monthly_rent=Decimal("7500.00"))


def _save(obj):
    return audited_save(obj, actor=system_user(), reason=REASON)


FAR_BACK = datetime.date(2020, 1, 1)


def _entries(general_list, department, count: int):
    entries = []
    for i in range(count):
        entry = EntryFactory(
            waiting_list=general_list, seniority_date=D(2010 + i, 1, 1), rooms_min=1, rooms_max=6
        )
        entry.departments.add(department)
        entries.append(entry)
    return entries


def _sign(caseworker, vacancy, offer):
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


@pytest.fixture
def approval_world(caseworker_a, org_a, kommune_aarhus, general_list, department_a, dwelling):
    """A family dwelling in Aarhus, which approves each letting (R42.1); a decided round whose
    winner (rank 1) waits for the kommune, rank 2 also accepted."""
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=2)
    _entries(general_list, department_a, 2)
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    offer_round, (first, second) = scenarios.decided_round(
        caseworker_a, vacancy, [Answer.ACCEPTED, Answer.ACCEPTED]
    )
    request = ApprovalRequest.objects.get(vacancy=vacancy)
    return {"vacancy": vacancy, "round": offer_round, "first": first, "second": second, "request": request}


# --- R42.1: when approval is needed -----------------------------------------------------------------


@pytest.mark.rule("R42.1")
def test_a_decided_round_sends_the_letting_to_the_kommune_and_the_lease_waits(
    caseworker_a, kommune_officer, approval_world
):
    w = approval_world
    request = w["request"]
    assert request.person == w["first"].entry.person and request.offer == w["first"]
    assert request.grounds == ["R42.1"] and request.state == ApprovalState.PENDING
    assert request.received_on == TODAY
    assert request.deadline == add_working_days(TODAY, 5)
    assert request.monthly_rent == Decimal("7500.00")
    with pytest.raises(ValidationError, match="not yet approved"):
        _sign(caseworker_a, w["vacancy"], w["first"])
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True)
    lease = _sign(caseworker_a, w["vacancy"], w["first"])
    assert lease.person == w["first"].entry.person
    letter = Letter.objects.get(kind="approval_approved", recipient=lease.person)
    assert "godkendt" in letter.body_html


@pytest.mark.rule("R42.1")
def test_no_decision_no_request_and_a_decision_counts_from_its_date(
    caseworker_a, org_a, kommune_aarhus, general_list, department_a, dwelling
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _entries(general_list, department_a, 2)
    # Decided, but in force only from tomorrow: today's letting needs no approval.
    scenarios.kommune_decision(
        kommune_aarhus, valid_from=TODAY + datetime.timedelta(days=1), approves_each_letting=True
    )
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    _offer_round, (first,) = scenarios.decided_round(caseworker_a, vacancy, [Answer.ACCEPTED])
    assert not ApprovalRequest.objects.exists()
    assert _sign(caseworker_a, vacancy, first).pk


@pytest.mark.rule("R42.1")
def test_r42_1_family_and_youth_are_decided_separately():
    family = rules.LettingFacts(dwelling_kind="family", approves_family=True)
    youth = rules.LettingFacts(dwelling_kind="youth", approves_family=True)
    assert rules.approval_grounds(family) == ["R42.1"]
    assert rules.approval_grounds(youth) == []
    assert rules.approval_grounds(rules.LettingFacts(dwelling_kind="youth", approves_youth=True)) == ["R42.1"]
    assert rules.approval_grounds(rules.LettingFacts(dwelling_kind="elder", approves_family=True)) == []
    # The kommune's own nomination (R1.4) and leases outside the rules (R1.2, R1.3) need none.
    assert rules.approval_grounds(replace_channel(family, "kommunal_anvisning")) == []
    assert rules.approval_grounds(replace_channel(family, "out_of_scope")) == []


def replace_channel(facts, channel):
    from dataclasses import replace

    return replace(facts, channel=channel)


@pytest.mark.rule("R42.1")
def test_a_youth_dwelling_goes_to_the_kommune_when_it_approves_youth_lettings(
    caseworker_a, kommune_aarhus, department_a, org_a
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True, approves_each_youth_letting=True)
    youth = DwellingFactory(department=department_a, kind="youth", rooms=1)
    vacancy = scenarios.open_vacancy(caseworker_a, youth)
    person = PersonFactory(controller=org_a.tenant)
    request = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person)
    assert request.grounds == ["R42.1"]
    # Asked again, the same request (not a second one).
    again = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person)
    assert again.pk == request.pk


# --- R12.1, R12.4, R14.4 -----------------------------------------------------------------------------


@pytest.mark.rule("R12.1")
def test_a_startbolig_always_needs_the_kommunes_approval(caseworker_a, department_a, org_a):
    startbolig = DwellingFactory(department=department_a, kind="youth", youth_kind="startbolig", rooms=1)
    vacancy = scenarios.open_vacancy(caseworker_a, startbolig)
    person = PersonFactory(controller=org_a.tenant, born=TODAY.replace(year=TODAY.year - 20))
    request = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person)
    assert request is not None and request.grounds == ["R12.1"]
    # An ordinary youth dwelling needs none without a decision.
    ordinary = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=department_a, kind="youth", rooms=1)
    )
    assert (
        approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=ordinary, person=person)
        is None
    )


@pytest.mark.rule("R12.1")
def test_a_startbolig_refusal_must_concern_a_startbolig(caseworker_a, kommune_officer, department_a, org_a):
    startbolig = DwellingFactory(department=department_a, kind="youth", youth_kind="startbolig", rooms=1)
    vacancy = scenarios.open_vacancy(caseworker_a, startbolig)
    person = PersonFactory(controller=org_a.tenant)
    request = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person)
    with pytest.raises(ValidationError) as error:
        approvals.approval_decide(
            actor=kommune_officer,
            reason=REASON,
            request=request,
            approve=False,
            refusal_ground=RefusalGround.OUT_OF_KIND,
            decision_reasons="Ikke relevant",
        )
    assert "refusal_ground" in error.value.message_dict
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.STARTBOLIG,
        decision_reasons="Ansøgeren har ikke behov for bostøtte.",
    )
    assert refused.state == ApprovalState.REFUSED


@pytest.mark.rule("R12.4")
def test_a_youth_dwelling_let_as_a_family_dwelling_needs_approval(
    caseworker_a, kommune_officer, department_a, org_a
):
    youth = DwellingFactory(department=department_a, kind="youth", rooms=2)
    vacancy = scenarios.open_vacancy(caseworker_a, youth)
    person = PersonFactory(controller=org_a.tenant)
    request = creation.approval_request_create(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person, let_as="family"
    )
    assert request.grounds == ["R12.4"] and request.let_as == "family"
    with pytest.raises(ValidationError, match="pending"):
        creation.approval_request_create(
            actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person, let_as="elder"
        )
    approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.OUT_OF_KIND,
        decision_reasons="Der er efterspørgsel efter ungdomsboliger i området.",
    )
    # A family dwelling cannot be let "out of kind"; nor may a caseworker of another organisation ask.
    family = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=department_a, kind="family", rooms=2)
    )
    with pytest.raises(ValidationError) as error:
        creation.approval_request_create(
            actor=caseworker_a, reason=REASON, vacancy=family, person=person, let_as="youth"
        )
    assert "let_as" in error.value.message_dict


@pytest.mark.rule("R14.4")
def test_an_elder_dwelling_let_as_family_or_youth_needs_approval_unless_kommune_owned(
    caseworker_a, department_a, org_a
):
    elder = DwellingFactory(department=department_a, kind="elder", rooms=2)
    vacancy = scenarios.open_vacancy(caseworker_a, elder)
    person = PersonFactory(controller=org_a.tenant)
    request = creation.approval_request_create(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person, let_as="youth"
    )
    assert request.grounds == ["R14.4"]
    owned = DwellingFactory(
        department=department_a, kind="elder", rooms=2, owner_kind="kommune", owner_name="Aarhus Kommune"
    )
    with pytest.raises(ValidationError) as error:
        creation.approval_request_create(
            actor=caseworker_a,
            reason=REASON,
            vacancy=scenarios.open_vacancy(caseworker_a, owned),
            person=person,
            let_as="family",
        )
    assert "R14.5" in str(error.value.message_dict["let_as"])
    fitted = DwellingFactory(
        department=department_a, kind="elder", rooms=2, fitted_far_reaching_disability=True
    )
    with pytest.raises(ValidationError) as error:
        creation.approval_request_create(
            actor=caseworker_a,
            reason=REASON,
            vacancy=scenarios.open_vacancy(caseworker_a, fitted),
            person=person,
            let_as="family",
        )
    assert "R14.2" in str(error.value.message_dict["let_as"])


@pytest.mark.rule("R12.4", "R14.4")
def test_out_of_kind_rules():
    assert rules.approval_grounds(rules.LettingFacts(dwelling_kind="youth", let_as="elder")) == ["R12.4"]
    # Let as a family dwelling in a kommune approving family lettings: both grounds.
    both = rules.LettingFacts(dwelling_kind="elder", let_as="family", approves_family=True)
    assert rules.approval_grounds(both) == ["R14.4", "R42.1"]
    assert (
        rules.out_of_kind_problem(
            rules.LettingFacts(dwelling_kind="elder", let_as="family", owner_kind="institution")
        )
        == "R14.5"
    )
    assert rules.out_of_kind_problem(rules.LettingFacts(dwelling_kind="family", let_as="youth")) == "kind"
    # § 14, stk. 5 names a kommune and a self-governing institution; a region's are not excluded.
    region = rules.LettingFacts(dwelling_kind="elder", let_as="family", owner_kind="region")
    assert rules.out_of_kind_problem(region) == ""
    assert rules.out_of_kind_problem(rules.LettingFacts(dwelling_kind="youth", let_as="youth")) == ""


# --- R42.2, R42.4, R36.3, R24: the decision ---------------------------------------------------------


@pytest.mark.rule("R42.2", "R42.3")
def test_a_refusal_on_income_needs_the_income_and_a_concrete_assessment(kommune_officer, approval_world):
    request = approval_world["request"]
    with pytest.raises(ValidationError) as error:
        approvals.approval_decide(
            actor=kommune_officer,
            reason=REASON,
            request=request,
            approve=False,
            refusal_ground=RefusalGround.INCOME,
            decision_reasons="Huslejen er for høj.",
        )
    assert {"household_income", "income_assessment"} <= set(error.value.message_dict)
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING  # nothing half-saved
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.INCOME,
        decision_reasons="Huslejen udgør over 60 % af husstandens indkomst.",
        household_income=Decimal("150000"),
        income_assessment="Ingen formue og ingen udsigt til højere indkomst; boligstøtten dækker ikke.",
    )
    assert refused.state == ApprovalState.REFUSED and refused.decided_on == TODAY
    assert refused.household_income == Decimal("150000")
    assert rules.rent_share_of_income(
        monthly_rent=refused.monthly_rent, yearly_income=refused.household_income
    ) == Decimal("0.600")
    # R42.3: the applicant is told in writing. The bekendtgørelse names no complaint route for a § 42
    # refusal (§ 24 does not list almenboligloven § 61), so the letter invents none — it used to
    # name Ankestyrelsen. The organisation gets a letter of its own (test_approval_deadlines.py).
    letter = Letter.objects.get(pk=refused.applicant_letter_id)
    assert letter.kind == "approval_refused" and letter.recipient == refused.person
    assert "60 %" in letter.body_html
    assert "Ankestyrelsen" not in letter.body_html and "Klagevejledning" not in letter.body_html
    assert letter.controller_id == approval_world["vacancy"].controller_id
    assert letter.sender_id == refused.kommune.tenant_id


@pytest.mark.rule("R42.2")
def test_rent_share_without_income_is_none():
    assert rules.rent_share_of_income(monthly_rent=Decimal("5000"), yearly_income=None) is None
    assert rules.rent_share_of_income(monthly_rent=Decimal("5000"), yearly_income=Decimal("0")) is None
    assert rules.rent_share_of_income(
        monthly_rent=Decimal("5000"), yearly_income=Decimal("240000")
    ) == Decimal("0.250")


@pytest.mark.rule("R42.4")
def test_a_refusal_of_a_refugee_needs_the_refugee_status(kommune_officer, approval_world):
    request = approval_world["request"]
    with pytest.raises(ValidationError) as error:
        approvals.approval_decide(
            actor=kommune_officer,
            reason=REASON,
            request=request,
            approve=False,
            refusal_ground=RefusalGround.REFUGEE,
            decision_reasons="Boligplacering af flygtninge.",
        )
    assert "is_refugee" in error.value.message_dict
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge efter almenboliglovens § 62.",
        is_refugee=True,
    )
    assert refused.state == ApprovalState.REFUSED and refused.is_refugee


@pytest.mark.rule("R36.3")
def test_a_refusal_without_reasons_is_refused(kommune_officer, approval_world):
    request = approval_world["request"]
    with pytest.raises(ValidationError) as error:
        approvals.approval_decide(
            actor=kommune_officer,
            reason=REASON,
            request=request,
            approve=False,
            refusal_ground=RefusalGround.REFUGEE,
            is_refugee=True,
            decision_reasons="   ",
        )
    assert "decision_reasons" in error.value.message_dict


@pytest.mark.rule("R36.3")
def test_a_kommune_refusing_a_petition_for_kombineret_udlejning_gives_reasons(
    kommune_officer, org_a, kommune_aarhus
):
    petition = _save(
        CombinedLettingPetition(
            organisation=org_a, kommune=kommune_aarhus, requested_on=TODAY, request_text="Vi anmoder om …"
        )
    )
    with pytest.raises(ValidationError) as error:
        petitions.petition_decide(actor=kommune_officer, reason=REASON, petition=petition, grant=False)
    assert "reasons" in error.value.message_dict
    answered = petitions.petition_decide(
        actor=kommune_officer, reason=REASON, petition=petition, grant=False, reasons="Området er i bedring."
    )
    assert answered.state == PetitionState.REFUSED and answered.reasons
    with pytest.raises(ValidationError):
        petitions.petition_decide(actor=kommune_officer, reason=REASON, petition=petition, grant=True)
    # The model refuses it too (the admin path).
    bare = CombinedLettingPetition(
        organisation=org_a, kommune=kommune_aarhus, requested_on=TODAY, request_text="x", state="refused"
    )
    with pytest.raises(ValidationError):
        bare.full_clean()


# --- R42.3: the deadline -------------------------------------------------------------------------


@pytest.mark.rule("R42.3")
def test_a_refusal_on_the_deadline_day_is_in_time_the_day_after_it_is_refused(
    kommune_officer, approval_world
):
    request = approval_world["request"]
    kwargs = {
        "actor": kommune_officer,
        "reason": REASON,
        "request": request,
        "approve": False,
        "refusal_ground": RefusalGround.REFUGEE,
        "decision_reasons": "Boligplacering af flygtninge.",
        "is_refugee": True,
    }
    with pytest.raises(ValidationError, match="no longer refuse"):
        approvals.approval_decide(**kwargs, today=request.deadline + datetime.timedelta(days=1))
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING
    assert approvals.approval_decide(**kwargs, today=request.deadline).state == ApprovalState.REFUSED


@pytest.mark.rule("R42.3")
def test_5_hverdage_across_easter_and_christmas_the_kommunes_closing_days_do_not_move_it(
    caseworker_a, kommune_aarhus, department_a, org_a
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    person = PersonFactory(controller=org_a.tenant)

    def deadline(received):
        vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
        return approvals.request_if_needed(
            actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person, day=received
        ).deadline

    # Easter: 7, 8, 9, 10, 13 April. Christmas: 24 December is no hverdag, nor 25 and 26.
    assert deadline(D(2026, 4, 1)) == D(2026, 4, 13)
    assert deadline(D(2026, 12, 21)) == D(2026, 12, 30)
    # The kommune's own closing days are hverdage all the same: the deadline stays (it used to move).
    for day in (D(2026, 4, 7), D(2026, 12, 22)):
        _save(KommuneClosingDay(kommune=kommune_aarhus, day=day, note="Lukkedag"))
    assert deadline(D(2026, 4, 1)) == D(2026, 4, 13)
    assert deadline(D(2026, 12, 21)) == D(2026, 12, 30)
    assert deadline(D(2026, 12, 23)) == D(2027, 1, 5)


@pytest.mark.rule("R42.3")
def test_another_kommunes_closing_day_does_not_count(
    caseworker_a, kommune_aarhus, kommune_odense, department_a, org_a
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    _save(KommuneClosingDay(kommune=kommune_odense, day=D(2026, 4, 7)))
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
    request = approvals.request_if_needed(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=PersonFactory(controller=org_a.tenant),
        day=D(2026, 4, 1),
    )
    assert request.deadline == D(2026, 4, 13)


@pytest.mark.rule("R42.3")
def test_the_job_marks_overdue_requests_lapsed_approved_and_the_lease_can_be_signed(
    caseworker_a, approval_world
):
    w = approval_world
    request = w["request"]
    # On the deadline day nothing lapses; the day after it does — once.
    assert approvals.approvals_lapse(today=request.deadline) == 0
    assert approvals.approvals_lapse(today=request.deadline + datetime.timedelta(days=1)) == 1
    assert approvals.approvals_lapse(today=request.deadline + datetime.timedelta(days=2)) == 0
    request.refresh_from_db()
    assert request.state == ApprovalState.LAPSED and request.allows_letting
    assert request.decided_by == system_user()
    letter = Letter.objects.get(pk=request.applicant_letter_id)
    assert "inden fristen" in letter.body_html and "Ankestyrelsen" not in letter.body_html
    assert _sign(caseworker_a, w["vacancy"], w["first"]).pk
    row = request.history.latest()
    assert row.history_user == system_user() and "R42.3" in row.history_change_reason


def test_a_cancelled_vacancys_request_is_withdrawn_not_approved(
    kommune_officer, caseworker_a, approval_world
):
    w = approval_world
    vacancies.vacancy_cancel(actor=caseworker_a, reason="Opsigelsen trukket tilbage", vacancy=w["vacancy"])
    assert approval_selectors.kommune_queue(kommune_officer) == []
    with pytest.raises(ValidationError, match="no longer open"):
        approvals.approval_decide(actor=kommune_officer, reason=REASON, request=w["request"], approve=True)
    assert approvals.approvals_lapse(today=w["request"].deadline + datetime.timedelta(days=1)) == 0
    w["request"].refresh_from_db()
    assert w["request"].state == ApprovalState.WITHDRAWN and w["request"].applicant_letter_id is None


@pytest.mark.rule("R42.3")
def test_the_countdown_in_working_days():
    # Received Wed 1 April 2026, deadline Mon 13 April: on 1 April 5 working days are left.
    assert rules.working_days_left(today=D(2026, 4, 1), deadline=D(2026, 4, 13)) == 5
    assert rules.working_days_left(today=D(2026, 4, 10), deadline=D(2026, 4, 13)) == 1
    assert rules.working_days_left(today=D(2026, 4, 13), deadline=D(2026, 4, 13)) == 0
    assert rules.working_days_left(today=D(2026, 4, 15), deadline=D(2026, 4, 13)) == -2
    assert rules.may_refuse(today=D(2026, 4, 13), deadline=D(2026, 4, 13))
    assert not rules.may_refuse(today=D(2026, 4, 14), deadline=D(2026, 4, 13))


# --- A refused winner ---------------------------------------------------------------------------------


@pytest.mark.rule("R42.2")
def test_a_refused_winner_makes_the_next_acceptance_win_and_go_to_the_kommune(
    caseworker_a, kommune_officer, approval_world
):
    w = approval_world
    approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=w["request"],
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge.",
        is_refugee=True,
    )
    w["first"].refresh_from_db()
    w["second"].refresh_from_db()
    assert w["first"].answer == Answer.KOMMUNE_REFUSED
    assert w["second"].answer == Answer.ACCEPTED
    w["round"].refresh_from_db()
    assert w["round"].state == RoundState.DECIDED
    second_request = ApprovalRequest.objects.get(vacancy=w["vacancy"], state=ApprovalState.PENDING)
    assert second_request.person == w["second"].entry.person and second_request.offer == w["second"]
    with pytest.raises(ValidationError, match="Only the winner"):
        _sign(caseworker_a, w["vacancy"], w["first"])
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=second_request, approve=True)
    assert _sign(caseworker_a, w["vacancy"], w["second"]).person == w["second"].entry.person


def test_a_refused_winner_without_another_acceptance_reopens_the_letting(
    caseworker_a, kommune_officer, org_a, kommune_aarhus, general_list, department_a, dwelling
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=1)
    _entries(general_list, department_a, 2)
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    offer_round, _offers = scenarios.decided_round(caseworker_a, vacancy, [Answer.ACCEPTED])
    approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=ApprovalRequest.objects.get(vacancy=vacancy),
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge.",
        is_refugee=True,
    )
    offer_round.refresh_from_db()
    assert offer_round.state == RoundState.EXHAUSTED
    assert OfferRound.objects.get(vacancy=vacancy, number=2).state == RoundState.OPEN
    vacancy.refresh_from_db()
    assert vacancy.state == VacancyState.OPEN


# --- R36.1 --------------------------------------------------------------------------------------------


@pytest.fixture
def combined_world(caseworker_a, org_a, kommune_aarhus, department_a):
    scenarios.kommune_decision(kommune_aarhus, combined_letting=True)
    _save(
        DepartmentAreaStatus(
            department=department_a, kind=AreaStatusKind.HIGH_OUTSIDE_LABOUR, valid_from=D(2025, 12, 1)
        )
    )
    return DwellingFactory(department=department_a, rooms=2)


@pytest.mark.rule("R36.1")
def test_kombineret_udlejning_checks_the_benefit_status_and_the_kommune_must_refuse(
    caseworker_a, kommune_officer, org_a, combined_world
):
    person = PersonFactory(controller=org_a.tenant)
    _save(
        BenefitStatus(
            controller=org_a.tenant,
            person=person,
            kind=BenefitKind.KONTANTHJAELP,
            valid_from=D(2025, 1, 1),
            source=BenefitSource.KOMMUNE,
            recorded_by=system_user(),
        )
    )
    vacancy = scenarios.open_vacancy(caseworker_a, combined_world)
    request = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person)
    assert request.grounds == ["R36.1"]
    assert request.benefit_finding == BenefitFinding.LISTED and request.benefit_checked_on == TODAY
    # The read of the benefit status is in the access log.
    assert PersonalDataAccess.objects.filter(person=person, kind=AccessKind.SENSITIVE_READ).exists()
    with pytest.raises(ValidationError, match="must refuse"):
        approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True)
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.BENEFITS,
        decision_reasons="Ansøgeren modtager kontanthjælp.",
    )
    assert refused.state == ApprovalState.REFUSED


@pytest.mark.rule("R36.1")
def test_kombineret_udlejning_without_a_listed_benefit_or_outside_the_listed_area(
    caseworker_a, kommune_officer, org_a, department_a, combined_world
):
    person = PersonFactory(controller=org_a.tenant)
    _save(
        BenefitStatus(
            controller=org_a.tenant,
            person=person,
            kind=BenefitKind.FOERTIDSPENSION,  # recorded, but not one of the § 51 b benefits
            valid_from=D(2025, 1, 1),
            source=BenefitSource.KOMMUNE,
            recorded_by=system_user(),
        )
    )
    request = approvals.request_if_needed(
        actor=caseworker_a,
        reason=REASON,
        vacancy=scenarios.open_vacancy(caseworker_a, combined_world),
        person=person,
    )
    assert request.benefit_finding == BenefitFinding.NONE
    with pytest.raises(ValidationError) as error:
        approvals.approval_decide(
            actor=kommune_officer,
            reason=REASON,
            request=request,
            approve=False,
            refusal_ground=RefusalGround.BENEFITS,
            decision_reasons="x",
        )
    assert "refusal_ground" in error.value.message_dict
    # The listed-area status ended yesterday: no R36.1 today.
    DepartmentAreaStatus.objects.filter(department=department_a).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    other = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
    assert (
        approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=other, person=person) is None
    )


# --- Tenancy, pages ----------------------------------------------------------------------------------


@pytest.fixture
def odense_officer(kommune_odense):
    user = UserFactory(username="odense_officer")
    MembershipFactory(user=user, tenant=kommune_odense.tenant, role=Role.KOMMUNE_OFFICER)
    return user


@pytest.mark.rule("R42.1")
def test_another_kommunes_officer_and_organisation_see_and_decide_nothing(
    odense_officer, caseworker_b, client_for, approval_world
):
    request = approval_world["request"]
    with pytest.raises(PermissionDenied):
        approvals.approval_decide(actor=odense_officer, reason=REASON, request=request, approve=True)
    with pytest.raises(PermissionDenied):
        approvals.approval_decide(actor=caseworker_b, reason=REASON, request=request, approve=True)
    assert approval_selectors.kommune_queue(odense_officer) == []
    assert not approval_selectors.visible_requests(caseworker_b).exists()
    for user in (odense_officer, caseworker_b):
        client = client_for(user)
        assert client.get(f"/kommune/godkendelser/{request.pk}/").status_code == 404
        assert client.get(f"/kommune/godkendelser/{request.pk}/historik/").status_code == 404
        assert client.post(f"/kommune/godkendelser/{request.pk}/", {"decision": "approve"}).status_code == 404
    body = client_for(odense_officer).get("/kommune/godkendelser/").content.decode()
    assert request.person.full_name not in body
    assert client_for(caseworker_b).get("/kommune/godkendelser/").status_code == 403


def test_the_queue_is_sorted_by_deadline_with_a_countdown_and_overdue_marked(
    caseworker_a,
    kommune_officer,
    client_for,
    kommune_aarhus,
    department_a,
    org_a,
    django_assert_max_num_queries,
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    made = []
    for received in (TODAY - datetime.timedelta(days=3), TODAY - datetime.timedelta(days=30), TODAY):
        vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
        made.append(
            approvals.request_if_needed(
                actor=caseworker_a,
                reason=REASON,
                vacancy=vacancy,
                person=PersonFactory(controller=org_a.tenant),
                day=received,
            )
        )
    client = client_for(kommune_officer)
    client.get("/kommune/godkendelser/")  # warm the session and scope
    # 12 for the page, 3 for the officer's Mine opgaver behind the menu's badges (housing.worklist).
    with django_assert_max_num_queries(15):
        response = client.get("/kommune/godkendelser/")
    body = response.content.decode()
    positions = [body.index(f'id="approval-{r.pk}"') for r in sorted(made, key=lambda r: r.deadline)]
    assert positions == sorted(positions)
    overdue = made[1]
    assert (
        'class="app-overdue"' in body.split(f'id="approval-{overdue.pk}"')[0][-40:] or "app-overdue" in body
    )
    assert f'data-days="{approval_selectors.countdown(made[2])}"' in body
    assert approval_selectors.countdown(made[2]) == 5
    # The dashboard counts them for the officer.
    dashboard = client.get("/").content.decode()
    assert 'id="approval-queue-link"' in dashboard and "3 requests" in dashboard


def test_the_decision_page_shows_errors_next_to_the_fields_and_saves_nothing(
    kommune_officer, client_for, approval_world
):
    request = approval_world["request"]
    client = client_for(kommune_officer)
    page = client.get(f"/kommune/godkendelser/{request.pk}/")
    assert page.status_code == 200 and b"approval-form" in page.content
    response = client.post(
        f"/kommune/godkendelser/{request.pk}/",
        {
            "decision": "refuse",
            "refusal_ground": "R42.2",
            "decision_reasons": "",
            "change_reason": "Afgørelse",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A refusal must give its reasons" in body
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING
    response = client.post(
        f"/kommune/godkendelser/{request.pk}/",
        {"decision": "approve", "household_income": "420000", "change_reason": "Afgørelse"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == ApprovalState.APPROVED and request.household_income == Decimal("420000")
    history = client.get(f"/kommune/godkendelser/{request.pk}/historik/").content.decode()
    assert "Afgørelse" in history


def test_the_caseworker_sees_the_request_state_on_the_vacancy_page(caseworker_a, client_for, approval_world):
    w = approval_world
    url = w["vacancy"].get_absolute_url()
    body = client_for(caseworker_a).get(url).content.decode()
    assert f'id="vacancy-approval-{w["request"].pk}"' in body
    assert 'data-state="pending"' in body
    # The caseworker may read the request but not decide it.
    assert client_for(caseworker_a).get(f"/kommune/godkendelser/{w['request'].pk}/").status_code == 200
    assert client_for(caseworker_a).post(f"/kommune/godkendelser/{w['request'].pk}/", {}).status_code == 403


# --- R36.2 ----------------------------------------------------------------------------------------


@pytest.mark.rule("R36.2")
def test_the_annual_report_counts_rejections_replacement_dwellings_and_anvisning(
    caseworker_a, kommune_officer, client_for, org_a, combined_world, department_a
):
    person = PersonFactory(controller=org_a.tenant)
    _save(
        BenefitStatus(
            controller=org_a.tenant,
            person=person,
            kind=BenefitKind.SELVFORSOERGELSESYDELSE,  # integrationsydelse's name since 1 July 2019
            valid_from=D(2025, 1, 1),
            source=BenefitSource.KOMMUNE,
            recorded_by=system_user(),
        )
    )
    request = approvals.request_if_needed(
        actor=caseworker_a,
        reason=REASON,
        vacancy=scenarios.open_vacancy(caseworker_a, combined_world),
        person=person,
    )
    approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.BENEFITS,
        decision_reasons="Modtager selvforsørgelses- og hjemrejseydelse.",
    )
    # The kommune names the same person for another dwelling (a replacement dwelling) and someone else.
    from housing import cpr

    for cpr_hash in (person.cpr_hash, "other"):
        vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
        vacancy.channel = "kommunal_anvisning"
        _save(vacancy)
        _save(
            Nomination(
                vacancy=vacancy,
                kommune=department_a.kommune,
                cpr_encrypted=cpr.encrypt("0101901234"),
                cpr_hash=cpr_hash,
                first_name="A",
                last_name="B",
                ground="Akut boligbehov",
                nominated_on=TODAY,
                nominated_by=kommune_officer,
            )
        )
    (row,) = approval_reports.annual_report(user=kommune_officer, year=TODAY.year)
    assert (row.rejections, row.replacement_dwellings, row.kommunal_anvisning) == (1, 1, 2)
    response = client_for(kommune_officer).get(
        f"/kommune/godkendelser/indberetning/?year={TODAY.year}&format=csv"
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[1].split(";")[3:6] == ["1", "1", "2"]
    pdf = client_for(kommune_officer).get(f"/kommune/godkendelser/indberetning/?year={TODAY.year}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    page = client_for(kommune_officer).get(f"/kommune/godkendelser/indberetning/?year={TODAY.year}")
    assert page.status_code == 200 and person.full_name not in page.content.decode()


@pytest.mark.rule("R12.4")
def test_the_caseworker_asks_for_letting_out_of_kind_on_the_vacancy_page(
    caseworker_a, caseworker_b, client_for, department_a, org_a
):
    vacancy = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=department_a, kind="youth", rooms=2)
    )
    person = PersonFactory(controller=org_a.tenant)
    client = client_for(caseworker_a)
    assert b"approval-request-link" in client.get(vacancy.get_absolute_url()).content
    url = f"/udlejning/{vacancy.pk}/kommunens-godkendelse/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"applicant_number": "nope", "let_as": "family", "change_reason": "Ingen efterspørgsel"}
    )
    assert response.status_code == 400 and "No applicant with this number" in response.content.decode()
    response = client.post(
        url, {"applicant_number": person.applicant_number, "let_as": "", "change_reason": "x"}
    )
    assert response.status_code == 400 and "does not need the kommune" in response.content.decode()
    assert not ApprovalRequest.objects.exists()
    response = client.post(
        url,
        {
            "applicant_number": person.applicant_number,
            "let_as": "family",
            "change_reason": "Ingen efterspørgsel",
        },
    )
    assert response.status_code == 302
    request = ApprovalRequest.objects.get(vacancy=vacancy)
    assert request.grounds == ["R12.4"] and request.person == person and request.let_as == "family"
    assert client_for(caseworker_b).get(url).status_code == 404
