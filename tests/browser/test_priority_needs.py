"""The person page's *Priority* tab in a real browser (Playwright driving Debian's Chromium):
record a documented need with a mistake, correct it, see it saved with its history — with an axe
scan of the tab, open forms and error messages included."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.rule("R5.2", "R8.2")
@pytest.mark.django_db(transaction=True)
def test_a_caseworker_records_a_documented_need_on_the_priority_tab(
    browser, live_server, caseworker_a, person_a, department_a
):
    from allocation.models import OrganisationLettingPolicy, PriorityNeed
    from housing.audit import audited_save
    from housing.models import PersonalDataAccess

    audited_save(
        OrganisationLettingPolicy(
            organisation=department_a.organisation,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            separation_priority=True,
        ),
        actor=caseworker_a,
        reason="Bestyrelsens beslutning",
    )
    page = browser.new_page()
    problems: dict[str, list[str]] = {}
    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/personer/{person_a.pk}/")
    page.click(f"a[href='/personer/{person_a.pk}/fortrin/']")
    page.wait_for_selector("#need")
    assert page.is_visible("#no-need")
    problems["tab"] = axe_problems(page)

    # Forgetting to tick a need: the message is shown and nothing is saved.
    page.click("#need-details summary")
    page.fill("#id_need-documentation", "Lægeerklæring")
    page.fill("#id_need-documented_on", (datetime.date.today() - datetime.timedelta(days=2)).isoformat())
    page.fill("#id_need-change_reason", "Lægeerklæring modtaget")
    page.click("#need-submit")
    page.wait_for_selector(".app-error-summary")
    assert not PriorityNeed.objects.exists()
    problems["errors"] = axe_problems(page)

    page.check("#id_need-mobility_impaired")
    page.fill("#id_need-change_reason", "Lægeerklæring modtaget")
    page.click("#need-submit")
    page.wait_for_selector("#need-facts")
    assert "Lægeerklæring" in page.inner_text("#need-facts")
    need = PriorityNeed.objects.get(person=person_a)
    assert need.mobility_impaired and need.history.get().history_user == caseworker_a
    # Recording it and each showing since are in the access log.
    assert PersonalDataAccess.objects.filter(person=person_a, user=caseworker_a).count() >= 2
    page.click("#separation-details summary")
    problems["saved, separation form open"] = axe_problems(page)
    assert not any(problems.values()), problems
