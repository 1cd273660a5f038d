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
* the organisation's § 6 and § 8 decisions and the kommune's § 5, stk. 1 and § 40 decisions: each an
  override of its ``LettingRules`` field (``_override``) — ``housing_guarantees`` (R6.1,
  ``issues_housing_guarantees``), ``transfer_youth_elder`` (R8.1), ``separation_priority`` (R8.2),
  ``transfer_residence`` (R8.3: the months, perhaps only for applicants from one department),
  ``elder_disabled_priority`` (R5.1), ``kommune_off_guarantees`` / ``kommune_off_separation`` (R40:
  "R6" / "R8.2" in ``switched_off_by_kommune``). A kommune's decision may name no organisation: it
  then covers every organisation's vacancies in the kommune. ``rank`` applies them as it does live,
  to the candidates' facts as they stood (guarantees, separation priorities, leases and needs from
  their history). Adding § 6 honours only the boliggarantibeviser the past recorded: the replay
  cannot know who would have been given one.
* ``internal_from_general`` (R9.3–R9.4, § 9, stk. 3–4): the order of the organisation's internal
  list, not a ranking rule — ``replay.View`` reads each internal entry with its seniority from the
  person's general-list date when that is earlier (``waitinglists.services.seniority
  .apply_internal_from_general_scheme`` does the same to the live entries), and those registered on
  the internal list before the decision took effect first (§ 9, stk. 4).
* ``youth_guideline`` (R12.2, § 12, stk. 2): one of the organisation's written guidelines — one
  decided for a later date, say — in place of the one in force, for its youth dwellings; the
  guideline's groups are read when the run starts.
* ``refuse_outsiders`` (R22.1, § 22): the elder lists' replay (``simulation.elder``), not a ranking
  rule of the family dwellings.
