"""Rejection cases: opened by a caseworker against one candidate for one vacancy on one legal ground
(bekendtgørelsens §§ 26–30, § 37); the facts are checked by ``rejections.rules``
and a rejection the law does not allow is refused with the reason. A decided rejection gets a
decision letter with complaint guidance (R11), a § 28 rejection its R28.2 report to the kommune.

R37.1 is mandatory and also guards ``lease_sign``: see ``lease_guard``. The kommune may
dispense (R37.2, ``dispensation_decide``) and reports the dispensations each 1 July (R37.3).
Complaints (R11 beboerklagenævn, R24 Ankestyrelsen) are recorded with their outcome; an overturned
rejection gives the candidate the place back.

Sensitive reads — debt (R27), criminal records (R29), benefits (R37) — are written to the access
log (``housing.benefits`` logs the benefit reads itself)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from allocation.models import LettingChannel, Vacancy, VacancyState
from allocation.selectors import area_status_on, household_size, housing_area_on
from allocation.services import offers
from allocation.services.benefit_rejection import benefit_rejection
from housing import permissions
from housing.audit import audited_save, require_reason, system_user
from housing.deadlines import add_calendar_months
from housing.models import (
    AccessKind,
    AccessPurpose,
    AreaStatusKind,
    Department,
    DepartmentAreaStatus,
    Kommune,
    Person,
    PersonalDataAccess,
)
from letters import complaint_guidance
from letters import services as letters
from letters.formatting import letter_amount, letter_long_date
from rejections import rules
from rejections.models import (
    Dispensation,
    DispensationReport,
    DispensationState,
    RejectionCase,
    RejectionGround,
    RejectionSettings,
    RejectionState,
    TerminationRejectionReport,
    TerminationRejectionReportBatch,
)
from waitinglists.models import Entry

DEFAULT_DEBT_THRESHOLD = Decimal("1000.00")


# The ground as the decision letter states it (Danish: the letter quotes the law).
GROUND_LETTER_TEXT = {
    RejectionGround.R26: (
        "Boligen vil blive beboet af flere end 2 personer pr. beboelsesrum (bekendtgørelsens § 26)."
    ),
    RejectionGround.R27: (
        "Du har forfalden gæld til boligorganisationen fra et tidligere eller nuværende lejeforhold "
        "(bekendtgørelsens § 27)."
    ),
    RejectionGround.R28: (
        "Du eller et medlem af din husstand har inden for to år før overtagelsesdagen fået opsagt eller "
        "ophævet et lejemål i det samme boligområde (bekendtgørelsens § 28, stk. 1). Afvisningen indberettes "
        "til kommunen; indberetningen indeholder alene oplysning om, at en boligsøgende er afvist efter "
        "bestemmelsen."
    ),
    RejectionGround.R29: (
        "Straffeattesterne indeholder tilførsler om kriminalitet, der vurderes at have betydning for "
        "trygheden i boligområdet (bekendtgørelsens § 29, stk. 2)."
    ),
    RejectionGround.R30: (
        "Boligorganisationen har i et ganske særligt tilfælde rimelig grund til at modsætte sig "
        "udlejningen (bekendtgørelsens § 30)."
    ),
    RejectionGround.R37: (
        "Boligen ligger i en afdeling, der er en del af et omdannelsesområde (tidligere: hårdt "
        "ghettoområde), og du og din eventuelle "
        "ægtefælle (eller samlever gennem mindst 2 år) modtager selvforsørgelses- og hjemrejseydelse, "
        "overgangsydelse, uddannelseshjælp eller kontanthjælp (almenboliglovens § 51 c). Boligorganisationen "
        "skal derfor afvise udlejningen (bekendtgørelsens § 37, stk. 1). Kommunen kan i helt særlige "
        "tilfælde dispensere (§ 37, stk. 2)."
    ),
}

SENSITIVE_GROUNDS = {
    RejectionGround.R27: "debt",
    RejectionGround.R29: "criminal record",
    RejectionGround.R37: "benefit",
}


# --- Facts from the register --------------------------------------------------------------------


def debt_threshold(organisation_id: int) -> Decimal:
    settings_row = RejectionSettings.objects.filter(organisation_id=organisation_id).first()
    return settings_row.insignificant_debt_threshold if settings_row else DEFAULT_DEBT_THRESHOLD


def dispensation_granted(vacancy: Vacancy, person: Person) -> bool:
    return Dispensation.objects.filter(
        vacancy=vacancy, person__cpr_hash=person.cpr_hash, state=DispensationState.GRANTED
    ).exists()


def omdannelsesomraade_facts(
    *, actor, vacancy: Vacancy, person: Person, from_waiting_list: bool, day: datetime.date
) -> tuple[rules.BenefitRejectionFacts, str]:
    """The facts of R37.1 (almenboligloven § 51 c) on the takeover ``day``, and a summary of the
    benefits found — asked through ``benefit_rejection``, the one answer to § 51 b / § 51 c, which
    reads (and logs) the benefit status only when the department is part of an omdannelsesområde
    that day. The caller has checked the actor's right to let the vacancy."""

    answer = benefit_rejection(
        actor=actor,
        person=person,
        dwelling=vacancy.dwelling,
        day=day,
        purpose_text=_("R37.1 check for vacancy %(id)s") % {"id": vacancy.pk},
        from_waiting_list=from_waiting_list,
    )
    under_51c = answer.under_51c
    facts = rules.BenefitRejectionFacts(
        hard_ghetto_on_takeover=answer.in_omdannelsesomraade,
        already_has_dwelling_in_department=answer.already_has_dwelling_in_department,
        from_waiting_list=from_waiting_list,
        benefit_condition=bool(under_51c and under_51c.must_reject),
        dispensation_granted=dispensation_granted(vacancy, person),
        cohabitation_unknown=bool(under_51c and under_51c.outcome == "unknown"),
    )
    return facts, answer.summary()


