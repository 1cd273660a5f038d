"""The scenario's rule changes as overrides (pure): R4 on the rules, R1.4's share on the channel."""

from __future__ import annotations

import datetime

import pytest

from allocation.rules.ranking import DwellingFacts, LettingRules
from simulation.changes import Change, ShareCounter, TurnKeeper, scenario_rules
from simulation.replay import VacancyCase

DAY = datetime.date(2026, 3, 1)


def case(n: int, *, channel: str = "list", internal_turn: bool = False, department: int = 10) -> VacancyCase:
    return VacancyCase(
        vacancy_id=n,
        organisation_id=1,
        kommune_id=2,
        department_id=department,
        dwelling=DwellingFacts(department, 1, 2, "family", 3, 80.0, 7000.0),
        as_of=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC) + datetime.timedelta(days=n),
        day=DAY + datetime.timedelta(days=n),
        channel=channel,
        family=True,
        agreement=None,
        fallback_rule="",
        rules=LettingRules(today=DAY, internal_turn=internal_turn),
        list_ids=(),
        has_round=True,
    )


@pytest.mark.rule("R4")
def test_a_children_agreement_added_covers_the_organisations_vacancies_in_the_kommune():
    add = Change("children_agreement", "add", organisation_id=1, kommune_id=2)
    assert scenario_rules(case(1), [add], False).children_agreement
    other_kommune = Change("children_agreement", "add", organisation_id=1, kommune_id=3)
    assert not scenario_rules(case(1), [other_kommune], False).children_agreement
    one_department = Change("children_agreement", "add", organisation_id=1, kommune_id=2, department_id=11)
    assert not scenario_rules(case(1), [one_department], False).children_agreement
    later = Change(
        "children_agreement", "add", organisation_id=1, kommune_id=2, valid_from=DAY.replace(year=2027)
    )
    assert not scenario_rules(case(1), [later], False).children_agreement


@pytest.mark.rule("R1.4")
def test_a_share_of_every_4th_sends_every_4th_family_vacancy_to_the_kommune():
    counter = ShareCounter([Change("kommune_share", "add", organisation_id=1, kommune_id=2, every_nth=4)])
    channels = [counter.channel(case(n)) for n in range(1, 13)]
    assert [n for n, c in enumerate(channels, start=1) if c == "kommunal_anvisning"] == [4, 8, 12]


@pytest.mark.rule("R1.4")
def test_a_share_removed_sends_the_kommunes_vacancies_to_the_lists():
    counter = ShareCounter([Change("kommune_share", "remove", organisation_id=1, kommune_id=2)])
    nominated = case(1, channel="kommunal_anvisning")
    nominated = VacancyCase(**{**nominated.__dict__, "agreement": ("kommune_share", 1, 2, None)})
    assert counter.channel(nominated) == "list"


def test_a_share_needs_its_nth():
    with pytest.raises(ValueError):
        Change("kommune_share", "add", organisation_id=1, kommune_id=2)


@pytest.mark.rule("R7")
def test_the_recorded_turns_stand_until_a_channel_changes_then_they_alternate():
    keeper = TurnKeeper()
    assert keeper.turn(case(1, internal_turn=False), "list") is False
    assert keeper.turn(case(2, internal_turn=True), "list") is True
    # The 3rd goes to the kommune in the scenario: from here the turns alternate.
    keeper.turn(case(3, internal_turn=False), "kommunal_anvisning")
    assert keeper.turn(case(4, internal_turn=True), "list") is False
    assert keeper.turn(case(5, internal_turn=False), "list") is True


@pytest.mark.rule("R40")
def test_a_kommunes_decision_without_an_organisation_covers_every_organisation_in_the_kommune():
    off = Change("kommune_off_guarantees", "add", organisation_id=None, kommune_id=2)
    assert scenario_rules(case(1), [off], False).switched_off_by_kommune == {"R6"}
    elsewhere = Change("kommune_off_guarantees", "add", organisation_id=None, kommune_id=3)
    assert scenario_rules(case(1), [elsewhere], False).switched_off_by_kommune == frozenset()


@pytest.mark.rule("R8.3")
def test_a_residence_periods_department_is_the_one_moved_from_not_the_vacancys():
    """§ 8, nr. 3: limited "til at gælde for boligsøgende fra en eller enkelte afdelinger"."""
    change = Change("transfer_residence", "add", organisation_id=1, kommune_id=2, department_id=99, months=12)
    rules = scenario_rules(case(1, department=10), [change], False)
    assert (rules.transfer_residence_months, rules.transfer_residence_departments) == (12, {99})
    removed = Change("transfer_residence", "remove", organisation_id=1, kommune_id=2)
    assert scenario_rules(case(1), [change, removed], False).transfer_residence_months is None
