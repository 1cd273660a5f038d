"""Kommune approval of lettings (§§ 12, 14, 36 and 42; R12.1, R12.4, R14.4, R36.1, R36.3, R42.1–R42.4).

The flow:

1. When an offer round is decided (``offers._close_round``) and the letting needs the kommune's
   approval (``approvals.rules.approval_grounds``), ``request_if_needed`` creates the
   request. The kommune receives it the same day; the R42.3 deadline (5 hverdage after receipt,
   one national definition — a kommune's own closing days never move it and are only shown) is
   computed by ``housing.deadlines`` and stored on the row. Where R36.1 applies, the applicant's
   benefit status is read (logged).
2. ``lease_sign`` calls ``lease_check``: no lease until the request is approved or has lapsed.
3. The kommune officer decides (``approval_decide``): approve, or refuse on a ground with reasons
   (R42.2 needs the household income and the concrete assessment; R42.4 a refugee; R36.1 a listed
   benefit). An income or refugee refusal after the deadline is refused by the service (§ 42,
   stk. 3–4); the R12.1, R12.4/R14.4 and R36.1 refusals have no deadline. The applicant is told in
   writing, with the complaint guidance of the decision type (``letters.complaint_guidance``: the
   bekendtgørelse names no route for these decisions, so none is invented), and the organisation
   is told in writing of a refusal by a letter of its own (§ 42, stk. 3).
   Lettings outside an offer round — the advertising winner (also when the lots are drawn) and a
   letting outside the eligible group — are sent by ``approval_request_direct`` when the tenant is
   chosen (``lease_sign``).
4. A refused winner makes the next acceptance in the round win (a new request is sent for them, and
   they are told in writing), or, with none left, the round is closed and the next round is opened.
   A complaint to Ankestyrelsen that overturns the refusal (``approval_overturn``) approves the
   request and makes the applicant the winner again.
5. The daily job ``approvals_lapse`` marks a request past its deadline as lapsed — approved — only
   when the § 42 scheme (R42.1) is its one ground: the lapse of § 42, stk. 3 takes away the income
   and refugee refusals, and those are the only refusals that scheme allows. A request that also
   needs the R12.1, R12.4/R14.4 or R36.1 approval never lapses into approval; it stays in the
   queue marked overdue. The applicant and the organisation are told of a lapse in writing.
6. R12.1: the kommune approves the startbolig *nomination* — after the ranking has named the
   applicant; the ranking shows whether the approval is in (``candidates.facts``).
7. R12.5: the kommune may decide that a youth dwelling let out of kind reverts
   (``approvals.reversions``). R6.2 is judged when a boliggarantibevis is used for a concrete
   dwelling, not from an old refusal (``benefit_rejection.guarantee_usage_check``).

The request's state changes only through its machine (``ApprovalRequest.states``). The reads are
in ``approvals.selectors``, the letters in ``approvals.letters``, the R36.3 petitions in
``approvals.petitions``.

Concurrency: the request row is locked while it is decided or lapses; the database allows one
pending request per vacancy.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from allocation.models import LettingChannel, Offer, Vacancy, VacancyState
from allocation.services import offers
from allocation.services.adverts import advert_turn
from approvals import creation, rules, selectors
from approvals import letters as approval_letters
from approvals.models import (
    LETTING_ALLOWED_STATES,
    ApprovalRequest,
    ApprovalState,
    BenefitFinding,
    RefusalGround,
)
from approvals.selectors import is_officer_for, letting_facts
from housing import permissions
from housing.audit import require_reason, system_user
from housing.models import AccessKind, AccessPurpose, Person, PersonalDataAccess

from . import signals

# ``letting.workflow`` asks this module for what it needs of the approvals: the reversion in force
# (R12.5) when it opens a vacancy, and the letter to the promoted applicant.
youth_reversion_in_force = selectors.youth_reversion_in_force
promoted_letter = approval_letters.promoted_letter


# --- Sending the request ------------------------------------------------------------------------


def pending_request_for_another(*, vacancy: Vacancy, person: Person) -> ApprovalRequest | None:
    """The request pending with the kommune for this vacancy and another applicant: while it is
    pending no second request can be made (one pending request per vacancy)."""
    return (
        ApprovalRequest.objects.filter(vacancy=vacancy, state=ApprovalState.PENDING)
        .exclude(person=person)
        .first()
    )


def request_if_needed(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    offer: Offer | None = None,
    day: datetime.date | None = None,
) -> ApprovalRequest | None:
    """Send the letting to the kommune when it needs approval (called by the caller holding the
    vacancy or round lock, who has checked the rights). Returns the request, or None."""
    day = day or timezone.localdate()
    grounds = rules.approval_grounds(letting_facts(vacancy, day=day))
    if not grounds:
        return None
    existing = (
        ApprovalRequest.objects.filter(vacancy=vacancy, person=person)
        .exclude(state__in=[ApprovalState.WITHDRAWN, ApprovalState.REFUSED])
        .first()
    )
    if existing is not None:
        return existing
    return creation.request_create(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        offer=offer,
        grounds=grounds,
        let_as="",
        day=day,
    )


@transaction.atomic
def approval_request_direct(
    *, actor, reason: str, vacancy: Vacancy, person: Person, day: datetime.date | None = None
) -> ApprovalRequest | None:
    """A letting outside an offer round goes to the kommune automatically when its tenant is
    chosen, as ``offers._close_round`` does for a round's winner: the advertising winner (§ 38 —
    the only qualified applicant or the first in the drawn order) and a letting outside the
    eligible group (R2.5, R12.3, R14.3, R41; ``vacancy_let_outside``). Called by ``lease_sign`` in
    its own transaction, so the request stands while ``lease_check`` refuses the lease until the
    kommune approves or the R42.3 deadline lapses. Returns the request, or None when none is due
    (no ground, another channel, or the kommune already refused this applicant — ``lease_check``
    then says so)."""
    require_reason(reason)
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("dwelling__department", "organisation")
        .get(pk=vacancy.pk)
    )
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    if vacancy.state != VacancyState.OPEN:
        return None
    if vacancy.channel == LettingChannel.ADVERTISING:
        advert = getattr(vacancy, "advert", None)
        turn = advert_turn(advert) if advert is not None else None
        if turn is None or turn.interest is None or turn.interest.person_id != person.pk:
            return None  # not the advert's winner: ``lease_sign`` refuses the lease itself
    elif not vacancy.fallback_rule:
        return None  # list lettings go through the round; kommunal anvisning is the kommune's own
    if ApprovalRequest.objects.filter(vacancy=vacancy, person=person, state=ApprovalState.REFUSED).exists():
        return None
    return request_if_needed(actor=actor, reason=reason, vacancy=vacancy, person=person, day=day)


def approved_person_ids(vacancy_id: int) -> set[int]:
    """Persons whose startbolig letting of this vacancy the kommune approved (R12.1; approved or
    lapsed), for the ranking to show (``letting.workflow.decisions_for``)."""
    # The grounds are read and tested here rather than with a JSON containment lookup, which
    # SQLite (the embedded mode) does not have; a vacancy has a handful of requests at most.
    return {
        person_id
        for person_id, grounds in ApprovalRequest.objects.filter(
            vacancy_id=vacancy_id, state__in=LETTING_ALLOWED_STATES
        ).values_list("person_id", "grounds")
        if "R12.1" in (grounds or [])
    }


def lease_check(*, vacancy: Vacancy, person: Person, day: datetime.date) -> None:
    """Called inside ``lease_sign`` (through ``letting.workflow.LetChecks``): refuse the lease while
    the kommune's approval is missing."""
    latest = (
        ApprovalRequest.objects.filter(vacancy=vacancy, person=person)
        .exclude(state=ApprovalState.WITHDRAWN)
        .order_by("-pk")
        .first()
    )
    if latest is not None:
        if latest.allows_letting:
            return
        if latest.state == ApprovalState.PENDING and rules.lapses_into_approval(latest.grounds):
            raise ValidationError(
                _(
                    "The kommune has not yet approved the letting (%(grounds)s). It may refuse until "
                    "%(day)s; the lease can be signed when it approves or the deadline has passed (R42.3)."
                )
                % {
                    "grounds": ", ".join(latest.grounds),
                    "day": date_format(latest.deadline, "SHORT_DATE_FORMAT"),
                }
            )
        if latest.state == ApprovalState.PENDING:
            raise ValidationError(
                _(
                    "The kommune has not yet approved the letting (%(grounds)s). This approval does not "
                    "lapse when 5 working days have passed — that applies only to refusals on income and "
                    "of refugees (R42.3) — so the lease waits for the kommune's decision."
                )
                % {"grounds": ", ".join(latest.grounds)}
            )
        raise ValidationError(_("The kommune refused to approve the letting to this applicant."))
    grounds = rules.approval_grounds(letting_facts(vacancy, day=day))
    if grounds:
        raise ValidationError(
            _(
                "The letting needs the kommune's approval (%(grounds)s): send the request to the "
                "kommune first."
            )
            % {"grounds": ", ".join(grounds)}
        )


