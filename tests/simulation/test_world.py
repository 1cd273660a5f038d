"""The replay's world on plain data (no database): the history stepped through in time, and the
general list read in seniority order giving the same first place as reading it whole."""

from __future__ import annotations

import bisect
import datetime
import random
from dataclasses import replace

import pytest

from allocation.rules.ranking import DwellingFacts, LettingRules, rank
from simulation.changes import Change
from simulation.replay import DwellingRow, EntryRow, Histories, VacancyCase, View, World, replay

T0 = datetime.datetime(2026, 1, 1, 8, tzinfo=datetime.UTC)
GENERAL, INTERNAL = 1, 2
ORG, KOMMUNE = 10, 20
DEPARTMENTS = (100, 101)


def entry(pk: int, *, person: int, seniority: datetime.date, **facts) -> EntryRow:
    values = {
        "id": pk,
        "waiting_list_id": GENERAL,
        "person_id": person,
        "household_id": None,
        "seniority_date": seniority,
        "status": "active",
        "listed_before_seniority_scheme": False,
        "rehoused_outside": False,
        "dwelling_kinds": frozenset(),
        "rooms_min": 1,
        "rooms_max": 6,
        "max_rent": None,
        "floor_max": None,
        "needs_elevator": False,
        "education_institution": "",
        "education_expected_end": None,
        "special_need": "",
        "needs_support": False,
        "education_level": "",
        "annual_income": None,
        "social_need": "",
        "departments": frozenset(),
    }
    values.update(facts)
    return EntryRow(**values)


def case(
    n: int,
    moment: datetime.datetime,
    *,
    rooms: int,
    agreement: bool,
    department: int = 100,
    internal_turn: bool = False,
    **fitted,
):
    day = moment.date()
    return VacancyCase(
        vacancy_id=n,
        organisation_id=ORG,
        kommune_id=KOMMUNE,
        department_id=department,
        dwelling=DwellingFacts(department, ORG, KOMMUNE, "family", rooms, 70.0, 7000.0, **fitted),
        as_of=moment,
        day=day,
        channel="list",
        family=True,
        agreement=None,
        fallback_rule="",
        rules=LettingRules(
            today=day,
            internal_turn=internal_turn,
            children_agreement=agreement,
            issues_housing_guarantees=True,
            separation_priority=True,
        ),
        list_ids=((GENERAL, "general"), (INTERNAL, "internal")),
        has_round=True,
    )


def test_the_world_reads_each_entry_as_it_stood():
    h = Histories(
        entries=[
            (T0, 1, "+", entry(1, person=1, seniority=datetime.date(2010, 1, 1))),
            (
                T0 + datetime.timedelta(days=10),
                2,
                "~",
                entry(1, person=1, seniority=datetime.date(2010, 1, 1), status="passive"),
            ),
            (
                T0 + datetime.timedelta(days=20),
                3,
                "~",
                entry(1, person=1, seniority=datetime.date(2010, 1, 1)),
            ),
        ]
    )
    world = World(h)
    view = View(world)
    seen = []
    for days in (5, 15, 25):
        moment = T0 + datetime.timedelta(days=days)
        world.advance(moment)
        vacancy = case(days, moment, rooms=2, agreement=False)
        candidates, _persons = view.candidates(vacancy, vacancy.rules)
        seen.append([c.entry_id for c in candidates])
    assert seen == [[1], [], [1]]
    with pytest.raises(ValueError):
        world.advance(T0)