* § 7 (R7, every second vacant family dwelling let from the lists is the internal list's turn):
  while no vacancy has changed channel the recorded turns stand; from the first change on,
  ``TurnKeeper`` alternates the turns over the scenario's family vacancies let from the lists, as
  ``family_turn`` would have counted them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from allocation.rules.ranking import DwellingFacts, LettingRules, YouthGuideline


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
HOUSING_GUARANTEES = "housing_guarantees"
TRANSFER_YOUTH_ELDER = "transfer_youth_elder"
SEPARATION_PRIORITY = "separation_priority"
TRANSFER_RESIDENCE = "transfer_residence"
ELDER_DISABLED_PRIORITY = "elder_disabled_priority"
KOMMUNE_OFF_GUARANTEES = "kommune_off_guarantees"
KOMMUNE_OFF_SEPARATION = "kommune_off_separation"
REFUSE_OUTSIDERS = "refuse_outsiders"
INTERNAL_FROM_GENERAL = "internal_from_general"
YOUTH_GUIDELINE = "youth_guideline"
KINDS = (
    CHILDREN_AGREEMENT,
    KOMMUNE_SHARE,
    HOUSING_GUARANTEES,
    TRANSFER_YOUTH_ELDER,
    SEPARATION_PRIORITY,
    TRANSFER_RESIDENCE,
    ELDER_DISABLED_PRIORITY,
    KOMMUNE_OFF_GUARANTEES,
    KOMMUNE_OFF_SEPARATION,
    REFUSE_OUTSIDERS,
    INTERNAL_FROM_GENERAL,
    YOUTH_GUIDELINE,
)
# The kinds that cover the vacancy's department (§ 4, the share); a § 8, nr. 3 change's department is
# the one the applicants move from, so it covers every vacancy of the organisation in the kommune.
VACANCY_DEPARTMENT_KINDS = frozenset({CHILDREN_AGREEMENT, KOMMUNE_SHARE})
ADD, REMOVE = "add", "remove"
LIST, KOMMUNAL_ANVISNING = "list", "kommunal_anvisning"
# The channels a kommunal-anvisning share is decided before (§ 1; ``rules.channels.choose_channel``).
SHARE_COUNTED_CHANNELS = frozenset({LIST, KOMMUNAL_ANVISNING, "advertising", "flexible"})


@dataclass(frozen=True)
class Change:
    kind: str
    action: str
    organisation_id: int | None  # None: a kommune's decision for every organisation in it
    kommune_id: int
    department_id: int | None = None
    every_nth: int | None = None
    valid_from: datetime.date | None = None
    months: int | None = None  # § 8, nr. 3
    facility_kind: str = ""  # § 22
    youth_guideline_id: int | None = None  # § 12, stk. 2
    # The guideline's facts, read when the run starts (``loading.resolve``); not stored with the run.
    guideline: YouthGuideline | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.action not in (ADD, REMOVE):
            raise ValueError(f"unsupported change: {self.kind} / {self.action}")
        if self.kind == KOMMUNE_SHARE and self.action == ADD and not (self.every_nth and self.every_nth >= 1):
            raise ValueError("a kommunal-anvisning share names every n-th vacancy")
        if self.kind == TRANSFER_RESIDENCE and self.action == ADD and not (self.months and self.months >= 1):
            raise ValueError("a § 8, nr. 3 residence period names its months")

    def covers(self, case: VacancyCase) -> bool:
        """The vacancy is the organisation's (any, for a kommune's decision), in the kommune (and the
        department, for § 4 and the share), from the start."""
        return (
            (self.organisation_id is None or case.organisation_id == self.organisation_id)
            and case.kommune_id == self.kommune_id
            and (
                self.department_id is None
                or self.kind not in VACANCY_DEPARTMENT_KINDS
                or self.department_id == case.department_id
            )
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
            "months": self.months,
            "facility_kind": self.facility_kind,
            "youth_guideline": self.youth_guideline_id,
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
            months=data.get("months"),
            facility_kind=data.get("facility_kind") or "",
            youth_guideline_id=data.get("youth_guideline"),
            valid_from=datetime.date.fromisoformat(valid_from) if valid_from else None,
        )


def _override(rules: LettingRules, change: Change, dwelling_kind: str) -> LettingRules:
    """One decision added (as if in force) or removed (as if not) on the rules the live system read."""
    add = change.action == ADD
    if change.kind == CHILDREN_AGREEMENT:
        return replace(rules, children_agreement=add)
    if change.kind == HOUSING_GUARANTEES:
        return replace(rules, issues_housing_guarantees=add)
    if change.kind == TRANSFER_YOUTH_ELDER:
        return replace(rules, no_transfer_priority_for_youth_elder_tenants=add)
    if change.kind == SEPARATION_PRIORITY:
        return replace(rules, separation_priority=add)
    if change.kind == TRANSFER_RESIDENCE:
        if not add:
            return replace(rules, transfer_residence_months=None, transfer_residence_departments=None)
        departments = frozenset({change.department_id}) if change.department_id else None
        return replace(
            rules, transfer_residence_months=change.months, transfer_residence_departments=departments
        )
    if change.kind == ELDER_DISABLED_PRIORITY:
        return replace(rules, elder_disabled_priority_decided=add)
    if change.kind == YOUTH_GUIDELINE:
        # The live rules carry a guideline for youth dwellings only (``letting_rules_for``).
        return replace(rules, youth_guideline=change.guideline) if add and dwelling_kind == "youth" else rules
    if change.kind in (KOMMUNE_OFF_GUARANTEES, KOMMUNE_OFF_SEPARATION):
        rule = "R6" if change.kind == KOMMUNE_OFF_GUARANTEES else "R8.2"
        off = rules.switched_off_by_kommune | {rule} if add else rules.switched_off_by_kommune - {rule}
        return replace(rules, switched_off_by_kommune=frozenset(off))
    return rules  # the share (``ShareCounter``) and § 22 (the elder lists) are no ranking rule


def internal_from_general(
    case: VacancyCase, changes: Sequence[Change], period_start: datetime.date
) -> datetime.date | None:
    """The day an R9.3 decision of the scenario takes effect for the vacancy's organisation (None: no
    such decision covers it). Without a start of its own it is in force over the whole period: it
    took effect when the period began."""
    start = None
    for change in changes:
        if change.kind == INTERNAL_FROM_GENERAL and change.action == ADD and change.covers(case):
            start = change.valid_from or period_start
    return start


def scenario_rules(case: VacancyCase, changes: Sequence[Change], internal_turn: bool) -> LettingRules:
    """The rules in force for the vacancy with the scenario's decisions that cover it applied in
    order (a later change of the same kind wins) and the scenario's § 7 turn."""
    rules = case.rules
    for change in changes:
        if change.covers(case):
            rules = _override(rules, change, case.dwelling.kind)
    if internal_turn != rules.internal_turn:
        rules = replace(rules, internal_turn=internal_turn)
    return rules


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
