"""Ending a place on the general list (withdrawn, died, moved away, need lapsed) and the R16.2 check
of the offer: a dwelling ready later than 2 weeks after the deadline does not fulfil the guarantee."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from eldercare.models import (
    ElderOfferState,
    EndCause,
    GuaranteeEntry,
    GuaranteePeriod,
    GuaranteeState,
    NeedDecision,
    NeedState,
    PeriodOutcome,
)
from eldercare.selectors import breached_periods, guarantee_dashboard
from eldercare.services import allocation as allocation_services
from eldercare.services import guarantee as guarantee_services
from housing.models import Kommune, Role
from letters.models import Letter
from tests.eldercare_lists_support import english
from tests.eldercare_support import decide, elder, elder_dwelling
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def _entry(officer, kommune, *, decided_on=None, **kwargs) -> GuaranteeEntry:
    person = elder(kommune, **kwargs)
    decision = decide(officer, kommune, person, decided_on=decided_on or TODAY - 10 * DAY)
    return GuaranteeEntry.objects.get(need_decision=decision)


def _leave(officer, entry, cause, *, day=TODAY, note=""):
    return guarantee_services.guarantee_leave(
        actor=officer, reason="Borgeren har meddelt det", entry=entry, cause=cause, day=day, note=note
    )


def _vacancy(officer, kommune, *, ready_on):
    return allocation_services.vacancy_open(
        actor=officer, reason="Ledig", dwelling=elder_dwelling(kommune), vacant_from=TODAY, ready_on=ready_on
    )


def _offer(officer, vacancy, entry, **kwargs):
    return allocation_services.offer_make(
        actor=officer,
        reason="Garantifristen",
        vacancy=vacancy,
        candidate_key=f"general:{entry.pk}",
        answer_by=TODAY + 7 * DAY,
        **kwargs,
    )


# --- Ending a place --------------------------------------------------------------------------------


@pytest.mark.rule("R15.1", "R16.1")
def test_a_withdrawal_ends_the_place_with_a_letter_and_no_breach(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    history_before = entry.history.count()
    ended = _leave(kommune_officer, entry, EndCause.WITHDRAWN, note="Ønsker at blive boende hjemme.")
    assert ended.state == GuaranteeState.ENDED and ended.end_cause == EndCause.WITHDRAWN
    assert ended.ended_on == TODAY and ended.end_note == "Ønsker at blive boende hjemme."
    # Exactly one history row for the change, with the user and the reason.
    rows = list(ended.history.order_by("history_date"))
    assert len(rows) == history_before + 1
    assert rows[-1].history_user == kommune_officer and rows[-1].history_change_reason
    period = GuaranteePeriod.objects.get(entry=entry)
    assert (period.outcome, period.closed_on) == (PeriodOutcome.ENDED, TODAY)
    assert NeedDecision.objects.get(pk=entry.need_decision_id).state == NeedState.ENDED
    letter = Letter.objects.get(pk=ended.end_letter_id)
    assert letter.kind == "elder_general_list_left" and letter.recipient_id == entry.person_id
    assert "bedt om at blive slettet" in letter.body_html
    assert "Ønsker at blive boende hjemme." in letter.body_html
    assert "Ankestyrelsen" not in letter.body_html  # a confirmation, not a decision
    assert not period.breached_on(TODAY)
    assert entry.pk not in set(
        breached_periods([kommune_aarhus.pk], today=TODAY).values_list("entry_id", flat=True)
    )
    # Off the dashboard and its figures; the daily job does not warn of it.
    entries, stats, _warnings = guarantee_dashboard(kommune_officer, today=TODAY)
    assert entry.pk not in [e.pk for e in entries] and stats.waiting == 0
    assert guarantee_services.guarantee_warnings_send(today=entry.deadline) == 0


@pytest.mark.rule("R24", "R16.1")
def test_a_lapsed_need_is_a_decision_with_the_appeal_guidance(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    ended = _leave(kommune_officer, entry, EndCause.NEED_LAPSED)
    letter = Letter.objects.get(pk=ended.end_letter_id)
    assert "ikke længere har behov" in letter.body_html
    assert "Ankestyrelsen" in letter.body_html and letter.legal_notice


def test_moving_away_is_told_by_letter(kommune_officer, kommune_aarhus):
    ended = _leave(kommune_officer, _entry(kommune_officer, kommune_aarhus), EndCause.MOVED)
    assert "nye bopælskommune" in Letter.objects.get(pk=ended.end_letter_id).body_html


def test_on_death_no_letter_and_a_pending_offer_is_withdrawn(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    vacancy = _vacancy(kommune_officer, kommune_aarhus, ready_on=TODAY + 5 * DAY)
    offer = _offer(kommune_officer, vacancy, entry)
    # Any other cause waits for the answer first.
    with pytest.raises(ValidationError, match="awaits"), translation.override("en"):
        _leave(kommune_officer, entry, EndCause.WITHDRAWN)
    ended = _leave(kommune_officer, entry, EndCause.DIED)
    assert ended.end_letter_id is None and ended.end_cause == EndCause.DIED
    assert not Letter.objects.filter(recipient=entry.person, kind="elder_general_list_left").exists()
    offer.refresh_from_db()
    assert offer.state == ElderOfferState.WITHDRAWN and offer.answered_on == TODAY
    # The vacancy can be offered to somebody else.
    assert not vacancy.offers.filter(state=ElderOfferState.PENDING).exists()


@pytest.mark.rule("R16.1")
def test_a_place_ended_on_the_deadline_is_no_breach_and_a_day_later_is(kommune_officer, kommune_aarhus):
    """The edge: ended on the deadline day itself → no breach; ended the day after with no offer → a
    breach, counted on the dashboard of the year."""
    decided = TODAY - datetime.timedelta(days=75)
    on_day = _entry(kommune_officer, kommune_aarhus, decided_on=decided)
    day_after = _entry(kommune_officer, kommune_aarhus, decided_on=decided)
    assert on_day.deadline < TODAY
    _leave(kommune_officer, on_day, EndCause.DIED, day=on_day.deadline)
    _leave(kommune_officer, day_after, EndCause.DIED, day=day_after.deadline + DAY)
    breached = set(breached_periods([kommune_aarhus.pk], today=TODAY).values_list("entry_id", flat=True))
    assert breached == {day_after.pk}
    assert not GuaranteePeriod.objects.get(entry=on_day).breached_on(TODAY)
    assert GuaranteePeriod.objects.get(entry=day_after).breached_on(TODAY)
    _entries, stats, _warnings = guarantee_dashboard(kommune_officer, today=TODAY)
    assert stats.waiting == 0 and stats.overdue == 0
    if day_after.deadline.year == TODAY.year:
        assert stats.breaches_year == 1


def test_bad_input_is_refused_and_nothing_is_saved(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            _leave(kommune_officer, entry, EndCause.WITHDRAWN, day=TODAY + DAY)
        assert "future" in error.value.message_dict["day"][0]
        with pytest.raises(ValidationError) as error:
            _leave(kommune_officer, entry, EndCause.WITHDRAWN, day=entry.clock_started_on - DAY)
        assert "day" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            _leave(kommune_officer, entry, "bored")
        assert "cause" in error.value.message_dict
    entry.refresh_from_db()
    assert entry.state == GuaranteeState.WAITING
    _leave(kommune_officer, entry, EndCause.WITHDRAWN)
    with pytest.raises(ValidationError):  # twice: it has ended already
        _leave(kommune_officer, entry, EndCause.WITHDRAWN)


def test_the_page_ends_a_place_and_shows_errors_next_to_the_field(
    kommune_officer, kommune_aarhus, client_for
):
    entry = _entry(kommune_officer, kommune_aarhus, last_name="Fraflyttersen")
    client = english(client_for(kommune_officer))
    url = f"/kommune/aeldre/venteliste/{entry.pk}/afslut/"
    detail = client.get(f"/kommune/aeldre/venteliste/{entry.pk}/").content.decode()
    assert url in detail
    with translation.override("en"):
        page = client.get(url)
        assert page.status_code == 200 and "changed need" in page.content.decode()
        bad = client.post(
            url, {"cause": "moved", "day": (TODAY + DAY).isoformat(), "change_reason": "Flyttet"}
        )
    assert bad.status_code == 400 and "future" in bad.content.decode()
    entry.refresh_from_db()
    assert entry.state == GuaranteeState.WAITING
    done = client.post(
        url, {"cause": "moved", "day": TODAY.isoformat(), "change_reason": "Flyttet til Odense"}
    )
    assert done.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.end_cause) == (GuaranteeState.ENDED, EndCause.MOVED)
    with translation.override("en"):
        body = client.get(f"/kommune/aeldre/venteliste/{entry.pk}/").content.decode()
    assert "moved to another kommune" in body and url not in body
    assert client.get(url).status_code == 302  # nothing more to end


def test_another_kommune_cannot_end_the_place(kommune_officer, kommune_aarhus, client_for, caseworker_a):
    entry = _entry(kommune_officer, kommune_aarhus)
    odense = UserFactory()
    MembershipFactory(user=odense, tenant=Kommune.objects.get(code="0461").tenant, role=Role.KOMMUNE_OFFICER)
    url = f"/kommune/aeldre/venteliste/{entry.pk}/afslut/"
    assert client_for(odense).get(url).status_code == 404
    assert (
        client_for(odense)
        .post(url, {"cause": "died", "day": TODAY.isoformat(), "change_reason": "x"})
        .status_code
        == 404
    )
    assert client_for(caseworker_a).get(url).status_code == 403
    entry.refresh_from_db()
    assert entry.state == GuaranteeState.WAITING


# --- R16.2: ready to move into at the latest 2 weeks after the deadline ---------------------------


@pytest.mark.rule("R16.2")
def test_a_dwelling_ready_on_the_last_day_fulfils_the_guarantee(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    assert entry.ready_by == entry.deadline + datetime.timedelta(days=14)
    vacancy = _vacancy(kommune_officer, kommune_aarhus, ready_on=entry.ready_by)  # the edge day itself
    offer = _offer(kommune_officer, vacancy, entry)
    assert offer.meets_guarantee is True
    period = GuaranteePeriod.objects.get(entry=entry)
    assert (period.offered_on, period.offered_ready_on) == (TODAY, entry.ready_by)
    assert not period.breached_on(TODAY)


@pytest.mark.rule("R16.2")
def test_a_dwelling_ready_a_day_later_is_refused_with_a_clear_message(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    vacancy = _vacancy(kommune_officer, kommune_aarhus, ready_on=entry.ready_by + DAY)
    ranking, _notes = allocation_services.vacancy_ranking(vacancy)
    assert ranking.placed[0].candidate.ready_too_late(vacancy.ready_on)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _offer(kommune_officer, vacancy, entry)
    message = error.value.message_dict["candidate"][0]
    assert "R16.2" in message and entry.ready_by.strftime("%d.%m.%Y") in message
    assert not vacancy.offers.exists()


@pytest.mark.rule("R16.2", "R17")
def test_an_offer_ready_too_late_does_not_fulfil_the_guarantee_and_its_refusal_keeps_the_deadline(
    kommune_officer, kommune_aarhus
):
    entry = _entry(kommune_officer, kommune_aarhus)
    deadline = entry.deadline
    vacancy = _vacancy(kommune_officer, kommune_aarhus, ready_on=entry.ready_by + DAY)
    offer = _offer(kommune_officer, vacancy, entry, offer_not_ready_in_time=True)
    assert offer.meets_guarantee is False
    period = GuaranteePeriod.objects.get(entry=entry)
    assert period.offered_on is None  # the period still awaits an offer under § 16
    assert "ny frist på 2 måneder" not in offer.offer_letter.body_html
    allocation_services.offer_refuse(actor=kommune_officer, reason="Nej tak", offer=offer, received_on=TODAY)
    entry.refresh_from_db()
    assert entry.state == GuaranteeState.WAITING
    assert (entry.deadline, entry.refusals) == (deadline, 0)  # § 17 does not apply
    assert GuaranteePeriod.objects.filter(entry=entry).count() == 1


@pytest.mark.rule("R16.2")
def test_accepting_a_dwelling_ready_too_late_counts_as_a_breach(kommune_officer, kommune_aarhus):
    entry = _entry(kommune_officer, kommune_aarhus)
    vacancy = _vacancy(kommune_officer, kommune_aarhus, ready_on=entry.ready_by + DAY)
    offer = _offer(kommune_officer, vacancy, entry, offer_not_ready_in_time=True)
    allocation_services.offer_accept(actor=kommune_officer, reason="Ja tak", offer=offer, received_on=TODAY)
    period = GuaranteePeriod.objects.get(entry=entry)
    assert period.outcome == PeriodOutcome.ACCEPTED
    assert (period.offered_on, period.offered_ready_on) == (TODAY, entry.ready_by + DAY)
    assert period.breached_on(TODAY)
    assert entry.pk in set(
        breached_periods([kommune_aarhus.pk], today=TODAY).values_list("entry_id", flat=True)
    )


@pytest.mark.rule("R16.2")
def test_the_offer_page_flags_the_dwelling_and_asks_for_confirmation(
    kommune_officer, kommune_aarhus, client_for
):
    entry = _entry(kommune_officer, kommune_aarhus)
    vacancy = _vacancy(kommune_officer, kommune_aarhus, ready_on=entry.ready_by + DAY)
    client = english(client_for(kommune_officer))
    with translation.override("en"):
        page = client.get(f"/kommune/aeldre/ledige/{vacancy.pk}/").content.decode()
        assert "Ready too late (R16.2)" in page
        post = {
            "offer-candidate": f"general:{entry.pk}",
            "offer-answer_by": (TODAY + 7 * DAY).isoformat(),
            "offer-change_reason": "Garantifristen",
        }
        refused = client.post(f"/kommune/aeldre/ledige/{vacancy.pk}/tilbud/", post)
    assert refused.status_code == 400 and "R16.2" in refused.content.decode()
    assert not vacancy.offers.exists()
    made = client.post(
        f"/kommune/aeldre/ledige/{vacancy.pk}/tilbud/", {**post, "offer-offer_not_ready_in_time": "on"}
    )
    assert made.status_code == 302
    assert vacancy.offers.get().meets_guarantee is False
    with translation.override("en"):
        page = client.get(f"/kommune/aeldre/ledige/{vacancy.pk}/").content.decode()
    assert "Does not fulfil the guarantee (R16.2)" in page
