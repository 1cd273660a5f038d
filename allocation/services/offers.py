"""Offer rounds: the dwelling is offered at once to the top N of the ranking (N and the answer
time are the organisation's settings), the caseworker records each answer, and among those who
accept the best-ranked wins. Nobody better-ranked may still be waiting: the round is decided when
every better-ranked offer has been answered or the deadline has passed. An unanswered offer counts
against the entry; past the organisation's limit the entry goes passive (*i bero*).

Concurrency: the vacancy row is locked while a round opens and the round row while answers are
recorded or the round is decided; the database allows one open round per vacancy and one lease
per vacancy.

What other apps decided about the vacancy reaches this module as plain data, a ``LettingDecisions``
(who is rejected for it, whose letting the kommune approved): ``letting.workflow`` reads it from the
rejections and approvals apps and hands it down, so nothing here imports them. What follows a
decided round — the kommune's approval of the winner — is the workflow's step, not this module's."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from housing import permissions
from housing.audit import audited_save, require_reason, system_user
from letters import complaint_guidance
from letters import services as letters
from letters.formatting import letter_amount, letter_long_date
from waitinglists.models import Entry, EntryStatus

from ..models import (
    Answer,
    LettingChannel,
    Offer,
    OfferRound,
    RoundState,
    Vacancy,
    VacancyStage,
    VacancyState,
)
from .benefit_rejection import guarantee_usage_check
from .policies import kommune_decision_in_force, offer_terms
from .ranking import vacancy_ranking
from .stages import vacancy_stage_move


@dataclass(frozen=True)
class LettingDecisions:
    """The decisions of the rejections and approvals apps that the letting of one vacancy obeys,
    read by ``letting.workflow.decisions_for``: entries with a decided rejection for the vacancy
    (§§ 26–30, § 37 — they are neither offered it nor win it; an overturned rejection is no longer
    decided) and persons whose letting of it the kommune approved (shown by the ranking for a
    startbolig, R12.1)."""

    rejected_entry_ids: frozenset[int] = field(default_factory=frozenset)
    approved_person_ids: frozenset[int] = field(default_factory=frozenset)


NO_DECISIONS = LettingDecisions()


def _require_write(actor, vacancy: Vacancy) -> None:
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied


def previously_offered(vacancy: Vacancy, decisions: LettingDecisions = NO_DECISIONS) -> set[int]:
    """Entries offered this vacancy in earlier rounds: the next round goes further down the list.
    Entries with a decided rejection for the vacancy (§§ 26–30, § 37) are skipped too; an
    overturned rejection is no longer decided, so the candidate's place comes back."""
    offered = set(Offer.objects.filter(round__vacancy=vacancy).values_list("entry_id", flat=True))
    return offered | decisions.rejected_entry_ids


def allocation_decision_type(vacancy: Vacancy, day: datetime.date) -> str:
    """The complaint route of the organisation's decisions on this letting (R11): beboerklagenævnet
    for a family dwelling, unless the kommune approves each letting of family dwellings (§ 42,
    stk. 1, almenboligloven § 61); none named for youth and elder dwellings."""
    decision = kommune_decision_in_force(kommune_id=vacancy.dwelling.department.kommune_id, day=day)
    return complaint_guidance.allocation_decision_type(
        dwelling_kind=vacancy.dwelling.kind,
        approval_scheme=decision is not None and decision.approves_each_letting,
    )


def complaint_guidance_for(vacancy: Vacancy, day: datetime.date) -> str:
    """The complaint guidance (R11) of the organisation's decisions on this letting."""
    return complaint_guidance.guidance_text(allocation_decision_type(vacancy, day), day)


def _offer_letter(*, actor, offer: Offer, vacancy: Vacancy, terms, guidance: str):
    dwelling = vacancy.dwelling
    return letters.letter_create(
        actor=actor,
        reason=_("Offer of a dwelling"),
        sender=vacancy.controller,
        recipient=offer.entry.person,
        kind="offer",
        context={
            "dwelling_address": dwelling.address_line,
            "rooms": dwelling.rooms,
            "area": f"{dwelling.gross_floor_area:.0f}" if dwelling.gross_floor_area is not None else "—",
            "rent": letter_amount(dwelling.monthly_rent),
            "vacant_from": letter_long_date(vacancy.move_out_date),
            "rank": offer.rank,
            "basis": offer.rule,
            "answer_deadline": letter_long_date(offer.round.answer_deadline),
            "passive_after": terms.passive_after_unanswered,
            "complaint_guidance": guidance,
        },
        idempotency_key=f"offer:{offer.pk}",
    )


