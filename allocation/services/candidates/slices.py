"""Slices: the sets of candidates whose heads hold the top ``limit`` (``placed_slices``), the
passed over (``excluded_slices``, ``ahead_slices``), and reading them in one statement (``fetch``)
or counting them (``count_excluded``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from housing.models import DwellingKind
from waitinglists.models import Entry, EntryStatus, ListKind

from ...rules.ranking import guideline_applies
from .conditions import (
    ANY,
    Sql,
    _children_sql,
    _fits_sql,
    _gives_up_sql,
    _guarantee_holders,
    _holds_sql,
    _mobility_need_holders,
    _need_holders,
    _rehoused_sql,
    _separation_holders,
    _separation_sql,
    _sql,
    _tenants,
    _wants_department,
    _wishes_fit,
    _youth_group_sql,
)
from .plan import COUNT_CAP, Plan, QueueKey

# --- Slices -----------------------------------------------------------------------------------------


# What a slice gives per entry: enough for its place in the list order (``queue_key``).
KEY_FIELDS = ("id", "seniority_date", "listed_before_seniority_scheme")


@dataclass(frozen=True)
class Slice:
    queryset: QuerySet  # of entry ids
    capped: int | None  # the LIMIT, or None when read whole
    list_kind: str = ""  # for the passed-over: whose bound applies


def _on_list(plan: Plan, list_id: int, status: str, precedes: bool | None = None) -> QuerySet[Entry]:
    """A part of one list: the conditions the queue index answers, and the skipped left out."""
    entries = Entry.objects.filter(waiting_list_id=list_id, status=status)
    if precedes is not None:
        entries = entries.filter(listed_before_seniority_scheme=precedes)
    if plan.skip:
        entries = entries.exclude(pk__in=plan.skip)
    return entries


def _opaque(plan: Plan, condition: Sql, *, eligible: bool = True) -> RawSQL:
    """``NOT (CASE WHEN wanted AND condition THEN 1 ELSE 0 END = 0)``: the candidate test, but
    one the planner cannot see into, so it guesses that nearly every row passes (it would guess
    a handful for the subqueries) and keeps walking the queue index in order with LIMIT, instead
    of reading the whole list and sorting it."""
    wanted = _sql(plan, "wants", _wants_department) & condition
    if eligible:
        # The row's own wishes first: PostgreSQL evaluates AND inside CASE from the left, so a
        # row that fails them costs no subquery.
        wanted = _sql(plan, "wishes", _wishes_fit) & wanted
    # Only SQL that Django compiled, with its parameters kept apart, goes into the text.
    return RawSQL(  # noqa: S611
        f"NOT (CASE WHEN {wanted.text} THEN 1 ELSE 0 END = 0)", wanted.params, output_field=BooleanField()
    )


def _head(
    entries: QuerySet[Entry], condition: Sql, plan: Plan, n: int, list_kind: str, *, eligible: bool = True
) -> Slice:
    """The first ``n`` candidates in list order meeting ``condition`` (``eligible``: a condition
    that includes ``_fits``): walks the queue index and stops."""
    entries = entries.filter(_opaque(plan, condition, eligible=eligible))
    return Slice(entries.order_by("seniority_date", "pk").values(*KEY_FIELDS)[:n], n, list_kind)


def _whole(entries: QuerySet[Entry], condition: Sql, plan: Plan, list_kind: str) -> Slice:
    """A sparse tier read whole (no ORDER BY, so the plan starts from the small table)."""
    return Slice(entries.filter(_opaque(plan, condition)).order_by().values(*KEY_FIELDS), None, list_kind)


def _general_slices(plan: Plan, list_id: int, limit: int) -> list[Slice]:
    active, fits = _on_list(plan, list_id, EntryStatus.ACTIVE), _fits_sql(plan)
    general = ListKind.GENERAL
    slices = [_head(active, fits, plan, limit, general)]  # R2.1: everyone by seniority
    # R5.4 sets R4 aside only for a letting to an R5 holder; behind them R4 orders the rest.
    if plan.children_agreement_possible:
        slices.append(_head(active, fits & _children_sql(plan), plan, limit, general))
    sparse = [_need_holders(plan, internal=False)]
    if plan.housing_guarantee_possible:
        sparse.append(_guarantee_holders(plan))
    if plan.separation_priority_possible:
        sparse.append(_separation_holders(plan))
    slices += [
        _whole(active.filter(person_id__in=holders), fits, plan, general) for holders in sparse if holders
    ]
    return slices


def _internal_slices(plan: Plan, list_id: int, limit: int) -> list[Slice]:
    """Key prefixes (tier, r4) below R10.x: (R10.1, ·) gives up a dwelling in the department,
    (R9, 0) any holder the § 4 agreement does not put back, (R9, 1) any holder. The agreement puts
    back a household without children when the dwelling is larger and has 3+ rooms (§ 7, 3. pkt.),
    and an R8.2 holder without children (R6.3).

    Tenants of the department are few — one current lease per dwelling — so R10.1 is read whole
    with R10.2–R10.4, R8.2 and the tenants rehoused outside (R9.2: no lease in the organisation, so
    not among the tenants the (R9, ·) slices walk); the (R9, ·) slices walk the list, split by
    ``listed_before_seniority_scheme``."""
    internal = ListKind.INTERNAL
    fits = _fits_sql(plan)
    active = _on_list(plan, list_id, EntryStatus.ACTIVE)
    same = active.filter(person_id__in=_tenants(plan, department_id=plan.dwelling.department_id))
    slices = [_whole(same, fits & _gives_up_sql(plan, same=True), plan, internal)]
    needs = _need_holders(plan, internal=True)
    if needs is not None:  # R10.2–R10.4
        slices.append(_whole(active.filter(person_id__in=needs), fits & _holds_sql(plan), plan, internal))
    if plan.separation_priority_possible:  # R8.2 holders join the § 7 holders
        slices.append(_whole(active.filter(person_id__in=_separation_holders(plan)), fits, plan, internal))
    slices.append(_whole(active.filter(rehoused_outside=True), fits & _rehoused_sql(plan), plan, internal))
    for precedes in (True, False):
        tenants = _on_list(plan, list_id, EntryStatus.ACTIVE, precedes).filter(person_id__in=_tenants(plan))
        if plan.children_agreement_possible:
            not_against_children_agreement = _gives_up_sql(plan, not_larger=True) | (
                _gives_up_sql(plan) & _children_sql(plan)
            )
            slices.append(_head(tenants, fits & not_against_children_agreement, plan, limit, internal))
        slices.append(_head(tenants, fits & _gives_up_sql(plan), plan, limit, internal))
    return slices


def _youth_slices(plan: Plan, limit: int) -> list[Slice]:
    """The key on a youth list is ``(group, seniority_date, id)`` (§ 12, stk. 2, R12.2: the
    guideline's priority groups in order, the last "in no group"; without a guideline, one group).
    Everyone eligible, by seniority, is the slice of the last prefix; "meets group k's conditions"
    is the slice of prefix k — its members belong to group k or an earlier one, and every member
    of group k meets them. A group without conditions takes everyone left, whom the first slice
    already walks."""
    guideline = plan.rules.youth_guideline if guideline_applies(plan.dwelling) else None
    fits = _fits_sql(plan)
    slices = []
    for list_id in plan.lists_of(ListKind.YOUTH):
        active = _on_list(plan, list_id, EntryStatus.ACTIVE)
        slices.append(_head(active, fits, plan, limit, ListKind.YOUTH))
        for number, group in enumerate(guideline.groups if guideline else ()):
            condition = _youth_group_sql(plan, number, group)
            if condition is not ANY:
                slices.append(_head(active, fits & condition, plan, limit, ListKind.YOUTH))
    return slices


def _mobility_slices(plan: Plan, list_id: int, kind: str) -> list[Slice]:
    """The other list's holders of the need a dwelling fitted for mobility serves (§ 5, stk. 2–3;
    § 10, stk. 3–4), read whole: on the internal turn the general list's (R5.3/R5.2), on the
    general turn the internal list's § 7 holders (R10.4/R10.3). They go before everyone without
    the need, whichever list's turn it is."""
    active = _on_list(plan, list_id, EntryStatus.ACTIVE).filter(person_id__in=_mobility_need_holders(plan))
    condition = _fits_sql(plan) if kind == ListKind.GENERAL else _fits_sql(plan) & _holds_sql(plan)
    return [_whole(active, condition, plan, kind)]


