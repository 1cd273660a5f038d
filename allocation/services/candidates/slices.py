"""Slices: the sets of candidates whose heads hold the top ``limit`` (``placed_slices``), the
passed over (``excluded_slices``, ``ahead_slices``), and counting them (``count_excluded``).
Each slice is SQL text built from the plan's ``Shape`` (``conditions``); the values are named
parameters filled from ``Plan.values``."""

# SQL text of our own: names, numbers and constants of ours; every value is a named parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection

from waitinglists.models import EntryStatus, ListKind

from .binding import adapted
from .conditions import (
    ANY,
    Sql,
    _children,
    _fits,
    _gives_up,
    _guarantee_holders,
    _holds,
    _in_youth_group,
    _mobility_need_holders,
    _need_holders,
    _rehoused,
    _separation_holders,
    _tenants,
    _wants_department,
    in_array,
)
from .facts import ENTRY_COLUMNS
from .plan import COUNT_CAP, QueueKey, Shape

# --- Slices -----------------------------------------------------------------------------------------


# What a slice gives per entry: its place in the list order (``queue_key``), and the columns its
# facts are read from (``facts.ENTRY_COLUMNS``).
KEY_FIELDS = ("id", "seniority_date", "listed_before_seniority_scheme")
FIELDS = (*KEY_FIELDS, *ENTRY_COLUMNS)


@dataclass(frozen=True)
class Slice:
    sql: str  # SELECT id, seniority_date, listed_before_seniority_scheme …
    capped: int | None  # the LIMIT, or None when read whole
    list_kind: str = ""  # for the passed-over: whose bound applies


@dataclass(frozen=True)
class Part:
    """A part of one list: the rows the queue index walks (list, status; on the internal list the
    R9.4 part), the skipped left out, and further conditions (``where``)."""

    shape: Shape
    index: int  # of the list in the plan's lists: its id is bound as ``list_N``
    status: str
    precedes: bool | None = None
    where: tuple[str, ...] = ()

    def also(self, condition: Sql) -> Part:
        return Part(self.shape, self.index, self.status, self.precedes, (*self.where, condition.text))

    def sql(self) -> str:
        tests = [f"e.waiting_list_id = %(list_{self.index})s", f"e.status = '{self.status}'"]
        if self.precedes is not None:
            tests.append(f"e.listed_before_seniority_scheme = {'true' if self.precedes else 'false'}")
        if self.shape.skip:
            tests.append(f"NOT ({in_array(self.shape, 'e.id', 'skip')})")
        tests += [f"({test})" for test in self.where]
        return (
            f"SELECT {', '.join(f'e.{field}' for field in FIELDS)} FROM waitinglists_entry e "
            f"WHERE {' AND '.join(tests)}"
        )


def _on_list(shape: Shape, index: int, status: str, precedes: bool | None = None) -> Part:
    return Part(shape, index, status, precedes)


def _opaque(shape: Shape, condition: Sql, *, eligible: bool = True) -> Sql:
    """``NOT (CASE WHEN wanted AND condition THEN 1 ELSE 0 END = 0)``: the candidate test, but
    one the planner cannot see into, so it guesses that nearly every row passes (it would guess
    a handful for the subqueries) and keeps walking the queue index in order with LIMIT, instead
    of reading the whole list and sorting it.

    Eligible (``condition`` holds beside ``_fits``): the row's own wishes first — PostgreSQL
    evaluates AND inside CASE from the left, so a row that fails them costs no subquery. Passed
    over: the row's own columns first (passive, wishes that do not fit), the department's wish
    probed only for what they let by."""
    if eligible:
        wanted = _fits(shape) & _wants_department(shape)
        if condition is not ANY:
            wanted &= condition
    else:
        wanted = condition & _wants_department(shape) if condition is not ANY else _wants_department(shape)
    return Sql(f"NOT (CASE WHEN {wanted.text} THEN 1 ELSE 0 END = 0)")


