"""The stage of a vacancy's letting (``Vacancy.stages``), moved by the step that reaches it.

The stage is stored on the vacancy, not derived: an offer round opens (``offers``) → offering; the
round is decided → winner chosen; the letting goes to the kommune (``letting.workflow``, R42.1,
R36.1, R12.1, R12.4/R14.4) → awaiting the kommune; approved, lapsed (R42.3) or no approval needed
→ ready; the lease is signed (``leases``, R1.10) → let; the vacancy is cancelled → cancelled.

``vacancy_stage_move`` is the one way to move it. The vacancy's ``state`` (open, let, cancelled)
follows the stage in the same move (``state_for_stage``; the database checks that they agree)."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from ..models import Vacancy, VacancyStage, state_for_stage


def vacancy_stage_move(
    vacancy: Vacancy,
    to: VacancyStage,
    *,
    actor,
    reason: str,
    from_stages: Collection[VacancyStage] | None = None,
    **changes,
) -> Vacancy:
    """Move the vacancy to the stage ``to``, with its state and the other ``changes``, through
    ``Vacancy.stages.move`` (the transition checked, one history row, one state change).

    The vacancy is read again under a row lock first, so a copy the caller read before another
    step moved it cannot undo that step; the caller's copy gets the stored stage and state (and the
    ``changes``) back. With ``from_stages``, only a vacancy in one of those stages moves — for a
    step that moves the letting on only when it stands where the step expects it (the others are
    no transition of the table and would be refused)."""
    with transaction.atomic():
        locked = Vacancy.objects.select_for_update(of=("self",)).get(pk=vacancy.pk)
        if from_stages is None or locked.stage in from_stages:
            Vacancy.stages.move(locked, to, actor=actor, reason=reason, state=state_for_stage(to), **changes)
    vacancy.refresh_from_db(fields=["stage", "state", *changes])
    return vacancy