def lease_guard(*, actor, vacancy: Vacancy, person: Person, offer=None, day: datetime.date) -> None:
    """Called by ``lease_sign`` before signing: refuse a lease to an applicant rejected for this
    vacancy, and a letting R37.1 forbids (no R37.2 dispensation granted). A lease from an offer
    round is a letting to a list applicant (R37.1 concerns "boligsøgende på ventelisten").

    The check (and its access-log rows) is committed in its own transaction; the refusal is raised
    after it, so a refused letting still leaves the record that benefit data was read."""
    refusal = _lease_refusal(actor=actor, vacancy=vacancy, person=person, offer=offer, day=day)
    if refusal:
        raise ValidationError(refusal)


@transaction.atomic
def _lease_refusal(*, actor, vacancy: Vacancy, person: Person, offer, day: datetime.date) -> str:
    vacancy = Vacancy.objects.select_related("dwelling__department").get(pk=vacancy.pk)
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    from_waiting_list = offer is not None
    if offer is not None:
        person = type(offer).objects.select_related("entry__person").get(pk=offer.pk).entry.person
    if RejectionCase.objects.filter(
        vacancy=vacancy, person__cpr_hash=person.cpr_hash, state=RejectionState.DECIDED
    ).exists():
        return _("The applicant has been rejected for this dwelling; see the rejection case.")
    facts, _summary = omdannelsesomraade_facts(
        actor=actor, vacancy=vacancy, person=person, from_waiting_list=from_waiting_list, day=day
    )
    if rules.benefit_rejection_applies(facts):
        return _(
            "The department is part of an omdannelsesområde (formerly: hårdt ghettoområde) and the "
            "applicant and any spouse receive "
            "integrationsydelse, uddannelseshjælp or kontanthjælp: the organisation must reject the "
            "applicant (R37.1) unless the kommune grants a dispensation (R37.2)."
        )
    if (
        facts.cohabitation_unknown
        and facts.hard_ghetto_on_takeover
        and not facts.already_has_dwelling_in_department
        and not facts.dispensation_granted
    ):
        # § 51 c is a duty ("skal afvise"): the lease waits until the facts that decide it are known.
        return _(
            "The applicant receives a benefit listed in almenboligloven § 51 c and lives with a cohabitant "
            "whose start of cohabitation is not recorded: after 2 years the cohabitant counts as a spouse "
            "(§ 51 c, stk. 2; R37.1). Record the date before the lease is signed."
        )
    return ""


