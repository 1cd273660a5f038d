"""Ranking the candidates for a vacant elder or nursing dwelling (§ 14, § 19, stk. 3, § 20, stk. 2).

§ 20, stk. 2: a vacant dwelling goes to the person with the **greatest need** for it, the need
weighing social, physical, mental and economic conditions — subject to the § 16 guarantee, which is
why each general-list candidate carries its deadline. Equal need: the longer wait first (the
decision date for the general list, the joining date for a specific list), then a stable key.

The fit of the dwelling is checked before anybody is ranked:

* the need must be for this kind of dwelling (plejebolig / plejehjem for a nursing need; an elder
  dwelling for an elder-dwelling or botilbud need);
* R19.3: a spouse, registered partner or cohabitant moving along needs a dwelling suitable for 2;
* R14.2: a dwelling fitted for far-reaching physical or mental disabilities goes to that group —
  unless the kommune has recorded that the group cannot be found (R14.3), and then only to the
  R14.1 group (everybody with a needs decision), never to others.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

NURSING_DWELLING_KINDS = frozenset({"plejebolig", "plejehjem"})
ELDER_DWELLING_KINDS = frozenset({"elder", "urban_renewal_elder"})
ELDER_HOUSING_KINDS = NURSING_DWELLING_KINDS | ELDER_DWELLING_KINDS

KIND_FITS: dict[str, frozenset[str]] = {
    "nursing": NURSING_DWELLING_KINDS,
    "elder_dwelling": ELDER_DWELLING_KINDS,
    "botilbud": ELDER_DWELLING_KINDS,
}


@dataclass(frozen=True)
class DwellingFacts:
    kind: str
    suitable_for_two: bool
    fitted_far_reaching: bool
    eligible_not_found: bool = False  # R14.3 recorded on the vacancy


@dataclass(frozen=True)
class Candidate:
    key: str  # "general:<entry id>" or "specific:<entry id>"
    source: str  # "general" | "specific"
    entry_id: int
    person_id: int
    need_decision_id: int
    need_kind: str
    need_score: int
    waiting_since: datetime.date
    needs_two: bool = False
    far_reaching: bool = False
    deadline: datetime.date | None = None  # the guarantee deadline (general list only)
    ready_by: datetime.date | None = None  # R16.2: ready to move into at the latest (general list only)

    def ready_too_late(self, ready_on: datetime.date | None) -> bool:
        """R16.2: a dwelling ready after the elder's ready-by date (2 weeks after the deadline) does
        not fulfil the guarantee. The ready-by day itself is in time."""
        return self.ready_by is not None and ready_on is not None and ready_on > self.ready_by


@dataclass
class Ranked:
    candidate: Candidate
    rank: int | None
    problems: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return not self.problems


@dataclass
class Ranking:
    placed: list[Ranked]
    unfit: list[Ranked]

    def find(self, key: str) -> Ranked | None:
        return next((r for r in [*self.placed, *self.unfit] if r.candidate.key == key), None)


def fit_problems(candidate: Candidate, dwelling: DwellingFacts) -> list[str]:
    """Why the dwelling does not fit the candidate (empty: it fits)."""
    problems = []
    if dwelling.kind not in KIND_FITS.get(candidate.need_kind, frozenset()):
        problems.append(_("The needs decision is not for this kind of dwelling."))
    if candidate.needs_two and not dwelling.suitable_for_two:
        problems.append(
            _("A spouse, partner or cohabitant moves along: the dwelling must be suitable for 2 (R19.3).")
        )
    if dwelling.fitted_far_reaching and not candidate.far_reaching and not dwelling.eligible_not_found:
        problems.append(
            _("The dwelling is fitted for far-reaching disabilities and goes to that group (R14.2).")
        )
    return problems


def sort_key(candidate: Candidate) -> tuple:
    """Greatest need first, then the longest wait, then a stable key (R20.2)."""
    return (-candidate.need_score, candidate.waiting_since, candidate.key)


def rank(candidates: list[Candidate], dwelling: DwellingFacts) -> Ranking:
    """Rank the candidates that fit; list the others with the reasons they do not fit.
    A person on both lists appears once, with their best-placed entry (the general list first on
    a tie, so the guarantee deadline is shown)."""
    best: dict[int, Candidate] = {}
    for candidate in candidates:
        current = best.get(candidate.person_id)
        if current is None or (sort_key(candidate), candidate.source != "general") < (
            sort_key(current),
            current.source != "general",
        ):
            best[candidate.person_id] = candidate
    placed, unfit = [], []
    for candidate in sorted(best.values(), key=sort_key):
        problems = fit_problems(candidate, dwelling)
        if problems:
            unfit.append(Ranked(candidate=candidate, rank=None, problems=problems))
        else:
            placed.append(Ranked(candidate=candidate, rank=len(placed) + 1))
    return Ranking(placed=placed, unfit=unfit)


def need_score(*, social: int, physical: int, mental: int, economic: int) -> int:
    """The assessed need as one number: the four conditions of § 20, stk. 2 weigh equally."""
    return social + physical + mental + economic
