"""Complaint guidance: each decision letter names the complaint route the law
gives for that decision, and none where the law names none.

* § 11 (R11): "Beboerklagenævnet træffer i medfør af § 101 i almenlejeloven afgørelse i tvister om
  anvisning af almene familieboliger …, medmindre anvisningen er omfattet af en kommunal
  godkendelsesordning efter § 61";
* § 24 (R24): the kommune's allocation decisions under almenboligloven §§ 54, 57, 58, 58 a, 58 b and
  143 r → Ankestyrelsen;
* a § 42 refusal (almenboligloven § 61), § 36, § 37, stk. 2: no route named — no guidance invented.

The texts are versioned and admin-edited, with the legal source beside each."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from housing.audit import system_user
from letters import complaint_guidance
from letters.models import ComplaintGuidance, DecisionType
from letting import workflow
from rejections import services as rejections
from rejections.models import RejectionGround
from tests import scenarios
from tests.factories import DwellingFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

TODAY = timezone.localdate()
REASON = "Test"
REASONING = "Ansøgeren har gentagne gange truet naboer; dokumenteret i tre skriftlige advarsler."
NONE_NAMED = "ingen klageadgang angivet i bekendtgørelsen"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _rejection_letter(caseworker, department, org, *, kind="family"):
    waiting_list = WaitingListFactory(controller=org.tenant, name="Alfa venteliste")
    entry = EntryFactory(waiting_list=waiting_list, rooms_min=1, rooms_max=6)
    entry.departments.add(department)
    dwelling = DwellingFactory(department=department, rooms=2, kind=kind)
    vacancy = workflow.vacancy_open(
        actor=caseworker,
        reason=REASON,
        dwelling=dwelling,
        notice_date=TODAY - datetime.timedelta(days=30),
        move_out_date=TODAY + datetime.timedelta(days=30),
    )
    case = rejections.rejection_open(
        actor=caseworker,
        reason=REASON,
        vacancy=vacancy,
        person=entry.person,
        entry=entry,
        ground=RejectionGround.R30,
        reasoning=REASONING,
    )
    return case.letter


@pytest.mark.rule("R11", "R24")
def test_each_decision_type_is_seeded_with_its_route_and_legal_source():
    seeded = {g.decision_type: g for g in ComplaintGuidance.objects.filter(version=1)}
    assert set(seeded) == set(DecisionType.values)
    family = seeded[DecisionType.FAMILY_ALLOCATION]
    assert family.legal_source == "bekendtgørelsens § 11 / almenlejelovens § 101"
    assert "beboerklagenævnet" in family.text and "Ankestyrelsen" not in family.text
    elder = seeded[DecisionType.ELDER_ALLOCATION]
    assert elder.legal_source.startswith("bekendtgørelsens § 24") and "Ankestyrelsen" in elder.text
    for decision_type, guidance in seeded.items():
        if decision_type not in (DecisionType.FAMILY_ALLOCATION, DecisionType.ELDER_ALLOCATION):
            assert guidance.text == "" and NONE_NAMED in guidance.legal_source, decision_type
    assert seeded[DecisionType.KOMMUNE_INCOME_REFUSAL].text == ""


@pytest.mark.rule("R11")
def test_a_rejection_of_a_family_dwelling_names_the_beboerklagenaevn(caseworker_a, department_a, org_a):
    letter = _rejection_letter(caseworker_a, department_a, org_a)
    expected = complaint_guidance.guidance_text(DecisionType.FAMILY_ALLOCATION, TODAY)
    assert letter.context["complaint_guidance"] == expected
    assert "Klagevejledning" in letter.body_html and "beboerklagenævnet" in letter.body_html
    assert "Ankestyrelsen" not in letter.body_html


@pytest.mark.rule("R11", "R42.1")
def test_under_the_kommunes_approval_of_each_letting_the_rejection_names_no_route(
    caseworker_a, department_a, org_a, kommune_aarhus
):
    # "medmindre anvisningen er omfattet af en kommunal godkendelsesordning efter § 61"
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    letter = _rejection_letter(caseworker_a, department_a, org_a)
    assert letter.context["complaint_guidance"] == ""
    assert "Klagevejledning" not in letter.body_html and "beboerklagenævnet" not in letter.body_html
    assert "behandles derfor af kommunen" not in letter.body_html  # the old, invented route


@pytest.mark.rule("R11")
def test_a_rejection_for_a_youth_dwelling_names_no_route(caseworker_a, department_a, org_a):
    # § 11 covers "tvister om anvisning af almene familieboliger" only.
    letter = _rejection_letter(caseworker_a, department_a, org_a, kind="youth")
    assert letter.context["complaint_guidance"] == ""
    assert "Klagevejledning" not in letter.body_html


@pytest.mark.rule("R24")
def test_elder_allocation_decisions_name_ankestyrelsen():
    from eldercare.services.guarantee import elder_complaint_guidance

    text = elder_complaint_guidance(TODAY)
    assert "Ankestyrelsen" in text and "§ 24" in text


@pytest.mark.rule("R11")
def test_a_new_version_applies_from_its_day_and_the_old_one_stays(caseworker_a, department_a, org_a):
    old = complaint_guidance.guidance_in_force(DecisionType.FAMILY_ALLOCATION, TODAY)
    with pytest.raises(ValidationError) as error:
        complaint_guidance.guidance_new_version(
            actor=system_user(),
            reason="Ny formulering",
            decision_type=DecisionType.FAMILY_ALLOCATION,
            text="x",
            legal_source=" ",
            valid_from=TODAY,
        )
    assert "legal_source" in error.value.message_dict
    later = complaint_guidance.guidance_new_version(
        actor=system_user(),
        reason="Ny formulering fra i morgen",
        decision_type=DecisionType.FAMILY_ALLOCATION,
        text="Du kan indbringe sagen for beboerklagenævnet (ny tekst).",
        legal_source="bekendtgørelsens § 11 / almenlejelovens § 101",
        valid_from=TODAY + datetime.timedelta(days=1),
    )
    assert later.version == old.version + 1
    assert complaint_guidance.guidance_in_force(DecisionType.FAMILY_ALLOCATION, TODAY) == old
    assert complaint_guidance.guidance_in_force(DecisionType.FAMILY_ALLOCATION, later.valid_from) == later
    row = later.history.latest()
    assert row.history_change_reason == "Ny formulering fra i morgen" and row.history_user == system_user()
    # Today's decision still carries today's text.
    letter = _rejection_letter(caseworker_a, department_a, org_a)
    assert "(ny tekst)" not in letter.body_html and old.text in letter.body_html


def test_the_admin_saves_a_change_as_a_new_version_with_its_reason(administrator, client_for):
    old = complaint_guidance.guidance_in_force(DecisionType.KOMMUNE_INCOME_REFUSAL, TODAY)
    client = client_for(administrator)
    url = f"/admin/letters/complaintguidance/{old.pk}/change/"
    assert client.get("/admin/letters/complaintguidance/").status_code == 200
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "valid_from": TODAY.isoformat(),
            "legal_source": old.legal_source,
            "text": "",
            "change_reason": "Gennemgået: fortsat ingen klageadgang i bekendtgørelsen",
        },
    )
    assert response.status_code == 302
    new = ComplaintGuidance.objects.filter(decision_type=DecisionType.KOMMUNE_INCOME_REFUSAL).latest(
        "version"
    )
    assert new.version == old.version + 1 and new.created_by == administrator
    assert new.note == "Gennemgået: fortsat ingen klageadgang i bekendtgørelsen"
    assert (
        client.post(f"/admin/letters/complaintguidance/{old.pk}/delete/", {"post": "yes"}).status_code == 403
    )
