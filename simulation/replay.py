"""The replay of past lettings under the rules in force and under a scenario: pure code on plain data.

``replay(cases, world, changes)`` walks the vacancies let in the period in the order they were
ranked (``VacancyCase.as_of``: the moment the winning offer round was opened, or the vacancy was
opened when no round was), and for each:

1. moves the ``World`` (the history tables, loaded once by ``simulation.loading``) to that moment,
   so every candidate stands as it stood then;
2. ranks the candidates with the live system's pure ``allocation.rules.ranking.rank`` under the rules
   in force (``VacancyCase.rules``: read by the live ``letting_rules_for`` for the vacancy and its
   ranking day) — the *replayed-actual* winner, compared with the actual one (``Fidelity``);
3. ranks them again under the scenario (``changes.scenario_rules`` / ``changes.ShareCounter``) on
   the scenario's own state: a person housed under the scenario has left the lists for every later
   vacancy, and an actual winner the scenario did not house stays on them (their entries as they
   stood before the letting; the lease they actually got is not theirs in the scenario).

What the past recorded is respected in both rankings: an applicant who refused the vacancy's offer
(declined, did not answer, or whose letting the kommune refused — R42.2) and a person with a decided
rejection for it (§§ 26–30, § 37) are skipped for that vacancy; the offers of the rounds before the
winning one were answered, so their applicants are skipped too (as ``offers.previously_offered``).
An applicant never offered the vacancy is taken to accept it — the replay cannot know otherwise.

Not reproducible, and said so per vacancy (``Fidelity``): a vacancy let through another channel
(kommunal anvisning R1.4, advertising R1.6 and its lottery R38.3, flexible letting R1.7, rehousing
R1.5, outside the rules R1.2–R1.3), let outside the eligible group (R2.5, R12.3, R14.3, R41), or let
without an offer round (a manual decision); for those the scenario keeps the actual tenant unless it
changes the vacancy's channel.

Point in time — what has history and what does not (``World``):
* entries (status, seniority, wishes with the wished departments, the youth facts), household
  members, documented needs (R5, R10), boliggarantibeviser (R6), separation priorities (R8.2) and
  leases (the dwelling given up, § 7; R1.8) are read from their ``Historical*`` rows as of the moment;
* a person's birth date and applicant number are read as they are now (they do not change; a
  corrected birth date is read corrected);
* the dwelling's facts and those of a dwelling given up are read as they are now (``Dwelling`` has
  history, but a rent or fitting changed since the letting is read as changed — a known limit);
* the dated decisions (policy, § 4 agreements, kommune decisions, youth guideline) are read as the
  live system reads them: the rows dated in force on the ranking day, as they are now; a decision
  edited afterwards is read as edited;
* an unpaid fee (R3.3) is not reconstructed: it is a flag beside the placed candidate and never
  changes who is placed first;
* a GuaranteeSetAside (R6.2) and a startbolig approval (R12.1) are decisions *for* the vacancy and
  are read as recorded.
"""

from __future__ import annotations

import bisect
import datetime
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from allocation.rules.ranking import Candidate, CurrentDwelling, DwellingFacts, LettingRules, Placed, rank
from allocation.services.candidates.plan import born_on_or_before

from .changes import Change, ShareCounter, TurnKeeper, internal_from_general, scenario_rules

LIST = "list"
KOMMUNAL_ANVISNING = "kommunal_anvisning"
CHILD = "child"


# --- The vacancies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VacancyCase:
    """One vacancy let in the period, with what the past recorded about it."""

    vacancy_id: int
    organisation_id: int
    kommune_id: int
    department_id: int
    dwelling: DwellingFacts
    as_of: datetime.datetime  # the moment the winning round ranked the candidates (or the opening)
    day: datetime.date  # the ranking day (rules.today)
    channel: str
    family: bool  # a family dwelling counted for a kommunal-anvisning share (R1.4)
    # The vacancy's agreement: kind, organisation, kommune, department.
    agreement: tuple[str, int, int, int | None] | None
    fallback_rule: str
    rules: LettingRules  # the rules in force (with the recorded § 7 turn)
    list_ids: tuple[tuple[int, str], ...]  # the organisation's lists: (id, kind)
    has_round: bool  # let to the winner of an offer round
    lease_id: int | None = None
    lease_entry_id: int | None = None
    lease_person_id: int | None = None
    actual_rule: str = ""
    actual_explanation: str = ""
    refused_entry_ids: frozenset[int] = frozenset()
    rejected_person_ids: frozenset[int] = frozenset()
    approved_person_ids: frozenset[int] = frozenset()  # R12.1 startbolig approvals for the vacancy
    set_aside: dict[int, str] = field(default_factory=dict)  # person → "51b"/"51c" (R6.2) for the vacancy


# --- The world as it stood --------------------------------------------------------------------------

# A history row: (history_date, history_id, history_type, id, *fields). ``World`` applies them in order.
HistoryRow = tuple


