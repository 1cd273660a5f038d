"""The plejebolig guarantee in a real browser (Playwright driving Debian's Chromium): the kommune
officer records a needs decision, finds the elder on the general list with the deadline on the
dashboard, offers a vacant plejebolig, records the refusal (a new 2-month deadline from the day it was
received), offers the next vacancy and records the acceptance and the lease — with axe scans."""

from __future__ import annotations

import datetime

import pytest

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


def _open_vacancy(page, base, dwelling, today):
    page.goto(f"{base}/kommune/aeldre/ledige/")
    page.select_option("#id_dwelling", str(dwelling.pk))
    page.fill("#id_vacant_from", today.isoformat())
    page.fill("#id_ready_on", (today + datetime.timedelta(days=7)).isoformat())
    page.fill("#id_change_reason", "Beboer fraflyttet")
    page.click("#vacancy-open-submit")
    page.wait_for_selector("#candidates")


def _offer(page):
    page.check("#id_offer-candidate_0")
    page.fill("#id_offer-change_reason", "Størst plejebehov og nærmeste frist")
    page.click("#offer-submit")
    page.wait_for_selector("#answer-form")


@pytest.mark.rule("R15.1", "R16.1", "R17", "R20.2", "R24")
@pytest.mark.django_db(transaction=True)
def test_needs_decision_to_general_list_to_refusal_to_acceptance(
    browser, live_server, kommune_officer, kommune_aarhus, settings, tmp_path
):
    from eldercare.models import ElderLease, ElderOffer, GuaranteeEntry
    from housing.deadlines import add_calendar_months
    from tests.eldercare_support import elder_dwelling

    settings.MEDIA_ROOT = tmp_path
    first_dwelling = elder_dwelling(kommune_aarhus, address_line="Plejecentervej 1, st. 4")
    second_dwelling = elder_dwelling(kommune_aarhus, address_line="Plejecentervej 1, 1. 9")
    today = datetime.date.today()
    decided_on = today - datetime.timedelta(days=20)
    base = live_server.url
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{base}/konto/login/")
    page.fill("#id_username", kommune_officer.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")

    # 1. The needs decision: a plejebolig need, the general list.
    # The menu item (in the desktop bar and the mobile drawer; which one is visible depends on how
    # many items the menu holds at this width) leads to the dashboard.
    menu_href = page.locator("#menu-eldercare").first.get_attribute("href")
    assert menu_href == "/kommune/aeldre/"
    page.goto(f"{base}{menu_href}")
    page.wait_for_selector("#guarantee-list")
    page.goto(f"{base}/kommune/aeldre/visitation/ny/")
    page.fill("#id_cpr", "150331-3456")
    page.fill("#id_first_name", "Edith")
    page.fill("#id_last_name", "Browsersen")
    page.check("#id_kind_1")  # plejebolig / plejehjem
    page.fill("#id_decided_on", decided_on.isoformat())
    for field, score in (("social", "3"), ("physical", "4"), ("mental", "3"), ("economic", "2")):
        page.select_option(f"#id_{field}_score", score)
    page.fill("#id_assessment_notes", "Kan ikke længere bo i eget hjem.")
    page.check("#id_guarantee_choice_0")  # the general list
    page.fill("#id_change_reason", "Visitationsudvalgets møde")
    problems["needs form"] = axe_problems(page)
    page.click("#need-submit")
    page.wait_for_selector("#assessment")
    assert "12" in page.inner_text("#need-score")
    entry = GuaranteeEntry.objects.get(person__last_name="Browsersen")
    first_deadline = add_calendar_months(decided_on, 2)
    assert entry.deadline == first_deadline

    # 2. The dashboard shows the elder with the deadline and the days left.
    page.goto(f"{base}/kommune/aeldre/")
    row = page.inner_text(f"#entry-{entry.pk}")
    assert "Edith Browsersen" in row
    assert first_deadline.strftime("%d.%m.%Y") in row or first_deadline.strftime("%d-%m-%Y") in row
    assert str((first_deadline - today).days) in row
    problems["dashboard"] = axe_problems(page)

    # 3. A vacant plejebolig, offered to her; she refuses today.
    _open_vacancy(page, base, first_dwelling, today)
    assert "Edith Browsersen" in page.inner_text("#candidates")
    problems["vacancy page"] = axe_problems(page)
    _offer(page)
    offer = ElderOffer.objects.get(vacancy__dwelling=first_dwelling)
    assert "Ankestyrelsen" in offer.offer_letter.body_html
    page.check("#id_answer-answer_1")  # refused
    page.fill("#id_answer-answered_on", today.isoformat())
    page.fill("#id_answer-change_reason", "Afslag modtaget pr. telefon")
    page.click("#answer-submit")
    page.wait_for_selector(f"#offer-{offer.pk}")
    entry.refresh_from_db()
    new_deadline = add_calendar_months(today, 2)
    assert entry.deadline == new_deadline and entry.clock_started_on == today and entry.refusals == 1

    # 4. The dashboard shows the new deadline.
    page.goto(f"{base}/kommune/aeldre/")
    row = page.inner_text(f"#entry-{entry.pk}")
    assert str((new_deadline - today).days) in row

    # 5. The next vacancy: offered, accepted, the lease with the owner.
    _open_vacancy(page, base, second_dwelling, today)
    _offer(page)
    offer = ElderOffer.objects.get(vacancy__dwelling=second_dwelling)
    page.check("#id_answer-answer_0")  # accepted
    page.fill("#id_answer-answered_on", today.isoformat())
    page.fill("#id_answer-change_reason", "Ja tak modtaget")
    page.click("#answer-submit")
    page.wait_for_selector("#lease-form")
    page.fill("#id_lease-change_reason", "Lejekontrakt underskrevet hos udlejer")
    page.click("#lease-submit")
    page.wait_for_selector("#elder-lease")
    lease = ElderLease.objects.get(vacancy__dwelling=second_dwelling)
    assert lease.person.last_name == "Browsersen" and lease.starts_on == today + datetime.timedelta(days=7)
    entry.refresh_from_db()
    assert entry.state == "housed"
    offer.refresh_from_db()
    assert "Ankestyrelsen" in offer.decision_letter.body_html
    page.close()
    assert not any(problems.values()), problems