def rejected_entry_ids(vacancy_id: int) -> set[int]:
    """Waiting-list entries with a decided rejection for this vacancy: they cannot win it. A
    rejection refuses the letting to the applicant (§ 26: "afvise udlejning til en
    boligsøgende"), so every entry of the rejected person is skipped — the one named in the case
    and any other list the person stands on (one query)."""
    decided = RejectionCase.objects.filter(vacancy_id=vacancy_id, state=RejectionState.DECIDED)
    return set(
        Entry.objects.filter(
            Q(person_id__in=decided.values("person_id"))
            | Q(pk__in=decided.filter(entry__isnull=False).values("entry_id"))
        ).values_list("pk", flat=True)
    )


def rejected_person_ids(vacancy_id: int) -> set[int]:
    return set(
        RejectionCase.objects.filter(vacancy_id=vacancy_id, state=RejectionState.DECIDED).values_list(
            "person_id", flat=True
        )
    )


def log_sensitive_read(*, actor, case: RejectionCase, purpose_text: str = "") -> None:
    """The case page shows debt, criminal-record or benefit facts: log the read."""
    what = SENSITIVE_GROUNDS.get(case.ground)
    if what is None:
        return
    PersonalDataAccess.objects.create(
        person_id=case.person_id,
        user=actor,
        kind=AccessKind.SENSITIVE_READ,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=(purpose_text or _("Rejection case %(id)s") % {"id": case.pk})[:300],
        detail=(_("Rejection case %(id)s: %(what)s data") % {"id": case.pk, "what": what})[:200],
    )


# --- Opening and deciding -------------------------------------------------------------------------


def _lock_vacancy(actor, vacancy: Vacancy) -> Vacancy:
    vacancy = (
        Vacancy.objects.select_for_update()
        .select_related("dwelling__department", "controller")
        .get(pk=vacancy.pk)
    )
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    return vacancy


def _raise(problems: list[rules.Problem]) -> None:
    if not problems:
        return
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field or "__all__", []).append(message)
    raise ValidationError(errors)


def rejection_open(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    ground: str,
    entry=None,
    takeover_date: datetime.date | None = None,
    reasoning: str = "",
    facts: dict | None = None,
    day: datetime.date | None = None,
) -> RejectionCase:
    """Open a rejection case and, where the ground's facts are complete, decide it.

    R26, R27, R28, R30 and R37 are decided at once when the checks pass (and refused with the
    reasons when they do not: nothing is saved). R29 opens the case with the request for
    criminal-record certificates; ``rejection_criminal_record_assess`` decides it.

    For R37 the benefit status is read first in its own transaction, so the access-log rows of
    that read are kept even when the rejection is then refused (the refusal itself tells the
    caseworker something about the household's benefits)."""
    require_reason(reason)
    r37 = None
    if ground == RejectionGround.R37:
        r37 = _benefit_precheck(
            actor=actor, vacancy=vacancy, person=person, entry=entry, takeover_date=takeover_date
        )
    return _rejection_open(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        ground=ground,
        entry=entry,
        takeover_date=takeover_date,
        reasoning=reasoning,
        facts=facts,
        day=day,
        r37=r37,
    )


@transaction.atomic
def _benefit_precheck(
    *, actor, vacancy: Vacancy, person: Person, entry, takeover_date: datetime.date | None
) -> tuple[rules.BenefitRejectionFacts, str]:
    vacancy = Vacancy.objects.select_related("dwelling__department").get(pk=vacancy.pk)
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    if not permissions.can_read_person(actor, person):
        raise PermissionDenied
    return omdannelsesomraade_facts(
        actor=actor,
        vacancy=vacancy,
        person=person,
        from_waiting_list=entry is not None or vacancy.channel == LettingChannel.LIST,
        day=takeover_date or vacancy.move_out_date,
    )


