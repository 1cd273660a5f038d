"""The ranking's one statement, compiled once per plan shape and prepared once per connection
(``allocation.services.candidates.statement``), against the straightforward reference of
``test_ranking_db`` — every candidate read row by row with plain ORM code and ranked by the pure
``rank`` — on a varied small world: documented needs, households with children, fee arrears,
guarantees, separations, the internal turn (§ 7) with R9.2 and R9.4, youth dwellings with a
letting guideline. The placed and the passed over are the same entries in the same order, with the
same facts (every field of ``Candidate``) and the same explanations, when the statement serves
another vacancy of its shape on another day; and a changed decision is read at once."""

from __future__ import annotations

import datetime
import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocation.models import Vacancy
from allocation.rules.facts import CANDIDATE_FIELDS, Candidate
from allocation.services import candidates
from allocation.services import ranking as service
from allocation.services.candidates import statement as statement_module
from tests.allocation.services.test_ranking_db import (
    TODAY,
    YOUTH_GROUPS,
    World,
    assert_same,
    every_candidate,
    set_kommune,
    set_policy,
    set_r4,
    set_youth_guideline,
    vacancy_for,
)
from tests.factories import DwellingFactory

pytestmark = pytest.mark.django_db

LATER = TODAY + datetime.timedelta(days=45)

# (dwelling, policy, kommune decision, R4 agreement, internal turn): one of each shape family.
SHAPES = [
    ({}, {"issues_housing_guarantees": True, "separation_priority": True}, {}, True, False),
    (
        {"fitted_mobility_impaired": True, "fitted_elderly_disabled": True, "floor": 0},
        {"issues_housing_guarantees": True},
        {"elder_disabled_priority": True},
        True,
        False,
    ),
    (
        {"fitted_large_household_mobility": True, "rooms": 4, "gross_floor_area": Decimal("100")},
        {"transfer_residence_months": 24, "separation_priority": True, "r8_3": True},
        {},
        True,
        True,
    ),
    (
        {"rooms": 3, "gross_floor_area": Decimal("75"), "floor": 2},
        {"separation_priority": True, "no_transfer_priority_for_youth_elder_tenants": True},
        {},
        True,
        True,
    ),
    ({"kind": "youth", "rooms": 1}, {}, {}, False, False),
    ({"kind": "youth", "rooms": 1, "youth_kind": "startbolig"}, {}, {}, False, False),
]


def _plan(vacancy, day):
    rules, lists = service._in_force(vacancy, day)
    return candidates.plan_for(vacancy, service.dwelling_facts(vacancy), rules, (), lists=lists)


def _prepared_on_server() -> int:
    if connection.vendor != "postgresql":
        return 0  # (SQLite, the embedded mode: nothing is prepared)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


