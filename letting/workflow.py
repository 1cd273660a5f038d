"""The letting of a vacancy, from notice to lease — the one module that directs it.

    vacancy_open ──► round_open ──► (answers) ──► round_close ──► winner?
         │                                             │ no: the next round opens, or nobody is left
         │                                             ▼ yes
         │                              approval needed? (§ 42, § 36, § 12, § 14)
         │                                 │ yes: request to the kommune ──► refused ──► next acceptance
         │                                 ▼ no / approved / lapsed (R42.3)
         ├─ advertising (§ 38) ─► lottery_draw ─► advert_let ──┐
         ├─ kommunal anvisning (R1.4) ─► nomination_lease ─────┤
         └─ outside the eligible group (R2.5, R12.3, R14.3, R41) ─► lease_sign_outside
                                                               ▼
                                   lease_sign: not rejected (§§ 26–30), R37.1 allowed,
                                   kommune approval in (R42.1, R36.1, R12.1, R12.4, R14.4)

The steps themselves live in the apps below: ``allocation`` (vacancies, ranking, offer rounds,
adverts and the lottery, nominations, leases), ``rejections`` and ``approvals``. Those apps never
import each other upward; what one of them decided reaches the others as plain data through this
module — ``decisions_for`` hands the rejected entries and the approved persons down to the ranking
and the offer rounds, and ``LetChecks`` hands the rejection and approval conditions to
``lease_sign``. The kommune's refusal of a round's winner arrives as the approvals app's signal
``letting_refused`` (``on_letting_refused``).

The vacancy's stage (``Vacancy.stages``, stored) follows the letting: the allocation's steps move it
through offering, winner chosen and let (or cancelled); this module moves it to awaiting the
kommune when the winner's letting goes to the kommune and to ready when it needs no approval or
has it — and, for what is decided inside the approvals app (a request made there, approved,
lapsed (R42.3), refused, or a refusal overturned (R24)), on its signals ``letting_requested``,
``letting_approved`` and ``letting_refused``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allocation.models import (
    Advert,
    Lease,
    LotteryDraw,
    Nomination,
    Offer,
    OfferRound,
    RoundState,
    Vacancy,
    VacancyStage,
)
from allocation.services import adverts, leases, lottery, nominations, offers, vacancies
from allocation.services import ranking as ranking_service
from allocation.services.offers import LettingDecisions, RoundOutcome
from allocation.services.stages import vacancy_stage_move
from approvals import services as approvals
from approvals.models import ApprovalRequest, ApprovalState
from housing.audit import system_user
from housing.models import Dwelling, Person
from rejections import services as rejections


def decisions_for(vacancy_id: int) -> LettingDecisions:
    """What the rejections and approvals apps decided about this vacancy, as plain data for the
    ranking and the offer rounds (two queries)."""
    return LettingDecisions(
        rejected_entry_ids=frozenset(rejections.rejected_entry_ids(vacancy_id)),
        approved_person_ids=frozenset(approvals.approved_person_ids(vacancy_id)),
    )


# --- Opening and ranking ---------------------------------------------------------------------------


def vacancy_open(
    *,
    actor,
    reason: str,
    dwelling: Dwelling,
    notice_date: datetime.date,
    move_out_date: datetime.date,
    rehousing: bool = False,
) -> Vacancy:
    """Open the vacancy (§ 1 decides its channel). A youth dwelling the kommune decided is let as
    a youth dwelling again (R12.5) says so in its channel reason."""
    reversion = approvals.youth_reversion_in_force(dwelling_id=dwelling.pk, day=timezone.localdate())
    return vacancies.vacancy_open(
        actor=actor,
        reason=reason,
        dwelling=dwelling,
        notice_date=notice_date,
        move_out_date=move_out_date,
        rehousing=rehousing,
        youth_reversion_decided_on=reversion.decided_on if reversion is not None else None,
    )


def skipped_entry_ids(vacancy: Vacancy) -> set[int]:
    """The entries the next offer round passes over: offered the vacancy before, or rejected for it
    (every entry of a rejected person, § 26: "afvise udlejning til en boligsøgende")."""
    return offers.previously_offered(vacancy, decisions_for(vacancy.pk))


def ranking(vacancy: Vacancy, *, day: datetime.date | None = None, limit: int = 50, **options):
    """The vacancy's ranking as the next offer round would see it: those offered it before and those
    rejected for it are left out (§§ 26–30), the kommune's R12.1 approvals shown."""
    decisions = decisions_for(vacancy.pk)
    return ranking_service.vacancy_ranking(
        vacancy,
        day=day,
        limit=limit,
        skip_entry_ids=offers.previously_offered(vacancy, decisions),
        approved_person_ids=decisions.approved_person_ids,
        **options,
    )