@transaction.atomic
def _rejection_open(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    ground: str,
    entry,
    takeover_date: datetime.date | None,
    reasoning: str,
    facts: dict | None,
    day: datetime.date | None,
    r37: tuple[rules.BenefitRejectionFacts, str] | None,
) -> RejectionCase:
    day = day or timezone.localdate()
    facts = dict(facts or {})
    vacancy = _lock_vacancy(actor, vacancy)
    if not permissions.can_read_person(actor, person):
        raise PermissionDenied
    if entry is not None and entry.person_id != person.pk:
        raise ValidationError(_("The waiting-list entry belongs to another person."))
    if ground not in RejectionGround.values:
        raise ValidationError({"ground": _("Choose the legal ground.")})
    if RejectionCase.objects.filter(
        vacancy=vacancy, person=person, state__in=[RejectionState.OPEN, RejectionState.DECIDED]
    ).exists():
        raise ValidationError(_("This applicant already has a rejection case for this vacancy."))
    takeover = takeover_date or vacancy.move_out_date
    case = RejectionCase(
        vacancy=vacancy,
        organisation_id=vacancy.organisation_id,
        controller_id=vacancy.controller_id,
        person=person,
        entry=entry,
        ground=ground,
        takeover_date=takeover,
        reasoning=(reasoning or "").strip(),
        opened_by=actor,
    )
    department = vacancy.dwelling.department
    decide = True
    if ground == RejectionGround.R26:
        case.household_size = household_size(person)
        case.rooms = vacancy.dwelling.rooms
        _raise(
            rules.check_occupancy_limit(
                household_size=case.household_size,
                rooms=case.rooms,
                beboermaksimum_applied=department.beboermaksimum_applied,
                reasoning=case.reasoning,
            )
        )
    elif ground == RejectionGround.R27:
        case.debt_amount = facts.get("debt_amount")
        case.debt_due_date = facts.get("debt_due_date")
        case.debt_origin = facts.get("debt_origin") or ""
        case.debt_origin_text = (facts.get("debt_origin_text") or "").strip()
        case.debt_time_barred = bool(facts.get("debt_time_barred"))
        case.debt_plan_kept = bool(facts.get("debt_plan_kept"))
        case.debt_restructuring_kept = bool(facts.get("debt_restructuring_kept"))
        case.debt_threshold = debt_threshold(vacancy.organisation_id)
        _raise(
            rules.check_debt(
                amount=case.debt_amount,
                due_date=case.debt_due_date,
                origin=case.debt_origin,
                threshold=case.debt_threshold,
                time_barred=case.debt_time_barred,
                plan_kept=case.debt_plan_kept,
                restructuring_kept=case.debt_restructuring_kept,
                day=day,
            )
        )
    elif ground == RejectionGround.R28:
        case.termination_date = facts.get("termination_date")
        case.termination_ground = facts.get("termination_ground") or ""
        other: Department | None = facts.get("terminating_department")
        case.terminating_department = other
        case.terminated_person_text = (facts.get("terminated_person_text") or "").strip()
        case.court_found_unmet = bool(facts.get("court_found_unmet"))
        case.tenant_objected_no_court = bool(facts.get("tenant_objected_no_court"))
        same_area = is_other = None
        if other is not None:
            is_other = other.organisation_id != vacancy.organisation_id
            area = housing_area_on(department.pk, takeover)
            same_area = area is not None and area == housing_area_on(other.pk, takeover)
        _raise(
            rules.check_terminated_tenancy(
                termination_date=case.termination_date,
                takeover_date=takeover,
                ground=case.termination_ground,
                terminating_landlord_is_other=is_other,
                same_housing_area=same_area,
                court_found_unmet=case.court_found_unmet,
                tenant_objected_no_court=case.tenant_objected_no_court,
                reasoning=case.reasoning,
            )
        )
    elif ground == RejectionGround.R29:
        vulnerable = area_status_on(department.pk, AreaStatusKind.VULNERABLE, takeover) is not None
        _raise(rules.check_criminal_record_area(vulnerable_area=vulnerable))
        case.certificates_requested_on = facts.get("certificates_requested_on") or day
        decide = False
    elif ground == RejectionGround.R30:
        _raise(rules.check_very_special_grounds(reasoning=case.reasoning))
    elif ground == RejectionGround.R37:
        benefit_checked, summary = r37  # read (and logged) by rejection_open before this transaction
        _raise(rules.check_benefit_rejection(benefit_checked))
        case.benefit_summary = summary
    try:
        with transaction.atomic():
            audited_save(case, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("This applicant already has a rejection case for this vacancy.")) from exc
    if decide:
        _decide(actor=actor, reason=reason, case=case, vacancy=vacancy, day=day)
    elif ground == RejectionGround.R29:
        _certificate_request_letter(actor=actor, case=case, vacancy=vacancy)
    return case


