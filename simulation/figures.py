"""The figures of a run, side by side — the actual lettings, the replay under the rules in force and
the scenario — computed from the replayed vacancies (pure: ``VacancyResult`` in, a JSON-ready dict
out, stored as ``ScenarioRun.summary``).

The outsider share on the elder lists (§ 54 of almenboligloven, the refuse-outsiders decision) is not
a figure of this replay: the elder-housing lists are the kommune's (``eldercare``) and their lettings
are not replayed yet — the summary says so rather than showing a number."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

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


def summary(results: Sequence[VacancyResult]) -> dict:
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
        "elder_outsider_share": None,
        "elder_outsider_note": "The elder-housing lists are not replayed yet.",
    }
