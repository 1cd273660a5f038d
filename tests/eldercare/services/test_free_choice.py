"""Free choice of elder dwellings across kommuner (§ 19, R19.1–R19.4): both kommuner's assessments, the
destination kommune's own guidelines (its needs decision), a spouse moving along, private plejeboliger,
and the refuse-outsiders decision in force on the day the application is received."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from eldercare.models import FreeChoiceApplication, FreeChoiceState, SpecificEntryStatus
from eldercare.services import free_choice as services
from eldercare.services import outsiders as outsider_services
from letters.models import Letter
from tests.eldercare.services.test_outsiders import DOCUMENTATION
from tests.eldercare_lists_support import english, entry, facility, on_day, resident_elsewhere, specific_list
from tests.eldercare_support import decide

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 6, 15)
RECEIVED = D(2026, 6, 1)


def receive(officer, sl, person, home, received_on=RECEIVED, **kwargs):
    return services.free_choice_receive(
        actor=officer,
        reason="Ansøgning om frit valg",
        specific_list=sl,
        person=person,
        home_kommune=home,
        received_on=received_on,
        **kwargs,
    )


def assess(officer, application, *, home=True, destination=True, need=None, same_guidelines=True):
    services.free_choice_assess_home(
        actor=officer,
        reason="Bopælskommunens vurdering",
        application=application,
        conditions_met=home,
        assessed_on=D(2026, 6, 5),
        case_reference="ODE-2026-117",
    )
    return services.free_choice_assess_destination(
        actor=officer,
        reason="Egen vurdering",
        application=application,
        need_decision=need,
        conditions_met=destination,
        assessed_on=D(2026, 6, 8),
        same_guidelines=same_guidelines,
    )


def decide_application(officer, application, day=TODAY):
    return services.free_choice_decide(
        actor=officer, reason="Afgørelse", application=application, decided_on=day
    )


@pytest.fixture
def setting(kommune_officer, kommune_aarhus, kommune_odense, monkeypatch):
    on_day(monkeypatch, TODAY)
    sl = specific_list(facility(kommune_aarhus, kind="aeldreboliger"))
    person = resident_elsewhere(kommune_aarhus, kommune_odense, first_name="Frida", last_name="Fynbo")
    need = decide(kommune_officer, kommune_aarhus, person, kind="elder_dwelling", decided_on=D(2026, 6, 8))
    return sl, person, need


@pytest.mark.rule("R19.1", "R19.2")
def test_approved_when_both_kommuner_find_the_conditions_met(kommune_officer, kommune_odense, setting):
    sl, person, need = setting
    application = receive(kommune_officer, sl, person, kommune_odense)
    application = assess(kommune_officer, application, need=need)
    application = decide_application(kommune_officer, application)
    assert application.state == FreeChoiceState.APPROVED
    e = application.entry
    assert (e.specific_list, e.joined_on, e.lives_inside, e.home_kommune) == (
        sl,
        D(2026, 6, 1),  # from the day the application was received
        False,
        kommune_odense,
    )
    letter = Letter.objects.get(kind="elder_free_choice_decision", recipient=person)
    assert "Ankestyrelsen" in letter.body_html and "optaget på den specifikke venteliste" in letter.body_html


@pytest.mark.rule("R19.2")
@pytest.mark.parametrize(("home", "destination"), [(False, True), (True, False), (False, False)])
def test_refused_when_the_conditions_fail_in_either_kommune(
    kommune_officer, kommune_odense, setting, home, destination
):
    sl, person, need = setting
    application = receive(kommune_officer, sl, person, kommune_odense)
    application = assess(kommune_officer, application, home=home, destination=destination, need=need)
    with translation.override("en"):
        application = decide_application(kommune_officer, application)
    assert application.state == FreeChoiceState.REFUSED
    assert application.entry is None
    assert ("home kommune" in application.decision_reason) is (not home)
    assert ("this kommune" in application.decision_reason) is (not destination)
    letter = Letter.objects.get(kind="elder_free_choice_decision", recipient=person)
    assert "afslag" in letter.body_html and "Ankestyrelsen" in letter.body_html


@pytest.mark.rule("R19.2")
def test_no_decision_before_both_assessments(kommune_officer, kommune_odense, setting):
    sl, person, _need = setting
    application = receive(kommune_officer, sl, person, kommune_odense)
    services.free_choice_assess_home(
        actor=kommune_officer,
        reason="Vurdering",
        application=application,
        conditions_met=True,
        assessed_on=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        decide_application(kommune_officer, application)
    assert error.value.code == "assessments_missing"
    application.refresh_from_db()
    assert application.state == FreeChoiceState.RECEIVED


@pytest.mark.rule("R19.2")
def test_the_destination_kommune_assesses_by_its_own_guidelines(
    kommune_officer, kommune_aarhus, kommune_odense, setting
):
    sl, person, need = setting
    application = receive(kommune_officer, sl, person, kommune_odense)
    with pytest.raises(ValidationError) as error:
        assess(kommune_officer, application, need=need, same_guidelines=False)
    assert "same_guidelines_confirmed" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # a positive assessment rests on its needs decision
        assess(kommune_officer, application, need=None)
    assert "destination_need_decision" in error.value.message_dict
    other = resident_elsewhere(kommune_aarhus, kommune_odense)
    others_need = decide(kommune_officer, kommune_aarhus, other, kind="elder_dwelling", decided_on=TODAY)
    with pytest.raises(ValidationError) as error:
        assess(kommune_officer, application, need=others_need)
    assert "destination_need_decision" in error.value.message_dict


@pytest.mark.rule("R19.1")
def test_free_choice_is_for_citizens_of_another_kommune(kommune_officer, kommune_aarhus, setting):
    sl, person, _need = setting
    with pytest.raises(ValidationError) as error:
        receive(kommune_officer, sl, person, kommune_aarhus)
    assert "home_kommune" in error.value.message_dict


@pytest.mark.rule("R19.3")
@pytest.mark.parametrize(("for_two", "approved"), [(0, False), (3, True)])
def test_a_spouse_moving_along_needs_a_dwelling_for_two(
    kommune_officer, kommune_aarhus, kommune_odense, monkeypatch, for_two, approved
):
    on_day(monkeypatch, TODAY)
    sl = specific_list(facility(kommune_aarhus, dwellings_for_two=for_two))
    person = resident_elsewhere(kommune_aarhus, kommune_odense)
    need = decide(
        kommune_officer,
        kommune_aarhus,
        person,
        kind="elder_dwelling",
        decided_on=D(2026, 6, 8),
        partner=("spouse", "Poul Fynbo"),
    )
    application = assess(kommune_officer, receive(kommune_officer, sl, person, kommune_odense), need=need)
    assert application.partner_moves_along is True
    if approved:
        assert decide_application(kommune_officer, application).state == FreeChoiceState.APPROVED
    else:
        with pytest.raises(ValidationError) as error:
            decide_application(kommune_officer, application)
        assert error.value.code == "not_for_two"


@pytest.mark.rule("R19.4")
def test_unsupported_private_plejeboliger_are_chosen_the_same_way(
    kommune_officer, kommune_aarhus, kommune_odense, monkeypatch
):
    on_day(monkeypatch, TODAY)
    private = facility(
        kommune_aarhus,
        kind="plejeboliger",
        private_unsupported=True,
        owner_kind="private",
        owner_name="Plejebo ApS",
    )
    sl = specific_list(private)
    person = resident_elsewhere(kommune_aarhus, kommune_odense)
    need = decide(
        kommune_officer, kommune_aarhus, person, kind="nursing", decided_on=D(2026, 6, 8), choice="specific"
    )
    application = decide_application(
        kommune_officer,
        assess(kommune_officer, receive(kommune_officer, sl, person, kommune_odense), need=need),
    )
    assert application.state == FreeChoiceState.APPROVED
    assert application.entry.specific_list.facility.private_unsupported is True


@pytest.mark.rule("R19.1", "R22.1", "R23")
def test_a_refuse_outsiders_decision_in_force_on_the_day_the_application_is_received(
    kommune_officer, kommune_aarhus, kommune_odense, monkeypatch
):
    """A decision on 1 July takes effect on 1 August: an application received on 31 July is admitted even
    when decided in August; one received on 1 August is refused unless a § 23 exemption is recorded."""
    on_day(monkeypatch, D(2026, 7, 1))
    sl = specific_list(facility(kommune_aarhus))
    for i, wait in enumerate((40, 80)):
        entry(
            sl,
            joined_on=D(2026, 2, 10) - datetime.timedelta(days=wait) + datetime.timedelta(days=i),
            housed_on=D(2026, 2, 10) + datetime.timedelta(days=i),
        )
    for i, wait in enumerate((80, 100)):
        entry(
            sl,
            joined_on=D(2026, 5, 10) - datetime.timedelta(days=wait) + datetime.timedelta(days=i),
            housed_on=D(2026, 5, 10) + datetime.timedelta(days=i),
        )
    for i in range(3):
        entry(sl, joined_on=D(2026, 5, 1) + datetime.timedelta(days=i), inside=False)
    outsider_services.decision_make(
        actor=kommune_officer,
        reason="Byrådsbeslutning",
        kommune=kommune_aarhus,
        dwelling_kind="aeldreboliger",
        decided_on=D(2026, 7, 1),
        documentation=DOCUMENTATION,
    )
    on_day(monkeypatch, D(2026, 8, 20))
    results = {}
    for received, exemption in (
        (D(2026, 7, 31), ""),
        (D(2026, 8, 1), ""),
        (D(2026, 8, 1), "close_relatives"),
    ):
        person = resident_elsewhere(kommune_aarhus, kommune_odense)
        need = decide(
            kommune_officer, kommune_aarhus, person, kind="elder_dwelling", decided_on=D(2026, 8, 10)
        )
        application = receive(
            kommune_officer,
            sl,
            person,
            kommune_odense,
            received_on=received,
            outsider_exemption=exemption,
            outsider_exemption_note="Sønnen bor i Aarhus" if exemption else "",
        )
        assess(kommune_officer, application, need=need)
        try:
            results[(received, exemption)] = decide_application(
                kommune_officer, application, D(2026, 8, 20)
            ).state
        except ValidationError as error:
            results[(received, exemption)] = error.message_dict
    assert results[(D(2026, 7, 31), "")] == FreeChoiceState.APPROVED
    assert "home_kommune" in results[(D(2026, 8, 1), "")]
    assert results[(D(2026, 8, 1), "close_relatives")] == FreeChoiceState.APPROVED
    assert FreeChoiceApplication.objects.filter(state=FreeChoiceState.RECEIVED).count() == 1


@pytest.mark.rule("R19.1", "R19.2")
def test_the_officer_handles_an_application_on_the_pages(
    kommune_officer, kommune_aarhus, kommune_odense, client_for, monkeypatch
):
    on_day(monkeypatch, TODAY)
    sl = specific_list(facility(kommune_aarhus))
    client = english(client_for(kommune_officer))
    assert client.get(reverse("eldercare:free_choice_list")).status_code == 200
    create = reverse("eldercare:free_choice_create")
    assert client.get(create).status_code == 200
    response = client.post(
        create,
        {
            "specific_list": sl.pk,
            "cpr": "030338-1234",
            "first_name": "Gerda",
            "last_name": "Gudmestad",
            "home_kommune": kommune_odense.pk,
            "received_on": "2026-06-01",
            "change_reason": "Ansøgning modtaget",
        },
    )
    assert response.status_code == 302
    application = FreeChoiceApplication.objects.get()
    # The new citizen lives in the home kommune, registered by the destination kommune (its data).
    assert (application.person.kommune_id, application.person.controller_id) == (
        kommune_odense.pk,
        kommune_aarhus.tenant_id,
    )
    need = decide(
        kommune_officer, kommune_aarhus, application.person, kind="elder_dwelling", decided_on=TODAY
    )
    detail = reverse("eldercare:free_choice_detail", args=[application.pk])
    assert client.get(detail).status_code == 200
    early = client.post(
        reverse("eldercare:free_choice_decide", args=[application.pk]),
        {"decide-decided_on": "2026-06-15", "decide-change_reason": "Afgørelse"},
    )
    assert early.status_code == 400 and "Both kommuner" in early.content.decode()
    assert (
        client.post(
            reverse("eldercare:free_choice_home", args=[application.pk]),
            {
                "home-conditions_met": "yes",
                "home-assessed_on": "2026-06-05",
                "home-change_reason": "Vurdering",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("eldercare:free_choice_destination", args=[application.pk]),
            {
                "dest-conditions_met": "yes",
                "dest-assessed_on": "2026-06-08",
                "dest-need_decision": need.pk,
                "dest-same_guidelines": "on",
                "dest-change_reason": "Vurdering",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("eldercare:free_choice_decide", args=[application.pk]),
            {"decide-decided_on": "2026-06-15", "decide-change_reason": "Afgørelse"},
        ).status_code
        == 302
    )
    application.refresh_from_db()
    assert application.state == FreeChoiceState.APPROVED
    assert application.entry.status == SpecificEntryStatus.ACTIVE
