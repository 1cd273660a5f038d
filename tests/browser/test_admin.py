"""The admin in a real browser under the Content-Security-Policy.

The ``browser`` fixture fails the test on any CSP violation; this walks the admin pages whose
templates come from other packages (Django's admin, select2 autocompletion, django-celery-beat's
task form, django-simple-history's history page) and opens the autocompletion once.
"""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_admin_pages_run_under_the_content_security_policy(browser, live_server, administrator, org_a):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", administrator.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")
    for path in (
        "/admin/",
        "/admin/housing/housingorganisation/",
        f"/admin/housing/housingorganisation/{org_a.pk}/history/",
        "/admin/auth/user/add/",
        "/admin/django_celery_beat/periodictask/add/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")

    # select2 (the kommune autocompletion) builds its widgets in the page.
    page.goto(f"{live_server.url}/admin/housing/housingarea/add/")
    page.click(".field-kommune .select2-selection")
    # Type into select2's search field once it is there: keys typed while the dropdown is still
    # opening are lost, and the unfiltered list (Aabenraa first) stays.
    search = page.locator(".select2-container--open .select2-search__field")
    expect(search).to_be_visible(timeout=10_000)
    search.type("Aarh")
    expect(page.locator(".select2-results__option").first).to_contain_text("Aarhus", timeout=10_000)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)  # let a late violation report reach the test
    page.close()