def _random_histories(rng: random.Random) -> tuple[Histories, list[datetime.datetime]]:
    """A general list of a few hundred entries changing over a year: registrations, passive spells,
    wishes, households with children, boliggarantibeviser, separation priorities, documented needs."""
    h = Histories()
    hid = 0
    moments = sorted(T0 + datetime.timedelta(minutes=rng.randrange(525_600)) for _ in range(1500))
    households: dict[int, int] = {}
    for n, moment in enumerate(moments[:1000]):
        hid += 1
        pk = n + 1
        person = 1000 + pk
        if rng.random() < 0.3:
            households[pk] = pk
            hid += 1
            h.members.append((moment, hid, "+", 5000 + pk, pk, 9000 + pk, "child"))
            h.persons[9000 + pk] = (
                datetime.date(2015, 1, 1) if rng.random() < 0.8 else datetime.date(1990, 1, 1),
                "",
            )
        facts = {
            "household_id": households.get(pk),
            "status": "passive" if rng.random() < 0.1 else "active",
            "rooms_min": rng.choice([1, 2, 3]),
            "rooms_max": rng.choice([3, 4, 6]),
            "departments": frozenset(rng.sample(DEPARTMENTS, rng.choice([0, 1, 2]))),
        }
        seniority = datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randrange(9000))
        if rng.random() < 0.3:
            # The internal list: most are tenants (a lease here, or elsewhere), a few rehoused outside.
            facts.update(waiting_list_id=INTERNAL, rooms_min=1, rooms_max=6, departments=frozenset())
            facts["rehoused_outside"] = rng.random() < 0.05
            if rng.random() < 0.7:
                hid += 1
                ends = rng.choice([None, None, datetime.date(2026, 6, 1)])
                h.leases.append(
                    (
                        moment,
                        hid,
                        "+",
                        4000 + pk,
                        person,
                        rng.choice([1, 2, 3]),
                        datetime.date(2015, 1, 1),
                        ends,
                        None,
                    )
                )
        h.entries.append((moment, hid, "+", entry(pk, person=person, seniority=seniority, **facts)))
        h.persons[person] = (datetime.date(1980, 1, 1), f"{pk:07d}")
        if rng.random() < 0.05:
            hid += 1
            h.guarantees.append(
                (
                    moment,
                    hid,
                    "+",
                    7000 + pk,
                    person,
                    rng.choice(DEPARTMENTS),
                    "valid",
                    datetime.date(2027, 12, 31),
                )
            )
        if rng.random() < 0.03:
            hid += 1
            h.separations.append(
                (moment, hid, "+", 8000 + pk, person, ORG, KOMMUNE, datetime.date(2027, 6, 30))
            )
        if rng.random() < 0.05:
            hid += 1
            h.needs.append(
                (moment, hid, "+", 6000 + pk, person, rng.random() < 0.5, rng.random() < 0.5, False)
            )
    for moment in moments[1000:]:
        hid += 1
        pk = rng.randrange(1, 1001)
        old = next(e for _m, _h, _t, e in reversed(h.entries) if e.id == pk)
        if old.status == "deleted":
            continue
        changed = EntryRow(**{**old.__dict__, "status": rng.choice(["active", "passive", "deleted"])})
        h.entries.append((moment, hid, "~", changed))
    h.entries.sort(key=lambda row: (row[0], row[1]))
    for rows in (h.members, h.guarantees, h.separations, h.needs, h.leases):
        rows.sort(key=lambda row: (row[0], row[1]))
    h.dwellings = {
        1: DwellingRow(100, ORG, "family", 60.0, False, False, False),
        2: DwellingRow(101, ORG, "family", 95.0, False, True, False),
        3: DwellingRow(300, ORG + 1, "family", 70.0, False, False, False),
    }
    return h, moments


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_seniority_walk_places_the_same_first_as_the_whole_list(seed):
    """The general list read in seniority order until the first eligible (and the first household with
    children under a § 4 agreement), with the sparse tiers read whole, gives ``rank`` the same first
    place, rule and explanation as every entry of the list — vacancy after vacancy through a year."""
    rng = random.Random(seed)
    h, _moments = _random_histories(rng)
    walked, whole = World(h), World(h)
    walk, read_all = View(walked), View(whole, exhaustive=True)
    compared = internal_placed = 0
    for n in range(120):
        moment = T0 + datetime.timedelta(days=1 + 3 * n, hours=rng.randrange(24))
        vacancy = case(
            n,
            moment,
            rooms=rng.choice([1, 2, 3, 4]),
            agreement=rng.random() < 0.5,
            department=rng.choice(DEPARTMENTS),
            internal_turn=n % 2 == 1,
            fitted_mobility_impaired=rng.random() < 0.2,
            fitted_elderly_disabled=rng.random() < 0.2,
        )
        walked.advance(moment)
        whole.advance(moment)
        first = []
        for view in (walk, read_all):
            candidates, _persons = view.candidates(vacancy, vacancy.rules)
            placed = rank(vacancy.dwelling, candidates, vacancy.rules).placed
            first.append(
                (placed[0].candidate.entry_id, placed[0].rule, placed[0].explanation) if placed else None
            )
        assert first[0] == first[1], (n, first)
        compared += first[0] is not None
        internal_placed += bool(first[0]) and first[0][1] in ("R9", "R9.2", "R10.1", "R10.2", "R10.3", "R8.2")
    assert compared > 100
    assert internal_placed >= 5


def _lived(h: Histories, cases: list[VacancyCase]) -> list[VacancyCase]:
    """The past of ``cases``: each let to the first placed by the rules in force (read whole), whose
    entry is deleted a minute later (R3.5) — added to the history as the live system would write it."""
    world = World(h)
    view = View(world, exhaustive=True)
    lived = []
    for case in cases:
        world.advance(case.as_of)
        candidates, persons = view.candidates(case, case.rules)
        placed = rank(case.dwelling, candidates, case.rules).placed
        if not placed:
            continue
        first = placed[0]
        entry = world.entries[first.candidate.entry_id]
        deleted = (
            case.as_of + datetime.timedelta(minutes=1),
            10**9 + case.vacancy_id,
            "~",
            replace(entry, status="deleted"),
        )
        bisect.insort(h.entries, deleted, key=lambda row: (row[0], row[1]))
        lived.append(
            replace(
                case,
                lease_entry_id=entry.id,
                lease_person_id=persons[entry.id],
                actual_rule=first.rule,
                actual_explanation=first.explanation,
            )
        )
    return lived


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_scenario_walks_give_the_same_winners_as_reading_everything(seed):
    """A year lived under the rules in force, replayed with a § 4 agreement added: with the lists
    walked (and the scenario's kept and housed persons) every vacancy gets the same replayed and
    scenario winner as with every list read whole — and with no change, every actual winner."""
    rng = random.Random(seed)
    h, _moments = _random_histories(rng)
    cases = [
        case(
            n,
            T0 + datetime.timedelta(days=1 + 3 * n, hours=rng.randrange(24)),
            rooms=rng.choice([2, 3, 3, 4]),
            agreement=False,
            department=rng.choice(DEPARTMENTS),
            internal_turn=n % 2 == 1,
        )
        for n in range(100)
    ]
    lived = _lived(h, cases)
    add = [Change("children_agreement", "add", organisation_id=ORG, kommune_id=KOMMUNE)]
    walked = replay(lived, World(h), add)
    whole = replay(lived, World(h), add, exhaustive=True)
    pairs = [(w.replay.entry_id, w.scenario.entry_id, w.scenario.rule) for w in walked]
    assert pairs == [(w.replay.entry_id, w.scenario.entry_id, w.scenario.rule) for w in whole]
    assert sum(w.changed for w in walked) >= 5
    identity = replay(lived, World(h))
    assert {r.fidelity for r in identity} == {"reproduced"}