def placed_slices(plan: Plan, limit: int, *, kinds: Iterable[str] | None = None) -> list[Slice]:
    """The slices whose union holds the top ``limit`` of the ranking (see the module docstring).

    ``kinds``: only the slices of these lists. On the internal turn the general list takes over
    when nobody holds an internal priority (R7); the internal list's slices hold only eligible
    priority holders, so ``vacancy_ranking`` reads them first and the general list only when
    they are empty. Default: every list the ranking may need."""
    kinds = set(kinds) if kinds is not None else {ListKind.GENERAL, ListKind.INTERNAL, ListKind.YOUTH}
    if plan.dwelling.kind == DwellingKind.YOUTH:
        return _youth_slices(plan, limit) if ListKind.YOUTH in kinds else []
    slices = []
    internal_turn = plan.rules.internal_turn
    if ListKind.GENERAL in kinds:
        for list_id in plan.lists_of(ListKind.GENERAL):
            slices += _general_slices(plan, list_id, limit)
        if plan.mobility_fitted and not internal_turn:
            for list_id in plan.lists_of(ListKind.INTERNAL):
                slices += _mobility_slices(plan, list_id, ListKind.INTERNAL)
    if internal_turn and ListKind.INTERNAL in kinds:
        for list_id in plan.lists_of(ListKind.INTERNAL):
            slices += _internal_slices(plan, list_id, limit)
        if plan.mobility_fitted:
            for list_id in plan.lists_of(ListKind.GENERAL):
                slices += _mobility_slices(plan, list_id, ListKind.GENERAL)
    return slices


