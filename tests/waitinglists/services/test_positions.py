"""Positions on a list and per wish, and the expected waiting time (R3.4) — with fixed query
counts, however many departments are wanted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from housing.audit import audited_save
from housing.models import DwellingKind
from letters.models import Letter
from tests.factories import DepartmentFactory, DwellingFactory, PersonFactory
from tests.waitinglists.wish_queue import wishes_out_of_step
from waitinglists.models import DeletionReason, EntryStatus, FeeSchedule, LettingRecord, ListKind, WaitingList
from waitinglists.positions import list_position, waiting_estimates, waiting_time_letter, wish_positions
from waitinglists.services.registration import (
    Wishes,
    entry_delete,
    entry_register,
    entry_set_status,
    entry_update_wishes,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 11, 21)


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _list(org, actor, name="Almindelig venteliste"):
    return audited_save(
        WaitingList(controller=org.tenant, kind=ListKind.GENERAL, name=name), actor=actor, reason="Oprettet"
    )


@pytest.fixture
def general_list(org_a, caseworker_a):
    audited_save(
        FeeSchedule(
            controller=org_a.tenant,
            valid_from=D(2000, 1, 1),
            registration_fee=Decimal("0"),
            update_fee=Decimal("150"),
            due_month=2,
            due_day=1,
        ),
        actor=caseworker_a,
        reason="Gebyrer vedtaget",
    )
    return _list(org_a, caseworker_a)


def _department(org, number, name, rooms=(3,), kind=DwellingKind.FAMILY):
    department = DepartmentFactory(organisation=org, number=number, name=name)
    for r in rooms:
        DwellingFactory(department=department, rooms=r, kind=kind)
    return department


def _register(actor, waiting_list, org, on, departments=(), rooms=(1, 6), kinds=()):
    return entry_register(
        actor=actor,
        reason="Skranken",
        waiting_list=waiting_list,
        person=PersonFactory(controller=org.tenant, birth_date=D(1980, 1, 1)),
        wishes=Wishes(
            departments=list(departments), rooms_min=rooms[0], rooms_max=rooms[1], dwelling_kinds=list(kinds)
        ),
        registered_on=on,
        send_letter=False,
    )


# --- The place on the list ---------------------------------------------------------------------


@pytest.mark.rule("R2.1", "R3.2")
def test_list_position_orders_by_seniority_then_id_and_skips_passive(
    caseworker_a, org_a, general_list, django_assert_num_queries
):
    """R2.1: the applicant longest on the general list comes first — one list for all the
    organisation's departments (R3.2); the same day is decided by who registered first."""
    first = _register(caseworker_a, general_list, org_a, D(2015, 1, 1))
    same_day_a = _register(caseworker_a, general_list, org_a, D(2016, 1, 1))
    same_day_b = _register(caseworker_a, general_list, org_a, D(2016, 1, 1))
    passive = _register(caseworker_a, general_list, org_a, D(2010, 1, 1))
    entry_set_status(actor=caseworker_a, reason="I bero", entry=passive, status=EntryStatus.PASSIVE)
    other_list = _list(org_a, caseworker_a, name="Anden liste")
    _register(caseworker_a, other_list, org_a, D(2000, 1, 1))
    with django_assert_num_queries(1):
        assert list_position(same_day_b) == 3
    assert [list_position(e) for e in (first, same_day_a)] == [1, 2]
    passive.refresh_from_db()
    assert list_position(passive) is None


# --- Positions per wish ------------------------------------------------------------------------


@pytest.fixture
def estate(org_a):
    """Alfahaven has 2- and 3-room family dwellings and a 4-room youth dwelling; Betahaven 3 rooms."""
    one = _department(org_a, "101", "Alfahaven", rooms=(2, 3))
    DwellingFactory(department=one, rooms=4, kind=DwellingKind.YOUTH)
    two = _department(org_a, "102", "Betahaven", rooms=(3,))
    return one, two


