"""The count of those passed over (``VacancyRanking.excluded_total``): deferred until read, and
exact under its cap by both ways of counting — every candidate ahead of the last placed less the
placed (when fewer than ``limit`` were placed), or each kind of exclusion by its own test."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocation.services import ranking as service
from tests.allocation.services.test_ranking_db import (
    TODAY,
    VARIANTS,
    World,
    _entry,
    _lease,
    _org_with_lists,
    assert_same,
    set_kommune,
    set_policy,
    set_r4,
    vacancy_for,
)
from tests.factories import DwellingFactory
from waitinglists.models import EntryStatus

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R2.1", "R7", "R9.1", "R9.4", "R10.1")
def test_the_count_is_read_only_when_asked_for_and_is_exact():
    _org, _kommune, department, _general, internal = _org_with_lists()
    tenants = [
        _entry(internal, f"20{n:02d}-01-01", listed_before_seniority_scheme=n % 3 == 0) for n in range(3)
    ]
    for entry in tenants:
        _lease(entry.person, DwellingFactory(department=department))
    for n in range(12):  # internal entries without a dwelling to give up: passed over (R7)
        _entry(internal, f"19{80 + n}-01-01", status=EntryStatus.PASSIVE if n % 4 == 0 else "active")
    vacancy = vacancy_for(DwellingFactory(department=department), internal_turn=True)
    with CaptureQueriesContext(connection) as ranking_queries:
        result = service.vacancy_ranking(vacancy, day=TODAY, limit=50, excluded_limit=2)
    assert result.ranking.turn == "internal" and len(result.ranking.placed) == 3
    assert not result.excluded_total_known
    # The general list is not read on an internal turn that keeps its turn: no statement has a
    # slice of it (the lists' ids are bound, so the statement names each slice's list kind).
    read = [q["sql"] for q in ranking_queries if "waitinglists_entry" in q["sql"]]
    assert len(read) == 1 and "'internal' AS kind" in read[0] and "'general' AS kind" not in read[0]
    with CaptureQueriesContext(connection) as count_queries:
        assert result.excluded_total == 12 and not result.excluded_total_capped
        assert result.counts["excluded_total"] == 12
    assert len(count_queries) == 1 and result.excluded_total_known
    assert_same(vacancy, limit=50, excluded_limit=2)
    assert_same(vacancy, limit=2, excluded_limit=2)  # full: each kind counted by its own test


@pytest.mark.rule("R2.1", "R3.3", "R4", "R5.2", "R6.1", "R7", "R8.2", "R8.3", "R10.2", "R12.1", "R26")
@pytest.mark.parametrize("seed", [3])
def test_both_ways_of_counting_agree_with_the_pure_ranking(seed):
    world = World(seed, general=80, internal=50, youth=30)
    rng = random.Random(seed)
    for dwelling, policy, decision, r4, internal_turn in rng.sample(VARIANTS, 6):
        policy = dict(policy)
        transfer_residence_departments = [world.d2] if policy.pop("r8_3", False) else []
        set_policy(world.org, transfer_residence_departments=transfer_residence_departments, **policy)
        set_kommune(world.kommune, **decision)
        set_r4(world.org, world.kommune, on=r4)
        vacancy = world.vacancy(internal_turn=internal_turn, **dwelling)
        for limit in (1, 4, 500):
            assert_same(vacancy, limit=limit, excluded_limit=2)
