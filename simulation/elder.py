"""The replay of the elder-housing lettings (§§ 20–23 of the allocation order): pure code on plain data.

``replay(cases, world, changes, period_start)`` walks the elder vacancies let in the period in the
order they were offered (the winning ``ElderOffer.offered_on`` is the ranking day), and for each:

1. rebuilds the candidates as the live ``eldercare.services.allocation.load_candidates`` would have
   read them on that day, from the dated columns (``ElderWorld``): the kommune's general list for a
   nursing dwelling (an entry is on it from ``admitted_on`` and until it ended, the day itself
   counted) and the dwelling's specific lists (from ``joined_on``, until ``left_on``), each person
   with the needs decision in force on the day (``decided_on`` ≤ day < ``ended_on``). The winning
   entry and its decision always count on their own day. Left out: the persons who refused *this*
   vacancy in an earlier offer, and the persons who had accepted another elder dwelling before (the
   live lists lose them at the acceptance, before the entry's dates say so);
2. ranks them with the live ``eldercare.rules.ranking.rank`` (greatest need, then the longest wait,
   R20.2) — the *replayed-actual* winner, compared with the actual tenant (``Fidelity``): reproduced
   when the replay ranks the tenant first; the kommune's decision (``kommune_decision``) when the
   kommune offered the dwelling to someone it had not ranked first (the offer's recorded rank > 1:
   its concrete assessment under § 20, stk. 2, which the replay cannot repeat); otherwise differs;
3. ranks them again under the scenario: a refuse-outsiders decision (``refuse_outsiders``, § 22, stk.
   1) for kommune K and facility kind F, in force from its start (the change's ``valid_from``, or the
   period's start) for 6 months (§ 22, stk. 3: the first day after is free again), means an applicant
   from another kommune (``lives_inside`` False, R21.1) without a § 23 exemption who *joined* a
   specific list of kind F in K while it was in force was never admitted to that list: the entry is
   left out for every vacancy. § 22 bars joining the specific list only — the general list and
   outsiders who joined before the decision took effect are untouched.

The scenario's consequences are carried forward: a person the scenario houses leaves every list for
the later vacancies; an actual tenant the scenario did not house stays a candidate for them, with the
entries and the needs decision they had on the day of their actual letting (treated as still active;
their actual acceptance is not theirs in the scenario) until the scenario houses them.

Where the scenario cannot rank better than the past decided: a vacancy let by the kommune's decision
(or one the replay does not reproduce) keeps its actual tenant in the scenario while that tenant is
still a candidate there; only when the scenario has removed them (refused at the intake, or housed
before) is the dwelling given to the scenario's first ranked. With no candidate left: nobody (the
kommune would then have sought the eligible group again, R14.3, which the replay cannot know).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from eldercare.rules.outsiders import VALID_MONTHS
from eldercare.rules.ranking import NURSING_DWELLING_KINDS, Candidate, DwellingFacts, rank
from housing.deadlines import add_calendar_months

from .changes import ADD, REFUSE_OUTSIDERS, Change

GENERAL, SPECIFIC = "general", "specific"


# --- What the past recorded ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    """A specific list: its kommune and the kind of its facility (what a § 22 decision covers)."""

    id: int
    kommune_id: int
    facility_kind: str
    name: str = ""


@dataclass(frozen=True)
class SpecificRow:
    id: int
    person_id: int
    list_id: int
    joined_on: datetime.date
    left_on: datetime.date | None
    lives_inside: bool
    exemption: str = ""  # § 23 (``OutsiderExemption``); empty: none

    def on_list(self, day: datetime.date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on >= day)

    @property
    def outsider(self) -> bool:
        return not self.lives_inside


@dataclass(frozen=True)
class GeneralRow:
    id: int
    person_id: int
    kommune_id: int
    admitted_on: datetime.date
    ended_on: datetime.date | None
    need_decision_id: int  # as it is now (the entry follows a changed plejebolig need)

    def on_list(self, day: datetime.date) -> bool:
        return self.admitted_on <= day and (self.ended_on is None or self.ended_on >= day)


@dataclass(frozen=True)
class DecisionRow:
    id: int
    person_id: int
    kommune_id: int
    kind: str
    need_score: int
    decided_on: datetime.date
    ended_on: datetime.date | None
    needs_two: bool = False
    far_reaching: bool = False

    def in_force(self, day: datetime.date) -> bool:
        return self.decided_on <= day and (self.ended_on is None or self.ended_on > day)


@dataclass(frozen=True)
class Accepted:
    """An accepted offer of an elder dwelling: the person leaves the lists when answering."""

    person_id: int
    offer_id: int
    vacancy_id: int
    answered_on: datetime.date


@dataclass(frozen=True)
class ElderCase:
    """One elder vacancy let in the period, with what the past recorded about its letting."""

    vacancy_id: int
    offer_id: int  # the winning offer (the order of one day's offers)
    kommune_id: int
    day: datetime.date  # the winning offer's ``offered_on``: the ranking day
    dwelling: DwellingFacts
    facility_kind: str  # the kind of the dwelling's facility; empty: in no facility
    list_ids: tuple[int, ...]  # the dwelling's specific lists (``_specific_lists_of``)
    person_id: int  # the tenant
    source: str  # the winning offer's list: general | specific
    entry_id: int  # the winning offer's entry (general or specific)
    need_decision_id: int
    rank: int  # the rank the kommune's ranking gave the tenant when offering (1: first)
    need_score: int  # as the offer recorded it
    waiting_since: datetime.date
    answered_on: datetime.date  # the day the tenant accepted (they left the lists then)
    refused: frozenset[int] = frozenset()  # persons who refused this vacancy in an earlier offer

    def before(self, other: ElderCase) -> bool:
        """This letting's acceptance came before ``other`` was offered (the same day: offered first)."""
        return self.answered_on < other.day or (
            self.answered_on == other.day and self.offer_id < other.offer_id
        )


