"""Specific lists (§§ 20–21): the list of the kommune where the dwelling lies (R20.1), allocation by
need (R20.2), inside/outside the kommune (R21.1), the fee for joining several lists with deletion on
non-payment on the family lists' fee machinery (R21.2–R21.4), the place on the list on request (R21.5),
and the officer's pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from eldercare.models import (
    FacilityDwelling,
    SpecificEntryStatus,
    SpecificList,
    SpecificListEntry,
    SpecificListFeeCharge,
)
from eldercare.services import allocation as allocation_services
from eldercare.services import specific_lists as services
from housing import fees as housing_fees
from housing.fees import ChargeState
from housing.models import DwellingKind
from letters.models import Letter
from tests.eldercare_lists_support import english, entry, facility, on_day, resident_elsewhere, specific_list
from tests.eldercare_support import decide, elder, elder_dwelling, saved

pytestmark = pytest.mark.django_db

D = datetime.date
REASON = "Ansøgning modtaget"


def join(officer, sl, person, joined_on, home=None, **kwargs):
    return services.entry_join(
        actor=officer,
        reason=REASON,
        specific_list=sl,
        person=person,
        joined_on=joined_on,
        home_kommune=home,
        **kwargs,
    )


# --- R20.1 ---------------------------------------------------------------------------------------


@pytest.mark.rule("R20.1")
def test_the_list_belongs_to_the_kommune_where_the_dwellings_lie(kommune_aarhus, kommune_odense):
    odense_facility = facility(kommune_odense)
    wrong = SpecificList(
        kommune=kommune_aarhus, facility=odense_facility, name="Forkert", refusal_consequences="—"
    )
    with pytest.raises(ValidationError) as error:
        wrong.full_clean()
    assert "facility" in error.value.message_dict
    specific_list(odense_facility)  # in its own kommune it is fine


@pytest.mark.rule("R20.1")
def test_the_applicant_joins_the_list_of_the_kommune_where_the_dwelling_lies(
    kommune_officer, kommune_aarhus, kommune_odense, monkeypatch
):
    on_day(monkeypatch, D(2026, 6, 1))
    sl = specific_list(facility(kommune_aarhus))
    # An Odense citizen is registered with Aarhus (the kommune of the dwelling), living in Odense.
    applicant = elder(kommune_aarhus)
    e = join(kommune_officer, sl, applicant, D(2026, 5, 1), home=kommune_odense)
    assert e.specific_list.kommune == kommune_aarhus
    # A person of another kommune's register cannot be put on Aarhus' list.
    stranger = elder(kommune_odense)
    with pytest.raises(ValidationError) as error:
        join(kommune_officer, sl, stranger, D(2026, 5, 1))
    assert "person" in error.value.message_dict


@pytest.mark.rule("R20.1")
def test_an_officer_of_another_kommune_cannot_write_to_the_list(kommune_aarhus, kommune_odense, client_for):
    from housing.models import Role
    from tests.factories import MembershipFactory, UserFactory

    odense_officer = UserFactory(username="odense_officer")
    MembershipFactory(user=odense_officer, tenant=kommune_odense.tenant, role=Role.KOMMUNE_OFFICER)
    sl = specific_list(facility(kommune_aarhus))
    with pytest.raises(PermissionDenied):
        join(odense_officer, sl, elder(kommune_aarhus), D(2026, 1, 5))
    response = client_for(odense_officer).get(reverse("eldercare:specific_list_detail", args=[sl.pk]))
    assert response.status_code == 404


# --- R20.2 ---------------------------------------------------------------------------------------


@pytest.mark.rule("R20.2")
def test_a_vacant_dwelling_goes_to_the_greatest_need_not_the_longest_wait(
    kommune_officer, kommune_aarhus, monkeypatch
):
    on_day(monkeypatch, D(2026, 6, 1))
    fac = facility(kommune_aarhus, kind="aeldreboliger")
    dwelling = elder_dwelling(kommune_aarhus, kind=DwellingKind.ELDER)
    saved(FacilityDwelling(facility=fac, dwelling=dwelling))
    sl = specific_list(fac)
    early, needy = elder(kommune_aarhus), elder(kommune_aarhus)
    decide(
        kommune_officer,
        kommune_aarhus,
        early,
        kind="elder_dwelling",
        decided_on=D(2026, 1, 2),
        scores=(1, 1, 1, 1),
    )
    decide(
        kommune_officer,
        kommune_aarhus,
        needy,
        kind="elder_dwelling",
        decided_on=D(2026, 4, 2),
        scores=(3, 4, 3, 2),
    )
    join(kommune_officer, sl, early, D(2026, 1, 5))
    join(kommune_officer, sl, needy, D(2026, 4, 5))
    vacancy = allocation_services.vacancy_open(
        actor=kommune_officer,
        reason=REASON,
        dwelling=dwelling,
        vacant_from=D(2026, 6, 1),
        ready_on=D(2026, 6, 15),
    )
    ranking, _notes = allocation_services.vacancy_ranking(vacancy)
    order = [r.candidate.person_id for r in ranking.placed]
    assert order == [needy.pk, early.pk]
    # Place on the list (R21.5) is by joining date, which the letter says is no promise.
    e_early = SpecificListEntry.objects.get(person=early)
    assert services.entry_place(e_early).position == 1


# --- R21.1 ---------------------------------------------------------------------------------------


@pytest.mark.rule("R21.1")
def test_the_list_shows_inside_or_outside_the_kommune_as_it_was_when_joining(
    kommune_officer, kommune_aarhus, kommune_odense, client_for, monkeypatch
):
    on_day(monkeypatch, D(2026, 6, 1))
    sl = specific_list(facility(kommune_aarhus))
    local = elder(kommune_aarhus, first_name="Inge", last_name="Indenbys")
    outsider = resident_elsewhere(kommune_aarhus, kommune_odense, first_name="Ulla", last_name="Udenbys")
    e_local = join(kommune_officer, sl, local, D(2026, 2, 1))
    e_out = join(kommune_officer, sl, outsider, D(2026, 3, 1))  # defaults to the person's kommune
    assert (e_local.lives_inside, e_local.home_kommune) == (True, kommune_aarhus)
    assert (e_out.lives_inside, e_out.home_kommune) == (False, kommune_odense)
    # A later move does not rewrite what the list showed at joining.
    outsider.kommune = kommune_aarhus
    saved(outsider)
    e_out.refresh_from_db()
    assert e_out.lives_inside is False
    page = english(client_for(kommune_officer)).get(reverse("eldercare:specific_list_detail", args=[sl.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "1 inside, 1 outside" in body
    row_out = body.split("Udenbys")[1].split("</tr>")[0]
    assert "Outside the kommune" in row_out and "Odense" in row_out
    row_in = body.split("Indenbys")[1].split("</tr>")[0]
    assert "Inside the kommune" in row_in


@pytest.mark.rule("R21.1")
def test_inside_outside_must_match_the_kommune_of_residence(kommune_aarhus, kommune_odense):
    sl = specific_list(facility(kommune_aarhus))
    e = SpecificListEntry(
        specific_list=sl,
        person=elder(kommune_aarhus),
        joined_on=D(2026, 1, 1),
        lives_inside=True,
        home_kommune=kommune_odense,
    )
    with pytest.raises(ValidationError) as error:
        e.full_clean()
    assert "lives_inside" in error.value.message_dict


# --- R21.2–R21.4 ---------------------------------------------------------------------------------


@pytest.mark.rule("R21.2")
def test_the_fee_is_charged_only_when_joining_several_specific_lists(
    kommune_officer, kommune_aarhus, monkeypatch
):
    on_day(monkeypatch, D(2026, 6, 1))
    first = specific_list(facility(kommune_aarhus), fee=Decimal("200.00"))
    second = specific_list(facility(kommune_aarhus), fee=Decimal("200.00"))
    free = specific_list(facility(kommune_aarhus))
    person = elder(kommune_aarhus)
    e1 = join(kommune_officer, first, person, D(2026, 5, 1))
    assert not SpecificListFeeCharge.objects.filter(entry=e1).exists()  # one list: no fee
    e_free = join(kommune_officer, free, person, D(2026, 5, 2))
    assert not SpecificListFeeCharge.objects.filter(entry=e_free).exists()  # that list charges none
    e2 = join(kommune_officer, second, person, D(2026, 5, 3))
    charge = SpecificListFeeCharge.objects.get(entry=e2)
    assert (charge.amount, charge.due_date, charge.state) == (
        Decimal("200.00"),
        D(2026, 6, 2),
        ChargeState.OPEN,
    )
    # Another applicant joining only the second list pays nothing.
    alone = join(kommune_officer, second, elder(kommune_aarhus), D(2026, 5, 3))
    assert not SpecificListFeeCharge.objects.filter(entry=alone).exists()


def _two_lists_with_fee(officer, kommune, kind="aeldreboliger"):
    first = specific_list(facility(kommune, kind=kind))
    second = specific_list(facility(kommune, kind=kind), fee=Decimal("150.00"))
    person = elder(kommune)
    join(officer, first, person, D(2026, 3, 1))
    e2 = join(officer, second, person, D(2026, 3, 1))
    return e2, SpecificListFeeCharge.objects.get(entry=e2)


@pytest.mark.rule("R21.3", "R21.4")
@pytest.mark.parametrize("kind", ["aeldreboliger", "plejehjem"])
def test_unpaid_fee_is_reminded_and_then_deleted_from_the_list(
    kommune_officer, kommune_aarhus, monkeypatch, kind
):
    on_day(monkeypatch, D(2026, 3, 1))
    e2, charge = _two_lists_with_fee(kommune_officer, kommune_aarhus, kind)
    # due 31 March (30 days); reminder 14 days after: 14 April — not the day before.
    assert charge.due_date == D(2026, 3, 31)
    assert services.fee_cycle_remind(today=D(2026, 4, 13)) == 0
    assert services.fee_cycle_remind(today=D(2026, 4, 14)) == 1
    assert services.fee_cycle_remind(today=D(2026, 4, 14)) == 0  # idempotent
    charge.refresh_from_db()
    deadline = housing_fees.deletion_due(reminded_on=D(2026, 4, 14), pay_within_days=21)
    assert (
        (charge.state, charge.reminder_deadline)
        == (ChargeState.REMINDED, deadline)
        == (
            ChargeState.REMINDED,
            D(2026, 5, 5),
        )
    )
    reminder = Letter.objects.get(kind="elder_list_fee_reminder", recipient=e2.person)
    assert "05.05.2026" in reminder.body_html and "slettet" in reminder.body_html
    # The deadline day itself still counts.
    assert services.fee_cycle_delete(today=D(2026, 5, 5)) == 0
    assert services.fee_cycle_delete(today=D(2026, 5, 6)) == 1
    assert services.fee_cycle_delete(today=D(2026, 5, 6)) == 0
    e2.refresh_from_db()
    charge.refresh_from_db()
    assert (e2.status, e2.left_on, charge.state) == (
        SpecificEntryStatus.DELETED_NON_PAYMENT,
        D(2026, 5, 6),
        ChargeState.DELETED,
    )
    assert Letter.objects.filter(kind="elder_list_deletion", recipient=e2.person).count() == 1
    # The other list's entry is untouched.
    assert SpecificListEntry.objects.filter(person=e2.person, status=SpecificEntryStatus.ACTIVE).count() == 1


@pytest.mark.rule("R21.3")
def test_a_paid_fee_keeps_the_applicant_on_the_list(kommune_officer, kommune_aarhus, monkeypatch):
    on_day(monkeypatch, D(2026, 4, 20))
    e2, charge = _two_lists_with_fee(kommune_officer, kommune_aarhus)
    assert services.fee_cycle_remind(today=D(2026, 4, 14)) == 1
    with pytest.raises(ValidationError) as error:
        services.fee_charge_pay(
            actor=kommune_officer,
            reason="Betaling",
            charge=charge,
            paid_on=D(2026, 4, 20),
            amount=Decimal("100"),
        )
    assert "amount" in error.value.message_dict
    services.fee_charge_pay(
        actor=kommune_officer,
        reason="Betaling",
        charge=charge,
        paid_on=D(2026, 4, 20),
        amount=Decimal("150.00"),
    )
    assert services.fee_cycle_delete(today=D(2026, 6, 1)) == 0
    e2.refresh_from_db()
    assert e2.status == SpecificEntryStatus.ACTIVE


@pytest.mark.rule("R21.2", "R21.3")
def test_the_fee_machinery_is_shared_with_the_family_lists():
    """One implementation of the reminder and deletion dates serves both kinds of list."""
    from waitinglists import rules as family_rules
    from waitinglists.models import ChargeState as FamilyChargeState
    from waitinglists.models import FeeCharge, FeeSchedule

    assert family_rules.deletion_due is housing_fees.deletion_due
    assert FamilyChargeState is ChargeState
    assert issubclass(FeeCharge, housing_fees.AbstractFeeCharge)
    assert issubclass(SpecificListFeeCharge, housing_fees.AbstractFeeCharge)
    assert issubclass(FeeSchedule, housing_fees.FeeTermsMixin) and issubclass(
        SpecificList, housing_fees.FeeTermsMixin
    )
    assert housing_fees.deletion_is_due(reminder_deadline=D(2026, 5, 5), today=D(2026, 5, 5)) is False
    assert housing_fees.deletion_is_due(reminder_deadline=D(2026, 5, 5), today=D(2026, 5, 6)) is True


# --- R21.5 ---------------------------------------------------------------------------------------


@pytest.mark.rule("R21.5")
def test_the_applicant_is_told_the_place_on_request(kommune_officer, kommune_aarhus, client_for, monkeypatch):
    on_day(monkeypatch, D(2026, 6, 1))
    sl = specific_list(facility(kommune_aarhus))
    a, b, c, gone = (elder(kommune_aarhus) for _ in range(4))
    join(kommune_officer, sl, gone, D(2026, 1, 1))
    e_a = join(kommune_officer, sl, a, D(2026, 2, 1))
    e_b = join(kommune_officer, sl, b, D(2026, 2, 1))  # same day: recorded after a
    e_c = join(kommune_officer, sl, c, D(2026, 3, 1))
    services.entry_remove(
        actor=kommune_officer,
        reason="Flyttet",
        entry=SpecificListEntry.objects.get(person=gone),
        left_on=D(2026, 5, 1),
    )
    assert [services.entry_place(e).position for e in (e_a, e_b, e_c)] == [1, 2, 3]
    assert services.entry_place(e_b).total == 3
    client = english(client_for(kommune_officer))
    url = reverse("eldercare:specific_entry_place_letter", args=[sl.pk, e_b.pk])
    response = client.post(url, {"place-change_reason": "Ansøger ringede"})
    assert response.status_code == 302
    letter = Letter.objects.get(kind="elder_list_position", recipient=b)
    assert "nummer 2 af 3" in letter.body_html
    page = client.get(reverse("eldercare:specific_entry_detail", args=[sl.pk, e_b.pk]))
    assert "Number 2 of 3" in page.content.decode()
    # No reason: nothing sent, the error is shown next to the field.
    bad = client.post(url, {"place-change_reason": ""})
    assert bad.status_code == 400
    assert Letter.objects.filter(kind="elder_list_position", recipient=b).count() == 1


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.rule("R21.1", "R20.1")
def test_the_officer_adds_and_removes_an_applicant_on_the_pages(
    kommune_officer, kommune_aarhus, kommune_odense, client_for, monkeypatch
):
    on_day(monkeypatch, D(2026, 6, 1))
    sl = specific_list(facility(kommune_aarhus))
    client = english(client_for(kommune_officer))
    index = client.get(reverse("eldercare:specific_list_index"))
    assert index.status_code == 200 and sl.name in index.content.decode()
    url = reverse("eldercare:specific_entry_add", args=[sl.pk])
    assert client.get(url).status_code == 200
    data = {
        "cpr": "020340-1234",
        "first_name": "Olga",
        "last_name": "Odensen",
        "home_kommune": kommune_odense.pk,
        "joined_on": "2026-05-20",
        "change_reason": REASON,
    }
    future = client.post(url, {**data, "joined_on": "2026-07-01"})
    assert future.status_code == 400
    assert "cannot be in the future" in future.content.decode()
    assert not SpecificListEntry.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302
    e = SpecificListEntry.objects.get()
    assert (e.lives_inside, e.home_kommune, e.person.controller_id) == (
        False,
        kommune_odense,
        kommune_aarhus.tenant_id,
    )
    assert e.person.kommune == kommune_odense  # the kommune of residence, not the list's kommune
    assert e.history.count() == 1
    assert e.history.first().history_change_reason == REASON
    # An applicant living in the list's own kommune is registered with it as the residence.
    inside = client.post(
        url, {**data, "cpr": "020340-1242", "first_name": "Ib", "home_kommune": kommune_aarhus.pk}
    )
    assert inside.status_code == 302
    local = SpecificListEntry.objects.get(person__first_name="Ib")
    assert (local.lives_inside, local.person.kommune) == (True, kommune_aarhus)
    remove = client.post(
        reverse("eldercare:specific_entry_remove", args=[sl.pk, e.pk]),
        {"change_reason": "Ønsker ikke længere bolig", "left_on": "2026-06-01"},
    )
    assert remove.status_code == 302
    e.refresh_from_db()
    assert (e.status, e.left_on) == (SpecificEntryStatus.REMOVED, D(2026, 6, 1))


def test_caseworkers_of_organisations_get_no_list_pages(caseworker_a, kommune_aarhus, client_for):
    sl = specific_list(facility(kommune_aarhus))
    client = client_for(caseworker_a)
    assert client.get(reverse("eldercare:specific_list_index")).status_code == 403
    assert client.get(reverse("eldercare:specific_list_detail", args=[sl.pk])).status_code == 403


def test_the_list_pages_cost_the_same_number_of_queries_at_3_and_at_30_entries(
    kommune_officer, kommune_aarhus, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sl = specific_list(facility(kommune_aarhus), fee=Decimal("100"))
    client = client_for(kommune_officer)
    urls = [reverse("eldercare:specific_list_detail", args=[sl.pk]), reverse("eldercare:specific_list_index")]

    def count() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries.captured_queries))
        return counts

    def grow(n: int) -> None:
        for i in range(n):
            entry(sl, joined_on=D(2025, 1, 1) + datetime.timedelta(days=i), inside=i % 2 == 0)

    grow(3)
    small = count()
    grow(27)
    assert count() == small


@pytest.mark.rule("R21.3")
def test_the_fee_jobs_are_registered_and_scheduled(kommune_officer, kommune_aarhus, monkeypatch):
    from django_celery_beat.models import PeriodicTask

    from letters.jobs import get_job, run_job
    from letters.models import JobRun

    for name in ("eldercare.specific_list_fee_remind", "eldercare.specific_list_fee_delete"):
        assert get_job(name).name == name
        assert PeriodicTask.objects.filter(args__contains=name, enabled=True).exists()
    on_day(monkeypatch, D(2026, 3, 1))
    e2, _charge = _two_lists_with_fee(kommune_officer, kommune_aarhus)
    on_day(monkeypatch, D(2026, 4, 14))
    run_job("eldercare.specific_list_fee_remind", trigger="manual")
    on_day(monkeypatch, D(2026, 5, 6))
    run_job("eldercare.specific_list_fee_delete", trigger="manual")
    e2.refresh_from_db()
    assert e2.status == SpecificEntryStatus.DELETED_NON_PAYMENT
    assert JobRun.objects.filter(job="eldercare.specific_list_fee_delete").exists()
