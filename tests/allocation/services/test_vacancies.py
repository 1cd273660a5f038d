"""Opening vacancies: the letting channel (§ 1) and the § 7 alternation, also under concurrency."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from allocation.models import AgreementKind, LettingAgreement, LettingChannel, Vacancy
from allocation.rules.channels import ChannelFacts, choose_channel
from allocation.services.vacancies import vacancy_cancel
from housing.audit import audited_save
from letting.workflow import vacancy_open
from tests.factories import DwellingFactory

NOTICE, MOVE_OUT = datetime.date(2026, 11, 1), datetime.date(2027, 1, 31)


# --- The channel as a pure function ----------------------------------------------------------------


@pytest.mark.rule("R1.2")
def test_mixed_leases_are_outside_the_rules():
    assert choose_channel(ChannelFacts(dwelling_kind="family", lease_scope="mixed")).channel == "out_of_scope"


@pytest.mark.rule("R1.3")
@pytest.mark.parametrize("scope", ["single_room", "staff"])
def test_single_rooms_and_staff_dwellings_are_outside_the_rules(scope):
    choice = choose_channel(ChannelFacts(dwelling_kind="family", lease_scope=scope))
    assert (choice.channel, choice.rule) == ("out_of_scope", "R1.3")


@pytest.mark.rule("R1.5")
def test_rehousing_goes_before_any_agreement():
    facts = ChannelFacts(
        dwelling_kind="family", rehousing=True, kommune_share_due=True, advertising_agreement=True
    )
    assert choose_channel(facts).channel == "rehousing"


@pytest.mark.rule("R1.4")
def test_the_kommunes_share_goes_before_advertising():
    facts = ChannelFacts(
        dwelling_kind="family", kommune_share_due=True, kommune_share_nth=4, advertising_agreement=True
    )
    choice = choose_channel(facts)
    assert choice.channel == "kommunal_anvisning" and "4." in choice.reason
    # The share applies to family dwellings only.
    assert choose_channel(ChannelFacts(dwelling_kind="youth", kommune_share_due=True)).channel == "list"


@pytest.mark.rule("R1.6", "R1.7")
def test_advertising_then_flexible_then_the_lists():
    assert (
        choose_channel(
            ChannelFacts(dwelling_kind="family", advertising_agreement=True, flexible_agreement=True)
        ).channel
        == "advertising"
    )
    assert choose_channel(ChannelFacts(dwelling_kind="youth", flexible_agreement=True)).channel == "flexible"
    assert choose_channel(ChannelFacts(dwelling_kind="family")).channel == "list"


# --- The service ---------------------------------------------------------------------------------------


@pytest.fixture
def dwellings(department_a):
    return [DwellingFactory(department=department_a, kind="family") for _ in range(8)]


def _open(actor, dwelling, **kw):
    return vacancy_open(
        actor=actor, reason="Opsagt", dwelling=dwelling, notice_date=NOTICE, move_out_date=MOVE_OUT, **kw
    )


@pytest.mark.django_db
@pytest.mark.rule("R1.4", "R7")
def test_every_fourth_family_vacancy_goes_to_the_kommune_and_the_lists_alternate(
    caseworker_a, org_a, dwellings, department_a
):
    audited_save(
        LettingAgreement(
            organisation=org_a,
            kommune=department_a.kommune,
            kind=AgreementKind.KOMMUNE_SHARE,
            every_nth=4,
            valid_from=datetime.date(2020, 1, 1),
        ),
        actor=caseworker_a,
        reason="Aftale med kommunen",
    )
    vacancies = [_open(caseworker_a, dwelling) for dwelling in dwellings]
    channels = [v.channel for v in vacancies]
    assert channels == ["list", "list", "list", "kommunal_anvisning"] * 2
    list_let = [v for v in vacancies if v.channel == LettingChannel.LIST]
    assert [v.family_sequence for v in list_let] == [1, 2, 3, 4, 5, 6]
    assert [v.internal_turn for v in list_let] == [False, True] * 3
    assert "R1.4" in vacancies[3].channel_reason and vacancies[3].agreement is not None
    assert vacancies[0].history.get().history_change_reason == "Opsagt"


@pytest.mark.django_db
def test_one_open_vacancy_per_dwelling_and_write_rights(caseworker_a, read_only_a, caseworker_b, dwellings):
    _open(caseworker_a, dwellings[0])
    with pytest.raises(ValidationError) as error:
        _open(caseworker_a, dwellings[0])
    assert "dwelling" in error.value.message_dict
    for outsider in (read_only_a, caseworker_b):
        with pytest.raises(PermissionDenied):
            _open(outsider, dwellings[1])
    with pytest.raises(ValidationError):
        vacancy_open(
            actor=caseworker_a,
            reason="Fejl",
            dwelling=dwellings[1],
            notice_date=MOVE_OUT,
            move_out_date=NOTICE,
        )


@pytest.mark.django_db
@pytest.mark.rule("R1.2")
def test_a_mixed_lease_is_handled_outside_the_rules_and_does_not_count(caseworker_a, department_a):
    mixed = DwellingFactory(department=department_a, kind="family", lease_scope="mixed")
    vacancy = _open(caseworker_a, mixed)
    assert (vacancy.channel, vacancy.family_sequence, vacancy.internal_turn) == ("out_of_scope", None, False)


@pytest.mark.django_db(transaction=True)
@pytest.mark.rule("R7")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
def test_concurrent_openings_never_share_a_turn(caseworker_a, department_a):
    """20 caseworker sessions open 20 vacancies at the same moment: the § 7 count gives each its
    own number, so exactly every second one is the internal list's turn."""
    dwellings = [DwellingFactory(department=department_a, kind="family") for _ in range(20)]
    start = threading.Barrier(len(dwellings))
    errors = []

    def open_one(dwelling):
        from django.db import connections

        try:
            start.wait()
            _open(caseworker_a, dwelling)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one, args=(d,)) for d in dwellings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    vacancies = Vacancy.objects.filter(dwelling__in=dwellings)
    assert sorted(vacancies.values_list("family_sequence", flat=True)) == list(range(1, 21))
    assert vacancies.filter(internal_turn=True).count() == 10


