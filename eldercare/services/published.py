"""The published user information (§ 25, R25.1–R25.4), computed live from the database.

For the kommune's public page and its open data (CSV, JSON), without login: the facilities with the
facts of § 25, stk. 2–3 (kept in the admin) and, for each specific list, the figures of stk. 4:

1. the number of persons on the list (active entries today);
2. the average waiting time: the average number of days from joining to being housed, over the
   applicants housed in the last 12 months (and, beside it, the average time waited so far by those
   on the list today);
3. the split between citizens of the kommune and of other kommuner (active entries, by residence
   when joining, R21.1);
4. the number of places allocated in the previous calendar quarter (entries housed in it);
5. the consequences of refusing an offer (text of the list);
6. the fee, if one is charged (R21.2);
7. whether a refuse-outsiders decision (§ 22) is in force today for the list's dwelling kind.

Plus the average waiting time per month over the last 12 months for the chart. No personal data:
only counts and averages. A fixed number of queries per kommune, however many lists and entries:
one aggregate over the entries grouped by list, one over the housed entries grouped by list and
month, one for the facilities and lists, one for the decisions in force.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DateField, DurationField, ExpressionWrapper, F, Prefetch, Q, Value
from django.db.models.functions import TruncMonth

from housing.deadlines import add_calendar_months
from housing.models import Kommune

from ..models import (
    Facility,
    RefuseOutsidersDecision,
    SpecificEntryStatus,
    SpecificList,
    SpecificListEntry,
)

CHART_MONTHS = 12
CHART_WIDTH, CHART_HEIGHT = 640, 240
CHART_LEFT, CHART_TOP, CHART_PLOT_WIDTH, CHART_PLOT_HEIGHT = 48, 16, 580, 180
WAIT = ExpressionWrapper(F("housed_on") - F("joined_on"), output_field=DurationField())


def previous_quarter(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter before the one ``day`` is in: (first day, first day of the next)."""
    this_start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return add_calendar_months(this_start, -3), this_start


