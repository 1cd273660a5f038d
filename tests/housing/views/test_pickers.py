"""The searchable dwelling picker (issue 15, item 4): a small JSON search over the same scoped read
as every other page (``housing.scoping.dwellings_for``) — another tenant's dwelling is never
returned — and the vacancy form's 200-option select gets the search field, the select staying
as the fallback without JavaScript."""

from __future__ import annotations

import pytest

from tests.factories import DwellingFactory

URL = "/boliger/soeg.json"


@pytest.fixture
def dwellings(department_a, department_b):
    return {
        "a": DwellingFactory(department=department_a, address_line="Søndergade 12, 1. tv"),
        "a2": DwellingFactory(department=department_a, address_line="Nørregade 3"),
        "b": DwellingFactory(department=department_b, address_line="Søndergade 12, 2. th"),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return {row["id"] for row in response.json()["results"]}


def test_the_search_finds_only_the_users_own_dwellings(dwellings, caseworker_a, caseworker_b, client_for):
    assert _ids(client_for(caseworker_a).get(URL, {"q": "Søndergade 12"})) == {dwellings["a"].pk}
    assert _ids(client_for(caseworker_b).get(URL, {"q": "Søndergade 12"})) == {dwellings["b"].pk}
    # Every word must match, in the address, the tenancy number or the department.
    assert _ids(client_for(caseworker_a).get(URL, {"q": "Nørre 3"})) == {dwellings["a2"].pk}
    assert _ids(client_for(caseworker_a).get(URL, {"q": "Nørre Sønder"})) == set()
    assert _ids(client_for(caseworker_a).get(URL, {"q": dwellings["b"].department.name})) == set()


def test_the_label_names_department_and_address(dwellings, caseworker_a, client_for):
    row = client_for(caseworker_a).get(URL, {"q": "Nørregade"}).json()["results"][0]
    dwelling = dwellings["a2"]
    assert row == {
        "id": dwelling.pk,
        "label": f"{dwelling.department.number} {dwelling.department.name} – Nørregade 3",
    }


def test_writable_only_leaves_out_what_the_user_may_only_read(
    dwellings, read_only_a, caseworker_a, client_for
):
    assert _ids(client_for(read_only_a).get(URL, {"q": "Søndergade"})) == {dwellings["a"].pk}
    assert _ids(client_for(read_only_a).get(URL, {"q": "Søndergade", "writable": "1"})) == set()
    assert _ids(client_for(caseworker_a).get(URL, {"q": "Søndergade", "writable": "1"})) == {
        dwellings["a"].pk
    }


@pytest.mark.parametrize("query", ["", "S", " ", "x" * 5000, "%", "_"])
def test_short_or_odd_queries_are_answered_never_a_500(dwellings, caseworker_a, client_for, query):
    response = client_for(caseworker_a).get(URL, {"q": query})
    assert response.status_code == 200
    if query.strip() in ("", "S"):
        assert response.json() == {"results": []}


def test_the_search_needs_a_login(client, dwellings):
    assert client.get(URL, {"q": "Søndergade"}).status_code == 302


def test_the_vacancy_form_offers_the_search_with_the_select_as_fallback(dwellings, caseworker_a, client_for):
    body = client_for(caseworker_a).get("/udlejning/ny/").content.decode()
    assert 'data-app-picker-url="/boliger/soeg.json?writable=1"' in body
    assert 'data-app-picker-select="id_dwelling"' in body
    assert '<select name="dwelling"' in body  # without JavaScript: the plain select
    assert f'value="{dwellings["a"].pk}"' in body and f'value="{dwellings["b"].pk}"' not in body
