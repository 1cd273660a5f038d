"""The read-only admin of refuse-outsiders decisions (§ 22) and free-choice applications (§ 19):
administrators see them in lists with filters and search (never by CPR); nothing can be added,
changed or deleted there — changes go through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from eldercare.models import FreeChoiceApplication, RefuseOutsidersDecision
from eldercare.services import free_choice as free_choice_services
from eldercare.services import outsiders as outsider_services
from tests.eldercare.services.test_outsiders import DECIDED, DOCUMENTATION, JUSTIFICATION, rising_waits
from tests.eldercare_lists_support import english, facility, on_day, resident_elsewhere, specific_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(kommune_officer, kommune_aarhus, kommune_odense, monkeypatch):
    on_day(monkeypatch, DECIDED)
    aeldre = specific_list(facility(kommune_aarhus, kind="aeldreboliger"))
    rising_waits(aeldre)
    decision = outsider_services.decision_make(
        actor=kommune_officer,
        reason="Byrådsbeslutning",
        kommune=kommune_aarhus,
        dwelling_kind="aeldreboliger",
        decided_on=DECIDED,
        documentation=DOCUMENTATION,
    )
    person = resident_elsewhere(kommune_aarhus, kommune_odense, first_name="Frida", last_name="Fynbo")
    application = free_choice_services.free_choice_receive(
        actor=kommune_officer,
        reason="Ansøgning modtaget",
        specific_list=aeldre,
        person=person,
        home_kommune=kommune_odense,
        received_on=DECIDED,
        outsider_exemption="",
        outsider_exemption_note="",
    )
    return decision, application


def test_administrators_see_the_decisions_and_applications_read_only(administrator, client_for, rows):
    decision, application = rows
    client = english(client_for(administrator))
    changelist = reverse("admin:eldercare_refuseoutsidersdecision_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "Aarhus" in page.content.decode()
    assert client.get(changelist, {"dwelling_kind": "aeldreboliger", "q": "Aarhus"}).status_code == 200
    detail = client.get(reverse("admin:eldercare_refuseoutsidersdecision_change", args=[decision.pk]))
    assert detail.status_code == 200 and JUSTIFICATION[:40] in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()  # read-only: no save button
    assert client.get(reverse("admin:eldercare_refuseoutsidersdecision_add")).status_code == 403
    before = RefuseOutsidersDecision.objects.get(pk=decision.pk).justification
    client.post(
        reverse("admin:eldercare_refuseoutsidersdecision_change", args=[decision.pk]),
        {"justification": "ændret", "change_reason": "x"},
    )
    assert RefuseOutsidersDecision.objects.get(pk=decision.pk).justification == before
    delete = client.post(reverse("admin:eldercare_refuseoutsidersdecision_delete", args=[decision.pk]))
    assert delete.status_code == 403 and RefuseOutsidersDecision.objects.filter(pk=decision.pk).exists()

    applications = reverse("admin:eldercare_freechoiceapplication_changelist")
    body = client.get(applications, {"q": "Fynbo", "state": application.state}).content.decode()
    assert "Frida Fynbo" in body and application.person.applicant_number in body
    assert application.person.cpr_masked not in body  # no CPR, not even masked
    detail = client.get(reverse("admin:eldercare_freechoiceapplication_change", args=[application.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:eldercare_freechoiceapplication_add")).status_code == 403
    assert FreeChoiceApplication.objects.filter(pk=application.pk).exists()


def test_search_by_cpr_finds_nothing(administrator, client_for, rows):
    _decision, application = rows
    client = client_for(administrator)
    digits = application.person.cpr_masked[:6]
    body = client.get(reverse("admin:eldercare_freechoiceapplication_changelist"), {"q": digits}).content
    assert "Frida Fynbo" not in body.decode()


def test_staff_without_admin_rights_get_no_admin(kommune_officer, client_for, rows):
    response = client_for(kommune_officer).get(reverse("admin:eldercare_freechoiceapplication_changelist"))
    assert response.status_code in (302, 403)
