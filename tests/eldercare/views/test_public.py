"""The published § 25 information (R25.1–R25.4): a public page per kommune without login, its elder
dwellings and nursing homes with the facts of stk. 2–3, the specific lists' figures of stk. 4 computed
live and matching a hand-computed fixture, the chart with its table, the CSV and JSON open data, a fixed
number of queries, and an axe scan."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from eldercare.models import RefuseOutsidersDecision, SpecificEntryStatus
from eldercare.services import published
from housing.audit import system_user
from tests.browser_support import BROWSER_MARKS, axe_problems
from tests.eldercare_lists_support import english, entry, facility, on_day, specific_list
from tests.eldercare_support import saved

D = datetime.date
AS_OF = D(2026, 5, 15)  # previous quarter: 1 January – 31 March 2026; 12 months: 16 May 2025 – 15 May 2026


def world(kommune):
    """The hand-computed fixture.

    Plejecenter Lindely (plejeboliger, fee 200 kr.):
      on the list today: inside since 15.03 (61 days), inside since 14.04 (31 days), outside since 05.05
      (10 days) → 3 persons, 2 own, 1 other, waited so far (61 + 31 + 10) / 3 = 34.0 days;
      housed: 31.12.2025 after 122 days, 01.02 after 62, 31.03 after 80, 02.04 after 60 → 4 in the last 12
      months, average (122 + 62 + 80 + 60) / 4 = 81.0 days; previous quarter (Q1): 01.02 and 31.03 → 2;
      not counted: housed 15.05.2025 (outside the 12 months), one taken off the list.
    Ældreboligerne Birkely (ældreboliger, no fee): empty; a refuse-outsiders decision in force until 30.09.
    """
    pleje = facility(kommune, kind="plejeboliger", name="Plejecenter Lindely")
    aeldre = facility(kommune, kind="aeldreboliger", name="Ældreboligerne Birkely", dwellings_for_two=6)
    lindely = specific_list(pleje, fee=Decimal("200.00"), name="Plejecenter Lindely")
    birkely = specific_list(aeldre, name="Ældreboligerne Birkely")
    entry(lindely, joined_on=D(2026, 3, 15))
    entry(lindely, joined_on=D(2026, 4, 14))
    entry(lindely, joined_on=D(2026, 5, 5), inside=False)
    entry(lindely, joined_on=D(2025, 8, 31), housed_on=D(2025, 12, 31))
    entry(lindely, joined_on=D(2025, 12, 1), housed_on=D(2026, 2, 1))
    entry(lindely, joined_on=D(2026, 1, 10), housed_on=D(2026, 3, 31), inside=False)
    entry(lindely, joined_on=D(2026, 2, 1), housed_on=D(2026, 4, 2))
    entry(lindely, joined_on=D(2024, 1, 1), housed_on=D(2025, 5, 15))
    entry(lindely, joined_on=D(2026, 1, 1), status=SpecificEntryStatus.REMOVED)
    saved(
        RefuseOutsidersDecision(
            kommune=kommune,
            dwelling_kind="aeldreboliger",
            decided_on=D(2026, 3, 1),
            effective_from=D(2026, 4, 1),
            lapses_on=D(2026, 10, 1),
            own_average_wait_days=Decimal("90"),
            baseline_average_wait_days=Decimal("60"),
            increase_percent=Decimal("50"),
            outsiders_joined_recent=5,
            outsiders_joined_before=1,
            justification="Tilgang udefra.",
            decided_by=system_user(),
        )
    )
    return lindely, birkely


@pytest.mark.rule("R25.4")
@pytest.mark.django_db
def test_the_figures_match_the_hand_computed_fixture(kommune_aarhus, django_assert_max_num_queries):
    lindely, birkely = world(kommune_aarhus)
    with django_assert_max_num_queries(4):
        figures = {f.specific_list.pk: f for f in published.list_figures(kommune=kommune_aarhus, as_of=AS_OF)}
    f = figures[lindely.pk]
    assert (f.persons, f.own_citizens, f.other_kommuner) == (3, 2, 1)
    assert (f.average_wait_days, f.housed_last_12_months) == (Decimal("81.0"), 4)
    assert f.average_waited_so_far_days == Decimal("34.0")
    assert (f.allocated_previous_quarter, f.quarter_start, f.quarter_last_day) == (
        2,
        D(2026, 1, 1),
        D(2026, 3, 31),
    )
    assert (f.fee_amount, f.decision_in_force) == (Decimal("200.00"), None)
    chart = {p.month: (p.average_days, p.housed) for p in f.chart}
    assert next(iter(chart)) == D(2025, 6, 1) and list(chart)[-1] == D(2026, 5, 1) and len(chart) == 12
    assert chart[D(2025, 12, 1)] == (Decimal("122.0"), 1)
    assert chart[D(2026, 2, 1)] == (Decimal("62.0"), 1)
    assert chart[D(2026, 3, 1)] == (Decimal("80.0"), 1)
    assert chart[D(2026, 4, 1)] == (Decimal("60.0"), 1)
    assert chart[D(2026, 1, 1)] == (None, 0)
    b = figures[birkely.pk]
    assert (b.persons, b.average_wait_days, b.fee_amount) == (0, None, None)
    assert b.decision_in_force.last_day == D(2026, 9, 30)


@pytest.mark.rule("R25.1", "R25.2", "R25.3", "R25.4")
@pytest.mark.django_db
def test_the_public_page_needs_no_login_and_shows_the_facts_and_figures(
    client, kommune_aarhus, monkeypatch, django_assert_max_num_queries
):
    world(kommune_aarhus)
    on_day(monkeypatch, AS_OF)
    index = client.get(reverse("eldercare_public:index"))
    assert index.status_code == 200
    assert reverse("eldercare_public:kommune", args=["0751"]) in index.content.decode()  # easy to find
    url = reverse("eldercare_public:kommune", args=[kommune_aarhus.code])
    english(client)
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Log out" not in body and "main_menu" not in body
    lindely = body.split("<h3 ", 1)[1].split("</section>")[0]
    assert 'data-figure="persons">3<' in lindely
    assert "81.0 days (for the 4 housed in the last 12 months)" in lindely
    assert 'data-figure="own">2<' in lindely and 'data-figure="other">1<' in lindely
    assert 'data-figure="quarter">2 ' in lindely
    assert "200.00 kr. when joining several specific lists" in lindely
    assert "efter to afslag revurderes" in lindely  # the consequences of refusing (nr. 5)
    assert 'data-figure="refuse-outsiders">No<' in lindely
    assert "<svg" in lindely and "<title" in lindely and "<table" in lindely  # chart with a text alternative
    # R25.2–R25.3: the facilities' facts.
    assert "of which 4 suitable for 2 persons" in body and "of which 6 suitable for 2 persons" in body
    assert "Skærmet enhed med 10 boliger" in body  # dementia effort (plejeboliger only)
    assert "Fælleshus med spisestue" in body and "Tilfredshedsundersøgelse 2025" in body
    assert 'datetime="2026-09-30">Yes, until' in body
    assert client.get(reverse("eldercare_public:kommune", args=["9999"])).status_code == 404


@pytest.mark.rule("R25.4")
@pytest.mark.django_db
def test_the_same_figures_as_open_data(client, kommune_aarhus, monkeypatch):
    lindely, birkely = world(kommune_aarhus)
    on_day(monkeypatch, AS_OF)
    data = json.loads(
        client.get(reverse("eldercare_public:kommune_json", args=[kommune_aarhus.code])).content
    )
    assert data["kommune"] == {"code": "0751", "name": kommune_aarhus.name}
    records = {r["list_id"]: r for r in data["specific_lists"]}
    r = records[lindely.pk]
    assert (r["persons_on_list"], r["own_citizens"], r["other_kommuner"]) == (3, 2, 1)
    assert (r["average_waiting_days_housed_last_12_months"], r["allocated_previous_quarter"]) == (81.0, 2)
    assert (r["fee_dkk"], r["refuse_outsiders_decision_in_force"]) == (200.0, False)
    assert len(r["monthly_average_waiting_days"]) == 12
    assert records[birkely.pk]["refuse_outsiders_in_force_until"] == "2026-09-30"
    response = client.get(reverse("eldercare_public:kommune_csv", args=[kommune_aarhus.code]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    row = next(x for x in rows if x["list_id"] == str(lindely.pk))
    assert (row["persons_on_list"], row["average_waiting_days_housed_last_12_months"]) == ("3", "81.0")
    assert (row["own_citizens"], row["other_kommuner"], row["allocated_previous_quarter"]) == ("2", "1", "2")
    assert "CPR" not in response.content.decode() and "cpr" not in json.dumps(data)


@pytest.mark.rule("R25.4")
def test_the_previous_quarter():
    assert published.previous_quarter(D(2026, 5, 15)) == (D(2026, 1, 1), D(2026, 4, 1))
    assert published.previous_quarter(D(2026, 1, 1)) == (D(2025, 10, 1), D(2026, 1, 1))
    assert published.previous_quarter(D(2026, 12, 31)) == (D(2026, 7, 1), D(2026, 10, 1))


@pytest.mark.rule("R25.1")
@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
@BROWSER_MARKS[1]
def test_the_public_page_passes_an_axe_scan(browser, live_server, kommune_aarhus):
    world(kommune_aarhus)
    page = browser.new_page()
    problems = {}
    page.goto(f"{live_server.url}/offentlig/aeldreboliger/")
    problems["index"] = axe_problems(page)
    page.click("text=Aarhus")
    page.wait_for_url(f"{live_server.url}/offentlig/aeldreboliger/0751/")
    assert page.locator("h1").inner_text().endswith("Aarhus")
    page.click("summary")  # open the chart's table
    problems["kommune"] = axe_problems(page)
    page.close()
    assert problems == {"index": [], "kommune": []}