@transaction.atomic
def round_open(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    decisions: LettingDecisions,
    day: datetime.date | None = None,
) -> OfferRound:
    """Offer the dwelling to the top N of the ranking not offered it before."""
    require_reason(reason)
    day = day or timezone.localdate()
    vacancy = Vacancy.objects.select_for_update().select_related("dwelling__department").get(pk=vacancy.pk)
    _require_write(actor, vacancy)
    refusal = round_refusal(vacancy)
    if refusal:
        raise ValidationError(refusal)
    offer_round, nobody = open_round_if_anyone(
        actor=actor, reason=reason, vacancy=vacancy, day=day, decisions=decisions
    )
    if offer_round is None:
        raise ValidationError(nobody)
    return offer_round


def _ranking_with_guarantees_judged(
    *, actor, reason: str, vacancy: Vacancy, day: datetime.date, size: int, decisions: LettingDecisions
):
    """The ranking for the round, with R6.2 asked for every boliggarantibevis about to be used.

    "Fortrinsretten kan ikke gælde … for boligsøgende, der skal afvises efter almenboliglovens § 51 b
    eller § 51 c" (§ 6, stk. 2): a holder placed by R6 among those to be offered is tested for this
    dwelling on this day (``benefit_rejection``). A holder who must be rejected loses the R6 place
    for this vacancy only — recorded, so the ranking and its explanation say so — and the ranking
    is read again; each holder is asked once, so this ends."""
    asked: set[int] = set()
    while True:
        result = vacancy_ranking(
            vacancy,
            day=day,
            limit=size,
            skip_entry_ids=previously_offered(vacancy, decisions),
            approved_person_ids=decisions.approved_person_ids,
        )
        ranking = getattr(result, "ranking", result)
        holders = [p for p in ranking.placed[:size] if p.rule == "R6" and p.candidate.entry_id not in asked]
        if not holders:
            return ranking
        set_aside = False
        for placed in holders:
            asked.add(placed.candidate.entry_id)
            person = Entry.objects.select_related("person").get(pk=placed.candidate.entry_id).person
            if guarantee_usage_check(actor=actor, reason=reason, vacancy=vacancy, person=person, day=day):
                set_aside = True
        if not set_aside:
            return ranking


def round_refusal(vacancy: Vacancy) -> str:
    """Why no offer round can be opened on this vacancy now ("" when one can): its state and channel
    and its rounds — not whether anybody on the lists can be offered it."""
    if vacancy.state != VacancyState.OPEN:
        return _("The vacancy is no longer open.")
    if vacancy.channel != LettingChannel.LIST:
        return _("Only dwellings let from the waiting lists are offered in rounds.")
    if vacancy.rounds.filter(state=RoundState.OPEN).exists():
        return _("An offer round is already open for this vacancy.")
    if vacancy.rounds.filter(state=RoundState.DECIDED).exists():
        return _("The vacancy already has a winner; sign the lease.")
    return ""


