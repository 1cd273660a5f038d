"""The scenarios' part of the demo world (found by ``manage.py seed_demo``, after every other app's).

A scenario replays the vacancies let from the lists, and the rest of the demo leaves none let: its
vacancies wait for an offer round, an answer, a lease or the kommune. So here each organisation
lets a few more of its family dwellings, through the services as its caseworker would (Almenbo
Aarhus has no caseworker among the demo users: the administrator acts for it) — the vacancy opened,
offered in a round of the organisation's size, the answers recorded (some decline, some do not
answer by the deadline), the kommune's approval where it approves each letting, and the lease
signed. The steps are taken today, one letting after the other: the replay reads the candidates as
they stood when each round was opened, and the demo's applicants were registered today. Only the
dates the caseworker enters go back (a round sent some days ago, answers received since).

Dwellings the other demos use are left alone: those with a vacancy or a lease, and Hedeparken,
let by advertising (``letting.demo``, ``rejections.demo``). An applicant with other work waiting
(an offer out or accepted on an open vacancy, a rejection or approval case, a written interest in
an advert) declines, so the other demos' work items stand.

Then Boligforeningen Kattegat's example scenario — a § 4 agreement (households with children first
to 3+ rooms, R4) in every kommune it lets in, over the last 12 months up to today — created by the
administrator, with one run replayed here, so *Scenarier* shows a result at once. Idempotent: an
organisation with a lease from an offer round gets no more lettings, and the scenario is made once.
"""

from __future__ import annotations

import datetime
from collections import Counter
from itertools import cycle

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocation.models import (
    AgreementKind,
    Answer,
    LettingChannel,
    Offer,
    OfferRound,
    RoundState,
    Vacancy,
    VacancyState,
)
from allocation.services import offers
from allocation.services.policies import offer_terms
from approvals.models import ApprovalRequest, ApprovalState
from approvals.services import approval_decide
from housing.models import Department, Dwelling, DwellingKind, Role
from letting import workflow
from rejections.models import RejectionCase

from . import services
from .models import ChangeAction, ChangeKind, RunState, Scenario, ScopeKind

REASON = "Demodata"
LETTINGS_PER_ORGANISATION = 7
SCENARIO_NAME = "§ 4-aftale og kommunal anvisning i Kattegat"
SCENARIO_DESCRIPTION = (
    "Eksempel: hvad havde det betydet for årets udlejninger, hvis Boligforeningen Kattegat og "
    "kommunen havde aftalt, at familier med børn går forud til boliger med 3 eller flere værelser "
    "(§ 4), og at kommunen anviser hver 3. ledige familiebolig (§ 1, stk. 4)? Kør scenariet igen, "
    "når der er udlejet flere boliger."
)
# R1.4: the example's share — every 3rd vacant family dwelling to the kommune.
SCENARIO_SHARE = 3
# What happened in each letting's round, by rank, in turn: the first accepts; the first declines
# and the second accepts; the first does not answer by the deadline, the second accepts and the
# third declines; the first two decline and the third accepts.
STORIES = (
    (Answer.ACCEPTED,),
    (Answer.DECLINED, Answer.ACCEPTED),
    (Answer.NO_ANSWER, Answer.ACCEPTED, Answer.DECLINED),
    (Answer.DECLINED, Answer.DECLINED, Answer.ACCEPTED),
)


def seed(*, command) -> dict[str, int]:
    counts: Counter[str] = Counter()
    stories = cycle(STORIES)
    for organisation in command.organisations.values():
        counts.update(_lettings(command, organisation, stories))
    counts.update(_scenario(command))
    return {what: n for what, n in counts.items() if n}


# --- The lettings ---------------------------------------------------------------------------------


def _actor(organisation):
    """The organisation's caseworker, or the administrator where no demo user is one."""
    users = get_user_model().objects.order_by("pk")
    caseworker = users.filter(
        memberships__tenant_id=organisation.tenant_id, memberships__role=Role.CASEWORKER
    ).first()
    return caseworker or users.filter(username="admin").first()