@dataclass
class EntryRow:
    id: int
    waiting_list_id: int
    person_id: int
    household_id: int | None
    seniority_date: datetime.date
    status: str
    listed_before_seniority_scheme: bool
    rehoused_outside: bool
    dwelling_kinds: frozenset[str]
    rooms_min: int
    rooms_max: int
    max_rent: float | None
    floor_max: int | None
    needs_elevator: bool
    education_institution: str
    education_expected_end: datetime.date | None
    special_need: str
    needs_support: bool
    education_level: str
    annual_income: object
    social_need: str
    departments: frozenset[int]
    registered_on: datetime.date | None = None  # R9.4: on the internal list before an R9.3 decision


@dataclass(frozen=True)
class DwellingRow:
    """A dwelling's facts as given up by an internal-list candidate (read as now)."""

    department_id: int
    organisation_id: int
    kind: str
    gross_floor_area: float
    fitted_elderly_disabled: bool
    fitted_mobility_impaired: bool
    fitted_large_household_mobility: bool


@dataclass
class Histories:
    """Every history row the replay needs, each list sorted by (history_date, history_id).

    ``entries``: (date, hid, type, EntryRow); ``members``: (date, hid, type, id, household, person,
    relation); ``needs``: (date, hid, type, id, person, elderly_or_disabled, mobility_impaired,
    household_member_mobility_impaired); ``guarantees``: (date, hid, type, id, person, department,
    state, valid_until); ``separations``: (date, hid, type, id, person, organisation, kommune,
    valid_until); ``leases``: (date, hid, type, id, person, dwelling, starts_on, ends_on,
    set_aside_until). ``persons``: person → (birth date, applicant number), as now; ``dwellings``:
    the dwellings leases name, as now."""

    entries: list = field(default_factory=list)
    members: list = field(default_factory=list)
    needs: list = field(default_factory=list)
    guarantees: list = field(default_factory=list)
    separations: list = field(default_factory=list)
    leases: list = field(default_factory=list)
    persons: dict[int, tuple[datetime.date | None, str]] = field(default_factory=dict)
    dwellings: dict[int, DwellingRow] = field(default_factory=dict)
    # person → the CPR lookup hash: the same human on a shared general list is another person row
    # (R9.3 names the general list, whoever keeps it).
    hashes: dict[int, str] = field(default_factory=dict)


class _Table:
    """Rows keyed by id, moved forward through their history rows; indexed by one column."""

    def __init__(self, rows: list, key: Callable[[tuple], int | None]):
        self.rows, self.at, self.key = rows, 0, key
        self.current: dict[int, tuple] = {}
        self.by: dict[int, set[int]] = defaultdict(set)

    def advance(self, moment: datetime.datetime) -> list[tuple[tuple | None, tuple | None]]:
        """Apply the rows written before ``moment``; returns each change as (old row, new row)."""
        changed = []
        rows, at = self.rows, self.at
        while at < len(rows) and rows[at][0] < moment:
            row = rows[at]
            pk = row[3]
            old = self.current.get(pk)
            if old is not None:
                self.by[self.key(old)].discard(pk)
            if row[2] == "-":
                self.current.pop(pk, None)
                changed.append((old, None))
            else:
                self.current[pk] = row
                self.by[self.key(row)].add(pk)
                changed.append((old, row))
            at += 1
        self.at = at
        return changed


class _Order:
    """The active entries of one list in ``key`` order (those of ``persons`` only, when given):
    sorted once, then patched with the entries changed since (``changed``: entry → the row as it was
    sorted, or None). Passive and deleted entries are left out: ``rank`` can only exclude them."""

    def __init__(
        self,
        key: Callable[[EntryRow], tuple],
        persons: set[int] | None = None,
        rooms: int | None = None,
        households: set[int] | None = None,
    ):
        self.key, self.persons, self.rooms, self.households = key, persons, rooms, households
        self.keys: list[tuple] | None = None
        self.changed: dict[int, EntryRow | None] = {}

    def _wanted(self, e: EntryRow | None, list_id: int) -> bool:
        return (
            e is not None
            and e.waiting_list_id == list_id
            and e.status == "active"
            and (self.persons is None or e.person_id in self.persons)
            and (self.rooms is None or e.rooms_min <= self.rooms <= e.rooms_max)
            and (self.households is None or e.household_id in self.households)
        )

    def ids(self, world: World, list_id: int) -> Iterator[int]:
        changed, self.changed = self.changed, {}
        key = self.key
        if self.keys is None or len(changed) > 512:
            self.keys = sorted(
                key(e)
                for e in map(world.entries.get, world.by_list.get(list_id, ()))
                if self._wanted(e, list_id)
            )
        else:
            keys = self.keys
            for pk, old in changed.items():
                if old is not None:
                    old_key = key(old)
                    at = bisect.bisect_left(keys, old_key)
                    if at < len(keys) and keys[at] == old_key:
                        del keys[at]
                entry = world.entries.get(pk)
                if self._wanted(entry, list_id):
                    new_key = key(entry)
                    at = bisect.bisect_left(keys, new_key)
                    if at >= len(keys) or keys[at] != new_key:
                        keys.insert(at, new_key)
        return (item[-1] for item in self.keys)


