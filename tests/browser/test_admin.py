"""The admin in a real browser under the Content-Security-Policy.

The ``browser`` fixture fails the test on any CSP violation; this walks the admin pages whose
templates come from other packages (Django's admin, select2 autocompletion, django-celery-beat's
task form, django-simple-history's history page) and opens the autocompletion once; the admin's own
pages for the job schedules and the letter templates are walked as an administrator uses them, with axe.
"""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

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
        "/admin/letters/jobschedule/",
        "/admin/letters/jobschedule/add/",
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


def _log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.django_db(transaction=True)
def test_an_administrator_changes_a_job_schedule_and_previews_a_letter_template(
    browser, live_server, administrator
):
    """In Danish, as an administrator works: the job by its name, a time and weekdays, a reason;
    then a letter template's placeholders and its PDF preview. axe finds nothing serious."""
    from django_celery_beat.models import PeriodicTask
    from playwright.sync_api import expect

    from letters import schedules
    from letters.models import JobScheduleChange, LetterTemplate

    task = next(
        t
        for t in PeriodicTask.objects.filter(task="letters.run_job")
        if schedules.job_of(t) == "letters.print_batch"
    )
    page = browser.new_page()
    _log_in(page, live_server, administrator)
    problems = {}

    page.goto(f"{live_server.url}/admin/letters/jobschedule/")
    row = page.locator('tr[data-job="letters.print_batch"]')
    expect(row).to_contain_text("kl. 14:00, mandag–fredag")
    problems["schedules"] = axe_problems(page)
    row.get_by_role("link").first.click()
    page.wait_for_url(f"{live_server.url}/admin/letters/jobschedule/{task.pk}/change/")
    page.locator("#id_time").fill("15:30")
    page.locator('input[name="weekdays"][value="5"]').uncheck()
    page.get_by_role("button", name="Gem").click()
    expect(page.locator("#id_change_reason_errors")).to_contain_text("Angiv hvorfor")
    problems["schedule with an error"] = axe_problems(page)
    page.locator("#id_change_reason").fill("Posten hentes senere om fredagen")
    page.locator('input[name="weekdays"][value="5"]').uncheck()
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url(f"{live_server.url}/admin/letters/jobschedule/")
    expect(page.locator('tr[data-job="letters.print_batch"]')).to_contain_text("kl. 15:30, mandag–torsdag")
    change = JobScheduleChange.objects.get()
    assert (change.changed_by, change.reason) == (administrator, "Posten hentes senere om fredagen")

    template = LetterTemplate.objects.filter(kind="fee_reminder").order_by("-version").first()
    versions = LetterTemplate.objects.filter(kind="fee_reminder").count()
    page.goto(f"{live_server.url}/admin/letters/lettertemplate/{template.pk}/change/")
    expect(page.locator("#placeholders")).to_contain_text("{{ amount }}")
    page.wait_for_timeout(1000)
    assert not browser.violations, browser.violations  # the page itself applies no inline style
    # axe itself applies an inline style while it scans this page (a style the page's policy
    # blocks, reported as a violation of the page); it scans a copy of the session's page in a
    # context that is not watched.
    scan = browser._browser.new_context()
    scan.add_cookies(page.context.cookies())
    scanned = scan.new_page()
    scanned.goto(page.url)
    problems["letter template"] = axe_problems(scanned)
    scan.close()
    button = page.get_by_role("button", name="Forhåndsvis PDF")
    assert button.get_attribute("formtarget") == "_blank"
    action = button.get_attribute("formaction")
    form = {
        name: page.locator(f'form#lettertemplate_form [name="{name}"]').first.input_value()
        for name in ("csrfmiddlewaretoken", "subject", "body")
    }
    preview = page.request.post(f"{live_server.url}{action}", form=form, headers={"Referer": page.url})
    assert preview.status == 200 and preview.headers["content-type"] == "application/pdf"
    assert preview.body().startswith(b"%PDF")
    assert LetterTemplate.objects.filter(kind="fee_reminder").count() == versions  # nothing saved
    assert not any(problems.values()), problems
    page.close()
