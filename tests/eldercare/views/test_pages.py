"""The kommune officer's elder-housing pages: the guarantee dashboard (days left, overdue in red,
breaches, a fixed number of queries), the breach report, the vacancy pages with bad input, the menu
and the start page — and nothing for other staff."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from eldercare.models import ElderOffer, ElderVacancy, GuaranteeEntry
from eldercare.services import allocation as allocation_services
from eldercare.services import guarantee as guarantee_services
from housing.models import AccessKind, PersonalDataAccess
from tests.eldercare_lists_support import english
from tests.eldercare_support import decide, elder, elder_dwelling

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.rule("R16.1", "R16.2")
def test_the_dashboard_shows_every_elder_with_days_left_and_overdue_in_red(
    kommune_officer, kommune_aarhus, client_for
):
    overdue = elder(kommune_aarhus, first_name="Forsinket", last_name="Olsen")
    decide(kommune_officer, kommune_aarhus, overdue, decided_on=TODAY - datetime.timedelta(days=75))
    fresh = elder(kommune_aarhus, first_name="Ny", last_name="Jensen")
    decide(kommune_officer, kommune_aarhus, fresh, decided_on=TODAY)
    with translation.override("en"):
        body = english(client_for(kommune_officer)).get("/kommune/aeldre/").content.decode()
    late_entry = GuaranteeEntry.objects.get(person=overdue)
    fresh_entry = GuaranteeEntry.objects.get(person=fresh)
    assert body.index("Forsinket Olsen") < body.index("Ny Jensen")  # earliest deadline first
    late_row = body[body.index(f'id="entry-{late_entry.pk}"') :][:1500]
    assert 'data-overdue="yes"' in late_row and "badge-error" in late_row and "days overdue" in late_row
    fresh_row = body[body.index(f'id="entry-{fresh_entry.pk}"') :][:1500]
    assert 'data-overdue="no"' in fresh_row
    assert str((fresh_entry.deadline - TODAY).days) in fresh_row
    assert fresh_entry.deadline.strftime("%d") in fresh_row
    assert 'id="count-waiting">2<' in body and 'id="count-overdue">1<' in body
    # The overdue one is a breach of the year its deadline fell in.
    assert f'id="breaches-year">{int(late_entry.deadline.year == TODAY.year)}<' in body


def test_the_dashboard_costs_a_fixed_number_of_queries(kommune_officer, kommune_aarhus, client_for):
    client = english(client_for(kommune_officer))
    for days in (5, 70, 30):
        decide(
            kommune_officer,
            kommune_aarhus,
            elder(kommune_aarhus),
            decided_on=TODAY - datetime.timedelta(days=days),
        )
    small = _queries(client, "/kommune/aeldre/")
    for index in range(30):
        person = elder(kommune_aarhus)
        decide(kommune_officer, kommune_aarhus, person, decided_on=TODAY - datetime.timedelta(days=index * 3))
    large = _queries(client, "/kommune/aeldre/")
    assert small == large, f"{small} queries with 3 elders, {large} with 33"


def test_the_breach_report_is_a_csv_of_this_years_breaches(kommune_officer, kommune_aarhus, client_for):
    late = elder(kommune_aarhus, first_name="Sen", last_name="Svendsen")
    decide(kommune_officer, kommune_aarhus, late, decided_on=TODAY - datetime.timedelta(days=65))
    decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus, last_name="Rettid"), decided_on=TODAY)
    response = english(client_for(kommune_officer)).get(f"/kommune/aeldre/garantibrud.csv?year={TODAY.year}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    entry = GuaranteeEntry.objects.get(person=late)
    if entry.deadline.year == TODAY.year and entry.deadline < TODAY:
        assert len(rows) == 2 and rows[1][2] == "Sen Svendsen" and rows[1][6] == entry.deadline.isoformat()
        assert int(rows[1][-1]) == (TODAY - entry.deadline).days
        assert PersonalDataAccess.objects.filter(person=late, kind=AccessKind.EXPORT).count() == 1
    assert "Rettid" not in response.content.decode("utf-8-sig")
    bad = english(client_for(kommune_officer)).get("/kommune/aeldre/garantibrud.csv?year=abc")
    assert bad.status_code == 400


def test_other_staff_get_nothing(kommune_officer, kommune_aarhus, caseworker_a, client_for, org_b):
    from housing.models import Kommune, Role
    from tests.factories import MembershipFactory, UserFactory

    person = elder(kommune_aarhus, last_name="Hemmeligsen")
    decision = decide(kommune_officer, kommune_aarhus, person)
    for url in ("/kommune/aeldre/", "/kommune/aeldre/visitation/", "/kommune/aeldre/ledige/"):
        assert client_for(caseworker_a).get(url).status_code == 403
    odense = UserFactory()
    MembershipFactory(user=odense, tenant=Kommune.objects.get(code="0461").tenant, role=Role.KOMMUNE_OFFICER)
    client = client_for(odense)
    assert "Hemmeligsen" not in client.get("/kommune/aeldre/").content.decode()
    assert client.get(f"/kommune/aeldre/visitation/{decision.pk}/").status_code == 404
    assert client.get(f"/kommune/aeldre/venteliste/{decision.guarantee_entry.pk}/").status_code == 404


def test_menu_and_start_page_show_the_guarantee(kommune_officer, kommune_aarhus, client_for):
    decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=TODAY - datetime.timedelta(days=70)
    )
    with translation.override("en"):
        body = english(client_for(kommune_officer)).get("/").content.decode()
    assert 'id="menu-eldercare"' in body
    link = body[body.index('id="guarantee-dashboard-link"') :][:300]
    assert "1 elder's deadline is near or has passed" in link.replace("&#x27;", "'")


@pytest.mark.rule("R24")
def test_the_vacancy_pages_take_bad_input_without_a_500(kommune_officer, kommune_aarhus, client_for):
    client = english(client_for(kommune_officer))
    dwelling = elder_dwelling(kommune_aarhus)
    person = elder(kommune_aarhus)
    decision = decide(kommune_officer, kommune_aarhus, person)
    response = client.post(
        "/kommune/aeldre/ledige/",
        {
            "dwelling": dwelling.pk,
            "vacant_from": TODAY.isoformat(),
            "ready_on": "2001-01-01",
            "change_reason": "x",
        },
    )
    assert response.status_code == 400 and 'id="id_ready_on_error"' in response.content.decode()
    response = client.post("/kommune/aeldre/ledige/", {"dwelling": "999999", "change_reason": ""})
    assert response.status_code == 400 and not ElderVacancy.objects.exists()
    response = client.post(
        "/kommune/aeldre/ledige/",
        {
            "dwelling": dwelling.pk,
            "vacant_from": TODAY.isoformat(),
            "ready_on": TODAY.isoformat(),
            "change_reason": "Ledig",
        },
    )
    assert response.status_code == 302
    vacancy = ElderVacancy.objects.get()
    url = f"/kommune/aeldre/ledige/{vacancy.pk}/"
    page = client.get(url).content.decode()
    assert 'id="offer-form"' in page and person.full_name in page
    # A candidate key that is not on the list, an empty reason, a date in the past: 400, nothing saved.
    for data in (
        {
            "offer-candidate": "general:999999",
            "offer-answer_by": TODAY.isoformat(),
            "offer-change_reason": "x",
        },
        {
            "offer-candidate": f"general:{decision.guarantee_entry.pk}",
            "offer-answer_by": "2000-01-01",
            "offer-change_reason": "x",
        },
        {
            "offer-candidate": f"general:{decision.guarantee_entry.pk}",
            "offer-answer_by": TODAY.isoformat(),
            "offer-change_reason": "",
        },
    ):
        assert client.post(url + "tilbud/", data).status_code == 400
    assert not ElderOffer.objects.exists()
    response = client.post(
        url + "tilbud/",
        {
            "offer-candidate": f"general:{decision.guarantee_entry.pk}",
            "offer-answer_by": TODAY.isoformat(),
            "offer-change_reason": "Størst behov",
        },
    )
    assert response.status_code == 302
    offer = ElderOffer.objects.get()
    assert "Ankestyrelsen" in offer.offer_letter.body_html
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        url + f"tilbud/{offer.pk}/svar/",
        {"answer-answer": "refused", "answer-answered_on": tomorrow, "answer-change_reason": "Nej"},
    )
    assert response.status_code == 400 and 'id="id_answer-answered_on_error"' in response.content.decode()
    assert client.post(url + "lejekontrakt/", {"lease-change_reason": "x"}).status_code == 400
    assert client.post(url + "udlej-til-andre/", {"others-basis": "nonsense"}).status_code == 400
    assert client.post(url + "ingen-berettigede/", {}).status_code == 400
    assert client.post(url + "tilbud/999999/svar/", {}).status_code == 404
    offer.refresh_from_db()
    assert offer.state == "pending"


def test_the_entry_page_shows_periods_and_breaches(kommune_officer, kommune_aarhus, client_for):
    decision = decide(
        kommune_officer, kommune_aarhus, elder(kommune_aarhus), decided_on=TODAY - datetime.timedelta(days=80)
    )
    entry = decision.guarantee_entry
    guarantee_services.guarantee_refusal_received(
        actor=kommune_officer, reason="Afslag", entry=entry, received_on=TODAY - datetime.timedelta(days=5)
    )
    body = (
        english(client_for(kommune_officer)).get(f"/kommune/aeldre/venteliste/{entry.pk}/").content.decode()
    )
    assert 'id="periods"' in body and body.count("badge-error") >= 1  # period 1 passed its deadline


def test_a_second_offer_on_the_same_vacancy_is_refused_on_the_page(
    kommune_officer, kommune_aarhus, client_for
):
    client = english(client_for(kommune_officer))
    first = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus)).guarantee_entry
    second = decide(kommune_officer, kommune_aarhus, elder(kommune_aarhus)).guarantee_entry
    vacancy = allocation_services.vacancy_open(
        actor=kommune_officer,
        reason="x",
        dwelling=elder_dwelling(kommune_aarhus),
        vacant_from=TODAY,
        ready_on=TODAY,
    )
    allocation_services.offer_make(
        actor=kommune_officer,
        reason="x",
        vacancy=vacancy,
        candidate_key=f"general:{first.pk}",
        answer_by=TODAY,
    )
    response = client.post(
        f"/kommune/aeldre/ledige/{vacancy.pk}/tilbud/",
        {
            "offer-candidate": f"general:{second.pk}",
            "offer-answer_by": TODAY.isoformat(),
            "offer-change_reason": "y",
        },
    )
    assert response.status_code == 400
    assert ElderOffer.objects.count() == 1
