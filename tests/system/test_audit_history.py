"""Every change through the UI or the admin leaves exactly one history row with user and reason."""

from __future__ import annotations

import pytest

from housing.models import Department, Dwelling, HousingOrganisation, Kommune, Person
from tests.factories import DepartmentFactory, DwellingFactory

pytestmark = pytest.mark.django_db


def _only_history_row(obj):
    rows = list(obj.history.all())
    return rows


def test_department_create_and_edit_through_ui(caseworker_a, client_for, org_a):
    client = client_for(caseworker_a)
    aarhus = Kommune.objects.get(code="0751")
    response = client.post(
        "/afdelinger/ny/",
        {
            "organisation": org_a.pk,
            "number": "501",
            "name": "Solsikkeparken",
            "kommune": aarhus.pk,
            "address_line": "Solsikkevej 1",
            "postal_code": "8200",
            "city": "Aarhus N",
            "change_reason": "Ny afdeling overtaget 1. januar",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    department = Department.objects.get(organisation=org_a, number="501")
    (row,) = department.history.all()
    assert row.history_user == caseworker_a
    assert row.history_change_reason == "Ny afdeling overtaget 1. januar"

    response = client.post(
        f"/afdelinger/{department.pk}/rediger/",
        {
            "number": "501",
            "name": "Solsikkeparken II",
            "kommune": aarhus.pk,
            "address_line": "Solsikkevej 1",
            "postal_code": "8200",
            "city": "Aarhus N",
            "change_reason": "Navneændring besluttet på afdelingsmødet",
        },
    )
    assert response.status_code == 302
    rows = list(department.history.order_by("history_date"))
    assert len(rows) == 2
    assert rows[-1].history_user == caseworker_a
    assert rows[-1].history_change_reason == "Navneændring besluttet på afdelingsmødet"
    assert rows[-1].name == "Solsikkeparken II"


def test_dwelling_edit_through_ui_records_user_and_reason(caseworker_a, client_for, org_a):
    dwelling = DwellingFactory(department=DepartmentFactory(organisation=org_a))
    before = dwelling.history.count()
    data = {
        "department": dwelling.department_id,
        "number": dwelling.number,
        "address_line": dwelling.address_line,
        "floor": 2,
        "kind": "family",
        "rooms": 3,
        "gross_floor_area": "78.5",
        "monthly_rent": "6450.00",
        "owner_kind": "organisation",
        "owner_name": "",
        "youth_kind": "",
        "change_reason": "Ny husleje efter budget",
    }
    response = client_for(caseworker_a).post(f"/boliger/{dwelling.pk}/rediger/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert dwelling.history.count() == before + 1
    latest = dwelling.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (caseworker_a, "Ny husleje efter budget")


def test_person_create_and_edit_through_ui(caseworker_a, client_for, org_a):
    client = client_for(caseworker_a)
    response = client.post(
        "/personer/ny/",
        {
            "controller": org_a.tenant_id,
            "cpr": "120387-1113",
            "first_name": "Karen",
            "last_name": "Holm",
            "address_line": "Skovvej 3",
            "postal_code": "8000",
            "city": "Aarhus C",
            "change_reason": "Henvendelse i skranken",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(last_name="Holm")
    (row,) = person.history.all()
    assert (row.history_user, row.history_change_reason) == (caseworker_a, "Henvendelse i skranken")
    response = client.post(
        f"/personer/{person.pk}/rediger/",
        {
            "first_name": "Karen",
            "last_name": "Holm",
            "address_line": "Skovvej 5",
            "postal_code": "8000",
            "city": "Aarhus C",
            "digital_post_consent_date": "2026-11-20",
            "digital_post_consent_method": "form",
            "change_reason": "Flyttet; samtykke til Digital Post modtaget",
        },
    )
    assert response.status_code == 302
    assert person.history.count() == 2
    assert person.history.latest().history_change_reason == "Flyttet; samtykke til Digital Post modtaget"


def test_organisation_edit_through_admin_records_reason(administrator, client_for, org_a):
    client = client_for(administrator)
    url = f"/admin/housing/housingorganisation/{org_a.pk}/change/"
    assert client.get(url).status_code == 200
    before = org_a.history.count()
    response = client.post(
        url,
        {
            "name": org_a.name,
            "cvr": org_a.cvr,
            "address_line": "Havnegade 1",
            "postal_code": "8000",
            "city": "Aarhus C",
            "email": "",
            "phone": "",
            "digital_post_connected_from": "2022-03-01",
            "shared_list": "",
            "change_reason": "Tilsluttet Digital Post",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    org_a.refresh_from_db()
    assert org_a.history.count() == before + 1
    latest = org_a.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (administrator, "Tilsluttet Digital Post")


def test_admin_change_without_reason_is_refused(administrator, client_for, org_a):
    before = org_a.history.count()
    response = client_for(administrator).post(
        f"/admin/housing/housingorganisation/{org_a.pk}/change/",
        {
            "name": "Nyt navn",
            "cvr": org_a.cvr,
            "shared_list": "",
            "change_reason": "",
        },
    )
    assert response.status_code == 200  # the form is shown again with the error
    org_a.refresh_from_db()
    assert org_a.name != "Nyt navn"
    assert org_a.history.count() == before


def test_history_tab_shows_who_what_and_why(caseworker_a, client_for, org_a):
    department = DepartmentFactory(organisation=org_a, name="Egeparken")
    client = client_for(caseworker_a)
    client.post(
        f"/afdelinger/{department.pk}/rediger/",
        {
            "number": department.number,
            "name": "Egeparken Øst",
            "kommune": department.kommune_id,
            "address_line": department.address_line,
            "postal_code": department.postal_code,
            "city": department.city,
            "change_reason": "Afdelingen er delt i øst og vest",
        },
    )
    body = client.get(f"/afdelinger/{department.pk}/historik/").content.decode()
    assert "Afdelingen er delt i øst og vest" in body
    assert "Egeparken Øst" in body and "Egeparken" in body
    assert caseworker_a.get_full_name() in body or caseworker_a.username in body


def test_organisation_created_through_ui_by_administrator(administrator, client_for):
    response = client_for(administrator).post(
        "/organisationer/ny/",
        {
            "name": "Gammabo",
            "cvr": "10150817",
            "change_reason": "Ny kunde",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    organisation = HousingOrganisation.objects.get(name="Gammabo")
    (row,) = organisation.history.all()
    assert (row.history_user, row.history_change_reason) == (administrator, "Ny kunde")
    assert organisation.tenant.name == "Gammabo"


def test_dwelling_model_count_unchanged_by_failed_save(caseworker_a, client_for, org_a):
    department = DepartmentFactory(organisation=org_a)
    before = Dwelling.objects.count()
    client_for(caseworker_a).post("/boliger/ny/", {"department": department.pk, "change_reason": "x"})
    assert Dwelling.objects.count() == before