def public_ranking(vacancy: Vacancy, *, day: datetime.date | None = None, limit: int = 50, **options):
    """The vacancy's full ranking (everyone on the lists in order, also those offered it before),
    with the kommune's R12.1 approvals shown: the API's answer."""
    return ranking_service.vacancy_ranking(
        vacancy,
        day=day,
        limit=limit,
        approved_person_ids=frozenset(approvals.approved_person_ids(vacancy.pk)),
        **options,
    )


def vacancy_let_outside(*, actor, reason: str, vacancy: Vacancy, rule: str, why: str) -> Vacancy:
    """Record that nobody in the eligible group can take the dwelling (R2.5, R12.3, R14.3, R41)."""
    return vacancies.vacancy_let_outside(
        actor=actor, reason=reason, vacancy=vacancy, rule=rule, why=why, decisions=decisions_for(vacancy.pk)
    )


# --- Offer rounds ----------------------------------------------------------------------------------


def round_open(*, actor, reason: str, vacancy: Vacancy, day: datetime.date | None = None) -> OfferRound:
    """Offer the dwelling to the top N of the ranking not offered it before and not rejected."""
    return offers.round_open(
        actor=actor, reason=reason, vacancy=vacancy, day=day, decisions=decisions_for(vacancy.pk)
    )


def round_outcome(offer_round: OfferRound, *, today: datetime.date | None = None) -> RoundOutcome:
    """Who wins the round now (a rejected candidate neither wins nor holds up others)."""
    return offers.round_outcome(offer_round, today=today, decisions=decisions_for(offer_round.vacancy_id))


# --- The stage after the kommune's part ------------------------------------------------------------

# The stages from which a chosen tenant's letting moves on to the kommune or to the lease: not while
# offers are out, not once the vacancy is let or cancelled.
CHOSEN = frozenset(
    {VacancyStage.OPEN, VacancyStage.WINNER_CHOSEN, VacancyStage.AWAITING_KOMMUNE, VacancyStage.READY}
)


def _stage_after_request(
    *, actor, reason: str, vacancy: Vacancy, request: ApprovalRequest | None, none_needed: bool
) -> None:
    """A chosen tenant's letting waits for the kommune while their request is pending (R42.1,
    R36.1, R12.1, R12.4/R14.4) and is ready for the lease once it is approved or has lapsed (R42.3)
    — or, when ``none_needed`` (the request step asked and found no ground), without one."""
    if request is not None and request.state == ApprovalState.PENDING:
        to = VacancyStage.AWAITING_KOMMUNE
    elif (request is not None and request.allows_letting) or (request is None and none_needed):
        to = VacancyStage.READY
    else:
        return
    vacancy_stage_move(vacancy, to, actor=actor, reason=reason, from_stages=CHOSEN)


def _after_winner(*, actor, reason: str, outcome: RoundOutcome, today: datetime.date) -> None:
    """A letting that needs the kommune's approval (R42.1, R36.1, R12.1) goes to the kommune as
    soon as the winner is known, so the R42.3 deadline runs while the lease is prepared; the
    vacancy waits for the kommune, or is ready for the lease."""
    if outcome.winner is None:
        return
    winner = Offer.objects.select_related("entry__person", "round__vacancy").get(pk=outcome.winner.pk)
    request = approvals.request_if_needed(
        actor=actor,
        reason=reason,
        vacancy=winner.round.vacancy,
        person=winner.entry.person,
        offer=winner,
        day=today,
    )
    _stage_after_request(
        actor=actor, reason=reason, vacancy=winner.round.vacancy, request=request, none_needed=True
    )


@transaction.atomic
def round_close(
    *, actor, reason: str, offer_round: OfferRound, today: datetime.date | None = None
) -> RoundOutcome:
    """Close the round (the best-ranked acceptance wins, or the next round opens) and send a winner
    whose letting needs the kommune's approval to the kommune — one transaction."""
    today = today or timezone.localdate()
    outcome = offers.round_close(
        actor=actor,
        reason=reason,
        offer_round=offer_round,
        today=today,
        decisions=decisions_for(offer_round.vacancy_id),
    )
    _after_winner(actor=actor, reason=reason, outcome=outcome, today=today)
    return outcome