def _certificate_request_letter(*, actor, case: RejectionCase, vacancy: Vacancy) -> None:
    """§ 29, stk. 1: the applicant is asked for criminal-record certificates for the household."""
    letters.letter_create(
        actor=actor,
        reason=_("Request for criminal-record certificates (R29)"),
        sender=vacancy.controller,
        recipient=case.person,
        kind="general",
        context={
            "subject": f"Straffeattest: {vacancy.dwelling.address_line}",
            "text": (
                f"Boligen {vacancy.dwelling.address_line} ligger i et udsat boligområde. Før der kan "
                "indgås lejekontrakt, skal du fremlægge straffeattest for dig selv og for hvert medlem af "
                "din husstand (bekendtgørelsens § 29, stk. 1).\n\n"
                "Straffeattesten bestilles på politi.dk. Indeholder attesterne tilførsler om kriminalitet, "
                "der vurderes at have betydning for trygheden i boligområdet, kan vi afvise udlejningen "
                "(§ 29, stk. 2)."
            ),
        },
        idempotency_key=f"r29-request:{case.pk}",
    )


def _decide(*, actor, reason: str, case: RejectionCase, vacancy: Vacancy, day: datetime.date) -> None:
    case.state = RejectionState.DECIDED
    case.decided_on = day
    case.decided_by = actor
    decision_text = GROUND_LETTER_TEXT[case.ground]
    if case.ground == RejectionGround.R27 and case.debt_amount is not None:
        decision_text += f" Gælden er {letter_amount(case.debt_amount)} kr."
    case.letter = letters.letter_create(
        actor=actor,
        reason=_("Rejection decision"),
        sender=vacancy.controller,
        recipient=case.person,
        kind="rejection_decision",
        context={
            "dwelling_address": vacancy.dwelling.address_line,
            "decision_text": decision_text,
            "ground": case.ground,
            "reasoning": case.reasoning,
            "decided_on": letter_long_date(day),
            "complaint_guidance": offers.complaint_guidance_for(vacancy, day),
        },
        idempotency_key=f"rejection:{case.pk}",
    )
    audited_save(case, actor=actor, reason=reason)
    if case.ground == RejectionGround.R28:
        # R28.2: only the fact of the rejection on this ground goes to the kommune.
        audited_save(
            TerminationRejectionReport(
                rejection=case,
                kommune_id=vacancy.dwelling.department.kommune_id,
                organisation_id=vacancy.organisation_id,
                rejected_on=day,
                reported_on=day,
            ),
            actor=actor,
            reason=reason,
        )


def lock_case(actor, case: RejectionCase) -> RejectionCase:
    case = (
        RejectionCase.objects.select_for_update()
        .select_related("vacancy__dwelling__department")
        .get(pk=case.pk)
    )
    if not permissions.can_write_organisation(actor, case.organisation_id):
        raise PermissionDenied
    return case


