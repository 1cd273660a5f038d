"""*Mine opgaver*: the work waiting for one user, on the start page and as badges in the menu.

``housing`` is the bottom of the dependency chain and must not import the apps above it, so each
app registers its kinds of work here from its ``AppConfig.ready`` (``letting.worklist``,
``approvals.worklist``, ``eldercare.worklist``, ``letters.worklist``), as the person tabs do
(``housing.person_tabs``).

A kind counts its rows through the app's own scoped selectors — the same rows the page it links to
shows — with ONE aggregate query (how many, the earliest due date, how many overdue). The items are
computed once per request (cached on the user object, like ``scoping.scope_for``), so the start page
and the menu badges share them and the number of queries does not grow with the rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from .scoping import StaffScope, scope_for

_CACHE_ATTR = "_worklist_items"

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
    row = queryset.order_by().aggregate(
        n=Count("pk"),
        due=Min(date_field),
        late=Count("pk", filter=overdue if overdue is not None else Q(**{f"{date_field}__lt": today})),
    )
    due = row["due"]
    if isinstance(due, datetime.datetime):
        due = timezone.localtime(due).date()
    return WorkCount(count=row["n"] or 0, due=due, overdue=row["late"] or 0)


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
    items = []
    for kind in registered_kinds():
        if not kind.applies(scope):
            continue
        found = kind.count(user, today=today)
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
    """Drop the cached items (after the work changed within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
