"""The figures of a run, side by side — the actual lettings, the replay under the rules in force and
the scenario — computed from the replayed vacancies (pure: ``VacancyResult`` and ``ElderResult`` in,
a JSON-ready dict out, stored as ``ScenarioRun.summary``).

The elder lists (``summary["elder"]``, ``simulation.elder``): per side the elder lettings, those to
applicants who joined the specific list from another kommune (R21.1; the general list is the
kommune's own citizens') and their share — the outsider share a refuse-outsiders decision (§ 22)
is meant to lower; the elder vacancies whose tenant changes; and the identity (of the lettings made
by the ranking — not by the kommune's concrete assessment of a lower-ranked applicant — how many
the replay reproduces)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from .elder import ElderResult, ElderWinner
from .replay import VacancyResult, Winner


def percentile(values: Sequence[int], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5: the median, 0.9: p90); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def _side(pairs: list[tuple[str, Winner]]) -> dict:
    from_lists = [w for _channel, w in pairs if w.list_kind]
    waited = [w.waited_days for w in from_lists if w.waited_days is not None]
    return {
        "per_channel": dict(sorted(Counter(channel for channel, _w in pairs).items())),
        "per_rule": dict(sorted(Counter(w.rule for _c, w in pairs if w.rule).items())),
        "housed_from_lists": len(from_lists),
        "children_housed": sum(1 for w in from_lists if w.has_children),
        "internal_movers": sum(1 for w in from_lists if w.list_kind == "internal"),
        "internal_share": round(sum(1 for w in from_lists if w.list_kind == "internal") / len(from_lists), 4)
        if from_lists
        else None,
        "waited_days_median": percentile(waited, 0.5),
        "waited_days_p90": percentile(waited, 0.9),
    }


def _elder_side(winners: list[ElderWinner]) -> dict:
    let = [w for w in winners if w.person_id is not None]
    outsiders = sum(1 for w in let if w.outsider)
    return {
        "let": len(let),
        "to_outsiders": outsiders,
        "outsider_share": round(outsiders / len(let), 4) if let else None,
    }


def elder_summary(results: Sequence[ElderResult]) -> dict:
    """The elder lists' figures side by side: the outsider share of the elder lettings."""
    by_ranking = [r for r in results if r.fidelity != "kommune_decision"]
    return {
        "vacancies": len(results),
        "actual": _elder_side([r.actual for r in results]),
        "replay": _elder_side([r.replay for r in results]),
        "scenario": _elder_side([r.scenario for r in results]),
        "changed_hands": sum(1 for r in results if r.changed),
        "fidelity": dict(sorted(Counter(r.fidelity for r in results).items())),
        "identity": {
            "let_by_ranking": len(by_ranking),
            "reproduced": sum(1 for r in by_ranking if r.fidelity == "reproduced"),
        },
    }


def summary(results: Sequence[VacancyResult], elder_results: Sequence[ElderResult] = ()) -> dict:
    ranked = [r for r in results if r.replay.entry_id is not None or r.fidelity == "no_candidate"]
    return {
        "vacancies": len(results),
        "actual": _side([(r.case.channel, r.actual) for r in results]),
        "replay": _side([(r.case.channel, r.replay) for r in ranked]),
        "scenario": _side([(r.scenario_channel, r.scenario) for r in results]),
        "changed_hands": sum(1 for r in results if r.changed),
        "fidelity": dict(sorted(Counter(r.fidelity for r in results).items())),
        "identity": {
            "let_from_lists_in_rounds": sum(
                1 for r in results if r.fidelity in ("reproduced", "differs", "no_candidate")
            ),
            "reproduced": sum(1 for r in results if r.fidelity == "reproduced"),
        },
        "elder": elder_summary(elder_results),
    }
