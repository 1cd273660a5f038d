"""A working day of each role in a real browser (issue 15, "Done when"): from *Mine opgaver* on the
start page through the day's work, following the links and buttons a user follows (by their role
and Danish name or by their label), with a full-page screenshot at 1366 px and at 390 px of each
main step and an axe scan at both widths (no serious or critical problem).

* The caseworker registers an applicant, opens a vacancy with the dwelling picker, sends the
  offers, records the answers in one form, closes the round and signs the lease (R1.10, R2.1).
* The kommune officer refuses a letting on income with the required assessment (R42.2, R36.3) and
  offers a plejebolig to an elder on the guarantee list, who refuses (R16.1, R17).
* The auditor draws lots for an advertised dwelling after the confirmation page (R38.3).
* The administrator sees a failed job run, changes a job's schedule, and reads, previews and
  saves a new version of a letter template, each with a reason.

Screenshots go to ``$SCREENSHOT_DIR`` if set, else to the test's ``tmp_path``, named
``<role>-<nn>-<step>-<width>.png``.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.browser_support import BROWSER_MARKS, axe_problems

pytestmark = BROWSER_MARKS

PASSWORD = "test-password-123"
WIDTHS = ((1366, 900), (390, 844))


def da(msgid: str) -> str:
    """The Danish a user reads for ``msgid`` (the product speaks Danish by default)."""
    with translation.override("da"):
        return gettext(msgid)


def field(scope, msgid: str, role: str = "textbox"):
    """A form field by its Danish label (which may end in "(påkrævet …)" or "(valgfri)", or in the
    admin's colon)."""
    return scope.get_by_role(role, name=re.compile(rf"^{re.escape(da(msgid))}:?(\s*\(.*\))?$"))


def task_label(key: str, count: int) -> str:
    """The Danish label of one row of *Mine opgaver*."""
    from housing import worklist

    kind = next(k for k in worklist.registered_kinds() if k.key == key)
    with translation.override("da"):
        return kind.label % {"n": count}


class Day:
    """One role's day in the browser: the page, and a record of each main step — a screenshot at
    both widths, the axe findings at both widths and whether the page scrolls sideways."""

    def __init__(self, browser, live_server, role: str, directory: Path) -> None:
        self.browser = browser
        self.base = live_server.url
        self.role = role
        self.directory = directory
        self.page = browser.new_page(viewport={"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        self.page.set_default_timeout(10_000)
        self.steps = 0
        self.problems: dict[str, list[str]] = {}
        self.shots: list[Path] = []

    def log_in(self, user) -> None:
        page = self.page
        page.goto(f"{self.base}/konto/login/")
        page.get_by_label(da("Username")).fill(user.username)
        page.get_by_label(da("Password")).fill(PASSWORD)
        page.locator("#login-submit").click()
        page.wait_for_url(f"{self.base}/")

    def step(self, name: str, *, unwatched: bool = False) -> None:
        """A screenshot (full page) and an axe scan at 1366 px and at 390 px, then back to 1366 px.

        ``unwatched``: axe applies an inline style while it scans some pages (the admin's), which
        the page's policy blocks and the CSP watch would report as the page's own violation; such a
        page is scanned as a copy in a context that is not watched (see test_admin.py)."""
        self.steps += 1
        page = self.page
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            path = self.directory / f"{self.role}-{self.steps:02d}-{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            self.shots.append(path)
            found = self._scan(width, height) if unwatched else axe_problems(page)
            # A wide table scrolls in its own region: the page itself never scrolls sideways.
            page_width = page.evaluate("document.documentElement.scrollWidth")
            if page_width > width:
                found = [*found, f"the page is {page_width} px wide and scrolls sideways"]
            self.problems[f"{name} at {width} px"] = found
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})

    def _scan(self, width: int, height: int) -> list[str]:
        context = self.browser._browser.new_context(viewport={"width": width, "height": height})
        try:
            context.add_cookies(self.page.context.cookies())
            copy = context.new_page()
            copy.goto(self.page.url)
            return axe_problems(copy)
        finally:
            context.close()

    def my_task(self, key: str, count: int):
        """The link of one row of *Mine opgaver* on the start page."""
        return self.page.locator("#my-tasks").get_by_role("link", name=task_label(key, count))

    def menu(self, msgid: str):
        """An entry of the main menu (the desktop bar), by its Danish name (a badge may follow)."""
        return self.page.locator(".navigation-menu .mainmenu").get_by_role(
            "link", name=re.compile("^" + re.escape(da(msgid)))
        )

    def to_start_page(self) -> None:
        self.menu("My tasks").click()
        self.page.wait_for_url(f"{self.base}/")

    def finish(self) -> None:
        self.page.close()
        assert all(path.stat().st_size > 0 for path in self.shots)
        assert not any(self.problems.values()), {k: v for k, v in self.problems.items() if v}


@pytest.fixture
def day(browser, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    return lambda role: Day(browser, live_server, role, directory)


def _user(username: str, first_name: str, last_name: str, tenant, role: str):
    from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

    assert TEST_PASSWORD == PASSWORD
    user = UserFactory(username=username, first_name=first_name, last_name=last_name)
    user.set_password(TEST_PASSWORD)
    user.save(update_fields=["password"])
    MembershipFactory(user=user, tenant=tenant, role=role)
    return user


# --- The caseworker ---------------------------------------------------------------------------------


@pytest.mark.rule("R1.10", "R2.1")
@pytest.mark.django_db(transaction=True)
def test_the_caseworkers_day(day, caseworker_a, department_a):
    from allocation.models import Lease, Vacancy, VacancyState
    from housing.audit import audited_save, system_user
    from letters.models import PrintBatch
    from tests import scenarios
    from tests.factories import DwellingFactory
    from tests.factories_waitinglists import EntryFactory, FeeScheduleFactory, WaitingListFactory
    from waitinglists.models import Entry, EntryStatus

    organisation = department_a.organisation
    scenarios.letting_policy(organisation, offer_round_size=2)
    dwelling = DwellingFactory(department=department_a, rooms=3, address_line="Dagvej 7, 1. tv.")
    FeeScheduleFactory(controller=organisation.tenant)
    waiting_list = WaitingListFactory(controller=organisation.tenant, name="Alfa venteliste")
    # The factory numbers its persons from 1, as the organisation's own series does: a number of
    # its own keeps the senior applicant clear of the number the registration reserves.
    senior = EntryFactory(
        waiting_list=waiting_list,
        seniority_date=datetime.date(2012, 5, 1),
        person__applicant_number="0900001",
    )
    senior.departments.add(department_a)
    audited_save(PrintBatch(controller=organisation.tenant), actor=system_user(), reason="Dagens breve")
    today = datetime.date.today()

    d = day("caseworker")
    page = d.page
    d.log_in(caseworker_a)
    # The start page: the print batch of the night waits in Mine opgaver.
    page.locator("#my-tasks").wait_for()
    assert d.my_task("print_batches", 1).is_visible()
    d.step("start-page")

    # 1. A new applicant on the general list, registered at the counter.
    d.menu("Waiting lists").click()
    page.get_by_role("link", name="Alfa venteliste").click()
    page.get_by_role("link", name=da("Register an applicant")).click()
    page.get_by_role("radio", name=da("New person")).check()
    new_person = page.get_by_role("group", name=da("New person"))
    field(new_person, "CPR number").fill("120395-1237")
    field(new_person, "First name(s)").fill("Dagny")
    field(new_person, "Last name").fill("Dagsen")
    field(page, "Reason for the change").fill("Tilmeldt ved skranken")
    d.step("registration")
    page.locator("#register-submit").click()
    page.wait_for_url(re.compile(r"/ventelister/tilmelding/\d+/$"))
    newcomer = Entry.objects.get(person__last_name="Dagsen")
    assert newcomer.waiting_list == waiting_list and newcomer.status == EntryStatus.ACTIVE
    d.step("registered")

    # 2. The tenant of Dagvej 7 has given notice: the vacancy, with the dwelling picker.
    d.menu("Vacant dwellings").click()
    page.get_by_role("link", name=da("Open a vacancy")).click()
    page.get_by_role("searchbox").fill("Dagvej")
    page.locator(".app-picker-result").first.click()
    assert page.input_value("#id_dwelling") == str(dwelling.pk)
    field(page, "Notice given on").fill((today - datetime.timedelta(days=10)).isoformat())
    field(page, "Vacant from (move-out date)").fill((today + datetime.timedelta(days=40)).isoformat())
    field(page, "Reason for the change").fill("Lejer har opsagt")
    d.step("vacancy-form")
    page.get_by_role("button", name=da("Open the vacancy")).click()
    page.locator("#ranking").wait_for()
    vacancy = Vacancy.objects.get(dwelling=dwelling)

    # 3. Back on the start page the vacancy waits for its offers: from Mine opgaver to the vacancy.
    d.to_start_page()
    d.my_task("offer_round_needed", 1).click()
    page.get_by_role("link", name="Dagvej 7, 1. tv.").click()
    page.locator("#next-action[data-action='round_open']").wait_for()
    ranking = page.inner_text("#ranking")
    assert ranking.index(senior.person.full_name) < ranking.index("Dagny Dagsen")
    d.step("vacancy")
    panel = page.locator("#next-action")
    panel.get_by_role("button", name=da("Send offers to the top of the ranking")).click()
    page.locator("#next-action[data-action='answers']").wait_for()
    d.step("offers-sent")

    # 4. The answers of the round in one form with one reason: the senior declines, Dagny accepts.
    offer_round = vacancy.rounds.get()
    senior_offer = offer_round.offers.get(entry=senior)
    newcomer_offer = offer_round.offers.get(entry=newcomer)
    page.locator("#next-action").get_by_role("link", name=da("To the answers of the round")).click()
    form = page.locator("#answers-form")
    form.locator(f"select[name='answers-answer_{senior_offer.pk}']").select_option("declined")
    form.locator(f"select[name='answers-answer_{newcomer_offer.pk}']").select_option("accepted")
    field(form, "Reason for the change").fill("Svar pr. telefon")
    d.step("answers")
    form.get_by_role("button").click()
    page.locator("#next-action[data-action='round_close']").wait_for()

    # 5. The round closed, the lease signed: the vacancy is let.
    page.locator("#next-action").get_by_role("button", name=da("Close the round")).click()
    page.locator("#next-action[data-action='lease_sign']").wait_for()
    assert "Dagny Dagsen" in page.inner_text("#next-action-text")
    d.step("round-closed")
    page.locator("#next-action").get_by_role("button", name=da("Sign the lease")).click()
    page.locator("#lease-link").wait_for()
    d.step("let")

    vacancy.refresh_from_db()
    assert vacancy.state == VacancyState.LET
    lease = Lease.objects.get(vacancy=vacancy)
    assert lease.person == newcomer.person and lease.landlord == organisation
    d.finish()


# --- The kommune officer ----------------------------------------------------------------------------


@pytest.mark.rule("R42.2", "R36.3", "R16.1", "R17")
@pytest.mark.django_db(transaction=True)
def test_the_kommune_officers_day(day, caseworker_a, kommune_officer, department_a, kommune_aarhus):
    from approvals.models import ApprovalRequest, ApprovalState
    from eldercare.models import ElderOffer, GuaranteeEntry
    from tests import scenarios
    from tests.eldercare_support import decide, elder, elder_dwelling
    from tests.factories import DwellingFactory
    from tests.factories_waitinglists import EntryFactory, WaitingListFactory

    today = datetime.date.today()
    organisation = department_a.organisation
    # A letting the kommune approves (R42.1): decided today, so the request waits for the officer.
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(organisation, offer_round_size=1)
    waiting_list = WaitingListFactory(controller=organisation.tenant, name="Alfa venteliste")
    applicant = EntryFactory(waiting_list=waiting_list, seniority_date=datetime.date(2012, 5, 1))
    applicant.departments.add(department_a)
    vacancy = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=department_a, rooms=3, address_line="Godkendvej 2, st.")
    )
    scenarios.winner(caseworker_a, vacancy)
    request = ApprovalRequest.objects.get(vacancy=vacancy)
    # An elder on the general list whose guarantee deadline comes in ten days (R16.1).
    edith = elder(kommune_aarhus, first_name="Edith", last_name="Dagsen")
    decide(kommune_officer, kommune_aarhus, edith, decided_on=today - datetime.timedelta(days=50))
    entry = GuaranteeEntry.objects.get(person=edith)
    plejebolig = elder_dwelling(kommune_aarhus, address_line="Plejecentervej 3, st. 2")

    d = day("kommune-officer")
    page = d.page
    d.log_in(kommune_officer)
    approvals_task = d.my_task("approvals", 1)
    guarantee_task = d.my_task("guarantee", 1)
    assert approvals_task.is_visible() and guarantee_task.is_visible()
    d.step("start-page")

    # 1. The approval: refused on income, with the household income, the assessment, the ground
    # and the reasons — the fields a refusal requires.
    approvals_task.click()
    page.locator("#approval-queue").get_by_role("link", name=applicant.person.full_name).click()
    page.locator("#approval-form").wait_for()
    d.step("approval")
    decision = page.locator("#approval-form")
    decision.get_by_label(da("Refuse the letting")).check()
    field(decision, "Household income per year (DKK)").fill("90000")
    field(decision, "The kommune's assessment of income and rent (R42.2)").fill(
        "Ingen formue; huslejen overstiger det halve af indkomsten."
    )
    field(decision, "Ground of the refusal", "combobox").select_option("R42.2")
    field(decision, "Reasons").fill("Huslejen er åbenbart for høj i forhold til indkomsten.")
    field(decision, "Reason for the change").fill("Kommunens afgørelse")
    d.step("approval-filled")
    decision.get_by_role("button").click()
    page.locator("#approval-state [data-state='refused']").wait_for()
    request.refresh_from_db()
    assert request.state == ApprovalState.REFUSED
    d.step("approval-refused")

    # 2. The guarantee: a vacant plejebolig offered to Edith, who refuses.
    d.to_start_page()
    assert d.my_task("approvals", 1).count() == 0
    d.my_task("guarantee", 1).click()
    page.locator("#guarantee-list").wait_for()
    d.step("guarantee-list")
    page.get_by_role("link", name=da("Vacant elder dwellings")).click()
    field(page, "Dwelling", "combobox").select_option(str(plejebolig.pk))
    field(page, "Vacant from").fill(today.isoformat())
    field(page, "Ready to move into on").fill((today + datetime.timedelta(days=7)).isoformat())
    field(page, "Reason for the change").fill("Beboer fraflyttet")
    d.step("elder-vacancy-form")
    page.get_by_role("button", name=da("Open the vacancy")).click()
    page.locator("#candidates").wait_for()
    assert "Edith Dagsen" in page.inner_text("#candidates")
    offer_form = page.locator("#offer-form")
    offer_form.get_by_label("Edith Dagsen", exact=False).check()
    field(offer_form, "The kommune's reasons for the choice (R20.2)").fill(
        "Størst plejebehov og nærmeste frist"
    )
    d.step("elder-offer")
    offer_form.get_by_role("button", name=da("Make the offer")).click()
    page.locator("#answer-form").wait_for()
    offer = ElderOffer.objects.get(vacancy__dwelling=plejebolig)
    answer_form = page.locator("#answer-form")
    answer_form.get_by_role("radio", name=da("Refused"), exact=True).check()
    field(answer_form, "Answer received on").fill(today.isoformat())
    field(answer_form, "Reason for the change").fill("Afslag modtaget pr. telefon")
    d.step("elder-answer")
    answer_form.get_by_role("button", name=da("Record the answer")).click()
    page.locator(f"#offer-{offer.pk}").wait_for()
    d.step("elder-refused")

    entry.refresh_from_db()
    offer.refresh_from_db()
    assert offer.state == "refused" and entry.refusals == 1 and entry.clock_started_on == today
    d.finish()


