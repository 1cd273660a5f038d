"""A scenario's rule changes as overrides on what the live system derives from the decisions in force:
pure code on plain data (``Change``), read from ``ScenarioChange`` rows by ``simulation.loading``.

* ``children_agreement`` (R4, § 4: "efter aftale mellem kommunalbestyrelsen og boligorganisationen
  … fortrinsret for familier med børn til boliger med 3 eller flere rum"): overrides
  ``LettingRules.children_agreement`` for the covered vacancies — ``True`` (add) or ``False``
  (remove). ``rank`` then applies § 4 as it does live (R5.4, R6.3 and § 7, 3. pkt. included).
* ``kommune_share`` (R1.4, kommunal anvisning of a share of the vacant family dwellings): add —
  ``ShareCounter`` counts the covered family vacancies as ``allocation.services.vacancies`` counts
  them live (``share:<agreement>``: every ``every_nth`` goes to the kommune), starting at the first
  covered vacancy of the period on or after the change's start; remove — the vacancies the kommune
  nominated to under a covered agreement go to the lists instead (they are ranked as of the day the
  vacancy was opened; had the organisation also an advertising or flexible agreement, the live
  channel rule might have chosen that instead — the replay lets them from the lists).
* § 7 (R7, every second vacant family dwelling let from the lists is the internal list's turn):
  while no vacancy has changed channel the recorded turns stand; from the first change on,
  ``TurnKeeper`` alternates the turns over the scenario's family vacancies let from the lists, as
  ``family_turn`` would have counted them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from allocation.rules.ranking import DwellingFacts, LettingRules


class VacancyCase(Protocol):
    """What the changes read of a vacancy (``replay.VacancyCase``)."""

    organisation_id: int
    kommune_id: int
    department_id: int
    day: datetime.date
    channel: str
    family: bool
    agreement: tuple[str, int, int, int | None] | None
    rules: LettingRules
    dwelling: DwellingFacts


CHILDREN_AGREEMENT = "children_agreement"
KOMMUNE_SHARE = "kommune_share"
KINDS = (CHILDREN_AGREEMENT, KOMMUNE_SHARE)
ADD, REMOVE = "add", "remove"
LIST, KOMMUNAL_ANVISNING = "list", "kommunal_anvisning"
# The channels a kommunal-anvisning share is decided before (§ 1; ``rules.channels.choose_channel``).
SHARE_COUNTED_CHANNELS = frozenset({LIST, KOMMUNAL_ANVISNING, "advertising", "flexible"})


@dataclass(frozen=True)
class Change:
    kind: str
    action: str
    organisation_id: int
    kommune_id: int
    department_id: int | None = None
    every_nth: int | None = None
    valid_from: datetime.date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.action not in (ADD, REMOVE):
            raise ValueError(f"unsupported change: {self.kind} / {self.action}")
        if self.kind == KOMMUNE_SHARE and self.action == ADD and not (self.every_nth and self.every_nth >= 1):
            raise ValueError("a kommunal-anvisning share names every n-th vacancy")

    def covers(self, case: VacancyCase) -> bool:
        """The vacancy is the organisation's, in the kommune (and the department), from the start."""
        return (
            case.organisation_id == self.organisation_id
            and case.kommune_id == self.kommune_id
            and (self.department_id is None or self.department_id == case.department_id)
            and (self.valid_from is None or case.day >= self.valid_from)
        )

    def as_dict(self) -> dict:
        data = {
            "kind": self.kind,
            "action": self.action,
            "organisation": self.organisation_id,
            "kommune": self.kommune_id,
            "department": self.department_id,
            "every_nth": self.every_nth,
        }
        data["valid_from"] = self.valid_from.isoformat() if self.valid_from else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Change:
        valid_from = data.get("valid_from")
        return cls(
            kind=data["kind"],
            action=data["action"],
            organisation_id=data["organisation"],
            kommune_id=data["kommune"],
            department_id=data.get("department"),
            every_nth=data.get("every_nth"),
            valid_from=datetime.date.fromisoformat(valid_from) if valid_from else None,
        )


def scenario_rules(case: VacancyCase, changes: Sequence[Change], internal_turn: bool) -> LettingRules:
    """The rules in force for the vacancy with the scenario's R4 changes (the last covering one wins)
    and the scenario's § 7 turn."""
    rules = case.rules
    agreement = rules.children_agreement
    for change in changes:
        if change.kind == CHILDREN_AGREEMENT and change.covers(case):
            agreement = change.action == ADD
    if agreement == rules.children_agreement and internal_turn == rules.internal_turn:
        return rules
    return replace(rules, children_agreement=agreement, internal_turn=internal_turn)


class ShareCounter:
    """The scenario's letting channel of each vacancy (R1.4), counted in replay order."""

    def __init__(self, changes: Sequence[Change]):
        self.adds = [c for c in changes if c.kind == KOMMUNE_SHARE and c.action == ADD]
        self.removes = [c for c in changes if c.kind == KOMMUNE_SHARE and c.action == REMOVE]
        self.counted = [0] * len(self.adds)

    def channel(self, case: VacancyCase) -> str:
        if case.channel == KOMMUNAL_ANVISNING and case.agreement is not None:
            _kind, organisation, kommune, department = case.agreement
            for change in self.removes:
                if (
                    change.covers(case)
                    and (organisation, kommune) == (change.organisation_id, change.kommune_id)
                    and (change.department_id is None or change.department_id == department)
                ):
                    return LIST
        if not case.family or case.channel not in SHARE_COUNTED_CHANNELS:
            return case.channel
        # The department's agreement wins over one for all departments (``agreement_in_force``).
        covering = [i for i, c in enumerate(self.adds) if c.covers(case)]
        if not covering:
            return case.channel
        specific = [i for i in covering if self.adds[i].department_id is not None]
        index = (specific or covering)[-1]
        self.counted[index] += 1
        if self.counted[index] % self.adds[index].every_nth == 0:
            return KOMMUNAL_ANVISNING
        return LIST if case.channel == KOMMUNAL_ANVISNING else case.channel


class TurnKeeper:
    """§ 7 (R7): the internal list's turn of each family vacancy the scenario lets from the lists.
    The recorded turn until a vacancy changes channel (per organisation), alternating after it."""

    def __init__(self) -> None:
        self.diverged: set[int] = set()
        self.last: dict[int, bool] = {}

    def turn(self, case: VacancyCase, channel: str) -> bool:
        organisation = case.organisation_id
        if channel != case.channel and case.family:
            self.diverged.add(organisation)
        if channel != LIST or case.dwelling.kind != "family":
            return case.rules.internal_turn
        if organisation in self.diverged:
            turn = not self.last.get(organisation, True)
        else:
            turn = case.rules.internal_turn
        self.last[organisation] = turn
        return turn
