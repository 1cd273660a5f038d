"""Registration at the counter in a real browser (Playwright driving Debian's Chromium), with an
axe scan of the registration form and the applicant page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_caseworker_registers_an_applicant(
    browser,
    live_server,
    caseworker_a,
    department_a,
    settings,
    tmp_path,
):
    from housing.audit import audited_save
    from tests.factories import unique_cpr
    from waitinglists.models import Entry, FeeSchedule, ListKind, WaitingList

    settings.MEDIA_ROOT = tmp_path
    audited_save(
        FeeSchedule(
            controller=department_a.organisation.tenant,
            valid_from=datetime.date(2000, 1, 1),
            registration_fee=Decimal("200"),
            update_fee=Decimal("150"),
            due_month=2,
            due_day=1,
        ),
        actor=caseworker_a,
        reason="Gebyrer vedtaget",
    )
    waiting_list = audited_save(
        WaitingList(
            controller=department_a.organisation.tenant, kind=ListKind.GENERAL, name="Alfa venteliste"
        ),
        actor=caseworker_a,
        reason="Oprettet",
    )
    cpr_number = unique_cpr(datetime.date(1988, 4, 12))
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/ventelister/")
    page.click(f"text={waiting_list.name}")
    page.wait_for_url(f"{live_server.url}/ventelister/{waiting_list.pk}/")
    page.click("#register-link")
    page.wait_for_url(f"{live_server.url}/ventelister/{waiting_list.pk}/tilmeld/")
    problems["registration form"] = axe_problems(page)

    page.check("#id_applicant_1")  # new person
    page.fill("#id_cpr", f"{cpr_number[:6]}-{cpr_number[6:]}")
    page.fill("#id_first_name", "Signe")
    page.fill("#id_last_name", "Skrankesen")
    page.fill("#id_address_line", "Skrankevej 4")
    page.fill("#id_postal_code", "8000")
    page.fill("#id_city", "Aarhus C")
    page.fill("#id_digital_post_consent_date", datetime.date.today().isoformat())
    page.select_option("#id_digital_post_consent_method", "counter")
    page.check(f"input[name='departments'][value='{department_a.pk}']")
    page.fill("#id_rooms_min", "2")
    page.fill("#id_rooms_max", "3")
    page.click("#register-submit")
    page.wait_for_selector("#applicant-number")
    entry = Entry.objects.get(waiting_list=waiting_list)
    assert page.url == f"{live_server.url}{entry.get_absolute_url()}"
    number = entry.person.applicant_number
    assert number in page.locator(".alert-success").inner_text()
    problems["applicant page"] = axe_problems(page)

    # The registration letter is in the outbox.
    page.goto(f"{live_server.url}/breve/")
    assert page.locator("#results").get_by_text("Signe Skrankesen").count() >= 1

    # The caseworker finds the applicant again by CPR (a POST: the number never enters a URL).
    page.goto(f"{live_server.url}/personer/")
    page.fill("#id_cpr", cpr_number)
    page.click("#search-cpr-submit")
    page.wait_for_url(f"{live_server.url}/personer/{entry.person_id}/")
    assert cpr_number not in page.url
    page.click(f"a.tab-button[href='/personer/{entry.person_id}/ventelister/']")
    page.wait_for_url(f"{live_server.url}/personer/{entry.person_id}/ventelister/")
    assert page.locator("#entries").get_by_text(waiting_list.name).count() == 1
    page.close()
    assert not any(problems.values()), problems
