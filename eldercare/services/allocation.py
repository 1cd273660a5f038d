"""The kommune's allocation of a vacant elder or nursing dwelling (§ 14, § 20, stk. 2, § 24).

The kommune has the right to nominate (R14.1). For a vacancy the officer sees the candidates — the
general list (nursing dwellings only, with each guarantee deadline) and the facility's specific
list — ranked by assessed need, then waiting time (R20.2, ``eldercare.rules.ranking``); the dwelling's
fit is checked (R19.3 for 2, R14.2 far-reaching disabilities). The officer offers the dwelling with
the reasons; the offer letter carries the appeal guidance (R24). An acceptance gives the allocation
decision letter (R24) and the lease with the owner; a refusal from the general list starts a new
guarantee period from the day it was received (R17).

When the eligible group cannot be found, the dwelling may be let to others (R14.3; an R14.2 dwelling
only to the R14.1 group), or as a family or youth dwelling with the kommune's approval (R14.4; never
a kommune- or institution-owned one, R14.5). R14.6: all of R14.1–R14.3 apply to unsupported private
plejeboliger, R14.4 does not. Each vacancy tries the eligible group anew (R14.3, last sentence).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from housing import scoping
from housing.audit import audited_save, require_reason
from housing.models import Dwelling, OwnerKind
from letters import services as letters
from letters.formatting import letter_amount, letter_long_date

from ..models import (
    ElderLease,
    ElderOffer,
    ElderOfferState,
    ElderVacancy,
    ElderVacancyState,
    FacilityDwelling,
    GuaranteeEntry,
    GuaranteeState,
    NeedDecision,
    NeedState,
    OfferSource,
    OtherLettingBasis,
    SpecificEntryStatus,
    SpecificList,
    SpecificListEntry,
)
from ..rules.ranking import (
    ELDER_HOUSING_KINDS,
    NURSING_DWELLING_KINDS,
    Candidate,
    DwellingFacts,
    Ranked,
    Ranking,
    rank,
)
from . import guarantee as guarantee_services
from .officers import require_officer
from .specific_lists import entry_mark_housed

ANSWER_DAYS = 7  # default answer period offered in the form

DWELLING_KIND_DA = {
    "plejebolig": "plejeboligen",
    "plejehjem": "plejehjemspladsen",
    "elder": "ældreboligen",
    "urban_renewal_elder": "boligen",
}

#: R14.5: the R14.4 approval is not available for elder dwellings owned by a kommune or a
#: self-governing institution; R14.6 extends only R14.1–R14.3 to unsupported private plejeboliger.
NO_OUT_OF_KIND_OWNERS = frozenset({OwnerKind.KOMMUNE, OwnerKind.INSTITUTION, OwnerKind.PRIVATE})


# --- Reading -----------------------------------------------------------------------------------


def vacancies_for(user):
    """Elder vacancies of the kommuner the user is an officer of."""
    scope = scoping.scope_for(user)
    return ElderVacancy.objects.filter(kommune_id__in=scope.kommune_ids, controller_id__in=scope.tenant_ids)


def dwelling_facts(vacancy: ElderVacancy) -> DwellingFacts:
    dwelling = vacancy.dwelling
    return DwellingFacts(
        kind=dwelling.kind,
        suitable_for_two=dwelling.suitable_for_two,
        fitted_far_reaching=dwelling.fitted_far_reaching_disability,
        eligible_not_found=vacancy.eligible_not_found_on is not None,
    )


def _specific_lists_of(dwelling: Dwelling) -> list[int]:
    link = FacilityDwelling.objects.filter(dwelling=dwelling).values_list("facility_id", flat=True).first()
    if link is None:
        return []
    return list(SpecificList.objects.filter(facility_id=link).values_list("pk", flat=True))


def load_candidates(vacancy: ElderVacancy) -> tuple[list[Candidate], list[str]]:
    """Candidates from the general list (nursing dwellings) and the dwelling's specific list, with
    their needs decision in force; persons who refused this vacancy are left out. Also returns notes
    on specific-list applicants without a decision in force (they cannot be ranked by need)."""
    refused = set(
        ElderOffer.objects.filter(vacancy=vacancy, state=ElderOfferState.REFUSED).values_list(
            "person_id", flat=True
        )
    )
    candidates: list[Candidate] = []
    notes: list[str] = []
    if vacancy.dwelling.kind in NURSING_DWELLING_KINDS:
        entries = (
            GuaranteeEntry.objects.filter(kommune_id=vacancy.kommune_id, state=GuaranteeState.WAITING)
            .exclude(person_id__in=refused)
            .select_related("need_decision")
        )
        for entry in entries:
            decision = entry.need_decision
            candidates.append(
                Candidate(
                    key=f"general:{entry.pk}",
                    source=OfferSource.GENERAL,
                    entry_id=entry.pk,
                    person_id=entry.person_id,
                    need_decision_id=decision.pk,
                    need_kind=decision.kind,
                    need_score=decision.need_score,
                    waiting_since=entry.admitted_on,
                    needs_two=decision.needs_two_persons,
                    far_reaching=decision.far_reaching_disability,
                    deadline=entry.deadline,
                    ready_by=entry.ready_by,
                )
            )
    list_ids = _specific_lists_of(vacancy.dwelling)
    if list_ids:
        specific = list(
            SpecificListEntry.objects.filter(specific_list_id__in=list_ids, status=SpecificEntryStatus.ACTIVE)
            .exclude(person_id__in=refused)
            .values_list("pk", "person_id", "joined_on")
        )
        decisions = {
            d.person_id: d
            for d in NeedDecision.objects.filter(
                person_id__in=[p for _pk, p, _j in specific],
                state=NeedState.IN_FORCE,
                kommune_id=vacancy.kommune_id,
            )
        }
        missing = 0
        for pk, person_id, joined_on in specific:
            decision = decisions.get(person_id)
            if decision is None:
                missing += 1
                continue
            candidates.append(
                Candidate(
                    key=f"specific:{pk}",
                    source=OfferSource.SPECIFIC,
                    entry_id=pk,
                    person_id=person_id,
                    need_decision_id=decision.pk,
                    need_kind=decision.kind,
                    need_score=decision.need_score,
                    waiting_since=joined_on,
                    needs_two=decision.needs_two_persons,
                    far_reaching=decision.far_reaching_disability,
                    deadline=None,
                )
            )
        if missing:
            notes.append(
                ngettext(
                    "%(n)s applicant on the specific list has no needs decision in force: not ranked.",
                    "%(n)s applicants on the specific list have no needs decision in force: not ranked.",
                    missing,
                )
                % {"n": missing}
            )
    return candidates, notes


def vacancy_ranking(vacancy: ElderVacancy) -> tuple[Ranking, list[str]]:
    candidates, notes = load_candidates(vacancy)
    return rank(candidates, dwelling_facts(vacancy)), notes


# --- Writing -----------------------------------------------------------------------------------


@transaction.atomic
def vacancy_open(
    *, actor, reason: str, dwelling: Dwelling, vacant_from: datetime.date, ready_on: datetime.date
) -> ElderVacancy:
    """The kommune records a vacant elder or nursing dwelling it nominates to (R14.1, R14.6)."""
    require_reason(reason)
    dwelling = Dwelling.objects.select_related("department__kommune").get(pk=dwelling.pk)
    kommune = dwelling.department.kommune
    require_officer(actor, kommune.pk)
    if dwelling.kind not in ELDER_HOUSING_KINDS:
        raise ValidationError(
            {"dwelling": _("Only elder dwellings, plejeboliger and plejehjem places are let here.")}
        )
    if ready_on is not None and vacant_from is not None and ready_on < vacant_from:
        raise ValidationError({"ready_on": _("The dwelling cannot be ready before it is vacant.")})
    vacancy = ElderVacancy(
        kommune=kommune,
        controller_id=kommune.tenant_id,
        dwelling=dwelling,
        vacant_from=vacant_from,
        ready_on=ready_on,
        opened_by=actor,
    )
    try:
        with transaction.atomic():
            return audited_save(vacancy, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"dwelling": _("The dwelling already has an open vacancy.")}) from exc


def _lock_open(vacancy: ElderVacancy, actor) -> ElderVacancy:
    vacancy = (
        ElderVacancy.objects.select_for_update(of=("self",))
        .select_related("dwelling__department__organisation", "kommune__tenant")
        .get(pk=vacancy.pk)
    )
    require_officer(actor, vacancy.kommune_id)
    if vacancy.state != ElderVacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    return vacancy


def landlord_of(dwelling: Dwelling) -> str:
    if dwelling.owner_kind != OwnerKind.ORGANISATION and dwelling.owner_name:
        return dwelling.owner_name
    return dwelling.department.organisation.name


@transaction.atomic
def offer_make(
    *,
    actor,
    reason: str,
    vacancy: ElderVacancy,
    candidate_key: str,
    answer_by: datetime.date,
    day: datetime.date | None = None,
    offer_not_ready_in_time: bool = False,
) -> ElderOffer:
    """The officer decides, with the reasons, to offer the dwelling to one candidate (R20.2). The
    candidate must fit the dwelling; choosing another than the first ranked is possible (e.g. a
    guarantee deadline, R16) but the reasons must say why. One offer awaits an answer at a time.

    R16.2: for a general-list candidate the dwelling must be ready to move into at the latest 2 weeks
    after the deadline (the candidate's ``ready_by``; that day itself is in time). A dwelling ready
    later is refused unless the officer confirms ``offer_not_ready_in_time``: the offer is then
    recorded as not fulfilling the guarantee (``meets_guarantee=False``) — the running period keeps
    its deadline, a refusal does not restart the 2 months (§ 17 concerns offers under § 16), and an
    acceptance counts as an R16.2 breach."""
    reason = require_reason(reason)
    day = day or timezone.localdate()
    vacancy = _lock_open(vacancy, actor)
    if ElderOffer.objects.filter(vacancy=vacancy, state=ElderOfferState.PENDING).exists():
        raise ValidationError(_("An offer awaits an answer: record the answer first."))
    if answer_by is None or answer_by < day:
        raise ValidationError({"answer_by": _("The answer date cannot be before today.")})
    ranking, _notes = vacancy_ranking(vacancy)
    ranked: Ranked | None = ranking.find(candidate_key)
    if ranked is None:
        raise ValidationError({"candidate": _("Choose one of the candidates listed.")})
    if not ranked.fits:
        raise ValidationError({"candidate": ranked.problems})
    c = ranked.candidate
    meets_guarantee = None
    if c.source == OfferSource.GENERAL:
        meets_guarantee = not c.ready_too_late(vacancy.ready_on)
        if not meets_guarantee and not offer_not_ready_in_time:
            raise ValidationError(
                {
                    "candidate": _(
                        "The dwelling is ready on %(ready_on)s, after %(ready_by)s — the latest day the "
                        "elder's guarantee allows (2 weeks after the deadline, R16.2). The offer would not "
                        "fulfil the guarantee: confirm below to offer it all the same."
                    )
                    % {
                        "ready_on": vacancy.ready_on.strftime("%d.%m.%Y"),
                        "ready_by": c.ready_by.strftime("%d.%m.%Y"),
                    }
                }
            )
    offer = ElderOffer(
        vacancy=vacancy,
        person_id=c.person_id,
        need_decision_id=c.need_decision_id,
        source=c.source,
        guarantee_entry_id=c.entry_id if c.source == OfferSource.GENERAL else None,
        specific_entry_id=c.entry_id if c.source == OfferSource.SPECIFIC else None,
        rank=ranked.rank,
        need_score=c.need_score,
        waiting_since=c.waiting_since,
        decision_reason=reason,
        offered_on=day,
        answer_by=answer_by,
        offered_by=actor,
        meets_guarantee=meets_guarantee,
    )
    try:
        with transaction.atomic():
            audited_save(offer, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("An offer awaits an answer: record the answer first.")) from exc
    if meets_guarantee:
        guarantee_services.guarantee_offer_made(
            actor=actor,
            reason=reason,
            entry=GuaranteeEntry(pk=c.entry_id),
            offered_on=day,
            ready_on=vacancy.ready_on,
        )
    dwelling = vacancy.dwelling
    offer.offer_letter = letters.letter_create(
        actor=actor,
        reason=reason,
        sender=vacancy.kommune.tenant,
        recipient=offer.person,
        kind="elder_offer",
        context={
            "dwelling_kind": DWELLING_KIND_DA.get(dwelling.kind, "boligen"),
            "dwelling_address": dwelling.address_line,
            "rooms": dwelling.rooms,
            "area": f"{dwelling.gross_floor_area:.0f}",
            "rent": letter_amount(dwelling.monthly_rent),
            "ready_on": letter_long_date(vacancy.ready_on),
            "landlord": landlord_of(dwelling),
            "answer_by": letter_long_date(answer_by),
            "reason": reason,
            # The R17 paragraph (a refusal restarts the 2 months) only for an offer under § 16.
            "on_general_list": bool(meets_guarantee),
            "complaint_guidance": guarantee_services.elder_complaint_guidance(),
        },
        idempotency_key=f"elder-offer:{offer.pk}",
    )
    return audited_save(offer, actor=actor, reason=reason)


@transaction.atomic
def offer_refuse(*, actor, reason: str, offer: ElderOffer, received_on: datetime.date) -> ElderOffer:
    """The elder refuses. From the general list: a new 2-month period from ``received_on`` (R17)."""
    require_reason(reason)
    offer = ElderOffer.objects.select_for_update().get(pk=offer.pk)
    _lock_open(offer.vacancy, actor)
    if offer.state != ElderOfferState.PENDING:
        raise ValidationError(_("The offer has been answered already."))
    if received_on is None or received_on < offer.offered_on:
        raise ValidationError({"answered_on": _("The answer cannot be received before the offer was made.")})
    if received_on > timezone.localdate():
        raise ValidationError({"answered_on": _("The day the answer was received cannot be in the future.")})
    offer.state = ElderOfferState.REFUSED
    offer.answered_on = received_on
    audited_save(offer, actor=actor, reason=reason)
    # R16.2/§ 17: refusing a dwelling not ready in time is no refusal of a guarantee offer — the
    # running deadline stands.
    if offer.guarantee_entry_id and offer.meets_guarantee is not False:
        guarantee_services.guarantee_refusal_received(
            actor=actor, reason=reason, entry=offer.guarantee_entry, received_on=received_on
        )
    return offer


def _mark_specific_housed(*, actor, reason: str, entry_id: int, housed_on: datetime.date) -> None:
    """The specific-list entry leaves the list as housed; its ``housed_on`` feeds the waiting-time
    figures of R22.2 and R25.4 (``eldercare.services.specific_lists``)."""
    entry = SpecificListEntry.objects.select_related("specific_list").get(pk=entry_id)
    if entry.status == SpecificEntryStatus.ACTIVE:
        entry_mark_housed(actor=actor, reason=reason, entry=entry, housed_on=housed_on)


@transaction.atomic
def offer_accept(*, actor, reason: str, offer: ElderOffer, received_on: datetime.date) -> ElderOffer:
    """The elder accepts: the kommune's allocation decision (letter with the appeal guidance, R24);
    the elder leaves the general list (guarantee met) or the specific list (housed)."""
    require_reason(reason)
    offer = ElderOffer.objects.select_for_update().get(pk=offer.pk)
    vacancy = _lock_open(offer.vacancy, actor)
    if offer.state != ElderOfferState.PENDING:
        raise ValidationError(_("The offer has been answered already."))
    if received_on is None or received_on < offer.offered_on:
        raise ValidationError({"answered_on": _("The answer cannot be received before the offer was made.")})
    if received_on > timezone.localdate():
        raise ValidationError({"answered_on": _("The day the answer was received cannot be in the future.")})
    dwelling = vacancy.dwelling
    housed_on = max(received_on, vacancy.ready_on)
    offer.state = ElderOfferState.ACCEPTED
    offer.answered_on = received_on
    offer.decision_letter = letters.letter_create(
        actor=actor,
        reason=reason,
        sender=vacancy.kommune.tenant,
        recipient=offer.person,
        kind="elder_allocation_decision",
        context={
            "dwelling_kind": DWELLING_KIND_DA.get(dwelling.kind, "boligen"),
            "dwelling_address": dwelling.address_line,
            "ready_on": letter_long_date(vacancy.ready_on),
            "landlord": landlord_of(dwelling),
            "reason": offer.decision_reason,
            "complaint_guidance": guarantee_services.elder_complaint_guidance(),
        },
        idempotency_key=f"elder-allocation-decision:{offer.pk}",
    )
    audited_save(offer, actor=actor, reason=reason)
    # Everybody else's offers of this vacancy are closed; the person's other list places end.
    person_id = offer.person_id
    if offer.guarantee_entry_id and offer.meets_guarantee is False:
        # Accepting a dwelling not ready in time (R16.2): the period records the offer, so the
        # breach is counted when the elder leaves the list housed.
        guarantee_services.guarantee_offer_made(
            actor=actor,
            reason=reason,
            entry=GuaranteeEntry(pk=offer.guarantee_entry_id),
            offered_on=offer.offered_on,
            ready_on=vacancy.ready_on,
        )
    for entry in GuaranteeEntry.objects.filter(person_id=person_id, state=GuaranteeState.WAITING):
        guarantee_services.guarantee_end(
            actor=actor, reason=reason, entry=entry, state=GuaranteeState.HOUSED, day=housed_on
        )
    if offer.specific_entry_id:
        _mark_specific_housed(
            actor=actor, reason=reason, entry_id=offer.specific_entry_id, housed_on=housed_on
        )
    # The decision the offer was made on — or, when the need changed after the offer was received
    # (R18: the offer stood), the decision that replaced it: the elder is housed either way.
    decision = (
        NeedDecision.objects.select_for_update()
        .filter(person_id=person_id, kommune_id=vacancy.kommune_id, state=NeedState.IN_FORCE)
        .first()
    )
    if decision is not None and (
        decision.pk == offer.need_decision_id or offer.guarantee_entry_id is not None
    ):
        decision.state = NeedState.HOUSED
        decision.ended_on = max(housed_on, decision.decided_on)
        audited_save(decision, actor=actor, reason=reason)
    return offer


@transaction.atomic
def lease_record(
    *, actor, reason: str, offer: ElderOffer, signed_on: datetime.date, starts_on: datetime.date
) -> ElderLease:
    """The owner has made the lease with the person the kommune nominated: record it and the
    tenancy start; the vacancy is let."""
    require_reason(reason)
    offer = ElderOffer.objects.select_for_update().get(pk=offer.pk)
    vacancy = _lock_open(offer.vacancy, actor)
    if offer.state != ElderOfferState.ACCEPTED:
        raise ValidationError(_("The lease is made with the person who accepted the offer."))
    errors = {}
    if signed_on is None:
        errors["signed_on"] = _("Give the date the lease was signed.")
    if starts_on is None:
        errors["starts_on"] = _("Give the date the tenancy starts.")
    elif signed_on is not None and starts_on < signed_on:
        errors["starts_on"] = _("The tenancy cannot start before the lease is signed.")
    if errors:
        raise ValidationError(errors)
    lease = ElderLease(
        vacancy=vacancy,
        offer=offer,
        person_id=offer.person_id,
        landlord=landlord_of(vacancy.dwelling),
        signed_on=signed_on,
        starts_on=starts_on,
        recorded_by=actor,
    )
    audited_save(lease, actor=actor, reason=reason)
    vacancy.state = ElderVacancyState.LET
    vacancy.closed_on = signed_on
    audited_save(vacancy, actor=actor, reason=reason)
    return lease


@transaction.atomic
def vacancy_eligible_not_found(*, actor, reason: str, vacancy: ElderVacancy, note: str) -> ElderVacancy:
    """R14.3: nobody of the eligible group can be found for this vacancy. For a dwelling fitted for
    far-reaching disabilities (R14.2) this widens the candidates to the whole R14.1 group only."""
    reason = require_reason(reason)
    vacancy = _lock_open(vacancy, actor)
    if vacancy.eligible_not_found_on is not None:
        raise ValidationError(_("It is recorded already that the eligible group could not be found."))
    ranking, _notes = vacancy_ranking(vacancy)
    if ranking.placed:
        raise ValidationError(
            _("There are eligible candidates for the dwelling: it cannot be let to others (R14.3).")
        )
    if not (note or "").strip():
        raise ValidationError({"note": _("Describe how the eligible group was sought.")})
    vacancy.eligible_not_found_on = timezone.localdate()
    vacancy.eligible_not_found_note = note.strip()[:300]
    return audited_save(vacancy, actor=actor, reason=reason)


@transaction.atomic
def vacancy_let_to_others(
    *,
    actor,
    reason: str,
    vacancy: ElderVacancy,
    basis: str,
    note: str = "",
    approved_on: datetime.date | None = None,
    approval_ref: str = "",
) -> ElderVacancy:
    """Let the dwelling outside the eligible group, on ordinary terms (R14.3), or as a family or
    youth dwelling with the kommune's approval (R14.4). Refused while an eligible candidate fits,
    and for R14.2 dwellings (only to the R14.1 group); R14.4 never for kommune- or institution-owned
    dwellings (R14.5) nor private plejeboliger (R14.6 covers R14.1–R14.3 only)."""
    reason = require_reason(reason)
    vacancy = _lock_open(vacancy, actor)
    dwelling = vacancy.dwelling
    if basis not in (OtherLettingBasis.OTHERS, OtherLettingBasis.FAMILY, OtherLettingBasis.YOUTH):
        raise ValidationError({"basis": _("Choose the basis for letting outside the eligible group.")})
    if ElderOffer.objects.filter(
        vacancy=vacancy, state__in=[ElderOfferState.PENDING, ElderOfferState.ACCEPTED]
    ).exists():
        raise ValidationError(_("An offer to an eligible candidate is pending or accepted."))
    if dwelling.fitted_far_reaching_disability:
        raise ValidationError(
            {
                "basis": _(
                    "A dwelling fitted for far-reaching disabilities can only be let to elderly and "
                    "disabled persons (R14.3): record that the group could not be found, and allocate to "
                    "the R14.1 group."
                )
            }
        )
    ranking, _notes = vacancy_ranking(vacancy)
    if ranking.placed:
        raise ValidationError(
            _("There are eligible candidates for the dwelling: it cannot be let to others (R14.3).")
        )
    errors = {}
    if basis in (OtherLettingBasis.FAMILY, OtherLettingBasis.YOUTH):
        if dwelling.owner_kind in NO_OUT_OF_KIND_OWNERS:
            errors["basis"] = _(
                "Elder dwellings owned by a kommune or a self-governing institution, and private "
                "plejeboliger, cannot be let as family or youth dwellings (R14.5, R14.6)."
            )
        if approved_on is None:
            errors["approved_on"] = _(
                "Letting as a family or youth dwelling needs the kommune's approval (R14.4)."
            )
    elif not (note or "").strip():
        errors["note"] = _("Describe how the eligible group was sought.")
    if errors:
        raise ValidationError(errors)
    vacancy.state = ElderVacancyState.LET_TO_OTHERS
    vacancy.other_letting_basis = basis
    vacancy.other_letting_approved_on = approved_on
    vacancy.other_letting_approval_ref = (approval_ref or "").strip()[:200]
    if vacancy.eligible_not_found_on is None:
        vacancy.eligible_not_found_on = timezone.localdate()
        vacancy.eligible_not_found_note = (note or "").strip()[:300]
    vacancy.closed_on = timezone.localdate()
    return audited_save(vacancy, actor=actor, reason=reason)


def require_vacancy_visible(user, vacancy: ElderVacancy) -> None:
    if not vacancies_for(user).filter(pk=vacancy.pk).exists():
        raise PermissionDenied


def elder_dwellings_for(user):
    """Elder dwellings in the officer's kommuner (for opening a vacancy)."""
    scope = scoping.scope_for(user)
    return (
        Dwelling.objects.filter(
            department__kommune_id__in=scope.kommune_ids, kind__in=sorted(ELDER_HOUSING_KINDS)
        )
        .select_related("department")
        .order_by("department__name", "address_line")
    )