@pytest.mark.rule(
    "R2.1", "R3.3", "R4", "R5.1", "R5.2", "R5.3", "R6.1", "R7", "R8.1", "R8.2", "R8.3", "R9.1", "R9.2",
    "R9.4", "R10.1", "R10.2", "R10.3", "R10.4", "R12.1", "R12.2", "R26",
)  # fmt: skip
@pytest.mark.parametrize("seed", [4])
def test_one_statement_per_shape_ranks_every_vacancy_and_day_as_the_reference(seed):
    world = World(seed)
    set_youth_guideline(world.org, groups=YOUTH_GROUPS)
    rng = random.Random(seed)
    service.clear_caches()
    for dwelling, policy, decision, r4, internal_turn in SHAPES:
        policy = dict(policy)
        departments = [world.d3] if policy.pop("r8_3", False) else []
        set_policy(world.org, transfer_residence_departments=departments, **policy)
        set_kommune(world.kommune, **decision)
        set_r4(world.org, world.kommune, on=r4)
        first = world.vacancy(internal_turn=internal_turn, **dwelling)
        assert_same(first, limit=7, excluded_limit=5)
        compiled, prepared = service.statement_for.cache_info(), _prepared_on_server()

        # Another vacancy of the same shape — another department, another day: the same statement,
        # not compiled or prepared again, and the reference's answer.
        other = vacancy_for_department(world.d2, internal_turn=internal_turn, **dwelling)
        assert _plan(other, LATER).shape == _plan(first, TODAY).shape
        everyone = every_candidate(other, LATER)
        assert_same(other, day=LATER, limit=7, excluded_limit=5, everyone=everyone)
        assert service.statement_for.cache_info().misses == compiled.misses
        assert _prepared_on_server() == prepared

        # Entries skipped (a shape of its own), however many: one statement for all of them.
        ids = [c.entry_id for c in everyone]
        assert_same(other, day=LATER, limit=7, excluded_limit=5, skip=ids[:1], everyone=everyone)
        compiled = service.statement_for.cache_info()
        for skip in (rng.sample(ids, min(len(ids), 9)), ids[-3:]):
            assert_same(other, day=LATER, limit=7, excluded_limit=5, skip=skip, everyone=everyone)
        assert service.statement_for.cache_info().misses == compiled.misses

        # And the cut is exact at every limit.
        for limit in (1, 4, 50):
            assert_same(other, day=LATER, limit=limit, excluded_limit=rng.choice([2, 100]), everyone=everyone)


def vacancy_for_department(department, *, internal_turn, **dwelling):
    defaults = {"department": department, "rooms": 3, "floor": 1, "has_elevator": False}
    return vacancy_for(DwellingFactory(**{**defaults, **dwelling}), internal_turn=internal_turn)


@pytest.mark.parametrize("seed", [5])
def test_the_statement_binds_every_value_and_is_the_same_text_for_every_plan_of_its_shape(seed):
    world = World(seed, general=20, internal=15, youth=10)
    set_policy(world.org, issues_housing_guarantees=True, transfer_residence_months=12)
    here = world.vacancy(internal_turn=True)
    there = vacancy_for_department(world.d3, internal_turn=True, monthly_rent=Decimal("7123.45"))
    a, b = _plan(here, TODAY), _plan(there, LATER)
    assert a.shape == b.shape and a.values != b.values
    text = candidates.statement_for(a.shape, ("internal",), 50, 100)
    assert candidates.statement_for(b.shape, ("internal",), 50, 100) is text
    # No value of either plan is in the text: they are all parameters, filled from the plan's values.
    for plan in (a, b):
        for value in (plan.day, plan.values["adult_born_by"], plan.values["transfer_moved_in_by"]):
            assert value.isoformat() not in text.text
        assert str(plan.values["rent"]) not in text.text
        assert text.names <= set(plan.values)


def test_the_statement_is_sent_with_numbered_values_converted_once_per_shape():
    """psycopg would parse a statement this long for its named values on every call; it is sent
    with ``$1 … $n`` instead, each name one number however often it is used, converted once."""
    world = World(3, general=20, internal=15, youth=0)
    plan = _plan(world.vacancy(internal_turn=True), TODAY)
    statement = candidates.statement_for(plan.shape, ("internal",), 50, 100)
    text, order = statement_module.positional(statement.text)
    assert statement_module.positional(statement.text) is statement_module.positional(statement.text)
    assert "%(" not in text and set(order) == statement.names
    assert {int(number) for number in re.findall(r"\$(\d+)", text)} == set(range(1, len(order) + 1))
    for number, name in enumerate(order, start=1):
        assert len(re.findall(rf"\${number}(?!\d)", text)) == statement.text.count(f"%({name})s")
    assert any(statement.text.count(f"%({name})s") > 1 for name in order)


