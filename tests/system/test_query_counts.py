"""List pages cost the same number of queries at 10 and at 500 rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    DepartmentFactory,
    DwellingFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    HousingOrganisationFactory,
    MembershipFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(org, n: int):
    department = DepartmentFactory(organisation=org)
    DwellingFactory.create_batch(n, department=department)
    persons = PersonFactory.create_batch(n, controller=org.tenant, last_name="Jensen")
    household = HouseholdFactory(controller=org.tenant)
    HouseholdMemberFactory(household=household, person=persons[0], relation="applicant")
    for index in range(n):
        DepartmentFactory(organisation=org, kommune=department.kommune, name=f"Afdeling {index}")
    for _ in range(min(n, 60)):
        HousingOrganisationFactory()


@pytest.mark.parametrize(
    "url",
    [
        "/boliger/",
        "/boliger/?ordering=-rent&kind=family",
        "/afdelinger/",
        "/afdelinger/?ordering=dwellings",
        "/organisationer/",
        "/personer/?q=Jensen",
        "/",
    ],
)
def test_list_pages_cost_fixed_queries(url, administrator, caseworker_a, client_for, org_a):
    # The administrator sees the whole register; add them to org A for persons too.
    MembershipFactory(user=administrator, tenant=org_a.tenant, role="caseworker")
    client = client_for(administrator)
    _grow(org_a, 10)
    small = _queries(client, url)
    _grow(org_a, 490)
    large = _queries(client, url)
    assert small == large, f"{url}: {small} queries at 10 rows, {large} at 500"


def test_detail_pages_cost_fixed_queries(caseworker_a, client_for, org_a):
    client = client_for(caseworker_a)
    department = DepartmentFactory(organisation=org_a)
    DwellingFactory.create_batch(5, department=department)
    small = _queries(client, f"/afdelinger/{department.pk}/")
    DwellingFactory.create_batch(100, department=department)
    assert _queries(client, f"/afdelinger/{department.pk}/") == small
