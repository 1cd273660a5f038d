"""The channel choice for a letter (DP1–DP2): Digital Post or physical post, and why.

Pure functions over plain facts, so the whole matrix is easy to test next to the rules:

* DP1 — notices (påkrav, opsigelse and other legal notices) may go by Digital Post only when the
  sender is connected to Digital Post and the recipient is not exempt; otherwise physical post.
  Never by e-mail.
* DP2 — CPR is not integrated for housing organisations, so they may use Digital Post only for a
  person who has given recorded consent.

Where the issue text says "consent" for every sender, the law is narrower: a kommune is a public
authority under lov om Digital Post fra offentlige afsendere, and every citizen who is not exempt
receives its Digital Post without consent. So consent is demanded of organisations and shared-list
associations only (DP2 is about them), not of kommuner.

A housing organisation can be a recipient too (the kommune tells it in writing of a refusal or a
lapsed deadline, § 42, stk. 3): it receives Digital Post at its CVR number when it is connected to
Digital Post, otherwise the letter goes by physical post. Consent is a person's matter and is not
asked of an organisation; it is never e-mailed either.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from housing.models import HousingOrganisation, Person, Tenant

from .models import Channel


@dataclass(frozen=True)
class ChannelFacts:
    sender_is_authority: bool  # a kommune (public authority): no consent needed
    sender_connected: bool
    recipient_consent: bool
    recipient_exempt: bool
    legal_notice: bool
    recipient_wants_email_notice: bool
    recipient_has_email: bool


@dataclass(frozen=True)
class ChannelDecision:
    channel: str
    reason: str
    email_notice: bool  # a "you have a letter" e-mail, never the letter itself


def choose_channel(facts: ChannelFacts) -> ChannelDecision:
    if not facts.sender_connected:
        channel, reason = (
            Channel.PHYSICAL,
            _("Physical post: the sender is not connected to Digital Post (DP1)."),
        )
    elif facts.recipient_exempt:
        channel, reason = (
            Channel.PHYSICAL,
            _("Physical post: the recipient is exempt from Digital Post (DP1)."),
        )
    elif facts.sender_is_authority:
        channel, reason = (
            Channel.DIGITAL_POST,
            _("Digital Post: the kommune is a public sender and the recipient is not exempt."),
        )
    elif not facts.recipient_consent:
        channel, reason = (
            Channel.PHYSICAL,
            _("Physical post: the recipient has not consented to Digital Post from the organisation (DP2)."),
        )
    else:
        channel, reason = (
            Channel.DIGITAL_POST,
            _("Digital Post: the sender is connected; the recipient consented and is not exempt (DP1–DP2)."),
        )
    email_notice = facts.recipient_wants_email_notice and facts.recipient_has_email
    if email_notice:
        reason += " " + _(
            "An e-mail will only say that a letter has been sent; the letter itself is never e-mailed."
        )
    elif facts.legal_notice:
        reason += " " + _("A legal notice is never sent by e-mail.")
    return ChannelDecision(channel=channel, reason=reason, email_notice=email_notice)


def sender_identity(sender: Tenant) -> tuple[str, str, str]:
    """(name, address line, CVR) of a sender, as printed on the letter and used in MeMo."""
    if sender.kind == Tenant.Kind.KOMMUNE:
        kommune = sender.kommune
        return f"{kommune.name} Kommune", "", kommune.cvr
    if sender.kind == Tenant.Kind.ASSOCIATION:
        association = sender.association
        return association.name, "", association.cvr
    organisation = sender.organisation
    address = ", ".join(
        part
        for part in (organisation.address_line, f"{organisation.postal_code} {organisation.city}".strip())
        if part
    )
    return organisation.name, address, organisation.cvr


def sender_connected(sender: Tenant, day: datetime.date) -> bool:
    """Whether the sender can send Digital Post on ``day``: it needs a sender CVR, and an
    organisation or shared list must be connected (a kommune is connected by law)."""
    _name, _address, cvr = sender_identity(sender)
    if not cvr:
        return False
    if sender.kind == Tenant.Kind.KOMMUNE:
        return True
    holder = sender.organisation if sender.kind == Tenant.Kind.ORGANISATION else sender.association
    connected_from = holder.digital_post_connected_from
    return connected_from is not None and connected_from <= day


def facts_for(*, sender: Tenant, recipient: Person, legal_notice: bool, day: datetime.date) -> ChannelFacts:
    return ChannelFacts(
        sender_is_authority=sender.kind == Tenant.Kind.KOMMUNE,
        sender_connected=sender_connected(sender, day),
        recipient_consent=recipient.digital_post_consent_date is not None
        and recipient.digital_post_consent_date <= day,
        recipient_exempt=recipient.digital_post_exempt,
        legal_notice=legal_notice,
        recipient_wants_email_notice=recipient.wants_email_notice,
        recipient_has_email=bool(recipient.email),
    )


@dataclass(frozen=True)
class OrganisationChannelFacts:
    sender_connected: bool
    recipient_connected: bool  # the receiving organisation is connected to Digital Post on the day
    recipient_has_cvr: bool


def choose_channel_for_organisation(facts: OrganisationChannelFacts) -> ChannelDecision:
    """Digital Post to the organisation's CVR where both ends are connected, else physical post."""
    if not facts.sender_connected:
        return ChannelDecision(
            Channel.PHYSICAL,
            _("Physical post: the sender is not connected to Digital Post (DP1)."),
            email_notice=False,
        )
    if not (facts.recipient_connected and facts.recipient_has_cvr):
        return ChannelDecision(
            Channel.PHYSICAL,
            _("Physical post: the receiving organisation is not connected to Digital Post (DP1)."),
            email_notice=False,
        )
    return ChannelDecision(
        Channel.DIGITAL_POST,
        _(
            "Digital Post to the organisation's CVR number: the sender and the organisation "
            "are connected (DP1)."
        ),
        email_notice=False,
    )


def organisation_facts_for(
    *, sender: Tenant, recipient: HousingOrganisation, day: datetime.date
) -> OrganisationChannelFacts:
    connected_from = recipient.digital_post_connected_from
    return OrganisationChannelFacts(
        sender_connected=sender_connected(sender, day),
        recipient_connected=connected_from is not None and connected_from <= day,
        recipient_has_cvr=bool(recipient.cvr),
    )