@dataclass
class ElderWorld:
    """Every row the candidates need, indexed once."""

    lists: dict[int, ListRow]
    specific: list[SpecificRow]
    general: list[GeneralRow]
    decisions: list[DecisionRow]
    accepted: list[Accepted] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.specific_by_list: dict[int, list[SpecificRow]] = defaultdict(list)
        for row in self.specific:
            self.specific_by_list[row.list_id].append(row)
        self.general_by_kommune: dict[int, list[GeneralRow]] = defaultdict(list)
        for row in self.general:
            self.general_by_kommune[row.kommune_id].append(row)
        self.decisions_by_person: dict[int, list[DecisionRow]] = defaultdict(list)
        self.decision_by_id: dict[int, DecisionRow] = {}
        for row in sorted(self.decisions, key=lambda d: (d.decided_on, d.id)):
            self.decisions_by_person[row.person_id].append(row)
            self.decision_by_id[row.id] = row
        self.specific_by_id: dict[int, SpecificRow] = {row.id: row for row in self.specific}
        self.accepted_by_person: dict[int, list[Accepted]] = defaultdict(list)
        for row in self.accepted:
            self.accepted_by_person[row.person_id].append(row)

    def decision(self, person_id: int, kommune_id: int, day: datetime.date) -> DecisionRow | None:
        """The person's needs decision in force in the kommune on the day (the latest, should two be)."""
        found = None
        for row in self.decisions_by_person.get(person_id, ()):
            if row.kommune_id == kommune_id and row.in_force(day):
                found = row
        return found


# --- The scenario's refusals (§ 22) -------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A refuse-outsiders decision as the scenario applies it: in force ``start`` ≤ day < ``lapses``."""

    kommune_id: int
    facility_kind: str
    start: datetime.date
    lapses: datetime.date

    def refuses(self, entry: SpecificRow, listed: ListRow) -> bool:
        """R22.1 with R23: an outsider without a § 23 exemption who joined a list of the kind in the
        kommune while the decision was in force (R22.3) was never admitted."""
        return (
            listed.kommune_id == self.kommune_id
            and listed.facility_kind == self.facility_kind
            and entry.outsider
            and not entry.exemption
            and self.start <= entry.joined_on < self.lapses
        )


def refusals(changes: Iterable[Change], period_start: datetime.date) -> list[Refusal]:
    """The scenario's § 22 decisions: in force from the change's start (empty: the period's start) for
    6 months (§ 22, stk. 3)."""
    out = []
    for change in changes:
        if change.kind != REFUSE_OUTSIDERS or change.action != ADD or not change.facility_kind:
            continue
        start = change.valid_from or period_start
        out.append(
            Refusal(change.kommune_id, change.facility_kind, start, add_calendar_months(start, VALID_MONTHS))
        )
    return out


# --- The results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElderWinner:
    person_id: int | None
    source: str = ""  # general | specific
    entry_id: int | None = None
    list_id: int | None = None  # the specific list; None: the general list
    outsider: bool | None = None  # joined the specific list from another kommune (R21.1)
    need_score: int | None = None
    waiting_since: datetime.date | None = None


NOBODY = ElderWinner(None)


