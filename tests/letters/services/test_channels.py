"""The channel choice (DP1–DP2) as a full matrix, and as the letter service applies it."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import translation

from letters.channels import ChannelFacts, choose_channel
from letters.models import Channel


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


MATRIX = list(itertools.product([True, False], repeat=4))  # connected, consent, exempt, legal notice


@pytest.mark.rule("DP1", "DP2")
@pytest.mark.parametrize(("connected", "consent", "exempt", "legal_notice"), MATRIX)
def test_organisation_sender_matrix(connected, consent, exempt, legal_notice):
    decision = choose_channel(
        ChannelFacts(
            sender_is_authority=False,
            sender_connected=connected,
            recipient_consent=consent,
            recipient_exempt=exempt,
            legal_notice=legal_notice,
            recipient_wants_email_notice=False,
            recipient_has_email=True,
        )
    )
    expected = Channel.DIGITAL_POST if (connected and consent and not exempt) else Channel.PHYSICAL
    assert decision.channel == expected
    assert decision.email_notice is False
    if not connected:
        assert "DP1" in decision.reason and "not connected" in decision.reason
    elif exempt:
        assert "exempt" in decision.reason
    elif not consent:
        assert "DP2" in decision.reason
    if legal_notice:
        assert "never sent by e-mail" in decision.reason


@pytest.mark.rule("DP1")
@pytest.mark.parametrize(("connected", "exempt"), list(itertools.product([True, False], repeat=2)))
def test_kommune_sender_needs_no_consent_but_respects_exemption(connected, exempt):
    decision = choose_channel(
        ChannelFacts(
            sender_is_authority=True,
            sender_connected=connected,
            recipient_consent=False,
            recipient_exempt=exempt,
            legal_notice=True,
            recipient_wants_email_notice=False,
            recipient_has_email=False,
        )
    )
    assert decision.channel == (Channel.DIGITAL_POST if connected and not exempt else Channel.PHYSICAL)


@pytest.mark.rule("DP1")
@pytest.mark.parametrize("legal_notice", [True, False])
@pytest.mark.parametrize("channel_facts", ["digital", "physical"])
def test_email_only_ever_carries_a_notice(legal_notice, channel_facts):
    """A person who asked for it gets an e-mail saying a letter was sent — also for legal notices —
    but the letter itself is never e-mailed: the channel is Digital Post or physical post, nothing else."""
    decision = choose_channel(
        ChannelFacts(
            sender_is_authority=False,
            sender_connected=True,
            recipient_consent=channel_facts == "digital",
            recipient_exempt=False,
            legal_notice=legal_notice,
            recipient_wants_email_notice=True,
            recipient_has_email=True,
        )
    )
    assert decision.channel in (Channel.DIGITAL_POST, Channel.PHYSICAL)
    assert decision.email_notice is True
    assert "never e-mailed" in decision.reason


def test_no_email_notice_without_an_address():
    decision = choose_channel(
        ChannelFacts(
            sender_is_authority=False,
            sender_connected=True,
            recipient_consent=True,
            recipient_exempt=False,
            legal_notice=False,
            recipient_wants_email_notice=True,
            recipient_has_email=False,
        )
    )
    assert decision.email_notice is False


@pytest.mark.django_db
@pytest.mark.rule("DP1", "DP2")
def test_letter_service_applies_the_rules_on_the_day(caseworker_a, org_a, person_a):
    from housing.audit import audited_save
    from letters import services

    today = datetime.date.today()
    org_a.digital_post_connected_from = today + datetime.timedelta(days=1)  # connected from tomorrow
    audited_save(org_a, actor=caseworker_a, reason="Test")
    person_a.digital_post_consent_date, person_a.digital_post_consent_method = today, "form"
    audited_save(person_a, actor=caseworker_a, reason="Test")
    first = services.letter_create(
        actor=caseworker_a,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="paakrav",
        context={},
        idempotency_key="k-1",
        dispatch=False,
    )
    assert first.channel == Channel.PHYSICAL and first.legal_notice
    org_a.digital_post_connected_from = today
    audited_save(org_a, actor=caseworker_a, reason="Test")
    second = services.letter_create(
        actor=caseworker_a,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="paakrav",
        context={},
        idempotency_key="k-2",
        dispatch=False,
    )
    assert second.channel == Channel.DIGITAL_POST
    person_a.digital_post_exempt = True
    audited_save(person_a, actor=caseworker_a, reason="Test")
    third = services.letter_create(
        actor=caseworker_a,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="opsigelse",
        context={},
        idempotency_key="k-3",
        dispatch=False,
    )
    assert third.channel == Channel.PHYSICAL
    assert third.channel_reason  # the reason is kept on the letter and shown on its page
