"""Signing the lease (R1.10) and what follows from it: the winner leaves the lists with their
seniority (R3.5, R3.10) unless they may keep it (R3.6–R3.7: told in writing at signing, 8 days to
ask), the letting is recorded for the waiting-time estimates (R3.4), and a used boliggarantibevis
ends. The old tenant's move-out may give a boliggarantibevis (R6).

One lease per vacancy is guaranteed twice: the vacancy row is locked while signing, and the
database refuses a second lease for the same vacancy (``Lease.vacancy`` is one-to-one)."""

from __future__ import annotations

import datetime
from typing import Protocol

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing import permissions
from housing.audit import audited_save, require_reason
from housing.models import Person
from letters import services as letters
from letters.formatting import letter_long_date
from waitinglists import rules as list_rules
from waitinglists.models import Entry, KeepRule
from waitinglists.models.seniority import LettingRecord
from waitinglists.services import seniority

from ..models import (
    Answer,
    GuaranteeState,
    HousingGuarantee,
    Lease,
    LettingChannel,
    Offer,
    RoundState,
    Vacancy,
    VacancyStage,
    VacancyState,
)
from .adverts import advert_turn
from .policies import kommune_decision_in_force, policy_in_force
from .stages import vacancy_stage_move
from .vacancies import set_aside_agreement_for
from .youth import youth_standing


def _lock_open_vacancy(vacancy: Vacancy) -> Vacancy:
    vacancy = Vacancy.objects.select_for_update().select_related("dwelling__department").get(pk=vacancy.pk)
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(
            _("The vacancy is no longer open: the dwelling has been let or the vacancy cancelled.")
        )
    return vacancy


def _check_channel(vacancy: Vacancy, person: Person, offer: Offer | None) -> None:
    """Each channel has its own way to the tenant; refuse a lease that skips it."""
    if vacancy.channel == LettingChannel.LIST and offer is None and not vacancy.fallback_rule:
        raise ValidationError(
            _(
                "A dwelling let from the waiting lists goes to the best-ranked applicant who accepted an "
                "offer (§§ 2–11). Sign from the decided offer round, or record first that nobody in the "
                "eligible group could take it (R2.5, R12.3, R14.3, R41)."
            )
        )
    if vacancy.channel == LettingChannel.KOMMUNAL_ANVISNING:
        nomination = getattr(vacancy, "nomination", None)
        if nomination is None or nomination.cpr_hash != person.cpr_hash:
            raise ValidationError(
                _("The kommune names the tenant of this dwelling (R1.4): sign with the person it named.")
            )
    if vacancy.channel == LettingChannel.FLEXIBLE and not vacancy.fallback_rule:
        # § 1, stk. 7 sets aside § 2, stk. 1–2 and §§ 4–10, not § 12: a flexibly let youth dwelling
        # still goes to the eligible group (R12.1, R13) unless R12.3 is recorded.
        standing = youth_standing(vacancy=vacancy, person=person, day=timezone.localdate())
        if standing is not None and not standing.eligible:
            raise ValidationError(
                _(
                    "%(reason)s A youth dwelling let by the agreed criteria (R1.7) still goes to the "
                    "eligible group; record first that the group cannot take it (R12.3)."
                )
                % {"reason": standing.reason}
            )
    if vacancy.channel == LettingChannel.ADVERTISING:
        advert = getattr(vacancy, "advert", None)
        turn = advert_turn(advert) if advert is not None else None
        if turn is None or turn.interest is None or turn.interest.person_id != person.pk:
            raise ValidationError(
                _(
                    "An advertised dwelling is let to the qualified applicant whose turn it is: the only one "
                    "who expressed interest in writing, or the first in the auditor's drawn order (§ 38)."
                )
            )