@pytest.mark.rule("R6.1", "R40")
def test_a_decision_changed_after_a_ranking_is_read_at_the_next():
    world = World(6, general=60, internal=0, youth=0)
    set_policy(world.org, issues_housing_guarantees=False)
    set_r4(world.org, world.kommune, on=True)
    vacancy = world.vacancy()
    before = assert_same(vacancy, limit=50)
    assert "R6" not in {p.rule for p in before.ranking.placed}
    set_policy(world.org, issues_housing_guarantees=True)
    after = assert_same(vacancy, limit=50)
    assert "R6" in {p.rule for p in after.ranking.placed}
    set_kommune(world.kommune, housing_guarantees_off=True)  # R40: the kommune switches R6 off
    assert "R6" not in {p.rule for p in assert_same(vacancy, limit=50).ranking.placed}


def test_a_known_organisation_and_day_costs_the_marker_and_the_statement():
    world = World(7, general=30, internal=0, youth=0)
    set_policy(world.org, separation_priority=True)
    vacancy = world.vacancy()
    service.vacancy_ranking(vacancy, day=TODAY)
    again = Vacancy.objects.select_related(*service.RANKING_RELATED).get(pk=vacancy.pk)
    with CaptureQueriesContext(connection) as queries:
        service.vacancy_ranking(again, day=TODAY)
    assert len(queries) == 2
    assert queries[0]["sql"].startswith("SELECT (SELECT COUNT(*)")  # the marker
    assert "WITH found AS" in queries[1]["sql"]  # the one statement: slices, picked, facts


@pytest.mark.rule("R4", "R5.1", "R6.1", "R8.1", "R8.2", "R8.3", "R40")
def test_the_decisions_in_one_statement_are_those_the_orm_reads():
    world = World(8, general=5, internal=5, youth=5)
    org, kommune = world.org, world.kommune
    key = (org.pk, org.tenant_id, org.list_tenant_id, kommune.pk)
    days = (datetime.date(2019, 12, 31), datetime.date(2020, 1, 1), TODAY, LATER)
    seen = []
    for step, (policy, decision, r4) in enumerate(
        [
            ({}, {}, False),
            (
                {"issues_housing_guarantees": True, "separation_priority": True},
                {"elder_disabled_priority": True},
                True,
            ),
            ({"transfer_residence_months": 12, "r8_3": True}, {"housing_guarantees_off": True}, True),
            (
                {"transfer_residence_months": 6, "no_transfer_priority_for_youth_elder_tenants": True},
                {},
                False,
            ),
        ]
    ):
        policy = dict(policy)
        departments = [world.d2, world.d3] if policy.pop("r8_3", False) else []
        set_policy(org, valid_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=30 * step), **policy)
        set_kommune(kommune, **decision)
        set_r4(org, kommune, on=r4, department=world.d if step % 2 else None)
        if departments:
            set_policy(org, transfer_residence_departments=departments, transfer_residence_months=12)
        for day in days:
            decided = service._read_decisions(*key, day)
            assert decided == service._read_decisions_orm(*key, day)
            seen.append(decided)
    # The comparison met every kind of decision, in force and not yet.
    assert (
        {d.issues_housing_guarantees for d in seen}
        == {d.elder_disabled_priority for d in seen}
        == {True, False}
    )
    assert any(d.transfer_residence_departments for d in seen) and any(d.children_agreements for d in seen)
    assert any(d.housing_guarantees_off for d in seen) and any(
        d.no_transfer_priority_for_youth_elder_tenants for d in seen
    )
    assert all(len(d.lists) == 3 for d in seen)


def test_a_candidate_is_read_with_every_fact_and_is_the_constructor_s():
    """``Candidate.read`` skips the dataclass's ``__init__``: its caller must give every field."""
    world = World(9, general=15, internal=10, youth=0)
    set_policy(world.org, separation_priority=True)
    result = service.vacancy_ranking(world.vacancy(internal_turn=True), day=TODAY)
    shown = [p.candidate for p in result.ranking.placed] + [x.candidate for x in result.ranking.excluded]
    assert shown
    for candidate in shown:
        assert vars(candidate).keys() == CANDIDATE_FIELDS
        assert Candidate(**vars(candidate)) == candidate == Candidate.read(dict(vars(candidate)))
