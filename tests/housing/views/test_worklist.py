"""*Mine opgaver* (``housing.worklist``): the kommune's approval requests and plejebolig guarantee
deadlines, the print batches and failed job runs — each kind counts exactly the user's scoped rows,
with the earliest due date and the overdue marked — and the start page and the menu that show them:
the work first, badges in the menu, each role's menu entries, a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from allocation.models import KommuneLettingDecision
from approvals import services as approvals
from eldercare.models import EldercarePolicy
from housing import worklist
from housing.audit import audited_save, system_user
from housing.context_processors import menu_entries
from housing.models import Role
from housing.scoping import scope_for
from letters.models import JobRun, PrintBatch
from tests import scenarios
from tests.eldercare_support import decide, elder
from tests.factories import DwellingFactory, MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE_LANGUAGE = "en"
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _items(user) -> dict[str, worklist.WorkItem]:
    worklist.forget(user)
    return {item.key: item for item in worklist.for_user(user)}


@pytest.fixture
def odense_officer(kommune_odense):
    user = UserFactory(username="odense_officer")
    MembershipFactory(user=user, tenant=kommune_odense.tenant, role=Role.KOMMUNE_OFFICER)
    return user


def _requests(caseworker, department, org, received_days: list[int]):
    if not KommuneLettingDecision.objects.filter(kommune=department.kommune).exists():
        scenarios.kommune_decision(department.kommune, approves_each_letting=True)
    made = []
    for days in received_days:
        vacancy = scenarios.open_vacancy(caseworker, DwellingFactory(department=department, rooms=2))
        made.append(
            approvals.request_if_needed(
                actor=caseworker,
                reason="Til kommunen",
                vacancy=vacancy,
                person=PersonFactory(controller=org.tenant),
                day=TODAY - datetime.timedelta(days=days),
            )
        )
    return made


def _guarantees(officer, kommune, decided_days: list[int]):
    return [
        decide(officer, kommune, elder(kommune), decided_on=TODAY - datetime.timedelta(days=days))
        for days in decided_days
    ]


@pytest.fixture
def kommune_work(caseworker_a, kommune_officer, kommune_aarhus, department_a, org_a):
    """Aarhus: three approval requests (one overdue) and three elders on the general list — one
    past the deadline (a breach), one due within the warning days, one with time left."""
    requests = _requests(caseworker_a, department_a, org_a, [30, 3, 0])
    decisions = _guarantees(kommune_officer, kommune_aarhus, [75, 55, 5])
    return requests, decisions


# --- The kinds ----------------------------------------------------------------------------------


@pytest.mark.rule("R42.3")
def test_the_officer_counts_the_requests_to_their_kommune_the_earliest_deadline_first(
    kommune_work, kommune_officer, odense_officer, caseworker_b, department_b, org_b
):
    requests, _decisions = kommune_work
    _requests(caseworker_b, department_b, org_b, [30])  # to Odense: never Aarhus' work
    item = _items(kommune_officer)["approvals"]
    assert item.count == 3
    assert item.due == min(r.deadline for r in requests) < TODAY
    assert item.overdue and item.overdue_count == 1
    assert item.url == "/kommune/godkendelser/"
    odense = _items(odense_officer)["approvals"]
    assert odense.count == 1
    # Decided: no longer waiting.
    approvals.approval_decide(actor=kommune_officer, reason="Godkendt", request=requests[1], approve=True)
    assert _items(kommune_officer)["approvals"].count == 2
    # The organisation's caseworker sees their requests on the vacancy, but deciding is not theirs.
    assert "approvals" not in _items(caseworker_b)


@pytest.mark.rule("R16.1")
def test_the_guarantee_deadlines_near_and_breached(
    kommune_work, kommune_officer, odense_officer, kommune_odense
):
    _made, decisions = kommune_work
    _guarantees(odense_officer, kommune_odense, [75])  # Odense's breach: not Aarhus'
    item = _items(kommune_officer)["guarantee"]
    entries = [d.guarantee_entry for d in decisions]
    assert entries[0].deadline < TODAY <= entries[1].deadline <= TODAY + 14 * DAY < entries[2].deadline
    assert item.count == 2
    assert item.due == entries[0].deadline
    assert item.overdue_count == 1
    assert item.link_id == "guarantee-dashboard-link"
    assert _items(odense_officer)["guarantee"].count == 1


@pytest.mark.rule("R16.1")
def test_a_kommune_s_own_warning_days_set_when_a_guarantee_deadline_is_near(kommune_officer, kommune_aarhus):
    """The kommune's policy in force decides "near" (14 days without one); the latest policy in
    force wins, a policy from tomorrow does not count yet."""
    decisions = _guarantees(kommune_officer, kommune_aarhus, [41, 31, 21])
    deadlines = sorted(d.guarantee_entry.deadline for d in decisions)
    days_left = [(day - TODAY).days for day in deadlines]
    assert 14 < days_left[0] < days_left[1] < days_left[2]
    assert "guarantee" not in _items(kommune_officer)  # none within the 14 days of no policy
    for valid_from, warning in (
        (TODAY - 60 * DAY, 5),
        (TODAY - 10 * DAY, days_left[1]),  # the policy in force: the two earliest are near
        (TODAY + DAY, 60),  # not yet in force
    ):
        audited_save(
            EldercarePolicy(kommune=kommune_aarhus, valid_from=valid_from, warning_days=warning),
            actor=system_user(),
            reason="Kommunens varselsfrist",
        )
    item = _items(kommune_officer)["guarantee"]
    assert item.count == 2
    assert item.due == deadlines[0]
    assert item.overdue_count == 0


def _batch(tenant, *, created: datetime.datetime | None = None) -> PrintBatch:
    batch = audited_save(PrintBatch(controller=tenant), actor=system_user(), reason="Dagens breve")
    if created is not None:
        PrintBatch.objects.filter(pk=batch.pk).update(created_at=created)
    return batch


def test_print_batches_to_confirm_in_the_caseworkers_controllers(caseworker_a, read_only_a, org_a, org_b):
    yesterday = timezone.now() - DAY
    _batch(org_a.tenant, created=yesterday)
    _batch(org_a.tenant)
    _batch(org_b.tenant, created=yesterday - DAY)  # another tenant's batch
    posted = _batch(org_a.tenant, created=yesterday - DAY)
    posted.state, posted.posted_at = PrintBatch.State.POSTED, timezone.now()
    audited_save(posted, actor=system_user(), reason="Postet")

    item = _items(caseworker_a)["print_batches"]
    assert item.count == 2
    assert item.due == timezone.localtime(yesterday).date()
    assert item.overdue_count == 1 and item.is_since
    assert item.url == "/udskrift/"
    # A read-only member cannot confirm a batch: not their work.
    assert "print_batches" not in _items(read_only_a)


def test_failed_job_runs_for_the_administrator(administrator, caseworker_a):
    now = timezone.now()

    def run(job: str, state: str, started: datetime.datetime) -> JobRun:
        made = JobRun.objects.create(job=job, state=state, trigger=JobRun.Trigger.SCHEDULE)
        JobRun.objects.filter(pk=made.pk).update(started_at=started)
        return made

    run("letters.dispatch", JobRun.State.FAILED, now - 3 * DAY)
    run("letters.dispatch", JobRun.State.FAILED, now - 2 * DAY)
    run("letters.print_batch", JobRun.State.FAILED, now - 2 * DAY)
    run("letters.print_batch", JobRun.State.SUCCEEDED, now - DAY)  # put right since
    run("letters.dispatch", JobRun.State.FAILED, now - 10 * DAY)  # history, not work

    item = _items(administrator)["failed_jobs"]
    assert item.count == 2
    assert item.due == timezone.localtime(now - 3 * DAY).date()
    assert item.overdue and item.url == "/koersler/?state=failed"
    assert "failed_jobs" not in _items(caseworker_a)


def test_the_job_runs_page_filters_the_failed(administrator, client_for):
    failed = JobRun.objects.create(job="letters.dispatch", state=JobRun.State.FAILED, trigger="schedule")
    ok = JobRun.objects.create(job="letters.print_batch", state=JobRun.State.SUCCEEDED, trigger="schedule")
    body = client_for(administrator).get("/koersler/?state=failed").content.decode()
    assert f"/koersler/{failed.pk}/" in body and f"/koersler/{ok.pk}/" not in body


# --- The start page and the menu ------------------------------------------------------------------


def test_the_officers_start_page_shows_the_work_first_overdue_first(
    kommune_work, kommune_officer, client_for
):
    body = client_for(kommune_officer).get("/").content.decode()
    assert body.index('id="my-tasks"') < body.index('id="statistics"')
    rows = [body.index(f'id="task-{key}"') for key in ("approvals", "guarantee")]
    # Both are overdue; the approval request's deadline (30 days ago) is the earlier.
    assert rows == sorted(rows)
    approvals_row = body[rows[0] : body.index("</tr>", rows[0])]
    assert 'class="app-overdue"' in approvals_row and "1 overdue" in approvals_row
    assert 'id="approval-queue-link"' in approvals_row and "3 requests await your decision" in approvals_row
    assert 'id="guarantee-dashboard-link"' in body
    # The menu: the officer's entries, with the waiting work counted.
    assert 'data-badge="approvals">3' in body and 'data-badge="eldercare">2' in body
    assert 'id="menu-eldercare"' in body and 'id="menu-supervision"' in body


def test_nothing_waiting_says_so(read_only_a, client_for):
    body = client_for(read_only_a).get("/").content.decode()
    assert 'id="no-tasks"' in body and 'id="worklist"' not in body and "data-badge" not in body


def test_each_role_has_its_own_menu(caseworker_a, kommune_officer, administrator, read_only_a, org_a):
    auditor = UserFactory(username="auditor_a")
    MembershipFactory(user=auditor, tenant=org_a.tenant, role=Role.AUDITOR)
    menus = {
        user.username: menu_entries(scope_for(user))
        for user in (caseworker_a, kommune_officer, administrator, read_only_a, auditor)
    }
    assert menus["kommune_officer"] == {
        "dashboard",
        "approvals",
        "eldercare",
        "nominations",
        "supervision",
        "dispensations",
        "persons",
    }
    assert menus["caseworker_a"] == {
        "dashboard",
        "persons",
        "waitinglists",
        "allocation",
        "departments",
        "dwellings",
        "letters",
    }
    assert {"jobs", "admin", "organisations"} <= menus["administrator"]
    assert "approvals" not in menus["caseworker_a"] | menus["administrator"] | menus["auditor_a"]
    assert "allocation" in menus["auditor_a"]
    assert all(len(menu) <= 7 for menu in menus.values())


def test_the_menu_keeps_the_section_the_page_is_in(caseworker_a, client_for):
    """Organisations are not a caseworker's menu entry, but on that page the entry is shown, current."""
    body = client_for(caseworker_a).get("/organisationer/").content.decode()
    menu = body[body.index('class="mainmenu"') :]
    assert 'href="/organisationer/" class="nav-link" aria-current="page"' in menu
    start = client_for(caseworker_a).get("/").content.decode()
    assert 'href="/organisationer/" class="nav-link"' not in start
    assert 'href="/organisationer/"' in start  # under "Other pages"