def rounds_expire(*, today: datetime.date, progress=None) -> int:
    """The daily job: close every open round whose answer deadline has passed, each in its own
    transaction, skipping a round another worker holds."""
    actor = system_user()
    closed = 0
    for pk in offers.due_round_ids(today):
        with transaction.atomic():
            offer_round = OfferRound.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if offer_round is None or offer_round.state != RoundState.OPEN:
                continue
            reason = _("The answer deadline has passed")
            outcome = offers.close_locked_round(
                actor=actor,
                reason=reason,
                offer_round=offer_round,
                today=today,
                decisions=decisions_for(offer_round.vacancy_id),
            )
            _after_winner(actor=actor, reason=reason, outcome=outcome, today=today)
            closed += 1
        if progress is not None:
            progress.advance()
    return closed


def on_letting_refused(
    sender, *, request: ApprovalRequest, actor, reason: str, today: datetime.date, **kwargs
) -> None:
    """The kommune refused the letting to a round's winner (connected to
    ``approvals.signals.letting_refused`` in ``letting.apps``; runs inside the refusal's
    transaction): the next acceptance in the round wins and goes to the kommune, with a letter
    saying the dwelling is now to be let to them — or the next round opens. A tenant chosen
    outside a round (the advert's winner, a letting outside the eligible group) refused: the
    vacancy no longer waits for the kommune and is open for another tenant."""
    waiting = {VacancyStage.AWAITING_KOMMUNE}
    if request.offer_id is None:
        vacancy_stage_move(
            request.vacancy, VacancyStage.OPEN, actor=actor, reason=reason, from_stages=waiting
        )
        return
    runner_up = offers.winner_refused(
        actor=actor,
        reason=reason,
        offer=request.offer,
        today=today,
        decisions=decisions_for(request.vacancy_id),
    )
    if runner_up is None:
        # The round was exhausted (the next one opened, or nobody is left), or was no longer decided.
        vacancy_stage_move(
            request.vacancy, VacancyStage.OPEN, actor=actor, reason=reason, from_stages=waiting
        )
        return
    promoted_reason = _("The kommune refused the winner: the next acceptance wins")
    vacancy = runner_up.round.vacancy
    promoted = approvals.request_if_needed(
        actor=actor,
        reason=promoted_reason,
        vacancy=vacancy,
        person=runner_up.entry.person,
        offer=runner_up,
        day=today,
    )
    _stage_after_request(
        actor=actor, reason=promoted_reason, vacancy=vacancy, request=promoted, none_needed=True
    )
    approvals.promoted_letter(actor=actor, offer=runner_up, vacancy=vacancy, request=promoted)


def on_letting_requested(sender, *, request: ApprovalRequest, actor, reason: str, **kwargs) -> None:
    """A letting went to the kommune (connected to ``approvals.signals.letting_requested``; runs in
    the request's transaction) — from this module's steps or the organisation's own request (R12.4,
    R14.4): the vacancy waits for the kommune's decision."""
    vacancy_stage_move(
        request.vacancy,
        VacancyStage.AWAITING_KOMMUNE,
        actor=actor,
        reason=reason,
        from_stages={
            VacancyStage.OPEN,
            VacancyStage.OFFERING,
            VacancyStage.WINNER_CHOSEN,
            VacancyStage.READY,
        },
    )


def on_letting_approved(sender, *, request: ApprovalRequest, actor, reason: str, **kwargs) -> None:
    """The kommune approved the letting, the R42.3 deadline lapsed, or Ankestyrelsen overturned a
    refusal (R24) — connected to ``approvals.signals.letting_approved``, in that transaction: the
    lease may be signed. Not while offers of another round are out (an approval the organisation
    asked for outside the round), nor for a vacancy let or cancelled."""
    vacancy = request.vacancy
    if vacancy.rounds.filter(state=RoundState.OPEN).exists():
        return
    vacancy_stage_move(
        vacancy,
        VacancyStage.READY,
        actor=actor,
        reason=reason,
        from_stages={
            VacancyStage.OPEN,
            VacancyStage.OFFERING,
            VacancyStage.WINNER_CHOSEN,
            VacancyStage.AWAITING_KOMMUNE,
        },
    )


# --- Advertising and the lottery (§ 38) ------------------------------------------------------------


@transaction.atomic
def lottery_draw(*, actor, reason: str, advert: Advert) -> LotteryDraw:
    """The auditor draws the lots (R38.3). The winner is then known: a letting that needs the
    kommune's approval (R42.1, R12.1) goes to the kommune now, as an offer round's winner does —
    unless the kommune has another applicant's request pending, when the winner's is made as the
    lease is prepared (``approval_request_direct``)."""
    draw = lottery.lottery_draw(actor=actor, reason=reason, advert=advert)
    turn = adverts.advert_turn(advert)
    if turn.interest is not None:
        vacancy, winner = advert.vacancy, turn.interest.person
        vacancy_stage_move(
            vacancy, VacancyStage.WINNER_CHOSEN, actor=actor, reason=reason, from_stages={VacancyStage.OPEN}
        )
        if approvals.pending_request_for_another(vacancy=vacancy, person=winner) is None:
            request = approvals.request_if_needed(actor=actor, reason=reason, vacancy=vacancy, person=winner)
            _stage_after_request(
                actor=actor, reason=reason, vacancy=vacancy, request=request, none_needed=True
            )
    return draw


