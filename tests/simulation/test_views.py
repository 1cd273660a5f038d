"""The scenario pages: a scenario created and changed through the forms (field errors save nothing, a
double submit has one effect), a run started once and replayed, the result side by side with the
vacancies whose winner changes, the CSV files (formula-safe, masked CPR), the access log, the scope
(everybody else gets 404) and a fixed number of queries."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from housing.models import AccessKind, PersonalDataAccess
from simulation import services
from simulation.models import RunState, Scenario, ScenarioChange, ScenarioRun
from tests import scenarios
from tests.eldercare_support import elder_dwelling
from tests.factories import MembershipFactory, UserFactory
from tests.factories_waitinglists import WaitingListFactory

from .support import applicant, family_dwelling, let, scenario_for
from .support_elder import ago, facility, refuse
from .support_elder import applicant as elder_applicant
from .support_elder import let as let_elder

pytestmark = pytest.mark.django_db
D = datetime.date
PAGE_LANGUAGE = "en"
KEY = "submissionkeyAAAAAAAAAAAAAAAAAAAA"


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def world(org_a, department_a, general_list):
    """Two without children (the longest waiting) and a family with two children on the list."""
    scenarios.letting_policy(org_a, offer_round_size=3)
    return {
        "alone_first": applicant(general_list, department_a, seniority=D(2015, 1, 1)),
        "alone_second": applicant(general_list, department_a, seniority=D(2016, 1, 1)),
        "family": applicant(general_list, department_a, seniority=D(2019, 1, 1), children=2),
    }


def _children_change(org, kommune) -> dict:
    return {"kind": "children_agreement", "action": "add", "organisation": org, "kommune": kommune}


def _done_run(user, scenario) -> ScenarioRun:
    started = services.scenario_run_start(scenario=scenario, user=user, enqueue=lambda _id: None)
    run = services.scenario_run_execute(run_id=started.pk)
    assert run.state == RunState.DONE, run.error
    return run


@pytest.fixture
def r4_run(caseworker_a, org_a, department_a, kommune_aarhus, world):
    """§ 4 added: the 3-room dwelling goes to the family instead of the longest waiting."""
    let(caseworker_a, family_dwelling(department_a, rooms=3, address_line="Alfavej 3, 1. tv."))
    scenario = scenario_for(caseworker_a, org_a, changes=[_children_change(org_a, kommune_aarhus)])
    return _done_run(caseworker_a, scenario)


# --- Creating and changing a scenario ---------------------------------------------------------------


def _create_data(org, **extra) -> dict:
    start, end = services.default_period()
    return {
        "name": "Paragraf 4 i Aarhus",
        "scope": "organisation",
        "organisation": org.pk,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "description": "",
        "change_reason": "Bestyrelsesmøde",
        **extra,
    }


def test_the_create_form_offers_the_users_own_organisations_and_the_last_12_months(
    caseworker_a, org_a, org_b, client_for
):
    body = client_for(caseworker_a).get("/scenarier/ny/").content.decode()
    start, end = services.default_period()
    assert org_a.name in body and org_b.name not in body
    assert f'value="{start.isoformat()}"' in body and f'value="{end.isoformat()}"' in body


def test_a_scenario_is_created_and_a_change_added(
    caseworker_a, org_a, department_a, kommune_aarhus, client_for
):
    client = client_for(caseworker_a)
    response = client.post("/scenarier/ny/", _create_data(org_a))
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scenarier/{scenario.pk}/"
    assert scenario.controller_id == org_a.tenant_id and scenario.created_by == caseworker_a
    assert scenario.history.get().history_change_reason == "Bestyrelsesmøde"

    response = client.post(
        f"/scenarier/{scenario.pk}/aendringer/ny/",
        {
            "change-kind": "children_agreement",
            "change-action": "add",
            "change-organisation": org_a.pk,
            "change-kommune": kommune_aarhus.pk,
            "change-department": department_a.pk,
            "change-every_nth": "",
            "change-valid_from": "",
            "change-change_reason": "Forslag fra kommunen",
        },
    )
    assert response.status_code == 302
    change = ScenarioChange.objects.get()
    assert (change.kind, change.action, change.department) == ("children_agreement", "add", department_a)
    body = client.get(f"/scenarier/{scenario.pk}/").content.decode()
    assert f'id="change-{change.pk}"' in body and department_a.name in body
    # One organisation in one kommune: the change form has them chosen already.
    assert f'<option value="{org_a.pk}" selected>' in body
    assert f'<option value="{kommune_aarhus.pk}" selected>' in body

    response = client.post(
        f"/scenarier/{scenario.pk}/aendringer/fjern/",
        {"remove-change": change.pk, "remove-change_reason": "Fortrudt"},
    )
    assert response.status_code == 302 and not ScenarioChange.objects.exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"name": ""}, "name"),
        ({"scope": "kommune"}, "scope"),
        ({"organisation": ""}, "organisation"),
        ({"period_start": "2026-05-01", "period_end": "2026-01-01"}, "period_end"),
        ({"period_end": "9999-12-31"}, "period_end"),
        ({"change_reason": ""}, "change_reason"),
        ({"organisation": "9" * 30}, "organisation"),
    ],
)
def test_bad_scenario_input_gives_field_errors_and_saves_nothing(
    caseworker_a, org_a, client_for, extra, field
):
    response = client_for(caseworker_a).post("/scenarier/ny/", _create_data(org_a, **extra))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Scenario.objects.exists()


def test_a_scenario_is_renamed_and_its_period_changed_with_the_reason_in_its_history(
    caseworker_a, caseworker_b, org_a, client_for
):
    client = client_for(caseworker_a)
    client.post("/scenarier/ny/", _create_data(org_a))
    scenario = Scenario.objects.get()
    page = client.get(f"/scenarier/{scenario.pk}/").content.decode()
    assert f'href="/scenarier/{scenario.pk}/ret/"' in page
    data = {
        "name": "§ 4 – andet forslag",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "description": "Kun første halvår",
        "change_reason": "Bestyrelsen bad om første halvår",
    }
    # Bad input: a field error, nothing saved.
    response = client.post(f"/scenarier/{scenario.pk}/ret/", {**data, "period_end": "2025-12-31"})
    assert response.status_code == 400 and "period_end" in response.context["form"].errors
    scenario.refresh_from_db()
    assert scenario.name != data["name"] and scenario.history.count() == 1
    # Another organisation's caseworker does not reach it.
    assert client_for(caseworker_b).post(f"/scenarier/{scenario.pk}/ret/", data).status_code == 404
    response = client.post(f"/scenarier/{scenario.pk}/ret/", data)
    assert response.status_code == 302 and response["Location"] == f"/scenarier/{scenario.pk}/"
    scenario.refresh_from_db()
    assert (scenario.name, scenario.period_start, scenario.period_end, scenario.description) == (
        "§ 4 – andet forslag",
        D(2026, 1, 1),
        D(2026, 6, 30),
        "Kun første halvår",
    )
    latest = scenario.history.first()
    assert latest.history_user == caseworker_a
    assert latest.history_change_reason == "Bestyrelsen bad om første halvår"
    assert scenario.history.count() == 2


def test_another_organisation_cannot_be_chosen(caseworker_a, org_a, org_b, client_for):
    response = client_for(caseworker_a).post("/scenarier/ny/", _create_data(org_a, organisation=org_b.pk))
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    assert not Scenario.objects.exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"change-kind": "kommune_share", "change-every_nth": ""}, "every_nth"),
        ({"change-every_nth": "3"}, "every_nth"),  # a § 4 agreement names no share
        ({"change-every_nth": "1e400", "change-kind": "kommune_share"}, "every_nth"),
        ({"change-kind": "lottery"}, "kind"),
        ({"change-valid_from": "0001-01-01"}, "valid_from"),
        ({"change-department": "-1"}, "department"),
        ({"change-change_reason": ""}, "change_reason"),
    ],
)
def test_bad_change_input_gives_field_errors_and_saves_nothing(
    caseworker_a, org_a, kommune_aarhus, client_for, extra, field
):
    scenario = scenario_for(caseworker_a, org_a)
    data = {
        "change-kind": "children_agreement",
        "change-action": "add",
        "change-organisation": org_a.pk,
        "change-kommune": kommune_aarhus.pk,
        "change-change_reason": "Test",
        **extra,
    }
    response = client_for(caseworker_a).post(f"/scenarier/{scenario.pk}/aendringer/ny/", data)
    assert response.status_code == 400
    assert field in response.context["change_form"].errors
    assert f'id="id_change-{field}_error"' in response.content.decode()
    assert not ScenarioChange.objects.exists()


def test_a_change_for_another_organisations_department_is_refused(
    caseworker_a, org_a, kommune_aarhus, department_b, client_for
):
    scenario = scenario_for(caseworker_a, org_a)
    response = client_for(caseworker_a).post(
        f"/scenarier/{scenario.pk}/aendringer/ny/",
        {
            "change-kind": "children_agreement",
            "change-action": "add",
            "change-organisation": org_a.pk,
            "change-kommune": kommune_aarhus.pk,
            "change-department": department_b.pk,
            "change-change_reason": "Test",
        },
    )
    assert response.status_code == 400 and not ScenarioChange.objects.exists()


def test_a_double_submit_creates_one_scenario_and_one_change(
    caseworker_a, org_a, department_a, kommune_aarhus, client_for
):
    client = client_for(caseworker_a)
    first = client.post("/scenarier/ny/", {**_create_data(org_a), "submission_key": KEY})
    second = client.post("/scenarier/ny/", {**_create_data(org_a), "submission_key": KEY})
    assert first["Location"] == second["Location"] and second["X-Repeated-Submission"] == "1"
    scenario = Scenario.objects.get()
    data = {
        "change-kind": "children_agreement",
        "change-action": "add",
        "change-organisation": org_a.pk,
        "change-kommune": kommune_aarhus.pk,
        "change-change_reason": "Test",
        "submission_key": KEY + "B",
    }
    answers = [client.post(f"/scenarier/{scenario.pk}/aendringer/ny/", data) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302], answers[0].content.decode()[-3000:]
    assert ScenarioChange.objects.count() == 1


# --- Running ----------------------------------------------------------------------------------------


def test_the_run_starts_once_per_submit_and_replays(
    caseworker_a, org_a, department_a, world, client_for, django_capture_on_commit_callbacks
):
    let(caseworker_a, family_dwelling(department_a))
    scenario = scenario_for(caseworker_a, org_a)
    client = client_for(caseworker_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.post(f"/scenarier/{scenario.pk}/koer/", {"submission_key": KEY})
        second = client.post(f"/scenarier/{scenario.pk}/koer/", {"submission_key": KEY})
    run = ScenarioRun.objects.get()
    assert len(callbacks) == 1  # enqueued once (the queue runs it here, eagerly)
    assert first["Location"] == second["Location"] == f"/scenarier/koersel/{run.pk}/"
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.summary["identity"] == {
        "let_from_lists_in_rounds": 1,
        "reproduced": 1,
    }
    body = client.get(f"/scenarier/koersel/{run.pk}/").content.decode()
    assert 'id="identity" data-reproduced="1" data-of="1"' in body
    assert 'id="no-changed"' in body


def test_a_running_run_shows_its_progress_and_polls(caseworker_a, org_a, client_for):
    scenario = scenario_for(caseworker_a, org_a)
    run = services.scenario_run_start(scenario=scenario, user=caseworker_a, enqueue=lambda _id: None)
    ScenarioRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, done=50, total=120)
    body = client_for(caseworker_a).get(f"/scenarier/koersel/{run.pk}/").content.decode()
    assert 'max="120" value="50"' in body and "50 of 120 vacant dwellings" in body
    assert 'hx-trigger="every 2s"' in body and 'id="run-refresh"' in body
    assert '<meta http-equiv="refresh" content="2">' in body
    ScenarioRun.objects.filter(pk=run.pk).update(state=RunState.FAILED)
    body = client_for(caseworker_a).get(f"/scenarier/koersel/{run.pk}/").content.decode()
    assert "hx-trigger" not in body and "The run failed" in body


@pytest.mark.rule("R4")
def test_the_result_shows_the_figures_side_by_side_and_the_changed_vacancy(
    r4_run, world, caseworker_a, client_for
):
    response = client_for(caseworker_a).get(f"/scenarier/koersel/{r4_run.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    # Households with children housed: actual 0, replay 0, scenario 1.
    housed = body[body.index('data-key="children_housed"') :]
    housed = housed[: housed.index("</tr>")]
    assert [cell.split(">")[-1] for cell in housed.split("</td>")[:3]] == ["0", "0", "1"]
    rules = body[body.index('id="figures-rules"') :]
    assert 'data-key="rule:R4"' in rules and 'data-key="rule:R2.1"' in rules
    assert 'id="changed-hands" data-count="1"' in body
    # Three inline SVG charts, each an image with its name; the numbers also in the tables.
    assert body.count('role="img"') == 3 and 'aria-labelledby="chart-rules-title chart-rules-desc"' in body
    changed = body[body.index('id="changed-table"') :]
    family, alone = world["family"].person, world["alone_first"].person
    assert family.applicant_number in changed and alone.applicant_number in changed
    assert family.cpr_masked in changed and family.cpr_reveal() not in body
    assert "households with children" in changed.lower() or "R4" in changed


def test_the_result_page_writes_the_access_log(r4_run, world, caseworker_a, client_for):
    client_for(caseworker_a).get(f"/scenarier/koersel/{r4_run.pk}/")
    logged = set(
        PersonalDataAccess.objects.filter(user=caseworker_a, kind=AccessKind.SENSITIVE_READ).values_list(
            "person_id", flat=True
        )
    )
    assert logged == {world["family"].person_id, world["alone_first"].person_id}


def test_the_csv_files_are_formula_safe_with_masked_cpr_and_logged(r4_run, world, caseworker_a, client_for):
    family = world["family"].person
    type(family).objects.filter(pk=family.pk).update(first_name='=HYPERLINK("http://x")')
    response = client_for(caseworker_a).get(f"/scenarier/koersel/{r4_run.pk}/ledige-boliger.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 2 and rows[1][-1] == "yes"
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[1])
    assert family.cpr_masked in text and family.cpr_reveal() not in text
    assert family.cpr_reveal().replace("-", "") not in text
    exported = set(
        PersonalDataAccess.objects.filter(kind=AccessKind.EXPORT).values_list("person_id", flat=True)
    )
    assert exported == {family.pk, world["alone_first"].person_id}
    figures = (
        client_for(caseworker_a).get(f"/scenarier/koersel/{r4_run.pk}/tal.csv").content.decode("utf-8-sig")
    )
    assert "Households with children housed;0;0;1" in figures


# --- Scope --------------------------------------------------------------------------------------------


def test_foreign_users_get_404(r4_run, caseworker_b, read_only_a, client_for):
    scenario = r4_run.scenario
    for user in (caseworker_b, read_only_a):
        client = client_for(user)
        for url in (
            f"/scenarier/{scenario.pk}/",
            f"/scenarier/koersel/{r4_run.pk}/",
            f"/scenarier/koersel/{r4_run.pk}/ledige-boliger.csv",
            f"/scenarier/koersel/{r4_run.pk}/tal.csv",
        ):
            assert client.get(url).status_code == 404, (user, url)
        for url in (
            f"/scenarier/{scenario.pk}/koer/",
            f"/scenarier/{scenario.pk}/aendringer/ny/",
            f"/scenarier/{scenario.pk}/aendringer/fjern/",
        ):
            assert client.post(url, {}).status_code == 404, (user, url)
        assert f'href="/scenarier/{scenario.pk}/"' not in client.get("/scenarier/").content.decode()
    assert ScenarioRun.objects.count() == 1
    assert client_for(read_only_a).get("/scenarier/ny/").status_code == 403


def test_the_kommunes_officer_uses_a_kommune_scenario_not_the_organisations(
    r4_run, kommune_officer, kommune_aarhus, caseworker_a, client_for
):
    officer = client_for(kommune_officer)
    assert officer.get(f"/scenarier/{r4_run.scenario_id}/").status_code == 404
    # The kommune is all the officer may choose: chosen already, and no empty organisation list.
    form = officer.get("/scenarier/ny/").content.decode()
    assert re.search(r'<input type="radio" name="scope" value="kommune" [^>]*checked', form)
    assert '<select name="organisation"' not in form and '<select name="association"' not in form
    start, end = services.default_period()
    response = officer.post(
        "/scenarier/ny/",
        {
            "name": "Kommunal anvisning hver 4.",
            "scope": "kommune",
            "kommune": kommune_aarhus.pk,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "change_reason": "Test",
        },
    )
    scenario = Scenario.objects.get(scope="kommune")
    assert response.status_code == 302 and scenario.controller_id == kommune_aarhus.tenant_id
    assert officer.get(f"/scenarier/{scenario.pk}/").status_code == 200
    assert "Kommunal anvisning hver 4." in officer.get("/scenarier/").content.decode()


def test_the_administrators_menu_has_the_scenarios(administrator, client_for):
    body = client_for(administrator).get("/scenarier/").content.decode()
    assert 'id="menu-scenarios"' in body and 'aria-current="page"' in body


# --- Queries ------------------------------------------------------------------------------------------


def _result_queries(client, run, django_assert_max_num_queries, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        assert client.get(f"/scenarier/koersel/{run.pk}/").status_code == 200


@pytest.mark.parametrize("viewer", ["caseworker_a", "administrator"])
def test_the_result_page_costs_the_same_queries_for_1_or_many_vacancies(
    caseworker_a,
    org_a,
    department_a,
    kommune_aarhus,
    kommune_odense,
    kommune_officer,
    general_list,
    client_for,
    django_assert_max_num_queries,
    request,
    viewer,
):
    """Family vacancies and elder dwellings of the organisation's department (§ 22 refusing the
    outsiders with the greatest need): the page costs the same for 1 or many of each that change
    hands — for the organisation's caseworker (the elder persons not shown) and an administrator."""
    scenarios.letting_policy(org_a, offer_round_size=3)
    for year in range(2010, 2018):
        applicant(general_list, department_a, seniority=D(year, 1, 1))
    for n in range(3):
        applicant(general_list, department_a, seniority=D(2019, 1, 1 + n), children=1)
    homes = [elder_dwelling(kommune_aarhus, department=department_a, address_line=f"Alfa {n}") for n in "12"]
    homes += [elder_dwelling(kommune_aarhus, department=department_a, address_line=f"Alfa {n}") for n in "34"]
    alfa = facility(kommune_aarhus, "Alfa", "plejeboliger", homes)
    for need in (16, 15, 14):
        elder_applicant(
            kommune_officer, kommune_aarhus, [alfa], need=need, joined=ago(150), home=kommune_odense
        )
    for need in (12, 10, 8, 6):
        elder_applicant(kommune_officer, kommune_aarhus, [alfa], need=need, joined=ago(300 - need))
    change = [_children_change(org_a, kommune_aarhus), refuse(kommune_aarhus, valid_from=ago(200))]
    let(caseworker_a, family_dwelling(department_a, rooms=3))
    let_elder(kommune_officer, homes[0], ago(100))
    one = _done_run(caseworker_a, scenario_for(caseworker_a, org_a, changes=change, name="Én"))
    for _ in range(3):
        let(caseworker_a, family_dwelling(department_a, rooms=3))
    for n, days in ((1, 90), (2, 80), (3, 70)):
        let_elder(kommune_officer, homes[n], ago(days))
    many = _done_run(caseworker_a, scenario_for(caseworker_a, org_a, changes=change, name="Mange"))
    assert one.summary["changed_hands"] == 1 and many.summary["changed_hands"] >= 3
    assert one.summary["elder"]["changed_hands"] == 1 and many.summary["elder"]["changed_hands"] == 4
    client = client_for(request.getfixturevalue(viewer))
    client.get("/")  # the session and the menu's caches, as for any page
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        body = client.get(f"/scenarier/koersel/{one.pk}/").content.decode()
    assert ('id="elder-changed-table"' in body) == (viewer == "administrator")
    _result_queries(client, many, django_assert_max_num_queries, len(first))


def test_the_list_and_the_scenario_page(r4_run, caseworker_a, client_for):
    client = client_for(caseworker_a)
    body = client.get("/scenarier/?ordering=-last_run").content.decode()
    assert f'href="/scenarier/{r4_run.scenario_id}/"' in body
    body = client.get(reverse("simulation:scenario_detail", args=[r4_run.scenario_id])).content.decode()
    assert f'href="/scenarier/koersel/{r4_run.pk}/"' in body and 'id="run-submit"' in body
    assert 'id="remove-form"' in body


def test_another_persons_scenario_of_the_same_organisation_is_shared(r4_run, org_a, client_for):
    colleague = UserFactory(username="colleague_a")
    MembershipFactory(user=colleague, tenant=org_a.tenant, role="caseworker")
    assert client_for(colleague).get(f"/scenarier/koersel/{r4_run.pk}/").status_code == 200