@dataclass
class ElderResult:
    case: ElderCase
    position: int
    actual: ElderWinner
    replay: ElderWinner
    replay_rank_of_tenant: int | None  # where the replay places the tenant (None: not placed)
    fidelity: str
    fidelity_reason: str
    scenario: ElderWinner
    changed: bool


# --- The candidates -----------------------------------------------------------------------------------


@dataclass
class _State:
    """The scenario's own lists: who it housed, whom it did not house though the past did (their rows
    as of their actual letting), and the entries it refused."""

    housed: dict[int, ElderCase] = field(default_factory=dict)  # person → the letting that housed them
    kept: dict[int, ElderCase] = field(default_factory=dict)  # person → their actual letting
    refused_entries: set[int] = field(default_factory=set)
    undone: set[int] = field(default_factory=set)  # vacancies whose actual acceptance is not theirs


def _accepted_before(world: ElderWorld, person_id: int, case: ElderCase, ignore: Iterable[int] = ()) -> bool:
    """Whether the person had accepted another elder dwelling before this vacancy was offered (the
    live lists lose them at the acceptance). ``ignore``: vacancies whose acceptance the scenario
    undid (the actual tenants it did not house)."""
    for row in world.accepted_by_person.get(person_id, ()):
        if row.vacancy_id == case.vacancy_id or row.vacancy_id in ignore:
            continue
        if row.answered_on < case.day or (row.answered_on == case.day and row.offer_id < case.offer_id):
            return True
    return False


def candidates(world: ElderWorld, case: ElderCase, *, state: _State | None = None) -> list[Candidate]:
    """The candidates for the vacancy on its ranking day, as ``load_candidates`` reads them live —
    under the scenario when ``state`` is given (its refusals, the persons it housed, the actual
    tenants it did not house)."""
    day, kommune_id = case.day, case.kommune_id
    out: list[Candidate] = []

    def letting_of(person_id: int) -> ElderCase:
        """The letting whose day a person's rows are read as of: this one, or a kept tenant's own."""
        if state is not None and person_id in state.kept:
            return state.kept[person_id]
        return case

    def left_out(person_id: int) -> bool:
        if person_id in case.refused:
            return True
        if state is not None:
            housed = state.housed.get(person_id)
            if housed is not None:
                return housed.before(case)
            if person_id in state.kept:
                return False
            return _accepted_before(world, person_id, case, state.undone)
        return _accepted_before(world, person_id, case)

    def counts(row, source: str) -> tuple[bool, DecisionRow | None]:
        """Whether the entry is on its list as of the person's letting day, and their decision then
        (the winning entry and its decision always count on their own day)."""
        letting = letting_of(row.person_id)
        if letting.source == source and letting.entry_id == row.id:
            return True, world.decision_by_id.get(letting.need_decision_id)
        if not row.on_list(min(day, letting.day)):
            return False, None
        if letting is not case:
            return True, world.decision_by_id.get(letting.need_decision_id)
        return True, world.decision(row.person_id, kommune_id, day)

    if case.dwelling.kind in NURSING_DWELLING_KINDS:
        for row in world.general_by_kommune.get(kommune_id, ()):
            listed, decision = counts(row, GENERAL)
            if not listed or left_out(row.person_id):
                continue
            decision = decision or world.decision_by_id.get(row.need_decision_id)
            if decision is None:
                continue
            out.append(_candidate(GENERAL, row.id, row.person_id, decision, row.admitted_on))
    for list_id in case.list_ids:
        for row in world.specific_by_list.get(list_id, ()):
            listed, decision = counts(row, SPECIFIC)
            if not listed or left_out(row.person_id):
                continue
            if state is not None and row.id in state.refused_entries:
                continue
            if decision is None:
                continue  # live: "no needs decision in force: not ranked"
            out.append(_candidate(SPECIFIC, row.id, row.person_id, decision, row.joined_on))
    return out


def _candidate(
    source: str, entry_id: int, person_id: int, decision: DecisionRow, since: datetime.date
) -> Candidate:
    return Candidate(
        key=f"{source}:{entry_id}",
        source=source,
        entry_id=entry_id,
        person_id=person_id,
        need_decision_id=decision.id,
        need_kind=decision.kind,
        need_score=decision.need_score,
        waiting_since=since,
        needs_two=decision.needs_two,
        far_reaching=decision.far_reaching,
    )


def _winner(world: ElderWorld, candidate: Candidate | None) -> ElderWinner:
    if candidate is None:
        return NOBODY
    list_id = outsider = None
    if candidate.source == SPECIFIC:
        row = world.specific_by_id[candidate.entry_id]
        list_id, outsider = row.list_id, row.outsider
    else:
        outsider = False  # the general list is the kommune's own citizens' (§ 15)
    return ElderWinner(
        candidate.person_id,
        candidate.source,
        candidate.entry_id,
        list_id,
        outsider,
        candidate.need_score,
        candidate.waiting_since,
    )