def _list_effects(*, actor, reason: str, lease: Lease, vacancy: Vacancy, entry: Entry | None) -> list:
    """§ 3, stk. 5 (R3.5; R3.10 for the internal list): the lease ends the tenant's places on the
    landlord's general list (or the shared list it uses) and internal list, whichever channel
    the dwelling came through — the lists, advertising (§ 1, stk. 6), flexible letting (§ 1,
    stk. 7), kommunal anvisning (§ 1, stk. 4) or rehousing (§ 1, stk. 5). Those provisions take
    the *letting of that dwelling* out of §§ 2–11; stk. 5 is about the tenant's place on the list
    and is triggered by "aftale om leje af en bolig" — § 9, stk. 2 would be needless if rehousing
    did not end the internal place. Not for a letting outside the order altogether (§ 1,
    stk. 2–3). Where the place may be kept (R3.6–R3.7) the rights are returned, for the written
    information that goes with the lease. A letting from a list is recorded for the waiting-time
    estimates (R3.4)."""
    if vacancy.channel == LettingChannel.OUT_OF_SCOPE:
        return []
    rights = seniority.lease_signed_leave_lists(
        actor=actor,
        reason=reason,
        person=lease.person,
        organisation=lease.landlord,
        lease_signed_on=lease.signed_on,
        won_entry=entry,
    )
    if entry is not None:
        dwelling = lease.dwelling
        audited_save(
            LettingRecord(
                waiting_list=entry.waiting_list,
                department_id=dwelling.department_id,
                rooms=dwelling.rooms,
                let_on=lease.signed_on,
                winner_seniority_date=entry.seniority_date,
                person_id=entry.person_id,
            ),
            actor=actor,
            reason=reason,
        )
    return rights


def _confirmation_letter(*, actor, lease: Lease, entry: Entry | None, rights: list):
    """The lease confirmation. Where the tenant may keep a place (R3.6–R3.7) it is the written
    information of § 3, stk. 6, 3. pkt., "senest ved lejeaftalens indgåelse": the rights, the 8
    days, the update fee — and that the 8 days move with a later sending. The date it names is
    the deadline if the letter leaves today; the recorded deadline counts from the day it left."""
    keep_rule = ""
    keep_until = ""
    kept_lists = ""
    if rights:
        keep_rule = (
            "bekendtgørelsens § 3, stk. 6"
            if all(right.rule == KeepRule.ANDELS_2010 for right in rights)
            else "bekendtgørelsens § 3, stk. 7 og 6"
        )
        informed = max(lease.signed_on, timezone.localdate())
        keep_until = letter_long_date(
            list_rules.keep_seniority_deadline(lease_signed_on=lease.signed_on, informed_on=informed)
        )
        kept_lists = ", ".join(sorted({right.entry.waiting_list.name for right in rights}))
    letter = letters.letter_create(
        actor=actor,
        reason=_("Lease signed"),
        sender=lease.controller,
        recipient=lease.person,
        kind="lease_confirmation",
        context={
            "dwelling_address": lease.dwelling.address_line,
            "landlord": lease.landlord.name,
            "signed_on": letter_long_date(lease.signed_on),
            "starts_on": letter_long_date(lease.starts_on),
            "keep_seniority_until": keep_until,
            "keep_days": list_rules.KEEP_SENIORITY_DAYS,
            "keep_rule": keep_rule,
            "keep_lists": kept_lists,
            "list_name": entry.waiting_list.name if entry else "",
        },
        idempotency_key=f"lease:{lease.pk}",
    )
    if rights:
        seniority.keep_rights_inform(
            actor=actor,
            reason=_("Written information on keeping the seniority (R3.6)"),
            rights=rights,
            letter=letter,
        )
        lease.seniority_information_letter = letter
        audited_save(lease, actor=actor, reason=_("Written information on keeping the seniority (R3.6)"))
    return letter


class LeaseChecks(Protocol):
    """What must hold before a lease is signed, beyond this app's own checks: the applicant is not
    rejected for the vacancy and R37.1 allows the letting (the rejections app), and the kommune's
    approval is there (the approvals app). ``letting.workflow`` supplies them; this module does not
    know those apps."""

    def before_signing(
        self, *, vacancy: Vacancy, person: Person, offer: Offer | None, day: datetime.date
    ) -> None:
        """Raise ValidationError to refuse. Runs before the lease's transaction; may commit what it
        must keep (the access log of a benefit read) even when it refuses."""

    def while_signing(self, *, vacancy: Vacancy, person: Person, day: datetime.date) -> None:
        """Raise ValidationError to refuse. Runs inside the lease's transaction, under the vacancy lock."""


