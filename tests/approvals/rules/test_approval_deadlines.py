"""§ 42, stk. 3–4 read as written:

"Afviser kommunalbestyrelsen en udlejning i medfør af stk. 2, skal boligorganisationen og den
boligsøgende underrettes herom skriftligt. Er afslag ikke afsendt af kommunalbestyrelsen senest
5 hverdage efter ansøgningens modtagelse i kommunen, er kommunalbestyrelsens mulighed for at afvise
den boligsøgende bortfaldet." — stk. 4 applies it to refugees.

So the 5 hverdage bind the income (R42.2) and refugee (R42.4) refusals only: the R12.1 startbolig
approval, the R12.4/R14.4 approvals and § 36 (R36.1) never lapse into approval; overdue, they stay
in the kommune's queue, marked overdue. Hverdage: Monday–Friday except public holidays,
Grundlovsdag, 24 and 31 December; a kommune's closing day is shown but does not move the deadline.
The organisation is told in writing of a refusal and of a lapse, by a letter of its own."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from approvals import rules
from approvals import selectors as approval_selectors
from approvals import services as approvals
from approvals.models import ApprovalState, RefusalGround
from housing.audit import audited_save, system_user
from housing.models import KommuneClosingDay
from letters import memo, selectors
from letters.models import Channel, Letter
from tests import scenarios
from tests.approvals.services import test_approvals as base
from tests.approvals.services.test_approvals import _save
from tests.factories import DwellingFactory, PersonFactory, unique_cvr

# The approval world of test_approvals.py (a family dwelling under R42.1, a decided round).
general_list = base.general_list
dwelling = base.dwelling
approval_world = base.approval_world

TODAY = timezone.localdate()
REASON = "Test"
D = datetime.date
PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _startbolig_request(caseworker, department, org, *, received: datetime.date):
    startbolig = DwellingFactory(department=department, kind="youth", youth_kind="startbolig", rooms=1)
    vacancy = scenarios.open_vacancy(caseworker, startbolig)
    person = PersonFactory(controller=org.tenant, born=TODAY.replace(year=TODAY.year - 20))
    request = approvals.request_if_needed(
        actor=caseworker, reason=REASON, vacancy=vacancy, person=person, day=received
    )
    assert request.grounds == ["R12.1"]
    return request


def _kommune_sends_digital_post(kommune):
    """The kommune is a public Digital Post sender by law; it needs its CVR as sender ID."""
    kommune.cvr = unique_cvr()
    audited_save(kommune, actor=system_user(), reason="CVR-nummer")


def _organisation_letters(org):
    return Letter.objects.filter(recipient_organisation=org)


# --- Which requests lapse ------------------------------------------------------------------------


@pytest.mark.rule("R42.3", "R12.1", "R12.4", "R14.4", "R36.1")
def test_only_a_request_under_the_section_42_scheme_alone_lapses_into_approval():
    assert rules.lapses_into_approval(["R42.1"])
    for grounds in (["R12.1"], ["R12.4"], ["R14.4"], ["R36.1"], ["R12.4", "R42.1"], ["R42.1", "R36.1"], []):
        assert not rules.lapses_into_approval(grounds), grounds
    # The 5 hverdage bind the income and refugee refusals; the others have no deadline in the law.
    deadline = D(2026, 4, 13)
    after = D(2026, 4, 14)
    assert rules.may_refuse(today=deadline, deadline=deadline, ground=RefusalGround.INCOME)
    assert not rules.may_refuse(today=after, deadline=deadline, ground=RefusalGround.INCOME)
    assert not rules.may_refuse(today=after, deadline=deadline, ground=RefusalGround.REFUGEE)
    for ground in (RefusalGround.STARTBOLIG, RefusalGround.OUT_OF_KIND, RefusalGround.BENEFITS):
        assert rules.may_refuse(today=after, deadline=deadline, ground=ground)


@pytest.mark.rule("R12.1", "R42.3")
def test_a_startbolig_request_past_5_hverdage_stays_open_and_is_marked_overdue(
    caseworker_a, kommune_officer, department_a, org_a, client_for
):
    request = _startbolig_request(
        caseworker_a, department_a, org_a, received=TODAY - datetime.timedelta(days=21)
    )
    assert request.deadline < TODAY
    # The daily job leaves it alone: "Kommunalbestyrelsen skal godkende en anvisning efter 3. pkt."
    assert approvals.approvals_lapse(today=TODAY) == 0
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING and not request.allows_letting
    assert request.applicant_letter_id is None and not _organisation_letters(org_a).exists()
    # It stays in the kommune's queue, marked overdue, and does not lapse.
    (row,) = [
        r
        for r in approval_selectors.kommune_queue(kommune_officer, today=TODAY)
        if r.request.pk == request.pk
    ]
    assert row.overdue and not row.lapses
    body = client_for(kommune_officer).get(reverse("approvals:approval_queue")).content.decode()
    row_html = body.split(f'id="approval-{request.pk}"')[1].split("</tr>")[0]
    assert "(does not lapse)" in row_html and "lapses as approved" not in row_html
    # The lease waits for the kommune's decision.
    with pytest.raises(ValidationError, match="does not lapse"):
        approvals.lease_check(vacancy=request.vacancy, person=request.person, day=TODAY)
    # The startbolig refusal has no deadline: the kommune can still decide.
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.STARTBOLIG,
        decision_reasons="Ansøgeren har ikke behov for bostøtte.",
    )
    assert refused.state == ApprovalState.REFUSED


@pytest.mark.rule("R12.1", "R42.3")
def test_an_overdue_startbolig_request_cannot_be_refused_on_income_any_more(
    caseworker_a, kommune_officer, department_a, org_a
):
    request = _startbolig_request(
        caseworker_a, department_a, org_a, received=TODAY - datetime.timedelta(days=21)
    )
    with pytest.raises(ValidationError) as error:
        approvals.approval_decide(
            actor=kommune_officer,
            reason=REASON,
            request=request,
            approve=False,
            refusal_ground=RefusalGround.INCOME,
            decision_reasons="Huslejen er for høj.",
            household_income=Decimal("100000"),
            income_assessment="Konkret vurdering.",
        )
    assert "refusal_ground" in error.value.message_dict
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING
    assert (
        approvals.approval_decide(actor=kommune_officer, reason=REASON, request=request, approve=True).state
        == ApprovalState.APPROVED
    )


@pytest.mark.rule("R42.2", "R42.3")
def test_an_income_refusal_is_in_time_on_the_5th_hverdag_and_lapses_after_it(kommune_officer, approval_world):
    request = approval_world["request"]
    assert request.grounds == ["R42.1"]
    assert request.deadline == rules.refusal_deadline(request.received_on)
    kwargs = {
        "actor": kommune_officer,
        "reason": REASON,
        "request": request,
        "approve": False,
        "refusal_ground": RefusalGround.INCOME,
        "decision_reasons": "Åbenbart misforhold mellem indkomst og husleje.",
        "household_income": Decimal("90000"),
        "income_assessment": "Ingen formue, ingen udsigt til højere indkomst.",
    }
    with pytest.raises(ValidationError, match="no longer refuse on this ground"):
        approvals.approval_decide(**kwargs, today=request.deadline + datetime.timedelta(days=1))
    assert approvals.approvals_lapse(today=request.deadline) == 0
    assert approvals.approvals_lapse(today=request.deadline + datetime.timedelta(days=1)) == 1
    request.refresh_from_db()
    assert request.state == ApprovalState.LAPSED and request.allows_letting


# --- Counting hverdage -----------------------------------------------------------------------------


@pytest.mark.rule("R42.3")
def test_24_december_moves_the_deadline_and_a_kommune_closing_day_does_not(
    caseworker_a, kommune_officer, kommune_aarhus, department_a, org_a, client_for
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    closed = _save(KommuneClosingDay(kommune=kommune_aarhus, day=D(2026, 12, 22), note="Kommunens lukkedag"))
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
    request = approvals.request_if_needed(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=PersonFactory(controller=org_a.tenant),
        day=D(2026, 12, 21),
    )
    # Received Monday 21 December 2026: 22 (the closing day — still a hverdag) and 23 count; 24, 25
    # and 26 do not; 28, 29, 30 → Wednesday 30 December. Had the closing day counted, 31 December
    # (no hverdag) and 1 January would push it to 4 January 2027; had 24 December counted, the 29th.
    assert request.deadline == D(2026, 12, 30)
    # The closing day is shown beside the deadline, as information.
    (row,) = [
        r
        for r in approval_selectors.kommune_queue(kommune_officer, today=D(2026, 12, 21))
        if r.request.pk == request.pk
    ]
    assert row.closing_days == [closed.day] and row.days_left == 5
    assert approval_selectors.closing_days_in_period(request) == [closed]
    page = (
        client_for(kommune_officer)
        .get(reverse("approvals:approval_detail", args=[request.pk]))
        .content.decode()
    )
    assert 'id="approval-closing-days"' in page and "do not move the deadline" in page


@pytest.mark.rule("R42.3")
def test_grundlovsdag_is_no_hverdag_in_the_kommunes_deadline(
    caseworker_a, kommune_aarhus, department_a, org_a
):
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    vacancy = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
    request = approvals.request_if_needed(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=PersonFactory(controller=org_a.tenant),
        day=D(2026, 6, 1),
    )
    # Monday 1 June 2026: 2, 3, 4 June; Friday 5 June is Grundlovsdag; 8 and 9 June.
    assert request.deadline == D(2026, 6, 9)


# --- The organisation is told in writing -----------------------------------------------------------


@pytest.mark.rule("R42.2", "R42.3", "DP1")
def test_a_refusal_sends_a_letter_to_the_organisation_that_shows_in_its_outbox(
    caseworker_a, kommune_officer, kommune_aarhus, org_a, approval_world, client_for
):
    _kommune_sends_digital_post(kommune_aarhus)
    request = approval_world["request"]
    refused = approvals.approval_decide(
        actor=kommune_officer,
        reason=REASON,
        request=request,
        approve=False,
        refusal_ground=RefusalGround.INCOME,
        decision_reasons="Huslejen udgør over 60 % af husstandens indkomst.",
        household_income=Decimal("150000"),
        income_assessment="Ingen formue og ingen udsigt til højere indkomst.",
    )
    # One letter to the applicant, one to the organisation.
    applicant_letter = Letter.objects.get(pk=refused.applicant_letter_id)
    assert applicant_letter.recipient == refused.person and applicant_letter.recipient_organisation is None
    (letter,) = _organisation_letters(org_a)
    assert letter.kind == "approval_refused_organisation" and letter.recipient is None
    assert letter.sender_id == refused.kommune.tenant_id and letter.concerns_person == refused.person
    assert letter.recipient_name == org_a.name and "Alfavej 1" in letter.recipient_address
    assert "afvist udlejningen" in letter.body_html and "60 %" in letter.body_html
    assert "Klagevejledning" not in letter.body_html  # the law names no route for a § 42 refusal
    # Not connected to Digital Post: physical post, and the reason is recorded.
    assert letter.channel == Channel.PHYSICAL and "organisation" in letter.channel_reason
    # It belongs to the organisation and shows in its outbox.
    assert letter.controller_id == org_a.tenant_id
    assert selectors.outbox(user=caseworker_a).filter(pk=letter.pk).exists()
    client = client_for(caseworker_a)
    page = client.get(reverse("letters:outbox")).content.decode()
    assert reverse("letters:letter_detail", args=[letter.pk]) in page and org_a.name in page
    assert client.get(reverse("letters:letter_detail", args=[letter.pk])).status_code == 200


@pytest.mark.rule("R42.3", "DP1")
def test_a_lapse_tells_the_organisation_by_digital_post_to_its_cvr(
    caseworker_a, kommune_aarhus, org_a, approval_world, settings, tmp_path
):
    _kommune_sends_digital_post(kommune_aarhus)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"
    org_a.digital_post_connected_from = D(2022, 3, 1)
    audited_save(org_a, actor=system_user(), reason="Tilsluttet Digital Post")
    request = approval_world["request"]
    assert approvals.approvals_lapse(today=request.deadline + datetime.timedelta(days=1)) == 1
    request.refresh_from_db()
    assert Letter.objects.get(pk=request.applicant_letter_id).recipient == request.person
    (letter,) = _organisation_letters(org_a)
    assert "bortfaldet" in letter.body_html and "inden fristen" in letter.body_html
    assert letter.channel == Channel.DIGITAL_POST and "CVR" in letter.channel_reason
    # Sent, the MeMo message is addressed to the organisation's CVR number.
    from letters import services as letter_services

    letter_services.letters_dispatch()
    letter.refresh_from_db()
    assert letter.sent_at is not None
    summary = memo.memo_summary((tmp_path / "outbox" / f"{letter.uuid}.xml").read_bytes())
    assert summary["recipient_id"] == org_a.cvr
