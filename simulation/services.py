"""Scenarios and their runs: every write through here.

A scenario and its changes are audited (one history row each, with the acting user and the reason).
A run is a job: ``scenario_run_start`` creates it and hands its id to the queue when the transaction
commits (``simulation.tasks``); ``scenario_run_execute`` claims it, replays (``simulation.replay``) and
stores the result rows and figures. The replay is read-only: it reads the live tables and their
history and writes only the run and its own rows.

Who may use a scenario (``can_use``): an administrator, a member with write rights of the data
controller it belongs to (the organisation's or the shared list association's caseworkers), and the
kommune's officers for a scenario in their kommune — those who decide the letting rules together
(the board and the kommune)."""

from __future__ import annotations

import datetime
import functools
import logging
import time
from collections.abc import Callable, Iterable

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from allocation.services.ranking import HEALTH_RULES
from housing.audit import audited_save, require_reason, system_user
from housing.cpr import redact
from housing.models import AccessKind, AccessPurpose, PersonalDataAccess
from housing.scoping import scope_for

from . import elder, loading, loading_elder
from .changes import Change
from .figures import summary
from .models import (
    RunState,
    Scenario,
    ScenarioChange,
    ScenarioRun,
    ScenarioRunElderVacancy,
    ScenarioRunVacancy,
    ScopeKind,
)
from .replay import VacancyResult, World, replay

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 50


# --- Who ---------------------------------------------------------------------------------------------


def can_use(user, scenario: Scenario) -> bool:
    scope = scope_for(user)
    return (
        scope.is_administrator
        or scenario.controller_id in scope.writable_tenant_ids
        or (scenario.kommune_id is not None and scenario.kommune_id in scope.kommune_ids)
    )


def scenarios_for(user) -> QuerySet[Scenario]:
    scope = scope_for(user)
    if scope.is_administrator:
        return Scenario.objects.all()
    return Scenario.objects.filter(
        Q(controller_id__in=scope.writable_tenant_ids) | Q(kommune_id__in=scope.kommune_ids)
    )


