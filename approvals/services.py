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
   (``youth_reversion_decide``). R6.2 is judged when a boliggarantibevis is used for a concrete
   dwelling, not from an old refusal (``benefit_rejection.guarantee_usage_check``).

Concurrency: the request row is locked while it is decided or lapses; the database allows one
pending request per vacancy.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from allocation.models import (
    LettingChannel,
    Offer,
    Vacancy,
    VacancyState,
)
from allocation.services import offers
from allocation.services.adverts import advert_turn
from allocation.services.benefit_rejection import benefit_rejection
from allocation.services.policies import kommune_decision_in_force
from approvals import rules
from approvals.models import (
    LETTING_ALLOWED_STATES,
    ApprovalRequest,
    ApprovalState,
    BenefitFinding,
    CombinedLettingPetition,
    PetitionState,
    RefusalGround,
    YouthReversion,
)
from housing import permissions, scoping
from housing.audit import audited_save, require_reason, system_user
from housing.models import (
    AccessKind,
    AccessPurpose,
    AreaStatusKind,
    DepartmentAreaStatus,
    Person,
    PersonalDataAccess,
)
from housing.models.closing_days import KommuneClosingDay
from letters import complaint_guidance
from letters import services as letters
from letters.formatting import letter_long_date
from letters.models import DecisionType

from . import signals

# Letters are Danish (the templates are). The complaint guidance of each kind of decision is an
# admin-edited text per decision type: none of these decisions is among those
# § 24 lists, and § 11 excludes a letting under a § 61 approval scheme from the beboerklagenævn.
REFUSAL_DECISION_TYPES = {
    RefusalGround.INCOME: DecisionType.KOMMUNE_INCOME_REFUSAL,
    RefusalGround.REFUGEE: DecisionType.KOMMUNE_REFUGEE_REFUSAL,
    RefusalGround.BENEFITS: DecisionType.KOMMUNE_BENEFITS_REFUSAL,
    RefusalGround.STARTBOLIG: DecisionType.KOMMUNE_STARTBOLIG_REFUSAL,
    RefusalGround.OUT_OF_KIND: DecisionType.KOMMUNE_OUT_OF_KIND_REFUSAL,
}
GROUND_TEXT_DA = {
    "R42.1": "kommunen godkender hver udlejning (bekendtgørelsens § 42, stk. 1)",
    "R36.1": "kombineret udlejning (bekendtgørelsens § 36, stk. 1)",
    "R12.1": "boligen er en startbolig (bekendtgørelsens § 12, stk. 1)",
    "R12.4": "en ungdomsbolig udlejes som familie- eller ældrebolig (bekendtgørelsens § 12, stk. 4)",
    "R14.4": "en ældrebolig udlejes som familie- eller ungdomsbolig (bekendtgørelsens § 14, stk. 4)",
}
REFUSAL_TEXT_DA = {
    RefusalGround.INCOME: "der er et åbenbart misforhold mellem husstandens indkomst og huslejen "
    "(bekendtgørelsens § 42, stk. 2)",
    RefusalGround.REFUGEE: "kommunen afviser udlejning til flygtninge efter almenboliglovens § 62, stk. 1 "
    "(bekendtgørelsens § 42, stk. 4)",
    RefusalGround.BENEFITS: "du og din eventuelle ægtefælle (eller samlever gennem mindst 2 år) modtager "
    "selvforsørgelses- og hjemrejseydelse, overgangsydelse, uddannelseshjælp eller kontanthjælp og hver "
    "især har modtaget en af disse ydelser i 6 sammenhængende kalendermåneder, og kommunen har besluttet "
    "kombineret udlejning (almenboliglovens § 51 b, stk. 1 og 2, og bekendtgørelsens § 36, stk. 1)",
    RefusalGround.STARTBOLIG: "betingelserne for en startbolig er ikke opfyldt "
    "(bekendtgørelsens § 12, stk. 1)",
    RefusalGround.OUT_OF_KIND: "kommunen godkender ikke, at boligen udlejes som en anden boligtype "
    "(bekendtgørelsens § 12, stk. 4, eller § 14, stk. 4)",
}