def _dwellings(organisation) -> list[Dwelling]:
    """Family dwellings of the organisation no other demo uses — no vacancy, no lease, not let by
    advertising — taken in turn from its departments (the first, then the second, …)."""
    free = (
        Dwelling.objects.filter(
            department__organisation=organisation, kind=DwellingKind.FAMILY, lease_scope=""
        )
        .exclude(vacancies__isnull=False)
        .exclude(leases__isnull=False)
        .exclude(department__letting_agreements__kind=AgreementKind.ADVERTISING)
        .select_related("department")
        .order_by("department__number", "number")
    )
    per_department: dict[int, list[Dwelling]] = {}
    for dwelling in free:
        per_department.setdefault(dwelling.department_id, []).append(dwelling)
    chosen: list[Dwelling] = []
    while len(chosen) < LETTINGS_PER_ORGANISATION and any(per_department.values()):
        for dwellings in per_department.values():
            if dwellings and len(chosen) < LETTINGS_PER_ORGANISATION:
                chosen.append(dwellings.pop(0))
    return chosen


def _busy_person_ids() -> set[int]:
    """Applicants the other demos' work waits on: an offer out or accepted on an open vacancy, a
    rejection case, an approval request, a written interest in an advert."""
    busy = set(
        Offer.objects.filter(
            round__vacancy__state=VacancyState.OPEN, answer__in=[Answer.PENDING, Answer.ACCEPTED]
        ).values_list("entry__person_id", flat=True)
    )
    busy.update(RejectionCase.objects.values_list("person_id", flat=True))
    busy.update(ApprovalRequest.objects.values_list("person_id", flat=True))
    busy.update(
        Vacancy.objects.filter(state=VacancyState.OPEN, advert__isnull=False).values_list(
            "advert__interests__person_id", flat=True
        )
    )
    busy.discard(None)
    return busy


def _lettings(command, organisation, stories) -> dict[str, int]:
    counts = {"leases from offer rounds": 0}
    let_from_rounds = Vacancy.objects.filter(
        organisation=organisation, state=VacancyState.LET, lease__offer__isnull=False
    )
    actor = _actor(organisation)
    if actor is None or let_from_rounds.exists():
        return counts
    today = timezone.localdate()
    busy = _busy_person_ids()
    for dwelling in _dwellings(organisation):
        vacancy = workflow.vacancy_open(
            actor=actor,
            reason="Lejer har opsagt lejemålet",
            dwelling=dwelling,
            notice_date=today - datetime.timedelta(days=60),
            move_out_date=today + datetime.timedelta(days=30),
        )
        if vacancy.channel != LettingChannel.LIST:  # it waits for its channel, as any vacancy would
            command.stderr.write(f"No demo letting of {dwelling}: let through {vacancy.channel}")
            continue
        try:
            counts["leases from offer rounds"] += _let(command, actor, vacancy, next(stories), busy, today)
        except ValidationError as exc:  # nobody on the lists for it: the demo works without
            command.stderr.write(f"No demo letting of {dwelling}: {exc}")
    return counts