# --- The lease (R1.10) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LetChecks:
    """The rejections' and approvals' conditions of a lease (``leases.LeaseChecks``)."""

    actor: object

    def before_signing(self, *, vacancy: Vacancy, person: Person, offer: Offer | None, day: datetime.date):
        # No lease to an applicant with a decided rejection for this vacancy, and R37.1 (§ 37,
        # almenboligloven § 51 c) is mandatory: in an omdannelsesområde a list applicant whose
        # household receives the listed benefits cannot be let to unless the kommune granted an
        # R37.2 dispensation. Commits the access log of the benefit read on its own.
        rejections.lease_guard(actor=self.actor, vacancy=vacancy, person=person, offer=offer, day=day)

    def while_signing(self, *, vacancy: Vacancy, person: Person, day: datetime.date):
        approvals.lease_check(vacancy=vacancy, person=person, day=day)


def lease_sign(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    signed_on: datetime.date,
    starts_on: datetime.date,
    offer: Offer | None = None,
    basis: str = "",
    sections_6_7_set_aside_until: datetime.date | None = None,
) -> Lease:
    """Sign the lease with the rejections' and approvals' conditions (``LetChecks``)."""
    return leases.lease_sign(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        signed_on=signed_on,
        starts_on=starts_on,
        offer=offer,
        basis=basis,
        sections_6_7_set_aside_until=sections_6_7_set_aside_until,
        checks=LetChecks(actor),
    )


@transaction.atomic
def send_to_kommune(*, actor, reason: str, vacancy: Vacancy, person: Person) -> ApprovalRequest | None:
    """A letting outside an offer round whose tenant is chosen goes to the kommune when it needs
    the approval (R42.1, R12.1, R12.4/R14.4), in its own transaction: the request stands while the
    lease is refused until the kommune approves or the R42.3 deadline lapses. The vacancy waits for
    the kommune (or is ready, when the kommune approved this tenant before)."""
    request = approvals.approval_request_direct(actor=actor, reason=reason, vacancy=vacancy, person=person)
    # No request: none is needed, or it is not this tenant's turn — ``lease_sign`` decides.
    _stage_after_request(actor=actor, reason=reason, vacancy=vacancy, request=request, none_needed=False)
    return request


def lease_sign_outside(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    person: Person,
    signed_on: datetime.date,
    starts_on: datetime.date,
    basis: str = "",
) -> Lease:
    """A letting outside an offer round (outside the eligible group, or the advert's winner): two
    steps, each one transaction — the letting goes to the kommune first when it needs the approval
    (R42.1, R12.1, R12.4/R14.4), and that request stands while the lease is refused until the
    kommune approves or the R42.3 deadline lapses; then the lease."""
    send_to_kommune(actor=actor, reason=reason, vacancy=vacancy, person=person)
    return lease_sign(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        signed_on=signed_on,
        starts_on=starts_on,
        basis=basis or vacancy.fallback_reason or vacancy.get_channel_display(),
    )


def advert_let(
    *, actor, reason: str, advert: Advert, person: Person, signed_on: datetime.date, starts_on: datetime.date
) -> Lease:
    """Let the advertised dwelling to the only qualified applicant, or to the first in the drawn
    order who has not been passed over (R38.3). One transaction: refused while a needed approval
    is missing, leaving nothing behind — the letting is sent to the kommune first, as a step of its
    own (``send_to_kommune``)."""
    basis = adverts.advert_winner_basis(actor=actor, advert=advert, person=person)
    return lease_sign(
        actor=actor,
        reason=reason,
        vacancy=advert.vacancy,
        person=person,
        signed_on=signed_on,
        starts_on=starts_on,
        basis=basis,
    )


@transaction.atomic
def nomination_lease(
    *, actor, reason: str, nomination: Nomination, signed_on: datetime.date, starts_on: datetime.date
) -> Lease:
    """The organisation makes the lease with the person the kommune named (R1.4, R1.10)."""
    vacancy, person, basis = nominations.nominated_tenant(actor=actor, reason=reason, nomination=nomination)
    return lease_sign(
        actor=actor,
        reason=reason,
        vacancy=vacancy,
        person=person,
        signed_on=signed_on,
        starts_on=starts_on,
        basis=basis,
    )