# --- The kommune's decision --------------------------------------------------------------------


def lock_request(request: ApprovalRequest) -> ApprovalRequest:
    """The request, locked for a decision, with what its letters name."""
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("vacancy__dwelling__department", "kommune__tenant", "person", "organisation")
        .get(pk=request.pk)
    )


def _refusal_errors(request: ApprovalRequest, *, ground: str, reasons: str) -> dict:
    errors: dict[str, list[str]] = {}
    if not ground:
        errors["refusal_ground"] = [_("Choose the ground of the refusal.")]
    if not reasons.strip():
        errors["decision_reasons"] = [
            _("A refusal must give its reasons to the organisation and the applicant (R36.3, R42.3).")
        ]
    if ground == RefusalGround.INCOME:
        if request.household_income is None:
            errors["household_income"] = [_("Record the household income the assessment rests on (R42.2).")]
        if not request.income_assessment.strip():
            errors["income_assessment"] = [
                _("A refusal on income needs a concrete assessment of the applicant's circumstances (R42.2).")
            ]
    if ground == RefusalGround.REFUGEE and not request.is_refugee:
        errors["is_refugee"] = [_("Only a refugee can be refused on this ground (R42.4).")]
    if ground == RefusalGround.BENEFITS and request.benefit_finding != BenefitFinding.LISTED:
        errors["refusal_ground"] = [
            _(
                "R36.1 applies only when kombineret udlejning applies and the applicant receives a "
                "listed benefit."
            )
        ]
    if ground == RefusalGround.STARTBOLIG and "R12.1" not in request.grounds:
        errors["refusal_ground"] = [_("The dwelling is not let as a startbolig.")]
    if ground == RefusalGround.OUT_OF_KIND and not ({"R12.4", "R14.4"} & set(request.grounds)):
        errors["refusal_ground"] = [_("The dwelling is not let out of kind.")]
    return errors


