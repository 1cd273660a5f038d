"""The kommune's approval of lettings in a real browser (Playwright driving Debian's Chromium): a
decided round that needs approval (R42.1) appears in the kommune officer's queue; the officer
records the income assessment and refuses with reasons (R42.2, R36.3); the letter with the R24
guidance is in the organisation's outbox; a second request left alone past its deadline shows as
lapsed-approved after the daily job (R42.3). Axe scans of the queue and the decision page."""

from __future__ import annotations

import datetime

import pytest

from letting import workflow
from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/konto/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")


@pytest.mark.rule("R42.1", "R42.2", "R42.3", "R36.3", "R24")
@pytest.mark.django_db(transaction=True)
def test_refusal_with_reasons_and_a_lapsed_request(
    browser, live_server, caseworker_a, kommune_officer, department_a, settings, tmp_path
):
    from allocation.models import Answer, KommuneLettingDecision, OrganisationLettingPolicy
    from allocation.services import offers
    from approvals import services as approvals
    from approvals.models import ApprovalRequest, ApprovalState
    from housing.audit import audited_save
    from letters.jobs import run_job
    from letters.models import Letter
    from tests.factories import DwellingFactory, PersonFactory
    from tests.factories_waitinglists import EntryFactory, WaitingListFactory

    settings.MEDIA_ROOT = tmp_path
    today = datetime.date.today()
    organisation = department_a.organisation
    for obj in (
        KommuneLettingDecision(
            kommune=department_a.kommune,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            approves_each_letting=True,
        ),
        OrganisationLettingPolicy(
            organisation=organisation,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            offer_round_size=1,
        ),
    ):
        audited_save(obj, actor=caseworker_a, reason="Beslutning")
    general = WaitingListFactory(controller=organisation.tenant, name="Alfa venteliste")
    entry = EntryFactory(waiting_list=general, seniority_date=datetime.date(2012, 5, 1))
    entry.departments.add(department_a)

    def opened(address: str):
        return workflow.vacancy_open(
            actor=caseworker_a,
            reason="Opsagt",
            dwelling=DwellingFactory(department=department_a, rooms=3, address_line=address),
            notice_date=today - datetime.timedelta(days=30),
            move_out_date=today + datetime.timedelta(days=30),
        )

    # 1. A round decided today: the letting goes to the kommune automatically.
    vacancy = opened("Godkendelsesvej 1, st.")
    offer_round = workflow.round_open(actor=caseworker_a, reason="Tilbud", vacancy=vacancy)
    offers.offer_answer(
        actor=caseworker_a, reason="Svar", offer=offer_round.offers.get(), answer=Answer.ACCEPTED
    )
    workflow.round_close(actor=caseworker_a, reason="Afgjort", offer_round=offer_round)
    fresh = ApprovalRequest.objects.get(vacancy=vacancy)
    # 2. A request received three weeks ago that nobody at the kommune looked at.
    old_vacancy = opened("Fristvej 2, 1. th.")
    applicant = PersonFactory(controller=organisation.tenant, first_name="Frida", last_name="Fristesen")
    stale = approvals.request_if_needed(
        actor=caseworker_a,
        reason="Til kommunen",
        vacancy=old_vacancy,
        person=applicant,
        day=today - datetime.timedelta(days=21),
    )
    assert stale.deadline < today

    problems: dict[str, list[str]] = {}
    page = browser.new_page()
    base = live_server.url
    _login(page, base, kommune_officer.username)
    page.click("#approval-queue-link")
    page.wait_for_selector("#approval-queue")
    problems["queue"] = axe_problems(page)
    rows = page.locator("#approval-queue tbody tr")
    assert rows.count() == 2
    # Sorted by deadline: the overdue one first, marked; the fresh one counts 5 working days.
    assert rows.nth(0).get_attribute("id") == f"approval-{stale.pk}"
    assert "app-overdue" in (rows.nth(0).get_attribute("class") or "")
    assert page.locator(f"#approval-{fresh.pk} .countdown").get_attribute("data-days") == "5"

    page.click(f"#approval-{fresh.pk} a")
    page.wait_for_selector("#approval-form")
    problems["decision page"] = axe_problems(page)
    # Refusing without reasons is refused next to the field, nothing saved.
    page.check("#id_decision_1")
    page.select_option("#id_refusal_ground", "R42.2")
    page.fill("#id_change_reason", "Kommunens afgørelse")
    page.click("#approval-submit")
    page.wait_for_selector(".form-error-message")
    fresh.refresh_from_db()
    assert fresh.state == ApprovalState.PENDING
    page.fill("#id_household_income", "90000")
    page.fill("#id_income_assessment", "Ingen formue; huslejen overstiger det halve af indkomsten.")
    page.check("#id_decision_1")
    page.select_option("#id_refusal_ground", "R42.2")
    page.fill("#id_decision_reasons", "Huslejen er åbenbart for høj i forhold til indkomsten.")
    page.fill("#id_change_reason", "Kommunens afgørelse")
    page.click("#approval-submit")
    page.wait_for_selector("#approval-state [data-state='refused']")
    assert "åbenbart for høj" in page.inner_text("#decision-reasons")
    fresh.refresh_from_db()
    assert fresh.state == ApprovalState.REFUSED

    # The letters: the applicant's and the organisation's own (§ 42, stk. 3), both in the
    # organisation's outbox; no complaint route is invented for a § 42 refusal.
    letter = Letter.objects.get(pk=fresh.applicant_letter_id)
    assert "Ankestyrelsen" not in letter.body_html
    to_organisation = Letter.objects.get(
        recipient_organisation=organisation, kind="approval_refused_organisation"
    )
    caseworker_page = browser.new_page()
    _login(caseworker_page, base, caseworker_a.username)
    caseworker_page.goto(f"{base}/breve/")
    outbox_text = caseworker_page.inner_text("main")
    assert letter.subject in outbox_text and to_organisation.subject in outbox_text
    caseworker_page.goto(f"{base}{vacancy.get_absolute_url()}")
    assert caseworker_page.locator(f"#vacancy-approval-{fresh.pk} [data-state='refused']").count() == 1

    # The daily job: the stale request has lapsed and counts as approved.
    run = run_job("allocation.approvals_lapse", trigger="manual")
    assert run.counts.get("lapsed") == 1
    page.goto(f"{base}/kommune/godkendelser/{stale.pk}/")
    assert page.locator("#approval-state [data-state='lapsed']").count() == 1
    assert page.locator("#approval-form").count() == 0
    page.goto(f"{base}/kommune/godkendelser/")
    assert page.locator(f"#approval-{stale.pk}").count() == 0
    assert page.locator(f"#decided-{stale.pk} [data-state='lapsed']").count() == 1
    assert Letter.objects.filter(recipient=applicant, kind="approval_lapsed").count() == 1
    assert Letter.objects.filter(recipient_organisation=organisation, concerns_person=applicant).count() == 1
    page.close()
    caseworker_page.close()
    assert not any(problems.values()), problems
