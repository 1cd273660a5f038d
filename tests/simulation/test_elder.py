"""The elder lists in a letting scenario (issue 17): the elder vacancies let in the period replayed from
the dated list rows and ranked by the live ``eldercare.rules.ranking.rank`` (R20.2), and a
refuse-outsiders decision (§ 22, stk. 1 and 3; § 23) replayed over them.

The world is built through the eldercare services, in the order the past would have recorded it:
needs decisions, specific-list entries joined on past days, vacancies offered, accepted and let."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eldercare.models import FacilityDwelling, OutsiderExemption
from housing.deadlines import add_calendar_months
from housing.models import AccessKind, PersonalDataAccess
from simulation import services
from simulation.models import RunState, ScenarioRun, ScenarioRunElderVacancy, ScopeKind
from tests.eldercare_support import elder_dwelling, saved

from .support import run as support_run
from .support import scenario_for
from .support_elder import REASON, TODAY, ago, applicant, facility, let, refuse

pytestmark = pytest.mark.django_db


def run_for(officer, kommune, *, changes=()) -> ScenarioRun:
    scenario = services.scenario_create(
        actor=officer,
        reason=REASON,
        name="Ældreboliger",
        scope=ScopeKind.KOMMUNE,
        kommune=kommune,
        period_start=ago(365),
        period_end=TODAY,
        changes=changes,
    )
    started = services.scenario_run_start(scenario=scenario, user=officer, enqueue=lambda _id: None)
    run = services.scenario_run_execute(run_id=started.pk)
    assert run.state == RunState.DONE, run.error
    return run


def rows(run) -> list[ScenarioRunElderVacancy]:
    return list(run.elder_vacancies.order_by("position"))


@pytest.fixture
def nursing(kommune_aarhus):
    """Three plejeboliger of one facility and its specific list."""
    dwellings = [elder_dwelling(kommune_aarhus, address_line=f"Solbakken {n}") for n in range(1, 4)]
    return dwellings, facility(kommune_aarhus, "Solbakken", "plejeboliger", dwellings)


# --- (a) Identity -------------------------------------------------------------------------------------


@pytest.mark.rule("R20.2")
def test_without_a_change_every_letting_by_rank_is_reproduced_and_a_lower_ranked_choice_is_the_kommunes(
    kommune_officer, kommune_aarhus, kommune_odense, nursing
):
    dwellings, solbakken = nursing
    extra = elder_dwelling(kommune_aarhus, address_line="Solbakken 4")
    saved(FacilityDwelling(facility=solbakken.facility, dwelling=extra))
    officer = kommune_officer
    high = applicant(officer, kommune_aarhus, [solbakken], need=14, joined=ago(300))
    outsider = applicant(officer, kommune_aarhus, [solbakken], need=12, joined=ago(280), home=kommune_odense)
    low = applicant(officer, kommune_aarhus, [solbakken], need=9, joined=ago(270))
    lowest = applicant(officer, kommune_aarhus, [solbakken], need=6, joined=ago(260))
    tenants = [
        let(officer, dwellings[0], ago(120)),  # high (14)
        let(officer, dwellings[1], ago(100), choose=2),  # low (9) before the outsider (12): the kommune's
        let(officer, dwellings[2], ago(80)),  # outsider (12)
        let(officer, extra, ago(60)),  # lowest (6)
    ]
    assert tenants == [high.pk, low.pk, outsider.pk, lowest.pk]
    run = run_for(officer, kommune_aarhus)
    replayed = rows(run)
    assert [r.actual_person_id for r in replayed] == tenants
    assert [r.fidelity for r in replayed] == ["reproduced", "kommune_decision", "reproduced", "reproduced"]
    assert replayed[1].actual_rank == 2 and replayed[1].replay_rank_of_tenant == 2
    assert replayed[1].replay_person_id == outsider.pk  # the replay's first was the outsider
    assert not any(r.changed for r in replayed)
    assert [r.scenario_person_id for r in replayed] == tenants
    elder = run.summary["elder"]
    assert elder["identity"] == {"let_by_ranking": 3, "reproduced": 3}
    assert elder["fidelity"] == {"kommune_decision": 1, "reproduced": 3}
    assert elder["actual"] == elder["scenario"] == {"let": 4, "to_outsiders": 1, "outsider_share": 0.25}
    assert elder["changed_hands"] == 0
    assert run.done == run.total == 4


# --- (b) Direction ------------------------------------------------------------------------------------


@pytest.fixture
def outsider_world(kommune_officer, kommune_aarhus, kommune_odense, nursing):
    """An outsider (need 14) who joined 150 days ago, two insiders (12 and 8) who joined earlier;
    the plejeboliger let 100 and 80 days ago by rank: the outsider, then the greater insider need."""
    dwellings, solbakken = nursing
    officer = kommune_officer
    people = {
        "outsider": applicant(
            officer, kommune_aarhus, [solbakken], need=14, joined=ago(150), home=kommune_odense, name="Ude"
        ),
        "insider": applicant(officer, kommune_aarhus, [solbakken], need=12, joined=ago(300), name="Inde"),
        "next": applicant(officer, kommune_aarhus, [solbakken], need=8, joined=ago(250), name="Næste"),
    }
    assert let(officer, dwellings[0], ago(100)) == people["outsider"].pk
    assert let(officer, dwellings[1], ago(80)) == people["insider"].pk
    return people


@pytest.mark.rule("R22.1", "R22.3", "R20.2")
def test_refusing_outsiders_lowers_the_outsider_share_and_the_next_in_need_is_housed(
    kommune_officer, kommune_aarhus, outsider_world
):
    people = outsider_world
    run = run_for(kommune_officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    first, second = rows(run)
    # The outsider joined inside the 6 months from ago(200): never admitted, never housed.
    assert first.actual_person_id == people["outsider"].pk and first.actual_outsider
    assert first.scenario_person_id == people["insider"].pk and first.scenario_outsider is False
    assert first.changed and first.fidelity == "reproduced"
    assert (first.scenario_need_score, first.scenario_source) == (12, "specific")
    # The insider housed by the scenario is not housed again: the next in need is.
    assert second.actual_person_id == people["insider"].pk
    assert second.scenario_person_id == people["next"].pk and second.changed
    elder = run.summary["elder"]
    assert elder["actual"]["outsider_share"] == 0.5 and elder["replay"]["outsider_share"] == 0.5
    assert elder["scenario"] == {"let": 2, "to_outsiders": 0, "outsider_share": 0.0}
    assert elder["changed_hands"] == 2


@pytest.mark.rule("R22.1")
def test_a_decision_for_another_kind_of_elder_housing_changes_nothing(
    kommune_officer, kommune_aarhus, outsider_world
):
    run = run_for(
        kommune_officer,
        kommune_aarhus,
        changes=[refuse(kommune_aarhus, valid_from=ago(200), kind="plejehjem")],
    )
    assert run.summary["elder"]["changed_hands"] == 0


# --- (c) Not refused ----------------------------------------------------------------------------------


@pytest.mark.rule("R22.1")
def test_an_outsider_who_joined_before_the_decision_took_effect_is_still_housed(
    kommune_officer, kommune_aarhus, outsider_world
):
    run = run_for(kommune_officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(149))])
    assert rows(run)[0].scenario_person_id == outsider_world["outsider"].pk
    assert run.summary["elder"]["changed_hands"] == 0


@pytest.mark.rule("R22.3")
def test_an_outsider_who_joined_the_day_after_the_6_months_is_still_housed_the_day_before_not(
    kommune_officer, kommune_aarhus, outsider_world
):
    joined = ago(150)
    # In force from ``start`` for 6 months: the decision lapses on the day 6 calendar months later.
    start = joined - datetime.timedelta(days=200)
    while add_calendar_months(start, 6) < joined:
        start += datetime.timedelta(days=1)
    assert add_calendar_months(start, 6) == joined  # the outsider joined on the first free day
    lapsed = run_for(kommune_officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=start)])
    assert rows(lapsed)[0].scenario_person_id == outsider_world["outsider"].pk
    later = start + datetime.timedelta(days=1)  # now the joining day is the decision's last day
    assert add_calendar_months(later, 6) > joined
    in_force = run_for(kommune_officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=later)])
    assert rows(in_force)[0].scenario_person_id == outsider_world["insider"].pk


@pytest.mark.rule("R23")
def test_an_outsider_with_a_section_23_exemption_is_still_housed(
    kommune_officer, kommune_aarhus, kommune_odense, nursing
):
    dwellings, solbakken = nursing
    exempt = applicant(
        kommune_officer,
        kommune_aarhus,
        [solbakken],
        need=14,
        joined=ago(150),
        home=kommune_odense,
        exemption=OutsiderExemption.CLOSE_RELATIVES,
    )
    applicant(kommune_officer, kommune_aarhus, [solbakken], need=12, joined=ago(300))
    assert let(kommune_officer, dwellings[0], ago(100)) == exempt.pk
    run = run_for(kommune_officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    (row,) = rows(run)
    assert row.scenario_person_id == exempt.pk and row.actual_outsider and not row.changed
    assert run.summary["elder"]["scenario"]["outsider_share"] == 1.0


# --- (d) Carry forward --------------------------------------------------------------------------------


@pytest.mark.rule("R22.1", "R20.2")
def test_the_scenarios_tenants_leave_the_lists_and_the_tenants_it_did_not_house_stay_on_them(
    kommune_officer, kommune_aarhus, kommune_odense
):
    """The outsider is on the plejeboliger list (refused) and a plejehjem list (not refused). In the
    scenario the insider takes the first plejebolig and is not housed again; the outsider, not housed
    there, keeps the need and the plejehjem place they had and takes the first plejehjem place —
    once: the tenant of that place actually, not housed by the scenario, takes the next one."""
    officer = kommune_officer
    plejeboliger = [elder_dwelling(kommune_aarhus, address_line=f"Bakken {n}") for n in (1, 2)]
    plejehjem = [
        elder_dwelling(kommune_aarhus, kind="plejehjem", address_line=f"Hjemmet {n}") for n in (1, 2)
    ]
    bakken = facility(kommune_aarhus, "Bakken", "plejeboliger", plejeboliger)
    hjemmet = facility(kommune_aarhus, "Hjemmet", "plejehjem", plejehjem)
    outsider = applicant(
        officer, kommune_aarhus, [bakken, hjemmet], need=14, joined=ago(150), home=kommune_odense
    )
    insider = applicant(officer, kommune_aarhus, [bakken], need=12, joined=ago(300))
    third = applicant(officer, kommune_aarhus, [bakken], need=9, joined=ago(290))
    displaced = applicant(officer, kommune_aarhus, [hjemmet], need=10, joined=ago(280))
    last = applicant(officer, kommune_aarhus, [hjemmet], need=7, joined=ago(270))
    actual = [
        let(officer, plejeboliger[0], ago(100)),
        let(officer, plejeboliger[1], ago(80)),
        let(officer, plejehjem[0], ago(60)),
        let(officer, plejehjem[1], ago(40)),
    ]
    assert actual == [outsider.pk, insider.pk, displaced.pk, last.pk]
    plain = run_for(officer, kommune_aarhus)
    assert [r.fidelity for r in rows(plain)] == ["reproduced"] * 4
    run = run_for(officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    replayed = rows(run)
    assert [r.scenario_person_id for r in replayed] == [insider.pk, third.pk, outsider.pk, displaced.pk]
    assert replayed[2].scenario_outsider and replayed[2].scenario_list == "Hjemmet"
    assert all(r.changed for r in replayed)
    assert run.summary["elder"]["scenario"]["to_outsiders"] == 1


# --- (e) The run page ---------------------------------------------------------------------------------


def test_the_run_page_shows_the_elder_figures_and_the_changed_elder_dwellings_and_logs_the_reads(
    kommune_officer, kommune_aarhus, outsider_world, client_for
):
    run = run_for(kommune_officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    client = client_for(kommune_officer)
    body = client.get(f"/scenarier/koersel/{run.pk}/").content.decode()
    assert "not replayed yet" not in body
    assert 'data-reproduced="2" data-of="2" data-changed="2"' in body
    share = body[body.index('data-key="elder:outsider_share"') :]
    share = share[: share.index("</tr>")]
    cells = [cell.split(">")[-1].replace(",", ".") for cell in share.split("</td>")[:3]]
    assert cells == ["50.0 %", "50.0 %", "0.0 %"]
    assert 'id="chart-elder"' in body
    table = body[body.index('id="elder-changed-table"') :]
    people = outsider_world
    for person in people.values():
        assert person.applicant_number in table and person.cpr_reveal() not in body
    assert "optaget fra en anden kommune" in table and "vurderet behov 12" in table
    logged = set(
        PersonalDataAccess.objects.filter(user=kommune_officer, kind=AccessKind.SENSITIVE_READ).values_list(
            "person_id", flat=True
        )
    )
    assert logged == {p.pk for p in people.values()}
    figures = client.get(f"/scenarier/koersel/{run.pk}/tal.csv").content.decode("utf-8-sig")
    assert "Andel udefrakommende på ældreboliglisterne;50.0 %;50.0 %;0.0 %" in figures.replace(",", ".")
    assert "Ledige ældreboliger, der skifter lejer;;;2" in figures


def test_an_organisations_user_sees_the_elder_figures_but_not_the_kommunes_applicants(
    kommune_officer,
    kommune_aarhus,
    kommune_odense,
    department_a,
    org_a,
    caseworker_a,
    administrator,
    client_for,
):
    """An organisation's scenario covers the elder dwellings of its departments; the lists, needs and
    residence of the applicants are the kommune's: its officers (and administrators) see the persons."""
    dwellings = [
        elder_dwelling(kommune_aarhus, department=department_a, address_line=f"Alfa {n}") for n in (1, 2)
    ]
    alfa = facility(kommune_aarhus, "Alfa", "plejeboliger", dwellings)
    outsider = applicant(
        kommune_officer, kommune_aarhus, [alfa], need=14, joined=ago(150), home=kommune_odense
    )
    applicant(kommune_officer, kommune_aarhus, [alfa], need=12, joined=ago(300))
    let(kommune_officer, dwellings[0], ago(100))
    scenario = scenario_for(caseworker_a, org_a, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    run = support_run(caseworker_a, scenario)
    assert run.summary["elder"]["changed_hands"] == 1
    body = client_for(caseworker_a).get(f"/scenarier/koersel/{run.pk}/").content.decode()
    assert 'data-key="elder:outsider_share"' in body and 'id="elder-changed-hidden"' in body
    assert outsider.applicant_number not in body
    assert not PersonalDataAccess.objects.filter(user=caseworker_a).exists()
    body = client_for(administrator).get(f"/scenarier/koersel/{run.pk}/").content.decode()
    assert 'id="elder-changed-table"' in body and outsider.applicant_number in body


def test_the_run_page_costs_the_same_queries_for_1_or_many_changed_elder_dwellings(
    kommune_officer, kommune_aarhus, kommune_odense, nursing, client_for
):
    dwellings, solbakken = nursing
    officer = kommune_officer
    applicant(officer, kommune_aarhus, [solbakken], need=15, joined=ago(150), home=kommune_odense)
    for need in (12, 10, 8):
        applicant(officer, kommune_aarhus, [solbakken], need=need, joined=ago(300 - need))
    let(officer, dwellings[0], ago(100))
    one = run_for(officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    let(officer, dwellings[1], ago(90))
    let(officer, dwellings[2], ago(80))
    many = run_for(officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])
    assert one.summary["elder"]["changed_hands"] == 1 and many.summary["elder"]["changed_hands"] == 3
    client = client_for(officer)
    client.get("/")
    with CaptureQueriesContext(connection) as first:
        client.get(f"/scenarier/koersel/{one.pk}/")
    with CaptureQueriesContext(connection) as second:
        client.get(f"/scenarier/koersel/{many.pk}/")
    assert len(second) == len(first)


def test_the_elder_reads_are_a_fixed_number_of_statements(
    kommune_officer, kommune_aarhus, kommune_odense, nursing
):
    dwellings, solbakken = nursing
    officer = kommune_officer
    applicant(officer, kommune_aarhus, [solbakken], need=15, joined=ago(150), home=kommune_odense)
    for need in (12, 10, 8):
        applicant(officer, kommune_aarhus, [solbakken], need=need, joined=ago(300 - need))
    one = run_for(officer, kommune_aarhus, changes=[refuse(kommune_aarhus, valid_from=ago(200))])

    def statements(scenario) -> int:
        with CaptureQueriesContext(connection) as queries:
            loaded = services.elder_load(
                scenario=scenario, period_start=scenario.period_start, period_end=scenario.period_end
            )
            services.run_elder_replay(
                loaded=loaded, period_start=scenario.period_start, changes=services.changes_of(scenario)
            )
        return len(queries) - 1  # the scenario's changes

    let(officer, dwellings[0], ago(100))
    first = statements(one.scenario)
    let(officer, dwellings[1], ago(90))
    let(officer, dwellings[2], ago(80))
    assert statements(one.scenario) == first <= 8