def lease_sign(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    signed_on: datetime.date,
    starts_on: datetime.date,
    checks: LeaseChecks,
    offer: Offer | None = None,
    basis: str = "",
    sections_6_7_set_aside_until: datetime.date | None = None,
) -> Lease:
    """Make the lease between the applicant and the organisation (R1.10) for an open vacancy. In an
    udslusnings- or inklusionsbolig (R1.8) the lease states until when §§ 6–7 are set aside.

    One transaction: the lease, the end of the old tenancy, the list effects, a used
    boliggarantibevis and the confirmation letter all happen, or — when anything refuses — none
    does; the letter's dispatch is enqueued when the transaction commits. ``checks`` (required, so
    no caller can forget them) are the other apps' conditions, supplied by ``letting.workflow``:
    no lease to an applicant with a decided rejection for this vacancy or one R37.1 forbids, and
    none while the kommune's approval is missing (R42.1, R36.1, R12.1, R12.4, R14.4)."""
    checks.before_signing(vacancy=vacancy, person=person, offer=offer, day=starts_on)
    return _lease_sign(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        signed_on=signed_on,
        starts_on=starts_on,
        checks=checks,
        offer=offer,
        basis=basis,
        sections_6_7_set_aside_until=sections_6_7_set_aside_until,
    )


@transaction.atomic
def _lease_sign(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    signed_on: datetime.date,
    starts_on: datetime.date,
    checks: LeaseChecks,
    offer: Offer | None = None,
    basis: str = "",
    sections_6_7_set_aside_until: datetime.date | None = None,
) -> Lease:
    require_reason(reason)
    vacancy = _lock_open_vacancy(vacancy)
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    errors = {}
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("The lease cannot be signed on a future date.")
    if starts_on < vacancy.move_out_date:
        errors["starts_on"] = _("The tenancy cannot start before the dwelling is vacant (%(day)s).") % {
            "day": date_format(vacancy.move_out_date, "SHORT_DATE_FORMAT")
        }
    if errors:
        raise ValidationError(errors)
    entry = None
    if offer is not None:
        offer = Offer.objects.select_related("round", "entry__waiting_list").get(pk=offer.pk)
        if (
            offer.round.vacancy_id != vacancy.pk
            or offer.round.state != RoundState.DECIDED
            or offer.answer != Answer.ACCEPTED
        ):
            raise ValidationError(_("Only the winner of a decided offer round can sign for this dwelling."))
        entry = offer.entry
        person = entry.person
        basis = basis or _("Offer round %(n)s, rank %(rank)s: %(why)s") % {
            "n": offer.round.number,
            "rank": offer.rank,
            "why": offer.explanation,
        }
    _check_channel(vacancy, person, offer)
    # No lease while the kommune's approval is missing (R42.1, R36.1, R12.1, R12.4, R14.4).
    checks.while_signing(vacancy=vacancy, person=person, day=signed_on)
    # R1.8: §§ 6–7 are set aside by the tenant's and the organisation's agreement in the lease, under
    # an approved udslusnings- or inklusionsbolig agreement; a lease without a period sets nothing aside.
    set_aside_agreement = (
        set_aside_agreement_for(vacancy.dwelling, signed_on) if sections_6_7_set_aside_until else None
    )
    lease = Lease(
        dwelling=vacancy.dwelling,
        landlord_id=vacancy.organisation_id,
        controller_id=vacancy.controller_id,
        person=person,
        household=entry.household if entry else None,
        vacancy=vacancy,
        offer=offer,
        entry=entry,
        basis=(basis or vacancy.get_channel_display())[:300],
        signed_on=signed_on,
        starts_on=starts_on,
        set_aside_agreement=set_aside_agreement,
        sections_6_7_set_aside_until=sections_6_7_set_aside_until,
        signed_by=actor,
    )
    previous = vacancy.previous_lease
    if previous is not None and previous.ends_on is None:
        # The notice fixed the end of the old tenancy: it ends when the dwelling falls vacant.
        previous.ends_on = vacancy.move_out_date
        audited_save(previous, actor=actor, reason=reason)
    try:
        with transaction.atomic():
            audited_save(lease, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("The dwelling already has a lease for this period.")) from exc
    vacancy_stage_move(vacancy, VacancyStage.LET, actor=actor, reason=reason)
    rights = _list_effects(actor=actor, reason=reason, lease=lease, vacancy=vacancy, entry=entry)
    if entry is not None and offer.rule == "R6":
        # The boliggarantibevis is used up by this lease (R6): one history row per guarantee.
        for guarantee in HousingGuarantee.objects.select_for_update().filter(
            person=person, department_id=vacancy.dwelling.department_id, state=GuaranteeState.VALID
        ):
            HousingGuarantee.states.move(guarantee, GuaranteeState.USED, actor=actor, reason=reason)
    _confirmation_letter(actor=actor, lease=lease, entry=entry, rights=rights)
    return lease


