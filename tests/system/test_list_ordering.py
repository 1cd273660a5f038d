"""Every list page sorts by each column it offers (?ordering=<column> and -<column>), marks the sorted
header with aria-sort, ignores an unknown ordering (never a 500), and shows 100 rows a page
(housing.views.common: ``ordered``, ``paginate``, ``PAGE_SIZE``)."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone

from approvals import views as approval_views
from eldercare.views import allocation as elder_allocation_views
from eldercare.views import free_choice as free_choice_views
from eldercare.views import guarantee as guarantee_views
from eldercare.views import lists as elder_list_views
from eldercare.views import needs as need_views
from housing.audit import audited_save
from housing.filters import order_rows
from housing.views import common, persons, register
from letters.models import PrintBatch
from letters.views import jobs, letters, print_batches
from letting.views import nominations, supervision, vacancies
from rejections.views import cases, dispensations
from tests.eldercare_lists_support import entry as specific_entry
from tests.eldercare_lists_support import facility, specific_list
from tests.eldercare_support import elder
from tests.factories import DwellingFactory, PersonFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.views import lists as waitinglist_views

pytestmark = pytest.mark.django_db


def _columns(columns, *, without=()) -> list[str]:
    return [column for _path, column in columns if column not in without]


# (page, user fixture, URL (may use the ``world`` fixture's objects), offered columns)
PAGES = [
    ("persons", "caseworker_a", lambda w: "/personer/?q=sen", persons.PERSON_COLUMNS),
    ("access_log", "caseworker_a", lambda w: f"/personer/{w.person.pk}/adgangslog/", persons.ACCESS_COLUMNS),
    (
        "correspondence",
        "caseworker_a",
        lambda w: f"/personer/{w.person.pk}/korrespondance/",
        letters.CORRESPONDENCE_COLUMNS,
    ),
    ("organisations", "caseworker_a", lambda w: "/organisationer/", register.ORGANISATION_COLUMNS),
    ("departments", "caseworker_a", lambda w: "/afdelinger/", register.DEPARTMENT_COLUMNS),
    ("dwellings", "caseworker_a", lambda w: "/boliger/", register.DWELLING_COLUMNS),
    (
        "department_dwellings",  # a department's own dwellings: no department column
        "caseworker_a",
        lambda w: f"/afdelinger/{w.department.pk}/",
        [c for c in register.DWELLING_COLUMNS if c[1] != "department"],
    ),
    ("waiting_lists", "caseworker_a", lambda w: "/ventelister/", waitinglist_views.LIST_COLUMNS),
    (
        "list_entries",
        "caseworker_a",
        lambda w: f"/ventelister/{w.waiting_list.pk}/",
        waitinglist_views.ENTRY_COLUMNS,
    ),
    ("board", "caseworker_a", lambda w: "/udlejning/", vacancies.BOARD_COLUMNS),
    ("nominations", "kommune_officer", lambda w: "/kommune/anvisning/", nominations.QUEUE_COLUMNS),
    ("supervision", "kommune_officer", lambda w: "/kommune/tilsyn/", supervision.LETTING_COLUMNS),
    ("rejections", "caseworker_a", lambda w: "/udlejning/afvisninger/", cases.REJECTION_COLUMNS),
    (
        "dispensations",
        "caseworker_a",
        lambda w: "/udlejning/dispensationer/",
        dispensations.DISPENSATION_COLUMNS,
    ),
    ("approvals", "kommune_officer", lambda w: "/kommune/godkendelser/", approval_views.QUEUE_COLUMNS),
    (
        "elder_dashboard",  # the kommune column is shown to an officer of several kommuner only
        "kommune_officer",
        lambda w: "/kommune/aeldre/",
        [c for c in guarantee_views.GUARANTEE_COLUMNS if c[1] != "kommune"],
    ),
    ("elder_needs", "kommune_officer", lambda w: "/kommune/aeldre/visitation/", need_views.NEED_COLUMNS),
    (
        "elder_vacancies",
        "kommune_officer",
        lambda w: "/kommune/aeldre/ledige/",
        elder_allocation_views.VACANCY_COLUMNS,
    ),
    (
        "free_choice",
        "kommune_officer",
        lambda w: "/kommune/aeldre/frit-valg/",
        free_choice_views.FREE_CHOICE_COLUMNS,
    ),
    (
        "specific_lists",
        "kommune_officer",
        lambda w: "/kommune/aeldre/specifikke-lister/",
        elder_list_views.SPECIFIC_LIST_COLUMNS,
    ),
    (
        "specific_list_entries",
        "kommune_officer",
        lambda w: f"/kommune/aeldre/specifikke-lister/{w.specific_list.pk}/",
        elder_list_views.SPECIFIC_ENTRY_COLUMNS,
    ),
    ("outbox", "caseworker_a", lambda w: "/breve/", letters.LETTER_COLUMNS),
    ("job_runs", "caseworker_a", lambda w: "/koersler/", jobs.RUN_COLUMNS),
    ("print_batches", "caseworker_a", lambda w: "/udskrift/", print_batches.BATCH_COLUMNS),
    (
        "print_batch_letters",
        "caseworker_a",
        lambda w: f"/udskrift/{w.batch.pk}/",
        print_batches.BATCH_LETTER_COLUMNS,
    ),
]


@pytest.fixture
def world(org_a, department_a, person_a, caseworker_a, kommune_aarhus, kommune_officer):
    """One or two rows on the pages that need an object to exist (or rows to sort in Python)."""
    batch = PrintBatch(controller=org_a.tenant, state="posted", posted_by=caseworker_a, letter_count=0)
    audited_save(batch, actor=caseworker_a, reason="Test")
    waiting_list = WaitingListFactory(controller=org_a.tenant)
    EntryFactory(waiting_list=waiting_list, person=PersonFactory(controller=org_a.tenant, last_name="Hansen"))
    sl = specific_list(facility(kommune_aarhus))
    today = timezone.localdate()
    specific_entry(
        sl, joined_on=today - datetime.timedelta(days=3), person=elder(kommune_aarhus, last_name="Berg")
    )
    specific_entry(
        sl, joined_on=today - datetime.timedelta(days=1), person=elder(kommune_aarhus, last_name="Abel")
    )
    DwellingFactory(department=department_a)
    return SimpleNamespace(
        person=person_a, department=department_a, batch=batch, waiting_list=waiting_list, specific_list=sl
    )


@pytest.mark.parametrize(("page", "user", "url", "columns"), PAGES, ids=[p[0] for p in PAGES])
def test_every_offered_column_sorts_both_ways_and_junk_is_ignored(
    page, user, url, columns, world, client_for, request
):
    client = client_for(request.getfixturevalue(user))
    address = url(world)
    join = "&" if "?" in address else "?"
    for column in _columns(columns):
        for value, state in ((column, "ascending"), (f"-{column}", "descending")):
            response = client.get(f"{address}{join}ordering={value}")
            assert response.status_code == 200, (page, value)
            body = response.content.decode()
            # The header of exactly that column says how the table is sorted.
            header = re.search(rf'<th [^>]*aria-sort="{state}"[^>]*>.*?ordering=([\w-]+)', body, re.S)
            assert header, (page, value)
            assert header.group(1).lstrip("-") == column, (page, value)
    for junk in ("password", "-id,nonsense", "name;drop", "-", "--name"):
        response = client.get(f"{address}{join}ordering={junk}")
        assert response.status_code == 200, (page, junk)
        assert b"aria-sort=" not in response.content, (page, junk)


def _names_in_order(body: str, names: list[str]) -> list[str]:
    return sorted(names, key=body.index)


PAGE_LANGUAGE = "en"


def test_person_search_sorts_by_name_and_ignores_junk(caseworker_a, client_for, org_a):
    for first, last in (("Carl", "Andersen"), ("Bo", "Hansen"), ("Ane", "Petersen")):
        PersonFactory(controller=org_a.tenant, first_name=first, last_name=last)
    client = client_for(caseworker_a)
    names = ["Carl Andersen", "Bo Hansen", "Ane Petersen"]

    def shown(ordering=None):
        params = {"q": "sen", **({"ordering": ordering} if ordering else {})}
        return _names_in_order(client.get("/personer/", params).content.decode(), names)

    assert shown() == names  # by default by last name
    assert shown("-name") == list(reversed(names))
    assert shown("nonsense") == names


def test_a_lists_entries_sorted_by_name_keep_each_entrys_own_position(caseworker_a, client_for, org_a):
    """The position column is the entry's place in the queue (selectors.with_positions), whatever
    the rows are sorted by."""
    waiting_list = WaitingListFactory(controller=org_a.tenant)
    first_day = datetime.date(2020, 1, 1)
    for offset, last in enumerate(("Ceder", "Ask", "Birk")):  # queue order: Ceder 1, Ask 2, Birk 3
        EntryFactory(
            waiting_list=waiting_list,
            seniority_date=first_day + datetime.timedelta(days=offset),
            person=PersonFactory(controller=org_a.tenant, first_name="Eva", last_name=last),
        )
    client = client_for(caseworker_a)

    def rows(ordering):
        body = client.get(f"/ventelister/{waiting_list.pk}/", {"ordering": ordering}).content.decode()
        tbody = body[body.index("<tbody>") :]
        return re.findall(r'<td class="num">(\d+)</td>.*?Eva (\w+)</a>', tbody, re.S)

    assert rows("name") == [("2", "Ask"), ("3", "Birk"), ("1", "Ceder")]
    assert rows("-position") == [("3", "Birk"), ("2", "Ask"), ("1", "Ceder")]
    assert rows("junk") == [("1", "Ceder"), ("2", "Ask"), ("3", "Birk")]


def test_a_specific_lists_entries_sorted_by_name_keep_their_place(
    kommune_officer, kommune_aarhus, client_for
):
    """The specific list is sorted in Python (a list of rows): the place is numbered before sorting."""
    sl = specific_list(facility(kommune_aarhus))
    today = timezone.localdate()
    for days, last in ((9, "Ceder"), (5, "Ask"), (1, "Birk")):
        specific_entry(
            sl,
            joined_on=today - datetime.timedelta(days=days),
            person=elder(kommune_aarhus, first_name="Eva", last_name=last),
        )
    client = client_for(kommune_officer)

    def rows(ordering):
        body = client.get(
            f"/kommune/aeldre/specifikke-lister/{sl.pk}/", {"ordering": ordering}
        ).content.decode()
        tbody = body[body.index("<tbody>") :]
        return re.findall(r'<td class="num">(\d+)</td>.*?Eva (\w+)</a>', tbody, re.S)

    assert rows("applicant") == [("2", "Ask"), ("3", "Birk"), ("1", "Ceder")]
    assert rows("-joined") == [("3", "Birk"), ("2", "Ask"), ("1", "Ceder")]
    assert rows("junk") == [("1", "Ceder"), ("2", "Ask"), ("3", "Birk")]


def test_rows_built_in_python_sort_by_nested_paths_with_empty_values_last():
    """The approval queue is a list of QueueRow: the same column names sort it in Python."""

    def row(name, deadline, days_left):
        person = SimpleNamespace(last_name=name, first_name="A")
        request = SimpleNamespace(person=person, deadline=deadline, received_on=None, vacancy=None)
        return SimpleNamespace(request=request, days_left=days_left)

    day = datetime.date(2026, 5, 1)
    rows = [row("berg", day, 3), row("Ask", None, 1), row("Ceder", day - datetime.timedelta(days=1), 2)]
    columns = approval_views.QUEUE_COLUMNS

    def names(ordering):
        return [r.request.person.last_name for r in order_rows(ordering, rows, columns)]

    assert names("applicant") == ["Ask", "berg", "Ceder"]  # case-insensitive
    assert names("-applicant") == ["Ceder", "berg", "Ask"]
    assert names("deadline") == ["Ceder", "berg", "Ask"]  # no deadline: last
    assert names("-deadline") == ["berg", "Ceder", "Ask"]  # …in both directions
    assert names("-days_left,applicant") == ["berg", "Ceder", "Ask"]
    assert names("nonsense") == ["berg", "Ask", "Ceder"]  # unchanged
    assert names("dwelling") == ["berg", "Ask", "Ceder"]  # no vacancy on any row: all empty


def test_a_list_page_holds_100_rows(caseworker_a, client_for, department_a):
    assert common.PAGE_SIZE == 100
    DwellingFactory.create_batch(101, department=department_a)
    client = client_for(caseworker_a)

    def row_count(page):
        body = client.get("/boliger/", {"page": page, "ordering": "-number"}).content.decode()
        return body[body.index("<tbody>") : body.index("</tbody>")].count("<tr")

    assert row_count(1) == 100
    assert row_count(2) == 1