def _days(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds() / 86400
    return Decimal(str(value)).quantize(Decimal("0.1"))


@dataclass
class MonthPoint:
    month: datetime.date  # first day of the month
    average_days: Decimal | None
    housed: int


@dataclass
class ListFigures:
    """The R25.4 figures of one specific list."""

    specific_list: SpecificList
    persons: int = 0
    average_wait_days: Decimal | None = None  # housed in the last 12 months
    housed_last_12_months: int = 0
    average_waited_so_far_days: Decimal | None = None  # those on the list today
    own_citizens: int = 0
    other_kommuner: int = 0
    allocated_previous_quarter: int = 0
    quarter_start: datetime.date | None = None
    quarter_end: datetime.date | None = None  # exclusive
    decision_in_force: RefuseOutsidersDecision | None = None
    chart: list[MonthPoint] = field(default_factory=list)

    @property
    def fee_amount(self) -> Decimal | None:
        return self.specific_list.fee_amount

    @property
    def refusal_consequences(self) -> str:
        return self.specific_list.refusal_consequences

    @property
    def quarter_last_day(self) -> datetime.date | None:
        return self.quarter_end - datetime.timedelta(days=1) if self.quarter_end else None

    @property
    def chart_max_days(self) -> Decimal:
        values = [p.average_days for p in self.chart if p.average_days is not None]
        return max(values) if values else Decimal("0")

    def chart_bars(self) -> list[dict]:
        """Geometry of the server-side SVG bar chart (viewBox 0 0 CHART_WIDTH CHART_HEIGHT)."""
        top = self.chart_max_days or Decimal("1")
        slot = CHART_PLOT_WIDTH / CHART_MONTHS
        bars = []
        for i, point in enumerate(self.chart):
            height = 0 if point.average_days is None else float(point.average_days / top) * CHART_PLOT_HEIGHT
            bars.append(
                {
                    "x": round(CHART_LEFT + i * slot + slot * 0.15, 1),
                    "width": round(slot * 0.7, 1),
                    "y": round(CHART_TOP + CHART_PLOT_HEIGHT - height, 1),
                    "height": round(height, 1),
                    "label_x": round(CHART_LEFT + i * slot + slot / 2, 1),
                    "point": point,
                }
            )
        return bars

    def as_dict(self) -> dict:
        """The open-data record (JSON/CSV): plain values, no personal data."""
        sl = self.specific_list
        decision = self.decision_in_force
        return {
            "list_id": sl.pk,
            "list_name": sl.name,
            "facility": sl.facility.name,
            "dwelling_kind": sl.facility.kind,
            "persons_on_list": self.persons,
            "average_waiting_days_housed_last_12_months": _num(self.average_wait_days),
            "housed_last_12_months": self.housed_last_12_months,
            "average_days_waited_so_far": _num(self.average_waited_so_far_days),
            "own_citizens": self.own_citizens,
            "other_kommuner": self.other_kommuner,
            "allocated_previous_quarter": self.allocated_previous_quarter,
            "previous_quarter_start": self.quarter_start.isoformat() if self.quarter_start else None,
            "previous_quarter_end": self.quarter_last_day.isoformat() if self.quarter_end else None,
            "fee_dkk": _num(sl.fee_amount),
            "refusal_consequences": sl.refusal_consequences,
            "refuse_outsiders_decision_in_force": decision is not None,
            "refuse_outsiders_in_force_until": decision.last_day.isoformat() if decision else None,
            "monthly_average_waiting_days": [
                {"month": p.month.strftime("%Y-%m"), "average_days": _num(p.average_days), "housed": p.housed}
                for p in self.chart
            ],
        }


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class KommunePublication:
    kommune: Kommune
    as_of: datetime.date
    facilities: list[Facility]
    lists: list[ListFigures]
    decisions: list[RefuseOutsidersDecision]


def list_figures(*, kommune: Kommune, as_of: datetime.date) -> list[ListFigures]:
    """The R25.4 figures of every open or non-empty specific list of the kommune on ``as_of``."""
    lists = list(
        SpecificList.objects.filter(kommune=kommune, facility__published=True)
        .select_related("facility")
        .order_by("name", "pk")
    )
    if not lists:
        return []
    window_start = add_calendar_months(as_of, -CHART_MONTHS)
    chart_start = add_calendar_months(as_of.replace(day=1), -(CHART_MONTHS - 1))
    q_start, q_end = previous_quarter(as_of)
    active = Q(status=SpecificEntryStatus.ACTIVE, joined_on__lte=as_of)
    housed_12 = Q(housed_on__gt=window_start, housed_on__lte=as_of)
    rows = (
        SpecificListEntry.objects.filter(specific_list__in=lists)
        .filter(active | Q(housed_on__gte=min(window_start, q_start), housed_on__lte=as_of))
        .values("specific_list_id")
        .annotate(
            persons=Count("pk", filter=active),
            own=Count("pk", filter=active & Q(lives_inside=True)),
            other=Count("pk", filter=active & Q(lives_inside=False)),
            avg_wait=Avg(WAIT, filter=housed_12),
            housed_12=Count("pk", filter=housed_12),
            quarter=Count("pk", filter=Q(housed_on__gte=q_start, housed_on__lt=q_end)),
            # the days waited so far by those on the list today
            so_far=Avg(
                ExpressionWrapper(
                    Value(as_of, output_field=DateField()) - F("joined_on"), output_field=DurationField()
                ),
                filter=active,
            ),
        )
        .order_by()
    )
    by_list = {row["specific_list_id"]: row for row in rows}
    months = (
        SpecificListEntry.objects.filter(
            specific_list__in=lists, housed_on__gte=chart_start, housed_on__lte=as_of
        )
        .annotate(month=TruncMonth("housed_on"))
        .values("specific_list_id", "month")
        .annotate(avg_wait=Avg(WAIT), housed=Count("pk"))
        .order_by()
    )
    by_month: dict[tuple[int, datetime.date], dict] = {}
    for row in months:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        by_month[(row["specific_list_id"], month)] = row
    decisions = {
        d.dwelling_kind: d
        for d in RefuseOutsidersDecision.objects.filter(
            kommune=kommune, effective_from__lte=as_of, lapses_on__gt=as_of
        ).order_by("effective_from")
    }
    result = []
    for sl in lists:
        row = by_list.get(sl.pk, {})
        persons = row.get("persons", 0)
        chart = []
        for i in range(CHART_MONTHS):
            month = add_calendar_months(chart_start, i)
            point = by_month.get((sl.pk, month), {})
            chart.append(MonthPoint(month, _days(point.get("avg_wait")), point.get("housed", 0)))
        result.append(
            ListFigures(
                specific_list=sl,
                persons=persons,
                average_wait_days=_days(row.get("avg_wait")),
                housed_last_12_months=row.get("housed_12", 0),
                average_waited_so_far_days=_days(row.get("so_far")),
                own_citizens=row.get("own", 0),
                other_kommuner=row.get("other", 0),
                allocated_previous_quarter=row.get("quarter", 0),
                quarter_start=q_start,
                quarter_end=q_end,
                decision_in_force=decisions.get(sl.facility.kind),
                chart=chart,
            )
        )
    return result


def kommune_publication(*, kommune: Kommune, as_of: datetime.date) -> KommunePublication:
    """Everything the kommune's public page shows (R25.1–R25.4, R22.8)."""
    facilities = list(
        Facility.objects.filter(kommune=kommune, published=True)
        .prefetch_related(Prefetch("lists", queryset=SpecificList.objects.order_by("name")))
        .order_by("kind", "name")
    )
    decisions = list(
        RefuseOutsidersDecision.objects.filter(kommune=kommune)
        .select_related("extends")
        .order_by("-decided_on", "-pk")
    )
    return KommunePublication(
        kommune=kommune,
        as_of=as_of,
        facilities=facilities,
        lists=list_figures(kommune=kommune, as_of=as_of),
        decisions=decisions,
    )
