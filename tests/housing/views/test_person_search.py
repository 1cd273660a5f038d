"""Person search at scale (issue 16): a wide name search shows a capped count and pages of the
matches in name order, each page in the same number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_wide_person_search_is_capped_and_paged_in_name_order(client_for, caseworker_a, org_a, monkeypatch):
    for n in range(9):
        PersonFactory(controller=org_a.tenant, first_name=f"Hans {chr(65 + n)}", last_name="Hansen")
    PersonFactory(controller=org_a.tenant, first_name="Ida", last_name="Madsen")
    monkeypatch.setattr("housing.views.persons.COUNT_CAP", 6)
    monkeypatch.setattr("housing.views.persons.PAGE_SIZE", 4)
    client = client_for(caseworker_a)
    url = reverse("housing:person_search")
    pages, queries = [], set()
    for page in (1, 2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"q": "hansen", "page": page})
        queries.add(len(ctx))
        text = response.content.decode()
        assert "Mere end 6 personer fundet" in text
        pages.append([f"Hans {c}" for c in "ABCDEFGHI" if f"Hans {c} Hansen" in text])
    assert pages == [["Hans A", "Hans B", "Hans C", "Hans D"], ["Hans E", "Hans F"]]
    assert len(queries) == 1
    assert "1 person fundet" in client.get(url, {"q": "ida madsen"}).content.decode()


def test_the_start_page_counts_few_persons_exactly_and_many_as_of_a_time(
    client_for, caseworker_a, org_a, monkeypatch
):
    from django.core.cache import cache

    cache.clear()
    for _n in range(3):
        PersonFactory(controller=org_a.tenant)
    client = client_for(caseworker_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert "pr. kl." not in page
    monkeypatch.setattr("housing.selectors.EXACT_PERSON_COUNT", 2)
    page = client.get(reverse("dashboard")).content.decode()
    assert "pr. kl." in page
    PersonFactory(controller=org_a.tenant)  # kept: the figure is the one of its time
    assert client.get(reverse("dashboard")).content.decode().count("pr. kl.") == 1
    cache.clear()
