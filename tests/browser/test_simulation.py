"""A letting scenario in a real browser (Playwright driving Debian's Chromium): a caseworker creates a
scenario through the form, adds a § 4 agreement, runs it (the queue runs the job eagerly in tests),
waits for the result and reads the comparison; axe finds no serious or critical problem on the
pages."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS
D = datetime.date


def _world(caseworker, org, department):
    """Two applicants without children ahead of a family; a 3-room family dwelling let to the first."""
    from tests import scenarios
    from tests.factories_waitinglists import WaitingListFactory
    from tests.simulation.support import applicant, family_dwelling, let

    scenarios.letting_policy(org, offer_round_size=3)
    general = WaitingListFactory(controller=org.tenant, name="Alfa venteliste")
    applicant(general, department, seniority=D(2015, 1, 1))
    applicant(general, department, seniority=D(2016, 1, 1))
    family = applicant(general, department, seniority=D(2019, 1, 1), children=2)
    let(caseworker, family_dwelling(department, rooms=3, address_line="Scenarievej 3, st."))
    return family


@pytest.mark.rule("R4")
@pytest.mark.django_db(transaction=True)
def test_a_scenario_is_created_run_and_compared(
    browser, live_server, caseworker_a, org_a, department_a, kommune_aarhus
):
    from playwright.sync_api import expect

    family = _world(caseworker_a, org_a, department_a)
    problems: dict[str, list[str]] = {}
    page = browser.new_page()
    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/scenarier/")
    problems["list"] = axe_problems(page)
    page.click("#scenario-create")
    page.fill("#id_name", "§ 4 i Aarhus")
    page.check("#id_scope_0")  # the organisation
    page.select_option("#id_organisation", str(org_a.pk))
    # The period: the default (the last 12 months) ends yesterday; today's letting is in it to tomorrow.
    page.fill("#id_period_end", (datetime.date.today() + datetime.timedelta(days=1)).isoformat())
    problems["create"] = axe_problems(page)
    page.click("#scenario-save")
    expect(page.locator("#scenario-facts")).to_contain_text(org_a.name)

    page.check("#id_change-kind_0")  # § 4
    page.check("#id_change-action_0")  # add
    page.select_option("#id_change-organisation", str(org_a.pk))
    page.select_option("#id_change-kommune", str(kommune_aarhus.pk))
    page.fill("#id_change-change_reason", "Forslag til bestyrelsen")
    page.click("#change-submit")
    expect(page.locator("#changes tbody tr")).to_have_count(1)
    problems["scenario"] = axe_problems(page)

    page.click("#run-submit")
    page.wait_for_url(f"{live_server.url}/scenarier/koersel/*/")
    expect(page.locator("#scenario-run")).to_have_attribute("data-state", "done", timeout=30_000)
    housed = page.locator('#figures-housed tr[data-key="children_housed"] td')
    expect(housed).to_have_text(["0", "0", "1"])
    expect(page.locator("#identity")).to_have_attribute("data-reproduced", "1")
    expect(page.locator("#changed-hands")).to_have_attribute("data-count", "1")
    expect(page.locator("#changed-table")).to_contain_text(family.person.applicant_number)
    expect(page.locator("#chart-rules svg[role=img]")).to_be_visible()
    problems["result"] = axe_problems(page)
    page.close()
    assert not any(problems.values()), problems
