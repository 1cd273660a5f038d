"""The replay on small hand-built worlds: the identity (no change reproduces every winner), the
direction of each supported change, the carry-forward, what the past recorded, and the run as a job."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from allocation.models import AgreementKind, Answer, LettingAgreement, PriorityNeed
from housing.audit import audited_save, system_user
from housing.models import AccessKind, PersonalDataAccess
from letting import workflow
from simulation import services
from simulation.models import Fidelity, RunState, ScenarioChange, ScenarioRun, ScenarioRunVacancy, ScopeKind
from simulation.tasks import scenario_run_task
from tests import scenarios
from tests.factories_waitinglists import WaitingListFactory

from .support import applicant, family_dwelling, let, run, scenario_for

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def world(org_a, department_a, general_list):
    """Three on the general list: two without children (the longest waiting) and one family."""
    scenarios.letting_policy(org_a, offer_round_size=3)
    return {
        "alone_first": applicant(general_list, department_a, seniority=D(2015, 1, 1)),
        "alone_second": applicant(general_list, department_a, seniority=D(2016, 1, 1)),
        "family": applicant(general_list, department_a, seniority=D(2019, 1, 1), children=2),
    }


def _rows(result):
    return list(ScenarioRunVacancy.objects.filter(run=result).order_by("position"))


def test_no_change_reproduces_every_winner(caseworker_a, org_a, department_a, world):
    leases = [let(caseworker_a, family_dwelling(department_a)) for _ in range(2)]
    result = run(caseworker_a, scenario_for(caseworker_a, org_a))
    assert result.state == RunState.DONE, result.error
    rows = _rows(result)
    assert [r.fidelity for r in rows] == [Fidelity.REPRODUCED, Fidelity.REPRODUCED]
    assert [r.actual_entry_id for r in rows] == [lease.entry_id for lease in leases]
    assert [r.replay_entry_id for r in rows] == [lease.entry_id for lease in leases]
    assert [r.scenario_entry_id for r in rows] == [lease.entry_id for lease in leases]
    assert not any(r.changed for r in rows)
    assert result.summary["identity"] == {"let_from_lists_in_rounds": 2, "reproduced": 2}
    assert result.summary["changed_hands"] == 0
    assert result.total == result.done == 2
    assert set(result.timings) >= {"cases", "histories", "replay", "store", "total"}


@pytest.mark.rule("R4")
def test_a_children_agreement_houses_more_households_with_children_in_3_rooms(
    caseworker_a, org_a, department_a, kommune_aarhus, world
):
    """§ 4: with the agreement, the household with children goes first to the 3-room dwelling."""
    let(caseworker_a, family_dwelling(department_a, rooms=3))
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {"kind": "children_agreement", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}
        ],
    )
    result = run(caseworker_a, scenario)
    (row,) = _rows(result)
    assert row.fidelity == Fidelity.REPRODUCED
    assert row.actual_entry_id == world["alone_first"].pk and row.actual_has_children is False
    assert row.scenario_entry_id == world["family"].pk and row.scenario_has_children is True
    assert row.scenario_rule == "R4" and row.actual_rule == "R2.1"
    assert row.changed
    figures = result.summary
    assert figures["scenario"]["children_housed"] > figures["actual"]["children_housed"]
    assert figures["scenario"]["per_rule"] == {"R4": 1}


@pytest.mark.rule("R4")
def test_a_children_agreement_removed_lets_by_seniority_again(
    caseworker_a, org_a, department_a, kommune_aarhus, world
):
    audited_save(
        LettingAgreement(
            organisation=org_a,
            kommune=kommune_aarhus,
            kind=AgreementKind.CHILDREN_PRIORITY,
            valid_from=D(2020, 1, 1),
        ),
        actor=system_user(),
        reason="Test",
    )
    let(caseworker_a, family_dwelling(department_a, rooms=3))
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {
                "kind": "children_agreement",
                "action": "remove",
                "organisation": org_a,
                "kommune": kommune_aarhus,
            }
        ],
    )
    (row,) = _rows(run(caseworker_a, scenario))
    assert (row.actual_entry_id, row.actual_rule) == (world["family"].pk, "R4")
    assert row.fidelity == Fidelity.REPRODUCED
    assert (row.scenario_entry_id, row.scenario_rule) == (world["alone_first"].pk, "R2.1")


@pytest.mark.rule("R4")
def test_carry_forward_the_housed_leave_the_lists_and_the_passed_over_stay(
    caseworker_a, org_a, department_a, kommune_aarhus, world
):
    """Actually: the two longest waiting were housed, one after the other. Under § 4 the family is
    housed first (it is then no candidate for the second vacancy) and the longest waiting, who did
    not get the first dwelling, is still on the list for the second."""
    first = let(caseworker_a, family_dwelling(department_a, rooms=3))
    second = let(caseworker_a, family_dwelling(department_a, rooms=3))
    assert (first.entry_id, second.entry_id) == (world["alone_first"].pk, world["alone_second"].pk)
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {"kind": "children_agreement", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}
        ],
    )
    march, april = _rows(run(caseworker_a, scenario))
    assert [march.fidelity, april.fidelity] == [Fidelity.REPRODUCED, Fidelity.REPRODUCED]
    assert march.scenario_entry_id == world["family"].pk
    # The family, housed in the first, is not a candidate for the second (else R4 would place it again);
    # the longest waiting, whose actual entry was deleted on signing the lease, is.
    assert april.scenario_entry_id == world["alone_first"].pk
    assert april.scenario_rule == "R2.1"
    assert april.changed and april.actual_entry_id == world["alone_second"].pk


def test_a_refused_offer_is_respected_in_both_rankings(
    caseworker_a, org_a, department_a, kommune_aarhus, world
):
    """The longest waiting declined the vacancy: the replay skips them for it, and so does the
    scenario (which would otherwise place them by seniority again)."""
    lease = let(caseworker_a, family_dwelling(department_a, rooms=3), [Answer.DECLINED, Answer.ACCEPTED])
    assert lease.entry_id == world["alone_second"].pk
    result = run(caseworker_a, scenario_for(caseworker_a, org_a))
    (row,) = _rows(result)
    assert row.fidelity == Fidelity.REPRODUCED
    assert row.scenario_entry_id == world["alone_second"].pk


def test_a_letting_through_another_channel_is_not_reproducible_and_says_why(
    caseworker_a, org_a, department_a, world
):
    """Rehousing (R1.5) lets the dwelling outside the lists: the replay names the channel, and the
    scenario, which does not change it, keeps the actual tenant."""
    vacancy = scenarios.open_vacancy(caseworker_a, family_dwelling(department_a, rooms=3), rehousing=True)
    workflow.lease_sign(
        actor=caseworker_a,
        reason="Test",
        vacancy=vacancy,
        person=world["family"].person,
        signed_on=scenarios.today(),
        starts_on=vacancy.move_out_date,
        basis="Genhusning under renovering",
    )
    (row,) = _rows(run(caseworker_a, scenario_for(caseworker_a, org_a)))
    assert row.fidelity == Fidelity.NOT_FROM_LISTS
    assert "rehousing" in row.fidelity_reason
    assert row.scenario_person_id == world["family"].person_id and not row.changed


@pytest.mark.rule("R1.4")
def test_a_share_of_every_4th_moves_one_in_four_family_vacancies_to_the_kommune(
    caseworker_a, org_a, department_a, kommune_aarhus, general_list, world
):
    for year in (2020, 2021):
        applicant(general_list, department_a, seniority=D(year, 6, 1))
    leases = [let(caseworker_a, family_dwelling(department_a, rooms=2)) for _ in range(4)]
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {
                "kind": "kommune_share",
                "action": "add",
                "organisation": org_a,
                "kommune": kommune_aarhus,
                "every_nth": 4,
            }
        ],
    )
    result = run(caseworker_a, scenario)
    rows = _rows(result)
    assert [r.fidelity for r in rows] == [Fidelity.REPRODUCED] * 4
    assert [r.scenario_channel for r in rows] == ["list", "list", "list", "kommunal_anvisning"]
    assert [r.changed for r in rows] == [False, False, False, True]
    assert rows[3].scenario_entry_id is None and rows[3].actual_entry_id == leases[3].entry_id
    assert result.summary["scenario"]["per_channel"] == {"kommunal_anvisning": 1, "list": 3}
    assert result.summary["actual"]["per_channel"] == {"list": 4}


def test_the_replay_writes_nothing_but_its_own_rows(caseworker_a, org_a, department_a, world):
    let(caseworker_a, family_dwelling(department_a, rooms=3))
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {
                "kind": "children_agreement",
                "action": "add",
                "organisation": org_a,
                "kommune": department_a.kommune,
            }
        ],
    )
    own = {"simulation"}
    before = {
        m: m.objects.count() for m in apps.get_models() if m._meta.app_label not in own and m._meta.managed
    }
    run(caseworker_a, scenario)
    after = {m: m.objects.count() for m in before}
    assert before == after


def test_a_run_refused_to_an_outsider(caseworker_b, caseworker_a, org_a, world):
    scenario = scenario_for(caseworker_a, org_a)
    with pytest.raises(PermissionDenied):
        run(caseworker_b, scenario)


def test_the_command_prints_the_progress_and_the_identity(caseworker_a, org_a, department_a, world):
    let(caseworker_a, family_dwelling(department_a, rooms=3))
    scenario = scenario_for(caseworker_a, org_a)
    out = StringIO()
    call_command("replay_scenario", scenario.pk, stdout=out)
    text = out.getvalue()
    assert "1/1 vacancies" in text
    assert (
        "Identity: 1 of 1 vacancies let from the lists in offer rounds reproduce their actual winner" in text
    )
    assert not ScenarioRun.objects.filter(scenario=scenario).exists()  # read-only unless --store
    call_command("replay_scenario", scenario.pk, "--store", stdout=StringIO())
    assert ScenarioRun.objects.get(scenario=scenario).state == RunState.DONE


def test_the_task_runs_a_queued_run_once(caseworker_a, org_a, department_a, world):
    let(caseworker_a, family_dwelling(department_a, rooms=3))
    started = services.scenario_run_start(
        scenario=scenario_for(caseworker_a, org_a), user=caseworker_a, enqueue=lambda _id: None
    )
    assert started.state == RunState.QUEUED
    assert scenario_run_task.apply(args=[started.pk]).get() == {"run": started.pk, "state": "done"}
    # A repeated delivery finds it done and does nothing.
    assert scenario_run_task.apply(args=[started.pk]).get() == {"run": started.pk, "state": "skipped"}
    assert ScenarioRunVacancy.objects.filter(run=started).count() == 1


def test_the_kommunes_officer_may_use_a_scenario_for_the_kommune(
    kommune_officer, caseworker_b, kommune_aarhus, org_a
):
    scenario = services.scenario_create(
        actor=kommune_officer,
        reason="Test",
        name="Kommunal anvisning hver 4.",
        scope=ScopeKind.KOMMUNE,
        kommune=kommune_aarhus,
        changes=[
            {
                "kind": "kommune_share",
                "action": "add",
                "organisation": org_a,
                "kommune": kommune_aarhus,
                "every_nth": 4,
            }
        ],
    )
    assert scenario.controller_id == kommune_aarhus.tenant_id
    assert (scenario.period_end - scenario.period_start).days in (364, 365)  # the last 12 months
    assert services.can_use(kommune_officer, scenario)
    assert not services.can_use(caseworker_b, scenario)
    assert list(services.scenarios_for(kommune_officer)) == [scenario]
    assert scenario.changes.get().history.count() == 1


def test_a_change_removed_is_recorded_with_its_user_and_reason(caseworker_a, org_a, kommune_aarhus):
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {"kind": "children_agreement", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}
        ],
    )
    change = scenario.changes.get()
    pk = change.pk
    services.scenario_change_remove(actor=caseworker_a, reason="Fortrudt", change=change)
    assert not scenario.changes.exists()
    removed = ScenarioChange.history.filter(id=pk, history_type="-").get()
    assert (removed.history_user, removed.history_change_reason) == (caseworker_a, "Fortrudt")


def test_a_share_without_its_nth_is_refused(caseworker_a, org_a, kommune_aarhus):
    with pytest.raises(ValidationError):
        scenario_for(
            caseworker_a,
            org_a,
            changes=[
                {"kind": "kommune_share", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}
            ],
        )


@pytest.mark.rule("R5.2")
def test_a_health_based_winner_shown_in_the_result_is_access_logged(caseworker_a, org_a, department_a, world):
    """The winner of a dwelling fitted for the mobility-impaired placed by R5.2: the replay reproduces
    it, and reading the result logs the health fact shown once for the person."""
    need_holder = world["alone_second"]
    audited_save(
        PriorityNeed(
            person=need_holder.person,
            controller=org_a.tenant,
            mobility_impaired=True,
            documentation="Lægeerklæring",
            documented_on=D(2024, 1, 1),
        ),
        actor=system_user(),
        reason="Test",
    )
    let(caseworker_a, family_dwelling(department_a, rooms=3, fitted_mobility_impaired=True))
    result = run(caseworker_a, scenario_for(caseworker_a, org_a))
    (row,) = services.result_rows(result)
    assert (row.fidelity, row.actual_rule, row.replay_rule) == (Fidelity.REPRODUCED, "R5.2", "R5.2")
    assert row.replay_entry_id == need_holder.pk
    assert services.result_reads_log(caseworker_a, [row], purpose_text="Scenarie for bestyrelsen") == 1
    logged = PersonalDataAccess.objects.get(person=need_holder.person)
    assert logged.kind == AccessKind.SENSITIVE_READ and "R5.2" in logged.detail
