"""Full-CPR views need a purpose and are logged; the log is listed and exportable; no CPR leaks."""

from __future__ import annotations

import logging

import pytest

from housing.models import AccessKind, PersonalDataAccess
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_person_page_shows_only_the_masked_cpr(caseworker_a, client_for, person_a):
    body = client_for(caseworker_a).get(f"/personer/{person_a.pk}/").content.decode()
    assert "010190-XXXX" in body
    assert "0101901234" not in body and "010190-1234" not in body
    assert PersonalDataAccess.objects.count() == 0


def test_revealing_the_cpr_is_logged_with_user_and_purpose(caseworker_a, client_for, person_a):
    client = client_for(caseworker_a)
    response = client.post(f"/personer/{person_a.pk}/cpr/", {"purpose": "identity_check"})
    assert response.status_code == 200
    assert "010190-1234" in response.content.decode()
    (access,) = PersonalDataAccess.objects.all()
    assert (access.user, access.person, access.kind, access.purpose) == (
        caseworker_a,
        person_a,
        AccessKind.CPR_REVEALED,
        "identity_check",
    )
    # htmx gets only the fragment.
    response = client.post(
        f"/personer/{person_a.pk}/cpr/",
        {"purpose": "other", "purpose_text": "Brev retur"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert PersonalDataAccess.objects.count() == 2


def test_access_log_page_and_csv_export(caseworker_a, read_only_a, client_for, person_a):
    client_for(caseworker_a).post(f"/personer/{person_a.pk}/cpr/", {"purpose": "case_handling"})
    client_for(read_only_a).post(f"/personer/{person_a.pk}/cpr/", {"purpose": "letter"})
    client = client_for(caseworker_a)
    body = client.get(f"/personer/{person_a.pk}/adgangslog/").content.decode()
    assert body.count("Fuldt CPR-nummer vist") == 2
    response = client.post(f"/personer/{person_a.pk}/adgangslog.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line]
    # Header, two reveals, and the export itself: it is logged before the file is handed out.
    assert len(lines) == 4
    assert "eksporteret" in lines[-1]
    assert caseworker_a.get_full_name() in text
    assert PersonalDataAccess.objects.filter(kind=AccessKind.EXPORT).count() == 1


def test_access_log_lists_only_this_person(caseworker_a, client_for, person_a, org_a):
    other = PersonFactory(controller=org_a.tenant, first_name="Otto", last_name="Andersen")
    client = client_for(caseworker_a)
    client.post(f"/personer/{other.pk}/cpr/", {"purpose": "case_handling"})
    body = client.get(f"/personer/{person_a.pk}/adgangslog/").content.decode()
    assert "Fuldt CPR-nummer vist" not in body


def test_cpr_search_is_a_post_and_finds_by_hash(caseworker_a, client_for, person_a):
    client = client_for(caseworker_a)
    response = client.post("/personer/", {"cpr": "010190-1234"})
    assert response.status_code == 302
    assert response["Location"] == f"/personer/{person_a.pk}/"
    assert "1234" not in response["Location"]


def test_no_cpr_in_log_lines():
    """The filter on every configured handler rewrites CPR-shaped numbers before output."""
    from django.conf import settings

    from housing.logging import RedactCprFilter

    handlers = settings.LOGGING["handlers"]
    assert all("no_cpr" in handler.get("filters", []) for handler in handlers.values())
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "lookup %s and %s", ("0101901234", "010190-1234"), None
    )
    RedactCprFilter().filter(record)
    assert record.getMessage() == "lookup 010190-XXXX and 010190-XXXX"


def test_persons_are_not_in_the_admin(administrator, client_for):
    assert client_for(administrator).get("/admin/housing/person/").status_code == 404


@pytest.mark.rule("DP2")
def test_digital_post_consent_is_recorded_with_date_and_method(caseworker_a, client_for, person_a):
    """DP2: without CPR integration, Digital Post needs each person's recorded consent."""
    assert not person_a.has_digital_post_consent()
    client = client_for(caseworker_a)
    data = {"first_name": person_a.first_name, "last_name": person_a.last_name, "change_reason": "Samtykke"}
    # A date without how it was given (or the reverse) is refused, next to the field.
    response = client.post(
        f"/personer/{person_a.pk}/rediger/", {**data, "digital_post_consent_date": "2026-11-01"}
    )
    assert response.status_code == 400
    assert "Angiv hvordan samtykket blev givet" in response.content.decode()
    response = client.post(
        f"/personer/{person_a.pk}/rediger/",
        {**data, "digital_post_consent_date": "2026-11-01", "digital_post_consent_method": "form"},
    )
    assert response.status_code == 302
    person_a.refresh_from_db()
    assert person_a.has_digital_post_consent()
    assert person_a.history.latest().digital_post_consent_method == "form"
    # An exempt person has no usable consent even when one is recorded.
    person_a.digital_post_exempt = True
    assert not person_a.has_digital_post_consent()