def _let(command, actor, vacancy: Vacancy, story: tuple[str, ...], busy: set[int], today) -> bool:
    """One letting, its first round told by ``story`` (an applicant other work waits on declines
    and the story goes on with the next); when nobody in a round accepted, the next round's
    best-ranked accepts. Returns whether the lease was signed."""
    answer_days = offer_terms(organisation_id=vacancy.organisation_id, day=today).answer_days
    # A round whose best-ranked did not answer was sent so long ago that the deadline has passed.
    sent = today - datetime.timedelta(days=answer_days + 3 if Answer.NO_ANSWER in story else 3)
    answers = list(story)
    winner = None
    for _round in range(3):
        offer_round = vacancy.rounds.filter(state=RoundState.OPEN).first() or workflow.round_open(
            actor=actor, reason="Tilbud til de øverste på listen", vacancy=vacancy, day=sent
        )
        for offer in offer_round.offers.select_related("entry").order_by("rank"):
            if offer.entry.person_id in busy:
                answer = Answer.DECLINED  # other work waits on this applicant: not now
            elif answers:
                answer = answers.pop(0)
            else:
                break
            if answer == Answer.NO_ANSWER:
                continue
            offers.offer_answer(
                actor=actor,
                reason="Ansøgeren har takket ja" if answer == Answer.ACCEPTED else "Ansøgeren har takket nej",
                offer=offer,
                answer=answer,
                answered_on=min(sent + datetime.timedelta(days=offer.rank), today),
            )
        winner = workflow.round_close(
            actor=actor,
            reason="Tilbudsrunden er afgjort",
            offer_round=OfferRound.objects.get(pk=offer_round.pk),
        ).winner
        if winner is not None:
            break
        answers, sent = [Answer.ACCEPTED], today
    if winner is None:
        command.stderr.write(f"No demo letting of {vacancy.dwelling}: nobody in the rounds accepted")
        return False
    if not _approved(vacancy):
        command.stderr.write(f"No demo letting of {vacancy.dwelling}: no kommune officer to approve it")
        return False
    workflow.lease_sign(
        actor=actor,
        reason="Lejekontrakten er underskrevet",
        vacancy=Vacancy.objects.get(pk=vacancy.pk),
        person=winner.entry.person,
        offer=winner,
        signed_on=today,
        starts_on=vacancy.move_out_date,
    )
    return True


def _approved(vacancy: Vacancy) -> bool:
    """The kommune's approval, where it approves each letting (R42.1): its officer approves."""
    pending = ApprovalRequest.objects.filter(vacancy=vacancy, state=ApprovalState.PENDING)
    for request in pending.select_related("kommune"):
        officer = (
            get_user_model()
            .objects.filter(
                memberships__tenant_id=request.kommune.tenant_id, memberships__role=Role.KOMMUNE_OFFICER
            )
            .order_by("pk")
            .first()
        )
        if officer is None:
            return False
        approval_decide(actor=officer, reason="Udlejningen godkendes", request=request, approve=True)
    return True


# --- The example scenario ---------------------------------------------------------------------------


def _scenario(command) -> dict[str, int]:
    counts = {"scenarios": 0, "scenario runs": 0}
    organisation = command.organisations.get("kattegat")
    admin = get_user_model().objects.filter(username="admin").first()
    if organisation is None or admin is None:
        return counts
    scenario = Scenario.objects.filter(
        name=SCENARIO_NAME, scope=ScopeKind.ORGANISATION, organisation=organisation
    ).first()
    if scenario is None:
        today = timezone.localdate()
        kommune_ids = (
            Department.objects.filter(organisation=organisation)
            .order_by("kommune_id")
            .values_list("kommune_id", flat=True)
            .distinct()
        )
        scenario = services.scenario_create(
            actor=admin,
            reason=REASON,
            name=SCENARIO_NAME,
            scope=ScopeKind.ORGANISATION,
            organisation=organisation,
            period_start=today - relativedelta(months=12) + datetime.timedelta(days=1),
            period_end=today,
            description=SCENARIO_DESCRIPTION,
            changes=[
                change
                for kommune_id in kommune_ids
                for change in (
                    {
                        "kind": ChangeKind.CHILDREN_AGREEMENT,
                        "action": ChangeAction.ADD,
                        "organisation": organisation,
                        "kommune_id": kommune_id,
                    },
                    {
                        "kind": ChangeKind.KOMMUNE_SHARE,
                        "action": ChangeAction.ADD,
                        "organisation": organisation,
                        "kommune_id": kommune_id,
                        "every_nth": SCENARIO_SHARE,
                    },
                )
            ],
        )
        counts["scenarios"] += 1
    if not scenario.runs.exists():
        # The run as the page starts it; its work done here rather than by the queue.
        run = services.scenario_run_start(scenario=scenario, user=admin, enqueue=lambda _run_id: None)
        run = services.scenario_run_execute(run_id=run.pk)
        if run is None or run.state != RunState.DONE:
            command.stderr.write(f"The demo scenario's run did not finish: {run and run.error}")
        counts["scenario runs"] += 1
    return counts
