"""Registration on a waiting list (R3.1, R3.3): age, duplicates, the fee and the written rules."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from housing.audit import audited_save
from letters.models import Letter
from tests.factories import PersonFactory
from waitinglists.models import ChargeKind, Entry, FeeSchedule, ListKind, WaitingList
from waitinglists.services.registration import Wishes, entry_register

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (the source language); Danish is the catalogue's job."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def general_list(org_a, caseworker_a):
    audited_save(
        FeeSchedule(
            controller=org_a.tenant,
            valid_from=datetime.date(2020, 1, 1),
            registration_fee=Decimal("200"),
            update_fee=Decimal("150"),
            due_month=2,
            due_day=1,
            reminder_after_days=14,
            pay_within_days=21,
        ),
        actor=caseworker_a,
        reason="Gebyrer vedtaget",
    )
    return audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Almindelig venteliste"),
        actor=caseworker_a,
        reason="Oprettet",
    )


def _register(actor, waiting_list, person, **kwargs):
    return entry_register(
        actor=actor,
        reason="Skranken",
        waiting_list=waiting_list,
        person=person,
        wishes=Wishes(),
        registered_on=kwargs.pop("on", DAY),
        **kwargs,
    )


@pytest.mark.rule("R3.1")
def test_age_15_on_the_birthday_not_the_day_before(caseworker_a, general_list, org_a):
    fifteen_today = PersonFactory(controller=org_a.tenant, birth_date=datetime.date(2011, 11, 21))
    fifteen_tomorrow = PersonFactory(controller=org_a.tenant, birth_date=datetime.date(2011, 11, 22))
    assert _register(caseworker_a, general_list, fifteen_today).seniority_date == DAY
    with pytest.raises(ValidationError) as error:
        _register(caseworker_a, general_list, fifteen_tomorrow)
    assert error.value.error_dict["person"][0].code == "too_young"
    assert "R3.1" in str(error.value)


@pytest.mark.rule("R3.1")
def test_no_age_limit_when_continuing_a_tenancy(caseworker_a, general_list, org_a):
    child = PersonFactory(controller=org_a.tenant, birth_date=datetime.date(2016, 5, 1))
    entry = _register(caseworker_a, general_list, child, age_exception=True)
    assert entry.age_exception


def test_a_second_place_on_the_same_list_is_refused_with_a_link(caseworker_a, general_list, person_a):
    first = _register(caseworker_a, general_list, person_a)
    with pytest.raises(ValidationError) as error:
        _register(caseworker_a, general_list, person_a)
    problem = error.value.error_dict["person"][0]
    assert problem.code == "duplicate" and problem.params["entry"] == first.pk
    assert problem.params["url"] == first.get_absolute_url()
    assert Entry.objects.filter(person=person_a).count() == 1


@pytest.mark.rule("R3.3")
def test_registration_charges_the_fee_and_states_the_rules_in_writing(caseworker_a, general_list, person_a):
    entry = _register(caseworker_a, general_list, person_a)
    (charge,) = entry.charges.all()
    assert (charge.kind, charge.amount) == (ChargeKind.REGISTRATION, Decimal("200.00"))
    letter = Letter.objects.get(idempotency_key=f"registration:{entry.pk}")
    assert letter.kind == "registration_confirmation" and letter.recipient == person_a
    body = letter.body_html
    assert "150,00" in body and "rykker" in body.lower() and "slettet fra ventelisten" in body
    assert entry.history.get().history_change_reason == "Skranken"


def test_registration_needs_fee_rules_and_write_rights(caseworker_a, read_only_a, org_a, person_a):
    bare = audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Uden gebyrer"),
        actor=caseworker_a,
        reason="Oprettet",
    )
    with pytest.raises(ValidationError, match="fee rules"):
        _register(caseworker_a, bare, person_a)
    with pytest.raises(PermissionDenied):
        _register(read_only_a, bare, person_a)


def test_a_person_of_another_controller_cannot_be_put_on_the_list(caseworker_a, general_list, person_b):
    with pytest.raises(ValidationError, match="another data controller"):
        _register(caseworker_a, general_list, person_b)