def _ahead_of(
    entries: QuerySet[Entry], bound: QueueKey | None, precedes: bool | None
) -> QuerySet[Entry] | None:
    """Entries before ``bound`` in list order (None: no bound); None when none can be."""
    if bound is None:
        return entries
    if precedes is not None:
        not_precedes, day, pk = bound
        if (not precedes) < not_precedes:
            return entries  # R9.4: all of this part comes first
        if (not precedes) > not_precedes:
            return None
    else:
        day, pk = bound
    return entries.filter(Q(seniority_date__lt=day) | Q(seniority_date=day, pk__lt=pk))


def excluded_slices(plan: Plan, bounds: dict[str, QueueKey | None], cap: int) -> list[Slice]:
    """For each list kind in ``bounds``: the first ``cap`` passed over ahead of the bound (None:
    from the top), per kind of exclusion — passive; active but excluded (wishes, youth group);
    and on the internal list, eligible but without § 7 or R8.2 priority (R7,
    R8.1, R8.3). Every one of them is excluded by ``rank``, so adding them to the candidates
    read changes nothing in the placing."""
    slices = []
    for list_id, kind in plan.lists:
        if kind not in bounds:
            continue
        parts = (True, False) if kind == ListKind.INTERNAL else (None,)
        for precedes in parts:
            passive = _ahead_of(
                _on_list(plan, list_id, EntryStatus.PASSIVE, precedes), bounds[kind], precedes
            )
            if passive is None:
                continue
            active = _ahead_of(_on_list(plan, list_id, EntryStatus.ACTIVE, precedes), bounds[kind], precedes)
            slices.append(_head(passive, ANY, plan, cap, kind, eligible=False))
            slices.append(_head(active, ~_fits_sql(plan), plan, cap, kind, eligible=False))
            if kind == ListKind.INTERNAL:
                priority = _holds_sql(plan)
                if plan.separation_priority_possible:
                    priority |= _separation_sql(plan)
                slices.append(_head(active, _fits_sql(plan) & ~priority, plan, cap, kind))
    return slices