@transaction.atomic
def guarantee_issue(
    *,
    actor,
    reason: str,
    lease: Lease,
    moved_out_on: datetime.date,
    relocation_grant: bool = False,
) -> HousingGuarantee:
    """R6.1: on moving out, the organisation may give the departing tenant a boliggarantibevis —
    priority to a vacant dwelling in the department left, for at most 3 years — on its terms
    (R6.2), unless the kommune has switched R6 off (R40) or the tenant received a relocation grant
    (almenboligloven § 63 c)."""
    require_reason(reason)
    lease = Lease.objects.select_for_update().select_related("dwelling__department").get(pk=lease.pk)
    if not permissions.can_write_organisation(actor, lease.landlord_id):
        raise PermissionDenied
    department = lease.dwelling.department
    policy = policy_in_force(organisation_id=lease.landlord_id, day=moved_out_on)
    decision = kommune_decision_in_force(kommune_id=department.kommune_id, day=moved_out_on)
    if policy is None or not policy.issues_housing_guarantees:
        raise ValidationError(_("The organisation has not decided to issue boliggarantibeviser (R6.1)."))
    if decision is not None and decision.housing_guarantees_off:
        raise ValidationError(_("The kommune has decided that boliggarantibeviser do not apply (R40)."))
    allowed = set(policy.housing_guarantee_departments.values_list("pk", flat=True))
    if allowed and department.pk not in allowed:
        raise ValidationError(
            _("The organisation's terms do not give boliggarantibeviser in department %(dept)s (R6.2).")
            % {"dept": department}
        )
    if relocation_grant:
        raise ValidationError(
            _("A tenant who received a relocation grant (almenboligloven § 63 c) cannot get one (R6.2).")
        )
    # R6.2's other exclusion — applicants who "skal afvises efter almenboliglovens § 51 b eller
    # § 51 c" — is not judged here from an old refusal: it is asked when the guarantee is used for a
    # concrete dwelling, on that day's facts (``benefit_rejection.guarantee_usage_check``).
    if lease.ends_on is None or moved_out_on < lease.starts_on:
        raise ValidationError({"moved_out_on": _("Record the end of the tenancy first.")})
    if lease.sets_aside_6_7_on(moved_out_on):
        raise ValidationError(
            _("The lease sets § 6 aside until %(day)s (udslusnings- or inklusionsbolig, R1.8).")
            % {"day": date_format(lease.sections_6_7_set_aside_until, "SHORT_DATE_FORMAT")}
        )
    if HousingGuarantee.objects.filter(lease=lease).exists():
        raise ValidationError(_("A boliggarantibevis has already been issued for this tenancy."))
    guarantee = audited_save(
        HousingGuarantee(
            person=lease.person,
            controller_id=lease.controller_id,
            organisation_id=lease.landlord_id,
            department=department,
            lease=lease,
            moved_out_on=moved_out_on,
            valid_until=moved_out_on + relativedelta(months=policy.housing_guarantee_months),
            issued_by=actor,
        ),
        actor=actor,
        reason=reason,
    )
    letters.letter_create(
        actor=actor,
        reason=_("Boliggarantibevis issued"),
        sender=lease.controller,
        recipient=lease.person,
        kind="housing_guarantee",
        context={
            "dwelling_address": lease.dwelling.address_line,
            "moved_out_on": letter_long_date(moved_out_on),
            "landlord": lease.landlord.name,
            "department": str(department),
            "valid_until": letter_long_date(guarantee.valid_until),
            "terms": policy.housing_guarantee_terms,
        },
        idempotency_key=f"guarantee:{guarantee.pk}",
    )
    return guarantee
