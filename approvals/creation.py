"""Creating a kommune approval request: the stored request with the R42.3 deadline counted from
its receipt (5 hverdage, ``approvals.rules.refusal_deadline``; the kommune receives it the day it
is made) and, where kombineret udlejning applies (R36.1), the applicant's benefit finding, read
and logged through ``benefit_rejection``. ``request_create`` is called by ``approvals.services``
when a letting needs the approval; ``approval_request_create`` is the organisation's own request —
a youth or elder dwelling let out of kind (R12.4, R14.4; not after an R12.5 reversion, never an
elder dwelling R14.2/R14.5 keeps to its group) or a letting outside an offer round.

A request is created pending, the initial state of its machine (``ApprovalRequest.states``); the
database allows one pending request per vacancy."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allocation.models import Offer, Vacancy, VacancyState
from allocation.services.benefit_rejection import benefit_rejection
from approvals import rules
from approvals.models import ApprovalRequest, ApprovalState, BenefitFinding
from approvals.selectors import letting_facts, youth_reversion_in_force
from housing import permissions
from housing.audit import audited_save, require_reason
from housing.models import Person

from . import signals


def _benefit_finding(
    *, actor, vacancy: Vacancy, person: Person, day: datetime.date, request_text: str
) -> str:
    """R36.1: the kommune refuses the applicants almenboligloven § 51 b names — asked through
    ``benefit_rejection`` (the one answer to § 51 b / § 51 c: 6 whole consecutive calendar months,
    each person on their own periods, a cohabitant of 2 years as a spouse, the benefits listed on
    the day), which reads and logs the benefit status."""

    answer = benefit_rejection(
        actor=actor, person=person, dwelling=vacancy.dwelling, day=day, purpose_text=request_text
    )
    test = answer.under_51b
    if test is None:
        return BenefitFinding.NONE
    if test.must_reject:
        return BenefitFinding.LISTED
    if test.outcome == "unknown":
        return BenefitFinding.UNKNOWN
    if test.any_listed:
        return BenefitFinding.PARTLY
    return BenefitFinding.NONE


def request_create(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    offer: Offer | None,
    grounds: list[str],
    let_as: str,
    day: datetime.date,
) -> ApprovalRequest:
    kommune_id = vacancy.dwelling.department.kommune_id
    deadline = rules.refusal_deadline(day)
    request = ApprovalRequest(
        vacancy=vacancy,
        kommune_id=kommune_id,
        organisation_id=vacancy.organisation_id,
        controller_id=vacancy.controller_id,
        person=person,
        offer=offer,
        grounds=grounds,
        let_as=let_as,
        received_on=day,
        deadline=deadline,
        monthly_rent=vacancy.dwelling.monthly_rent,
    )
    if "R36.1" in grounds:
        request.benefit_finding = _benefit_finding(
            actor=actor,
            vacancy=vacancy,
            person=person,
            day=day,
            request_text=_("Kommune approval of the letting of %(dwelling)s (R36.1)")
            % {"dwelling": vacancy.dwelling.address_line},
        )
        request.benefit_checked_on = day
    try:
        with transaction.atomic():
            audited_save(request, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("The kommune already has a pending request for this vacancy.")) from exc
    # The vacancy's stage follows (awaiting the kommune): ``letting.workflow.on_letting_requested``.
    signals.letting_requested.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
    return request


@transaction.atomic
def approval_request_create(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    let_as: str = "",
    day: datetime.date | None = None,
) -> ApprovalRequest:
    """The organisation asks the kommune to approve a letting: needed for letting a youth or elder
    dwelling out of kind (R12.4, R14.4; ``let_as``) and for lettings outside an offer round."""
    require_reason(reason)
    day = day or timezone.localdate()
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("dwelling__department", "organisation__shared_list")
        .get(pk=vacancy.pk)
    )
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    # The organisation's own register, or its shared list's (whose applicants it lets to).
    if person.controller_id not in (vacancy.controller_id, vacancy.organisation.list_tenant_id):
        raise ValidationError({"person": _("The applicant is not in the organisation's register.")})
    facts = letting_facts(vacancy, day=day, let_as=let_as)
    problem = rules.out_of_kind_problem(facts)
    if problem == "R14.5":
        raise ValidationError(
            {
                "let_as": _(
                    "Elder dwellings owned by a kommune or a self-governing institution cannot be let out "
                    "of kind (R14.5)."
                )
            }
        )
    if problem == "R14.2":
        raise ValidationError(
            {
                "let_as": _(
                    "An elder dwelling fitted for far-reaching disabilities goes only to that group; it "
                    "cannot be let out of kind (R14.2, R14.4)."
                )
            }
        )
    if problem:
        raise ValidationError(
            {
                "let_as": _(
                    "Only youth dwellings (R12.4) and elder dwellings (R14.4) can be let as another kind."
                )
            }
        )
    if let_as and youth_reversion_in_force(dwelling_id=vacancy.dwelling_id, day=day) is not None:
        raise ValidationError(
            {
                "let_as": _(
                    "The kommune has decided that this dwelling is let as a youth dwelling again (R12.5)."
                )
            }
        )
    grounds = rules.approval_grounds(facts)
    if not grounds:
        raise ValidationError(_("This letting does not need the kommune's approval."))
    if ApprovalRequest.objects.filter(vacancy=vacancy, state=ApprovalState.PENDING).exists():
        raise ValidationError(_("The kommune already has a pending request for this vacancy."))
    return request_create(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        offer=None,
        grounds=grounds,
        let_as=let_as,
        day=day,
    )
