"""The organisation's and the kommune's letting decisions in force on a day."""

from __future__ import annotations

import datetime

from ..models import KommuneLettingDecision, OrganisationLettingPolicy

# Used when an organisation has recorded no decision yet: the defaults of the model.
DEFAULT_POLICY = OrganisationLettingPolicy()


def policy_in_force(*, organisation_id: int, day: datetime.date) -> OrganisationLettingPolicy | None:
    return (
        OrganisationLettingPolicy.objects.filter(organisation_id=organisation_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


def offer_terms(*, organisation_id: int, day: datetime.date) -> OrganisationLettingPolicy:
    """The offer-round settings in force (round size, answer days, passive threshold)."""
    return policy_in_force(organisation_id=organisation_id, day=day) or DEFAULT_POLICY


def kommune_decision_in_force(*, kommune_id: int, day: datetime.date) -> KommuneLettingDecision | None:
    return (
        KommuneLettingDecision.objects.filter(kommune_id=kommune_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