# --- Reading -----------------------------------------------------------------------------------


def visible_requests(user) -> QuerySet[ApprovalRequest]:
    """Requests the user may see: a kommune officer those to their kommune(s), the organisation's
    staff (its data controller) their own. Everybody else none."""
    scope = scoping.scope_for(user)
    if not scope.kommune_ids and not scope.tenant_ids:
        return ApprovalRequest.objects.none()
    return ApprovalRequest.objects.filter(
        Q(kommune_id__in=scope.kommune_ids) | Q(controller_id__in=scope.tenant_ids)
    )


@dataclass
class QueueRow:
    """One pending request in the kommune's queue. ``closing_days`` are the kommune's own closing
    days between receipt and the deadline: shown as information, they do not move the deadline."""

    request: ApprovalRequest
    days_left: int
    closing_days: list[datetime.date] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def lapses(self) -> bool:
        """R42.3: whether the request counts as approved when the deadline has passed."""
        return rules.lapses_into_approval(self.request.grounds)


def _closing_days_by_kommune(kommune_ids: set[int], start: datetime.date, end: datetime.date) -> dict:
    found: dict[int, set[datetime.date]] = {k: set() for k in kommune_ids}
    rows = KommuneClosingDay.objects.filter(kommune_id__in=kommune_ids, day__gte=start, day__lte=end)
    for kommune_id, day in rows.values_list("kommune_id", "day"):
        found[kommune_id].add(day)
    return found


def kommune_queue(user, *, today: datetime.date | None = None) -> list[QueueRow]:
    """The kommune officer's pending requests, the earliest deadline first, each with its
    countdown in hverdage (negative: calendar days overdue) and the kommune's closing days in the
    period (information only). An overdue request that does not lapse into approval (R12.1,
    R12.4/R14.4, R36.1) stays here, marked overdue. Three queries, however many rows."""
    today = today or timezone.localdate()
    kommune_ids = scoping.scope_for(user).kommune_ids
    if not kommune_ids:
        return []
    requests = list(
        ApprovalRequest.objects.filter(
            kommune_id__in=kommune_ids, state=ApprovalState.PENDING, vacancy__state=VacancyState.OPEN
        )
        .select_related("vacancy__dwelling__department", "organisation", "person", "kommune")
        .order_by("deadline", "pk")
    )
    if not requests:
        return []
    first = min(r.received_on for r in requests)
    last = max(r.deadline for r in requests)
    closing = _closing_days_by_kommune({r.kommune_id for r in requests}, first, last)
    return [
        QueueRow(
            r,
            rules.working_days_left(today=today, deadline=r.deadline),
            sorted(d for d in closing[r.kommune_id] if r.received_on < d <= r.deadline),
        )
        for r in requests
    ]


def recent_decisions(user, *, limit: int = 20) -> QuerySet[ApprovalRequest]:
    kommune_ids = scoping.scope_for(user).kommune_ids
    return (
        ApprovalRequest.objects.filter(kommune_id__in=kommune_ids)
        .exclude(state=ApprovalState.PENDING)
        .select_related("vacancy__dwelling", "organisation", "person")
        .order_by("-decided_on", "-pk")[:limit]
    )


def waiting_count(user) -> int:
    """For the kommune officer's dashboard: pending requests to their kommune(s)."""
    kommune_ids = scoping.scope_for(user).kommune_ids
    if not kommune_ids:
        return 0
    return ApprovalRequest.objects.filter(
        kommune_id__in=kommune_ids, state=ApprovalState.PENDING, vacancy__state=VacancyState.OPEN
    ).count()


def request_detail(*, user, pk: int) -> ApprovalRequest:
    """One request the user may see (raises ``ApprovalRequest.DoesNotExist`` otherwise)."""
    return (
        visible_requests(user)
        .select_related(
            "vacancy__dwelling__department__kommune",
            "organisation",
            "person",
            "kommune",
            "offer__round",
            "decided_by",
            "applicant_letter",
        )
        .get(pk=pk)
    )


def vacancy_requests(user, vacancy: Vacancy) -> list[ApprovalRequest]:
    """The requests of one vacancy for its page (the caseworker sees the state)."""
    return list(
        visible_requests(user).filter(vacancy=vacancy).select_related("person", "kommune").order_by("pk")
    )


