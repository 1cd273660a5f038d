"""Rejection cases: opened by a caseworker against one candidate for one vacancy on one legal ground
(bekendtgørelsens §§ 26–30, § 37); the facts are checked by ``rejections.rules``
and a rejection the law does not allow is refused with the reason. A decided rejection gets a
decision letter with complaint guidance (R11; ``rejections.letters``), a § 28 rejection its R28.2
report to the kommune (sent on by ``rejections.reports``).

R37.1 is mandatory and also guards ``lease_sign``: see ``lease_guard``. The kommune may
dispense (R37.2, ``rejections.dispensations``) and reports the dispensations each 1 July (R37.3,
``rejections.reports``). Complaints (R11 beboerklagenævn, R24 Ankestyrelsen) are recorded with their
outcome (``complaints``); an overturned rejection gives the candidate the place back.

The case's state changes only through its machine (``RejectionCase.states``).

Sensitive reads — debt (R27), criminal records (R29), benefits (R37) — are written to the access
log (``housing.benefits`` logs the benefit reads itself)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allocation.models import LettingChannel, Vacancy, VacancyState
from allocation.selectors import area_status_on, household_size, housing_area_on
from allocation.services.benefit_rejection import benefit_rejection
from housing import permissions
from housing.audit import audited_save, require_reason
from housing.models import AccessKind, AccessPurpose, AreaStatusKind, Department, Person, PersonalDataAccess
from rejections import letters as rejection_letters
from rejections import rules
from rejections.models import (
    Dispensation,
    DispensationState,
    RejectionCase,
    RejectionGround,
    RejectionSettings,
    RejectionState,
    TerminationRejectionReport,
)
from waitinglists.models import Entry

DEFAULT_DEBT_THRESHOLD = Decimal("1000.00")


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
    and any other list the person stands on. The cases first (usually none: one query), then
    their persons' entries by index — as one OR of two subqueries PostgreSQL read every entry."""
    cases = list(
        RejectionCase.objects.filter(vacancy_id=vacancy_id, state=RejectionState.DECIDED).values_list(
            "person_id", "entry_id"
        )
    )
    if not cases:
        return set()
    person_ids = {person_id for person_id, _entry in cases}
    named = {entry_id for _person, entry_id in cases if entry_id is not None}
    return named | set(Entry.objects.filter(person_id__in=person_ids).values_list("pk", flat=True))


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
        rejection_letters.certificate_request_letter(actor=actor, case=case, vacancy=vacancy)
    return case


def _decide(
    *, actor, reason: str, case: RejectionCase, vacancy: Vacancy, day: datetime.date, **changes
) -> None:
    """The rejection is decided: the letter first, so the decision and its letter are one save and
    one history row (with ``changes``, the facts recorded with the decision); a § 28 rejection is
    reported to the kommune (R28.2)."""
    letter = rejection_letters.decision_letter(actor=actor, case=case, vacancy=vacancy, day=day)
    RejectionCase.states.move(
        case,
        RejectionState.DECIDED,
        actor=actor,
        reason=reason,
        decided_on=day,
        decided_by=actor,
        letter=letter,
        **changes,
    )
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
    assessed = {
        "certificates_received_on": received_on,
        "record_relevant": relevant,
        "record_assessment": assessment.strip(),
    }
    if not relevant:
        return RejectionCase.states.move(
            case, RejectionState.NOT_REJECTED, actor=actor, reason=reason, **assessed
        )
    vacancy = Vacancy.objects.select_related("dwelling__department", "controller").get(pk=case.vacancy_id)
    _decide(actor=actor, reason=reason, case=case, vacancy=vacancy, day=day, **assessed)
    return case


@transaction.atomic
def rejection_withdraw(*, actor, reason: str, case: RejectionCase) -> RejectionCase:
    """Close an open case without a rejection (e.g. the applicant withdrew)."""
    require_reason(reason)
    case = lock_case(actor, case)
    if case.state != RejectionState.OPEN:
        raise ValidationError(_("Only an open case can be closed without a rejection."))
    return RejectionCase.states.move(case, RejectionState.NOT_REJECTED, actor=actor, reason=reason)