def _head(part: Part, condition: Sql, n: int, list_kind: str, *, eligible: bool = True) -> Slice:
    """The first ``n`` candidates in list order meeting ``condition`` (``eligible``: and ``_fits``):
    walks the queue index and stops."""
    sql = part.also(_opaque(part.shape, condition, eligible=eligible)).sql()
    return Slice(f"{sql} ORDER BY e.seniority_date, e.id LIMIT {int(n)}", n, list_kind)


def _whole(part: Part, condition: Sql, list_kind: str) -> Slice:
    """A sparse tier (``condition``, with ``_fits``) read whole (no ORDER BY, so the plan starts
    from the small table)."""
    return Slice(part.also(_opaque(part.shape, condition)).sql(), None, list_kind)


def _general_slices(shape: Shape, index: int, limit: int) -> list[Slice]:
    active = _on_list(shape, index, EntryStatus.ACTIVE)
    general = ListKind.GENERAL
    slices = [_head(active, ANY, limit, general)]  # R2.1: everyone by seniority
    # R5.4 sets R4 aside only for a letting to an R5 holder; behind them R4 orders the rest.
    if shape.children_agreement_possible:
        slices.append(_head(active, _children(shape), limit, general))
    sparse = [_need_holders(shape, internal=False)]
    if shape.housing_guarantee_possible:
        sparse.append(_guarantee_holders(shape))
    if shape.separation_priority_possible:
        sparse.append(_separation_holders(shape))
    slices += [_whole(active.also(holders), ANY, general) for holders in sparse if holders]
    return slices


def _internal_slices(shape: Shape, index: int, limit: int) -> list[Slice]:
    """Key prefixes (tier, r4) below R10.x: (R10.1, ·) gives up a dwelling in the department,
    (R9, 0) any holder the § 4 agreement does not put back, (R9, 1) any holder. The agreement puts
    back a household without children when the dwelling is larger and has 3+ rooms (§ 7, 3. pkt.),
    and an R8.2 holder without children (R6.3).

    Tenants of the department are few — one current lease per dwelling — so R10.1 is read whole
    with R10.2–R10.4, R8.2 and the tenants rehoused outside (R9.2: no lease in the organisation, so
    not among the tenants the (R9, ·) slices walk; an index holds the few of them); the (R9, ·)
    slices walk the list, split by ``listed_before_seniority_scheme``."""
    internal = ListKind.INTERNAL
    active = _on_list(shape, index, EntryStatus.ACTIVE)
    same = active.also(_tenants(shape, same_department=True))
    slices = [_whole(same, _gives_up(shape, same=True), internal)]
    needs = _need_holders(shape, internal=True)
    if needs is not None:  # R10.2–R10.4
        slices.append(_whole(active.also(needs), _holds(shape), internal))
    if shape.separation_priority_possible:  # R8.2 holders join the § 7 holders
        slices.append(_whole(active.also(_separation_holders(shape)), ANY, internal))
    slices.append(_whole(active.also(Sql("e.rehoused_outside")), _rehoused(shape), internal))
    for precedes in (True, False):
        tenants = _on_list(shape, index, EntryStatus.ACTIVE, precedes).also(_tenants(shape))
        if shape.children_agreement_possible:
            # Not put back by the agreement: a dwelling not smaller given up, or children.
            slices.append(_head(tenants, _gives_up(shape, not_larger_or_children=True), limit, internal))
        slices.append(_head(tenants, _gives_up(shape), limit, internal))
    return slices


def _youth_slices(shape: Shape, limit: int) -> list[Slice]:
    """The key on a youth list is ``(group, seniority_date, id)`` (§ 12, stk. 2, R12.2: the
    guideline's priority groups in order, the last "in no group"; without a guideline, one group).
    Everyone eligible, by seniority, is the slice of the last prefix; "meets group k's conditions"
    is the slice of prefix k — its members belong to group k or an earlier one, and every member
    of group k meets them. A group without conditions takes everyone left, whom the first slice
    already walks."""
    slices = []
    for index in shape.lists_of(ListKind.YOUTH):
        active = _on_list(shape, index, EntryStatus.ACTIVE)
        slices.append(_head(active, ANY, limit, ListKind.YOUTH))
        for number in range(len(shape.youth_groups)):
            condition = _in_youth_group(shape, number)
            if condition is not ANY:
                slices.append(_head(active, condition, limit, ListKind.YOUTH))
    return slices


