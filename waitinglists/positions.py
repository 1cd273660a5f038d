"""Reads for positions on a list and the expected waiting time (R3.4, R9.4).

Order on a list: on the internal list those who stood on it when an R9.3 decision took effect go
first (R9.4, ``listed_before_seniority_scheme``); then the earliest seniority date; then the entry id (who was
registered first). Only active entries count — a passive entry (*i bero*) gets no offers.
Every function costs a fixed number of queries, however many departments are wanted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from housing import permissions
from housing.models import Dwelling, DwellingKind
from letters import services as letters
from letters.models import Letter

from . import queue, rules
from .models import Entry, EntryStatus, LettingRecord

DepartmentWish = Entry.departments.through


def _ahead(entry: Entry, prefix: str = "") -> Q:
    """Entries ahead of ``entry`` in the list order, as a WHERE the queue index can serve:
    ``(seniority_date < x) OR (seniority_date = x AND id < y)`` — with R9.4 precedence in front."""
    sd, pk, precedes = f"{prefix}seniority_date", f"{prefix}id", f"{prefix}listed_before_seniority_scheme"
    earlier = Q(**{f"{sd}__lt": entry.seniority_date}) | Q(
        **{sd: entry.seniority_date, f"{pk}__lt": entry.pk}
    )
    if entry.listed_before_seniority_scheme:
        return Q(**{precedes: True}) & earlier
    # Those who precede under R9.4 are ahead whatever their date (only ever set on internal lists).
    return Q(**{precedes: True}) | earlier


def list_position(entry: Entry) -> int | None:
    """1-based place among the active entries of the list; None when the entry is not active.
    One query: the place the database keeps (``waitinglists.queue``), or else a count."""
    if entry.status != EntryStatus.ACTIVE:
        return None
    if queue.kept():
        return queue.place_of(entry)
    ahead = (
        Entry.objects.filter(waiting_list_id=entry.waiting_list_id, status=EntryStatus.ACTIVE)
        .filter(_ahead(entry))
        .count()
    )
    return ahead + 1


@dataclass(frozen=True)
class WishPosition:
    department_id: int
    department: str  # "number name", as Department.__str__
    rooms: int
    position: int  # 1 = first in line among the active entries wanting this


def _wanted_kinds(entry: Entry) -> list[str]:
    return list(entry.dwelling_kinds) or [DwellingKind.FAMILY]


def _wanted_pairs(entry: Entry) -> list[tuple[int, str, int]]:
    """(department id, label, rooms) for the wanted departments × the room counts in the wanted
    range that exist among their dwellings of the wanted kinds. One query."""
    rows = (
        Dwelling.objects.filter(
            department_id__in=DepartmentWish.objects.filter(entry_id=entry.pk).values("department_id"),
            kind__in=_wanted_kinds(entry),
            rooms__gte=entry.rooms_min,
            rooms__lte=entry.rooms_max,
        )
        .values_list("department_id", "department__number", "department__name", "rooms")
        .distinct()
        .order_by("department__number", "department__name", "department_id", "rooms")
    )
    return [(dept_id, f"{number} {name}", rooms) for dept_id, number, name, rooms in rows]


def _ahead_counts(entry: Entry, department_ids: list[int], rooms: list[int]) -> dict[tuple[int, int], int]:
    """How many active entries of the same list are ahead of ``entry`` per (department, rooms),
    among those wanting the department with a room range covering the count. One query with one
    conditional count per room count."""
    if queue.kept():
        return _ahead_counts_kept(entry, department_ids, rooms)
    return _ahead_counts_joined(entry, department_ids, rooms)


def _ahead_counts_joined(
    entry: Entry, department_ids: list[int], rooms: list[int]
) -> dict[tuple[int, int], int]:
    """``_ahead_counts`` by joining each wish of the departments to its entry (any database; it
    reads every wish of the departments on the list)."""
    annotations = {
        f"r{r}": Count("id", filter=Q(entry__rooms_min__lte=r, entry__rooms_max__gte=r)) for r in rooms
    }
    rows: QuerySet = (
        DepartmentWish.objects.filter(
            department_id__in=department_ids,
            entry__waiting_list_id=entry.waiting_list_id,
            entry__status=EntryStatus.ACTIVE,
        )
        .filter(_ahead(entry, prefix="entry__"))
        .values("department_id")
        .order_by("department_id")
        .annotate(**annotations)
    )
    return {(row["department_id"], r): row[f"r{r}"] for row in rows for r in rooms}


def _ahead_counts_kept(
    entry: Entry, department_ids: list[int], rooms: list[int]
) -> dict[tuple[int, int], int]:
    """``_ahead_counts`` from the copy of each entry's place and rooms the database keeps on its
    wishes (migration ``waitinglists 0018``): per department one range of ``wish_queue_idx`` —
    those ahead in the R9.4 order (after-scheme false first, then seniority date, then entry id) —
    read from the index alone, however long the list."""
    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE w.queue_rooms_min <= %(r{i})s AND w.queue_rooms_max >= %(r{i})s)"
        for i in range(len(rooms))
    )
    values = {f"r{i}": r for i, r in enumerate(rooms)}
    # Only our own column names and numbered placeholders go into the text.
    sql = (
        f"SELECT w.department_id, {counts} FROM waitinglists_entry_departments w "  # noqa: S608
        "WHERE w.department_id = ANY(%(departments)s) AND w.queue_list_id = %(list)s "
        "AND w.queue_status = %(active)s "
        "AND (w.queue_after_scheme, w.queue_seniority, w.entry_id) < (%(after)s, %(seniority)s, %(entry)s) "
        "GROUP BY w.department_id"
    )
    values |= {
        "departments": list(department_ids),
        "list": entry.waiting_list_id,
        "active": EntryStatus.ACTIVE,
        "after": not entry.listed_before_seniority_scheme,
        "seniority": entry.seniority_date,
        "entry": entry.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    return {(row[0], r): row[1 + i] for row in rows for i, r in enumerate(rooms)}


def wish_positions(entry: Entry) -> list[WishPosition]:
    """The place per wanted department and room count (see ``_wanted_pairs``) among the active
    entries of the list who want the same department and size. Empty when the entry is not
    active. At most two queries."""
    if entry.status != EntryStatus.ACTIVE:
        return []
    pairs = _wanted_pairs(entry)
    if not pairs:
        return []
    counts = _ahead_counts(entry, sorted({p[0] for p in pairs}), sorted({p[2] for p in pairs}))
    return [
        WishPosition(
            department_id=dept_id, department=label, rooms=rooms, position=counts.get((dept_id, rooms), 0) + 1
        )
        for dept_id, label, rooms in pairs
    ]


@dataclass(frozen=True)
class EstimateRow:
    department_id: int
    department: str
    rooms: int
    position: int
    lettings: int
    estimate: rules.WaitingEstimate
    text: str


def _years(value: float) -> str:
    return number_format(value, decimal_pos=1, use_l10n=True)


def estimate_text(*, department: str, rooms: int, estimate: rules.WaitingEstimate) -> str:
    """The sentence for one (department, rooms): the basis and the range — or that there is none."""
    position = _("%(department)s, %(rooms)s rooms: you are number %(position)s in line.") % {
        "department": department,
        "rooms": rooms,
        "position": estimate.position,
    }
    if estimate.years_low is None or estimate.years_high is None:
        basis = _(
            "No %(rooms)s-room dwellings in %(department)s were let from the list in the last %(months)s "
            "months, so there is no basis for an estimate."
        ) % {"rooms": rooms, "department": department, "months": estimate.window_months}
        return f"{position} {basis}"
    basis = ngettext(
        "Based on %(count)s letting of %(rooms)s-room dwellings in %(department)s in the last %(months)s "
        "months, you can expect an offer in between %(low)s and %(high)s years.",
        "Based on %(count)s lettings of %(rooms)s-room dwellings in %(department)s in the last %(months)s "
        "months, you can expect an offer in between %(low)s and %(high)s years.",
        estimate.lettings,
    ) % {
        "count": estimate.lettings,
        "rooms": rooms,
        "department": department,
        "months": estimate.window_months,
        "low": _years(estimate.years_low),
        "high": _years(estimate.years_high),
    }
    return f"{position} {basis}"


def waiting_estimates(entry: Entry, today: datetime.date | None = None) -> list[EstimateRow]:
    """R3.4: per wanted (department, rooms) the place in line, the lettings from this list in the
    last 24 months and the estimate from them. At most three queries."""
    positions = wish_positions(entry)
    if not positions:
        return []
    today = today or timezone.localdate()
    window_start = today - relativedelta(months=rules.ESTIMATE_WINDOW_MONTHS)
    lettings = {
        (row["department_id"], row["rooms"]): row["n"]
        for row in LettingRecord.objects.filter(
            waiting_list_id=entry.waiting_list_id,
            department_id__in={p.department_id for p in positions},
            rooms__in={p.rooms for p in positions},
            let_on__gt=window_start,
            let_on__lte=today,
        )
        .values("department_id", "rooms")
        .order_by("department_id", "rooms")
        .annotate(n=Count("id"))
    }
    rows = []
    for p in positions:
        count = lettings.get((p.department_id, p.rooms), 0)
        estimate = rules.estimate_waiting(position=p.position, lettings=count)
        rows.append(
            EstimateRow(
                department_id=p.department_id,
                department=p.department,
                rooms=p.rooms,
                position=p.position,
                lettings=count,
                estimate=estimate,
                text=estimate_text(department=p.department, rooms=p.rooms, estimate=estimate),
            )
        )
    return rows


def waiting_time_text(entry: Entry, today: datetime.date | None = None) -> str:
    """The whole answer to "when can I expect a dwelling?" (R3.4), in the active language."""
    position = list_position(entry)
    if position is None:
        return _(
            "Your place on %(list)s is not active (i bero), so you are not offered dwellings and no waiting "
            "time can be estimated."
        ) % {"list": entry.waiting_list.name}
    parts = [
        _("You are number %(position)s on %(list)s.")
        % {"position": position, "list": entry.waiting_list.name}
    ]
    rows = waiting_estimates(entry, today)
    if rows:
        parts += [row.text for row in rows]
    else:
        parts.append(
            _(
                "None of the departments you want has dwellings of the size you want, so no waiting time can "
                "be estimated."
            )
        )
    parts.append(
        _(
            "The estimate follows the pace of past lettings and is no promise; it changes as others join "
            "or leave."
        )
    )
    return " ".join(parts)


def waiting_time_letter(*, actor, entry: Entry) -> Letter:
    """R3.4: send the applicant their expected waiting time as a ``waiting_time`` letter (in
    Danish, whatever the caseworker's screen language). Once per entry and day."""
    permissions.require_write_tenant(actor, entry.controller_id)
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        text = waiting_time_text(entry, today)
        reason = _("Expected waiting time on request (R3.4)")
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=entry.waiting_list.controller,
        recipient=entry.person,
        kind="waiting_time",
        context={"waiting_time_text": text},
        idempotency_key=f"waiting-time:{entry.pk}:{today.isoformat()}",
    )
