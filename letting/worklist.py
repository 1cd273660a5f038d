"""The letting's kinds of work for *Mine opgaver* (``housing.worklist``), registered from
``LettingConfig.ready``: vacancies without offers out, offer answers due, rounds past their answer
deadline, winners chosen, leases to sign (R1.10), the auditor's lotteries (R38.3) and the kommune's
kommunal anvisning (R1.4).

Each count reads the rows the linked page shows, through the same scoped selectors
(``allocation.selectors.vacancies_for``, ``allocation.services.nominations``), in one query."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import ngettext_lazy

from allocation.models import (
    Advert,
    Answer,
    LettingChannel,
    Offer,
    OfferRound,
    RoundState,
    VacancyStage,
    VacancyState,
)
from allocation.selectors import vacancies_for
from allocation.services.nominations import kommune_queue_waiting
from housing import scoping, worklist
from housing.scoping import StaffScope
from housing.worklist import WorkCount, WorkKind


def _caseworker(scope: StaffScope) -> bool:
    """The organisation's caseworkers do the letting (they may write to an organisation)."""
    return bool(scope.writable_organisation_ids)


def _auditor(scope: StaffScope) -> bool:
    return bool(scope.auditor_tenant_ids)


def _officer(scope: StaffScope) -> bool:
    return scope.is_kommune_officer


# The caseworker's vacancies by stage: three kinds of work, one query (worklist.aggregate_parts).
_STAGES = {
    VacancyStage.READY: Q(stage=VacancyStage.READY),
    VacancyStage.WINNER_CHOSEN: Q(stage=VacancyStage.WINNER_CHOSEN),
    # Only vacancies let from the lists wait for an offer round.
    VacancyStage.OPEN: Q(stage=VacancyStage.OPEN, channel=LettingChannel.LIST),
}


def _vacancies_by_stage(user, today: datetime.date) -> dict[str, WorkCount]:
    rows = vacancies_for(user).filter(stage__in=list(_STAGES))
    return worklist.aggregate_parts(rows, _STAGES, date_field="move_out_date", today=today)


def _stage(stage: str):
    def count(user, *, today: datetime.date) -> WorkCount:
        by_stage = worklist.shared(user, "letting.stages", today, lambda: _vacancies_by_stage(user, today))
        return by_stage[stage]

    return count


def offer_answers_due(user, *, today: datetime.date) -> WorkCount:
    """Offers out in an open round whose answer deadline has not passed (§§ 2–11)."""
    offers = Offer.objects.filter(
        round__vacancy__in=vacancies_for(user),
        round__state=RoundState.OPEN,
        round__answer_deadline__gte=today,
        answer=Answer.PENDING,
    )
    return worklist.aggregate(offers, date_field="round__answer_deadline", today=today)


def rounds_to_close(user, *, today: datetime.date) -> WorkCount:
    """Open offer rounds whose answer deadline has passed: the round is to be closed (the daily
    job does it; until then the caseworker can)."""
    rounds = OfferRound.objects.filter(
        vacancy__in=vacancies_for(user), state=RoundState.OPEN, answer_deadline__lt=today
    )
    return worklist.aggregate(rounds, date_field="answer_deadline", today=today)


def lotteries_to_draw(user, *, today: datetime.date) -> WorkCount:
    """R38.3: adverts of the auditor's data controllers past the deadline for written interest
    (R38.1) with at least two qualified applicants and lots not yet drawn. Due: the day a decision
    is expected (R38.2)."""
    scope = scoping.scope_for(user)
    adverts = (
        Advert.objects.filter(
            vacancy__in=vacancies_for(user),
            vacancy__controller_id__in=scope.auditor_tenant_ids,
            vacancy__state=VacancyState.OPEN,
            vacancy__stage=VacancyStage.OPEN,
            interest_deadline__lt=today,
        )
        .filter(Q(lottery__isnull=True) | Q(lottery__drawn_at__isnull=True))
        .annotate(qualified=Count("interests", filter=Q(interests__qualified=True)))
        .filter(qualified__gte=2)
    )
    return worklist.aggregate(adverts, date_field="decision_expected_on", today=today)


def nominations_waiting(user, *, today: datetime.date) -> WorkCount:
    """R1.4: vacancies at the kommune's disposal waiting for the kommune to name the tenant."""
    return worklist.aggregate(kommune_queue_waiting(user), date_field="move_out_date", today=today)


def register() -> None:
    worklist.register(
        WorkKind(
            key="nominations",
            link_id="nomination-queue-link",
            label=ngettext_lazy(
                "Kommunal anvisning: %(n)s dwelling waits for you to name the tenant",
                "Kommunal anvisning: %(n)s dwellings wait for you to name the tenant",
                "n",
            ),
            url_name="letting:nomination_queue",
            applies=_officer,
            count=nominations_waiting,
            compiled_once=True,
            menu="nominations",
            order=20,
        )
    )
    worklist.register(
        WorkKind(
            key="lotteries",
            label=ngettext_lazy(
                "%(n)s advertised dwelling waits for you to draw lots (R38.3)",
                "%(n)s advertised dwellings wait for you to draw lots (R38.3)",
                "n",
            ),
            url_name="letting:board",
            query="stage=open&channel=advert",
            applies=_auditor,
            count=lotteries_to_draw,
            compiled_once=True,
            menu="allocation",
            order=30,
        )
    )
    worklist.register(
        WorkKind(
            key="rounds_to_close",
            label=ngettext_lazy(
                "%(n)s offer round is past its answer deadline and is to be closed",
                "%(n)s offer rounds are past their answer deadline and are to be closed",
                "n",
            ),
            url_name="letting:board",
            query="stage=offering",
            applies=_caseworker,
            count=rounds_to_close,
            compiled_once=True,
            menu="allocation",
            order=40,
        )
    )
    worklist.register(
        WorkKind(
            key="offer_answers",
            label=ngettext_lazy(
                "%(n)s offer awaits the applicant's answer",
                "%(n)s offers await the applicants' answers",
                "n",
            ),
            url_name="letting:board",
            query="stage=offering",
            applies=_caseworker,
            count=offer_answers_due,
            compiled_once=True,
            menu="allocation",
            order=45,
        )
    )
    worklist.register(
        WorkKind(
            key="leases_to_sign",
            label=ngettext_lazy(
                "%(n)s lease is ready to be signed (R1.10)",
                "%(n)s leases are ready to be signed (R1.10)",
                "n",
            ),
            url_name="letting:board",
            query="stage=ready",
            applies=_caseworker,
            count=_stage(VacancyStage.READY),
            compiled_once=True,
            menu="allocation",
            order=50,
        )
    )
    worklist.register(
        WorkKind(
            key="winners_chosen",
            label=ngettext_lazy(
                "%(n)s vacancy has its winner chosen: ask the kommune or prepare the lease",
                "%(n)s vacancies have their winner chosen: ask the kommune or prepare the lease",
                "n",
            ),
            url_name="letting:board",
            query="stage=winner_chosen",
            applies=_caseworker,
            count=_stage(VacancyStage.WINNER_CHOSEN),
            compiled_once=True,
            menu="allocation",
            order=55,
        )
    )
    worklist.register(
        WorkKind(
            key="offer_round_needed",
            label=ngettext_lazy(
                "%(n)s vacancy from the waiting lists has no offers out",
                "%(n)s vacancies from the waiting lists have no offers out",
                "n",
            ),
            url_name="letting:board",
            query="stage=open",
            applies=_caseworker,
            count=_stage(VacancyStage.OPEN),
            compiled_once=True,
            menu="allocation",
            order=60,
        )
    )