def ahead_slices(plan: Plan, bounds: dict[str, QueueKey | None]) -> list[Slice]:
    """For each list kind in ``bounds``: every candidate ahead of the bound — not deleted, not
    skipped, wanting the department — whatever ``rank`` makes of them. When fewer than ``limit``
    were placed, every eligible candidate was placed, so the passed over ahead of the last placed
    are these less the placed ahead of it: counted with the one cheap test of the wish, not the
    eligibility and priority tests per kind of exclusion (``excluded_slices``)."""
    slices = []
    for list_id, kind in plan.lists:
        if kind not in bounds:
            continue
        for precedes in (True, False) if kind == ListKind.INTERNAL else (None,):
            for status in (EntryStatus.ACTIVE, EntryStatus.PASSIVE):
                entries = _ahead_of(_on_list(plan, list_id, status, precedes), bounds[kind], precedes)
                if entries is not None:
                    slices.append(_head(entries, ANY, plan, COUNT_CAP, kind, eligible=False))
    return slices


# --- Reading ----------------------------------------------------------------------------------------


def union_sql(slices: list[Slice]) -> tuple[str, list]:
    """One statement for all the slices: each compiled by Django (with its parameters) as a
    subquery in FROM, so each keeps its own ORDER BY/LIMIT — on SQLite as on PostgreSQL. Each
    row is (entry id, seniority date, listed_before_seniority_scheme, slice number)."""
    parts, params = [], []
    for index, piece in enumerate(slices):
        sql, piece_params = piece.queryset.query.get_compiler(using=piece.queryset.db).as_sql()
        parts.append(f"SELECT {', '.join(KEY_FIELDS)}, {index} AS slice FROM ({sql}) AS s{index}")  # noqa: S608
        params.extend(piece_params)
    return " UNION ALL ".join(parts), params


@dataclass(frozen=True)
class Found:
    """An entry a slice gave, with its place in its list's order."""

    entry_id: int
    slice: int
    key: QueueKey


def fetch(slices: list[Slice], *, statement: tuple[str, tuple] | None = None) -> list[Found]:
    """Run the slices (one query; ``statement``: their ``union_sql``, compiled before). Keys are
    computed as ``queue_key`` computes them."""
    if not slices:
        return []
    sql, params = statement or union_sql(slices)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for entry_id, seniority_date, precedes, index in rows:
        if slices[index].list_kind == ListKind.INTERNAL:
            key = (not precedes, seniority_date, entry_id)
        else:
            key = (seniority_date, entry_id)
        found.append(Found(entry_id, index, key))
    return found


def count_excluded(slices: list[Slice]) -> tuple[int, bool]:
    """How many are passed over in all (each kind counted up to ``COUNT_CAP``), and whether a
    count stopped at the cap."""
    if not slices:
        return 0, False
    parts, params = [], []
    for index, piece in enumerate(slices):
        uncapped = piece.queryset.query.chain()
        uncapped.clear_ordering(force=True)
        uncapped.clear_limits()
        uncapped.set_limits(high=COUNT_CAP + 1)
        sql, piece_params = uncapped.get_compiler(using=piece.queryset.db).as_sql()
        parts.append(f"SELECT (SELECT COUNT(*) FROM ({sql}) AS c{index})")  # noqa: S608 — Django's SQL
        params.extend(piece_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = [row[0] for row in cursor.fetchall()]
    return sum(min(n, COUNT_CAP) for n in counts), any(n > COUNT_CAP for n in counts)
