"""Seniority transfers: a permanent takeover (R32, never on exchange), death (R33.1), a move to a
nursing home or elder dwelling (R33.2) — and nothing else (R34)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from housing.audit import audited_save
from tests.factories import DepartmentFactory, PersonFactory
from waitinglists.models import (
    DeletionReason,
    Entry,
    EntryStatus,
    FeeCharge,
    FeeSchedule,
    ListKind,
    SeniorityBasis,
    SeniorityTransfer,
    WaitingList,
)
from waitinglists.services.registration import Wishes, entry_delete, entry_register
from waitinglists.services.transfers import transfer_seniority

pytestmark = pytest.mark.django_db

D = datetime.date
SENIORITY = D(2014, 2, 3)
EVENT = D(2026, 10, 1)


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def general_list(org_a, caseworker_a):
    audited_save(
        FeeSchedule(
            controller=org_a.tenant,
            valid_from=D(2000, 1, 1),
            registration_fee=Decimal("200"),
            update_fee=Decimal("150"),
            due_month=2,
            due_day=1,
        ),
        actor=caseworker_a,
        reason="Gebyrer vedtaget",
    )
    return audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Almindelig venteliste"),
        actor=caseworker_a,
        reason="Oprettet",
    )


@pytest.fixture
def department(org_a, kommune_aarhus):
    return DepartmentFactory(organisation=org_a, kommune=kommune_aarhus)


@pytest.fixture
def entry(caseworker_a, org_a, general_list, department):
    return entry_register(
        actor=caseworker_a,
        reason="Skranken",
        waiting_list=general_list,
        person=PersonFactory(controller=org_a.tenant, birth_date=D(1950, 1, 1)),
        wishes=Wishes(departments=[department], rooms_min=2, rooms_max=4),
        registered_on=SENIORITY,
        send_letter=False,
    )


@pytest.fixture
def receiver(org_a):
    return PersonFactory(controller=org_a.tenant, birth_date=D(1952, 6, 6))


def _transfer(actor, entry, to_person, kind, relation, **kwargs):
    return transfer_seniority(
        actor=actor,
        reason="Overdragelse",
        entry=entry,
        kind=kind,
        to_person=to_person,
        relation=relation,
        occurred_on=EVENT,
        **kwargs,
    )


def _assert_passed(old: Entry, new: Entry, to_person, kind: str) -> None:
    old.refresh_from_db()
    assert new.person == to_person and new.waiting_list_id == old.waiting_list_id
    assert (new.seniority_date, new.seniority_basis, new.status) == (
        SENIORITY,
        SeniorityBasis.TRANSFER,
        EntryStatus.ACTIVE,
    )
    assert (old.status, old.deletion_reason) == (EntryStatus.DELETED, DeletionReason.TRANSFERRED)
    transfer = SeniorityTransfer.objects.get(from_entry=old)
    assert (transfer.to_entry, transfer.kind, transfer.occurred_on) == (new, kind, EVENT)
    # The place is not a new registration: no registration fee for the receiver.
    assert not FeeCharge.objects.filter(entry=new).exists()


@pytest.mark.rule("R32")
def test_permanent_takeover_passes_the_seniority(caseworker_a, entry, receiver, department):
    new = _transfer(caseworker_a, entry, receiver, "takeover", "other")
    _assert_passed(entry, new, receiver, "takeover")
    assert list(new.departments.all()) == [department] and (new.rooms_min, new.rooms_max) == (2, 4)


@pytest.mark.rule("R32")
def test_takeover_with_new_wishes(caseworker_a, entry, receiver):
    new = _transfer(
        caseworker_a, entry, receiver, "takeover", "child", wishes=Wishes(rooms_min=1, rooms_max=2)
    )
    assert (new.rooms_min, new.rooms_max, new.departments.count()) == (1, 2, 0)


@pytest.mark.rule("R32")
def test_no_seniority_passes_on_an_exchange(caseworker_a, entry, receiver):
    with pytest.raises(ValidationError) as error:
        _transfer(caseworker_a, entry, receiver, "takeover", "other", is_exchange=True)
    assert "R32" in str(error.value) and error.value.code == "transfer_refused"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE and not SeniorityTransfer.objects.exists()


@pytest.mark.rule("R33.1")
def test_on_death_the_seniority_passes_to_the_spouse(caseworker_a, entry, receiver):
    new = _transfer(caseworker_a, entry, receiver, "death", "spouse")
    _assert_passed(entry, new, receiver, "death")


@pytest.mark.rule("R33.1")
def test_on_death_it_passes_even_when_the_entry_was_deleted_for_the_death(caseworker_a, entry, receiver):
    entry_delete(actor=caseworker_a, reason="Dødsfald", entry=entry, deletion_reason=DeletionReason.DEATH)
    new = _transfer(caseworker_a, entry, receiver, "death", "cohabitant")
    assert new.seniority_date == SENIORITY


@pytest.mark.rule("R33.1", "R34")
def test_on_death_a_child_cannot_take_over(caseworker_a, entry, receiver):
    with pytest.raises(ValidationError) as error:
        _transfer(caseworker_a, entry, receiver, "death", "child")
    assert "R34" in str(error.value) and "child" in str(error.value)


@pytest.mark.rule("R33.2")
def test_move_to_nursing_home_passes_the_place_to_the_partner(caseworker_a, entry, receiver):
    new = _transfer(caseworker_a, entry, receiver, "care_move", "partner")
    _assert_passed(entry, new, receiver, "care_move")


@pytest.mark.rule("R33.2", "R34")
def test_move_to_nursing_home_does_not_pass_the_place_to_others(caseworker_a, entry, receiver):
    with pytest.raises(ValidationError, match="R34"):
        _transfer(caseworker_a, entry, receiver, "care_move", "other")


@pytest.mark.rule("R34")
def test_no_other_transfers(caseworker_a, entry, receiver):
    with pytest.raises(ValidationError) as error:
        _transfer(caseworker_a, entry, receiver, "sale", "spouse")
    assert "R34" in str(error.value) and "§ 34" in str(error.value)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE


@pytest.mark.rule("R34")
def test_a_place_is_transferred_once(caseworker_a, entry, receiver, org_a):
    _transfer(caseworker_a, entry, receiver, "takeover", "other")
    with pytest.raises(ValidationError):
        _transfer(caseworker_a, entry, PersonFactory(controller=org_a.tenant), "takeover", "other")


def test_receiver_with_a_place_on_the_list_is_refused_naming_it(caseworker_a, entry, receiver, general_list):
    existing = entry_register(
        actor=caseworker_a,
        reason="Skranken",
        waiting_list=general_list,
        person=receiver,
        wishes=Wishes(),
        registered_on=D(2020, 1, 1),
        send_letter=False,
    )
    with pytest.raises(ValidationError) as error:
        _transfer(caseworker_a, entry, receiver, "death", "spouse")
    assert error.value.error_dict["to_person"][0].code == "duplicate"
    assert f"entry {existing.pk}" in str(error.value)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE


def test_receiver_of_another_controller_is_refused(caseworker_a, entry, person_b):
    with pytest.raises(ValidationError, match="another data controller"):
        _transfer(caseworker_a, entry, person_b, "death", "spouse")


def test_another_controllers_caseworker_cannot_transfer(caseworker_b, entry, receiver):
    with pytest.raises(PermissionDenied):
        _transfer(caseworker_b, entry, receiver, "death", "spouse")