class _Either:
    """Membership in either of two collections, without copying them."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def __contains__(self, item) -> bool:
        return item in self.first or item in self.second


class World:
    """The entries and the facts about their persons as they stood at a moment, stepped forward in
    time through the history rows (each row applied once, so a year of changes costs one pass)."""

    def __init__(self, histories: Histories):
        self.h = histories
        self.entries: dict[int, EntryRow] = {}
        self.by_list: dict[int, set[int]] = defaultdict(set)
        self.by_person: dict[int, set[int]] = defaultdict(set)
        self._entry_at = 0
        self.members = _Table(histories.members, key=lambda r: r[4])  # by household
        self.needs = _Table(histories.needs, key=lambda r: r[4])  # by person
        self.guarantees = _Table(histories.guarantees, key=lambda r: r[4])
        self.separations = _Table(histories.separations, key=lambda r: r[4])
        self.leases = _Table(histories.leases, key=lambda r: r[4])
        # The same leases by the organisation of the dwelling (the tenants who may hold § 7).
        self.leases_by_organisation = _Table(
            histories.leases,
            key=lambda r: histories.dwellings[r[5]].organisation_id if r[5] in histories.dwellings else None,
        )
        self.rehoused: set[int] = set()  # entries rehoused outside the organisation (R9.2)
        self.moment: datetime.datetime | None = None
        # Each list's active entries in ``rank``'s tie order, and each internal list's those of the
        # organisation's (present or past) tenants: patched as the entries change.
        self.by_household: dict[int, set[int]] = defaultdict(set)
        # Households with a member registered as a child (of any age): only their entries can have
        # children under 18 (R4), so the walk for the first household with children reads them alone.
        self._children_counted: Counter = Counter()
        self.child_households: set[int] = set()
        self._orders: dict[tuple[int, object], _Order] = {}
        self._list_orders: dict[int, list[_Order]] = defaultdict(list)
        # (organisation, department or None) → the persons with a lease there, now or before.
        self._lessees: dict[tuple[int, int | None], set[int]] = defaultdict(set)
        # The tenancies, kept as the leases change: open-ended ones counted per person (and per
        # department), those with an end kept by lease until they ended long before any later day.
        self._open: dict[int, Counter] = defaultdict(Counter)
        self._open_department: dict[tuple[int, int], Counter] = defaultdict(Counter)
        self._ending: dict[int, dict[int, tuple]] = defaultdict(dict)
        self._by_hash: dict[str, set[int]] | None = None

    def general_date(self, person_id: int, general_list_ids: Sequence[int]) -> datetime.date | None:
        """R9.3: the person's earliest seniority date on a living entry of the general lists, matched
        by the CPR lookup hash as ``waitinglists.services.seniority_dates.general_dates_subquery``
        matches it."""
        if self._by_hash is None:
            self._by_hash = defaultdict(set)
            for person, digest in self.h.hashes.items():
                self._by_hash[digest].add(person)
        digest = self.h.hashes.get(person_id)
        persons = self._by_hash.get(digest, {person_id}) if digest else {person_id}
        dates = [
            e.seniority_date
            for person in persons
            for e in map(self.entries.get, self.by_person.get(person, ()))
            if e is not None and e.waiting_list_id in general_list_ids and e.status != "deleted"
        ]
        return min(dates) if dates else None

    def advance(self, moment: datetime.datetime) -> None:
        """Apply every history row written strictly before ``moment`` (the moment a round was
        opened: what it ranked was read before the round was saved; the letting that follows —
        the winner's entry deleted on the lease, R3.5 — is written after it)."""
        if self.moment is not None and moment < self.moment:
            raise ValueError("the world moves forward only")
        self.moment = moment
        rows, at = self.h.entries, self._entry_at
        while at < len(rows) and rows[at][0] < moment:
            _date, _hid, kind, entry = rows[at]
            old = self.entries.get(entry.id)
            if old is not None:
                self.by_list[old.waiting_list_id].discard(entry.id)
                self.by_person[old.person_id].discard(entry.id)
                if old.household_id is not None:
                    self.by_household[old.household_id].discard(entry.id)
                self._note(old.waiting_list_id, entry.id, old)
            self._note(entry.waiting_list_id, entry.id, None)
            self.rehoused.discard(entry.id)
            if kind == "-":
                self.entries.pop(entry.id, None)
            else:
                if entry.rehoused_outside:
                    self.rehoused.add(entry.id)
                self.entries[entry.id] = entry
                self.by_list[entry.waiting_list_id].add(entry.id)
                self.by_person[entry.person_id].add(entry.id)
                if entry.household_id is not None:
                    self.by_household[entry.household_id].add(entry.id)
            at += 1
        self._entry_at = at
        for old, row in self.members.advance(moment):
            for member, sign in ((old, -1), (row, 1)):
                if member is None or member[6] != CHILD:
                    continue
                household = member[4]
                self._children_counted[household] += sign
                has = self._children_counted[household] > 0
                if has != (household in self.child_households):
                    if has:
                        self.child_households.add(household)
                    else:
                        self.child_households.discard(household)
                    for entry_id in self.by_household.get(household, ()):
                        entry = self.entries[entry_id]
                        for order in self._list_orders.get(entry.waiting_list_id, ()):
                            if order.households is not None:
                                order.changed.setdefault(entry_id, entry)
        for table in (self.needs, self.guarantees, self.separations, self.leases):
            table.advance(moment)
        for old, row in self.leases_by_organisation.advance(moment):
            if old is not None:
                self._tenancy(old, -1)
            if row is None:
                continue
            self._tenancy(row, 1)
            organisation = self.leases_by_organisation.key(row)
            department = self.h.dwellings[row[5]].department_id
            self._lessees[(organisation, department)].add(row[4])
            if row[4] not in self._lessees[(organisation, None)]:
                self._lessees[(organisation, None)].add(row[4])
                # A new tenant's internal-list entries join the tenants' order.
                for entry_id in self.by_person.get(row[4], ()):
                    entry = self.entries[entry_id]
                    for order in self._list_orders.get(entry.waiting_list_id, ()):
                        if order.persons is not None:
                            order.changed.setdefault(entry_id, None)

    def _tenancy(self, row: tuple, sign: int) -> None:
        dwelling = self.h.dwellings.get(row[5])
        if dwelling is None:
            return
        organisation = dwelling.organisation_id
        if row[7] is None:
            for counter in (
                self._open[organisation],
                self._open_department[(organisation, dwelling.department_id)],
            ):
                counter[row[4]] += sign
                if counter[row[4]] <= 0:
                    del counter[row[4]]
        elif sign > 0:
            self._ending[organisation][row[3]] = row
        else:
            self._ending[organisation].pop(row[3], None)

    def _note(self, list_id: int, entry_id: int, old: EntryRow | None) -> None:
        for order in self._list_orders.get(list_id, ()):
            order.changed.setdefault(entry_id, old)

    def _order(self, list_id: int, name, make: Callable[[], _Order]) -> _Order:
        order = self._orders.get((list_id, name))
        if order is None:
            order = self._orders[(list_id, name)] = make()
            self._list_orders[list_id].append(order)
        return order

    def in_order(
        self, list_id: int, *, internal: bool = False, rooms: int | None = None, children: bool = False
    ) -> Iterator[int]:
        """The ids of the list's active entries (wanting ``rooms``, when given; of households with a
        child member, when ``children``) in the order ``rank`` breaks ties in a tier: seniority,
        then id (the live queue index); on the internal list those on it before an R9.3 decision
        first (R9.4)."""
        key = _internal_key if internal else _general_key
        households = self.child_households if children else None
        return self._order(
            list_id, ("rooms", rooms, children), lambda: _Order(key, rooms=rooms, households=households)
        ).ids(self, list_id)

    def tenants_in_order(
        self,
        list_id: int,
        organisation_id: int,
        *,
        department_id: int | None = None,
        rooms: int | None = None,
    ) -> Iterator[int]:
        """The internal list's active entries (wanting ``rooms``) of persons who hold or held a lease
        in the organisation (or the department), in the internal list's order — who of them is a
        tenant on the day, the caller asks."""
        lessees = self._lessees[(organisation_id, department_id)]
        return self._order(
            list_id,
            ("tenants", organisation_id, department_id, rooms),
            lambda: _Order(_internal_key, lessees, rooms),
        ).ids(self, list_id)

    def tenants(
        self, organisation_id: int, day: datetime.date, department_id: int
    ) -> tuple[set[int], set[int]]:
        """The persons with a lease in the organisation not ended before ``day`` (a set-like view),
        and those of them with one in the department. A lease that ended more than a year before
        ``day`` is dropped for good: the replay's days move forward (a round's day is at most its
        answer days before the moment it was opened)."""
        ending = self._ending[organisation_id]
        still, gone = set(), []
        still_here = set()
        horizon = day - datetime.timedelta(days=366)
        for pk, row in ending.items():
            if row[7] >= day:
                still.add(row[4])
                if self.h.dwellings[row[5]].department_id == department_id:
                    still_here.add(row[4])
            elif row[7] < horizon:
                gone.append(pk)
        for pk in gone:
            del ending[pk]
        return _Either(self._open[organisation_id], still), set(
            self._open_department[(organisation_id, department_id)]
        ) | still_here

    def sparse_persons(self, case: VacancyCase, rules: LettingRules) -> set[int]:
        """The persons who may hold a sparse general-list tier for the vacancy: a documented need the
        dwelling is fitted for (R5.1–R5.3), a boliggarantibevis for its department (R6), a separation
        priority of the organisation in the kommune (R8.2) — their validity ``rank`` judges."""
        d, persons = case.dwelling, set()
        if d.fitted_elderly_disabled or d.fitted_mobility_impaired or d.fitted_large_household_mobility:
            for row in self.needs.current.values():
                if row[5] or row[6] or row[7]:
                    persons.add(row[4])
        for row in self.guarantees.current.values():
            if row[5] == case.department_id:
                persons.add(row[4])
        for row in self.separations.current.values():
            if row[5] == case.organisation_id and row[6] == case.kommune_id:
                persons.add(row[4])
        return persons

    # --- The facts of one candidate (as ``allocation.services.candidates.facts.candidate``) --------

    def _household(self, household_id: int | None, adult_born_by: datetime.date) -> tuple[int, bool]:
        if household_id is None:
            return 0, False
        members = [self.members.current[pk] for pk in self.members.by.get(household_id, ())]
        children = False
        for row in members:
            if row[6] == CHILD:
                born = self.h.persons.get(row[5], (None, ""))[0]
                if born is not None and born > adult_born_by:
                    children = True
        return len(members), children

    def _need(self, person_id: int) -> tuple[bool, bool, bool]:
        ids = self.needs.by.get(person_id)
        if not ids:
            return False, False, False
        row = self.needs.current[min(ids)]
        return bool(row[5]), bool(row[6]), bool(row[7])

    def _guarantee(self, person_id: int, department_id: int) -> datetime.date | None:
        until = None
        for pk in self.guarantees.by.get(person_id, ()):
            row = self.guarantees.current[pk]
            if row[5] == department_id and row[6] == "valid" and (until is None or row[7] > until):
                until = row[7]
        return until

    def _separation(self, person_id: int, organisation_id: int, kommune_id: int) -> datetime.date | None:
        until = None
        for pk in self.separations.by.get(person_id, ()):
            row = self.separations.current[pk]
            if row[5] == organisation_id and row[6] == kommune_id and (until is None or row[7] > until):
                until = row[7]
        return until

    def _given_up(
        self, person_id: int, organisation_id: int, day: datetime.date, void_leases: set[int]
    ) -> CurrentDwelling | None:
        """The current lease in the organisation, the latest if several (``conditions.current_lease``)."""
        best = None
        for pk in self.leases.by.get(person_id, ()):
            if pk in void_leases:
                continue
            row = self.leases.current[pk]
            dwelling = self.h.dwellings.get(row[5])
            if dwelling is None or dwelling.organisation_id != organisation_id:
                continue
            if row[7] is not None and row[7] < day:
                continue
            if best is None or (row[6], row[3]) > (best[6], best[3]):
                best = row
        if best is None:
            return None
        d = self.h.dwellings[best[5]]
        return CurrentDwelling(
            department_id=d.department_id,
            organisation_id=d.organisation_id,
            kind=d.kind,
            gross_floor_area=d.gross_floor_area,
            moved_in=best[6],
            fitted_elderly_disabled=d.fitted_elderly_disabled,
            fitted_mobility_impaired=d.fitted_mobility_impaired,
            fitted_large_household_mobility=d.fitted_large_household_mobility,
            sections_6_7_set_aside_until=best[8],
        )

    def candidate(
        self, e: EntryRow, list_kind: str, case: VacancyCase, rules: LettingRules, void_leases: set[int]
    ) -> Candidate:
        day = rules.today
        born, number = self.h.persons.get(e.person_id, (None, ""))
        members, children = self._household(e.household_id, _adult_born_by(day))
        elderly, mobility, member_mobility = self._need(e.person_id)
        guarantee = self._guarantee(e.person_id, case.department_id)
        separation = self._separation(e.person_id, case.organisation_id, case.kommune_id)
        given_up = (
            self._given_up(e.person_id, case.organisation_id, day, void_leases)
            if list_kind == "internal"
            else None
        )
        return Candidate(
            entry_id=e.id,
            applicant_number=number,
            list_kind=list_kind,
            seniority_date=e.seniority_date,
            status=e.status,
            fee_arrears=False,  # R3.3: not reconstructed; a flag, never a placement (module docstring)
            listed_before_seniority_scheme=e.listed_before_seniority_scheme,
            rehoused_outside=e.rehoused_outside,
            departments=e.departments,
            dwelling_kinds=e.dwelling_kinds,
            rooms_min=e.rooms_min,
            rooms_max=e.rooms_max,
            max_rent=e.max_rent,
            floor_max=e.floor_max,
            needs_elevator=e.needs_elevator,
            household_size=max(1, members),
            has_children=children,
            elderly_or_disabled=elderly,
            mobility_impaired=mobility,
            household_member_mobility_impaired=member_mobility,
            gives_up=given_up,
            separation_priority_until=separation,
            separation_kommune_id=case.kommune_id if separation else None,
            guarantee_department_id=case.department_id if guarantee else None,
            guarantee_valid_until=guarantee,
            guarantee_set_aside=case.set_aside.get(e.person_id, ""),
            birth_date=born,
            in_education=bool(e.education_institution)
            and (e.education_expected_end is None or e.education_expected_end >= day),
            special_need=bool(e.special_need),
            needs_support=bool(e.needs_support),
            kommune_approved_startbolig=e.person_id in case.approved_person_ids,
            education_level=e.education_level,
            annual_income=e.annual_income,
            social_need=bool(e.social_need),
        )


def _general_key(e: EntryRow) -> tuple:
    return (e.seniority_date, e.id)


def _internal_key(e: EntryRow) -> tuple:
    return (not e.listed_before_seniority_scheme, e.seniority_date, e.id)


@functools.lru_cache(maxsize=4096)
def _adult_born_by(day: datetime.date) -> datetime.date:
    """The latest birth date of an adult on ``day`` (R4: a child is under 18)."""
    return born_on_or_before(day, 18)


def _fits(d: DwellingFacts, e: EntryRow) -> bool:
    """The wishes ``rank`` tests first (``_wish_problem``): an entry that fails them is excluded and
    can never be placed, so its facts need not be read (as the live statement's ``_fits``)."""
    if e.departments and d.department_id not in e.departments:
        return False
    if e.dwelling_kinds and d.kind not in e.dwelling_kinds:
        return False
    if not e.rooms_min <= d.rooms <= e.rooms_max:
        return False
    if e.max_rent is not None and d.monthly_rent > e.max_rent:
        return False
    if e.floor_max is not None and d.floor is not None and d.floor > e.floor_max:
        return False
    return not (e.needs_elevator and not d.has_elevator and (d.floor or 0) > 0)


@dataclass
class View:
    """A view of the world for one of the two rankings: the scenario's (``scenario=True``) leaves out
    the persons it housed, keeps the actual winners it did not house on the lists as they stood
    before their letting, and takes their actual leases from them."""

    world: World
    scenario: bool = False
    housed: set[int] = field(default_factory=set)  # persons
    kept: dict[int, EntryRow] = field(default_factory=dict)  # entry → as before the actual letting
    void_leases: set[int] = field(default_factory=set)
    # Read the general list whole too (the tests compare it with the seniority walk).
    exhaustive: bool = False
    kept_version: int = 0  # moved on whenever ``kept`` changes
    _kept_sorted: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    # The day the scenario's R9.3 decision took effect for the vacancy being ranked (None: none).
    internal_from_general: datetime.date | None = None
    _general_dates: dict[int, datetime.date | None] = field(default_factory=dict)

    def _under_r93(self, e: EntryRow, case: VacancyCase) -> EntryRow:
        """An internal entry as the scenario's R9.3 decision has it (``apply_internal_from_general_scheme``):
        its seniority from the person's general-list date when that is earlier — read the first time
        the entry is met under the decision, as the live scheme writes it once — and those on the
        internal list before the decision took effect first (§ 9, stk. 4)."""
        if e.id not in self._general_dates:
            general_ids = [pk for pk, kind in case.list_ids if kind == "general"]
            self._general_dates[e.id] = self.world.general_date(e.person_id, general_ids)
        general = self._general_dates[e.id]
        before = e.listed_before_seniority_scheme or (
            e.registered_on is not None and e.registered_on < self.internal_from_general
        )
        seniority = min(e.seniority_date, general) if general else e.seniority_date
        if seniority == e.seniority_date and before == e.listed_before_seniority_scheme:
            return e
        return replace(e, seniority_date=seniority, listed_before_seniority_scheme=before)

    def _entry(self, pk: int) -> EntryRow | None:
        """The entry as this view sees it (None: not a candidate at all)."""
        e = self.world.entries.get(pk)
        if self.scenario:
            kept = self.kept.get(pk)
            if kept is not None and (e is None or e.status == "deleted"):
                e = kept
            if e is not None and e.person_id in self.housed:
                return None
        return e

    def candidates(self, case: VacancyCase, rules: LettingRules) -> tuple[list[Candidate], dict[int, int]]:
        """The candidates ``rank`` needs to place the first of the vacancy exactly, and the person of
        each entry. An entry that is not active or whose wishes do not fit is only excluded by
        ``rank``: left out. The internal and youth lists are read whole. The general list is read
        as the live statement reads it (``allocation.services.candidates``): the sparse tiers whole
        — documented needs when the dwelling is fitted (R5), boliggarantibeviser for the department
        (R6), separation priorities (R8.2) — and the rest in seniority order only until the first
        eligible entry and, where a § 4 agreement covers the dwelling, the first with children (R4):
        every tier below those two (R4, R2.1) orders by seniority, so nobody behind them can be first.
        The actual winners the scenario keeps on the lists are added whole (a few)."""
        world, d = self.world, case.dwelling
        youth = d.kind == "youth"
        out, persons, seen = [], {}, set()
        skip_entries, skip_persons = case.refused_entry_ids, case.rejected_person_ids
        void = self.void_leases if self.scenario else set()
        # R9.3 reorders the internal list: read it whole (the walks follow the recorded order).
        r93 = self.scenario and self.internal_from_general is not None

        built: dict[int, Candidate] = {}

        def take(pk: int, kind: str) -> Candidate | None:
            if pk in seen:
                return built.get(pk)
            seen.add(pk)
            e = self._entry(pk)
            if e is None or e.status != "active" or pk in skip_entries or e.person_id in skip_persons:
                return None
            if not _fits(d, e):
                return None
            if r93 and kind == "internal":
                e = self._under_r93(e, case)
            c = world.candidate(e, kind, case, rules, void)
            built[pk] = c
            out.append(c)
            persons[pk] = e.person_id
            return c

        for list_id, kind in case.list_ids:
            if (kind == "youth") != youth:
                continue
            if kind == "internal" and not self.exhaustive and not r93:
                self._internal(case, rules, list_id, take)
            elif kind != "general" or self.exhaustive:
                for pk in world.by_list.get(list_id, ()):
                    take(pk, kind)
            else:
                members = world.by_list.get(list_id, set())
                for person in world.sparse_persons(case, rules):
                    for pk in world.by_person.get(person, ()):
                        if pk in members:
                            take(pk, kind)
                covered = rules.children_agreement and d.rooms >= 3

                def head(ids: Iterable[int], kind: str = kind, children: bool = False) -> None:
                    """Up to the first eligible (with children under 18, when ``children``)."""
                    for pk in ids:
                        c = take(pk, kind)
                        if c is not None and (not children or c.has_children):
                            break

                head(world.in_order(list_id, rooms=d.rooms))
                if covered:
                    head(world.in_order(list_id, rooms=d.rooms, children=True), children=True)
                if self.scenario and self.kept:
                    # The actual winners the scenario keeps, walked apart: the heads of the two
                    # walks hold the heads of their union.
                    kept = self._kept_in_order(list_id, _general_key)
                    head(kept)
                    if covered:
                        head(
                            (pk for pk in kept if self.kept[pk].household_id in world.child_households),
                            children=True,
                        )
            if self.scenario and self.kept and (kind == "youth" or self.exhaustive):
                for pk, e in self.kept.items():
                    if e.waiting_list_id == list_id:
                        take(pk, kind)
        return out, persons

    def _kept_in_order(self, list_id: int, key: Callable[[EntryRow], tuple]) -> list[int]:
        """The kept entries of the list in ``key`` order (sorted again only after ``kept`` grew)."""
        cached = self._kept_sorted.get(list_id)
        if cached is None or cached[0] != self.kept_version:
            ordered = sorted((key(e), pk) for pk, e in self.kept.items() if e.waiting_list_id == list_id)
            cached = self._kept_sorted[list_id] = (self.kept_version, [pk for _key, pk in ordered])
        return cached[1]

    def _internal(self, case: VacancyCase, rules: LettingRules, list_id: int, take) -> None:
        """The internal list as ``rank`` can place from it (its key: tier, the § 4 put-back of § 7,
        3. pkt., R9.4's precedence, seniority). Only a tenant of the organisation (§ 7), one
        rehoused outside it (R9.2) or a separation-priority holder (R8.2) can be placed; the
        others ``rank`` only excludes (R7). Read whole: the holders of a documented need and of a
        separation priority (sparse, the R10.2–R10.4 tiers and R8.2). Read in list order until the
        first placed one whom § 4 does not put back — nobody behind them in their tier can come
        first: the tenants of the vacancy's own department (R10.1), then all the tenants (R9, R9.2)."""
        world, d = self.world, case.dwelling
        members = world.by_list.get(list_id, set())
        for person in world.sparse_persons(case, rules):
            for pk in world.by_person.get(person, ()):
                if pk in members:
                    take(pk, "internal")
        if not rules.internal_turn:
            return  # the general list's turn: only the internal holders of a mobility need (§ 10, stk. 3–4)
        covered = rules.children_agreement and d.rooms >= 3

        def first_placed(entries) -> None:
            for e in entries:
                c = take(e.id, "internal")
                if c is None:
                    continue
                placed = rank(d, [c], rules).placed
                # An R8.2 holder without the § 7 priority is read whole above (its put-back differs).
                if not placed or placed[0].rule == "R8.2":
                    continue
                current = c.gives_up
                larger = (
                    current is not None
                    and current.organisation_id == d.organisation_id
                    and d.gross_floor_area > current.gross_floor_area
                )
                if not (covered and larger) or c.has_children:
                    return

        tenants, here = world.tenants(case.organisation_id, rules.today, case.department_id)
        organisation = case.organisation_id
        first_placed(
            e
            for e in map(
                self._entry,
                world.tenants_in_order(
                    list_id, organisation, department_id=case.department_id, rooms=d.rooms
                ),
            )
            if e is not None and e.status == "active" and e.person_id in here
        )
        first_placed(
            e
            for e in map(self._entry, world.tenants_in_order(list_id, organisation, rooms=d.rooms))
            if e is not None and e.status == "active" and e.person_id in tenants
        )
        if self.scenario and self.kept:
            # The actual winners the scenario keeps on the internal list, walked apart.
            first_placed(
                e for e in map(self._entry, self._kept_in_order(list_id, _internal_key)) if e is not None
            )
        # R9.2: rehoused outside the organisation, they hold the § 7 priority without a lease here.
        first_placed(
            sorted(
                (e for e in map(self._entry, world.rehoused & members) if e is not None), key=_internal_key
            )
        )


# --- The results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Winner:
    entry_id: int | None
    person_id: int | None
    rule: str
    explanation: str
    list_kind: str = ""
    has_children: bool | None = None
    waited_days: int | None = None


NOBODY = Winner(None, None, "", "")


@dataclass
class VacancyResult:
    case: VacancyCase
    position: int
    actual: Winner
    replay: Winner
    fidelity: str
    fidelity_reason: str
    scenario_channel: str
    scenario: Winner
    changed: bool


def _winner(placed: Placed | None, persons: dict[int, int], day: datetime.date) -> Winner:
    if placed is None:
        return NOBODY
    c = placed.candidate
    return Winner(
        c.entry_id,
        persons[c.entry_id],
        placed.rule,
        placed.explanation,
        c.list_kind,
        c.has_children,
        (day - c.seniority_date).days,
    )


def _top(view: View, case: VacancyCase, rules: LettingRules) -> tuple[Winner, str]:
    """The first placed under ``rules`` (and the ranking's notes when nobody is placed)."""
    candidates, persons = view.candidates(case, rules)
    ranking = rank(case.dwelling, candidates, rules)
    if not ranking.placed:
        return NOBODY, " ".join(ranking.notes)
    return _winner(ranking.placed[0], persons, rules.today), ""


def _actual(world: World, case: VacancyCase) -> Winner:
    """The actual tenant, with the facts the figures count read as they stood (no list: None)."""
    if case.lease_person_id is None:
        return NOBODY
    entry = world.entries.get(case.lease_entry_id) if case.lease_entry_id else None
    if entry is None:
        return Winner(None, case.lease_person_id, case.actual_rule, case.actual_explanation)
    kind = dict(case.list_ids).get(entry.waiting_list_id, "")
    _members, children = world._household(entry.household_id, _adult_born_by(case.day))
    return Winner(
        entry.id,
        case.lease_person_id,
        case.actual_rule,
        case.actual_explanation,
        kind,
        children,
        (case.day - entry.seniority_date).days,
    )


def _fidelity(case: VacancyCase, actual: Winner, replay: Winner, notes: str) -> tuple[str, str]:
    if case.channel != LIST:
        return "not_from_lists", f"Let through the channel {case.channel}, not from the waiting lists (§ 1)."
    if case.fallback_rule:
        return "outside_eligible", f"Let outside the eligible group under {case.fallback_rule}."
    if not case.has_round:
        return "manual", "Let without an offer round: the lease was signed on a decision outside the ranking."
    if replay.entry_id is None:
        return "no_candidate", notes or "The replay finds nobody on the lists who can take the dwelling."
    if replay.entry_id == actual.entry_id:
        return "reproduced", ""
    if replay.person_id == actual.person_id:
        return "reproduced", "The same person, from another of their entries."
    return (
        "differs",
        f"The replay places entry {replay.entry_id} first ({replay.rule}); the offer round let it to entry "
        f"{actual.entry_id} ({case.actual_rule or '—'}).",
    )


def replay(
    cases: Sequence[VacancyCase],
    world: World,
    changes: Sequence[Change] = (),
    *,
    progress: Callable[[int, int], None] | None = None,
    every: int = 50,
    exhaustive: bool = False,
) -> list[VacancyResult]:
    """Replay ``cases`` (in ``as_of`` order) on ``world`` under the rules in force and under ``changes``
    (``exhaustive``: every list read whole, for the tests that compare it with the walks)."""
    actual_view = View(world, exhaustive=exhaustive)
    scenario_view = View(world, scenario=True, exhaustive=exhaustive)
    shares = ShareCounter(changes)
    turns = TurnKeeper()
    diverged = False  # whether the scenario's lists differ from the actual ones yet
    results = []
    ordered = sorted(cases, key=lambda c: (c.as_of, c.vacancy_id))
    first_day = ordered[0].day if ordered else None
    for position, case in enumerate(ordered, start=1):
        world.advance(case.as_of)
        scenario_view.internal_from_general = internal_from_general(case, changes, first_day)
        actual = _actual(world, case)
        replayed, notes = NOBODY, ""
        ranked = case.channel == LIST and not case.fallback_rule and case.has_round
        if ranked:
            replayed, notes = _top(actual_view, case, case.rules)
        fidelity, reason = _fidelity(case, actual, replayed, notes)

        channel = shares.channel(case)
        internal_turn = turns.turn(case, channel)
        if channel == KOMMUNAL_ANVISNING and case.channel != KOMMUNAL_ANVISNING:
            scenario = Winner(None, None, "R1.4", "The kommune nominates the tenant (kommunal anvisning).")
        elif channel == LIST and (case.channel != LIST or ranked):
            rules = scenario_rules(case, changes, internal_turn)
            same_lists = not diverged and scenario_view.internal_from_general is None
            if ranked and same_lists and rules == case.rules:
                scenario = replayed  # the same lists and the same rules: the same ranking
            else:
                scenario, _notes = _top(scenario_view, case, rules)
        elif actual.person_id in scenario_view.housed:
            # Let by a decision outside the ranking to someone the scenario housed before: the
            # replay cannot say whom that decision would have named instead.
            scenario = NOBODY
        else:
            scenario = actual  # the past decision stands (another channel, or a manual letting)
        changed = scenario.person_id != actual.person_id
        results.append(
            VacancyResult(case, position, actual, replayed, fidelity, reason, channel, scenario, changed)
        )

        # Carry forward. The actual history removes the actual tenant from the lists; the scenario's
        # lists differ from it only by the persons it housed instead (they leave them) and the actual
        # tenants it did not house (they stay, as they stood before the letting, without its lease).
        if changed:
            diverged = True
            scenario_view.kept_version += 1
            if scenario.person_id is not None:
                scenario_view.housed.add(scenario.person_id)
                # Housed by the scenario, no longer an actual tenant kept on the lists.
                for pk in world.by_person.get(scenario.person_id, ()):
                    scenario_view.kept.pop(pk, None)
            if actual.person_id is not None and actual.person_id not in scenario_view.housed:
                for pk in world.by_person.get(actual.person_id, ()):
                    entry = world.entries[pk]
                    if entry.status != "deleted":
                        scenario_view.kept.setdefault(pk, entry)
                if case.lease_id is not None:
                    scenario_view.void_leases.add(case.lease_id)
        if progress is not None and (position % every == 0 or position == len(ordered)):
            progress(position, len(ordered))
    return results


def with_turn(rules: LettingRules, internal_turn: bool) -> LettingRules:
    return rules if rules.internal_turn == internal_turn else replace(rules, internal_turn=internal_turn)
