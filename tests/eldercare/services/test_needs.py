"""Needs decisions (*visitation*): the kommune records the need, the assessment of the four conditions
(§ 20, stk. 2) read only through the access log, the spouse moving along (R19.3), the one decision
in force and its changes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from eldercare.models import GuaranteeEntry, NeedDecision, NeedState
from eldercare.services import needs as services
from housing.models import AccessKind, Person, PersonalDataAccess
from tests.eldercare_lists_support import english
from tests.eldercare_support import decide, elder

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _form_data(**overrides):
    data = {
        "cpr": "1203341238",
        "first_name": "Inger",
        "last_name": "Ældresen",
        "kind": "nursing",
        "decided_on": TODAY.isoformat(),
        "social_score": "3",
        "physical_score": "4",
        "mental_score": "2",
        "economic_score": "1",
        "assessment_notes": "Kan ikke klare sig i eget hjem.",
        "partner_relation": "",
        "partner_name": "",
        "guarantee_choice": "general",
        "change_reason": "Visitationsmøde",
    }
    data.update(overrides)
    return data


@pytest.mark.rule("R14.1", "R15.1", "R20.2")
def test_the_officer_records_a_needs_decision_and_registers_the_citizen(
    kommune_officer, kommune_aarhus, client_for
):
    client = client_for(kommune_officer)
    assert client.get("/kommune/aeldre/visitation/ny/").status_code == 200
    response = client.post("/kommune/aeldre/visitation/ny/", _form_data(kommune=kommune_aarhus.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    decision = NeedDecision.objects.get()
    person = decision.person
    assert person.controller_id == kommune_aarhus.tenant_id  # the kommune is the data controller
    assert (person.first_name, person.kommune) == ("Inger", kommune_aarhus)
    assert decision.need_score == 10 and decision.kind == "nursing" and decision.state == NeedState.IN_FORCE
    assert GuaranteeEntry.objects.get(person=person).need_decision == decision
    assert response["Location"] == f"/kommune/aeldre/visitation/{decision.pk}/"
    # The same CPR number again finds the citizen, and the decision in force blocks a second one.
    response = client.post(
        "/kommune/aeldre/visitation/ny/", _form_data(kommune=kommune_aarhus.pk, first_name="")
    )
    assert response.status_code == 400
    assert Person.objects.filter(controller=kommune_aarhus.tenant).count() == 1
    assert NeedDecision.objects.count() == 1


@pytest.mark.rule("R20.2")
def test_every_read_of_the_assessment_is_logged(kommune_officer, kommune_aarhus, client_for):
    person = elder(kommune_aarhus)
    decision = decide(kommune_officer, kommune_aarhus, person, scores=(4, 3, 2, 1))
    client = client_for(kommune_officer)
    assert not PersonalDataAccess.objects.filter(person=person).exists()
    for url in (
        f"/kommune/aeldre/visitation/{decision.pk}/",
        f"/kommune/aeldre/visitation/{decision.pk}/historik/",
        f"/kommune/aeldre/visitation/{decision.pk}/aendr/",
    ):
        body = client.get(url).content.decode()
        assert "Falder ofte" in body
    rows = PersonalDataAccess.objects.filter(
        person=person, user=kommune_officer, kind=AccessKind.SENSITIVE_READ
    )
    assert rows.count() == 3
    # The list shows no assessment and logs nothing.
    assert "Falder ofte" not in client.get("/kommune/aeldre/visitation/").content.decode()
    assert rows.count() == 3


@pytest.mark.rule("R19.3")
def test_a_spouse_moving_along_must_be_named(kommune_officer, kommune_aarhus, client_for):
    with translation.override("en"):
        response = english(client_for(kommune_officer)).post(
            "/kommune/aeldre/visitation/ny/",
            _form_data(kommune=kommune_aarhus.pk, partner_relation="cohabitant", partner_name=""),
        )
    assert response.status_code == 400
    assert "Name the spouse, partner or cohabitant" in response.content.decode()
    assert (
        not NeedDecision.objects.exists()
        and not Person.objects.filter(controller=kommune_aarhus.tenant).exists()
    )
    decision = decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), partner=("partner", "Ole Olsen")
    )
    assert decision.needs_two_persons and decision.partner_name == "Ole Olsen"


@pytest.mark.rule("R15.1")
def test_a_plejebolig_need_must_choose_the_general_list_or_a_specific_dwelling(
    kommune_officer, kommune_aarhus, client_for
):
    response = client_for(kommune_officer).post(
        "/kommune/aeldre/visitation/ny/", _form_data(kommune=kommune_aarhus.pk, guarantee_choice="")
    )
    assert response.status_code == 400
    assert 'id="id_guarantee_choice_error"' in response.content.decode()
    assert not NeedDecision.objects.exists()


def test_scores_outside_0_to_4_are_refused(kommune_officer, kommune_aarhus, client_for):
    response = client_for(kommune_officer).post(
        "/kommune/aeldre/visitation/ny/", _form_data(kommune=kommune_aarhus.pk, social_score="7")
    )
    assert response.status_code == 400 and 'id="id_social_score_error"' in response.content.decode()
    with pytest.raises(ValidationError):
        decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus), scores=(5, 0, 0, 0))
    assert not NeedDecision.objects.exists()


def test_a_decision_in_the_future_or_a_bad_cpr_is_refused_next_to_the_field(
    kommune_officer, kommune_aarhus, client_for
):
    client = client_for(kommune_officer)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    body = client.post(
        "/kommune/aeldre/visitation/ny/", _form_data(kommune=kommune_aarhus.pk, decided_on=tomorrow)
    )
    assert body.status_code == 400 and 'id="id_decided_on_error"' in body.content.decode()
    body = client.post("/kommune/aeldre/visitation/ny/", _form_data(kommune=kommune_aarhus.pk, cpr="12345"))
    assert body.status_code == 400 and 'id="id_cpr_error"' in body.content.decode()
    assert not NeedDecision.objects.exists()


@pytest.mark.rule("R14.1")
def test_only_the_kommunes_officers_record_and_read(
    kommune_officer, kommune_aarhus, caseworker_a, client_for
):
    decision = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus))
    with pytest.raises(PermissionDenied):
        decide(caseworker_a, kommune_aarhus, elder(kommune_aarhus))
    with pytest.raises(PermissionDenied):
        services.need_decision_read(actor=caseworker_a, decision=decision)
    assert client_for(caseworker_a).get(f"/kommune/aeldre/visitation/{decision.pk}/").status_code == 403
    assert client_for(caseworker_a).get("/kommune/aeldre/visitation/ny/").status_code == 403


def test_a_change_replaces_the_decision_in_force(kommune_officer, kommune_aarhus, client_for):
    person = elder(kommune_aarhus)
    first = decide(
        kommune_officer,
        kommune_aarhus,
        person,
        kind="elder_dwelling",
        decided_on=TODAY - datetime.timedelta(days=9),
    )
    response = client_for(kommune_officer).post(
        f"/kommune/aeldre/visitation/{first.pk}/aendr/",
        {k: v for k, v in _form_data().items() if k not in ("cpr", "first_name", "last_name")},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    new = NeedDecision.objects.get(state=NeedState.IN_FORCE)
    assert first.state == NeedState.CHANGED and first.ended_on == TODAY and new.replaces == first
    assert (
        GuaranteeEntry.objects.get(person=person).need_decision == new
    )  # now a plejebolig need: on the list
    assert first.history.count() == 2 and new.history.count() == 1  # one history row per change
    with pytest.raises(ValidationError):
        services.need_decision_change(
            actor=kommune_officer,
            reason="x",
            decision=first,
            kind="nursing",
            decided_on=TODAY,
            assessment=services.Assessment(social=1, physical=1, mental=1, economic=1),
            guarantee_choice="general",
        )
