"""``GET /api/v1/vacancies/<id>/ranking/``: the ranking as JSON, for signed-in staff of the
vacancy's organisation only, with the health facts it shows logged, at a fixed query cost; and
the OpenAPI schema that documents it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from allocation.models import LettingChannel, PriorityNeed
from housing.models import AccessKind, PersonalDataAccess
from tests.allocation.services.test_ranking_db import save, set_policy, set_r4, vacancy_for
from tests.factories import DepartmentFactory, DwellingFactory, aarhus
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import EntryStatus, ListKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_a):
    department = DepartmentFactory(organisation=org_a, kommune=aarhus())
    general = WaitingListFactory(controller=org_a.tenant, kind=ListKind.GENERAL)
    entries = [
        EntryFactory(waiting_list=general, seniority_date=datetime.date(2001 + n, 1, 1)) for n in range(3)
    ]
    passive = EntryFactory(
        waiting_list=general, seniority_date=datetime.date(2000, 1, 1), status=EntryStatus.PASSIVE
    )
    vacancy = vacancy_for(DwellingFactory(department=department))
    return {
        "department": department,
        "general": general,
        "entries": entries,
        "passive": passive,
        "vacancy": vacancy,
    }


def url(vacancy, **query) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/vacancies/{vacancy.pk}/ranking/" + (f"?{suffix}" if suffix else "")


@pytest.mark.rule("R2.1")
def test_the_ranking_as_json(world, caseworker_a, client_for):
    response = client_for(caseworker_a).get(url(world["vacancy"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    first, second, third = world["entries"]
    assert body["vacancy_id"] == world["vacancy"].pk
    assert (body["turn"], body["fallback"], body["limit"]) == ("general", None, 50)
    # The same texts in the request's language (Danish unless English is asked for).
    assert body["placed"][0].pop("explanation_translated").startswith("R2.1 — ")
    assert body["excluded"][0].pop("reason_translated")
    assert body["placed"][0] == {
        "rank": 1,
        "entry_id": first.pk,
        "applicant_number": first.person.applicant_number,
        "list": "general",
        "rule": "R2.1",
        "seniority_date": "2001-01-01",
        "explanation": "R2.1 — longest on the general list; general seniority 2001-01-01",
        "flags": [],
    }
    assert [p["entry_id"] for p in body["placed"]] == [first.pk, second.pk, third.pk]
    assert body["excluded"] == [
        {
            "entry_id": world["passive"].pk,
            "applicant_number": world["passive"].person.applicant_number,
            "list": "general",
            "rule": "passive",
            "reason": "The entry is passive (i bero).",
        }
    ]
    assert body["counts"] == {
        "placed": 3,
        "excluded_shown": 1,
        "excluded_total": 1,
        "excluded_total_capped": False,
    }
    assert body["notes"] == []
    limited = client_for(caseworker_a).get(url(world["vacancy"], limit=1)).json()
    assert [p["entry_id"] for p in limited["placed"]] == [first.pk]


@pytest.mark.rule("R3.3", "R26")
def test_an_unpaid_fee_and_overcrowding_are_flags_in_the_json(world, caseworker_a, client_for):
    """§ 3, stk. 3 and § 26: the candidate keeps his place; the API gives the flag with the figures,
    in English and in the request's language."""
    from tests.allocation.services.test_ranking_db import _unpaid
    from tests.factories import HouseholdFactory, HouseholdMemberFactory

    first = world["entries"][0]
    _unpaid(first)
    household = HouseholdFactory(controller=first.controller)
    HouseholdMemberFactory(household=household, person=first.person, relation="applicant")
    for _ in range(6):
        HouseholdMemberFactory(household=household, relation="spouse")
    first.household = household
    save(first)
    vacancy = vacancy_for(DwellingFactory(department=world["department"], rooms=3))
    client = client_for(caseworker_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(url(vacancy)).json()
    placed = body["placed"][0]
    assert placed["entry_id"] == first.pk and placed["rank"] == 1
    assert [f["rule"] for f in placed["flags"]] == ["R3.3", "R26"]
    r26 = placed["flags"][1]
    assert "7 persons in 3 rooms" in r26["text"] and r26["text_translated"] == r26["text"]
    assert all(x["entry_id"] != first.pk for x in body["excluded"])
    assert body["placed"][1]["flags"] == []


def test_anonymous_is_refused_without_a_redirect(world):
    response = Client().get(url(world["vacancy"]))
    assert response.status_code in (401, 403) and "application/json" in response["Content-Type"]
    assert world["entries"][0].person.applicant_number not in response.content.decode()
    assert Client().get("/api/v1/schema/").status_code in (401, 403)


@pytest.mark.parametrize("outsider", ["caseworker_b", "kommune_officer", "administrator"])
def test_other_tenants_get_404(request, world, outsider, client_for):
    """Staff of another organisation — and a kommune officer or an administrator, who reach the
    organisation's register but not its applicants — do not find the vacancy."""
    response = client_for(request.getfixturevalue(outsider)).get(url(world["vacancy"]))
    assert response.status_code == 404
    assert world["entries"][0].person.applicant_number not in response.content.decode()


def test_read_only_staff_may_read_it(world, read_only_a, client_for):
    assert client_for(read_only_a).get(url(world["vacancy"])).status_code == 200


def test_bad_limit_and_a_vacancy_without_a_ranking(world, caseworker_a, client_for):
    client = client_for(caseworker_a)
    for bad in (0, 201, "x"):
        response = client.get(url(world["vacancy"], limit=bad))
        assert response.status_code == 400 and "limit" in response.json()
    vacancy = world["vacancy"]
    vacancy.channel = LettingChannel.KOMMUNAL_ANVISNING
    save(vacancy)
    response = client.get(url(vacancy))
    assert response.status_code == 409 and "detail" in response.json()


@pytest.mark.rule("R5.2")
def test_reading_the_ranking_logs_the_health_facts_it_shows(world, caseworker_a, client_for):
    impaired = world["entries"][2]
    save(
        PriorityNeed(
            person=impaired.person,
            controller=impaired.controller,
            mobility_impaired=True,
            documentation="Lægeerklæring",
            documented_on=datetime.date(2025, 1, 1),
        )
    )
    vacancy = vacancy_for(DwellingFactory(department=world["department"], fitted_mobility_impaired=True))
    body = client_for(caseworker_a).get(url(vacancy)).json()
    assert (body["placed"][0]["entry_id"], body["placed"][0]["rule"]) == (impaired.pk, "R5.2")
    (logged,) = PersonalDataAccess.objects.filter(user=caseworker_a)
    assert (logged.person_id, logged.kind) == (impaired.person_id, AccessKind.SENSITIVE_READ)
    # The plain vacancy shows no health fact: nothing more is logged.
    client_for(caseworker_a).get(url(world["vacancy"]))
    assert PersonalDataAccess.objects.filter(user=caseworker_a).count() == 1


def test_the_query_count_does_not_grow_with_the_list(world, org_a, caseworker_a, client_for):
    set_policy(org_a, issues_housing_guarantees=True, separation_priority=True)
    set_r4(org_a, world["department"].kommune, on=True)
    client = client_for(caseworker_a)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(world["vacancy"], limit=5)).status_code == 200
        return len(queries)

    cost()  # the session and the user's scope, once
    small = cost()
    for n in range(40):
        EntryFactory(
            waiting_list=world["general"],
            seniority_date=datetime.date(1990, 1, 1) + datetime.timedelta(days=n),
            status=EntryStatus.PASSIVE if n % 3 == 0 else EntryStatus.ACTIVE,
        )
    large = cost()
    # At most one more: the count of those passed over, asked only when more lie behind.
    assert small <= large <= small + 1


def test_the_openapi_schema_documents_the_ranking(caseworker_a, client_for):
    response = client_for(caseworker_a).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/vacancies/{id}/ranking/"]["get"]
    assert operation["operationId"] == "vacancy_ranking"
    assert {"200", "403", "404", "409"} <= set(operation["responses"])
    properties = schema["components"]["schemas"]["VacancyRanking"]["properties"]
    assert {"vacancy_id", "turn", "fallback", "notes", "placed", "excluded", "counts"} <= set(properties)
    # The schema is valid OpenAPI and generated without warnings.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
