"""A vacancy from opening to the signed lease in a real browser (Playwright driving Debian's
Chromium): open the vacancy, see the ranking with its reasons, send offers, record the answers,
close the round, sign the lease — each the step the page's status panel offers at its top, with
the reasons prefilled — with an axe scan of the board and the vacancy page."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.rule("R1.10", "R2.1")
@pytest.mark.django_db(transaction=True)
def test_a_vacancy_from_opening_to_a_signed_lease(
    browser, live_server, caseworker_a, department_a, settings, tmp_path
):
    from allocation.models import Lease, OrganisationLettingPolicy, Vacancy
    from housing.audit import audited_save
    from tests.factories import DwellingFactory
    from tests.factories_waitinglists import EntryFactory, WaitingListFactory
    from waitinglists.models import EntryStatus

    settings.MEDIA_ROOT = tmp_path
    organisation = department_a.organisation
    audited_save(
        OrganisationLettingPolicy(
            organisation=organisation,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            offer_round_size=2,
        ),
        actor=caseworker_a,
        reason="Bestyrelsens beslutning",
    )
    dwelling = DwellingFactory(department=department_a, rooms=3, address_line="Browservej 7, 1. tv.")
    general = WaitingListFactory(controller=organisation.tenant, name="Alfa venteliste")
    first = EntryFactory(waiting_list=general, seniority_date=datetime.date(2012, 5, 1))
    second = EntryFactory(waiting_list=general, seniority_date=datetime.date(2015, 5, 1))
    for entry in (first, second):
        entry.departments.add(department_a)
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/udlejning/")
    problems["board"] = axe_problems(page)
    page.click("#open-vacancy")
    today = datetime.date.today()
    # The dwelling picker: a search over the scoped dwellings; the choice goes into the select.
    assert page.is_hidden("#id_dwelling")
    problems["vacancy form"] = axe_problems(page)
    page.fill("#id_dwelling_search", "Browservej")
    page.click(".app-picker-result")
    assert "Browservej 7" in page.inner_text("[data-app-picker-chosen]")
    assert page.input_value("#id_dwelling") == str(dwelling.pk)
    problems["vacancy form with a dwelling chosen"] = axe_problems(page)
    page.fill("#id_notice_date", (today - datetime.timedelta(days=10)).isoformat())
    page.fill("#id_move_out_date", (today + datetime.timedelta(days=40)).isoformat())
    page.fill("#id_change_reason", "Lejer har opsagt")
    page.click("#vacancy-open-submit")
    page.wait_for_selector("#ranking")
    vacancy = Vacancy.objects.get(dwelling=dwelling)
    assert "§§ 2" in page.inner_text("#channel-reason")
    ranking_text = page.inner_text("#ranking")
    assert first.person.full_name in ranking_text and "R2.1" in ranking_text
    problems["vacancy page"] = axe_problems(page)

    # The step due now is at the top: send the offers, with the reason prefilled (left as it is).
    assert page.get_attribute("#next-action", "data-action") == "round_open"
    assert page.input_value("#round-open-form #id_round-change_reason")
    page.click("#round-open-submit")
    page.wait_for_selector("#round-1")
    assert page.get_attribute("#next-action", "data-action") == "answers"
    # The answers in one form, one reason for both: the first declines, the second accepts.
    offer_round = vacancy.rounds.get()
    for entry, answer in ((first, "declined"), (second, "accepted")):
        offer = offer_round.offers.get(entry=entry)
        page.select_option(f"#answers-form select[name='answers-answer_{offer.pk}']", answer)
    page.fill("#answers-form input[name='answers-change_reason']", "Svar pr. telefon")
    page.click("#answers-submit")
    page.wait_for_selector("#next-action[data-action='round_close']")
    problems["vacancy page, round open"] = axe_problems(page)
    page.click("#round-close-submit")
    page.wait_for_selector("#lease-form")
    assert second.person.full_name in page.inner_text("#next-action-text")
    page.click("#lease-submit")
    page.wait_for_selector("#lease-link")
    assert page.inner_text("#vacancy-state") in ("Udlejet", "Let")

    lease = Lease.objects.get(vacancy=vacancy)
    assert lease.person == second.person and lease.landlord == organisation
    second.refresh_from_db()
    assert second.status == EntryStatus.DELETED
    page.close()
    assert not any(problems.values()), problems
