"""Opening a vacancy: the letting channel with its reason, the kommune's share counted, and the
§ 7 alternation kept per organisation — both counters taken under row locks, so vacancies opened
at the same moment by different caseworkers never share a turn. A vacancy cancelled before it was
let gives its § 7 turn back (``family_turn``)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from housing import permissions
from housing.audit import audited_save, require_reason
from housing.models import Dwelling, DwellingKind

from ..models import (
    AgreementKind,
    Lease,
    LettingAgreement,
    LettingChannel,
    OfferRound,
    RoundState,
    Vacancy,
    VacancyCounter,
    VacancyStage,
    VacancyState,
)
from ..models.agreements import SET_ASIDE_AGREEMENT_KINDS
from ..rules.channels import ChannelFacts, choose_channel, letting_scope
from .adverts import youth_fallback_problem
from .offers import LettingDecisions, previously_offered
from .policies import kommune_decision_in_force
from .ranking import vacancy_ranking
from .stages import vacancy_stage_move


def _count(key: str) -> int:
    """The next number of a counter, under a row lock held until the transaction ends."""
    VacancyCounter.objects.get_or_create(key=key)
    counter = VacancyCounter.objects.select_for_update().get(key=key)
    counter.counted += 1
    counter.save(update_fields=["counted"])
    return counter.counted


def family_turn(organisation_id: int) -> tuple[int, bool, bool]:
    """The number of the next family vacancy let from the lists, whether it is the internal list's
    turn, and whether that turn is one a cancelled vacancy gave back.

    § 7: "Fortrinsretten … anvendes i forhold til hver anden ledige familiebolig i
    boligorganisationen". A vacancy cancelled before it was let (the notice withdrawn) was never a
    dwelling let by either list, so it takes no turn: the turns are counted over the vacancies that
    were not cancelled, and the internal list has the turn when it has had fewer of them than the
    general list. Without cancellations that is exactly every second one (the 2nd, 4th, …); after
    one, the list whose turn was cancelled has one turn more than the plain alternation gives it.
    Taken under the counter's row lock (held until the transaction ends), so two openings never
    count the same turns."""
    number = _count(f"family:{organisation_id}")
    kept = ~Q(state=VacancyState.CANCELLED)
    turns = Vacancy.objects.filter(organisation_id=organisation_id, family_sequence__isnull=False).aggregate(
        internal=Count("pk", filter=Q(internal_turn=True) & kept),
        general=Count("pk", filter=Q(internal_turn=False) & kept),
        internal_all=Count("pk", filter=Q(internal_turn=True)),
        general_all=Count("pk", filter=Q(internal_turn=False)),
    )
    internal_turn = turns["internal"] < turns["general"]
    # Given back: counting the cancelled ones as well would have given the other list the turn.
    given_back = internal_turn != (turns["internal_all"] < turns["general_all"])
    return number, internal_turn, given_back


def agreement_in_force(kind: str, dwelling: Dwelling, day: datetime.date) -> LettingAgreement | None:
    """The agreement of ``kind`` in force for the dwelling: one for its department wins over one
    for all the organisation's departments in the kommune."""
    department = dwelling.department
    agreements = (
        LettingAgreement.objects.filter(
            Q(department=department) | Q(department__isnull=True),
            kind=kind,
            organisation_id=department.organisation_id,
            kommune_id=department.kommune_id,
            valid_from__lte=day,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("department_id", "-valid_from")
    )
    # NULLs sort last on PostgreSQL and first on SQLite: pick the department-specific one explicitly.
    found = list(agreements[:2])
    specific = [a for a in found if a.department_id is not None]
    return (specific or found or [None])[0]


def set_aside_agreement_for(dwelling: Dwelling, day: datetime.date) -> LettingAgreement | None:
    """The approved udslusnings- or inklusionsbolig agreement (§ 1, stk. 8, R1.8) covering the
    dwelling on ``day``: one naming the dwelling wins over one for its department, which wins over
    one for all the organisation's departments in the kommune."""
    department = dwelling.department
    found = list(
        LettingAgreement.objects.filter(
            Q(dwelling=dwelling)
            | Q(dwelling__isnull=True, department=department)
            | Q(department__isnull=True),
            kind__in=SET_ASIDE_AGREEMENT_KINDS,
            organisation_id=department.organisation_id,
            kommune_id=department.kommune_id,
            valid_from__lte=day,
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    )
    found.sort(key=lambda a: (a.dwelling_id is None, a.department_id is None, -a.valid_from.toordinal()))
    return found[0] if found else None


@transaction.atomic
def vacancy_open(
    *,
    actor,
    reason: str,
    dwelling: Dwelling,
    notice_date: datetime.date,
    move_out_date: datetime.date,
    rehousing: bool = False,
    youth_reversion_decided_on: datetime.date | None = None,
) -> Vacancy:
    """Open a vacancy and decide its channel (§ 1), counting the kommune's share (R1.4) and the
    internal list's turn (R7: every second vacant family dwelling let from the lists).
    ``youth_reversion_decided_on``: the day of the kommune's R12.5 decision that this youth
    dwelling is let as a youth dwelling again (read by ``letting.workflow.vacancy_open``)."""
    dwelling = Dwelling.objects.select_related("department").get(pk=dwelling.pk)
    organisation_id = dwelling.department.organisation_id
    if not permissions.can_write_organisation(actor, organisation_id):
        raise PermissionDenied
    require_reason(reason)
    if move_out_date < notice_date:
        raise ValidationError(
            {"move_out_date": _("The dwelling cannot be vacant before the notice is given.")}
        )
    if Vacancy.objects.filter(dwelling=dwelling, state=VacancyState.OPEN).exists():
        raise ValidationError({"dwelling": _("The dwelling already has an open vacancy.")})
    day = timezone.localdate()
    is_family = dwelling.kind == DwellingKind.FAMILY
    share = None
    share_due = False
    decision = kommune_decision_in_force(kommune_id=dwelling.department.kommune_id, day=day)
    let_as_elder = bool(
        is_family
        and dwelling.fitted_elderly_disabled
        and decision is not None
        and decision.priority_dwellings_let_as_elder
    )
    in_scope = letting_scope(
        dwelling_kind=dwelling.kind, owner_kind=dwelling.owner_kind, lease_scope=dwelling.lease_scope
    ).covered
    if is_family and not rehousing and in_scope and not let_as_elder:
        share = agreement_in_force(AgreementKind.KOMMUNE_SHARE, dwelling, day)
        if share is not None:
            share_due = _count(f"share:{share.pk}") % share.every_nth == 0
    advertising = agreement_in_force(AgreementKind.ADVERTISING, dwelling, day)
    flexible = agreement_in_force(AgreementKind.FLEXIBLE, dwelling, day)
    set_aside_agreement = set_aside_agreement_for(dwelling, day)
    choice = choose_channel(
        ChannelFacts(
            dwelling_kind=dwelling.kind,
            lease_scope=dwelling.lease_scope,
            owner_kind=dwelling.owner_kind,
            set_aside_kind=set_aside_agreement.kind if set_aside_agreement else "",
            set_aside_approved_by=set_aside_agreement.approved_by if set_aside_agreement else "",
            rehousing=rehousing,
            kommune_share_due=share_due,
            kommune_share_nth=share.every_nth if share else None,
            advertising_agreement=advertising is not None,
            flexible_agreement=flexible is not None,
            fitted_elderly_disabled=dwelling.fitted_elderly_disabled,
            priority_dwellings_let_as_elder=let_as_elder,
        )
    )
    agreement = {
        LettingChannel.KOMMUNAL_ANVISNING: share,
        LettingChannel.ADVERTISING: advertising,
        LettingChannel.FLEXIBLE: flexible,
    }.get(choice.channel)
    # The tenancy that ends: its notice is the reason the dwelling falls vacant.
    previous_lease = Lease.objects.filter(dwelling=dwelling, ends_on__isnull=True).first()
    vacancy = Vacancy(
        previous_lease=previous_lease,
        dwelling=dwelling,
        organisation_id=organisation_id,
        controller=dwelling.department.organisation.tenant,
        notice_date=notice_date,
        move_out_date=move_out_date,
        channel=choice.channel,
        channel_reason=choice.reason,
        agreement=agreement,
        opened_by=actor,
    )
    if dwelling.kind == DwellingKind.YOUTH and youth_reversion_decided_on is not None:
        # R12.5: the kommune decided that this youth dwelling, let as a family or elder
        # dwelling (R12.4), is let as a youth dwelling again — say so; no letting out of kind is
        # approved for it any more (``approvals.approval_request_create``).
        vacancy.channel_reason = "{} {}".format(
            vacancy.channel_reason,
            _("R12.5: the kommune decided on %(day)s that the dwelling is let as a youth dwelling again.")
            % {"day": youth_reversion_decided_on.strftime("%d.%m.%Y")},
        )[:500]
    if choice.channel == LettingChannel.LIST and is_family:
        # § 7: the internal list's turn is every second vacant family dwelling (the 2nd, 4th, …),
        # not counting vacancies cancelled before they were let.
        number, vacancy.internal_turn, given_back = family_turn(organisation_id)
        vacancy.family_sequence = number
        # Stored in English, the language of the channel rules' reasons, so that one record reads in
        # one language whoever opened the vacancy and whatever the UI language was.
        with translation.override("en"):
            turn = (
                _("the internal list's turn (§ 7)") if vacancy.internal_turn else _("the general list's turn")
            )
            sequence = _("Family vacancy no. %(n)s: %(turn)s.") % {"n": number, "turn": turn}
            if given_back:
                sequence += " " + _("The turn was given back by a vacancy cancelled before it was let.")
        vacancy.channel_reason = f"{choice.reason} {sequence}"[:500]
    try:
        with transaction.atomic():
            audited_save(vacancy, actor=actor, reason=reason)
    except IntegrityError as exc:  # opened by someone else a moment ago
        raise ValidationError({"dwelling": _("The dwelling already has an open vacancy.")}) from exc
    if previous_lease is not None:
        previous_lease.notice_given_on, previous_lease.ends_on = notice_date, move_out_date
        audited_save(previous_lease, actor=actor, reason=reason)
    return vacancy


# Letting outside the eligible group: each rule names when it may be used; on the next vacancy the
# eligible group is tried again (the ranking of every vacancy starts from the lists).
FALLBACK_RULES = {
    "R2.5": "family",
    "R12.3": "youth",
    "R14.3": "elder",
    "R41": None,  # extraordinary letting difficulties: any kind, for non-residential use
}


@transaction.atomic
def vacancy_let_outside(
    *, actor, reason: str, vacancy: Vacancy, rule: str, why: str, decisions: LettingDecisions
) -> Vacancy:
    """Record that the dwelling may be let outside the eligible group (R2.5, R12.3, R14.3, R41).
    R2.5 and R12.3 need the ranking to be empty: nobody left on the lists who can take it."""
    require_reason(reason)
    vacancy = Vacancy.objects.select_for_update().select_related("dwelling").get(pk=vacancy.pk)
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    if rule not in FALLBACK_RULES:
        raise ValidationError({"rule": _("Choose the rule that allows letting outside the eligible group.")})
    kind = FALLBACK_RULES[rule]
    # R5.5: a dwelling the kommune nominates to like an elder dwelling follows R14.3 too.
    let_as_elder = vacancy.channel_reason.startswith("R5.5") and rule == "R14.3"
    if kind is not None and vacancy.dwelling.kind != kind and not let_as_elder:
        raise ValidationError(
            {"rule": _("%(rule)s does not apply to this kind of dwelling.") % {"rule": rule}}
        )
    if not (why or "").strip():
        raise ValidationError({"why": _("Describe why the eligible group cannot take the dwelling.")})
    if vacancy.rounds.filter(state=RoundState.OPEN).exists():
        raise ValidationError(_("Close the open offer round first."))
    if rule == "R12.3" and vacancy.channel == LettingChannel.ADVERTISING:
        # § 12 holds in letting by advertising (§ 1, stk. 6 sets aside §§ 2–11 only): others only
        # when no qualified applicant in the eligible group is left after the deadline.
        problem = youth_fallback_problem(getattr(vacancy, "advert", None))
        if problem:
            raise ValidationError({"rule": problem})
    # § 1, stk. 7 (flexible letting) sets aside § 2, stk. 1–2 and §§ 4–10 only: while the youth
    # lists hold someone in the eligible group who can take the dwelling, R12.3 is not open either.
    ranked_channels = (
        (LettingChannel.LIST, LettingChannel.FLEXIBLE) if rule == "R12.3" else (LettingChannel.LIST,)
    )
    if rule in ("R2.5", "R12.3") and vacancy.channel in ranked_channels:
        result = vacancy_ranking(
            vacancy,
            limit=1,
            skip_entry_ids=previously_offered(vacancy, decisions),
            approved_person_ids=decisions.approved_person_ids,
        )
        ranking = getattr(result, "ranking", result)
        if ranking.placed:
            raise ValidationError(
                _("There are still applicants on the lists who can be offered the dwelling (%(rule)s).")
                % {"rule": rule}
            )
    vacancy.fallback_rule, vacancy.fallback_reason = rule, why.strip()
    # The tenant is not known yet. When one is chosen, ``lease_sign`` sends a letting that
    # needs the kommune's approval (R42.1, R12.1, R12.4/R14.4) to the kommune automatically
    # (``approvals.approval_request_direct``) and waits for the approval.
    return audited_save(vacancy, actor=actor, reason=reason)


@transaction.atomic
def vacancy_cancel(*, actor, reason: str, vacancy: Vacancy) -> Vacancy:
    """Cancel an open vacancy (e.g. the notice was withdrawn); open offer rounds are cancelled.
    An open vacancy was never let: a family vacancy's § 7 turn is given back to its list
    (``family_turn``), and the cancelled one says so in its history."""
    require_reason(reason)
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(_("The vacancy is no longer open."))
    for offer_round in vacancy.rounds.filter(state=RoundState.OPEN):
        OfferRound.states.move(
            offer_round, RoundState.CANCELLED, actor=actor, reason=reason, closed_at=timezone.now()
        )
    if vacancy.previous_lease_id:
        previous = vacancy.previous_lease
        previous.ends_on = previous.notice_given_on = None
        audited_save(previous, actor=actor, reason=reason)
    changes = {}
    if vacancy.family_sequence is not None:
        with translation.override("en"):  # as the channel reason it extends (vacancy_open)
            turn = (
                _("the internal list's turn (§ 7)") if vacancy.internal_turn else _("the general list's turn")
            )
            note = _("Cancelled before it was let: %(turn)s is given back.") % {"turn": turn}
        changes["channel_reason"] = f"{vacancy.channel_reason} {note}"[:500]
    return vacancy_stage_move(vacancy, VacancyStage.CANCELLED, actor=actor, reason=reason, **changes)
