"""The staff pages in a real browser (Playwright driving Debian's Chromium), with an axe scan."""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_login_search_person_history_and_language(browser, live_server, caseworker_a, person_a):
    from tests.factories import HouseholdFactory, HouseholdMemberFactory

    household = HouseholdFactory(controller=person_a.controller)
    HouseholdMemberFactory(household=household, person=person_a, relation="applicant")
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/konto/login/")
    problems["login"] = axe_problems(page)
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Velkommen")
    problems["dashboard"] = axe_problems(page)

    page.goto(f"{live_server.url}/personer/")
    page.fill("#id_q", person_a.last_name)
    page.click("#search-name-submit")
    page.wait_for_selector("#results")
    problems["search"] = axe_problems(page)
    page.click(f"text={person_a.first_name} {person_a.last_name}")
    page.wait_for_url(f"{live_server.url}/personer/{person_a.pk}/")
    assert page.locator("#masked-cpr").inner_text() == "010190-XXXX"
    problems["person"] = axe_problems(page)

    # Reveal the CPR (htmx swaps the fragment in place) after stating a purpose.
    page.select_option("#id_purpose", "identity_check")
    page.click("#reveal-cpr-submit")
    page.wait_for_selector("#revealed-cpr")
    assert page.locator("#revealed-cpr").inner_text() == "010190-1234"

    page.click("text=Historik")
    page.wait_for_url(f"{live_server.url}/personer/{person_a.pk}/historik/")
    assert page.locator("table").count() >= 1
    problems["history"] = axe_problems(page)

    page.select_option("#language-select", "en")
    page.click("#language-submit")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Search persons").first.is_visible()
    problems["history (English)"] = axe_problems(page)

    page.goto(f"{live_server.url}/boliger/")
    problems["dwellings"] = axe_problems(page)
    page.close()
    assert not any(problems.values()), problems
