"""The list page at scale (issue 16): the same number of queries on the first and the last page,
the rows a deep page shows, capped counts for wide searches, and a name search that reads the
entries' kept names (Entry.search_name, kept by the database when a person's name changes)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from housing.audit import audited_save
from housing.paging import COUNT_CAP
from tests.factories import PersonFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists import queue, selectors
from waitinglists.models import Entry, EntryStatus

D = datetime.date

pytestmark = pytest.mark.django_db


def _rows(response) -> list[str]:
    """The applicant numbers of the result table's rows, in order."""
    table = response.content.decode().split('id="results"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>\s*<td class=\"num\">[^<]*</td>\s*<td>(\d+)</td>", table)


@pytest.fixture
def long_list(org_a):
    waiting_list = WaitingListFactory(controller=org_a.tenant)
    for n in range(250):
        EntryFactory(
            waiting_list=waiting_list,
            seniority_date=D(2000, 1, 1) + datetime.timedelta(days=n % 97),
            status=EntryStatus.PASSIVE if n % 11 == 0 else EntryStatus.ACTIVE,
            person=PersonFactory(controller=org_a.tenant, applicant_number=f"{n + 1:07d}"),
        )
    queue.rebuild_list(waiting_list.pk)
    EntryFactory(  # a change since the snapshot, ahead of most
        waiting_list=waiting_list,
        seniority_date=D(1999, 1, 1),
        person=PersonFactory(controller=org_a.tenant, applicant_number="0009999"),
    )
    return waiting_list


@pytest.mark.rule("R3.4")
def test_every_page_has_the_queue_rows_and_costs_the_same_queries(client_for, caseworker_a, long_list):
    """Pages 1, 2 and 3 (the last) show the living entries in queue order with their places, each
    page in the same number of queries."""
    client = client_for(caseworker_a)
    url = reverse("waitinglists:list_overview", args=[long_list.pk])
    expected = list(
        Entry.objects.filter(waiting_list=long_list)
        .exclude(status=EntryStatus.DELETED)
        .order_by(*selectors.QUEUE_ORDER)
        .values_list("person__applicant_number", flat=True)
    )
    shown, queries = [], set()
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page": page})
        assert response.status_code == 200
        shown += _rows(response)
        queries.add(len(ctx))
    assert shown == expected
    assert len(queries) == 1, queries
    assert "251 opskrivninger" in client.get(url).content.decode()


def test_a_wide_search_shows_a_capped_count(client_for, caseworker_a, org_a, settings, monkeypatch):
    waiting_list = WaitingListFactory(controller=org_a.tenant)
    for _n in range(7):
        EntryFactory(
            waiting_list=waiting_list, person=PersonFactory(controller=org_a.tenant, last_name="Hansen")
        )
    monkeypatch.setattr("waitinglists.views.lists.COUNT_CAP", 5)
    page = client_for(caseworker_a).get(
        reverse("waitinglists:list_overview", args=[waiting_list.pk]), {"q": "hans"}
    )
    text = page.content.decode()
    assert "Mere end 5 opskrivninger matcher" in text
    assert len(_rows(page)) == 5
    assert COUNT_CAP == 1000


def test_the_name_search_reads_the_kept_name_and_follows_a_change_of_name(client_for, caseworker_a, org_a):
    """Every word anywhere in "first name(s) last name": a double first name by its second part,
    first and last name together; after a change of name the entry is found by the new name."""
    waiting_list = WaitingListFactory(controller=org_a.tenant)
    person = PersonFactory(controller=org_a.tenant, first_name="Anne Sofie", last_name="Østergård")
    EntryFactory(waiting_list=waiting_list, person=person)
    EntryFactory(waiting_list=waiting_list, person=PersonFactory(controller=org_a.tenant, last_name="Jensen"))
    client = client_for(caseworker_a)
    url = reverse("waitinglists:list_overview", args=[waiting_list.pk])

    def found(q: str) -> list[str]:
        return _rows(client.get(url, {"q": q}))

    assert found("sofie østergård") == [person.applicant_number]
    assert found("SOFIE") == [person.applicant_number]
    assert found("sofie jensen") == []
    person.last_name = "Bech"
    audited_save(person, actor=caseworker_a, reason="Navneændring")
    assert found("østergård") == []
    assert found("anne bech") == [person.applicant_number]
    if connection.vendor == "postgresql":
        assert Entry.objects.get(person=person).search_name == "Anne Sofie Bech"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_the_name_searches_can_use_their_trigram_indexes(org_a):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # The other partial indexes would serve a full scan on a table this small (rolled back).
        cursor.execute("DROP INDEX one_open_entry_per_list, entry_list_page_idx")
        # Without the list: then only the trigram index can narrow the rows.
        entries = Entry.objects.filter(search_name__icontains="han").exclude(status=EntryStatus.DELETED)
        assert "entry_search_name_trgm_idx" in entries.explain()
        from housing import name_search
        from housing.models import Person

        assert (
            "person_full_name_trgm_idx" in Person.objects.filter(name_search.name_matches("hansen")).explain()
        )


def test_a_long_whole_list_is_shown_in_queue_order_and_a_search_can_be_sorted(
    client_for, caseworker_a, long_list, monkeypatch
):
    """Above the limit the whole list keeps queue order (no column sort links, a hint); the
    matches of a search can still be sorted by any column."""
    monkeypatch.setattr("waitinglists.views.lists.SORTABLE_LIMIT", 100)
    client = client_for(caseworker_a)
    url = reverse("waitinglists:list_overview", args=[long_list.pk])
    whole = client.get(url, {"ordering": "-applicant_number"})
    text = whole.content.decode()
    assert 'id="sort-hint"' in text and "app-sort-link" not in text
    assert _rows(whole)[:2] == ["0009999", "0000001"]  # queue order: the 1999 seniority first
    searched = client.get(url, {"ordering": "-applicant_number", "status": "active"})
    assert "app-sort-link" in searched.content.decode()
    assert _rows(searched)[0] == "0009999"
    assert _rows(searched)[1] == "0000250"
