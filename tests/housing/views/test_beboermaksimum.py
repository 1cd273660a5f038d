"""The beboermaksimum proviso of § 26, recorded per department: "Når reglerne om beboermaksimum i
§§ 52 a-52 c i lov om midlertidig regulering af boligforholdene ikke anvendes, kan
boligorganisationen afvise …". Set on the department page or in the admin, with history."""

from __future__ import annotations

import pytest

from housing.models import Department
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

PAGE_LANGUAGE = "en"


@pytest.mark.rule("R26")
def test_the_department_records_that_the_beboermaksimum_rules_are_applied(caseworker_a, client_for, org_a):
    department = DepartmentFactory(organisation=org_a)
    client = client_for(caseworker_a)
    assert "Not applied" in client.get(department.get_absolute_url()).content.decode()
    response = client.post(
        f"/afdelinger/{department.pk}/rediger/",
        {
            "number": department.number,
            "name": department.name,
            "kommune": department.kommune_id,
            "address_line": department.address_line,
            "postal_code": department.postal_code,
            "city": department.city,
            "beboermaksimum_applied": "on",
            "change_reason": "Kommunen anvender beboermaksimum fra 1. januar",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    department = Department.objects.get(pk=department.pk)
    assert department.beboermaksimum_applied
    row = department.history.latest()
    assert (row.history_user, row.history_change_reason, row.beboermaksimum_applied) == (
        caseworker_a,
        "Kommunen anvender beboermaksimum fra 1. januar",
        True,
    )
    body = client.get(department.get_absolute_url()).content.decode()
    assert "Applied: § 26 (more than 2 persons per room) does not apply" in body


def test_the_admin_lists_and_filters_by_the_proviso():
    from django.contrib import admin

    model_admin = admin.site._registry[Department]
    assert "beboermaksimum_applied" in model_admin.list_display
    assert "beboermaksimum_applied" in model_admin.list_filter