def test_wish_positions_count_those_ahead_wanting_the_same(caseworker_a, org_a, general_list, estate):
    one, two = estate
    _register(caseworker_a, general_list, org_a, D(2012, 1, 1), [one], rooms=(3, 4))  # ahead for (one, 3)
    _register(caseworker_a, general_list, org_a, D(2012, 1, 1), [two], rooms=(1, 2))  # wants 2 rooms only
    passive = _register(caseworker_a, general_list, org_a, D(2011, 1, 1), [one, two], rooms=(2, 3))
    entry_set_status(actor=caseworker_a, reason="I bero", entry=passive, status=EntryStatus.PASSIVE)
    me = _register(caseworker_a, general_list, org_a, D(2013, 1, 1), [one, two], rooms=(2, 3))
    _register(caseworker_a, general_list, org_a, D(2014, 1, 1), [one, two], rooms=(2, 3))  # behind
    positions = {(p.department, p.rooms): p.position for p in wish_positions(me)}
    assert positions == {("101 Alfahaven", 2): 1, ("101 Alfahaven", 3): 2, ("102 Betahaven", 3): 1}
    youth = _register(caseworker_a, general_list, org_a, D(2015, 1, 1), [one], rooms=(2, 4), kinds=["youth"])
    assert [(p.department, p.rooms, p.position) for p in wish_positions(youth)] == [("101 Alfahaven", 4, 2)]


def _queries(func, entry) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func(entry)
    return len(ctx.captured_queries)


def test_wish_positions_and_estimates_cost_fixed_queries(caseworker_a, org_a, general_list):
    departments = [_department(org_a, f"2{i:02d}", f"Afdeling {i}", rooms=(2, 3, 4)) for i in range(8)]
    for i in range(4):
        _register(caseworker_a, general_list, org_a, D(2010 + i, 1, 1), departments, rooms=(2, 4))
    few = _register(caseworker_a, general_list, org_a, D(2020, 1, 1), departments[:2], rooms=(2, 4))
    many = _register(caseworker_a, general_list, org_a, D(2020, 1, 1), departments, rooms=(2, 4))
    assert len(wish_positions(few)) == 6 and len(wish_positions(many)) == 24
    assert _queries(wish_positions, few) == _queries(wish_positions, many) == 2
    assert _queries(waiting_estimates, few) == _queries(waiting_estimates, many) == 3
    assert all(p.position == 5 for p in wish_positions(few))


# --- The expected waiting time (R3.4) ----------------------------------------------------------


def _letting(actor, waiting_list, department, rooms, let_on):
    audited_save(
        LettingRecord(
            waiting_list=waiting_list,
            department=department,
            rooms=rooms,
            let_on=let_on,
            winner_seniority_date=D(2010, 1, 1),
        ),
        actor=actor,
        reason="Udlejet fra listen",
    )


@pytest.mark.rule("R3.4")
def test_estimate_from_the_lettings_of_the_last_24_months(caseworker_a, org_a, general_list, estate):
    one, two = estate
    _register(caseworker_a, general_list, org_a, D(2012, 1, 1), [one], rooms=(3, 3))
    me = _register(caseworker_a, general_list, org_a, D(2013, 1, 1), [one, two], rooms=(3, 3))
    for months in range(0, 24, 4):  # 6 lettings inside the window, the oldest 20 months ago
        _letting(caseworker_a, general_list, one, 3, TODAY - relativedelta(months=months))
    _letting(caseworker_a, general_list, one, 3, TODAY - relativedelta(months=24))  # outside the window
    _letting(caseworker_a, general_list, one, 2, TODAY)  # another size
    _letting(caseworker_a, _list(org_a, caseworker_a, name="Anden"), one, 3, TODAY)  # another list
    rows = {row.department: row for row in waiting_estimates(me, today=TODAY)}
    alfa, beta = rows["101 Alfahaven"], rows["102 Betahaven"]
    # Position 2 at 3 lettings a year: 2/3 year, shown as half to double that.
    assert (alfa.position, alfa.lettings, alfa.estimate.years_low, alfa.estimate.years_high) == (
        2,
        6,
        0.3,
        1.3,
    )
    assert "Based on 6 lettings of 3-room dwellings in 101 Alfahaven in the last 24 months" in alfa.text
    assert "between 0.3 and 1.3 years" in alfa.text
    assert (beta.position, beta.lettings, beta.estimate.years_low) == (1, 0, None)
    assert "no basis for an estimate" in beta.text


@pytest.mark.rule("R3.4")
def test_waiting_time_letter_once_a_day(caseworker_a, caseworker_b, org_a, general_list, estate):
    one, _two = estate
    me = _register(caseworker_a, general_list, org_a, D(2013, 1, 1), [one], rooms=(3, 3))
    _letting(caseworker_a, general_list, one, 3, timezone.localdate() - relativedelta(months=1))
    letter = waiting_time_letter(actor=caseworker_a, entry=me)
    assert letter.kind == "waiting_time" and letter.recipient == me.person
    assert letter.idempotency_key == f"waiting-time:{me.pk}:{timezone.localdate().isoformat()}"
    text = letter.context["waiting_time_text"]
    assert "101 Alfahaven" in text and text in letter.body_html
    assert waiting_time_letter(actor=caseworker_a, entry=me).pk == letter.pk
    assert Letter.objects.filter(recipient=me.person).count() == 1
    with pytest.raises(PermissionDenied):
        waiting_time_letter(actor=caseworker_b, entry=me)


