"""The one scenario builder of the letting tests: dated decisions in force, a vacancy opened through
the workflow, an offer round taken to its winner. Tests build their world with these instead of
helpers of their own, so a change in how the letting starts is made once.

Every write goes through the services (``audited_save`` with the system user for the dated
decisions an administrator would enter in the admin)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from allocation.models import (
    Answer,
    KommuneLettingDecision,
    Offer,
    OfferRound,
    OrganisationLettingPolicy,
    Vacancy,
)
from allocation.services import offers
from housing.audit import audited_save, system_user
from letting import workflow

REASON = "Test"
# Decisions in force long before any test's day.
FAR_BACK = datetime.date(2020, 1, 1)


def today() -> datetime.date:
    return timezone.localdate()


def letting_policy(
    organisation, *, valid_from: datetime.date = FAR_BACK, **fields
) -> OrganisationLettingPolicy:
    """The organisation's letting decisions in force from ``valid_from`` (R8, R9, R10, § 3 …)."""
    return audited_save(
        OrganisationLettingPolicy(
            organisation=organisation, valid_from=valid_from, decided_on=valid_from, **fields
        ),
        actor=system_user(),
        reason=REASON,
    )


def kommune_decision(kommune, *, valid_from: datetime.date = FAR_BACK, **flags) -> KommuneLettingDecision:
    """The kommune's letting decisions in force from ``valid_from`` (R42.1, R36.1, R40 …)."""
    return audited_save(
        KommuneLettingDecision(kommune=kommune, valid_from=valid_from, decided_on=valid_from, **flags),
        actor=system_user(),
        reason=REASON,
    )


def open_vacancy(
    actor,
    dwelling,
    *,
    notice_date: datetime.date | None = None,
    move_out_date: datetime.date | None = None,
    reason: str = REASON,
    **options,
) -> Vacancy:
    """A vacancy opened through ``letting.workflow`` (§ 1 decides its channel): by default notice
    30 days ago and vacant in 30 days."""
    return workflow.vacancy_open(
        actor=actor,
        reason=reason,
        dwelling=dwelling,
        notice_date=notice_date or today() - datetime.timedelta(days=30),
        move_out_date=move_out_date or today() + datetime.timedelta(days=30),
        **options,
    )


def decided_round(caseworker, vacancy: Vacancy, answers: list[str]) -> tuple[OfferRound, list[Offer]]:
    """Open a round, record ``answers`` by rank and close it: returns (round, offers by rank)."""
    offer_round = workflow.round_open(actor=caseworker, reason=REASON, vacancy=vacancy)
    by_rank = list(offer_round.offers.order_by("rank"))
    for offer, answer in zip(by_rank, answers, strict=True):
        offers.offer_answer(actor=caseworker, reason=REASON, offer=offer, answer=answer)
    workflow.round_close(actor=caseworker, reason=REASON, offer_round=offer_round)
    offer_round.refresh_from_db()
    return offer_round, by_rank


def winner(caseworker, vacancy: Vacancy) -> Offer | None:
    """The best-ranked applicant accepts and the round is closed: its winner."""
    offer_round = workflow.round_open(actor=caseworker, reason=REASON, vacancy=vacancy)
    offer = offer_round.offers.get(rank=1)
    offers.offer_answer(actor=caseworker, reason=REASON, offer=offer, answer=Answer.ACCEPTED)
    return workflow.round_close(actor=caseworker, reason=REASON, offer_round=offer_round).winner
