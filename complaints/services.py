"""Complaints against the letting's decisions (R11, R24): which body handles a complaint, recording
it, and recording the body's outcome. An overturned decision is carried out here, each state moved
by its machine: the rejection case becomes *overturned* (the candidate's place comes back), a
refused R37.2 dispensation is granted (and lifts its rejection: the case becomes *dispensed*), and a
refused approval is approved (``approvals.services.approval_overturn``)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import ApprovalRequest, ApprovalState
from approvals.services import approval_overturn
from housing import permissions
from housing.audit import audited_save, require_reason
from rejections.dispensations import can_decide_dispensation, rejection_lift
from rejections.models import Dispensation, DispensationState, RejectionCase, RejectionState
from rejections.services import lock_case

from .models import Complaint, ComplaintBody, ComplaintOutcome


def complaint_body_for(case: RejectionCase | None, dispensation: Dispensation | None, approval=None) -> str:
    """R11: the organisation's decisions go to the beboerklagenævn; R24: the kommune's (a
    dispensation decision, a refusal to approve a letting) to Ankestyrelsen."""
    if dispensation is not None or approval is not None:
        return ComplaintBody.ANKESTYRELSEN
    return ComplaintBody.BEBOERKLAGENAEVN


@transaction.atomic
def complaint_record(
    *,
    actor,
    reason: str,
    received_on: datetime.date,
    summary: str,
    case: RejectionCase | None = None,
    dispensation: Dispensation | None = None,
    approval: ApprovalRequest | None = None,
    sent_to_body_on: datetime.date | None = None,
) -> Complaint:
    """Record a complaint against a decided rejection (beboerklagenævn, R11), a kommune's
    dispensation decision or a kommune's refusal to approve a letting (Ankestyrelsen, R24). A
    complaint against a kommune decision is lodged with the kommune, which records it."""
    require_reason(reason)
    if sum(x is not None for x in (case, dispensation, approval)) != 1:
        raise ValidationError(_("A complaint is against one decision."))
    if approval is not None:
        approval = ApprovalRequest.objects.select_for_update(of=("self",)).get(pk=approval.pk)
        permissions.require_act_for_kommune(actor, approval.kommune_id)
        if approval.state != ApprovalState.REFUSED:
            raise ValidationError(_("Only the kommune's refusal of a letting can be complained about."))
        controller_id = approval.kommune.tenant_id
        decided_on = approval.decided_on
    elif case is not None:
        case = lock_case(actor, case)
        if case.state not in (RejectionState.DECIDED, RejectionState.OVERTURNED):
            raise ValidationError(_("Only a decided rejection can be complained about."))
        controller_id = case.controller_id
        decided_on = case.decided_on
    else:
        dispensation = (
            Dispensation.objects.select_for_update().select_related("kommune").get(pk=dispensation.pk)
        )
        if not can_decide_dispensation(actor, dispensation):
            raise PermissionDenied
        if dispensation.decided_on is None:
            raise ValidationError(_("Only a decided request can be complained about."))
        controller_id = dispensation.kommune.tenant_id
        decided_on = dispensation.decided_on
    errors = {}
    if received_on > timezone.localdate():
        errors["received_on"] = _("The date cannot be in the future.")
    elif received_on < decided_on:
        errors["received_on"] = _("The complaint cannot be received before the decision.")
    if sent_to_body_on is not None and sent_to_body_on < received_on:
        errors["sent_to_body_on"] = _("The complaint is sent on after it is received.")
    if not (summary or "").strip():
        errors["summary"] = _("Describe the complaint.")
    if errors:
        raise ValidationError(errors)
    return audited_save(
        Complaint(
            rejection=case,
            dispensation=dispensation,
            approval=approval,
            controller_id=controller_id,
            body=complaint_body_for(case, dispensation, approval),
            received_on=received_on,
            sent_to_body_on=sent_to_body_on,
            summary=summary.strip(),
            recorded_by=actor,
        ),
        actor=actor,
        reason=reason,
    )


def can_write_complaint(user, complaint: Complaint) -> bool:
    """The organisation records complaints against its rejection; the kommune those lodged
    against its own decisions."""
    if complaint.rejection_id:
        return permissions.can_write_organisation(user, complaint.rejection.organisation_id)
    if complaint.approval_id:
        return permissions.can_act_for_kommune(user, complaint.approval.kommune_id)
    return permissions.can_act_for_kommune(user, complaint.dispensation.kommune_id)


@transaction.atomic
def complaint_outcome_record(
    *, actor, reason: str, complaint: Complaint, outcome: str, outcome_on: datetime.date, outcome_text: str
) -> Complaint:
    """The body's decision. An overturned rejection gives the candidate the place back (the case
    is *overturned*: the candidate may be offered and may win the vacancy again); an overturned
    refusal of a dispensation grants it; an overturned refusal of a letting approves it and makes
    the applicant the one to be let to again (``approvals.approval_overturn``)."""
    require_reason(reason)
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("rejection", "dispensation", "approval")
        .get(pk=complaint.pk)
    )
    if not can_write_complaint(actor, complaint):
        raise PermissionDenied
    if complaint.outcome:
        raise ValidationError(_("The outcome is already recorded."))
    errors = {}
    if outcome not in (ComplaintOutcome.UPHELD, ComplaintOutcome.OVERTURNED, ComplaintOutcome.DISMISSED):
        errors["outcome"] = _("Choose the outcome.")
    if outcome_on < complaint.received_on or outcome_on > timezone.localdate():
        errors["outcome_on"] = _("The outcome date lies between the complaint and today.")
    if errors:
        raise ValidationError(errors)
    complaint.outcome, complaint.outcome_on, complaint.outcome_text = (
        outcome,
        outcome_on,
        outcome_text.strip(),
    )
    audited_save(complaint, actor=actor, reason=reason)
    if outcome == ComplaintOutcome.OVERTURNED:
        if complaint.approval_id:
            approval_overturn(actor=actor, reason=reason, request=complaint.approval, day=outcome_on)
        elif complaint.rejection_id:
            case = RejectionCase.objects.select_for_update().get(pk=complaint.rejection_id)
            if case.state == RejectionState.DECIDED:
                RejectionCase.states.move(case, RejectionState.OVERTURNED, actor=actor, reason=reason)
        else:
            dispensation = Dispensation.objects.select_for_update().get(pk=complaint.dispensation_id)
            if dispensation.state == DispensationState.REFUSED:
                Dispensation.states.move(dispensation, DispensationState.GRANTED, actor=actor, reason=reason)
                rejection_lift(actor=actor, reason=reason, dispensation=dispensation)
    return complaint
