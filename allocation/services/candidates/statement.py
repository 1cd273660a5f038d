"""The ranking's one statement: the slices (placed, then passed over), the choice of the entries
whose facts are needed, and their facts — built once per plan shape, prepared once per database
connection, and run with the plan's values bound.

The statement's rows are ``(entry id, slice, seniority date, listed_before_seniority_scheme,
fact…)``: one per entry a slice gave (an entry may come from several slices), the facts filled in
for the entries ``rank`` needs to see — everyone the placed slices gave, and the first
``excluded_limit`` of the passed over of each list kind in list order (only they can be shown;
the others are counted by their place in the list) — and NULL for the rest::

    WITH found AS (slice 0 UNION ALL slice 1 …),
         picked AS (placed UNION first passed over per kind),
         facts AS (the facts of the picked)
    SELECT found.…, facts.… FROM found LEFT JOIN facts ON …

On PostgreSQL it runs through a cursor that binds its parameters on the server and prepares it
(``prepare=True``): psycopg keeps it prepared on the connection under its text and parameter
types, so every later ranking of the shape skips parsing and planning. Elsewhere (SQLite, the
embedded mode) it runs as a plain query.
"""

# SQL text of our own: names, numbers and constants of ours; every value is a named parameter.
# ruff: noqa: S608

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection

from waitinglists.models import ListKind

from .binding import adapted
from .facts import facts_sql
from .plan import Plan, QueueKey, Shape
from .slices import excluded_slices, placed_slices, union_sql

# The statement's own columns, then the facts (``facts.candidate``).
ENTRY, SLICE, SENIORITY, PRECEDES, FACTS_START = range(5)


@dataclass(frozen=True)
class Piece:
    """What the statement says of one slice: whose list it reads, its LIMIT (None: read whole)
    and whether it holds candidates for the top (else: the passed over)."""

    list_kind: str
    capped: int | None
    placed: bool


class Found(NamedTuple):
    """An entry a slice gave, with its place in its list's order."""

    entry_id: int
    slice: int
    key: QueueKey


@dataclass(frozen=True)
class Statement:
    text: str  # with the plan's values as named parameters, ``%(name)s``
    pieces: tuple[Piece, ...]
    at: Mapping[str, int]  # each fact's column in a row

    @property
    def names(self) -> frozenset[str]:
        """The names of the values the statement binds."""
        return frozenset(re.findall(r"%\((\w+)\)s", self.text))


@functools.lru_cache(maxsize=256)
def statement_for(shape: Shape, kinds: tuple[str, ...], limit: int, excluded_limit: int) -> Statement | None:
    """The statement for the lists of ``kinds``: the slices that hold their part of the top
    ``limit``, then the first passed over on each list that may be shown (from the top of the
    list; cut at the last placed after ranking), and the facts. None when no slice applies.

    It depends on nothing but the shape — never on a value of the plan, and never on the rows — so
    it is built once per shape and kept (and prepared once per connection); the values are bound
    when it runs."""
    placed = placed_slices(shape, limit, kinds=kinds)
    excluded = (
        excluded_slices(shape, dict.fromkeys(kinds), excluded_limit, by_kind=False) if excluded_limit else []
    )
    slices = placed + excluded
    if not slices:
        return None
    materialized = "MATERIALIZED " if shape.vendor == "postgresql" else ""
    n = len(placed)
    # Only numbers and names of our own go into the text.
    picked = f"SELECT id FROM found WHERE slice < {n}"
    if excluded:
        # The first ``excluded_limit`` distinct passed over of each list kind, in its list's order
        # (``queue_key``: R9.4 first on the internal list).
        first = (
            f"CASE WHEN kind = '{ListKind.INTERNAL}' THEN NOT listed_before_seniority_scheme ELSE FALSE END"
        )
        picked += (
            " UNION SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY first, "
            f"seniority_date, id) AS n FROM (SELECT DISTINCT id, kind, seniority_date, {first} AS first "
            f"FROM found WHERE slice >= {n}) AS d) AS r WHERE n <= {int(excluded_limit)}"
        )
    facts, names = facts_sql(shape, "found", "SELECT id FROM picked")
    columns = ", ".join(f"facts.fact_{name}" for name in names)
    text = (
        f"WITH found AS {materialized}({union_sql(slices)}), picked AS ({picked}), "
        f"facts AS {materialized}({facts}) "
        "SELECT found.id, found.slice, found.seniority_date, found.listed_before_seniority_scheme, "
        f"{columns} FROM found LEFT JOIN facts ON facts.fact_id = found.id"
    )
    return Statement(
        text=text,
        pieces=tuple(Piece(s.list_kind, s.capped, index < n) for index, s in enumerate(slices)),
        at={name: FACTS_START + index for index, name in enumerate(names)},
    )


def run(statement: Statement, plan: Plan) -> list[tuple]:
    """The statement's rows with the plan's values bound (prepared on PostgreSQL)."""
    values = adapted(plan.values, plan.shape.vendor)
    if plan.shape.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement.text, values)
            return cursor.fetchall()
    text, order = positional(statement.text)
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(text, [values[name] for name in order])
        return cursor.fetchall()


@functools.lru_cache(maxsize=256)
def positional(text: str) -> tuple[str, tuple[str, ...]]:
    """The statement with ``$1 … $n`` for its named values, and the names in that order. psycopg
    converts named placeholders on every call for a statement this long (it keeps conversions of
    statements under 4 KB only): a quarter of a millisecond a ranking, done here once per shape."""
    order: dict[str, int] = {}

    def number(match: re.Match) -> str:
        return f"${order.setdefault(match.group(1), len(order) + 1)}"

    return _NAMED.sub(number, text), tuple(order)


_NAMED = re.compile(r"%\((\w+)\)s")


# --- Prepared statements on Django's connection -----------------------------------------------------

# Django opens psycopg connections with ``prepare_threshold=None`` (no statement is ever prepared,
# for the sake of connection poolers) and a cursor that binds parameters on the client, which
# cannot prepare. The ranking's statement runs through a server-binding cursor that asks for
# preparation itself; the connection's threshold is raised from None to "never of itself", so
# nothing else on it is prepared.
NEVER = 2**31


@functools.cache
def _cursor_class(raw: bool):
    # lazy: Django's PostgreSQL backend is loaded only where PostgreSQL is the database (the
    # embedded demo runs on SQLite), and this is called only on a PostgreSQL connection
    import psycopg
    from django.db.backends.postgresql.base import CursorMixin, ServerBindingCursor

    # raw: psycopg's RawCursor takes ``$1 … $n`` as they are (``positional``), without parsing.
    base = (
        type("RawServerBindingCursor", (CursorMixin, psycopg.RawCursor), {}) if raw else ServerBindingCursor
    )

    class PreparingCursor(base):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg keeps the statement run (which Django logs, ``last_executed_query``) only
            # when it is not prepared: keep it here too.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)

    return PreparingCursor


def prepared_cursor(*, raw: bool = False):
    """A cursor on Django's connection that prepares what it runs (logged and counted as Django's
    own cursors are: it is wrapped the same way). ``raw``: the statement has ``$1 … $n`` and the
    values come as a list (``positional``)."""
    connection.ensure_connection()
    driver = connection.connection
    if driver.prepare_threshold is None:
        driver.prepare_threshold = NEVER
    connection.validate_thread_sharing()
    cursor = _cursor_class(raw)(driver)
    return (
        connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
    )
