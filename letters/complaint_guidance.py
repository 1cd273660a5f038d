"""The complaint guidance (*klagevejledning*) that decision letters carry: one versioned,
admin-editable text per decision type (``letters.models.ComplaintGuidance``), with its legal source.

Every decision letter asks here for the guidance of its decision type on the day of the decision
and puts the text — empty where the bekendtgørelse names no complaint route — into the letter's
context; the templates show a "Klagevejledning" section only when there is a text. See the
model's docstring for which route the law gives each decision (R11, R24).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from housing.audit import audited_save, require_reason

from .models import ComplaintGuidance, DecisionType

__all__ = [
    "DecisionType",
    "allocation_decision_type",
    "guidance_in_force",
    "guidance_new_version",
    "guidance_text",
]


def guidance_in_force(decision_type: str, day: datetime.date) -> ComplaintGuidance:
    """The version that applies to a decision taken on ``day``: the latest ``valid_from`` on or before
    the day (the highest version on that day)."""
    found = (
        ComplaintGuidance.objects.filter(decision_type=decision_type, valid_from__lte=day)
        .order_by("-valid_from", "-version")
        .first()
    )
    if found is None:
        raise ValidationError(
            _("There is no complaint guidance for “%(type)s” on %(day)s: add one in the admin.")
            % {"type": DecisionType(decision_type).label, "day": day.isoformat()}
        )
    return found


def guidance_text(decision_type: str, day: datetime.date) -> str:
    """The Danish text for the letter ("" where the law names no complaint route)."""
    return guidance_in_force(decision_type, day).text.strip()


def allocation_decision_type(*, dwelling_kind: str, approval_scheme: bool) -> str:
    """The organisation's decisions on allocating a dwelling (offers, rejections R26–R30, R37).

    § 11: beboerklagenævnet decides "tvister om anvisning af almene familieboliger …, medmindre
    anvisningen er omfattet af en kommunal godkendelsesordning efter § 61" — the kommune's approval
    of each letting of family dwellings (§ 42, stk. 1; ``approval_scheme``). Youth and elder
    dwellings are outside § 11."""
    if dwelling_kind != "family":
        return DecisionType.YOUTH_OR_ELDER_ALLOCATION
    if approval_scheme:
        return DecisionType.FAMILY_ALLOCATION_APPROVAL_SCHEME
    return DecisionType.FAMILY_ALLOCATION


@transaction.atomic
def guidance_new_version(
    *,
    actor,
    reason: str,
    decision_type: str,
    text: str,
    legal_source: str,
    valid_from: datetime.date,
) -> ComplaintGuidance:
    """Save a changed guidance as the next version of its decision type; earlier versions stay as
    the letters used them. The reason is kept on the version and in its history."""
    reason = require_reason(reason)
    errors = {}
    if decision_type not in DecisionType.values:
        errors["decision_type"] = _("Choose the decision type.")
    if not (legal_source or "").strip():
        errors["legal_source"] = _(
            "State the legal source, or “ingen klageadgang angivet i bekendtgørelsen”."
        )
    if valid_from is None:
        errors["valid_from"] = _("Enter the day the text applies from.")
    if errors:
        raise ValidationError(errors)
    last = (
        ComplaintGuidance.objects.select_for_update()
        .filter(decision_type=decision_type)
        .order_by("-version")
        .first()
    )
    return audited_save(
        ComplaintGuidance(
            decision_type=decision_type,
            version=(last.version + 1) if last else 1,
            valid_from=valid_from,
            text=(text or "").strip(),
            legal_source=legal_source.strip(),
            created_by=actor,
            note=reason[:300],
        ),
        actor=actor,
        reason=reason,
    )