@pytest.mark.rule("R3.4")
def test_no_estimate_for_a_passive_entry(caseworker_a, org_a, general_list, estate):
    one, _two = estate
    me = _register(caseworker_a, general_list, org_a, D(2013, 1, 1), [one], rooms=(3, 3))
    me = entry_set_status(actor=caseworker_a, reason="I bero", entry=me, status=EntryStatus.PASSIVE)
    assert wish_positions(me) == [] and waiting_estimates(me) == []


@pytest.mark.rule("R3.4", "R9.4")
def test_wish_places_kept_by_the_database_agree_with_a_count_after_every_change(
    caseworker_a, org_a, general_list, estate
):
    """On PostgreSQL each wish carries a copy of its entry's place and rooms, kept by triggers
    (migration waitinglists 0018), so the place per wanted department is one index range. After
    every kind of change — new entries, passive and active again, other rooms, other wishes, an
    earlier seniority date, R9.4 precedence, deletion — it must give the same places as a count
    over the entries themselves."""
    if connection.vendor != "postgresql":
        pytest.skip("the kept copy exists on PostgreSQL only")
    from waitinglists import positions  # lazy: the private count functions are compared here only

    one, two = estate
    internal = audited_save(
        WaitingList(
            controller=org_a.tenant, organisation=org_a, kind=ListKind.INTERNAL, name="Oprykningsventeliste"
        ),
        actor=caseworker_a,
        reason="Oprettet",
    )
    entries = [
        _register(caseworker_a, waiting_list, org_a, D(2010 + i % 5, 1 + i % 3, 1), wishes, rooms=rooms)
        for i, (waiting_list, wishes, rooms) in enumerate(
            [
                (general_list, [one], (2, 3)),
                (general_list, [one, two], (3, 4)),
                (general_list, [two], (1, 2)),
                (general_list, [], (2, 3)),
                (general_list, [one, two], (2, 4)),
                (internal, [one], (2, 3)),
                (internal, [one, two], (2, 4)),
                (internal, [two], (3, 3)),
            ]
        )
    ]

    def agree():
        for entry in entries:
            entry.refresh_from_db()
            if entry.status != EntryStatus.ACTIVE:
                continue
            departments, rooms = [one.pk, two.pk], [1, 2, 3, 4]
            kept = positions._ahead_counts_kept(entry, departments, rooms)
            joined = positions._ahead_counts_joined(entry, departments, rooms)
            assert {k: v for k, v in kept.items() if v} == {k: v for k, v in joined.items() if v}, entry.pk

    agree()
    entry_set_status(actor=caseworker_a, reason="I bero", entry=entries[0], status=EntryStatus.PASSIVE)
    agree()
    entry_set_status(actor=caseworker_a, reason="Aktiv igen", entry=entries[0], status=EntryStatus.ACTIVE)
    entries[1].rooms_min, entries[1].rooms_max = 1, 2
    audited_save(entries[1], actor=caseworker_a, reason="Ønsker ændret")
    agree()
    entry_update_wishes(
        actor=caseworker_a, reason="Ønsker ændret", entry=entries[2], wishes=Wishes(departments=[one, two])
    )
    entry_update_wishes(
        actor=caseworker_a, reason="Ønsker ændret", entry=entries[4], wishes=Wishes(departments=[one])
    )
    agree()
    entries[4].seniority_date = D(2001, 1, 1)
    audited_save(entries[4], actor=caseworker_a, reason="Anciennitet overført")
    agree()
    entries[7].listed_before_seniority_scheme = True  # R9.4: on the list when the R9.3 decision took effect
    audited_save(entries[7], actor=caseworker_a, reason="R9.4")
    agree()
    entries[6].waiting_list = general_list
    audited_save(entries[6], actor=caseworker_a, reason="Flyttet")
    agree()
    entry_update_wishes(
        actor=caseworker_a, reason="Ønsker ændret", entry=entries[3], wishes=Wishes(departments=[one, two])
    )
    entry_delete(
        actor=caseworker_a, reason="Slettet", entry=entries[3], deletion_reason=DeletionReason.OWN_REQUEST
    )
    agree()
    assert wishes_out_of_step() == 0