def _queries(client, url: str = "/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_start_page_costs_a_fixed_number_of_queries(
    kommune_officer,
    kommune_aarhus,
    caseworker_a,
    department_a,
    org_a,
    client_for,
    django_assert_max_num_queries,
):
    # An officer who is also the organisation's caseworker: every kind of both roles is counted.
    MembershipFactory(user=kommune_officer, tenant=org_a.tenant, role=Role.CASEWORKER)
    client = client_for(kommune_officer)
    _requests(caseworker_a, department_a, org_a, [30])
    _guarantees(kommune_officer, kommune_aarhus, [75])
    _batch(org_a.tenant)
    client.get("/")
    few = _queries(client)
    _requests(caseworker_a, department_a, org_a, [20, 10, 2, 1])
    _guarantees(kommune_officer, kommune_aarhus, [70, 60, 55])
    for _ in range(4):
        _batch(org_a.tenant)
    assert _queries(client) == few
    # The page's own reads and one query per kind that applies (nine here: six of the letting, the
    # approvals, the guarantee, the print batches — the guarantee's after one read of the kommuner's
    # warning days), however many rows; the menu reuses the counts.
    with django_assert_max_num_queries(23):
        body = client.get("/").content.decode()
    assert 'data-count="5"' in body  # five requests; the count read once for the page and the menu
