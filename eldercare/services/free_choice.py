"""Free choice across kommuner (§ 19, R19.1–R19.4): an application from another kommune's citizen.

The destination kommune (the list's kommune) receives the application, records the home kommune's
assessment and its own — made by the same guidelines as for its own citizens, i.e. its ordinary
needs decision (``NeedDecision``, R19.2) — and decides. Approved, the applicant joins the specific
list as an outsider (R21.1) from the day the application was received; a refuse-outsiders decision
in force on that day refuses the applicant unless a § 23 exemption is recorded (R22, R23). A spouse,
registered partner or cohabitant moving along is recorded on the needs decision (R19.3,
``NeedDecision.partner_relation``) and needs a dwelling suitable for 2. Unsupported private
plejeboliger are chosen the same way (R19.4).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing.audit import audited_save, require_reason
from housing.models import Kommune, Person
from letters import services as letters
from letters.formatting import letter_date

from ..models import (
    FreeChoiceApplication,
    FreeChoiceState,
    NeedDecision,
    NeedState,
    OutsiderExemption,
    SpecificList,
)
from . import specific_lists
from .officers import require_officer


def _locked(application: FreeChoiceApplication) -> FreeChoiceApplication:
    application = (
        FreeChoiceApplication.objects.select_for_update()
        .select_related("specific_list__kommune__tenant", "specific_list__facility", "person")
        .get(pk=application.pk)
    )
    if application.state != FreeChoiceState.RECEIVED:
        raise ValidationError(_("The application is already decided."), code="decided")
    return application


@transaction.atomic
def free_choice_receive(
    *,
    actor,
    reason: str,
    specific_list: SpecificList,
    person: Person,
    home_kommune: Kommune,
    received_on: datetime.date,
    outsider_exemption: str = OutsiderExemption.NONE,
    outsider_exemption_note: str = "",
) -> FreeChoiceApplication:
    """Record an application under § 19 for a dwelling of ``specific_list`` (R19.1, R19.4)."""
    reason = require_reason(reason)
    require_officer(actor, specific_list.kommune_id)
    if person.controller_id != specific_list.kommune.tenant_id:
        raise ValidationError({"person": _("The applicant must be registered with the kommune of the list.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date received cannot be in the future.")})
    if outsider_exemption and not outsider_exemption_note.strip():
        raise ValidationError({"outsider_exemption_note": _("State the basis of the exemption (§ 23).")})
    application = FreeChoiceApplication(
        specific_list=specific_list,
        person=person,
        home_kommune=home_kommune,
        received_on=received_on,
        outsider_exemption=outsider_exemption,
        outsider_exemption_note=outsider_exemption_note.strip(),
    )
    already_open = _("%(person)s already has an application for this list awaiting its assessments.") % {
        "person": person.full_name
    }
    if FreeChoiceApplication.objects.filter(
        person=person, specific_list=specific_list, state=FreeChoiceState.RECEIVED
    ).exists():
        raise ValidationError({"person": already_open}, code="open_application")
    try:
        # A concurrent submit that passed the check above meets the partial unique constraint.
        with transaction.atomic():
            return audited_save(application, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"person": already_open}, code="open_application") from exc


@transaction.atomic
def free_choice_assess_home(
    *,
    actor,
    reason: str,
    application: FreeChoiceApplication,
    conditions_met: bool,
    assessed_on: datetime.date,
    case_reference: str = "",
    note: str = "",
) -> FreeChoiceApplication:
    """R19.2: record the home kommune's assessment (it assesses by its own rules)."""
    reason = require_reason(reason)
    require_officer(actor, application.specific_list.kommune_id)
    application = _locked(application)
    application.home_conditions_met = conditions_met
    application.home_assessed_on = assessed_on
    application.home_case_reference = case_reference.strip()
    application.home_assessment_note = note.strip()
    return audited_save(application, actor=actor, reason=reason)