def _mobility_slices(shape: Shape, index: int, kind: str) -> list[Slice]:
    """The other list's holders of the need a dwelling fitted for mobility serves (§ 5, stk. 2–3;
    § 10, stk. 3–4), read whole: on the internal turn the general list's (R5.3/R5.2), on the
    general turn the internal list's § 7 holders (R10.4/R10.3). They go before everyone without
    the need, whichever list's turn it is."""
    active = _on_list(shape, index, EntryStatus.ACTIVE).also(_mobility_need_holders(shape))
    return [_whole(active, ANY if kind == ListKind.GENERAL else _holds(shape), kind)]


def placed_slices(shape: Shape, limit: int, *, kinds: Iterable[str] | None = None) -> list[Slice]:
    """The slices whose union holds the top ``limit`` of the ranking (see the module docstring).

    ``kinds``: only the slices of these lists. On the internal turn the general list takes over
    when nobody holds an internal priority (R7); the internal list's slices hold only eligible
    priority holders, so ``vacancy_ranking`` reads them first and the general list only when
    they are empty. Default: every list the ranking may need."""
    kinds = set(kinds) if kinds is not None else {ListKind.GENERAL, ListKind.INTERNAL, ListKind.YOUTH}
    if shape.youth:
        return _youth_slices(shape, limit) if ListKind.YOUTH in kinds else []
    slices = []
    internal_turn = shape.internal_turn
    if ListKind.GENERAL in kinds:
        for index in shape.lists_of(ListKind.GENERAL):
            slices += _general_slices(shape, index, limit)
        if shape.mobility_fitted and not internal_turn:
            for index in shape.lists_of(ListKind.INTERNAL):
                slices += _mobility_slices(shape, index, ListKind.INTERNAL)
    if internal_turn and ListKind.INTERNAL in kinds:
        for index in shape.lists_of(ListKind.INTERNAL):
            slices += _internal_slices(shape, index, limit)
        if shape.mobility_fitted:
            for index in shape.lists_of(ListKind.GENERAL):
                slices += _mobility_slices(shape, index, ListKind.GENERAL)
    return slices


def _ahead_of(part: Part, bound: QueueKey | None, kind: str) -> Part | None:
    """The part's entries before ``bound`` in list order (None: no bound), the bound's date and id
    bound as ``bound_<kind>_date`` and ``bound_<kind>_id`` (``bound_values``); None when none
    can be."""
    if bound is None:
        return part
    if part.precedes is not None:
        not_precedes = bound[0]
        if (not part.precedes) < not_precedes:
            return part  # R9.4: all of this part comes first
        if (not part.precedes) > not_precedes:
            return None
    day, pk = f"%(bound_{kind}_date)s", f"%(bound_{kind}_id)s"
    return part.also(Sql(f"e.seniority_date < {day} OR (e.seniority_date = {day} AND e.id < {pk})"))


def bound_values(bounds: Mapping[str, QueueKey | None]) -> dict[str, object]:
    """The values ``_ahead_of`` binds for ``bounds``."""
    values = {}
    for kind, bound in bounds.items():
        if bound is not None:
            values[f"bound_{kind}_date"], values[f"bound_{kind}_id"] = bound[-2], bound[-1]
    return values