def _require(user, scenario: Scenario) -> None:
    if not can_use(user, scenario):
        raise PermissionDenied


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 12 months up to yesterday."""
    today = today or timezone.localdate()
    end = today - datetime.timedelta(days=1)
    return end - relativedelta(months=12) + datetime.timedelta(days=1), end


# --- Scenarios ---------------------------------------------------------------------------------------


def _controller_id(scenario: Scenario) -> int:
    if scenario.scope == ScopeKind.ORGANISATION:
        return scenario.organisation.tenant_id
    if scenario.scope == ScopeKind.SHARED_LIST:
        return scenario.association.tenant_id
    return scenario.kommune.tenant_id


@transaction.atomic
def scenario_create(
    *,
    actor,
    reason: str,
    name: str,
    scope: str,
    organisation=None,
    association=None,
    kommune=None,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    description: str = "",
    changes: Iterable[dict] = (),
) -> Scenario:
    """A scenario (default period: the last 12 months) with its changes (``ScenarioChange`` fields)."""
    require_reason(reason)
    start, end = default_period()
    scenario = Scenario(
        name=name,
        scope=scope,
        organisation=organisation,
        association=association,
        kommune=kommune,
        period_start=period_start or start,
        period_end=period_end or end,
        description=description,
        created_by=actor,
    )
    scenario.full_clean(exclude=["controller"])
    scenario.controller_id = _controller_id(scenario)
    _require(actor, scenario)
    audited_save(scenario, actor=actor, reason=reason)
    for fields in changes:
        scenario_change_add(actor=actor, reason=reason, scenario=scenario, **fields)
    return scenario


@transaction.atomic
def scenario_update(
    *,
    actor,
    reason: str,
    scenario: Scenario,
    name: str,
    period_start: datetime.date,
    period_end: datetime.date,
    description: str = "",
) -> Scenario:
    """A scenario's name, period and description. Its scope stays: another organisation, shared
    list or kommune is another scenario, with other data controllers and other users. The runs made
    keep the period and changes they replayed (``ScenarioRun``)."""
    require_reason(reason)
    _require(actor, scenario)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    scenario.name, scenario.description = name, description
    scenario.period_start, scenario.period_end = period_start, period_end
    scenario.full_clean(exclude=["controller"])
    return audited_save(scenario, actor=actor, reason=reason)


def scenario_change_add(*, actor, reason: str, scenario: Scenario, **fields) -> ScenarioChange:
    _require(actor, scenario)
    return audited_save(ScenarioChange(scenario=scenario, **fields), actor=actor, reason=reason)


def scenario_change_remove(*, actor, reason: str, change: ScenarioChange) -> None:
    _require(actor, change.scenario)
    change._history_user = actor
    change._change_reason = require_reason(reason)
    change.delete()


def changes_of(scenario: Scenario) -> list[Change]:
    return [
        Change(
            kind=c.kind,
            action=c.action,
            organisation_id=c.organisation_id,
            kommune_id=c.kommune_id,
            department_id=c.department_id,
            every_nth=c.every_nth,
            valid_from=c.valid_from,
            months=c.months,
            facility_kind=c.facility_kind,
            youth_guideline_id=c.youth_guideline_id,
        )
        for c in scenario.changes.order_by("pk")
    ]


# --- Runs --------------------------------------------------------------------------------------------


@transaction.atomic
def scenario_run_start(*, scenario: Scenario, user, enqueue: Callable[[int], None]) -> ScenarioRun:
    """Create a run of the scenario as it is now and hand its id to ``enqueue`` when the transaction
    commits (``simulation.tasks.enqueue_scenario_run``, as ``housing.exports.export_start`` is given
    its queue: the task module imports this one, not the other way round)."""
    _require(user, scenario)
    run = _run_create(scenario, user)
    transaction.on_commit(functools.partial(enqueue, run.pk))
    return run


def scenario_run_for_terminal(*, scenario: Scenario) -> ScenarioRun:
    """A queued run requested by the system user, for ``manage.py replay_scenario --store``: whoever
    runs the command has the server, so no membership is asked; the command runs it itself."""
    return _run_create(scenario, system_user())


def _run_create(scenario: Scenario, user) -> ScenarioRun:
    return ScenarioRun.objects.create(
        scenario=scenario,
        requested_by=user,
        period_start=scenario.period_start,
        period_end=scenario.period_end,
        changes=[c.as_dict() for c in changes_of(scenario)],
    )


def _claim(run_id: int) -> bool:
    return bool(
        ScenarioRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
            state=RunState.RUNNING, started_at=timezone.now()
        )
    )


def _row(run: ScenarioRun, result: VacancyResult) -> ScenarioRunVacancy:
    case, actual, replayed, scenario = result.case, result.actual, result.replay, result.scenario
    return ScenarioRunVacancy(
        run=run,
        vacancy_id=case.vacancy_id,
        position=result.position,
        ranked_at=case.as_of,
        ranked_on=case.day,
        rooms=case.dwelling.rooms,
        dwelling_kind=case.dwelling.kind,
        actual_channel=case.channel,
        actual_entry_id=actual.entry_id,
        actual_person_id=actual.person_id,
        actual_rule=actual.rule[:10],
        actual_explanation=actual.explanation[:500],
        replay_entry_id=replayed.entry_id,
        replay_rule=replayed.rule[:10],
        replay_explanation=replayed.explanation[:500],
        fidelity=result.fidelity,
        fidelity_reason=result.fidelity_reason[:500],
        scenario_channel=result.scenario_channel,
        scenario_entry_id=scenario.entry_id,
        scenario_person_id=scenario.person_id,
        scenario_rule=scenario.rule[:10],
        scenario_explanation=scenario.explanation[:500],
        changed=result.changed,
        actual_list_kind=actual.list_kind,
        actual_has_children=actual.has_children,
        actual_waited_days=actual.waited_days,
        scenario_list_kind=scenario.list_kind,
        scenario_has_children=scenario.has_children,
        scenario_waited_days=scenario.waited_days,
    )


def run_replay(
    *,
    scenario: Scenario,
    period_start: datetime.date,
    period_end: datetime.date,
    changes: list[Change],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[VacancyResult], dict[str, float]]:
    """Load, replay and return the results with the seconds each phase took (no writes)."""
    timings = {}
    began = time.perf_counter()
    cases = loading.cases(loading.vacancies_of(scenario, period_start, period_end))
    timings["cases"] = round(time.perf_counter() - began, 3)
    if progress is not None:
        progress(0, len(cases))
    began = time.perf_counter()
    list_ids = {list_id for case in cases for list_id, _kind in case.list_ids}
    until = max((case.as_of for case in cases), default=timezone.now())
    world = World(loading.histories(list_ids, until))
    timings["histories"] = round(time.perf_counter() - began, 3)
    began = time.perf_counter()
    results = replay(cases, world, loading.resolve(changes), progress=progress, every=PROGRESS_EVERY)
    timings["replay"] = round(time.perf_counter() - began, 3)
    return results, timings


def _elder_row(
    run: ScenarioRun, result: elder.ElderResult, lists: dict[int, elder.ListRow]
) -> ScenarioRunElderVacancy:
    case, actual, scenario = result.case, result.actual, result.scenario

    def list_name(winner: elder.ElderWinner) -> str:
        listed = lists.get(winner.list_id) if winner.list_id is not None else None
        return listed.name[:200] if listed else ""

    return ScenarioRunElderVacancy(
        run=run,
        elder_vacancy_id=case.vacancy_id,
        position=result.position,
        ranked_on=case.day,
        dwelling_kind=case.dwelling.kind,
        facility_kind=case.facility_kind,
        actual_person_id=case.person_id,
        actual_source=case.source,
        actual_list=list_name(actual),
        actual_outsider=bool(actual.outsider),
        actual_need_score=case.need_score,
        actual_waiting_since=case.waiting_since,
        actual_rank=case.rank,
        replay_person_id=result.replay.person_id,
        replay_outsider=result.replay.outsider,
        replay_rank_of_tenant=result.replay_rank_of_tenant,
        fidelity=result.fidelity,
        fidelity_reason=result.fidelity_reason[:500],
        scenario_person_id=scenario.person_id,
        scenario_source=scenario.source,
        scenario_list=list_name(scenario),
        scenario_outsider=scenario.outsider,
        scenario_need_score=scenario.need_score,
        scenario_waiting_since=scenario.waiting_since,
        changed=result.changed,
    )


def elder_load(
    *, scenario: Scenario, period_start: datetime.date, period_end: datetime.date
) -> tuple[list[elder.ElderCase], dict[int, elder.ListRow]]:
    """The elder vacancies of the scope let in the period, with their specific lists (no writes)."""
    return loading_elder.cases(loading_elder.leases_of(scenario, period_start, period_end))


def run_elder_replay(
    *,
    loaded: tuple[list[elder.ElderCase], dict[int, elder.ListRow]],
    period_start: datetime.date,
    changes: list[Change],
    progress: Callable[[int], None] | None = None,
) -> list[elder.ElderResult]:
    """Replay the elder lettings (``simulation.elder``) under the rules in force and the scenario's
    refuse-outsiders decisions (no writes)."""
    elder_cases, lists = loaded
    world = loading_elder.world(elder_cases, lists)
    return elder.replay(elder_cases, world, changes, period_start=period_start, progress=progress)


def scenario_run_execute(*, run_id: int) -> ScenarioRun | None:
    """Do the run's work (the task calls this). Returns the run as it ended, or None when it was not
    queued (done, failed, or claimed by another worker). A failure is recorded on the run."""
    if not _claim(run_id):
        logger.info("scenario run %s: not queued; nothing to do", run_id)
        return None
    run = ScenarioRun.objects.select_related("scenario").get(pk=run_id)

    def progress(done: int, total: int) -> None:
        ScenarioRun.objects.filter(pk=run_id).update(done=done, total=total)

    try:
        began = time.perf_counter()
        changes = [Change.from_dict(c) for c in run.changes]
        loaded = elder_load(scenario=run.scenario, period_start=run.period_start, period_end=run.period_end)
        elder_time = time.perf_counter() - began
        elder_total = len(loaded[0])
        # The progress counts the family vacancies and then the elder ones.
        results, timings = run_replay(
            scenario=run.scenario,
            period_start=run.period_start,
            period_end=run.period_end,
            changes=changes,
            progress=lambda done, total: progress(done, total + elder_total),
        )
        family_total = len(results)
        elder_began = time.perf_counter()
        elder_results = run_elder_replay(
            loaded=loaded,
            period_start=run.period_start,
            changes=changes,
            progress=lambda done: (
                progress(family_total + done, family_total + elder_total)
                if done % PROGRESS_EVERY == 0
                else None
            ),
        )
        timings["elder"] = round(elder_time + time.perf_counter() - elder_began, 3)
        stored = time.perf_counter()
        with transaction.atomic():
            ScenarioRunVacancy.objects.bulk_create([_row(run, r) for r in results], batch_size=1000)
            ScenarioRunElderVacancy.objects.bulk_create(
                [_elder_row(run, r, loaded[1]) for r in elder_results], batch_size=1000
            )
            timings["store"] = round(time.perf_counter() - stored, 3)
            timings["total"] = round(time.perf_counter() - began, 3)
            done = family_total + len(elder_results)
            ScenarioRun.objects.filter(pk=run_id).update(
                state=RunState.DONE,
                done=done,
                total=done,
                finished_at=timezone.now(),
                timings=timings,
                summary=summary(results, elder_results),
            )
    except Exception as exc:
        logger.exception("scenario run %s failed", run_id)
        ScenarioRun.objects.filter(pk=run_id).update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            error=redact(f"{type(exc).__name__}: {exc}")[:2000],
        )
    run.refresh_from_db()
    return run


# --- Reading a result --------------------------------------------------------------------------------


def result_rows(run: ScenarioRun) -> QuerySet[ScenarioRunVacancy]:
    """A run's vacancies in the order replayed, with the entries and persons the page shows (one query)."""
    return (
        ScenarioRunVacancy.objects.filter(run=run)
        .select_related("vacancy__dwelling", "actual_entry", "replay_entry", "scenario_entry")
        .order_by("position")
    )


