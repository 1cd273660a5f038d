"""Bar charts of a run's figures, drawn on the server as inline SVG (no JavaScript library): the
geometry here, the markup in ``templates/simulation/partials/bar_chart.html``.

Each chart is a group of three horizontal bars per figure — actual, the replay under the rules in
force, the scenario — each bar named in text beside it (the colour is never the only cue) and its
number written at its end; the same numbers stand in the table next to the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .selectors import SIDES, FigureRow

WIDTH = 640
LABEL_WIDTH = 200  # the series names, right-aligned left of the bars
BAR_SPACE = 380  # the longest bar
BAR_HEIGHT = 16
BAR_GAP = 3
HEADING_HEIGHT = 20
GROUP_GAP = 12
# Dark enough for 3:1 against white (WCAG 1.4.11); the bars are also named in text.
FILLS = {"actual": "#1f4e79", "replay": "#595959", "scenario": "#a34400"}
# Short enough for the label column (the table's headings say it in full).
SERIES = {"actual": _("Actual"), "replay": _("Replay"), "scenario": _("Scenario")}


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    fill: str
    series: str
    value: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Group:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    element_id: str
    title: str
    description: str
    width: int
    height: int
    bar_x: int
    label_x: int
    groups: tuple[Group, ...]


def bar_chart(element_id: str, title: str, rows: Sequence[FigureRow], *, short_labels=None) -> Chart | None:
    """The chart of ``rows`` (their ``numbers``; a missing number draws no bar); None when there is
    nothing to draw."""
    if not rows:
        return None
    largest = max((n for row in rows for n in row.numbers if n is not None), default=0) or 1
    groups, y = [], 0.0
    for row in rows:
        label_y = y + HEADING_HEIGHT - 6
        y += HEADING_HEIGHT
        bars = []
        for side, number, shown in zip(SIDES, row.numbers, row.values, strict=True):
            width = 0.0 if number is None else round(BAR_SPACE * float(number) / largest, 1)
            bars.append(
                Bar(
                    y=y,
                    width=width,
                    fill=FILLS[side],
                    series=str(SERIES[side]),
                    value=shown,
                    text_x=LABEL_WIDTH + 8 + width + 4,
                    text_y=y + BAR_HEIGHT - 4,
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        label = (short_labels or {}).get(row.key, row.label)
        groups.append(Group(label=label, label_y=label_y, bars=tuple(bars)))
        y += GROUP_GAP
    description = "; ".join(
        f"{group.label}: " + ", ".join(f"{bar.series} {bar.value}" for bar in group.bars) for group in groups
    )
    return Chart(
        element_id=element_id,
        title=title,
        description=description,
        width=WIDTH,
        height=int(y),
        bar_x=LABEL_WIDTH + 8,
        label_x=LABEL_WIDTH,
        groups=tuple(groups),
    )