def _actual(world: ElderWorld, case: ElderCase) -> ElderWinner:
    list_id = outsider = None
    if case.source == SPECIFIC:
        row = world.specific_by_id[case.entry_id]
        list_id, outsider = row.list_id, row.outsider
    else:
        outsider = False
    return ElderWinner(
        case.person_id, case.source, case.entry_id, list_id, outsider, case.need_score, case.waiting_since
    )


def _fidelity(case: ElderCase, replay: ElderWinner, tenant_rank: int | None, notes: str) -> tuple[str, str]:
    if case.rank > 1:
        placed = f"no. {tenant_rank}" if tenant_rank else "not at all"
        return (
            "kommune_decision",
            f"The kommune offered the dwelling to the no. {case.rank} of its ranking (its concrete "
            f"assessment, § 20, stk. 2); the replay places the tenant {placed}.",
        )
    if replay.person_id is None:
        return "no_candidate", notes or "The replay finds nobody on the lists who can take the dwelling."
    if replay.person_id == case.person_id:
        return "reproduced", ""
    placed = f"no. {tenant_rank}" if tenant_rank else "not at all"
    return (
        "differs",
        f"The replay places another applicant first (need {replay.need_score}, waiting since "
        f"{replay.waiting_since}); it places the tenant {placed}.",
    )


def replay(
    cases: Sequence[ElderCase],
    world: ElderWorld,
    changes: Sequence[Change] = (),
    *,
    period_start: datetime.date,
    progress: Callable[[int], None] | None = None,
) -> list[ElderResult]:
    """Replay the elder ``cases`` (in the order offered) under the rules in force and under the
    scenario's refuse-outsiders decisions (``changes``; the others are no rule of these lists)."""
    state = _State()
    for refusal in refusals(changes, period_start):
        for row in world.specific:
            if refusal.refuses(row, world.lists[row.list_id]):
                state.refused_entries.add(row.id)
    results = []
    ordered = sorted(cases, key=lambda c: (c.day, c.offer_id, c.vacancy_id))
    for position, case in enumerate(ordered, start=1):
        actual = _actual(world, case)
        ranking = rank(candidates(world, case), case.dwelling)
        replayed = _winner(world, ranking.placed[0].candidate if ranking.placed else None)
        tenant_rank = next((r.rank for r in ranking.placed if r.candidate.person_id == case.person_id), None)
        notes = "" if ranking.placed else "Nobody on the lists fits the dwelling."
        fidelity, reason = _fidelity(case, replayed, tenant_rank, notes)
        scenario = _scenario(world, case, state, actual, fidelity, tenant_rank)
        changed = scenario.person_id != actual.person_id
        results.append(
            ElderResult(case, position, actual, replayed, tenant_rank, fidelity, reason, scenario, changed)
        )
        # Carry forward: the scenario's tenant leaves the lists (from their acceptance on); an actual
        # tenant it did not house stays on them, as they stood at the actual letting.
        if scenario.person_id is not None:
            state.housed[scenario.person_id] = case
            state.kept.pop(scenario.person_id, None)
        if changed:
            state.undone.add(case.vacancy_id)
            if case.person_id not in state.housed:
                state.kept.setdefault(case.person_id, case)
        if progress is not None:
            progress(position)
    return results


def _scenario(
    world: ElderWorld,
    case: ElderCase,
    state: _State,
    actual: ElderWinner,
    fidelity: str,
    tenant_rank: int | None,
) -> ElderWinner:
    """The scenario's tenant. While the tenant is still a candidate in the scenario, a decision the
    replay cannot repeat (the kommune's, or one it does not reproduce) stands and a reproduced one
    stands when the tenant still ranks first; once the scenario has removed the tenant (refused at
    the intake, housed before), its first ranked takes the dwelling."""
    ranking = rank(candidates(world, case, state=state), case.dwelling)
    first = _winner(world, ranking.placed[0].candidate if ranking.placed else None)
    tenant = next((r for r in ranking.placed if r.candidate.person_id == case.person_id), None)
    if tenant is not None:
        return actual if fidelity != "reproduced" or tenant.rank == 1 else first
    housed = state.housed.get(case.person_id)
    removed = (
        (housed is not None and housed.before(case))
        or tenant_rank is not None
        or (case.source == SPECIFIC and case.entry_id in state.refused_entries)
    )
    # Not found by the replay either (and not removed by the scenario): the past decision stands.
    return first if removed else actual