@transaction.atomic
def approval_decide(
    *,
    actor,
    reason: str,
    request: ApprovalRequest,
    approve: bool,
    refusal_ground: str = "",
    decision_reasons: str = "",
    household_income: Decimal | None = None,
    income_assessment: str = "",
    is_refugee: bool = False,
    today: datetime.date | None = None,
) -> ApprovalRequest:
    """The kommune officer approves the letting, or refuses it on a ground with reasons — on income
    (R42.2) or of a refugee (R42.4) only while the R42.3 deadline has not passed. The applicant is
    told in writing with the complaint guidance of the decision type, and on a refusal the
    organisation is told in writing too (§ 42, stk. 3)."""
    require_reason(reason)
    today = today or timezone.localdate()
    request = lock_request(request)
    if not is_officer_for(actor, request):
        raise PermissionDenied
    if request.state != ApprovalState.PENDING:
        raise ValidationError(
            _("The request has already been decided: %(state)s.") % {"state": request.get_state_display()}
        )
    if request.vacancy.state != VacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    decision = {
        "household_income": household_income,
        "income_assessment": (income_assessment or "").strip(),
        "is_refugee": bool(is_refugee),
        "decision_reasons": (decision_reasons or "").strip(),
        "decided_on": today,
        "decided_by": actor,
    }
    for name, value in decision.items():
        setattr(request, name, value)
    if approve:
        if request.benefit_finding == BenefitFinding.LISTED and "R36.1" in request.grounds:
            raise ValidationError(
                _(
                    "The applicant and any spouse receive a listed benefit: under kombineret udlejning the "
                    "kommune must refuse the letting (R36.1)."
                )
            )
        outcome, ground = ApprovalState.APPROVED, ""
    else:
        if not rules.may_refuse(today=today, deadline=request.deadline, ground=refusal_ground):
            raise ValidationError(
                {
                    "refusal_ground": _(
                        "The deadline for a refusal on income or of a refugee was %(day)s: the kommune "
                        "can no longer refuse on this ground (R42.3, R42.4)."
                    )
                    % {"day": date_format(request.deadline, "SHORT_DATE_FORMAT")}
                }
            )
        errors = _refusal_errors(request, ground=refusal_ground, reasons=request.decision_reasons)
        if errors:
            raise ValidationError(errors)
        outcome, ground = ApprovalState.REFUSED, refusal_ground
    decision["refusal_ground"] = request.refusal_ground = ground
    # The letter first, so that the decision and its letter are one save and one history row.
    letter = approval_letters.decision_letter(
        actor=actor, reason=reason, request=request, state=outcome, day=today
    )
    ApprovalRequest.states.move(
        request, outcome, actor=actor, reason=reason, applicant_letter=letter, **decision
    )
    if outcome == ApprovalState.REFUSED:
        approval_letters.organisation_letter(
            actor=actor, reason=reason, request=request, state=outcome, day=today
        )
        # What follows for the offer round (the next acceptance wins, or the next round opens) is
        # the letting's, directed by ``letting.workflow.on_letting_refused`` in this transaction.
        signals.letting_refused.send(
            sender=ApprovalRequest, request=request, actor=actor, reason=reason, today=today
        )
    if outcome == ApprovalState.APPROVED:
        signals.letting_approved.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
    return request


