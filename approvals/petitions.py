"""R36.3 (§ 36, stk. 3): the organisation's petition that the kommune decide on kombineret
udlejning — the rejection of applicants on the waiting list (almenboligloven § 51 b, stk. 1). The
kommune grants it or refuses it with reasons; the petition's state changes only through its machine
(``CombinedLettingPetition.states``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import CombinedLettingPetition, PetitionState
from housing import permissions
from housing.audit import require_reason


@transaction.atomic
def petition_decide(
    *, actor, reason: str, petition: CombinedLettingPetition, grant: bool, reasons: str = ""
) -> CombinedLettingPetition:
    """The kommune answers an organisation's petition to decide on kombineret udlejning; a refusal
    gives reasons (§ 36, stk. 3, R36.3)."""
    require_reason(reason)
    petition = (
        CombinedLettingPetition.objects.select_for_update().select_related("kommune").get(pk=petition.pk)
    )
    permissions.require_act_for_kommune(actor, petition.kommune_id)
    if petition.state != PetitionState.PENDING:
        raise ValidationError(_("The petition has already been answered."))
    reasons = (reasons or "").strip()
    if not grant and not reasons:
        raise ValidationError(
            {"reasons": _("A kommune that refuses the organisation's request gives its reasons (R36.3).")}
        )
    return CombinedLettingPetition.states.move(
        petition,
        PetitionState.GRANTED if grant else PetitionState.REFUSED,
        actor=actor,
        reason=reason,
        reasons=reasons,
        decided_on=timezone.localdate(),
        decided_by=actor,
    )
