"""*Mine opgaver* in a real browser (Playwright driving Debian's Chromium): the kommune officer's
start page with its overdue work first, axe-clean, and a menu whose entries all fit the desktop
bar — none folded under DKFDS' "Mere" — with the waiting work counted beside them."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 1024])
def test_the_officers_start_page_and_menu(browser, live_server, kommune_officer, kommune_aarhus, width):
    from tests.eldercare_support import decide, elder

    today = datetime.date.today()
    for days in (75, 55):
        decide(
            kommune_officer,
            kommune_aarhus,
            elder(kommune_aarhus),
            decided_on=today - datetime.timedelta(days=days),
        )
    page = browser.new_page(viewport={"width": width, "height": 900})
    base = live_server.url
    page.goto(f"{base}/konto/login/")
    page.fill("#id_username", kommune_officer.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")

    row = page.locator("#task-guarantee")
    assert row.get_attribute("class") == "app-overdue"
    assert row.get_attribute("data-count") == "2"
    assert page.locator("#my-tasks").bounding_box()["y"] < page.locator("#statistics").bounding_box()["y"]
    assert axe_problems(page) == []

    desktop = page.locator(".navigation-menu .mainmenu")
    assert desktop.locator("#menu-eldercare").is_visible()
    assert desktop.locator('[data-badge="eldercare"]').inner_text().startswith("2")
    # Nothing of the officer's menu is folded under "Mere".
    assert page.locator("#fds-more-menu .overflow-list li").count() == 0
    page.click("#guarantee-dashboard-link")
    page.wait_for_selector("#guarantee-list")
    page.close()


@pytest.mark.django_db(transaction=True)
def test_the_caseworkers_menu_fits_too(browser, live_server, caseworker_a, org_a):
    from housing.audit import audited_save, system_user
    from letters.models import PrintBatch

    audited_save(PrintBatch(controller=org_a.tenant), actor=system_user(), reason="Dagens breve")
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    base = live_server.url
    page.goto(f"{base}/konto/login/")
    page.fill("#id_username", caseworker_a.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")
    assert page.locator("#task-print_batches").get_attribute("data-count") == "1"
    desktop = page.locator(".navigation-menu .mainmenu")
    assert desktop.locator('[data-badge="letters"]').is_visible()
    assert page.locator("#fds-more-menu .overflow-list li").count() == 0
    assert axe_problems(page) == []
    page.close()
