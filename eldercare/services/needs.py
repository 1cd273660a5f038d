"""Needs decisions (*visitation*): recording, changing and reading them.

A kommune officer records that a citizen of the kommune needs an elder dwelling, a plejebolig /
plejehjem place or a botilbud (R14.1, R15.1, R20.2). For a plejebolig need the elder either goes on
the general list with the 2-month guarantee (R15.1) or has chosen a specific dwelling and is told
the guarantee does not apply (R15.2). A changed need replaces the decision at any time; a change
away from plejebolig ends the guarantee only when it came before the elder received an offer (R18).

The assessment (scores and notes) is sensitive: ``need_decision_read`` logs every read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from housing import scoping
from housing import services as housing_services
from housing.audit import audited_save, require_reason
from housing.models import AccessKind, AccessPurpose, Kommune, Person, PersonalDataAccess

from ..models import GuaranteeChoice, GuaranteeEntry, GuaranteeState, NeedDecision, NeedKind, NeedState
from ..rules.ranking import need_score
from . import guarantee
from .officers import require_officer


@dataclass(frozen=True)
class Assessment:
    """§ 20, stk. 2: social, physical, mental and economic conditions, each scored 0–4, and notes."""

    social: int
    physical: int
    mental: int
    economic: int
    notes: str = ""
    far_reaching_disability: bool = False


@dataclass(frozen=True)
class Household:
    """R19.3: a spouse, registered partner or cohabitant moving along (empty relation: nobody)."""

    relation: str = ""
    name: str = ""


def citizen_find_or_register(
    *,
    actor,
    reason: str,
    kommune: Kommune,
    cpr_number: str,
    first_name: str = "",
    last_name: str = "",
    residence: Kommune | None = None,
) -> Person:
    """The citizen in the kommune's own register (its tenant), registered when not there yet.

    ``kommune`` is the registering kommune (the data controller); ``residence`` the citizen's kommune
    of residence when it is another one — an applicant to a specific list or a free-choice applicant
    may live elsewhere (R19, R21.1). A citizen found in the register keeps the record as it is."""
    require_officer(actor, kommune.pk)
    person = housing_services.person_find_by_cpr(actor=actor, cpr_number=cpr_number)
    if person is not None and person.controller_id == kommune.tenant_id:
        return person
    if not (first_name or "").strip() or not (last_name or "").strip():
        raise ValidationError(
            {"first_name": _("The citizen is not registered with the kommune yet: give the name.")}
        )
    return housing_services.person_create(
        actor=actor,
        reason=reason,
        controller=kommune.tenant,
        cpr_number=cpr_number,
        person=Person(
            first_name=first_name.strip(), last_name=last_name.strip(), kommune=residence or kommune
        ),
    )


def _apply(
    decision: NeedDecision,
    *,
    kind: str,
    decided_on,
    assessment: Assessment,
    household: Household,
    guarantee_choice: str,
) -> None:
    decision.kind = kind
    decision.decided_on = decided_on
    decision.social_score = assessment.social
    decision.physical_score = assessment.physical
    decision.mental_score = assessment.mental
    decision.economic_score = assessment.economic
    decision.assessment_notes = (assessment.notes or "").strip()
    decision.far_reaching_disability = bool(assessment.far_reaching_disability)
    decision.partner_relation = household.relation or ""
    decision.partner_name = (household.name or "").strip()
    decision.guarantee_choice = (
        guarantee_choice if kind == NeedKind.NURSING else GuaranteeChoice.NOT_APPLICABLE
    )
    scores = (assessment.social, assessment.physical, assessment.mental, assessment.economic)
    if all(isinstance(s, int) for s in scores):
        decision.need_score = need_score(
            social=assessment.social,
            physical=assessment.physical,
            mental=assessment.mental,
            economic=assessment.economic,
        )


@transaction.atomic
def need_decision_record(
    *,
    actor,
    reason: str,
    kommune: Kommune,
    person: Person,
    kind: str,
    decided_on: datetime.date,
    assessment: Assessment,
    household: Household = Household(),
    guarantee_choice: str = "",
    chosen_dwelling: str = "",
) -> NeedDecision:
    """Record a new needs decision. For a plejebolig need: the general list with the guarantee
    (R15.1), or — when the elder chose a specific dwelling — the letter that the guarantee does not
    apply (R15.2). A citizen has one decision in force; a change goes through ``need_decision_change``."""
    require_reason(reason)
    require_officer(actor, kommune.pk)
    if person.controller_id != kommune.tenant_id:
        raise PermissionDenied
    Person.objects.select_for_update().get(pk=person.pk)  # one decision at a time per citizen
    if NeedDecision.objects.filter(person=person, state=NeedState.IN_FORCE).exists():
        raise ValidationError(
            _("The citizen already has a needs decision in force: change that decision instead.")
        )
    decision = NeedDecision(kommune=kommune, controller_id=kommune.tenant_id, person=person, decided_by=actor)
    _apply(
        decision,
        kind=kind,
        decided_on=decided_on,
        assessment=assessment,
        household=household,
        guarantee_choice=guarantee_choice,
    )
    decision.full_clean()
    if decision.guarantee_choice == GuaranteeChoice.SPECIFIC:
        guarantee.no_guarantee_tell(
            actor=actor, reason=reason, decision=decision, chosen_dwelling=chosen_dwelling
        )
    try:
        with transaction.atomic():
            audited_save(decision, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("The citizen got a needs decision in force a moment ago.")) from exc
    if decision.guarantee_choice == GuaranteeChoice.GENERAL_LIST:
        guarantee.guarantee_admit(actor=actor, reason=reason, decision=decision)
    return decision


@transaction.atomic
def need_decision_change(
    *,
    actor,
    reason: str,
    decision: NeedDecision,
    kind: str,
    decided_on: datetime.date,
    assessment: Assessment,
    household: Household = Household(),
    guarantee_choice: str = "",
    chosen_dwelling: str = "",
    offer_received_on: datetime.date | None = None,
    offer_not_received: bool = False,
) -> NeedDecision:
    """A new decision replaces the one in force (a reassessment or a changed need).

    * Still a plejebolig need on the general list: the entry moves to the new decision and keeps its
      deadline (the 2 months run from the decision that the elder needs a plejebolig, R16.1).
    * A changed need for an elder dwelling or a botilbud is recorded at any time, also while an
      offer awaits the answer. § 18: "inden et tilbud modtages" — only a change dated before the
      elder received an offer under § 16, stk. 1, 1. pkt. ends the guarantee (with a letter; a
      general-list offer not yet received is withdrawn, as its basis, the plejebolig need, is gone).
      A change dated on or after the day the elder received the pending § 16 offer does not end
      the guarantee: the offer stands, the running period keeps its deadlines (the kommune's duty
      for the period was met by that offer), and a refusal starts a new period under § 17 as for
      anybody. ``offer_received_on`` is that day when the officer knows it (otherwise the day the
      offer letter was delivered by Digital Post); ``offer_not_received`` confirms it has not been
      received — one of the two is needed when the receipt is not on record.
    * A plejebolig need now choosing a specific dwelling: R15.2, with a letter (an offer awaiting
      the answer is answered first: that is the elder's own choice, not a changed need).
    """
    require_reason(reason)
    old = NeedDecision.objects.select_for_update().get(pk=decision.pk)
    require_officer(actor, old.kommune_id)
    if old.state != NeedState.IN_FORCE:
        raise ValidationError(_("Only the decision in force can be changed."))
    if decided_on is None:
        raise ValidationError({"decided_on": _("Give the decision date.")})
    if decided_on < old.decided_on:
        raise ValidationError({"decided_on": _("A new decision cannot be dated before the one it replaces.")})
    entry = (
        GuaranteeEntry.objects.select_for_update()
        .filter(need_decision=old, state=GuaranteeState.WAITING)
        .first()
    )
    new = NeedDecision(
        kommune_id=old.kommune_id, controller_id=old.controller_id, person_id=old.person_id, decided_by=actor
    )
    _apply(
        new,
        kind=kind,
        decided_on=decided_on,
        assessment=assessment,
        household=household,
        guarantee_choice=guarantee_choice,
    )
    still_general = kind == NeedKind.NURSING and new.guarantee_choice == GuaranteeChoice.GENERAL_LIST
    guarantee_continues = False
    if entry is not None and not still_general:
        if new.guarantee_choice == GuaranteeChoice.SPECIFIC:
            if guarantee.has_pending_offer(entry):
                raise ValidationError(
                    _(
                        "An offer awaits the elder's answer: record the answer before the elder chooses a "
                        "specific dwelling (R15.2)."
                    )
                )
        else:
            received_on = guarantee.guarantee_offer_received_on(
                actor=actor,
                reason=reason,
                entry=entry,
                given=offer_received_on,
                not_received=offer_not_received,
            )
            # § 18: the guarantee ends only when the need changed "inden et tilbud modtages". A change
            # on the day the offer was received is not shown to have come before it.
            guarantee_continues = received_on is not None and decided_on >= received_on
    old.state = NeedState.CHANGED
    old.ended_on = decided_on
    audited_save(old, actor=actor, reason=reason)
    new.replaces = old
    if new.guarantee_choice == GuaranteeChoice.SPECIFIC:
        if old.guarantee_choice == GuaranteeChoice.SPECIFIC and old.told_no_guarantee_on:
            new.chosen_dwelling = chosen_dwelling or old.chosen_dwelling
            new.told_no_guarantee_on = old.told_no_guarantee_on  # told once already (R15.2)
            new.no_guarantee_letter_id = old.no_guarantee_letter_id
        else:
            guarantee.no_guarantee_tell(
                actor=actor, reason=reason, decision=new, chosen_dwelling=chosen_dwelling
            )
    audited_save(new, actor=actor, reason=reason)
    if entry is not None:
        if new.guarantee_choice == GuaranteeChoice.GENERAL_LIST:
            # The same plejebolig need: the entry keeps its deadline (R16.1 counts from the first decision).
            entry.need_decision = new
            audited_save(entry, actor=actor, reason=reason)
        elif new.guarantee_choice == GuaranteeChoice.SPECIFIC:
            guarantee.guarantee_end(
                actor=actor, reason=reason, entry=entry, state=GuaranteeState.CHOSE_SPECIFIC, day=decided_on
            )
        elif guarantee_continues:
            guarantee.guarantee_keep_after_offer(actor=actor, reason=reason, entry=entry, decision=new)
        else:
            guarantee.guarantee_end_need_changed(actor=actor, reason=reason, entry=entry, decision=new)
    elif new.guarantee_choice == GuaranteeChoice.GENERAL_LIST:
        guarantee.guarantee_admit(actor=actor, reason=reason, decision=new)
    return new


def need_decision_read(*, actor, decision: NeedDecision, purpose_text: str = "") -> NeedDecision:
    """The decision with its assessment, for the officer's case handling: logged first (if logging
    fails, nothing is shown)."""
    scope = scoping.scope_for(actor)
    if decision.kommune_id not in scope.kommune_ids or decision.controller_id not in scope.tenant_ids:
        raise PermissionDenied
    PersonalDataAccess.objects.create(
        person_id=decision.person_id,
        user=actor,
        kind=AccessKind.SENSITIVE_READ,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=(purpose_text or "").strip()[:300],
        detail=(_("Needs assessment (§ 20, stk. 2), decision %(id)s") % {"id": decision.pk})[:200],
    )
    return decision


def assessments_read_log(*, actor, person_ids: list[int], detail: str, purpose_text: str = "") -> int:
    """One access-log row per person whose assessed need was shown (e.g. a candidate list)."""
    rows = [
        PersonalDataAccess(
            person_id=pk,
            user=actor,
            kind=AccessKind.SENSITIVE_READ,
            purpose=AccessPurpose.CASE_HANDLING,
            purpose_text=(purpose_text or "").strip()[:300],
            detail=detail[:200],
        )
        for pk in dict.fromkeys(person_ids)
    ]
    PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)
