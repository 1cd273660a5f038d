"""A rejection in a real browser (Playwright driving Debian's Chromium): from the vacancy page to the
rejection form, choose the ground, see the guard refuse a reasoning that is too short, decide the
rejection and land on the case page with the decision letter — with an axe scan of each page."""

from __future__ import annotations

import datetime

import pytest

from letting import workflow
from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.rule("R30", "R11")
@pytest.mark.django_db(transaction=True)
def test_a_caseworker_rejects_a_candidate_on_a_written_reasoning(
    browser, live_server, caseworker_a, department_a, settings, tmp_path
):
    from rejections.models import RejectionCase, RejectionState
    from tests.factories import DwellingFactory
    from tests.factories_waitinglists import EntryFactory, WaitingListFactory

    settings.MEDIA_ROOT = tmp_path
    today = datetime.date.today()
    vacancy = workflow.vacancy_open(
        actor=caseworker_a,
        reason="Lejer har opsagt",
        dwelling=DwellingFactory(department=department_a, rooms=2, address_line="Afvisningsvej 3"),
        notice_date=today - datetime.timedelta(days=10),
        move_out_date=today + datetime.timedelta(days=40),
    )
    applicant = EntryFactory(
        waiting_list=WaitingListFactory(controller=department_a.organisation.tenant, name="Alfa venteliste")
    ).person
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}{vacancy.get_absolute_url()}")
    page.click("#rejection-link")
    page.wait_for_selector("#ground-form")
    problems["ground chooser"] = axe_problems(page)
    page.select_option("#id_ground", "R30")
    page.click("#ground-submit")
    page.wait_for_selector("#rejection-form")
    page.fill("#id_applicant_number", applicant.applicant_number)
    page.fill("#id_reasoning", "Too short")
    page.fill("#rejection-form #id_change_reason", "Afvisning efter § 30")
    page.click("#rejection-submit")
    page.wait_for_selector(".app-error-summary")
    problems["form with errors"] = axe_problems(page)
    assert not RejectionCase.objects.exists()
    page.fill(
        "#id_reasoning",
        "Ansøgeren har gentagne gange truet ejendomsfunktionæren; dokumenteret i to skriftlige advarsler.",
    )
    page.fill("#rejection-form #id_change_reason", "Afvisning efter § 30")
    page.click("#rejection-submit")
    # The decision sends a letter: it is shown first, and the caseworker confirms.
    page.wait_for_selector("#letter-preview")
    assert "truet ejendomsfunktionæren" in page.inner_text("#letter-preview-body")
    assert not RejectionCase.objects.exists()
    problems["confirmation"] = axe_problems(page)
    page.click("#confirm-submit")
    page.wait_for_selector("#case-facts")
    problems["case page"] = axe_problems(page)
    case = RejectionCase.objects.get()
    assert case.state == RejectionState.DECIDED and case.person == applicant
    assert case.letter.subject in page.inner_text("#case-letter")
    assert "beboerklagenævnet" in case.letter.body_html
    page.close()
    assert not any(problems.values()), problems