def open_round_if_anyone(
    *, actor, reason: str, vacancy: Vacancy, day: datetime.date, decisions: LettingDecisions
) -> tuple[OfferRound | None, str]:
    """Open the next round on a locked vacancy that can have one (``round_refusal`` is empty), or
    return (None, why) when nobody on the lists can be offered the dwelling (then the vacancy page
    shows the R2.5 / R12.3 fallback)."""
    terms = offer_terms(organisation_id=vacancy.organisation_id, day=day)
    ranking = _ranking_with_guarantees_judged(
        actor=actor, reason=reason, vacancy=vacancy, day=day, size=terms.offer_round_size, decisions=decisions
    )
    if not ranking.placed:
        return None, " ".join(ranking.notes) or _("Nobody on the lists can be offered the dwelling.")
    number = (vacancy.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    offer_round = OfferRound(
        vacancy=vacancy,
        number=number,
        turn=ranking.turn,
        answer_deadline=day + datetime.timedelta(days=terms.answer_days),
        opened_by=actor,
    )
    try:
        with transaction.atomic():
            audited_save(offer_round, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("An offer round is already open for this vacancy.")) from exc
    # Offers are out. A vacancy that waits for the kommune's decision on a tenant chosen outside the
    # lists (R2.5, R12.3) while a round opens stays where it is until the kommune has decided.
    vacancy_stage_move(
        vacancy, VacancyStage.OFFERING, actor=actor, reason=reason, from_stages={VacancyStage.OPEN}
    )
    guidance = complaint_guidance_for(vacancy, day)
    for placed in ranking.placed[: terms.offer_round_size]:
        offer = audited_save(
            Offer(
                round=offer_round,
                entry_id=placed.candidate.entry_id,
                rank=placed.rank,
                rule=placed.rule,
                explanation=placed.explanation[:500],
            ),
            actor=actor,
            reason=reason,
        )
        offer.letter = _offer_letter(
            actor=actor, offer=offer, vacancy=vacancy, terms=terms, guidance=guidance
        )
        audited_save(offer, actor=actor, reason=reason, validate=False)
    return offer_round, ""


@transaction.atomic
def offer_answer(
    *, actor, reason: str, offer: Offer, answer: str, answered_on: datetime.date | None = None
) -> Offer:
    """Record the applicant's answer (accept or decline) while the round is open.

    The answer already recorded is not recorded again (a repeated or concurrent submit): the offer
    is returned unchanged and no history row is written. A different answer corrects it."""
    require_reason(reason)
    if answer not in (Answer.ACCEPTED, Answer.DECLINED):
        raise ValidationError({"answer": _("Choose accepted or declined.")})
    offer_round = OfferRound.objects.select_for_update().select_related("vacancy").get(pk=offer.round_id)
    _require_write(actor, offer_round.vacancy)
    if offer_round.state != RoundState.OPEN:
        raise ValidationError(_("The offer round is closed; answers can no longer be recorded."))
    # The round's row lock above serialises concurrent answers; the offer is read after it.
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.answer == answer:
        return offer
    answered_on = answered_on or timezone.localdate()
    if answered_on > timezone.localdate():
        raise ValidationError({"answered_on": _("The answer date cannot be in the future.")})
    return Offer.answers.move(
        offer, answer, actor=actor, reason=reason, answered_on=answered_on, answered_by=actor
    )


@dataclass(frozen=True)
class AnswerLine:
    """One applicant's answer in a batch (``answers_record``): ``answer`` is accepted or declined;
    ``answered_on`` defaults to today."""

    offer_id: int
    answer: str
    answered_on: datetime.date | None = None


@transaction.atomic
def answers_record(*, actor, reason: str, offer_round: OfferRound, lines: list[AnswerLine]) -> list[Offer]:
    """Record the answers of several applicants of one open round at once, with one reason: each
    through ``offer_answer`` (its own history row with ``actor`` and ``reason``; an answer already
    recorded is not recorded again, so a repeated or concurrent submit has one effect).

    All or nothing: every line is checked under the round's row lock before any is saved; the
    errors are raised together, keyed ``answer_<offer id>`` / ``answered_on_<offer id>`` so the page
    can show each next to its row. Returns the offers whose answer changed."""
    reason = require_reason(reason)
    offer_round = OfferRound.objects.select_for_update().select_related("vacancy").get(pk=offer_round.pk)
    _require_write(actor, offer_round.vacancy)
    if offer_round.state != RoundState.OPEN:
        raise ValidationError(_("The offer round is closed; answers can no longer be recorded."))
    current = {o.pk: o for o in offer_round.offers.select_for_update().order_by("pk")}
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    for line in lines:
        offer = current.get(line.offer_id)
        if offer is None:
            errors.setdefault(NON_FIELD_ERRORS, []).append(_("An offer is not part of this round."))
        elif line.answer not in (Answer.ACCEPTED, Answer.DECLINED):
            errors[f"answer_{offer.pk}"] = [_("Choose accepted or declined.")]
        elif offer.answer not in (Answer.PENDING, Answer.ACCEPTED, Answer.DECLINED):
            errors[f"answer_{offer.pk}"] = [
                _("This offer is %(state)s; its answer cannot be changed.")
                % {"state": offer.get_answer_display()}
            ]
        elif line.answered_on is not None and line.answered_on > today:
            errors[f"answered_on_{offer.pk}"] = [_("The answer date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    changed = []
    for line in lines:
        offer = current[line.offer_id]
        if offer.answer == line.answer:
            continue  # already recorded (a repeated submit): no second history row
        changed.append(
            offer_answer(
                actor=actor, reason=reason, offer=offer, answer=line.answer, answered_on=line.answered_on
            )
        )
    return changed


@dataclass(frozen=True)
class RoundOutcome:
    round: OfferRound
    winner: Offer | None
    waiting_for: list[Offer]


def round_outcome(
    offer_round: OfferRound,
    *,
    decisions: LettingDecisions = NO_DECISIONS,
    today: datetime.date | None = None,
) -> RoundOutcome:
    """Who wins now: the best-ranked acceptance with nobody better-ranked still able to answer."""
    today = today or timezone.localdate()
    offers = list(offer_round.offers.order_by("rank"))
    past_deadline = today > offer_round.answer_deadline
    waiting: list[Offer] = []
    rejected = decisions.rejected_entry_ids
    for offer in offers:
        if offer.entry_id in rejected:
            continue  # a decided rejection for this vacancy: the candidate neither wins nor holds up others
        if offer.answer == Answer.ACCEPTED:
            return RoundOutcome(offer_round, None if waiting else offer, waiting)
        if offer.answer == Answer.PENDING and not past_deadline:
            waiting.append(offer)
    return RoundOutcome(offer_round, None, waiting)


def _count_unanswered(*, entry_id: int, terms) -> None:
    """Past the organisation's number of unanswered offers, the entry goes passive."""
    unanswered = Offer.objects.filter(entry_id=entry_id, answer=Answer.NO_ANSWER).count()
    if unanswered < terms.passive_after_unanswered:
        return
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    if entry.status != EntryStatus.ACTIVE:
        return
    with override("da"):
        entry.status_note = _("%(n)s unanswered offers") % {"n": unanswered}
    entry.status = EntryStatus.PASSIVE
    # The consequence of the organisation's rule, recorded as the system's act (also when a
    # caseworker closes the round): the entry keeps its seniority but gets no offers (i bero).
    audited_save(
        entry,
        actor=system_user(),
        reason=_("Unanswered offers: %(n)s (the organisation's limit is %(limit)s)")
        % {"n": unanswered, "limit": terms.passive_after_unanswered},
    )


@transaction.atomic
def round_close(
    *,
    actor,
    reason: str,
    offer_round: OfferRound,
    decisions: LettingDecisions,
    today: datetime.date | None = None,
) -> RoundOutcome:
    """Close a round: past the deadline, pending offers become unanswered (and count); the
    best-ranked acceptance wins and the other offers are withdrawn, with a letter to those who had
    accepted. Without an acceptance the round is exhausted and, if the deadline has passed, the
    next round is opened."""
    require_reason(reason)
    today = today or timezone.localdate()
    offer_round = OfferRound.objects.select_for_update().select_related("vacancy").get(pk=offer_round.pk)
    _require_write(actor, offer_round.vacancy)
    return close_locked_round(
        actor=actor, reason=reason, offer_round=offer_round, today=today, decisions=decisions
    )


def close_locked_round(
    *, actor, reason: str, offer_round: OfferRound, today: datetime.date, decisions: LettingDecisions
) -> RoundOutcome:
    """Close a round locked by the caller (who has checked the rights, or is the daily job). The
    winner's approval by the kommune is the caller's next step (``letting.workflow``)."""
    vacancy = offer_round.vacancy
    if offer_round.state != RoundState.OPEN:
        raise ValidationError(_("The offer round is already closed."))
    outcome = round_outcome(offer_round, today=today, decisions=decisions)
    past_deadline = today > offer_round.answer_deadline
    if outcome.winner is None and not past_deadline and outcome.waiting_for:
        raise ValidationError(
            _("Wait for the answers of better-ranked applicants (%(ranks)s) or for the deadline %(day)s.")
            % {
                "ranks": ", ".join(str(o.rank) for o in outcome.waiting_for),
                "day": date_format(offer_round.answer_deadline, "SHORT_DATE_FORMAT"),
            }
        )
    terms = offer_terms(organisation_id=vacancy.organisation_id, day=today)
    for offer in offer_round.offers.select_related("entry__person").order_by("rank"):
        if offer.answer == Answer.PENDING and past_deadline:
            Offer.answers.move(offer, Answer.NO_ANSWER, actor=actor, reason=reason, validate=False)
            _count_unanswered(entry_id=offer.entry_id, terms=terms)
        elif (
            outcome.winner is not None
            and offer.pk != outcome.winner.pk
            and offer.answer
            in (
                Answer.PENDING,
                Answer.ACCEPTED,
            )
        ):
            accepted = offer.answer == Answer.ACCEPTED
            Offer.answers.move(offer, Answer.WITHDRAWN, actor=actor, reason=reason, validate=False)
            if accepted:
                letters.letter_create(
                    actor=actor,
                    reason=_("The dwelling was let to another applicant"),
                    sender=vacancy.controller,
                    recipient=offer.entry.person,
                    kind="offer_outcome",
                    context={"dwelling_address": vacancy.dwelling.address_line},
                    idempotency_key=f"offer-outcome:{offer.pk}",
                )
    OfferRound.states.move(
        offer_round,
        RoundState.DECIDED if outcome.winner is not None else RoundState.EXHAUSTED,
        actor=actor,
        reason=reason,
        closed_at=timezone.now(),
    )
    if outcome.winner is not None:
        # The winner's approval by the kommune, or none needed, moves the vacancy on (the workflow).
        vacancy_stage_move(
            vacancy,
            VacancyStage.WINNER_CHOSEN,
            actor=actor,
            reason=reason,
            from_stages={VacancyStage.OFFERING},
        )
    else:
        locked = Vacancy.objects.select_for_update().select_related("dwelling__department").get(pk=vacancy.pk)
        vacancy_stage_move(
            locked, VacancyStage.OPEN, actor=actor, reason=reason, from_stages={VacancyStage.OFFERING}
        )
        if not round_refusal(locked):
            # With nobody left to offer no round opens: the vacancy page shows the R2.5 / R12.3 fallback.
            open_round_if_anyone(actor=actor, reason=reason, vacancy=locked, day=today, decisions=decisions)
    offer_round.refresh_from_db()
    return RoundOutcome(offer_round, outcome.winner, [])


def due_round_ids(today: datetime.date) -> list[int]:
    """The open rounds whose answer deadline has passed (closed by ``letting.workflow.rounds_expire``)."""
    due = OfferRound.objects.filter(state=RoundState.OPEN, answer_deadline__lt=today)
    return list(due.values_list("pk", flat=True))


def winner_refused(
    *, actor, reason: str, offer: Offer, today: datetime.date, decisions: LettingDecisions
) -> Offer | None:
    """The kommune refused the letting to a round's winner (§ 42, § 36, § 12): the next acceptance
    in the round wins and is returned (the caller asks the kommune about it), or the round is
    exhausted and the next one opened. Those who accepted but were withdrawn when the round was
    decided count as acceptances (an answer date tells an acceptance from an offer still pending
    at the time), best-ranked first."""
    offer_round = OfferRound.objects.select_for_update().get(pk=offer.round_id)
    offer = Offer.objects.get(pk=offer.pk)
    if offer.answer == Answer.ACCEPTED:
        Offer.answers.move(offer, Answer.KOMMUNE_REFUSED, actor=actor, reason=reason, validate=False)
    if offer_round.state != RoundState.DECIDED:
        return None
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("dwelling__department")
        .get(pk=offer_round.vacancy_id)
    )
    # The vacancy waited for the kommune's decision on the refused winner.
    waiting = {VacancyStage.AWAITING_KOMMUNE}
    runner_up = (
        offer_round.offers.filter(answer=Answer.WITHDRAWN, answered_on__isnull=False)
        .select_related("entry__person")
        .order_by("rank")
        .first()
    )
    if runner_up is not None:
        promoted = _("The kommune refused the winner: the next acceptance wins")
        Offer.answers.move(runner_up, Answer.ACCEPTED, actor=actor, reason=promoted)
        vacancy_stage_move(
            vacancy, VacancyStage.WINNER_CHOSEN, actor=actor, reason=promoted, from_stages=waiting
        )
        return runner_up
    OfferRound.states.move(offer_round, RoundState.EXHAUSTED, actor=actor, reason=reason)
    vacancy_stage_move(vacancy, VacancyStage.OPEN, actor=actor, reason=reason, from_stages=waiting)
    if not round_refusal(vacancy):
        # With nobody left to offer no round opens: the vacancy page shows the fallback.
        open_round_if_anyone(actor=actor, reason=reason, vacancy=vacancy, day=today, decisions=decisions)
    return None


def winner_restored(*, actor, reason: str, offer: Offer) -> list:
    """A refused winner is the one to be let to again (Ankestyrelsen overturned the refusal, R24):
    whoever accepted after them steps back (their acceptance withdrawn, as when a round is decided),
    a round opened since is cancelled, and the round is decided for them again. Returns the persons
    who stepped back, for their letters."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    offer_round = OfferRound.objects.select_for_update().get(pk=offer.round_id)
    stepped_back = []
    for promoted in (
        offer_round.offers.filter(answer=Answer.ACCEPTED).exclude(pk=offer.pk).select_related("entry__person")
    ):
        Offer.answers.move(promoted, Answer.WITHDRAWN, actor=actor, reason=reason)
        stepped_back.append(promoted.entry.person)
    for later in offer_round.vacancy.rounds.filter(state=RoundState.OPEN).exclude(pk=offer_round.pk):
        OfferRound.states.move(
            later, RoundState.CANCELLED, actor=actor, reason=reason, closed_at=timezone.now()
        )
    Offer.answers.move(offer, Answer.ACCEPTED, actor=actor, reason=reason)
    OfferRound.states.move(
        offer_round,
        RoundState.DECIDED,
        actor=actor,
        reason=reason,
        closed_at=offer_round.closed_at or timezone.now(),
    )
    return stepped_back