@transaction.atomic
def free_choice_assess_destination(
    *,
    actor,
    reason: str,
    application: FreeChoiceApplication,
    need_decision: NeedDecision | None,
    conditions_met: bool,
    assessed_on: datetime.date,
    same_guidelines: bool,
    note: str = "",
) -> FreeChoiceApplication:
    """R19.2: this kommune's assessment, by the same guidelines as for its own citizens — its needs
    decision for the applicant, made like any other (a positive assessment needs one in force)."""
    reason = require_reason(reason)
    require_officer(actor, application.specific_list.kommune_id)
    application = _locked(application)
    if need_decision is not None and (
        need_decision.person_id != application.person_id
        or need_decision.kommune_id != application.specific_list.kommune_id
    ):
        raise ValidationError({"destination_need_decision": _("The needs decision is for another citizen.")})
    if conditions_met and need_decision is not None and need_decision.state != NeedState.IN_FORCE:
        raise ValidationError({"destination_need_decision": _("The needs decision is no longer in force.")})
    application.destination_need_decision = need_decision
    application.destination_conditions_met = conditions_met
    application.destination_assessed_on = assessed_on
    application.same_guidelines_confirmed = same_guidelines
    application.destination_assessment_note = note.strip()
    return audited_save(application, actor=actor, reason=reason)


@transaction.atomic
def free_choice_decide(
    *, actor, reason: str, application: FreeChoiceApplication, decided_on: datetime.date | None = None
) -> FreeChoiceApplication:
    """Approve when the conditions are met in both kommuner (R19.2), else refuse; the applicant is
    told by a letter with the appeal guidance (§ 24). Approved, the applicant joins the list from
    the day the application was received."""
    reason = require_reason(reason)
    require_officer(actor, application.specific_list.kommune_id)
    application = _locked(application)
    decided_on = decided_on or timezone.localdate()
    if application.home_conditions_met is None or application.destination_conditions_met is None:
        raise ValidationError(
            _("Both kommuner's assessments must be recorded before the decision (§ 19, stk. 2)."),
            code="assessments_missing",
        )
    approved = bool(application.home_conditions_met and application.destination_conditions_met)
    if (
        approved
        and application.partner_moves_along
        and not application.specific_list.facility.dwellings_for_two
    ):
        raise ValidationError(
            _(
                "A spouse, partner or cohabitant moves along, but %(facility)s has no dwellings suitable for "
                "2 persons (§ 19, stk. 3)."
            )
            % {"facility": application.specific_list.facility.name},
            code="not_for_two",
        )
    if approved:
        application.entry = specific_lists.entry_join(
            actor=actor,
            reason=reason,
            specific_list=application.specific_list,
            person=application.person,
            joined_on=application.received_on,
            home_kommune=application.home_kommune,
            outsider_exemption=application.outsider_exemption,
            outsider_exemption_note=application.outsider_exemption_note,
        )
        application.state = FreeChoiceState.APPROVED
        application.decision_reason = _("The conditions are met in both kommuner (§ 19, stk. 2).")
    else:
        application.state = FreeChoiceState.REFUSED
        failed = []
        if not application.home_conditions_met:
            failed.append(_("the conditions are not met in the home kommune"))
        if not application.destination_conditions_met:
            failed.append(_("the conditions are not met in this kommune"))
        application.decision_reason = _("Refused: %(reasons)s (§ 19, stk. 2).") % {
            "reasons": "; ".join(failed)
        }
    application.decided_on = decided_on
    audited_save(application, actor=actor, reason=reason)
    letters.letter_create(
        actor=actor,
        reason=reason,
        sender=application.specific_list.kommune.tenant,
        recipient=application.person,
        kind="elder_free_choice_decision",
        context={
            "approved": approved,
            "list_name": application.specific_list.name,
            "decided_on": letter_date(decided_on),
            "reason": application.decision_reason,
        },
        idempotency_key=f"elder-free-choice:{application.pk}",
    )
    return application
