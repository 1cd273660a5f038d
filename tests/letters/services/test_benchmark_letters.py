"""``manage.py benchmark_letters`` reports the median of its per-pair ratios (dispatch rate / bare
rendering rate, one pair per round, A B A B …) with their spread (issue 16). The command itself
forks processes and renders PDFs, so it is run by ``make benchmark``, not here; the summary it
prints is."""

from __future__ import annotations

import pytest

from letters.management.commands.benchmark_letters import ratio_spread


def test_the_spread_of_the_pair_ratios_is_their_median_with_p10_p90_and_min_max():
    ratios = [0.91, 0.85, 0.95, 0.60, 0.90, 0.93, 0.88, 0.92, 0.89, 1.10]
    assert ratio_spread(ratios) == {
        "median": pytest.approx(0.905),
        "p10": 0.85,  # nearest rank: one outlier on either side does not move p10 / p90 to it
        "p90": 0.95,
        "min": 0.60,
        "max": 1.10,
    }


def test_one_pair_is_its_own_median_and_spread():
    assert ratio_spread([0.8]) == {"median": 0.8, "p10": 0.8, "p90": 0.8, "min": 0.8, "max": 0.8}