@transaction.atomic
def rejection_criminal_record_assess(
    *,
    actor,
    reason: str,
    case: RejectionCase,
    received_on: datetime.date | None,
    relevant: bool | None,
    assessment: str,
    day: datetime.date | None = None,
) -> RejectionCase:
    """§ 29, stk. 2: the organisation assesses the certificates; records relevant to safety in the
    area ground a rejection, otherwise the case closes without one."""
    require_reason(reason)
    day = day or timezone.localdate()
    case = lock_case(actor, case)
    if case.ground != RejectionGround.R29 or case.state != RejectionState.OPEN:
        raise ValidationError(_("Only an open R29 case awaits the assessment of the certificates."))
    _raise(
        rules.check_criminal_record_decision(
            received_on=received_on, relevant=relevant, assessment=assessment
        )
    )
    if received_on < case.certificates_requested_on or received_on > day:
        raise ValidationError(
            {
                "certificates_received_on": _(
                    "The certificates are received after the request and not in the future."
                )
            }
        )
    case.certificates_received_on = received_on
    case.record_relevant = relevant
    case.record_assessment = assessment.strip()
    if not relevant:
        case.state = RejectionState.NOT_REJECTED
        return audited_save(case, actor=actor, reason=reason)
    audited_save(case, actor=actor, reason=reason)
    vacancy = Vacancy.objects.select_related("dwelling__department", "controller").get(pk=case.vacancy_id)
    _decide(actor=actor, reason=reason, case=case, vacancy=vacancy, day=day)
    return case


@transaction.atomic
def rejection_withdraw(*, actor, reason: str, case: RejectionCase) -> RejectionCase:
    """Close an open case without a rejection (e.g. the applicant withdrew)."""
    require_reason(reason)
    case = lock_case(actor, case)
    if case.state != RejectionState.OPEN:
        raise ValidationError(_("Only an open case can be closed without a rejection."))
    case.state = RejectionState.NOT_REJECTED
    return audited_save(case, actor=actor, reason=reason)


# --- R37.2 dispensations ----------------------------------------------------------------------


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
    for name, text in considerations.items():
        setattr(dispensation, name, text.strip())
    dispensation.decision_reasoning = decision_reasoning.strip()
    dispensation.state = DispensationState.GRANTED if grant else DispensationState.REFUSED
    dispensation.decided_on = day
    dispensation.decided_by = actor
    verdict = (
        "Kommunen dispenserer fra afvisningen efter bekendtgørelsens § 37, stk. 2."
        if grant
        else "Kommunen dispenserer ikke fra afvisningen efter bekendtgørelsens § 37, stk. 2."
    )
    dispensation.letter = letters.letter_create(
        actor=actor,
        reason=_("Decision on a dispensation (R37.2)"),
        sender=dispensation.kommune.tenant,
        recipient=dispensation.person,
        kind="kommune_decision",
        context={
            "decision_text": f"{verdict} {dispensation.decision_reasoning}",
            # § 37, stk. 2 (almenboligloven § 51 c) is not among the decisions § 24 lists.
            "complaint_guidance": complaint_guidance.guidance_text(
                complaint_guidance.DecisionType.KOMMUNE_DISPENSATION, day
            ),
        },
        idempotency_key=f"dispensation:{dispensation.pk}",
    )
    audited_save(dispensation, actor=actor, reason=reason)
    if grant and dispensation.rejection_id:
        case = RejectionCase.objects.select_for_update().get(pk=dispensation.rejection_id)
        if case.state == RejectionState.DECIDED:
            case.state = RejectionState.DISPENSED
            audited_save(case, actor=actor, reason=reason)
    return dispensation


def dispensation_counts(*, kommune_id: int, start: datetime.date, end: datetime.date) -> tuple[int, int]:
    decided = Dispensation.objects.filter(kommune_id=kommune_id, decided_on__gte=start, decided_on__lte=end)
    return (
        decided.filter(state=DispensationState.GRANTED).count(),
        decided.filter(state=DispensationState.REFUSED).count(),
    )


