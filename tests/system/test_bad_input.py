"""Bad input on every form gets a specific message next to the field, never a 500, and nothing is saved."""

from __future__ import annotations

import pytest

from housing.models import Department, Dwelling, HousingOrganisation, Kommune, Person
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _errors(response) -> str:
    assert response.status_code == 400, response.status_code
    return response.content.decode()


def test_department_form_messages(caseworker_a, client_for, org_a):
    existing = DepartmentFactory(organisation=org_a, number="101")
    before = Department.objects.count()
    body = _errors(
        client_for(caseworker_a).post(
            "/afdelinger/ny/",
            {
                "organisation": org_a.pk,
                "number": existing.number,
                "name": "",
                "kommune": "999999",
                "address_line": "Vej 1",
                "postal_code": "8000",
                "city": "Aarhus",
                "change_reason": "",
            },
        )
    )
    assert Department.objects.count() == before
    assert "Dette felt er påkrævet" in body  # name and reason, in Danish
    assert "Marker en gyldig valgmulighed" in body  # unknown kommune
    assert "eksisterer allerede" in body  # department number taken in this organisation


def test_dwelling_form_messages(caseworker_a, client_for, org_a):
    department = DepartmentFactory(organisation=org_a)
    body = _errors(
        client_for(caseworker_a).post(
            "/boliger/ny/",
            {
                "department": department.pk,
                "number": "1-1",
                "address_line": "Vej 1",
                "kind": "family",
                "rooms": "0",
                "gross_floor_area": "-5",
                "monthly_rent": "mange penge",
                "youth_kind": "startbolig",
                "owner_kind": "kommune",
                "owner_name": "",
                "change_reason": "Test",
            },
        )
    )
    assert Dwelling.objects.count() == 0
    assert "Kun ungdomsboliger kan være startbolig" in body
    assert "Angiv ejeren" in body
    assert "Indtast et tal" in body  # rent not a number
    assert "større end eller lig 1" in body  # rooms and area


def test_person_form_messages(caseworker_a, client_for, org_a, person_a):
    client = client_for(caseworker_a)
    cases = {
        "12345": "10 cifre",
        "3201901234": "fødselsdato",
        "01019O1234": "cifre",
        "0101" + "99" + "4321": None,  # valid (born 1999) – control
    }
    for number, expected in cases.items():
        response = client.post(
            "/personer/ny/",
            {
                "controller": org_a.tenant_id,
                "cpr": number,
                "first_name": "A",
                "last_name": "B",
                "change_reason": "Test",
                "digital_post_consent_date": "2026-01-01",
            },
        )
        if expected is None:
            assert response.status_code == 400  # consent method missing, still refused
            assert "Angiv hvordan samtykket blev givet" in response.content.decode()
        else:
            assert expected in _errors(response), number
    # The same CPR twice for one controller: refused with the existing applicant number.
    body = _errors(
        client.post(
            "/personer/ny/",
            {
                "controller": org_a.tenant_id,
                "cpr": "010190-1234",
                "first_name": "A",
                "last_name": "B",
                "change_reason": "Test",
            },
        )
    )
    assert person_a.applicant_number in body
    assert Person.objects.filter(controller=org_a.tenant).count() == 1


def test_cpr_search_with_bad_number(caseworker_a, client_for):
    body = _errors(client_for(caseworker_a).post("/personer/", {"cpr": "abc"}))
    assert "CPR-nummer" in body


def test_reveal_without_purpose_is_refused_and_not_logged(caseworker_a, client_for, person_a):
    response = client_for(caseworker_a).post(f"/personer/{person_a.pk}/cpr/", {"purpose": ""})
    assert response.status_code == 400
    assert person_a.accesses.count() == 0
    response = client_for(caseworker_a).post(f"/personer/{person_a.pk}/cpr/", {"purpose": "other"})
    assert response.status_code == 400
    assert "Beskriv formålet" in response.content.decode()
    assert person_a.accesses.count() == 0


def test_organisation_form_messages(administrator, client_for):
    body = _errors(
        client_for(administrator).post(
            "/organisationer/ny/",
            {
                "name": "X",
                "cvr": "12345678",
                "email": "ikke-en-mail",
                "change_reason": "Test",
            },
        )
    )
    assert "CVR-nummer" in body
    assert "gyldig e-mail" in body
    assert not HousingOrganisation.objects.filter(name="X").exists()


def test_junk_in_lists_and_pages_never_500(caseworker_a, client_for):
    client = client_for(caseworker_a)
    for url in [
        "/boliger/?rooms_min=abc&rent_max=x&kind=castle&ordering=drop_table&page=999",
        "/afdelinger/?organisation=abc&kommune=-1&page=-3",
        "/organisationer/?ordering=%00&page=x",
        "/personer/?q=%27%3B--&page=0",
        "/boliger/999999/",
    ]:
        assert client.get(url).status_code in (200, 400, 404), url


def test_kommune_officer_cannot_edit_register(kommune_officer, client_for, org_a):
    department = DepartmentFactory(organisation=org_a, kommune=Kommune.objects.get(code="0751"))
    client = client_for(kommune_officer)
    assert client.get(f"/afdelinger/{department.pk}/").status_code == 200
    assert client.get(f"/afdelinger/{department.pk}/rediger/").status_code == 403
