"""*Mine opgaver*: the work waiting for one user, on the start page and as badges in the menu.

``housing`` is the bottom of the dependency chain and must not import the apps above it, so each
app registers its kinds of work here from its ``AppConfig.ready`` (``letting.worklist``,
``approvals.worklist``, ``eldercare.worklist``, ``letters.worklist``), as the person tabs do
(``housing.person_tabs``).

A kind counts its rows through the app's own scoped selectors — the same rows the page it links to
shows — with ONE aggregate query (how many, the earliest due date, how many overdue); on PostgreSQL
the kinds of one user are run together as one statement, their SQL compiled once (see below). The items are
computed once per request (cached on the user object, like ``scoping.scope_for``), so the start page
and the menu badges share them and the number of queries does not grow with the rows.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone

from .scoping import StaffScope, scope_for

_CACHE_ATTR = "_worklist_items"
_SHARED_ATTR = "_worklist_shared"

DUE = "due"  # the date is a deadline: a past date is overdue
SINCE = "since"  # the date is when the work arose (a failed run, a batch waiting): shown as "since"


@dataclass(frozen=True)
class WorkCount:
    """What one kind's aggregate query found: how many rows, the earliest date, how many overdue."""

    count: int = 0
    due: datetime.date | None = None
    overdue: int = 0


@dataclass(frozen=True)
class WorkKind:
    """One kind of work. ``label`` is an ``ngettext_lazy`` with ``%(n)s``; ``applies`` says from the
    user's scope whether the kind is theirs at all (no query); ``count`` returns a ``WorkCount`` for
    the user with one query; ``menu`` names the menu entry whose badge counts this kind."""

    key: str
    label: object
    url_name: str
    applies: Callable[[StaffScope], bool]
    count: Callable[..., WorkCount]
    query: str = ""
    menu: str = ""
    date_kind: str = DUE
    order: int = 50
    link_id: str = ""  # the row link's id (kept stable for pages and tests that look for it)
    # True when the kind's query depends on nothing but the user, their scope and the day — no
    # clock time, no rows read to build it: its SQL is then compiled once per process (_compiled).
    compiled_once: bool = False


@dataclass(frozen=True)
class WorkItem:
    kind: WorkKind
    count: int
    due: datetime.date | None
    overdue_count: int
    today: datetime.date

    @property
    def key(self) -> str:
        return self.kind.key

    @property
    def label(self) -> str:
        return self.kind.label % {"n": self.count}

    @property
    def url(self) -> str:
        url = reverse(self.kind.url_name)
        return f"{url}?{self.kind.query}" if self.kind.query else url

    @property
    def link_id(self) -> str:
        return self.kind.link_id or f"task-{self.kind.key}-link"

    @property
    def overdue(self) -> bool:
        return self.overdue_count > 0

    @property
    def is_since(self) -> bool:
        return self.kind.date_kind == SINCE


_KINDS: dict[str, WorkKind] = {}


def register(kind: WorkKind) -> None:
    _KINDS[kind.key] = kind


def registered_kinds() -> list[WorkKind]:
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.key))


def aggregate(
    queryset: QuerySet, *, date_field: str, today: datetime.date, overdue: Q | None = None
) -> WorkCount:
    """How many rows, the earliest ``date_field`` and how many are overdue (by default: the date
    has passed) — in one query."""
    late = overdue if overdue is not None else Q(**{f"{date_field}__lt": today})
    return _aggregate(queryset, {"all": None}, date_field=date_field, late=late)["all"]


def aggregate_parts(
    queryset: QuerySet, parts: dict[str, Q], *, date_field: str, today: datetime.date
) -> dict[str, WorkCount]:
    """``aggregate`` for several kinds that are parts of the same rows (a vacancy's stage, say):
    per part how many, the earliest ``date_field`` and how many have passed it — all in one query."""
    return _aggregate(queryset, parts, date_field=date_field, late=Q(**{f"{date_field}__lt": today}))


# --- One statement for all of a user's kinds, compiled once (PostgreSQL) ---------------------------
#
# Building a kind's query through the ORM cost twice what running it did, and each kind was a round
# trip of its own: at scale the menu's counts were a quarter of a light page's time. So on
# PostgreSQL ``for_user`` asks each kind for its statement instead of its count (``_capturing``),
# runs all of them as ONE statement (each gives one row: aggregates without GROUP BY, joined side
# by side), and keeps the SQL of the kinds marked ``compiled_once`` for the next request of the
# same user, scope and day. Only the SQL is kept, never a count: every request reads the rows.

_capturing: ContextVar[bool] = ContextVar("worklist_capturing", default=False)
_COMPILED: OrderedDict[tuple, object] = OrderedDict()
_COMPILED_MAX = 4096  # (kind, user, scope, day): a few KB each
_COMPILED_LOCK = threading.Lock()  # the development server and threaded workers share it


@dataclass(frozen=True, eq=False)
class _Statement:
    """One kind's (or several parts') aggregate query: SQL giving exactly one row of ``width``
    columns, (how many, earliest date, how many late) per part. Compared by identity: the parts of
    one ``aggregate_parts`` share it, and it is run once."""

    sql: str
    params: tuple
    width: int


@dataclass(frozen=True)
class _Slot:
    """Where one kind's three columns are in its statement's row."""

    statement: _Statement
    offset: int


