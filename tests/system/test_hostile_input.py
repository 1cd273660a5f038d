"""The four known causes of a 500 from user input, each refused with a specific
answer and nothing saved. The automatic walk over every form is tests/system/test_hostile_walk.py."""

from __future__ import annotations

import datetime

import pytest
from django.core import checks

from housing.input_limits import EARLIEST_DATE, LATEST_DATE, check_form_date_bounds
from housing.models import Department, Person
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
PAGE_LANGUAGE = "en"


def test_a_nul_byte_in_a_search_is_refused_with_a_400(caseworker_a, client_for):
    response = client_for(caseworker_a).get("/personer/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_byte_in_a_form_field_is_refused_and_nothing_is_saved(caseworker_a, client_for, org_a):
    before = Person.objects.count()
    response = client_for(caseworker_a).post(
        "/personer/ny/",
        {
            "controller": org_a.tenant_id,
            "cpr": "0101994321",
            "first_name": "A\x00",
            "last_name": "B",
            "change_reason": "Test",
        },
    )
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    assert Person.objects.count() == before


def test_a_nul_byte_in_the_path_is_refused(caseworker_a, client_for):
    assert client_for(caseworker_a).get("/personer/a%00b/").status_code == 400


def test_a_nul_byte_under_the_api_gets_a_json_400(caseworker_a, client_for):
    response = client_for(caseworker_a).get("/api/v1/vacancies/1/ranking/?limit=1%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("bad_id", ["abc", "1; DROP TABLE x", "99999999999999999999999", "-1e9"])
def test_an_admin_action_on_ids_that_are_not_ids_does_nothing(administrator, client_for, org_a, bad_id):
    department = DepartmentFactory(organisation=org_a)
    response = client_for(administrator).post(
        "/admin/housing/department/",
        {"action": "delete_selected", "_selected_action": [str(department.pk), bad_id]},
        follow=True,
    )
    assert response.status_code == 200
    assert "not an item of this list" in response.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()


def test_an_admin_autocomplete_field_with_an_id_that_is_not_an_id(administrator, client_for, org_a):
    before = Department.objects.count()
    response = client_for(administrator).post(
        "/admin/housing/department/add/",
        {"kommune": "abc", "organisation": "xyz", "number": "1", "name": "X", "change_reason": "Test"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Department.objects.count() == before


@pytest.mark.rule("R3.9", "R9.6")
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_seniority_scheme_dated_outside_any_plausible_date_is_refused(
    administrator, client_for, org_a, day
):
    """The decision that made every later scheme decision of the organisation fail."""
    from waitinglists.models import SeniorityScheme

    response = client_for(administrator).post(
        "/admin/waitinglists/seniorityscheme/add/",
        {
            "organisation": org_a.pk,
            "kind": "keep_on_lease",
            "enabled": "on",
            "decided_on": day,
            "effective_from": day,
            "change_reason": "Test",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Enter a date between") == 2  # decided on, in force from
    assert not SeniorityScheme.objects.exists()


def test_the_date_bound_is_inclusive_at_both_ends():
    from django import forms

    field = forms.DateField()
    assert field.clean(EARLIEST_DATE.isoformat()) == EARLIEST_DATE
    assert field.clean(LATEST_DATE.isoformat()) == LATEST_DATE
    for outside in (EARLIEST_DATE - datetime.timedelta(days=1), LATEST_DATE + datetime.timedelta(days=1)):
        with pytest.raises(forms.ValidationError) as error:
            field.clean(outside.isoformat())
        assert [e.code for e in error.value.error_list] == ["implausible_date"]


def test_every_form_date_field_of_the_project_is_bounded():
    import django.urls

    django.urls.get_resolver().url_patterns  # noqa: B018 — imports every view, and with it every form
    errors = check_form_date_bounds()
    assert errors == [], [e.msg for e in errors]
    assert all(e.id != "housing.E013" for e in checks.run_checks())


def test_hostile_values_in_the_job_schedule_form_are_refused(administrator, client_for):
    """django-celery-beat's crontab admin (where a 10,000-character time zone once reached the
    database) is gone; the job schedule form that replaces it takes no time zone and bounds the rest."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from letters.models import JobScheduleChange

    client = client_for(administrator)
    assert client.get("/admin/django_celery_beat/crontabschedule/add/").status_code == 404
    task = PeriodicTask.objects.filter(task="letters.run_job", crontab__isnull=False).first()
    before = CrontabSchedule.objects.count()
    for hostile in (
        {"time": "x" * 10_000},
        {"every_minutes": "9" * 10_000, "frequency": "interval"},
        {"weekdays": ["x" * 10_000]},
        {"job": "x" * 10_000},
        {"change_reason": "x" * 10_000},
        {"timezone": "x" * 10_000},
    ):
        data = {"job": "letters.print_batch", "frequency": "daily", "time": "14:30", "weekdays": ["1"]}
        data |= {"enabled": "on", "change_reason": "" if "timezone" not in hostile else "Test"} | hostile
        response = client.post(f"/admin/letters/jobschedule/{task.pk}/change/", data)
        assert response.status_code in (200, 302), hostile
    assert all(len(str(c.timezone)) < 100 for c in CrontabSchedule.objects.all())
    assert CrontabSchedule.objects.count() <= before + 1
    assert JobScheduleChange.objects.count() <= 1


@pytest.mark.parametrize("url", ["/konto/login/", "/admin/login/"])
def test_a_10000_character_user_name_at_login_is_refused_on_the_form(db, url):
    """Found by the hostile walk: django-axes failed to record the attempt (255 characters)."""
    from django.test import Client

    client = Client()
    client.raise_request_exception = False
    response = client.post(url, {"username": "x" * 10_000, "password": "wrong"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_an_inline_autocomplete_field_with_an_id_that_is_not_an_id(administrator, client_for, kommune_aarhus):
    """The facility's dwellings (an inline with an autocomplete field): shown again with an error."""
    import re

    from eldercare.models import Facility

    client = client_for(administrator)
    page = client.get("/admin/eldercare/facility/add/").content.decode()
    prefix = re.search(r'name="([\w-]+)-TOTAL_FORMS"', page).group(1)
    response = client.post(
        "/admin/eldercare/facility/add/",
        {
            "name": "Walk-center",
            "kommune": kommune_aarhus.pk,
            "change_reason": "Test",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-dwelling": "abc",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Facility.objects.filter(name="Walk-center").exists()


# --- Decimal commas and free-text limits (issue 15, item 4) ---------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("200,50", "200.50"),
        ("200.50", "200.50"),
        ("1.200,50", "1200.50"),
        ("1,200.50", "1200.50"),
        ("1.200", "1200"),
        ("1.200.000,5", "1200000.5"),
        ("12 500,00", "12500.00"),
        ("12\u00a0500", "12500"),
        ("-3,5", "-3.5"),
    ],
)
def test_every_decimal_field_reads_the_danish_notation(typed, value):
    from decimal import Decimal

    from django import forms

    assert forms.DecimalField(max_digits=11, decimal_places=2).clean(typed) == Decimal(value)


@pytest.mark.parametrize("garbled", ["2,00,0", "1.20,5", "abc", "1..2", ",", "1e400"])
def test_a_garbled_amount_is_a_validation_error_not_a_crash(garbled):
    from django import forms

    with pytest.raises(forms.ValidationError):
        forms.DecimalField(max_digits=11, decimal_places=2).clean(garbled)


def test_a_decimal_field_renders_a_text_input_with_the_decimal_comma():
    from decimal import Decimal

    from django import forms
    from django.utils import translation

    class Form(forms.Form):
        amount = forms.DecimalField(max_digits=9, decimal_places=2, min_value=0)

    with translation.override("da"):
        html = str(Form(initial={"amount": Decimal("1200.50")})["amount"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html and 'value="1200,50"' in html
    assert "step=" not in html and "min=" not in html


def test_every_free_text_field_of_the_project_has_a_length_limit():
    from housing.input_limits import check_form_text_bounds

    errors = check_form_text_bounds()
    assert errors == [], [e.msg for e in errors]
