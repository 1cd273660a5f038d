"""The Kørsler page in a real browser (Playwright driving Debian's Chromium): a running job's
progress bar follows the run live (htmx polling) and stops polling when the run has finished;
axe finds no serious problems on the Kørsler page and the outbox."""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


def _a_letter(administrator, org_a, person_a):
    """A letter in org A's outbox, which the administrator reads as a member of org A."""
    from letters import services
    from tests.factories import MembershipFactory

    MembershipFactory(user=administrator, tenant=org_a.tenant, role="caseworker")
    return services.letter_create(
        actor=administrator,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="general",
        context={"text": "Hej"},
        idempotency_key="browser-1",
        dispatch=False,
    )


@pytest.mark.django_db(transaction=True)
def test_job_progress_updates_live_and_stops_polling(
    browser, live_server, administrator, org_a, person_a, settings, tmp_path
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from letters.models import JobRun

    settings.MEDIA_ROOT = tmp_path / "media"
    letter = _a_letter(administrator, org_a, person_a)
    run = JobRun.objects.create(
        job="letters.dispatch", trigger="manual", triggered_by=administrator, total=100
    )
    JobRun.objects.filter(pk=run.pk).update(done=40)

    page = browser.new_page()
    problems: dict[str, list[str]] = {}
    page.goto(f"{live_server.url}/konto/login/")
    page.fill("#id_username", administrator.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/koersler/")
    progress = page.locator(f"#progress-{run.pk}")
    expect(progress).to_have_attribute("value", "40")
    expect(progress).to_have_attribute("max", "100")
    expect(progress).to_have_attribute("data-done", "40")
    expect(progress).to_have_attribute("data-total", "100")
    expect(page.locator(f"#progress-text-{run.pk}")).to_contain_text("40 / 100")
    problems["job runs (running)"] = axe_problems(page)

    # The worker reports progress: the bar follows without a reload.
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/fremdrift/" in request.url else None)
    JobRun.objects.filter(pk=run.pk).update(done=80)
    expect(progress).to_have_attribute("value", "80", timeout=10_000)
    expect(progress).to_have_attribute("data-done", "80")
    expect(page.locator(f"#progress-text-{run.pk}")).to_contain_text("80 / 100 (80 %)")
    assert polls, "the progress was not fetched by polling"

    # The run finishes: the row shows the finished state and the polling stops.
    JobRun.objects.filter(pk=run.pk).update(
        state=JobRun.State.SUCCEEDED, done=100, finished_at=timezone.now()
    )
    row = page.locator(f"#run-{run.pk}")
    expect(row).to_have_attribute("data-state", "succeeded", timeout=10_000)
    expect(progress).to_have_count(0)
    assert row.get_attribute("hx-get") is None
    page.wait_for_timeout(500)  # a request already under way may still land
    settled = len(polls)
    page.wait_for_timeout(2_500)
    assert len(polls) == settled, "the page kept polling after the run finished"
    problems["job runs (finished)"] = axe_problems(page)

    page.goto(f"{live_server.url}/breve/")
    expect(page.locator(f'#results a[href="/breve/{letter.pk}/"]')).to_be_visible()
    problems["outbox"] = axe_problems(page)
    page.close()
    assert not any(problems.values()), problems
