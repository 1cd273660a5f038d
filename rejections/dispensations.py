"""R37.2 dispensations: the organisation asks the kommune to dispense from a decided R37.1 rejection
(``dispensation_request``), and an officer of the kommune decides, recording the four considerations
of § 37, stk. 2 (``dispensation_decide``). The applicant gets the decision in writing
(``rejections.letters``); a granted dispensation lifts the rejection (``rejection_lift``, also when
Ankestyrelsen grants it on complaint). The request's state changes only through its machine
(``Dispensation.states``); the R37.3 yearly report is made by ``rejections.reports``."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing import permissions
from housing.audit import audited_save, require_reason
from rejections import letters as rejection_letters
from rejections.models import Dispensation, DispensationState, RejectionCase, RejectionGround, RejectionState
from rejections.services import lock_case


@transaction.atomic
def dispensation_request(
    *, actor, reason: str, case: RejectionCase, request_text: str, day: datetime.date | None = None
) -> Dispensation:
    """The organisation asks the kommune to dispense from an R37.1 rejection (R37.2)."""
    require_reason(reason)
    day = day or timezone.localdate()
    case = lock_case(actor, case)
    if case.ground != RejectionGround.R37 or case.state != RejectionState.DECIDED:
        raise ValidationError(_("A dispensation is asked for a decided R37 rejection."))
    if not (request_text or "").strip():
        raise ValidationError({"request_text": _("Describe why the kommune should dispense.")})
    try:
        with transaction.atomic():
            return audited_save(
                Dispensation(
                    vacancy_id=case.vacancy_id,
                    person_id=case.person_id,
                    organisation_id=case.organisation_id,
                    kommune_id=case.vacancy.dwelling.department.kommune_id,
                    rejection=case,
                    request_text=request_text.strip(),
                    requested_by=actor,
                    requested_on=day,
                ),
                actor=actor,
                reason=reason,
            )
    except IntegrityError as exc:
        raise ValidationError(_("A dispensation has already been asked for this applicant.")) from exc


def can_decide_dispensation(user, dispensation: Dispensation) -> bool:
    """R37.2: an officer of the dispensation's own kommune decides (``housing.permissions``)."""
    return permissions.can_act_for_kommune(user, dispensation.kommune_id)


@transaction.atomic
def dispensation_decide(
    *,
    actor,
    reason: str,
    dispensation: Dispensation,
    grant: bool,
    work_or_education_prospect: str,
    pension_prospect: str,
    housing_elsewhere_prospect: str,
    other_circumstances: str,
    decision_reasoning: str,
    day: datetime.date | None = None,
) -> Dispensation:
    """R37.2: the kommune officer decides, recording the four considerations of § 37, stk. 2; the
    applicant gets the decision in writing, with the complaint guidance of a dispensation decision
    (the bekendtgørelse names no route: § 24 does not list § 51 c). A granted
    dispensation lifts the R37 rejection."""
    require_reason(reason)
    day = day or timezone.localdate()
    dispensation = (
        Dispensation.objects.select_for_update().select_related("kommune__tenant").get(pk=dispensation.pk)
    )
    if not can_decide_dispensation(actor, dispensation):
        raise PermissionDenied
    if dispensation.state != DispensationState.REQUESTED:
        raise ValidationError(_("The request has already been decided."))
    considerations = {
        "work_or_education_prospect": work_or_education_prospect,
        "pension_prospect": pension_prospect,
        "housing_elsewhere_prospect": housing_elsewhere_prospect,
        "other_circumstances": other_circumstances,
    }
    errors = {
        name: _("Record the consideration (write 'not relevant' if it does not apply) (R37.2).")
        for name, text in considerations.items()
        if not (text or "").strip()
    }
    if not (decision_reasoning or "").strip():
        errors["decision_reasoning"] = _("Give the reasons for the decision.")
    if errors:
        raise ValidationError(errors)
    decision = {name: text.strip() for name, text in considerations.items()}
    decision.update(decision_reasoning=decision_reasoning.strip(), decided_on=day, decided_by=actor)
    for name, value in decision.items():
        setattr(dispensation, name, value)
    outcome = DispensationState.GRANTED if grant else DispensationState.REFUSED
    # The letter first, so that the decision and its letter are one save and one history row.
    letter = rejection_letters.dispensation_letter(
        actor=actor, dispensation=dispensation, state=outcome, day=day
    )
    Dispensation.states.move(dispensation, outcome, actor=actor, reason=reason, letter=letter, **decision)
    if grant:
        rejection_lift(actor=actor, reason=reason, dispensation=dispensation)
    return dispensation


def rejection_lift(*, actor, reason: str, dispensation: Dispensation) -> None:
    """A granted R37.2 dispensation — by the kommune, or on complaint to Ankestyrelsen (R24) —
    lifts the R37 rejection it was asked for, while that rejection stands."""
    if not dispensation.rejection_id:
        return
    case = RejectionCase.objects.select_for_update().get(pk=dispensation.rejection_id)
    if case.state == RejectionState.DECIDED:
        RejectionCase.states.move(case, RejectionState.DISPENSED, actor=actor, reason=reason)