def dispensation_reports_make(*, today: datetime.date, progress=None) -> int:
    """R37.3, the job: from 1 July, the report of the past year for every kommune with a
    department in a hårdt ghettoområde or a dispensation in that year. Idempotent: one report per
    kommune and year (the database refuses a second)."""
    start, end = rules.dispensation_report_period(today)
    if today < datetime.date(end.year, 7, 1):
        return 0
    kommune_ids = set(
        DepartmentAreaStatus.objects.filter(kind=AreaStatusKind.HARD_GHETTO, valid_from__lte=end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .values_list("department__kommune_id", flat=True)
    ) | set(
        Dispensation.objects.filter(decided_on__gte=start, decided_on__lte=end).values_list(
            "kommune_id", flat=True
        )
    )
    actor = system_user()
    made = 0
    for kommune in Kommune.objects.filter(pk__in=kommune_ids).order_by("name"):
        if DispensationReport.objects.filter(kommune=kommune, period_start=start).exists():
            continue
        granted, refused = dispensation_counts(kommune_id=kommune.pk, start=start, end=end)
        try:
            with transaction.atomic():
                audited_save(
                    DispensationReport(
                        kommune=kommune, period_start=start, period_end=end, granted=granted, refused=refused
                    ),
                    actor=actor,
                    reason=_("R37.3: the yearly report of dispensations (1 July)"),
                )
        except IntegrityError:
            continue  # another run made it
        made += 1
        if progress is not None:
            progress.advance()
    return made


# --- R28.2 ------------------------------------------------------------------------------------


@transaction.atomic
def termination_report_forward(
    *, actor, reason: str, report: TerminationRejectionReport, forwarded_on: datetime.date
) -> TerminationRejectionReport:
    """The kommune records that it forwarded the report to the ministry (R28.2)."""
    require_reason(reason)
    report = TerminationRejectionReport.objects.select_for_update().get(pk=report.pk)
    permissions.require_act_for_kommune(actor, report.kommune_id)
    if report.forwarded_on is not None:
        raise ValidationError(_("The forwarding is already recorded."))
    if forwarded_on < report.reported_on or forwarded_on > timezone.localdate():
        raise ValidationError(
            {"forwarded_on": _("The forwarding date lies between the report date and today.")}
        )
    report.forwarded_on = forwarded_on
    report.forwarded_by = actor
    return audited_save(report, actor=actor, reason=reason)


def termination_reports_send(*, today: datetime.date, progress=None) -> int:
    """R28.2, the daily job: the reports of each past calendar month go to the kommune together,
    as one report per kommune and month (``TerminationRejectionReportBatch``, counts only) that the
    kommune sees on its R28.2 page and forwards to the ministry. Idempotent: the database allows
    one report per kommune and month, and each report row is claimed under a row lock while unsent — a second
    run, or a second worker, finds nothing left. Returns the number of reports to kommuner made."""
    month_start = today.replace(day=1)
    unsent = TerminationRejectionReport.objects.filter(
        batch__isnull=True, rejected_on__lt=month_start
    ).values_list("kommune_id", "rejected_on")
    periods = sorted({(kommune_id, day.replace(day=1)) for kommune_id, day in unsent})
    actor = system_user()
    reason = _("R28.2: the month's reports of rejections under § 28 sent to the kommune")
    made = 0
    for kommune_id, start in periods:
        end = add_calendar_months(start, 1) - datetime.timedelta(days=1)
        with transaction.atomic():
            batch = (
                TerminationRejectionReportBatch.objects.select_for_update()
                .filter(kommune_id=kommune_id, period_start=start)
                .first()
            )
            if batch is None:
                try:
                    with transaction.atomic():
                        batch = audited_save(
                            TerminationRejectionReportBatch(
                                kommune_id=kommune_id,
                                period_start=start,
                                period_end=end,
                                rejections=0,
                                sent_on=today,
                            ),
                            actor=actor,
                            reason=reason,
                        )
                except IntegrityError:
                    continue  # another worker made it and sends the reports
                made += 1
            claimed = TerminationRejectionReport.objects.select_for_update(skip_locked=True).filter(
                kommune_id=kommune_id, batch__isnull=True, rejected_on__gte=start, rejected_on__lte=end
            )
            added = 0
            for report in claimed:
                report.batch = batch
                audited_save(report, actor=actor, reason=reason)
                added += 1
            if added:
                batch.rejections += added
                audited_save(batch, actor=actor, reason=reason)
        if progress is not None:
            progress.advance()
    return made
