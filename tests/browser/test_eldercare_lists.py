"""The specific lists and free choice in a real browser (Playwright driving Debian's Chromium): the
kommune officer adds one applicant living inside and one living outside the kommune to a specific
list, sees the inside/outside marker (R21.1) and each one's place on the list (R21.5), and records a
free-choice application with both kommuner's assessments (R19.2) — with axe scans of every page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS


def _da(msgid: str, **values) -> str:
    """The page's text in the UI language (Danish, the default)."""
    with translation.override("da"):
        text = translation.gettext(msgid)
    return text % values if values else text


def _add_applicant(page, base, specific_list, *, cpr, first, last, home, today):
    page.goto(f"{base}/kommune/aeldre/specifikke-lister/{specific_list.pk}/")
    page.click("#entry-add")
    page.wait_for_selector("#entry-form")
    page.fill("#id_cpr", cpr)
    page.fill("#id_first_name", first)
    page.fill("#id_last_name", last)
    page.select_option("#id_home_kommune", str(home.pk))
    page.fill("#id_joined_on", today.isoformat())
    page.fill("#id_change_reason", "Ansøgning modtaget")
    page.click("#entry-submit")
    page.wait_for_selector("#entry-facts")


@pytest.mark.rule("R21.1", "R21.5", "R19.1", "R19.2", "R20.1")
@pytest.mark.django_db(transaction=True)
def test_specific_list_inside_and_outside_and_a_free_choice_application(
    browser, live_server, kommune_officer, kommune_aarhus, kommune_odense, settings, tmp_path
):
    from eldercare.models import FreeChoiceApplication, SpecificListEntry
    from tests.eldercare_lists_support import facility, specific_list
    from tests.eldercare_support import decide

    settings.MEDIA_ROOT = tmp_path
    the_list = specific_list(facility(kommune_aarhus, name="Ældreboligerne Lindevej"))
    today = datetime.date.today()
    base = live_server.url
    page = browser.new_page()
    problems: dict[str, list[str]] = {}

    page.goto(f"{base}/konto/login/")
    page.fill("#id_username", kommune_officer.username)
    page.fill("#id_password", "test-password-123")
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")

    # 1. The lists; the add form.
    page.goto(f"{base}/kommune/aeldre/specifikke-lister/")
    assert "Ældreboligerne Lindevej" in page.inner_text("main")
    problems["list index"] = axe_problems(page)
    page.goto(f"{base}/kommune/aeldre/specifikke-lister/{the_list.pk}/tilfoej/")
    problems["add form"] = axe_problems(page)

    # 2. An applicant living in the kommune: inside, number 1 of 1.
    _add_applicant(
        page,
        base,
        the_list,
        cpr="020340-1234",
        first="Inge",
        last="Indenbys",
        home=kommune_aarhus,
        today=today,
    )
    lives = page.inner_text("#entry-lives")
    assert _da("Inside the kommune") in lives and kommune_aarhus.name in lives
    place = "Number %(position)s of %(total)s, in the order of joining"
    assert _da(place, position=1, total=1) in page.inner_text("#entry-place")
    problems["entry inside"] = axe_problems(page)

    # 3. An applicant living in another kommune: outside, number 2 of 2; registered as living there.
    _add_applicant(
        page,
        base,
        the_list,
        cpr="030341-1234",
        first="Ulla",
        last="Udenbys",
        home=kommune_odense,
        today=today,
    )
    lives = page.inner_text("#entry-lives")
    assert _da("Outside the kommune") in lives and kommune_odense.name in lives
    assert _da(place, position=2, total=2) in page.inner_text("#entry-place")
    problems["entry outside"] = axe_problems(page)
    outside = SpecificListEntry.objects.select_related("person").get(person__last_name="Udenbys")
    assert (outside.lives_inside, outside.person.kommune_id) == (False, kommune_odense.pk)

    # 4. The list shows both, with the marker.
    page.goto(f"{base}/kommune/aeldre/specifikke-lister/{the_list.pk}/")
    assert _da("%(inside)s inside, %(outside)s outside", inside=1, outside=1) in page.inner_text(
        "#inside-outside"
    )
    rows = page.inner_text("#entries")
    assert "Inge Indenbys" in rows and "Ulla Udenbys" in rows and _da("Outside the kommune") in rows
    problems["list detail"] = axe_problems(page)

    # 5. A free-choice application from a citizen of Odense, with both kommuner's assessments.
    page.goto(f"{base}/kommune/aeldre/frit-valg/ny/")
    page.select_option("#id_specific_list", str(the_list.pk))
    page.fill("#id_cpr", "040342-1234")
    page.fill("#id_first_name", "Frida")
    page.fill("#id_last_name", "Fritvalg")
    page.select_option("#id_home_kommune", str(kommune_odense.pk))
    page.fill("#id_received_on", today.isoformat())
    page.fill("#id_change_reason", "Ansøgning om frit valg modtaget")
    problems["free-choice form"] = axe_problems(page)
    page.click("#free-choice-submit")
    page.wait_for_selector("#home-form")
    application = FreeChoiceApplication.objects.select_related("person").get(person__last_name="Fritvalg")
    assert application.person.kommune_id == kommune_odense.pk
    # This kommune's needs decision for the applicant, by its own guidelines (the visitation pages
    # are walked in test_eldercare_browser.py).
    need = decide(
        kommune_officer, kommune_aarhus, application.person, kind="elder_dwelling", decided_on=today
    )
    page.reload()
    page.wait_for_selector("#home-form")
    page.check("#id_home-conditions_met_0")  # yes
    page.fill("#id_home-assessed_on", today.isoformat())
    page.fill("#id_home-case_reference", "ODE-2026-117")
    page.fill("#id_home-change_reason", "Bopælskommunens vurdering modtaget")
    page.click("#home-submit")
    page.wait_for_selector("#destination-form")
    assert "ODE-2026-117" in page.inner_text("#home-assessment")
    page.check("#id_dest-conditions_met_0")  # yes
    page.fill("#id_dest-assessed_on", today.isoformat())
    page.select_option("#id_dest-need_decision", str(need.pk))
    page.check("#id_dest-same_guidelines")
    page.fill("#id_dest-note", "Vurderet efter kommunens egne retningslinjer.")
    page.fill("#id_dest-change_reason", "Egen vurdering")
    page.click("#destination-submit")
    page.wait_for_selector("#destination-assessment")
    assert "egne retningslinjer" in page.inner_text("#destination-assessment")
    problems["free-choice detail"] = axe_problems(page)
    application.refresh_from_db()
    assert application.home_conditions_met is True and application.destination_conditions_met is True
    assert application.same_guidelines_confirmed and application.destination_need_decision_id == need.pk
    page.goto(f"{base}/kommune/aeldre/frit-valg/")
    assert "Frida Fritvalg" in page.inner_text("main")
    problems["free-choice list"] = axe_problems(page)
    page.close()
    assert not any(problems.values()), problems