def approval_overturn(*, actor, reason: str, request: ApprovalRequest, day: datetime.date) -> ApprovalRequest:
    """Ankestyrelsen overturned the kommune's refusal (R24; recorded by
    ``complaints.services.complaint_outcome_record``, inside its transaction): the request is
    approved and, while the vacancy is still open, the applicant is the one to be let to again —
    whoever took their place after the refusal steps back (their request withdrawn, their acceptance
    withdrawn as when a round is decided, a round opened since cancelled). Both are told in writing.
    Once the dwelling is let, the decision cannot give it back; the request is approved all the same."""
    require_reason(reason)
    request = lock_request(request)
    if request.state != ApprovalState.REFUSED:
        return request
    ApprovalRequest.states.move(
        request, ApprovalState.APPROVED, actor=actor, reason=reason, decided_on=day, decided_by=actor
    )
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("dwelling__department")
        .get(pk=request.vacancy_id)
    )
    if vacancy.state != VacancyState.OPEN:
        return request
    stepped_back: list[Person] = []
    for other in (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(vacancy=vacancy, state=ApprovalState.PENDING)
        .exclude(pk=request.pk)
    ):
        ApprovalRequest.states.move(
            other, ApprovalState.WITHDRAWN, actor=actor, reason=reason, decided_on=day, decided_by=actor
        )
        stepped_back.append(other.person)
    if request.offer_id is not None:
        for person in offers.winner_restored(actor=actor, reason=reason, offer=request.offer):
            if person not in stepped_back:
                stepped_back.append(person)
    signals.letting_approved.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
    approval_letters.overturn_letters(
        actor=actor, reason=reason, request=request, vacancy=vacancy, stepped_back=stepped_back
    )
    return request


def approvals_lapse(*, today: datetime.date, progress=None) -> int:
    """The daily job: a request under the § 42 scheme alone (R42.1) not refused by its deadline has
    lapsed — the kommune can no longer refuse on income or a refugee, the only refusals the scheme
    allows, and the letting counts as approved (R42.3). The applicant and the organisation are told
    in writing. Requests that also need the R12.1, R12.4/R14.4 or R36.1 approval are left pending:
    they never lapse into approval and show as overdue in the kommune's queue."""
    actor = system_user()
    lapsed = 0
    due = [
        pk
        for pk, grounds in ApprovalRequest.objects.filter(
            state=ApprovalState.PENDING, deadline__lt=today
        ).values_list("pk", "grounds")
        if rules.lapses_into_approval(grounds)
    ]
    for pk in due:
        with transaction.atomic():
            request = (
                ApprovalRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("vacancy__dwelling", "kommune__tenant", "person", "organisation")
                .filter(pk=pk)
                .first()
            )
            if request is None or request.state != ApprovalState.PENDING:
                continue  # another worker had it, or the kommune decided meanwhile
            if request.vacancy.state != VacancyState.OPEN:
                # The vacancy was cancelled (or let otherwise): nothing left to approve.
                ApprovalRequest.states.move(
                    request,
                    ApprovalState.WITHDRAWN,
                    actor=actor,
                    reason=_("The vacancy is no longer open"),
                    decided_on=today,
                    decided_by=actor,
                )
                continue
            reason = _("The kommune did not refuse within 5 working days (R42.3)")
            # The letter first, so that the lapse and its letter are one save and one history row.
            letter = approval_letters.decision_letter(
                actor=actor, reason=reason, request=request, state=ApprovalState.LAPSED, day=today
            )
            ApprovalRequest.states.move(
                request,
                ApprovalState.LAPSED,
                actor=actor,
                reason=reason,
                decided_on=today,
                decided_by=actor,
                applicant_letter=letter,
            )
            approval_letters.organisation_letter(
                actor=actor, reason=reason, request=request, state=ApprovalState.LAPSED, day=today
            )
            signals.letting_approved.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
            lapsed += 1
        if progress is not None:
            progress.advance()
    return lapsed


# --- Reading logged ---------------------------------------------------------------------------------


def log_benefit_finding_read(user, request: ApprovalRequest) -> None:
    """The R36.1 finding is benefit data: showing it is a logged read."""
    if not request.benefit_finding:
        return
    PersonalDataAccess.objects.create(
        person=request.person,
        user=user,
        kind=AccessKind.SENSITIVE_READ,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=_("Approval of a letting (R36.1), request %(id)s") % {"id": request.pk},
        detail=_("Benefit status (R36.1)"),
    )