def _aggregate(queryset: QuerySet, parts: dict[str, Q | None], *, date_field: str, late: Q) -> dict:
    expressions = {}
    for index, part in enumerate(parts.values()):
        expressions[f"w{index}_n"] = Count("pk", filter=part)
        expressions[f"w{index}_due"] = Min(date_field, filter=part)
        expressions[f"w{index}_late"] = Count("pk", filter=late if part is None else part & late)
    if not _capturing.get():
        row = queryset.order_by().aggregate(**expressions)
        values = [row[name] for name in expressions]
        return {key: _work_count(*values[3 * index : 3 * index + 3]) for index, key in enumerate(parts)}
    if queryset.query.is_empty():
        return {key: WorkCount() for key in parts}
    query = queryset.query
    if (
        query.is_sliced
        or query.distinct
        or query.combinator
        or any(getattr(annotation, "contains_aggregate", False) for annotation in query.annotations.values())
    ):
        # Rows that are themselves grouped or cut: aggregate over them as a subquery, as
        # QuerySet.aggregate does.
        queryset = queryset.model._base_manager.filter(pk__in=queryset.order_by().values("pk"))
    # A constant "group" that GROUP BY leaves out: one row of aggregates, also over no rows.
    rows = (
        queryset.order_by()
        .annotate(_worklist=Value(1))
        .values("_worklist")
        .annotate(**expressions)
        .values(*expressions)
    )
    sql, params = rows.query.sql_with_params()
    statement = _Statement(sql, tuple(params), len(expressions))
    return {key: _Slot(statement, 3 * index) for index, key in enumerate(parts)}


def _work_count(count, due, late) -> WorkCount:
    if isinstance(due, datetime.datetime):
        due = timezone.localtime(due).date()
    return WorkCount(count=count or 0, due=due, overdue=late or 0)


def _compiled(kind: WorkKind, user, scope: StaffScope, today: datetime.date):
    """The kind's statement (a ``_Slot``), or its count when it has nothing to read. Kept when
    the kind says its SQL depends on nothing but the user, their scope and the day, and nothing
    was read from the database while it was built (a read could have put data into the SQL)."""
    key = (kind.key, user.pk, scope, today)
    with _COMPILED_LOCK:
        kept = _COMPILED.get(key)
        if kept is not None:
            _COMPILED.move_to_end(key)
            return kept
    read = []

    def note(execute, sql, params, many, context):
        read.append(sql)
        return execute(sql, params, many, context)

    token = _capturing.set(True)
    try:
        with connection.execute_wrapper(note):
            slot = kind.count(user, today=today)
    finally:
        _capturing.reset(token)
    if kind.compiled_once and not read:
        with _COMPILED_LOCK:
            _COMPILED[key] = slot
            if len(_COMPILED) > _COMPILED_MAX:
                _COMPILED.popitem(last=False)
    return slot


def _counts(user, kinds: list[WorkKind], scope: StaffScope, today: datetime.date) -> dict[str, WorkCount]:
    """Each kind's count: on PostgreSQL all in one statement, elsewhere a query per kind."""
    if connection.vendor != "postgresql":
        return {kind.key: kind.count(user, today=today) for kind in kinds}
    slots = {kind.key: _compiled(kind, user, scope, today) for kind in kinds}
    statements = list(dict.fromkeys(slot.statement for slot in slots.values() if isinstance(slot, _Slot)))
    row: tuple = ()
    if statements:
        # The ORM's own compiled statements, their values bound as parameters.
        sql = "SELECT * FROM " + " CROSS JOIN ".join(  # noqa: S608
            f"({statement.sql}) AS w{index}" for index, statement in enumerate(statements)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [param for statement in statements for param in statement.params])
            row = cursor.fetchone()
    starts, at = {}, 0
    for statement in statements:
        starts[statement] = at
        at += statement.width
    counts = {}
    for key, slot in slots.items():
        if isinstance(slot, _Slot):
            first = starts[slot.statement] + slot.offset
            counts[key] = _work_count(*row[first : first + 3])
        else:
            counts[key] = slot
    return counts


def shared(user, name: str, today: datetime.date, compute: Callable[[], dict[str, WorkCount]]):
    """The counts of several kinds that one query (``aggregate_parts``) answers together: computed
    by the first of them in a request, read by the others (kept with the items, see ``forget``)."""
    kept = getattr(user, _SHARED_ATTR, None)
    if kept is None or kept[0] != today:
        kept = (today, {})
        setattr(user, _SHARED_ATTR, kept)
    key = (name, _capturing.get())  # statements while they are gathered, else counts
    if key not in kept[1]:
        kept[1][key] = compute()
    return kept[1][key]


def _sort_key(item: WorkItem):
    # Overdue work first, then the earliest due date; work without a date last.
    return (not item.overdue, item.due or datetime.date.max, item.kind.order)


def for_user(user, *, today: datetime.date | None = None) -> list[WorkItem]:
    """The kinds of work waiting for ``user`` (count > 0), overdue and earliest due first. Computed
    once per request: one query per kind that applies to the user's roles."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached[0] == today:
        return cached[1]
    scope = scope_for(user)
    kinds = [kind for kind in registered_kinds() if kind.applies(scope)]
    items = []
    for kind, found in zip(kinds, _counts(user, kinds, scope, today).values(), strict=True):
        if found.count:
            items.append(WorkItem(kind, found.count, found.due, found.overdue, today))
    items.sort(key=_sort_key)
    setattr(user, _CACHE_ATTR, (today, items))
    return items


def menu_badges(user) -> dict[str, int]:
    """The menu entries with work waiting and how much: the sum of their kinds' counts (the start
    page, *Mine opgaver*, all of them)."""
    items = for_user(user)
    badges: dict[str, int] = {"dashboard": sum(item.count for item in items)} if items else {}
    for item in items:
        if item.kind.menu:
            badges[item.kind.menu] = badges.get(item.kind.menu, 0) + item.count
    return badges


def forget(user) -> None:
    """Drop the cached items (after the work changed within one request or test). The kept SQL
    stays: it holds no counts."""
    for attr in (_CACHE_ATTR, _SHARED_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)
