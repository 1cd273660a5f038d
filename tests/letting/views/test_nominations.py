"""Kommunal anvisning (R1.4): the kommune names the tenant of a vacancy at its disposal, outside
the waiting lists and the ranking; the organisation then makes the lease with that person (R1.10)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocation.models import AgreementKind, Lease, LettingAgreement, LettingChannel, Nomination, VacancyState
from allocation.services.nominations import (
    children_agreement_hint,
    kommune_queue,
    kommune_queue_waiting_count,
    nomination_cpr_masked,
    nomination_record,
)
from housing import cpr
from housing.audit import audited_save
from housing.models import Kommune, Person, Role
from letting.workflow import lease_sign, nomination_lease, vacancy_open
from tests.factories import DwellingFactory, MembershipFactory, UserFactory, unique_cpr
from tests.factories_waitinglists import EntryFactory, FeeScheduleFactory, WaitingListFactory
from waitinglists.models import Entry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOTICE, MOVE_OUT = TODAY - datetime.timedelta(days=60), TODAY + datetime.timedelta(days=30)


def _agreement(org, kommune, kind, **extra):
    return audited_save(
        LettingAgreement(
            organisation=org, kommune=kommune, kind=kind, valid_from=datetime.date(2020, 1, 1), **extra
        ),
        actor=UserFactory(),
        reason="Aftale med kommunen",
    )


@pytest.fixture
def share_a(org_a, department_a):
    """Every vacant family dwelling of org A in Aarhus goes to the kommune."""
    return _agreement(org_a, department_a.kommune, AgreementKind.KOMMUNE_SHARE, every_nth=1)


def _open(caseworker, department, *, move_out=MOVE_OUT, **dwelling):
    return vacancy_open(
        actor=caseworker,
        reason="Opsagt",
        dwelling=DwellingFactory(department=department, **dwelling),
        notice_date=NOTICE,
        move_out_date=move_out,
    )


@pytest.fixture
def vacancy(share_a, caseworker_a, department_a):
    opened = _open(caseworker_a, department_a, rooms=2)
    assert opened.channel == LettingChannel.KOMMUNAL_ANVISNING
    return opened


@pytest.fixture
def odense_officer(kommune_odense):
    user = UserFactory(username="officer-odense")
    MembershipFactory(user=user, tenant=kommune_odense.tenant, role=Role.KOMMUNE_OFFICER)
    return user


def _name(actor, vacancy, number=None, **extra):
    data = {
        "cpr_number": number if number is not None else unique_cpr(),
        "first_name": "Nanna",
        "last_name": "Nødsen",
        "household_size": 3,
        "ground": "Akut boligsocialt behov efter brand",
        "follows_children_agreement": True,
    }
    data.update(extra)
    return nomination_record(actor=actor, reason="Anvist af kommunen", vacancy=vacancy, **data)


def _page(vacancy) -> str:
    return reverse("letting:nomination_vacancy", args=[vacancy.pk])


# --- R1.4: the kommune names the tenant -------------------------------------------------------------


@pytest.mark.rule("R1.4")
def test_the_kommune_names_anyone_without_a_waiting_list_entry(kommune_officer, vacancy):
    number = unique_cpr()
    nomination = _name(kommune_officer, vacancy, number)
    assert Entry.objects.count() == 0  # nobody is on a waiting list: §§ 2–11 do not apply
    assert nomination.cpr_hash == cpr.lookup_hash(number)
    assert nomination.kommune.code == "0751" and nomination.nominated_by == kommune_officer
    assert nomination_cpr_masked(nomination) == f"{number[:6]}-XXXX"
    row = nomination.history.get()
    assert (row.history_user, row.history_change_reason) == (kommune_officer, "Anvist af kommunen")


@pytest.mark.rule("R1.4")
def test_the_ranking_does_not_bind_the_kommune(kommune_officer, caseworker_a, vacancy, person_a, org_a):
    """Even with applicants waiting on the organisation's list, the kommune names whom it wants."""
    from tests.factories_waitinglists import EntryFactory, WaitingListFactory

    EntryFactory(person=person_a, waiting_list=WaitingListFactory(controller=org_a.tenant))
    nomination = _name(kommune_officer, vacancy, household_size=1)
    assert nomination.pk and Nomination.objects.filter(vacancy=vacancy).count() == 1