def is_officer_for(user, request: ApprovalRequest) -> bool:
    """The kommune the request went to decides it (``housing.permissions``)."""
    return permissions.can_act_for_kommune(user, request.kommune_id)


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


def countdown(request: ApprovalRequest, *, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return rules.working_days_left(today=today, deadline=request.deadline)


def closing_days_in_period(request: ApprovalRequest) -> list[KommuneClosingDay]:
    """The kommune's closing days after receipt up to the deadline — shown beside the deadline as
    information; a closing day is still a hverdag and does not move it (R42.3)."""
    return list(
        KommuneClosingDay.objects.filter(
            kommune_id=request.kommune_id, day__gt=request.received_on, day__lte=request.deadline
        ).order_by("day")
    )


# --- When approval is needed --------------------------------------------------------------------


def _in_listed_area(department_id: int, day: datetime.date) -> bool:
    """The department is in an area on the ministry's list (R35, § 51 b) on the day."""
    return (
        DepartmentAreaStatus.objects.filter(
            department_id=department_id, kind=AreaStatusKind.HIGH_OUTSIDE_LABOUR, valid_from__lte=day
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .exists()
    )


def letting_facts(vacancy: Vacancy, *, day: datetime.date, let_as: str = "") -> rules.LettingFacts:
    dwelling = vacancy.dwelling
    department = dwelling.department
    decision = kommune_decision_in_force(kommune_id=department.kommune_id, day=day)
    return rules.LettingFacts(
        dwelling_kind=dwelling.kind,
        youth_kind=dwelling.youth_kind or "",
        owner_kind=dwelling.owner_kind,
        far_reaching_fitted=dwelling.fitted_far_reaching_disability,
        let_as=let_as,
        channel=vacancy.channel,
        in_listed_area=_in_listed_area(department.pk, day),
        approves_family=bool(decision and decision.approves_each_letting),
        approves_youth=bool(decision and decision.approves_each_youth_letting),
        combined_letting=bool(decision and decision.combined_letting),
    )


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


def _create(
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
    signals.letting_requested.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
    return request


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
    return _create(
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
    return _create(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        offer=None,
        grounds=grounds,
        let_as=let_as,
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


# --- R12.5: youth dwellings let out of kind revert ---------------------------------------------------


def youth_reversion_in_force(*, dwelling_id: int, day: datetime.date) -> YouthReversion | None:
    """The kommune's R12.5 decision that the youth dwelling is let as a youth dwelling again."""
    return YouthReversion.objects.filter(dwelling_id=dwelling_id, valid_from__lte=day).first()


@transaction.atomic
def youth_reversion_decide(
    *, actor, reason: str, request: ApprovalRequest, valid_from: datetime.date, reasons: str
) -> YouthReversion:
    """R12.5 (§ 12, stk. 5, 2. pkt.): the kommune decides that a youth dwelling whose letting as a
    family or elder dwelling it approved (R12.4) is let as a youth dwelling again when it falls
    vacant. From ``valid_from`` no letting of it out of kind is approved (``approval_request_create``
    refuses it) and its next vacancy says so; it goes to the youth lists."""
    require_reason(reason)
    request = _lock(request)
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


def applicant_for(*, vacancy: Vacancy, applicant_number: str) -> Person | None:
    """The applicant with this number in the organisation's register or its shared list's."""
    number = (applicant_number or "").strip()
    if not number:
        return None
    organisation = vacancy.organisation
    return Person.objects.filter(
        controller_id__in=[vacancy.controller_id, organisation.list_tenant_id], applicant_number=number
    ).first()


def approved_person_ids(vacancy_id: int) -> set[int]:
    """Persons whose startbolig letting of this vacancy the kommune approved (R12.1; approved or
    lapsed), for the ranking to show (``letting.workflow.decisions_for``)."""
    return set(
        ApprovalRequest.objects.filter(
            vacancy_id=vacancy_id, state__in=LETTING_ALLOWED_STATES, grounds__contains=["R12.1"]
        ).values_list("person_id", flat=True)
    )


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


def decision_type_of(request: ApprovalRequest) -> str:
    """The decision type whose complaint guidance the letters of this decision carry."""
    if request.state == ApprovalState.REFUSED:
        return REFUSAL_DECISION_TYPES[request.refusal_ground]
    return DecisionType.KOMMUNE_APPROVAL


def _decision_letter(
    *, actor, reason: str, request: ApprovalRequest, text: str, key: str, day: datetime.date
):
    """The applicant's letter: the decision, and the complaint guidance of its decision type."""
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=request.kommune.tenant,
        recipient=request.person,
        kind="kommune_decision",
        context={
            "dwelling_address": request.vacancy.dwelling.address_line,
            "decision_text": text,
            "complaint_guidance": complaint_guidance.guidance_text(decision_type_of(request), day),
        },
        idempotency_key=f"approval:{request.pk}:{key}",
    )


def _organisation_letter(
    *, actor, reason: str, request: ApprovalRequest, text: str, key: str, day: datetime.date
):
    """§ 42, stk. 3: "skal boligorganisationen og den boligsøgende underrettes herom skriftligt" —
    the organisation gets a letter of its own (Digital Post to its CVR where it is connected, else
    physical post), which shows in its outbox."""
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=request.kommune.tenant,
        recipient_organisation=request.organisation,
        concerns_person=request.person,
        kind="kommune_decision_organisation",
        context={
            "dwelling_address": request.vacancy.dwelling.address_line,
            "decision_text": text,
            "applicant_reference": f"{request.person.full_name} ({request.person.applicant_number})"
            if request.person.applicant_number
            else request.person.full_name,
            "complaint_guidance": complaint_guidance.guidance_text(decision_type_of(request), day),
        },
        idempotency_key=f"approval:{request.pk}:{key}:organisation",
    )


def _grounds_da(request: ApprovalRequest) -> str:
    return "; ".join(GROUND_TEXT_DA.get(g, g) for g in request.grounds)


def _lock(request: ApprovalRequest) -> ApprovalRequest:
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
    request = _lock(request)
    if not is_officer_for(actor, request):
        raise PermissionDenied
    if request.state != ApprovalState.PENDING:
        raise ValidationError(
            _("The request has already been decided: %(state)s.") % {"state": request.get_state_display()}
        )
    if request.vacancy.state != VacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    request.household_income = household_income
    request.income_assessment = (income_assessment or "").strip()
    request.is_refugee = bool(is_refugee)
    request.decision_reasons = (decision_reasons or "").strip()
    request.decided_on = today
    request.decided_by = actor
    dwelling = request.vacancy.dwelling
    if approve:
        if request.benefit_finding == BenefitFinding.LISTED and "R36.1" in request.grounds:
            raise ValidationError(
                _(
                    "The applicant and any spouse receive a listed benefit: under kombineret udlejning the "
                    "kommune must refuse the letting (R36.1)."
                )
            )
        request.state = ApprovalState.APPROVED
        request.refusal_ground = ""
        text = (
            f"Kommunen har godkendt udlejningen af {dwelling.address_line} til dig ({_grounds_da(request)}). "
            "Boligorganisationen kan nu indgå lejekontrakten med dig."
        )
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
        request.state = ApprovalState.REFUSED
        request.refusal_ground = refusal_ground
        ground_da = REFUSAL_TEXT_DA.get(refusal_ground, refusal_ground)
        text = (
            f"Kommunen afviser udlejningen af {dwelling.address_line} til dig, fordi {ground_da}."
            f"\n\nBegrundelse: {request.decision_reasons}"
        )
    # The letter first, so that the decision and its letter are one save and one history row.
    request.applicant_letter = _decision_letter(
        actor=actor, reason=reason, request=request, text=text, key=request.state, day=today
    )
    audited_save(request, actor=actor, reason=reason)
    if request.state == ApprovalState.REFUSED:
        _organisation_letter(
            actor=actor,
            reason=reason,
            request=request,
            text=(
                f"Kommunen har den {letter_long_date(today)} afvist udlejningen af {dwelling.address_line} "
                f"til ansøgeren nedenfor, fordi {_ground_for_organisation(refusal_ground)}."
                f"\n\nBegrundelse: {request.decision_reasons}\n\nAnsøgeren har fået afgørelsen skriftligt. "
                "Boligen kan ikke udlejes til ansøgeren."
            ),
            key=request.state,
            day=today,
        )
        # What follows for the offer round (the next acceptance wins, or the next round opens) is
        # the letting's, directed by ``letting.workflow.on_letting_refused`` in this transaction.
        signals.letting_refused.send(
            sender=ApprovalRequest, request=request, actor=actor, reason=reason, today=today
        )
    if request.state == ApprovalState.APPROVED:
        signals.letting_approved.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
    return request


def _ground_for_organisation(ground: str) -> str:
    """The refusal ground as the organisation's letter states it (third person)."""
    return {
        RefusalGround.INCOME: "der er et åbenbart misforhold mellem husstandens indkomst og huslejen "
        "(bekendtgørelsens § 42, stk. 2)",
        RefusalGround.REFUGEE: "kommunen afviser udlejning til flygtninge efter almenboliglovens § 62, "
        "stk. 1 (bekendtgørelsens § 42, stk. 4)",
        RefusalGround.BENEFITS: "ansøgeren og en eventuel ægtefælle modtager en af de ydelser, der er nævnt "
        "i almenboliglovens § 51 b, stk. 1, og kommunen har besluttet kombineret udlejning "
        "(bekendtgørelsens § 36, stk. 1)",
        RefusalGround.STARTBOLIG: "betingelserne for en startbolig er ikke opfyldt "
        "(bekendtgørelsens § 12, stk. 1)",
        RefusalGround.OUT_OF_KIND: "kommunen godkender ikke, at boligen udlejes som en anden boligtype "
        "(bekendtgørelsens § 12, stk. 4, eller § 14, stk. 4)",
    }.get(ground, ground)


def promoted_letter(*, actor, offer: Offer, vacancy: Vacancy, request: ApprovalRequest | None):
    """The applicant who accepted after the refused winner is told in writing that they are now
    the one the dwelling is to be let to — pending the kommune's decision when one is needed."""
    address = vacancy.dwelling.address_line
    text = (
        f"Du har takket ja til boligen {address}. Kommunen har afvist udlejningen til den ansøger, "
        "der stod før dig, og boligen skal derfor nu udlejes til dig."
    )
    if (
        request is not None
        and request.state == ApprovalState.PENDING
        and not rules.lapses_into_approval(request.grounds)
    ):
        text += (
            f"\n\nUdlejningen skal godkendes af kommunen ({_grounds_da(request)}). Vi kontakter dig om "
            "lejekontrakten, når kommunen har godkendt udlejningen."
        )
    elif request is not None and request.state == ApprovalState.PENDING:
        text += (
            f"\n\nUdlejningen skal godkendes af kommunen ({_grounds_da(request)}). Kommunen kan afvise "
            f"den senest den {letter_long_date(request.deadline)} (bekendtgørelsens § 42, stk. 3). "
            "Vi kontakter dig om lejekontrakten, når kommunen har godkendt udlejningen, eller fristen "
            "er udløbet."
        )
    else:
        text += "\n\nVi kontakter dig om lejekontrakten."
    return letters.letter_create(
        actor=actor,
        reason=_("The kommune refused the winner: the next acceptance wins"),
        sender=vacancy.controller,
        recipient=offer.entry.person,
        kind="general",
        context={"subject": f"Boligen {address} skal udlejes til dig", "text": text},
        idempotency_key=f"approval-promoted:{offer.pk}",
    )


def approval_overturn(*, actor, reason: str, request: ApprovalRequest, day: datetime.date) -> ApprovalRequest:
    """Ankestyrelsen overturned the kommune's refusal (R24; recorded by
    ``rejections.complaint_outcome_record``, inside its transaction): the request is approved and,
    while the vacancy is still open, the applicant is the one to be let to again — whoever took
    their place after the refusal steps back (their request withdrawn, their acceptance withdrawn
    as when a round is decided, a round opened since cancelled). Both are told in writing. Once the
    dwelling is let, the decision cannot give it back; the request is approved all the same."""
    require_reason(reason)
    request = _lock(request)
    if request.state != ApprovalState.REFUSED:
        return request
    request.state = ApprovalState.APPROVED
    request.decided_on = day
    request.decided_by = actor
    audited_save(request, actor=actor, reason=reason)
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
        other.state, other.decided_on, other.decided_by = ApprovalState.WITHDRAWN, day, actor
        audited_save(other, actor=actor, reason=reason)
        stepped_back.append(other.person)
    if request.offer_id is not None:
        for person in offers.winner_restored(actor=actor, reason=reason, offer=request.offer):
            if person not in stepped_back:
                stepped_back.append(person)
    signals.letting_approved.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
    address = vacancy.dwelling.address_line
    letters.letter_create(
        actor=actor,
        reason=reason,
        sender=vacancy.controller,
        recipient=request.person,
        kind="general",
        context={
            "subject": f"Boligen {address} skal udlejes til dig",
            "text": (
                f"Ankestyrelsen har omgjort kommunens afvisning af udlejningen af {address} til dig. "
                "Udlejningen er dermed godkendt, og boligen skal udlejes til dig. Vi kontakter dig om "
                "lejekontrakten."
            ),
        },
        idempotency_key=f"approval:{request.pk}:overturned",
    )
    for person in stepped_back:
        letters.letter_create(
            actor=actor,
            reason=reason,
            sender=vacancy.controller,
            recipient=person,
            kind="general",
            context={
                "subject": f"Boligen {address} udlejes ikke til dig",
                "text": (
                    f"Ankestyrelsen har omgjort kommunens afvisning af den ansøger, der stod før dig til "
                    f"boligen {address}. Boligen skal derfor udlejes til denne ansøger og ikke til dig. "
                    "Din plads på ventelisten og din anciennitet er uændret."
                ),
            },
            idempotency_key=f"approval:{request.pk}:overturned:{person.pk}",
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
                request.state = ApprovalState.WITHDRAWN
                request.decided_on = today
                request.decided_by = actor
                audited_save(request, actor=actor, reason=_("The vacancy is no longer open"))
                continue
            reason = _("The kommune did not refuse within 5 working days (R42.3)")
            request.state = ApprovalState.LAPSED
            request.decided_on = today
            request.decided_by = actor
            audited_save(request, actor=actor, reason=reason)
            signals.letting_approved.send(sender=ApprovalRequest, request=request, actor=actor, reason=reason)
            text = (
                f"Kommunen har ikke afvist udlejningen af {request.vacancy.dwelling.address_line} til dig "
                f"inden fristen den {letter_long_date(request.deadline)} (5 hverdage efter, at kommunen "
                "modtog sagen, bekendtgørelsens § 42, stk. 3). Udlejningen er derfor godkendt, og "
                "boligorganisationen kan indgå lejekontrakten med dig."
            )
            request.applicant_letter = _decision_letter(
                actor=actor, reason=reason, request=request, text=text, key="lapsed", day=today
            )
            audited_save(request, actor=actor, reason=reason, validate=False)
            address = request.vacancy.dwelling.address_line
            _organisation_letter(
                actor=actor,
                reason=reason,
                request=request,
                text=(
                    f"Kommunen har ikke afvist udlejningen af {address} til ansøgeren nedenfor inden "
                    f"fristen den {letter_long_date(request.deadline)} (5 hverdage efter, at kommunen "
                    "modtog sagen, bekendtgørelsens § 42, stk. 3). Kommunens mulighed for at afvise "
                    "ansøgeren er dermed bortfaldet, og boligorganisationen kan indgå lejekontrakten."
                ),
                key="lapsed",
                day=today,
            )
            lapsed += 1
        if progress is not None:
            progress.advance()
    return lapsed


# --- R36.3: the organisation's petition for kombineret udlejning --------------------------------


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
    petition.state = PetitionState.GRANTED if grant else PetitionState.REFUSED
    petition.reasons = reasons
    petition.decided_on = timezone.localdate()
    petition.decided_by = actor
    return audited_save(petition, actor=actor, reason=reason)


# --- R36.2: the annual report to the ministry ---------------------------------------------------