# --- The auditor ------------------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
@pytest.mark.django_db(transaction=True)
def test_the_auditors_day(day, caseworker_a, department_a, org_a, system_user, monkeypatch):
    from django.utils import timezone

    from allocation.models import AgreementKind, LettingAgreement, LotteryDraw
    from allocation.services import adverts
    from housing.audit import audited_save
    from housing.models import Role
    from tests import scenarios
    from tests.factories import DwellingFactory, PersonFactory

    today = datetime.date.today()
    past = today - datetime.timedelta(days=3)
    audited_save(
        LettingAgreement(
            organisation=org_a,
            kommune=department_a.kommune,
            kind=AgreementKind.ADVERTISING,
            valid_from=datetime.date(2020, 1, 1),
        ),
        actor=system_user,
        reason="Aftale om annonceret udlejning",
    )
    # The advert's deadline for written interest passed three days ago; three qualified in time.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: past)
    vacancy = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=department_a, rooms=3, address_line="Lodvej 5, 2. th.")
    )
    advert = adverts.advert_create(
        actor=caseworker_a,
        reason="Annonceret udlejning",
        vacancy=vacancy,
        agreed_on=past - datetime.timedelta(days=14),
        dwelling_description="3 værelser",
        criteria="Mindst én myndig person",
        interest_deadline=past,
        viewing_at=timezone.make_aware(datetime.datetime.combine(past, datetime.time(16))),
        viewing_place="Ved opgangen",
        decision_expected_on=past + datetime.timedelta(days=14),
    )
    for name in ("Anna", "Bo", "Cille"):
        adverts.interest_record(
            actor=caseworker_a,
            reason="Skriftlig interesse",
            advert=advert,
            person=PersonFactory(controller=org_a.tenant, first_name=name, last_name="Lodsen"),
            received_on=past,
            qualified=True,
            assessment="",
        )
    monkeypatch.undo()
    auditor = _user("revisor_a", "Rasmus", "Revisor", org_a.tenant, Role.AUDITOR)

    d = day("auditor")
    page = d.page
    d.log_in(auditor)
    task = d.my_task("lotteries", 1)
    assert task.is_visible()
    d.step("start-page")

    task.click()
    page.get_by_role("link", name="Lodvej 5, 2. th.").click()
    d.step("vacancy")
    page.get_by_role("link", name=da("Advert, interest and lottery")).click()
    d.step("advert")
    # First the list is closed and the commitment published; then the draw, after its confirmation.
    commit_form = page.locator("#commit-form")
    field(commit_form, "Reason for the change").fill("Fristen er udløbet")
    commit_form.get_by_role("button", name=da("Close the list and publish the commitment")).click()
    page.locator("#lottery-commitment").wait_for()
    draw_form = page.locator("#draw-form")
    field(draw_form, "Reason for the change").fill("Lodtrækning efter fristen")
    d.step("committed")
    draw_form.get_by_role("button", name=da("Reveal the seed and draw")).click()
    confirm = page.get_by_role("button", name=da("Draw the lots"))
    confirm.wait_for()
    assert da("Confirm the draw") in page.inner_text("main")
    d.step("confirmation")
    confirm.click()
    page.locator("#lottery-seed").wait_for()
    assert da("The seed matches the commitment and gives the published order.") in page.inner_text(
        "#lottery-verification"
    )
    d.step("drawn")

    draw = LotteryDraw.objects.get(advert=advert)
    assert draw.drawn_by == auditor and len(draw.order) == 3
    d.to_start_page()
    assert d.my_task("lotteries", 1).count() == 0
    d.finish()