@pytest.mark.rule("R1.4")
def test_one_nomination_per_vacancy_changed_with_history_until_the_lease(
    kommune_officer, caseworker_a, vacancy
):
    number = unique_cpr()
    first = _name(kommune_officer, vacancy, number)
    changed = _name(kommune_officer, vacancy, "", first_name="Nikolaj", household_size=4)
    assert changed.pk == first.pk and Nomination.objects.count() == 1
    assert changed.cpr_hash == cpr.lookup_hash(number)  # an empty CPR keeps the one named
    assert changed.history.count() == 2
    nomination_lease(
        actor=caseworker_a, reason="Underskrevet", nomination=changed, signed_on=TODAY, starts_on=MOVE_OUT
    )
    with pytest.raises(ValidationError):
        _name(kommune_officer, vacancy)


@pytest.mark.rule("R1.4")
def test_a_new_nomination_needs_a_cpr_number_and_a_household(kommune_officer, vacancy):
    with pytest.raises(ValidationError) as error:
        _name(kommune_officer, vacancy, "", household_size=0)
    assert set(error.value.message_dict) == {"cpr", "household_size"}
    with pytest.raises(ValidationError) as error:
        _name(kommune_officer, vacancy, "3213901234")
    assert "cpr" in error.value.message_dict
    assert not Nomination.objects.exists()


@pytest.mark.rule("R1.4")
def test_only_the_kommunes_officer_names(kommune_officer, caseworker_a, odense_officer, vacancy):
    for outsider in (caseworker_a, odense_officer):
        with pytest.raises(PermissionDenied):
            _name(outsider, vacancy)
    assert not Nomination.objects.exists()


@pytest.mark.rule("R1.4")
def test_only_vacancies_at_the_kommunes_disposal(
    kommune_officer, caseworker_a, department_a, share_a, client_for
):
    listed = _open(caseworker_a, department_a, kind="youth")  # the share is of family dwellings only
    assert listed.channel == LettingChannel.LIST
    with pytest.raises(ValidationError):
        _name(kommune_officer, listed)
    client = client_for(kommune_officer)
    assert client.get(_page(listed)).status_code == 404
    assert listed not in kommune_queue(kommune_officer)


@pytest.mark.rule("R1.4")
def test_r4_hint_for_3_rooms_under_a_children_priority_agreement(
    kommune_officer, caseworker_a, org_a, department_a, share_a, client_for
):
    small = _open(caseworker_a, department_a, rooms=2)
    large = _open(caseworker_a, department_a, rooms=3)
    assert children_agreement_hint(large) == "" and children_agreement_hint(small) == ""
    _agreement(org_a, department_a.kommune, AgreementKind.CHILDREN_PRIORITY)
    assert children_agreement_hint(large) and children_agreement_hint(small) == ""
    client = client_for(kommune_officer)
    body = client.get(_page(large)).content.decode()
    assert 'id="r4-hint"' in body and 'name="follows_children_agreement"' in body
    body = client.get(_page(small)).content.decode()
    assert 'id="r4-hint"' not in body and 'name="follows_children_agreement"' not in body
    # Only a hint: a nomination that does not follow the agreement is still recorded.
    assert (
        _name(
            kommune_officer, large, household_size=1, follows_children_agreement=False
        ).follows_children_agreement
        is False
    )


# --- Scoping: another kommune, another organisation -------------------------------------------------


@pytest.mark.rule("R1.4")
def test_another_kommunes_officer_and_organisation_get_404(
    odense_officer, caseworker_b, kommune_officer, vacancy, client_for
):
    _name(kommune_officer, vacancy)
    for outsider in (odense_officer, caseworker_b):
        client = client_for(outsider)
        assert client.get(_page(vacancy)).status_code == 404
        assert client.post(_page(vacancy), {"cpr": unique_cpr()}).status_code == 404
        lease_url = reverse("letting:nomination_lease", args=[vacancy.pk])
        assert client.post(lease_url, {"signed_on": TODAY}).status_code == 404
        queue = client.get(reverse("letting:nomination_queue"))
        assert queue.status_code == 200 and "Nødsen" not in queue.content.decode()
        assert kommune_queue_waiting_count(outsider) == 0


@pytest.mark.rule("R1.4")
def test_the_caseworker_sees_the_named_tenant_masked_but_cannot_name(
    kommune_officer, caseworker_a, vacancy, client_for
):
    number = unique_cpr()
    _name(kommune_officer, vacancy, number)
    client = client_for(caseworker_a)
    body = client.get(_page(vacancy)).content.decode()
    assert "Nanna Nødsen" in body and f"{number[:6]}-XXXX" in body
    assert number[6:] not in body  # the full CPR number is never on the page
    assert "Akut boligsocialt behov" not in body  # the social ground stays with the kommune
    assert 'id="nomination-lease-form"' in body and 'id="nomination-form"' not in body
    response = client.post(_page(vacancy), {"cpr": unique_cpr(), "change_reason": "Forsøg"})
    assert response.status_code == 403


