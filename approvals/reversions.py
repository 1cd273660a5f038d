"""R12.5 (§ 12, stk. 5, 2. pkt.): the kommune decides that a youth dwelling whose letting as a
family or elder dwelling it approved (R12.4) is let as a youth dwelling again when it falls vacant.
The decision in force is read by ``approvals.selectors.youth_reversion_in_force``."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import rules
from approvals.models import ApprovalRequest, YouthReversion
from approvals.selectors import is_officer_for
from approvals.services import lock_request
from housing.audit import audited_save, require_reason


@transaction.atomic
def youth_reversion_decide(
    *, actor, reason: str, request: ApprovalRequest, valid_from: datetime.date, reasons: str
) -> YouthReversion:
    """R12.5 (§ 12, stk. 5, 2. pkt.): the kommune decides that a youth dwelling whose letting as a
    family or elder dwelling it approved (R12.4) is let as a youth dwelling again when it falls
    vacant. From ``valid_from`` no letting of it out of kind is approved (``approval_request_create``
    refuses it) and its next vacancy says so; it goes to the youth lists."""
    require_reason(reason)
    request = lock_request(request)
    if not is_officer_for(actor, request):
        raise PermissionDenied
    dwelling = request.vacancy.dwelling
    if not (
        dwelling.kind == rules.YOUTH
        and request.let_as in (rules.FAMILY, rules.ELDER)
        and "R12.4" in request.grounds
        and request.allows_letting
    ):
        raise ValidationError(
            _(
                "Only a youth dwelling whose letting as a family or elder dwelling the kommune approved "
                "(R12.4) can be let as a youth dwelling again (R12.5)."
            )
        )
    errors = {}
    if not (reasons or "").strip():
        errors["reasons"] = _("Give the reasons for the decision.")
    if valid_from is None:
        errors["valid_from"] = _("Enter the date the decision applies from.")
    elif valid_from < request.received_on:
        errors["valid_from"] = _("The decision cannot apply before the letting out of kind was approved.")
    if errors:
        raise ValidationError(errors)
    if YouthReversion.objects.filter(dwelling=dwelling).exists():
        raise ValidationError(_("The kommune has already decided that the dwelling reverts (R12.5)."))
    return audited_save(
        YouthReversion(
            kommune_id=request.kommune_id,
            dwelling=dwelling,
            controller_id=request.controller_id,
            approval=request,
            valid_from=valid_from,
            reasons=reasons.strip(),
            decided_on=timezone.localdate(),
            decided_by=actor,
        ),
        actor=actor,
        reason=reason,
    )
