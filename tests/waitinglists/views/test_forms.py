"""The registration form tells the truth (issue 15, item 4): only the chosen applicant section
applies — its required fields say when they are required and only they are validated — and the
error summary on top links to each field; deleting an entry asks first and happens once."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from housing.models import Person
from tests.factories import PersonFactory
from waitinglists.models import Entry, EntryStatus

from .test_pages import _form, _register, general_list  # noqa: F401 - the fixture is used by name

PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _url(waiting_list) -> str:
    return f"/ventelister/{waiting_list.pk}/tilmeld/"


def _label(body: str, field: str) -> str:
    start = body.index(f'for="id_{field}"')
    return body[start : body.index("</label>", start)]


def test_every_field_a_choice_requires_is_marked_so(caseworker_a, client_for, general_list):  # noqa: F811
    body = client_for(caseworker_a).get(_url(general_list)).content.decode()
    for field in ("cpr", "first_name", "last_name"):
        label = _label(body, field)
        assert "(required for a new person)" in label and "optional" not in label
    for field in ("existing_cpr", "existing_applicant_number"):
        assert "(this or the other number is required)" in _label(body, field)
    for field in ("address_line", "phone"):  # truly optional
        assert "(optional)" in _label(body, field)
    assert "(optional)" not in _label(body, "registered_on")  # always required: no marker, and
    assert re.search(r'<input[^>]*name="registered_on"[^>]*required', body)  # the widget says so
    # Each section names the choice it belongs to; app.js shows only that one.
    assert 'id="existing-section" data-app-show-if="applicant=existing"' in body
    assert 'id="new-section" data-app-show-if="applicant=new"' in body


def test_a_new_person_without_names_gets_errors_next_to_them_and_in_the_summary(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
):
    response = client_for(caseworker_a).post(
        _url(general_list), _form(general_list, first_name="", last_name="", cpr="")
    )
    assert response.status_code == 400
    body = response.content.decode()
    summary = body[body.index("app-error-summary") : body.index("</ul>", body.index("app-error-summary"))]
    for field in ("cpr", "first_name", "last_name"):
        assert f'href="#id_{field}"' in summary
        assert f'id="id_{field}_error"' in body
    assert 'data-module="error-summary" tabindex="-1"' in body  # focusable: the page lands on it
    assert body.index("app-error-summary") < body.index('id="id_cpr"')
    assert not Person.objects.filter(first_name="Nanna").exists()


def test_the_section_not_chosen_is_neither_validated_nor_used(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
    org_a,
):
    """An existing person is registered although the (hidden) new-person fields hold rubbish."""
    person = PersonFactory(controller=org_a.tenant, first_name="Ebbe")
    data = _form(
        general_list,
        applicant="existing",
        existing_applicant_number=person.applicant_number,
        cpr="not a cpr",
        first_name="",
        email="not an e-mail",
    )
    response = client_for(caseworker_a).post(_url(general_list), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Entry.objects.get(waiting_list=general_list).person == person
    assert not Person.objects.filter(first_name="Nanna").exists()


def test_an_existing_person_needs_a_number_and_a_new_persons_fields_are_not_asked(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
):
    data = _form(general_list, applicant="existing", first_name="", last_name="", cpr="")
    body = client_for(caseworker_a).post(_url(general_list), data).content.decode()
    assert 'id="id_existing_cpr_error"' in body
    for field in ("cpr", "first_name", "last_name"):
        assert f'id="id_{field}_error"' not in body


def test_an_over_long_reason_is_refused_with_a_message_and_nothing_saved(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
):
    response = client_for(caseworker_a).post(_url(general_list), _form(general_list, change_reason="x" * 201))
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 200 characters (it has 201)" in body
    assert 'href="#id_change_reason"' in body
    assert not Entry.objects.filter(waiting_list=general_list).exists()


# --- Deleting an entry asks first ------------------------------------------------------------------


def test_deleting_asks_first_then_deletes_once(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
    person_a,
):
    entry = _register(caseworker_a, general_list, person_a)
    client = client_for(caseworker_a)
    url = f"/ventelister/tilmelding/{entry.pk}/slet/"
    data = {"delete-deletion_reason": "own_request", "delete-change_reason": "Ønske"}
    history_before = entry.history.count()

    asked = client.post(url, data)
    body = asked.content.decode()
    assert asked.status_code == 200 and 'id="confirm-form"' in body
    assert "The seniority is lost with the entry" in body and person_a.applicant_number in body
    assert 'class="button button-warning" id="confirm-submit"' in body  # destructive
    # The form's values travel on to the confirm button, which adds the confirmation.
    assert (
        'name="delete-deletion_reason" value="own_request"' in body and 'name="confirmed" value="1"' in body
    )
    entry.refresh_from_db()
    assert entry.status != EntryStatus.DELETED and entry.history.count() == history_before

    key = "abcdefghijklmnopqrstuvwxABCDEFGH"  # one rendered confirm form, sent twice
    first = client.post(url, {**data, "confirmed": "1", "submission_key": key})
    second = client.post(url, {**data, "confirmed": "1", "submission_key": key})
    assert first.status_code == second.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED
    assert entry.history.count() == history_before + 1  # exactly one effect


def test_a_refused_deletion_shows_the_error_not_the_confirmation(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
    person_a,
):
    entry = _register(caseworker_a, general_list, person_a)
    response = client_for(caseworker_a).post(
        f"/ventelister/tilmelding/{entry.pk}/slet/", {"delete-change_reason": "Ønske"}
    )
    assert response.status_code == 400 and 'id="confirm-form"' not in response.content.decode()


def test_the_delete_button_is_styled_as_destructive(
    caseworker_a,
    client_for,
    general_list,  # noqa: F811
    person_a,
):
    entry = _register(caseworker_a, general_list, person_a)
    body = client_for(caseworker_a).get(entry.get_absolute_url()).content.decode()
    assert re.search(r'class="button button-warning" id="delete-submit"', body)