def excluded_slices(
    shape: Shape, bounds: Mapping[str, QueueKey | None], cap: int, *, by_kind: bool = True
) -> list[Slice]:
    """For each list kind in ``bounds``: the first ``cap`` passed over ahead of the bound (None:
    from the top) — passive; active but excluded (wishes, youth group); and on the internal list,
    eligible but without § 7 or R8.2 priority (R7, R8.1, R8.3). Every one of them is excluded by
    ``rank``, so adding them to the candidates read changes nothing in the placing. (The bounds'
    values: ``bound_values``.)

    ``by_kind``: a slice for each kind of exclusion (each counted up to ``COUNT_CAP`` by
    ``count_excluded``); else one walk for the active ones of every kind — the first ``cap`` of
    them in list order, all that can be shown — as the statement reads them."""
    slices = []
    for index, kind in enumerate(shape.lists):
        if kind not in bounds:
            continue
        parts = (True, False) if kind == ListKind.INTERNAL else (None,)
        for precedes in parts:
            passive = _ahead_of(_on_list(shape, index, EntryStatus.PASSIVE, precedes), bounds[kind], kind)
            if passive is None:
                continue
            active = _ahead_of(_on_list(shape, index, EntryStatus.ACTIVE, precedes), bounds[kind], kind)
            slices.append(_head(passive, ANY, cap, kind, eligible=False))
            if kind != ListKind.INTERNAL:
                slices.append(_head(active, ~_fits(shape), cap, kind, eligible=False))
                continue
            priority = _holds(shape)
            if shape.separation_priority_possible:
                priority |= _separation_holders(shape)
            if by_kind:
                slices.append(_head(active, ~_fits(shape), cap, kind, eligible=False))
                slices.append(_head(active, ~priority, cap, kind))
            else:
                # The wishes first (the row's own columns); the § 7 tests only for rows that fit.
                slices.append(_head(active, ~_fits(shape) | ~priority, cap, kind, eligible=False))
    return slices


def ahead_slices(shape: Shape, bounds: Mapping[str, QueueKey | None]) -> list[Slice]:
    """For each list kind in ``bounds``: every candidate ahead of the bound — not deleted, not
    skipped, wanting the department — whatever ``rank`` makes of them. When fewer than ``limit``
    were placed, every eligible candidate was placed, so the passed over ahead of the last placed
    are these less the placed ahead of it: counted with the one cheap test of the wish, not the
    eligibility and priority tests per kind of exclusion (``excluded_slices``)."""
    slices = []
    for index, kind in enumerate(shape.lists):
        if kind not in bounds:
            continue
        for precedes in (True, False) if kind == ListKind.INTERNAL else (None,):
            for status in (EntryStatus.ACTIVE, EntryStatus.PASSIVE):
                entries = _ahead_of(_on_list(shape, index, status, precedes), bounds[kind], kind)
                if entries is not None:
                    slices.append(_head(entries, ANY, COUNT_CAP, kind, eligible=False))
    return slices


# --- The statement and the count --------------------------------------------------------------------


def union_sql(slices: list[Slice]) -> str:
    """All the slices in one statement, each a subquery in FROM (so each keeps its own ORDER
    BY/LIMIT — on SQLite as on PostgreSQL). Each row is (entry id, seniority date,
    listed_before_seniority_scheme, slice number, list kind, the entry's ``ENTRY_COLUMNS``)."""
    columns = ", ".join(ENTRY_COLUMNS)
    return " UNION ALL ".join(
        f"SELECT {', '.join(KEY_FIELDS)}, {index} AS slice, '{piece.list_kind}' AS kind, {columns} "
        f"FROM ({piece.sql}) AS s{index}"
        for index, piece in enumerate(slices)
    )


def count_excluded(slices: list[Slice], values: Mapping[str, object], vendor: str) -> tuple[int, bool]:
    """How many are passed over in all (each kind counted up to ``COUNT_CAP``), and whether a
    count stopped at the cap. ``values``: the plan's, with the bounds'."""
    if not slices:
        return 0, False
    parts = []
    for index, piece in enumerate(slices):
        uncapped = piece.sql.rsplit(" ORDER BY ", 1)[0] if piece.capped is not None else piece.sql
        parts.append(f"SELECT (SELECT COUNT(*) FROM ({uncapped} LIMIT {COUNT_CAP + 1}) AS c{index})")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), adapted(values, vendor))
        counts = [row[0] for row in cursor.fetchall()]
    return sum(min(n, COUNT_CAP) for n in counts), any(n > COUNT_CAP for n in counts)