# --- The officer's pages -----------------------------------------------------------------------------


@pytest.mark.rule("R1.4")
def test_the_officer_names_the_tenant_on_the_page(kommune_officer, vacancy, client_for):
    client = client_for(kommune_officer)
    assert 'id="nomination-form"' in client.get(_page(vacancy)).content.decode()
    number = unique_cpr()
    response = client.post(
        _page(vacancy),
        {
            "cpr": number,
            "first_name": "Nanna",
            "last_name": "Nødsen",
            "household_size": "2",
            "ground": "Genhusning efter byfornyelse",
            "change_reason": "Anvist",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    nomination = Nomination.objects.get(vacancy=vacancy)
    assert nomination.cpr_hash == cpr.lookup_hash(number) and nomination.follows_children_agreement is True
    assert nomination.history.get().history_change_reason == "Anvist"


@pytest.mark.parametrize(
    "bad",
    [
        {"cpr": "3213901234"},  # not a birth date
        {"cpr": "12345"},  # too short
        {"cpr": "01019O1234"},  # a letter
        {"household_size": "mange"},
        {"household_size": "0"},
        {"first_name": ""},
        {"change_reason": ""},
    ],
)
def test_bad_input_gets_a_field_error_never_a_500(kommune_officer, vacancy, client_for, bad):
    data = {
        "cpr": unique_cpr(),
        "first_name": "Nanna",
        "last_name": "Nødsen",
        "household_size": "2",
        "ground": "Akut",
        "change_reason": "Anvist",
        **bad,
    }
    response = client_for(kommune_officer).post(_page(vacancy), data)
    assert response.status_code == 400
    body = response.content.decode()
    (field,) = bad
    assert f'id="id_{field}_error"' in body
    assert not Nomination.objects.exists()


def test_bad_lease_input_gets_a_field_error(kommune_officer, caseworker_a, vacancy, client_for):
    _name(kommune_officer, vacancy)
    url = reverse("letting:nomination_lease", args=[vacancy.pk])
    client = client_for(caseworker_a)
    response = client.post(url, {"signed_on": "i går", "starts_on": "", "change_reason": "Underskrevet"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_signed_on_error"' in body and 'id="id_starts_on_error"' in body
    early = (MOVE_OUT - datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"signed_on": TODAY.isoformat(), "starts_on": early, "change_reason": "X"})
    assert response.status_code == 400 and 'id="id_starts_on_error"' in response.content.decode()
    assert not Lease.objects.exists()


def test_signing_before_the_kommune_names_is_refused(caseworker_a, vacancy, client_for):
    url = reverse("letting:nomination_lease", args=[vacancy.pk])
    data = {"signed_on": TODAY.isoformat(), "starts_on": MOVE_OUT.isoformat(), "change_reason": "X"}
    response = client_for(caseworker_a).post(url, data)
    assert response.status_code == 400 and not Lease.objects.exists()


# --- The queue ---------------------------------------------------------------------------------------


@pytest.mark.rule("R1.4")
def test_the_queue_is_sorted_by_vacant_date_with_the_named_flag(
    kommune_officer, caseworker_a, department_a, share_a, odense_officer, client_for
):
    late = _open(caseworker_a, department_a, move_out=MOVE_OUT + datetime.timedelta(days=20))
    early = _open(caseworker_a, department_a, move_out=MOVE_OUT)
    _name(kommune_officer, late)
    queue = list(kommune_queue(kommune_officer))
    assert queue == [early, late] and [v.named for v in queue] == [False, True]
    assert kommune_queue_waiting_count(kommune_officer) == 1
    assert list(kommune_queue(caseworker_a)) == [early, late]  # the organisation sees its own
    assert kommune_queue_waiting_count(caseworker_a) == 0  # the count is the officer's
    assert list(kommune_queue(odense_officer)) == []
    body = client_for(kommune_officer).get(reverse("letting:nomination_queue")).content.decode()
    assert body.index(early.dwelling.address_line) < body.index(late.dwelling.address_line)
    assert 'data-named="yes"' in body and 'data-named="no"' in body


def test_the_queue_costs_a_fixed_number_of_queries(
    kommune_officer, caseworker_a, department_a, share_a, client_for, django_assert_max_num_queries
):
    client = client_for(kommune_officer)
    url = reverse("letting:nomination_queue")
    _name(kommune_officer, _open(caseworker_a, department_a))
    client.get(url)  # warm the session and the scope
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(9):
        opened = _open(caseworker_a, department_a)
        if index % 2:
            _name(kommune_officer, opened)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("/kommune/anvisning/") >= 10


# --- R1.10: the lease with the person named ---------------------------------------------------------


@pytest.mark.rule("R1.10")
def test_the_organisation_makes_the_lease_with_the_person_named(
    kommune_officer, caseworker_a, org_a, vacancy, client_for
):
    number = unique_cpr()
    _name(kommune_officer, vacancy, number)
    client = client_for(caseworker_a)
    response = client.post(
        reverse("letting:nomination_lease", args=[vacancy.pk]),
        {"signed_on": TODAY.isoformat(), "starts_on": MOVE_OUT.isoformat(), "change_reason": "Underskrevet"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    lease = Lease.objects.get(vacancy=vacancy)
    assert lease.landlord == org_a and lease.controller == org_a.tenant
    person = lease.person
    assert person.controller == org_a.tenant and person.cpr_hash == cpr.lookup_hash(number)
    assert (person.first_name, person.last_name) == ("Nanna", "Nødsen")
    assert "R1.4" in lease.basis and lease.signed_by == caseworker_a
    vacancy.refresh_from_db()
    assert vacancy.state == VacancyState.LET
    body = client.get(_page(vacancy)).content.decode()
    assert 'id="lease-signed"' in body and 'id="nomination-lease-form"' not in body
    assert person.get_absolute_url() in body
    assert client.get(person.get_absolute_url()).status_code == 200  # in the organisation's register


@pytest.mark.rule("R1.10")
def test_a_person_already_in_the_register_is_used(kommune_officer, caseworker_a, vacancy, person_a):
    nomination = _name(kommune_officer, vacancy, person_a.cpr_reveal())
    persons = Person.objects.count()
    lease = nomination_lease(
        actor=caseworker_a, reason="Underskrevet", nomination=nomination, signed_on=TODAY, starts_on=MOVE_OUT
    )
    assert lease.person == person_a and Person.objects.count() == persons


@pytest.mark.rule("R1.10")
def test_signing_with_another_person_is_refused(kommune_officer, caseworker_a, vacancy, person_a):
    _name(kommune_officer, vacancy)
    with pytest.raises(ValidationError):
        lease_sign(
            actor=caseworker_a,
            reason="Underskrevet",
            vacancy=vacancy,
            person=person_a,
            signed_on=TODAY,
            starts_on=MOVE_OUT,
        )
    assert not Lease.objects.exists()


@pytest.mark.rule("R1.10")
def test_only_the_organisations_caseworker_signs(
    kommune_officer, caseworker_b, read_only_a, vacancy, client_for
):
    nomination = _name(kommune_officer, vacancy)
    for outsider in (kommune_officer, caseworker_b, read_only_a):
        with pytest.raises(PermissionDenied):
            nomination_lease(
                actor=outsider, reason="X", nomination=nomination, signed_on=TODAY, starts_on=MOVE_OUT
            )
    data = {"signed_on": TODAY.isoformat(), "starts_on": MOVE_OUT.isoformat(), "change_reason": "X"}
    url = reverse("letting:nomination_lease", args=[vacancy.pk])
    assert client_for(kommune_officer).post(url, data).status_code == 403
    assert client_for(read_only_a).post(url, data).status_code == 403
    assert not Lease.objects.exists() and not Person.objects.filter(last_name="Nødsen").exists()


def test_a_kommune_without_vacancies_sees_an_empty_queue(client_for, odense_officer):
    assert Kommune.objects.filter(code="0461").exists()
    response = client_for(odense_officer).get(reverse("letting:nomination_queue"))
    assert response.status_code == 200


@pytest.mark.rule("R3.5", "R1.4")
def test_a_lease_by_kommunal_anvisning_ends_the_place_on_the_organisations_general_list(
    kommune_officer, caseworker_a, org_a, vacancy, person_a
):
    """§ 1, stk. 4 takes the letting of this dwelling out of §§ 2–11; § 3, stk. 5 still ends the
    tenant's place on the organisation's list: "Når en boligsøgende indgår aftale om leje af en
    bolig, slettes den pågældende på ventelisten" — as § 9, stk. 2 shows for rehousing."""
    general = WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")
    FeeScheduleFactory(controller=org_a.tenant)
    entry = EntryFactory(waiting_list=general, person=person_a)
    nomination = _name(kommune_officer, vacancy, person_a.cpr_reveal())
    nomination_lease(
        actor=caseworker_a, reason="Underskrevet", nomination=nomination, signed_on=TODAY, starts_on=MOVE_OUT
    )
    entry.refresh_from_db()
    assert (entry.status, entry.deletion_reason, entry.deleted_on) == ("deleted", "lease_signed", TODAY)
