"""Kommune approvals outside offer rounds and their consequences: the advertising winner and a
letting outside the eligible group go to the kommune automatically (R42.1, R12.1); the applicant
who wins after a refusal is told in writing; the startbolig ranking shows the kommune's approval of
the nomination (R12.1); a § 51 b refusal does not bar a later boliggarantibevis (R6.2)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from allocation.models import (
    AgreementKind,
    Answer,
    Lease,
    LettingAgreement,
)
from allocation.services import adverts, leases, lottery, offers
from approvals import creation, reversions
from approvals import services as approvals
from approvals.models import ApprovalRequest, ApprovalState, RefusalGround
from housing.audit import audited_save, system_user
from letters.models import Letter
from letting import workflow
from tests import scenarios
from tests.factories import DwellingFactory, PersonFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import ListKind

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REASON = "Test"
D = datetime.date
FAR_BACK = D(2020, 1, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


#: Pages in English, the source language (see ``client_for`` in conftest).
PAGE_LANGUAGE = "en"


def _save(obj):
    return audited_save(obj, actor=system_user(), reason=REASON)


def _sign(actor, vacancy, person, offer=None):
    return workflow.lease_sign(
        actor=actor,
        reason=REASON,
        vacancy=vacancy,
        person=person,
        offer=offer,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )


@pytest.fixture
def set_today(monkeypatch):
    def move(day: datetime.date) -> datetime.date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return move


# --- Gap 1: requests outside offer rounds -------------------------------------------------------


@pytest.fixture
def advertised(caseworker_a, org_a, kommune_aarhus, department_a, set_today):
    """A family dwelling let by advertising in Aarhus, which approves each letting (R42.1); the
    deadline for written interest was yesterday."""
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    _save(
        LettingAgreement(
            organisation=org_a, kommune=kommune_aarhus, kind=AgreementKind.ADVERTISING, valid_from=FAR_BACK
        )
    )
    vacancy = scenarios.open_vacancy(
        caseworker_a,
        DwellingFactory(department=department_a, kind="family"),
        move_out_date=TODAY - datetime.timedelta(days=1),
    )
    yesterday = set_today(TODAY - datetime.timedelta(days=1))
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
    return {"vacancy": vacancy, "advert": advert}


def _interest(caseworker, advert, person):
    return adverts.interest_record(
        actor=caseworker,
        reason=REASON,
        advert=advert,
        person=person,
        received_on=advert.interest_deadline,
        qualified=True,
        assessment="",
    )


@pytest.mark.rule("R42.1", "R38.3")
def test_the_advertising_winner_goes_to_the_kommune_automatically_and_the_lease_waits(
    caseworker_a, kommune_officer, org_a, advertised, set_today
):
    advert, vacancy = advertised["advert"], advertised["vacancy"]
    set_today(advert.interest_deadline)
    only = PersonFactory(controller=org_a.tenant)
    _interest(caseworker_a, advert, only)
    set_today(TODAY)

    # The lease service is one transaction — refused, it leaves nothing behind, also no
    # request; the page sends the letting to the kommune first as a step of its own.
    with pytest.raises(ValidationError, match="send the request to the kommune first"):
        workflow.advert_let(
            actor=caseworker_a, reason=REASON, advert=advert, person=only, signed_on=TODAY, starts_on=TODAY
        )
    assert not ApprovalRequest.objects.exists() and not Lease.objects.filter(vacancy=vacancy).exists()

    def let():  # what the "let" form does (letting.views.adverts._let)
        from letting.views.adverts import _let

        interest = advert.interests.get(person=only)
        data = {"interest": interest, "signed_on": TODAY, "starts_on": TODAY}
        return _let(actor=caseworker_a, reason=REASON, advert=advert, data=data)

    with pytest.raises(ValidationError, match="not yet approved"):
        let()
    # The refused lease did not take the request with it: it stands, sent today.
    request = ApprovalRequest.objects.get(vacancy=vacancy)
    assert (request.person, request.grounds, request.state) == (only, ["R42.1"], ApprovalState.PENDING)
    assert request.offer is None and request.received_on == TODAY
    with pytest.raises(ValidationError, match="not yet approved"):
        let()  # asked again: the same request, not a second one
    assert ApprovalRequest.objects.filter(vacancy=vacancy).count() == 1
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True)
    assert let().person == only


@pytest.mark.rule("R42.1", "R38.3")
def test_drawing_lots_sends_the_winner_to_the_kommune(caseworker_a, org_a, advertised, set_today):
    from housing.models import Role
    from tests.factories import MembershipFactory, UserFactory

    auditor = UserFactory(username="auditor_gap")
    MembershipFactory(user=auditor, tenant=org_a.tenant, role=Role.AUDITOR)
    advert = advertised["advert"]
    set_today(advert.interest_deadline)
    people = [PersonFactory(controller=org_a.tenant) for _ in range(3)]
    for person in people:
        _interest(caseworker_a, advert, person)
    set_today(TODAY)
    lottery.lottery_commit(actor=auditor, reason=REASON, advert=advert)
    assert not ApprovalRequest.objects.exists()  # no winner yet
    draw = workflow.lottery_draw(actor=auditor, reason=REASON, advert=advert)
    winner = next(p for p in people if p.applicant_number == draw.order[0])
    request = ApprovalRequest.objects.get(vacancy=advertised["vacancy"])
    assert request.person == winner and request.grounds == ["R42.1"]


@pytest.mark.rule("R42.1", "R2.5")
def test_a_letting_outside_the_eligible_group_goes_to_the_kommune_automatically(
    caseworker_a, kommune_officer, org_a, kommune_aarhus, department_a
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    vacancy = scenarios.open_vacancy(
        caseworker_a,
        DwellingFactory(department=department_a, kind="family"),
        move_out_date=TODAY - datetime.timedelta(days=1),
    )
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R2.5", why="Ingen på ventelisten"
    )
    outsider = PersonFactory(controller=org_a.tenant)
    # The lease service is one transaction — refused, it leaves nothing behind, also no
    # request; the "outside the lists" form sends the letting to the kommune first, as its own step.
    with pytest.raises(ValidationError, match="send the request to the kommune first"):
        _sign(caseworker_a, vacancy, outsider)
    assert not ApprovalRequest.objects.exists()

    def _ask_and_sign(caseworker, vacancy, person):  # the two steps of the lease_sign_outside view
        approvals.approval_request_direct(actor=caseworker, reason=REASON, vacancy=vacancy, person=person)
        return _sign(caseworker, vacancy, person)

    with pytest.raises(ValidationError, match="not yet approved"):
        _ask_and_sign(caseworker_a, vacancy, outsider)
    request = ApprovalRequest.objects.get(vacancy=vacancy)
    assert request.person == outsider and request.grounds == ["R42.1"]
    approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge.",
        is_refugee=True,
    )
    # Refused: no new request for the same applicant, and no lease.
    with pytest.raises(ValidationError, match="refused"):
        _ask_and_sign(caseworker_a, vacancy, outsider)
    assert ApprovalRequest.objects.filter(vacancy=vacancy).count() == 1
    other = PersonFactory(controller=org_a.tenant)
    with pytest.raises(ValidationError, match="not yet approved"):
        _ask_and_sign(caseworker_a, vacancy, other)
    second = ApprovalRequest.objects.get(vacancy=vacancy, person=other)
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=second, approve=True)
    assert _ask_and_sign(caseworker_a, vacancy, other).person == other


@pytest.mark.rule("R42.1")
def test_a_list_vacancy_without_a_round_gets_no_request(caseworker_a, org_a, kommune_aarhus, department_a):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    vacancy = scenarios.open_vacancy(
        caseworker_a,
        DwellingFactory(department=department_a, kind="family"),
        move_out_date=TODAY - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="best-ranked applicant"):
        _sign(caseworker_a, vacancy, PersonFactory(controller=org_a.tenant))
    assert not ApprovalRequest.objects.exists()


# --- Gap 2: the promoted acceptor is told -------------------------------------------------------------


@pytest.mark.rule("R42.2", "R42.3")
def test_the_next_acceptance_is_told_it_now_wins_pending_the_kommune(
    caseworker_a, kommune_officer, org_a, kommune_aarhus, department_a
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=2)
    general = WaitingListFactory(controller=org_a.tenant)
    for year in (2010, 2011):
        entry = EntryFactory(waiting_list=general, seniority_date=D(year, 1, 1), rooms_min=1, rooms_max=6)
        entry.departments.add(department_a)
    dwelling = DwellingFactory(department=department_a, rooms=3, monthly_rent=Decimal("7000"))
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling, move_out_date=TODAY - datetime.timedelta(days=1))
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    first, second = offer_round.offers.order_by("rank")
    for offer in (first, second):
        offers.offer_answer(actor=caseworker_a, reason=REASON, offer=offer, answer=Answer.ACCEPTED)
    workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    assert not Letter.objects.filter(kind="approval_promoted", recipient=second.entry.person).exists()
    approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=ApprovalRequest.objects.get(vacancy=vacancy),
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge.",
        is_refugee=True,
    )
    letter = Letter.objects.get(kind="approval_promoted", recipient=second.entry.person)
    new_request = ApprovalRequest.objects.get(vacancy=vacancy, state=ApprovalState.PENDING)
    assert letter.sender == vacancy.controller
    assert dwelling.address_line in letter.subject
    assert "skal derfor nu udlejes til dig" in letter.body_html
    assert "godkendes af kommunen" in letter.body_html
    from letters.formatting import letter_long_date

    assert letter_long_date(new_request.deadline) in letter.body_html
    # The refused winner gets no such letter.
    assert not Letter.objects.filter(kind="approval_promoted", recipient=first.entry.person).exists()


# --- Gap 3: R12.1 startbolig ------------------------------------------------------------------------


@pytest.mark.rule("R12.1")
def test_the_startbolig_ranking_shows_the_kommunes_approval_of_the_nomination(
    caseworker_a, kommune_officer, org_a, department_a
):
    youth_list = WaitingListFactory(controller=org_a.tenant, organisation=org_a, kind=ListKind.YOUTH)
    entry = EntryFactory(
        waiting_list=youth_list,
        person=PersonFactory(controller=org_a.tenant, born=TODAY.replace(year=TODAY.year - 20, day=1)),
        needs_support=True,
        rooms_min=1,
        rooms_max=3,
    )
    entry.departments.add(department_a)
    dwelling = DwellingFactory(department=department_a, kind="youth", youth_kind="startbolig", rooms=1)
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling, move_out_date=TODAY - datetime.timedelta(days=1))

    def placed():
        result = workflow.public_ranking(vacancy)
        ranking = getattr(result, "ranking", result)
        return [(p.candidate.entry_id, p.candidate.kommune_approved_startbolig) for p in ranking.placed]

    # Ranked before the kommune has seen the nomination: the ranking names the applicant.
    assert placed() == [(entry.pk, False)]
    request = approvals.request_if_needed(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, person=entry.person
    )
    assert request.grounds == ["R12.1"]
    assert placed() == [(entry.pk, False)]  # pending: not yet approved
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True)
    assert placed() == [(entry.pk, True)]


# --- Gap 4: R6.2 for § 51 b ---------------------------------------------------------------------------


@pytest.fixture
def refused_51b(caseworker_a, kommune_officer, org_a, kommune_aarhus, department_a):
    """An applicant on kontanthjælp refused by Aarhus under kombineret udlejning (R36.1), who
    rents another dwelling of the organisation in the same kommune and has moved out."""
    from allocation.models import Lease
    from housing.models import (
        AreaStatusKind,
        BenefitKind,
        BenefitSource,
        BenefitStatus,
        DepartmentAreaStatus,
    )

    scenarios.kommune_decision(kommune_aarhus, combined_letting=True)
    scenarios.letting_policy(org_a, issues_housing_guarantees=True)
    _save(
        DepartmentAreaStatus(
            department=department_a, kind=AreaStatusKind.HIGH_OUTSIDE_LABOUR, valid_from=D(2025, 12, 1)
        )
    )
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
    vacancy = scenarios.open_vacancy(
        caseworker_a,
        DwellingFactory(department=department_a, rooms=2),
        move_out_date=TODAY - datetime.timedelta(days=1),
    )
    request = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person)
    old = _save(
        Lease(
            dwelling=DwellingFactory(department=department_a),
            landlord=org_a,
            controller=org_a.tenant,
            person=person,
            signed_on=D(2015, 1, 1),
            starts_on=D(2015, 2, 1),
            ends_on=TODAY,
            signed_by=caseworker_a,
        )
    )
    return {"request": request, "lease": old, "person": person}


def _refuse_51b(officer, request):
    return approvals.approval_decide(
        actor=officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.BENEFITS,
        decision_reasons="Ansøgeren modtager kontanthjælp.",
    )


@pytest.mark.rule("R6.2", "R36.1")
def test_r6_2_an_earlier_51_b_refusal_does_not_bar_the_guarantee(caseworker_a, kommune_officer, refused_51b):
    # "Fortrinsretten kan ikke gælde … for boligsøgende, der skal afvises efter
    # almenboliglovens § 51 b" is judged when the guarantee is used for a concrete dwelling, on that
    # day's facts (tests/allocation/services/test_benefit_rejection.py) — not at move-out from an old refusal.
    _refuse_51b(kommune_officer, refused_51b["request"])
    guarantee = leases.guarantee_issue(
        actor=caseworker_a, reason=REASON, lease=refused_51b["lease"], moved_out_on=TODAY
    )
    assert guarantee.person == refused_51b["person"]


@pytest.mark.rule("R6.2")
def test_r6_2_a_pending_51_b_request_does_not_bar_the_guarantee(caseworker_a, kommune_officer, refused_51b):
    # Pending: nobody has refused the applicant yet.
    guarantee = leases.guarantee_issue(
        actor=caseworker_a, reason=REASON, lease=refused_51b["lease"], moved_out_on=TODAY
    )
    assert guarantee.person == refused_51b["person"]


# --- Gap 5: complaints against the kommune's refusal (R24) -------------------------------------------


@pytest.fixture
def refused_round(caseworker_a, kommune_officer, org_a, kommune_aarhus, department_a):
    """A decided round whose winner the kommune refused; the second acceptance took over."""
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=2)
    general = WaitingListFactory(controller=org_a.tenant)
    for year in (2010, 2011):
        entry = EntryFactory(waiting_list=general, seniority_date=D(year, 1, 1), rooms_min=1, rooms_max=6)
        entry.departments.add(department_a)
    vacancy = scenarios.open_vacancy(
        caseworker_a,
        DwellingFactory(department=department_a, rooms=3),
        move_out_date=TODAY - datetime.timedelta(days=1),
    )
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    first, second = offer_round.offers.order_by("rank")
    for offer in (first, second):
        offers.offer_answer(actor=caseworker_a, reason=REASON, offer=offer, answer=Answer.ACCEPTED)
    workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=ApprovalRequest.objects.get(vacancy=vacancy),
        approve=False,
        refusal_ground=RefusalGround.REFUGEE,
        decision_reasons="Boligplacering af flygtninge.",
        is_refugee=True,
    )
    return {"vacancy": vacancy, "first": first, "second": second, "refused": refused}


@pytest.mark.rule("R24")
def test_an_overturned_refusal_approves_the_letting_and_the_applicant_wins_again(
    caseworker_a, kommune_officer, refused_round
):
    from complaints import services as complaint_services
    from complaints.models import ComplaintBody, ComplaintOutcome

    w = refused_round
    complaint = complaint_services.complaint_record(
        actor=kommune_officer,
        reason=REASON,
        approval=w["refused"],
        received_on=TODAY,
        summary="Ansøgeren er ikke flygtning.",
    )
    assert complaint.body == ComplaintBody.ANKESTYRELSEN
    assert complaint.controller == w["refused"].kommune.tenant
    # The organisation does not record complaints against the kommune's decisions.
    with pytest.raises(PermissionDenied):
        complaint_services.complaint_outcome_record(
            actor=caseworker_a,
            reason=REASON,
            complaint=complaint,
            outcome=ComplaintOutcome.OVERTURNED,
            outcome_on=TODAY,
            outcome_text="",
        )
    complaint_services.complaint_outcome_record(
        actor=kommune_officer,
        reason=REASON,
        complaint=complaint,
        outcome=ComplaintOutcome.OVERTURNED,
        outcome_on=TODAY,
        outcome_text="Ankestyrelsen ophæver afgørelsen.",
    )
    w["refused"].refresh_from_db()
    assert w["refused"].state == ApprovalState.APPROVED
    for offer in (w["first"], w["second"]):
        offer.refresh_from_db()
    assert (w["first"].answer, w["second"].answer) == (Answer.ACCEPTED, Answer.WITHDRAWN)
    second_request = ApprovalRequest.objects.get(vacancy=w["vacancy"], person=w["second"].entry.person)
    assert second_request.state == ApprovalState.WITHDRAWN
    assert not ApprovalRequest.objects.filter(vacancy=w["vacancy"], state=ApprovalState.PENDING).exists()
    # Both are told; the first signs.
    assert (
        "Ankestyrelsen har omgjort"
        in Letter.objects.get(kind="approval_overturned", recipient=w["first"].entry.person).body_html
    )
    assert Letter.objects.filter(
        kind="approval_overturned_stepped_back",
        recipient=w["second"].entry.person,
        subject__contains="udlejes ikke til dig",
    ).exists()
    with pytest.raises(ValidationError, match="Only the winner"):
        _sign(caseworker_a, w["vacancy"], w["second"].entry.person, offer=w["second"])
    lease = _sign(caseworker_a, w["vacancy"], w["first"].entry.person, offer=w["first"])
    assert lease.person == w["first"].entry.person


@pytest.mark.rule("R24")
def test_an_upheld_refusal_changes_nothing_and_only_a_refusal_can_be_complained_about(
    kommune_officer, refused_round
):
    from complaints import services as complaint_services
    from complaints.models import ComplaintOutcome

    w = refused_round
    pending = ApprovalRequest.objects.get(vacancy=w["vacancy"], state=ApprovalState.PENDING)
    with pytest.raises(ValidationError, match="Only the kommune's refusal"):
        complaint_services.complaint_record(
            actor=kommune_officer, reason=REASON, approval=pending, received_on=TODAY, summary="Klage"
        )
    complaint = complaint_services.complaint_record(
        actor=kommune_officer, reason=REASON, approval=w["refused"], received_on=TODAY, summary="Klage"
    )
    complaint_services.complaint_outcome_record(
        actor=kommune_officer,
        reason=REASON,
        complaint=complaint,
        outcome=ComplaintOutcome.UPHELD,
        outcome_on=TODAY,
        outcome_text="Afgørelsen stadfæstes.",
    )
    w["refused"].refresh_from_db()
    pending.refresh_from_db()
    assert (w["refused"].state, pending.state) == (ApprovalState.REFUSED, ApprovalState.PENDING)


@pytest.mark.rule("R24")
def test_the_complaint_form_on_the_request_page(kommune_officer, caseworker_a, client_for, refused_round):
    from django.urls import reverse

    from complaints.models import Complaint

    refused = refused_round["refused"]
    url = reverse("complaints:approval_complaint", args=[refused.pk])
    officer = client_for(kommune_officer)
    page = officer.get(refused.get_absolute_url())
    assert 'id="complaint-form"' in page.content.decode()
    bad = officer.post(
        url, {"complaint-received_on": "", "complaint-summary": "", "complaint-change_reason": "x"}
    )
    assert bad.status_code == 400 and not Complaint.objects.exists()
    assert 'id="complaint-form"' in bad.content.decode()
    good = officer.post(
        url,
        {
            "complaint-received_on": TODAY.isoformat(),
            "complaint-summary": "Ansøgeren klager",
            "complaint-change_reason": "Klage modtaget",
        },
    )
    assert good.status_code == 302 and Complaint.objects.get().approval == refused
    # The organisation sees the request (and the complaint) but cannot record one.
    assert client_for(caseworker_a).post(url, {}).status_code == 403
    assert "Ansøgeren klager" in client_for(caseworker_a).get(refused.get_absolute_url()).content.decode()


# --- Gap 6: R12.5, youth dwellings let out of kind revert ------------------------------------------


@pytest.mark.rule("R12.5", "R12.4")
def test_the_kommune_decides_a_youth_dwelling_let_as_a_family_dwelling_reverts(
    caseworker_a, kommune_officer, client_for, department_a, org_a, set_today
):
    from django.urls import reverse

    from approvals.models import YouthReversion

    youth = DwellingFactory(department=department_a, kind="youth", rooms=2)
    vacancy = scenarios.open_vacancy(caseworker_a, youth, move_out_date=TODAY - datetime.timedelta(days=1))
    person = PersonFactory(controller=org_a.tenant)
    request = creation.approval_request_create(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, person=person, let_as="family"
    )
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True)
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R12.3", why="Ingen unge søger"
    )
    assert _sign(caseworker_a, vacancy, person).person == person

    officer = client_for(kommune_officer)
    url = reverse("approvals:approval_youth_revert", args=[request.pk])
    assert 'id="reversion-form"' in officer.get(request.get_absolute_url()).content.decode()
    bad = officer.post(
        url, {"revert-valid_from": TODAY.isoformat(), "revert-reasons": "", "revert-change_reason": "x"}
    )
    assert bad.status_code == 400 and not YouthReversion.objects.exists()
    # The organisation cannot decide it.
    assert client_for(caseworker_a).post(url, {}).status_code == 403
    good = officer.post(
        url,
        {
            "revert-valid_from": TODAY.isoformat(),
            "revert-reasons": "Der er igen efterspørgsel efter ungdomsboliger.",
            "revert-change_reason": "Kommunalbestyrelsens beslutning",
        },
    )
    assert good.status_code == 302
    reversion = YouthReversion.objects.get(dwelling=youth)
    assert reversion.approval == request and reversion.controller == org_a.tenant
    assert 'id="youth-reversion"' in officer.get(request.get_absolute_url()).content.decode()

    # The tenant moves out: the next vacancy goes back to youth letting.
    set_today(TODAY + datetime.timedelta(days=40))
    next_vacancy = workflow.vacancy_open(
        actor=caseworker_a,
        reason=REASON,
        dwelling=youth,
        notice_date=TODAY + datetime.timedelta(days=40),
        move_out_date=TODAY + datetime.timedelta(days=70),
    )
    assert "R12.5" in next_vacancy.channel_reason
    with pytest.raises(ValidationError) as error:
        creation.approval_request_create(
            actor=caseworker_a,
            reason=REASON,
            vacancy=next_vacancy,
            person=PersonFactory(controller=org_a.tenant),
            let_as="family",
        )
    assert "R12.5" in error.value.message_dict["let_as"][0]


@pytest.mark.rule("R12.5")
def test_only_a_youth_dwelling_let_out_of_kind_with_approval_can_revert(
    caseworker_a, kommune_officer, department_a, org_a
):
    youth = DwellingFactory(department=department_a, kind="youth", rooms=2)
    vacancy = scenarios.open_vacancy(caseworker_a, youth, move_out_date=TODAY - datetime.timedelta(days=1))
    request = creation.approval_request_create(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=PersonFactory(controller=org_a.tenant),
        let_as="family",
    )
    # Pending, not approved: no reversion yet.
    with pytest.raises(ValidationError, match=r"R12\.5"):
        reversions.youth_reversion_decide(
            actor=kommune_officer, reason=REASON, request=request, valid_from=TODAY, reasons="Grund"
        )
    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True)
    with pytest.raises(PermissionDenied):
        reversions.youth_reversion_decide(
            actor=caseworker_a, reason=REASON, request=request, valid_from=TODAY, reasons="Grund"
        )
    reversions.youth_reversion_decide(
        actor=kommune_officer, reason=REASON, request=request, valid_from=TODAY, reasons="Grund"
    )
    with pytest.raises(ValidationError, match="already"):
        reversions.youth_reversion_decide(
            actor=kommune_officer, reason=REASON, request=request, valid_from=TODAY, reasons="Grund"
        )


@pytest.mark.rule("R24")
def test_the_outcome_is_recorded_on_the_request_page_and_errors_show_next_to_the_fields(
    kommune_officer, client_for, refused_round
):
    from django.urls import reverse

    from complaints import services as complaint_services
    from complaints.models import ComplaintOutcome

    refused = refused_round["refused"]
    complaint = complaint_services.complaint_record(
        actor=kommune_officer, reason=REASON, approval=refused, received_on=TODAY, summary="Klage"
    )
    officer = client_for(kommune_officer)
    assert "outcome-form" in officer.get(refused.get_absolute_url()).content.decode()
    url = reverse("complaints:complaint_outcome", args=[complaint.pk])
    bad = officer.post(url, {"outcome-outcome": "", "outcome-outcome_on": "", "outcome-change_reason": "x"})
    assert bad.status_code == 400 and 'id="complaint-' in bad.content.decode()
    good = officer.post(
        url,
        {
            "outcome-outcome": ComplaintOutcome.OVERTURNED,
            "outcome-outcome_on": TODAY.isoformat(),
            "outcome-outcome_text": "Afgørelsen ophæves.",
            "outcome-change_reason": "Ankestyrelsens afgørelse",
        },
    )
    assert good.status_code == 302 and good.url == refused.get_absolute_url()
    refused.refresh_from_db()
    assert refused.state == ApprovalState.APPROVED
