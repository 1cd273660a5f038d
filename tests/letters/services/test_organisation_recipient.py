"""Letters to a housing organisation as recipient ("skal boligorganisationen og den
boligsøgende underrettes herom skriftligt", § 42, stk. 3): Digital Post to the organisation's CVR
where it is connected, otherwise physical post, the reason recorded (DP1, DP3); the letter belongs to
the organisation and shows in its outbox; reading it is logged against the applicant it concerns."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from housing.audit import audited_save, system_user
from housing.models import AccessKind, PersonalDataAccess
from letters import channels, selectors, services
from letters.models import Channel, Letter
from tests.factories import unique_cvr

pytestmark = pytest.mark.django_db
D = datetime.date


def _org_letter(kommune, org, person, key="org-1"):
    return services.letter_create(
        actor=system_user(),
        reason="Test",
        sender=kommune.tenant,
        recipient_organisation=org,
        concerns_person=person,
        kind="kommune_decision_organisation",
        context={"decision_text": "Kommunen har afvist udlejningen.", "dwelling_address": "Parkvej 1"},
        idempotency_key=key,
        dispatch=False,
    )


@pytest.fixture
def kommune_with_cvr(kommune_aarhus):
    kommune_aarhus.cvr = unique_cvr()
    return audited_save(kommune_aarhus, actor=system_user(), reason="CVR-nummer")


@pytest.mark.rule("DP1")
def test_the_channel_to_an_organisation():
    choose = channels.choose_channel_for_organisation
    facts = channels.OrganisationChannelFacts
    assert choose(facts(True, True, True)).channel == Channel.DIGITAL_POST
    assert choose(facts(True, False, True)).channel == Channel.PHYSICAL
    assert choose(facts(True, True, False)).channel == Channel.PHYSICAL
    assert choose(facts(False, True, True)).channel == Channel.PHYSICAL
    assert not any(choose(facts(*f)).email_notice for f in ((True, True, True), (True, False, True)))


@pytest.mark.rule("DP1", "DP3")
def test_a_letter_to_an_organisation_goes_by_its_connection_and_shows_in_its_outbox(
    kommune_with_cvr, org_a, person_a, caseworker_a, caseworker_b
):
    physical = _org_letter(kommune_with_cvr, org_a, person_a)
    assert physical.channel == Channel.PHYSICAL and "organisation" in physical.channel_reason
    assert physical.events.get().detail == physical.channel_reason  # the delivery record says why
    org_a.digital_post_connected_from = D(2022, 3, 1)
    audited_save(org_a, actor=system_user(), reason="Tilsluttet Digital Post")
    digital = _org_letter(kommune_with_cvr, org_a, person_a, key="org-2")
    assert digital.channel == Channel.DIGITAL_POST and "CVR" in digital.channel_reason
    assert (digital.recipient, digital.recipient_organisation, digital.controller_id) == (
        None,
        org_a,
        org_a.tenant_id,
    )
    assert set(selectors.outbox(user=caseworker_a)) == {physical, digital}
    assert not selectors.outbox(user=caseworker_b).exists()  # another organisation sees none


def test_a_letter_has_exactly_one_recipient(kommune_with_cvr, org_a, person_a):
    for kwargs in ({}, {"recipient": person_a, "recipient_organisation": org_a}):
        with pytest.raises(ValueError):
            services.letter_create(
                actor=system_user(),
                reason="Test",
                sender=kommune_with_cvr.tenant,
                kind="kommune_decision_organisation",
                context={},
                idempotency_key="x",
                **kwargs,
            )
    assert not Letter.objects.exists()


def test_reading_an_organisations_letter_is_logged_against_the_applicant_and_it_can_be_resent(
    kommune_with_cvr, org_a, person_a, caseworker_a, client_for
):
    letter = _org_letter(kommune_with_cvr, org_a, person_a)
    client = client_for(caseworker_a)
    assert client.get(reverse("letters:letter_detail", args=[letter.pk])).status_code == 200
    response = client.get(reverse("letters:letter_pdf", args=[letter.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    (access,) = PersonalDataAccess.objects.all()
    assert (access.person, access.kind) == (person_a, AccessKind.SENSITIVE_READ)
    resent = services.letter_resend(actor=caseworker_a, reason="Returneret post", letter=letter)
    assert resent.recipient_organisation == org_a and resent.concerns_person == person_a
