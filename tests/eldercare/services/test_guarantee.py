"""The general list and the plejebolig guarantee (§§ 15–18): deadlines counted in calendar months and
stored on the rows, the refusal that restarts the clock, the changed need that ends the guarantee,
the choice of a specific dwelling, breaches, and the daily warning job."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from eldercare.models import (
    DeadlineWarning,
    EldercarePolicy,
    GuaranteeEntry,
    GuaranteePeriod,
    GuaranteeState,
    NeedState,
    PeriodOutcome,
)
from eldercare.rules.deadlines import guarantee_deadlines, quarter_bounds
from eldercare.services import guarantee as guarantee_services
from eldercare.services import needs as need_services
from housing.audit import audited_save
from letters.models import Letter
from tests.eldercare_support import decide, elder

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.rule("R16.1", "R16.2")
@pytest.mark.parametrize(
    ("decided", "offer_by", "ready_by"),
    [
        (D(2026, 3, 10), D(2026, 5, 10), D(2026, 5, 24)),
        (D(2026, 12, 31), D(2027, 2, 28), D(2027, 3, 14)),  # no 31 February: the month's last day
        (D(2027, 12, 31), D(2028, 2, 29), D(2028, 3, 14)),  # leap year: 29 February
        (D(2026, 8, 31), D(2026, 10, 31), D(2026, 11, 14)),
        (D(2026, 4, 30), D(2026, 6, 30), D(2026, 7, 14)),
    ],
)
def test_two_calendar_months_then_two_weeks(decided, offer_by, ready_by):
    deadlines = guarantee_deadlines(decided)
    assert (deadlines.offer_by, deadlines.ready_by) == (offer_by, ready_by)


@pytest.mark.rule("R15.1", "R16.1", "R16.2")
@pytest.mark.parametrize(
    ("decided", "offer_by"), [(D(2026, 12, 31), D(2027, 2, 28)), (D(2027, 12, 31), D(2028, 2, 29))]
)
def test_decision_on_31_december_puts_the_elder_on_the_general_list_with_a_stored_deadline(
    kommune_officer, kommune_aarhus, decided, offer_by, monkeypatch
):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: decided + datetime.timedelta(days=1))
    person = elder(kommune_aarhus)
    decision = decide(kommune_officer, kommune_aarhus, person, decided_on=decided)
    entry = GuaranteeEntry.objects.get(need_decision=decision)
    assert entry.state == GuaranteeState.WAITING
    assert (entry.admitted_on, entry.clock_started_on) == (decided, decided)
    assert entry.deadline == offer_by
    assert entry.ready_by == offer_by + datetime.timedelta(days=14)
    period = entry.periods.get()
    assert (period.number, period.started_on, period.deadline, period.ready_by) == (
        1,
        decided,
        offer_by,
        offer_by + datetime.timedelta(days=14),
    )
    letter = Letter.objects.get(recipient=person, kind="elder_general_list")
    assert "28. februar 2027" in letter.body_html or "29. februar 2028" in letter.body_html
    assert "§ 16" in letter.body_html


@pytest.mark.rule("R15.1")
def test_only_a_plejebolig_need_goes_on_the_general_list(kommune_officer, kommune_aarhus):
    for kind in ("elder_dwelling", "botilbud"):
        decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), kind=kind)
    # Even when "general list" is asked for, an elder-dwelling need is no plejebolig need.
    decision = decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), kind="elder_dwelling", choice="general"
    )
    assert decision.guarantee_choice == ""
    assert not GuaranteeEntry.objects.exists()
    assert not Letter.objects.filter(kind="elder_general_list").exists()


@pytest.mark.rule("R15.2")
def test_choosing_a_specific_dwelling_records_that_the_elder_was_told_the_guarantee_does_not_apply(
    kommune_officer, kommune_aarhus
):
    person = elder(kommune_aarhus)
    decision = decide(
        kommune_officer, kommune_aarhus, person, choice="specific", chosen_dwelling="Plejecenter Solbakken"
    )
    assert not GuaranteeEntry.objects.filter(person=person).exists()
    assert decision.told_no_guarantee_on == datetime.date.today()
    letter = decision.no_guarantee_letter
    assert letter.kind == "elder_no_guarantee" and letter.legal_notice
    assert "ikke gælder" in letter.body_html and "Plejecenter Solbakken" in letter.body_html
    assert "§ 15, stk. 2" in letter.body_html


@pytest.mark.rule("R15.2")
def test_choosing_a_specific_dwelling_later_takes_the_elder_off_the_general_list(
    kommune_officer, kommune_aarhus
):
    person = elder(kommune_aarhus)
    first = decide(kommune_officer, kommune_aarhus, person, decided_on=D(2026, 1, 5))
    second = need_services.need_decision_change(
        actor=kommune_officer,
        reason="Borgeren ønsker Solbakken",
        decision=first,
        kind="nursing",
        decided_on=D(2026, 1, 20),
        assessment=need_services.Assessment(social=2, physical=2, mental=2, economic=2),
        guarantee_choice="specific",
        chosen_dwelling="Solbakken",
    )
    entry = GuaranteeEntry.objects.get(person=person)
    assert entry.state == GuaranteeState.CHOSE_SPECIFIC and entry.ended_on == D(2026, 1, 20)
    assert entry.periods.get().outcome == PeriodOutcome.ENDED
    assert second.told_no_guarantee_on is not None
    assert Letter.objects.filter(recipient=person, kind="elder_no_guarantee").count() == 1


@pytest.mark.rule("R17")
def test_a_refusal_keeps_the_elder_on_the_list_and_restarts_two_months_from_the_day_received(
    kommune_officer, kommune_aarhus
):
    person = elder(kommune_aarhus)
    decision = decide(kommune_officer, kommune_aarhus, person, decided_on=D(2026, 1, 31))
    entry = GuaranteeEntry.objects.get(need_decision=decision)
    assert entry.deadline == D(2026, 3, 31)
    guarantee_services.guarantee_offer_made(
        actor=kommune_officer, reason="Tilbud", entry=entry, offered_on=D(2026, 3, 1), ready_on=D(2026, 3, 15)
    )
    entry = guarantee_services.guarantee_refusal_received(
        actor=kommune_officer, reason="Afslag modtaget pr. brev", entry=entry, received_on=D(2026, 3, 9)
    )
    entry.refresh_from_db()
    assert entry.state == GuaranteeState.WAITING  # not deleted from the list
    assert entry.clock_started_on == D(2026, 3, 9)  # from the day the kommune received the refusal
    assert entry.deadline == D(2026, 5, 9)  # the old deadline (31 March) is cancelled
    assert entry.ready_by == D(2026, 5, 23)
    assert entry.refusals == 1 and not entry.reassessment_due
    first, second = entry.periods.order_by("number")
    assert (first.outcome, first.closed_on, first.offered_on) == (
        PeriodOutcome.REFUSED,
        D(2026, 3, 9),
        D(2026, 3, 1),
    )
    assert (second.outcome, second.started_on, second.deadline) == (
        PeriodOutcome.RUNNING,
        D(2026, 3, 9),
        D(2026, 5, 9),
    )
    letters = Letter.objects.filter(recipient=person, kind="elder_general_list").order_by("pk")
    assert letters.count() == 2
    assert "§ 17" in letters.last().body_html and "9. maj 2026" in letters.last().body_html


@pytest.mark.rule("R17")
def test_a_refusal_cannot_be_dated_before_the_running_period_or_in_the_future(
    kommune_officer, kommune_aarhus
):
    decision = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=D(2026, 2, 1))
    entry = decision.guarantee_entry
    for day in (D(2026, 1, 31), datetime.date.today() + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            guarantee_services.guarantee_refusal_received(
                actor=kommune_officer, reason="Afslag", entry=entry, received_on=day
            )
    entry.refresh_from_db()
    assert entry.deadline == D(2026, 4, 1) and entry.refusals == 0


@pytest.mark.rule("R17")
def test_second_refusal_reassessment_is_a_dated_local_option_off_by_default(
    kommune_officer, kommune_aarhus, system_user
):
    def two_refusals():
        decision = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=D(2026, 1, 2))
        entry = decision.guarantee_entry
        for day in (D(2026, 1, 20), D(2026, 2, 10)):
            entry = guarantee_services.guarantee_refusal_received(
                actor=kommune_officer, reason="Afslag", entry=entry, received_on=day
            )
        entry.refresh_from_db()
        return entry

    off = two_refusals()
    assert off.refusals == 2 and not off.reassessment_due
    audited_save(
        EldercarePolicy(kommune=kommune_aarhus, valid_from=D(2026, 2, 1), second_refusal_reassessment=True),
        actor=system_user,
        reason="Byrådets beslutning",
    )
    on = two_refusals()
    assert on.refusals == 2 and on.reassessment_due
    assert on.state == GuaranteeState.WAITING and on.deadline == D(2026, 4, 10)  # § 17 holds all the same


@pytest.mark.rule("R18")
def test_a_changed_need_before_an_offer_ends_the_guarantee_with_a_letter(kommune_officer, kommune_aarhus):
    person = elder(kommune_aarhus)
    first = decide(kommune_officer, kommune_aarhus, person, decided_on=D(2026, 1, 5))
    second = need_services.need_decision_change(
        actor=kommune_officer,
        reason="Ny visitation: ældrebolig er tilstrækkelig",
        decision=first,
        kind="elder_dwelling",
        decided_on=D(2026, 2, 1),
        assessment=need_services.Assessment(social=1, physical=1, mental=0, economic=1),
    )
    first.refresh_from_db()
    assert first.state == NeedState.CHANGED and second.replaces == first
    entry = GuaranteeEntry.objects.get(person=person)
    assert entry.state == GuaranteeState.NEED_CHANGED and entry.ended_on == D(2026, 2, 1)
    assert entry.end_letter.kind == "elder_guarantee_ended" and entry.end_letter.legal_notice
    assert "§ 18" in entry.end_letter.body_html and "Ankestyrelsen" in entry.end_letter.body_html
    assert entry.periods.get().outcome == PeriodOutcome.ENDED


@pytest.mark.rule("R18")
def test_a_reassessment_that_keeps_the_plejebolig_need_keeps_the_deadline(kommune_officer, kommune_aarhus):
    person = elder(kommune_aarhus)
    first = decide(kommune_officer, kommune_aarhus, person, decided_on=D(2026, 1, 5))
    second = need_services.need_decision_change(
        actor=kommune_officer,
        reason="Revurdering",
        decision=first,
        kind="nursing",
        decided_on=D(2026, 2, 1),
        assessment=need_services.Assessment(social=4, physical=4, mental=3, economic=2),
        guarantee_choice="general",
    )
    entry = GuaranteeEntry.objects.get(person=person)
    assert entry.need_decision == second and entry.state == GuaranteeState.WAITING
    assert entry.deadline == D(2026, 3, 5)  # counted from the first decision that the elder needs one
    assert not Letter.objects.filter(kind="elder_guarantee_ended").exists()


@pytest.mark.rule("R16.1", "R16.2")
def test_breaches_are_counted_from_the_stored_periods(kommune_officer, kommune_aarhus):
    from eldercare.selectors import breached_periods

    today = datetime.date.today()
    old = today - datetime.timedelta(days=100)
    on_time = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=old).guarantee_entry
    guarantee_services.guarantee_offer_made(
        actor=kommune_officer,
        reason="Tilbud",
        entry=on_time,
        offered_on=old + datetime.timedelta(days=20),
        ready_on=old + datetime.timedelta(days=30),
    )
    late = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=old).guarantee_entry
    not_ready = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=old).guarantee_entry
    period = not_ready.periods.get()
    guarantee_services.guarantee_offer_made(
        actor=kommune_officer,
        reason="Tilbud",
        entry=not_ready,
        offered_on=period.deadline,
        ready_on=period.ready_by + datetime.timedelta(days=1),
    )
    running = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=today).guarantee_entry
    breached = set(breached_periods([kommune_aarhus.pk], today=today).values_list("entry_id", flat=True))
    assert breached == {late.pk, not_ready.pk}
    assert running.pk not in breached
    assert GuaranteePeriod.objects.get(entry=late).breached_on(today)
    assert not GuaranteePeriod.objects.get(entry=on_time).breached_on(today)


def test_quarter_bounds():
    assert quarter_bounds(D(2026, 11, 21)) == (D(2026, 10, 1), D(2026, 12, 31))
    assert quarter_bounds(D(2026, 2, 28)) == (D(2026, 1, 1), D(2026, 3, 31))


@pytest.mark.rule("R16.1")
def test_the_daily_job_warns_once_per_entry_and_deadline(kommune_officer, kommune_aarhus, system_user):
    from letters.jobs import run_job
    from letters.models import JobRun

    today = datetime.date.today()
    soon = decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=today - datetime.timedelta(days=50)
    ).guarantee_entry  # deadline in about 10 days
    far = decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=today - datetime.timedelta(days=10)
    ).guarantee_entry  # deadline in about 50 days
    overdue = decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=today - datetime.timedelta(days=70)
    ).guarantee_entry
    run = run_job("eldercare.guarantee_warnings", trigger="manual", user=system_user)
    assert run.state == JobRun.State.SUCCEEDED and run.counts["warned"] == 2
    assert set(DeadlineWarning.objects.values_list("entry_id", flat=True)) == {soon.pk, overdue.pk}
    assert far.pk not in set(DeadlineWarning.objects.values_list("entry_id", flat=True))
    again = run_job("eldercare.guarantee_warnings", trigger="manual", user=system_user)
    assert again.counts["warned"] == 0 and DeadlineWarning.objects.count() == 2
    # A configured window of 60 days catches the far one too.
    audited_save(
        EldercarePolicy(kommune=kommune_aarhus, valid_from=today, warning_days=60),
        actor=system_user,
        reason="Længere varsel",
    )
    third = run_job("eldercare.guarantee_warnings", trigger="manual", user=system_user)
    assert third.counts["warned"] == 1
    # A refusal gives a new deadline, which is warned of again in time.
    guarantee_services.guarantee_refusal_received(
        actor=kommune_officer, reason="Afslag", entry=soon, received_on=today - datetime.timedelta(days=10)
    )
    fourth = run_job("eldercare.guarantee_warnings", trigger="manual", user=system_user)
    assert fourth.counts["warned"] == 1
    assert DeadlineWarning.objects.filter(entry=soon).count() == 2


def test_warning_days_are_validated(kommune_aarhus, system_user):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        audited_save(
            EldercarePolicy(kommune=kommune_aarhus, valid_from=D(2026, 1, 1), warning_days=0),
            actor=system_user,
            reason="x",
        )
    assert "warning_days" in error.value.message_dict