# --- The administrator ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_administrators_day(day, administrator):
    from django_celery_beat.models import PeriodicTask

    from letters import schedules
    from letters.jobs import registered_jobs
    from letters.models import JobRun, JobScheduleChange, LetterTemplate

    JobRun.objects.create(
        job="letters.print_batch",
        trigger="schedule",
        state=JobRun.State.FAILED,
        total=3,
        done=1,
        errors=["OSError: printeren svarer ikke"],
    )
    task = next(
        t
        for t in PeriodicTask.objects.filter(task="letters.run_job")
        if schedules.job_of(t) == "letters.print_batch"
    )
    versions = LetterTemplate.objects.filter(kind="fee_reminder").count()

    d = day("administrator")
    page = d.page
    d.log_in(administrator)
    task_link = d.my_task("failed_jobs", 1)
    assert task_link.is_visible()
    d.step("start-page")
    task_link.click()
    d.step("failed-runs")
    with translation.override("da"):
        label = str(registered_jobs()["letters.print_batch"].label)
    page.locator("main").get_by_role("link", name=label, exact=True).click()
    assert "printeren svarer ikke" in page.inner_text("#errors")
    d.step("failed-run")

    # 1. The print batch job runs later on Fridays: a time, the weekdays and a reason.
    page.get_by_role("link", name=da("Administration"), exact=True).first.click()
    page.get_by_role("link", name=re.compile(f"^{da('job schedules')}$", re.I)).click()
    row = page.locator('tr[data-job="letters.print_batch"]')
    d.step("job-schedules", unwatched=True)
    # The failed run shows as the job's last run; the row's "Ret" opens the schedule.
    row.get_by_role("link", name=re.compile(rf"^{re.escape(da('Change'))}\s*:\s*{re.escape(label)}$")).click()
    page.wait_for_url(f"{d.base}/admin/letters/jobschedule/{task.pk}/change/")
    page.get_by_label(re.compile(rf"^{re.escape(da('Time of day'))}")).fill("15:30")
    page.get_by_role("checkbox", name=da("Friday"), exact=True).uncheck()
    field(page, "Reason for the change").fill("Posten hentes senere om fredagen")
    d.step("job-schedule-form", unwatched=True)
    page.get_by_role("button", name=da("Save"), exact=True).click()
    page.wait_for_url(f"{d.base}/admin/letters/jobschedule/")
    assert "15:30" in page.locator('tr[data-job="letters.print_batch"]').inner_text()
    change = JobScheduleChange.objects.get()
    assert (change.changed_by, change.reason) == (administrator, "Posten hentes senere om fredagen")

    # 2. The fee reminder: its placeholders, the PDF preview, a new version with a reason.
    page.get_by_role("link", name=da("Home"), exact=True).click()
    page.get_by_role("link", name=re.compile(f"^{da('letter templates')}$", re.I)).click()
    template = LetterTemplate.objects.filter(kind="fee_reminder").order_by("-version").first()
    with translation.override("da"):
        kind_label = str(template.get_kind_display())
    # Newest version first: the first row of the kind is the version in use.
    page.get_by_role("link", name=kind_label, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/lettertemplate/{template.pk}/change/$"))
    page.locator("#placeholders").wait_for()
    assert "{{ amount }}" in page.inner_text("#placeholders")
    d.step("letter-template", unwatched=True)
    with page.context.expect_event(
        "response", predicate=lambda response: "/preview/" in response.url
    ) as preview:
        page.get_by_role("button", name="Forhåndsvis PDF").click()
    response = preview.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    for other in page.context.pages:
        if other is not page:
            other.close()
    assert LetterTemplate.objects.filter(kind="fee_reminder").count() == versions  # nothing saved
    field(page, "Reason for the change").fill("Rykkeren nævner fristen tydeligere")
    page.get_by_role("button", name=da("Save"), exact=True).click()
    page.locator(".messagelist, .messages").first.wait_for()
    d.step("letter-template-saved", unwatched=True)
    newest = LetterTemplate.objects.filter(kind="fee_reminder").order_by("-version").first()
    assert newest.version == template.version + 1 and newest.created_by == administrator
    d.finish()
