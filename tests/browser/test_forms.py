"""The registration form in a real browser (issue 15, item 4): only the chosen applicant section
shows, the page lands on the error summary after a refused submit and its link leads to the
field, and axe finds no serious or critical problem in either state."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_registration_shows_the_chosen_section_and_lands_on_the_error_summary(
    browser, live_server, caseworker_a, department_a
):
    from housing.audit import audited_save
    from waitinglists.models import Entry, ListKind, WaitingList

    waiting_list = audited_save(
        WaitingList(
            controller=department_a.organisation.tenant, kind=ListKind.GENERAL, name="Alfa venteliste"
        ),
        actor=caseworker_a,
        reason="Oprettet",
    )
    page = browser.new_page()
    problems: dict[str, list[str]] = {}
    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/ventelister/{waiting_list.pk}/tilmeld/")
    # "New person" is chosen from the start: its section shows, the other does not.
    assert page.is_visible("#new-section") and page.is_hidden("#existing-section")
    problems["new person chosen"] = axe_problems(page)
    page.check("#id_applicant_0")  # already registered with us
    assert page.is_visible("#existing-section") and page.is_hidden("#new-section")
    problems["existing person chosen"] = axe_problems(page)

    # Neither number given: refused, and the page lands on the summary, which links to the field.
    page.fill("#id_registered_on", datetime.date.today().isoformat())
    page.click("#register-submit")
    page.wait_for_selector(".app-error-summary")
    assert page.evaluate("document.activeElement.classList.contains('app-error-summary')")
    assert page.is_visible("#existing-section") and page.is_hidden("#new-section")  # the choice kept
    problems["error summary"] = axe_problems(page)
    page.click(".app-error-summary a[href='#id_existing_cpr']")
    assert page.evaluate("document.activeElement.id") == "id_existing_cpr"
    assert not Entry.objects.exists()

    assert problems == {name: [] for name in problems}, problems
