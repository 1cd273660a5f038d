"""§ 18: "Hvis en ældre efter optagelse på den generelle venteliste … og inden et tilbud modtages efter
§ 16, stk. 1, 1. pkt., får behov for en almen ældrebolig eller et botilbud …, er den ældre ikke længere
omfattet af garantien".

A changed need is recorded at any time, also while an offer awaits the answer. The edge is the day the
elder received the offer: a change dated the day before ends the guarantee (and the offer, which the
elder had not received, is withdrawn); a change dated that day or later does not — the offer stands,
the deadlines stand, and a refusal starts a new period under § 17."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from eldercare.models import (
    ElderOffer,
    ElderOfferState,
    GuaranteeEntry,
    GuaranteeState,
    NeedDecision,
    NeedState,
    PeriodOutcome,
)
from eldercare.services import allocation as allocation_services
from eldercare.services import needs as need_services
from housing.audit import audited_save
from letters.models import Channel, Letter, LetterTemplate
from tests.eldercare_lists_support import english
from tests.eldercare_support import decide, elder, elder_dwelling

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
DECIDED = TODAY - 30 * DAY  # the plejebolig decision: the 2 months run to about TODAY + 30
OFFERED = TODAY - 10 * DAY  # the offer was made
RECEIVED = TODAY - 8 * DAY  # … and reached the elder


def _pending_offer(officer, kommune, *, ready_on=None):
    """An elder on the general list with a pending offer under § 16 made on OFFERED."""
    decision = decide(officer, kommune, elder(kommune), decided_on=DECIDED)
    vacancy = allocation_services.vacancy_open(
        actor=officer,
        reason="Lejer fraflyttet",
        dwelling=elder_dwelling(kommune),
        vacant_from=OFFERED,
        ready_on=ready_on or TODAY + 7 * DAY,
    )
    offer = allocation_services.offer_make(
        actor=officer,
        reason="Størst behov",
        vacancy=vacancy,
        candidate_key=f"general:{decision.guarantee_entry.pk}",
        answer_by=TODAY + 7 * DAY,
        day=OFFERED,
        offer_not_ready_in_time=ready_on is not None,
    )
    return decision, offer


def _change(officer, decision, *, decided_on, **kwargs):
    return need_services.need_decision_change(
        actor=officer,
        reason="Ny visitation: ældrebolig er tilstrækkelig",
        decision=decision,
        kind="elder_dwelling",
        decided_on=decided_on,
        assessment=need_services.Assessment(social=1, physical=1, mental=0, economic=1),
        **kwargs,
    )


@pytest.mark.rule("R18")
def test_a_changed_need_is_recorded_while_an_offer_awaits_the_answer(kommune_officer, kommune_aarhus):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    new = _change(kommune_officer, decision, decided_on=TODAY, offer_received_on=RECEIVED)
    decision.refresh_from_db()
    assert decision.state == NeedState.CHANGED
    assert new.state == NeedState.IN_FORCE and new.kind == "elder_dwelling" and new.replaces == decision
    offer.refresh_from_db()
    assert offer.received_on == RECEIVED  # the officer's record of the receipt is kept on the offer


@pytest.mark.rule("R18")
def test_a_change_the_day_before_the_offer_was_received_ends_the_guarantee_and_withdraws_the_offer(
    kommune_officer, kommune_aarhus
):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    _change(kommune_officer, decision, decided_on=RECEIVED - DAY, offer_received_on=RECEIVED)
    entry = GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk)
    assert entry.state == GuaranteeState.NEED_CHANGED and entry.ended_on == RECEIVED - DAY
    assert entry.periods.get().outcome == PeriodOutcome.ENDED
    offer.refresh_from_db()
    assert offer.state == ElderOfferState.WITHDRAWN
    letter = entry.end_letter
    assert letter.kind == "elder_guarantee_ended" and letter.legal_notice
    latest = LetterTemplate.objects.filter(kind="elder_guarantee_ended").order_by("-version").first()
    assert letter.template == latest and latest.version >= 2
    assert "§ 18" in letter.body_html and "trukket tilbage" in letter.body_html
    assert offer.vacancy.dwelling.address_line in letter.body_html


@pytest.mark.rule("R18")
def test_a_change_on_the_day_the_offer_was_received_keeps_the_guarantee_and_the_offer(
    kommune_officer, kommune_aarhus
):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    before = GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk)
    _change(kommune_officer, decision, decided_on=RECEIVED, offer_received_on=RECEIVED)
    entry = GuaranteeEntry.objects.get(pk=before.pk)
    assert entry.state == GuaranteeState.WAITING
    assert (entry.deadline, entry.ready_by) == (before.deadline, before.ready_by)
    assert entry.need_changed_after_offer_on == RECEIVED
    assert entry.need_decision_id == decision.pk  # the plejebolig decision the guarantee rests on
    offer.refresh_from_db()
    assert offer.state == ElderOfferState.PENDING
    assert not Letter.objects.filter(kind="elder_guarantee_ended").exists()


@pytest.mark.rule("R18", "R17")
def test_after_a_change_past_the_received_offer_a_refusal_starts_a_new_period(
    kommune_officer, kommune_aarhus
):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    _change(kommune_officer, decision, decided_on=TODAY - 2 * DAY, offer_received_on=RECEIVED)
    allocation_services.offer_refuse(actor=kommune_officer, reason="Nej tak", offer=offer, received_on=TODAY)
    entry = GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk)
    # § 17: not deleted, the deadline is cancelled and a new one runs from the day the refusal came in.
    assert entry.state == GuaranteeState.WAITING and entry.clock_started_on == TODAY
    assert [p.outcome for p in entry.periods.order_by("number")] == [
        PeriodOutcome.REFUSED,
        PeriodOutcome.RUNNING,
    ]


@pytest.mark.rule("R18")
def test_after_a_change_past_the_received_offer_an_acceptance_houses_the_elder(
    kommune_officer, kommune_aarhus
):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    new = _change(kommune_officer, decision, decided_on=TODAY - 2 * DAY, offer_received_on=RECEIVED)
    allocation_services.offer_accept(actor=kommune_officer, reason="Ja tak", offer=offer, received_on=TODAY)
    entry = GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk)
    assert entry.state == GuaranteeState.HOUSED
    assert NeedDecision.objects.get(pk=new.pk).state == NeedState.HOUSED


@pytest.mark.rule("R18")
def test_receipt_unknown_the_officer_must_say_whether_the_offer_was_received(kommune_officer, kommune_aarhus):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    with pytest.raises(ValidationError) as caught:
        _change(kommune_officer, decision, decided_on=TODAY)
    assert "offer_received_on" in caught.value.message_dict
    decision.refresh_from_db()
    assert decision.state == NeedState.IN_FORCE  # nothing half-saved
    with pytest.raises(ValidationError) as caught:
        _change(kommune_officer, decision, decided_on=TODAY, offer_received_on=OFFERED - DAY)
    assert "offer_received_on" in caught.value.message_dict
    # Not received yet: the change comes before the receipt, so the guarantee ends.
    _change(kommune_officer, decision, decided_on=TODAY, offer_not_received=True)
    assert GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk).state == GuaranteeState.NEED_CHANGED
    offer.refresh_from_db()
    assert offer.state == ElderOfferState.WITHDRAWN


@pytest.mark.rule("R18")
def test_an_offer_delivered_by_digital_post_was_received_that_day(kommune_officer, kommune_aarhus):
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus)
    letter = offer.offer_letter
    letter.channel = Channel.DIGITAL_POST
    letter.state = "delivered"
    letter.delivered_at = timezone.make_aware(datetime.datetime.combine(RECEIVED, datetime.time(10, 0)))
    audited_save(letter, actor=kommune_officer, reason="Leveret i Digital Post")
    _change(kommune_officer, decision, decided_on=RECEIVED)
    assert GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk).state == GuaranteeState.WAITING


@pytest.mark.rule("R18", "R16.2")
def test_an_offer_not_ready_in_time_is_no_offer_under_section_16_and_keeps_nothing(
    kommune_officer, kommune_aarhus
):
    # The dwelling is ready long after the elder's ready-by date: no offer under § 16, stk. 1, 1. pkt.
    decision, offer = _pending_offer(kommune_officer, kommune_aarhus, ready_on=TODAY + 200 * DAY)
    assert offer.meets_guarantee is False
    _change(kommune_officer, decision, decided_on=TODAY)
    assert GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk).state == GuaranteeState.NEED_CHANGED
    assert ElderOffer.objects.get(pk=offer.pk).state == ElderOfferState.WITHDRAWN


@pytest.mark.rule("R18")
def test_the_change_page_asks_when_the_pending_offer_was_received(
    kommune_officer, kommune_aarhus, client_for
):
    decision, _offer = _pending_offer(kommune_officer, kommune_aarhus)
    client = english(client_for(kommune_officer))
    url = f"/kommune/aeldre/visitation/{decision.pk}/aendr/"
    page = client.get(url).content.decode()
    assert 'name="offer_received_on"' in page and 'name="offer_not_received"' in page
    data = {
        "kind": "elder_dwelling",
        "decided_on": TODAY.isoformat(),
        "social_score": "1",
        "physical_score": "1",
        "mental_score": "0",
        "economic_score": "1",
        "change_reason": "Ny visitation",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and 'id="id_offer_received_on_error"' in response.content.decode()
    response = client.post(url, {**data, "offer_received_on": RECEIVED.isoformat()})
    assert response.status_code == 302
    entry = GuaranteeEntry.objects.get(pk=decision.guarantee_entry.pk)
    assert entry.state == GuaranteeState.WAITING and entry.need_changed_after_offer_on == TODAY
    page = client.get(f"/kommune/aeldre/venteliste/{entry.pk}/").content.decode()
    assert 'id="entry-need-changed-after-offer"' in page