def result_reads_log(user, rows: Iterable[ScenarioRunVacancy], *, purpose_text: str) -> int:
    """Log, as ``allocation.services.ranking.health_reads_log`` does for a ranking, every person
    whose winning explanation shown reveals a documented health need (R5.1–R5.3, R10.2–R10.4): one
    row per person, one bulk insert. The winners themselves are shown masked (their applicant
    number; no name, no CPR number), so nothing else is read. Returns the number of rows."""
    seen: set[int] = set()
    logged = []
    for row in rows:
        winners = (
            (row.actual_rule, row.actual_person_id),
            (row.replay_rule, row.replay_entry.person_id if row.replay_entry_id else None),
            (row.scenario_rule, row.scenario_person_id),
        )
        for rule, person_id in winners:
            if rule not in HEALTH_RULES or person_id is None or person_id in seen:
                continue
            seen.add(person_id)
            logged.append(
                PersonalDataAccess(
                    person_id=person_id,
                    user=user,
                    kind=AccessKind.SENSITIVE_READ,
                    purpose=AccessPurpose.CASE_HANDLING,
                    purpose_text=purpose_text.strip()[:300],
                    detail=(
                        _("Documented priority need (%(rule)s) in the letting scenario run %(id)s")
                        % {"rule": rule, "id": row.run_id}
                    )[:200],
                )
            )
    if logged:
        PersonalDataAccess.objects.bulk_create(logged)
    return len(logged)