@pytest.mark.django_db
@pytest.mark.rule("R7")
def test_a_vacancy_cancelled_before_it_was_let_gives_its_internal_turn_back(caseworker_a, dwellings):
    """§ 7: "hver anden ledige familiebolig". A vacancy whose notice is withdrawn was never let by
    either list: it takes no turn, and the internal list gets the turn back even when a
    general-turn vacancy was opened in between; the history of both vacancies says so."""
    first, second, third = (_open(caseworker_a, d) for d in dwellings[:3])
    assert [v.internal_turn for v in (first, second, third)] == [False, True, False]
    vacancy_cancel(actor=caseworker_a, reason="Opsigelsen trukket tilbage", vacancy=second)
    second.refresh_from_db()
    assert second.state == "cancelled" and "given back" in second.channel_reason
    assert second.history.latest().history_change_reason == "Opsigelsen trukket tilbage"
    assert "given back" in second.history.latest().channel_reason
    # Counted without the cancelled one: general 1st and 3rd, so the internal list has the 4th
    # (its own turn) and the 5th (the one given back); then the alternation goes on.
    fourth, fifth, sixth = (_open(caseworker_a, d) for d in dwellings[3:6])
    assert [v.family_sequence for v in (fourth, fifth, sixth)] == [4, 5, 6]
    assert [v.internal_turn for v in (fourth, fifth, sixth)] == [True, True, False]
    assert ["given back" in v.channel_reason for v in (fourth, fifth, sixth)] == [False, True, False]


@pytest.mark.django_db
@pytest.mark.rule("R7")
def test_a_cancelled_general_turn_is_given_back_too(caseworker_a, dwellings):
    first = _open(caseworker_a, dwellings[0])
    vacancy_cancel(actor=caseworker_a, reason="Opsigelsen trukket tilbage", vacancy=first)
    again = _open(caseworker_a, dwellings[1])
    assert (again.family_sequence, again.internal_turn) == (2, False)
    assert _open(caseworker_a, dwellings[2]).internal_turn is True
