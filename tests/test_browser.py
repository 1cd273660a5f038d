"""The staff pages in a real browser (Playwright driving Debian's Chromium), with an axe scan."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]

SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are synchronous and safe, so Django's async guard is lifted for these tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


@pytest.mark.django_db(transaction=True)
def test_login_search_person_history_and_language(browser, live_server, caseworker_a, person_a):
    from tests.factories import HouseholdFactory, HouseholdMemberFactory

    household = HouseholdFactory(controller=person_a.controller)
    HouseholdMemberFactory(household=household, person=person_a, relation="applicant")
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/konto/login/")
    problems["login"] = _axe_problems(page)
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Velkommen")
    problems["dashboard"] = _axe_problems(page)

    page.goto(f"{live_server.url}/personer/")
    page.fill("#id_q", person_a.last_name)
    page.click("#search-name-submit")
    page.wait_for_selector("#results")
    problems["search"] = _axe_problems(page)
    page.click(f"text={person_a.first_name} {person_a.last_name}")
    page.wait_for_url(f"{live_server.url}/personer/{person_a.pk}/")
    assert page.locator("#masked-cpr").inner_text() == "010190-XXXX"
    problems["person"] = _axe_problems(page)

    # Reveal the CPR (htmx swaps the fragment in place) after stating a purpose.
    page.select_option("#id_purpose", "identity_check")
    page.click("#reveal-cpr-submit")
    page.wait_for_selector("#revealed-cpr")
    assert page.locator("#revealed-cpr").inner_text() == "010190-1234"

    page.click("text=Historik")
    page.wait_for_url(f"{live_server.url}/personer/{person_a.pk}/historik/")
    assert page.locator("table").count() >= 1
    problems["history"] = _axe_problems(page)

    page.select_option("#language-select", "en")
    page.click("#language-submit")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Search persons").first.is_visible()
    problems["history (English)"] = _axe_problems(page)

    page.goto(f"{live_server.url}/boliger/")
    problems["dwellings"] = _axe_problems(page)
    page.close()
    assert not any(problems.values()), problems
