"""Places in line and list counts that cost an index probe, not a scan (R3.4, R9.4).

The order on a list (``selectors.QUEUE_ORDER``): those who precede under R9.4 first, then the
earliest seniority date, then the entry id; only active entries have a place. On PostgreSQL the
database keeps a snapshot of every living entry's place (among the active, and among the living
for the list page), and a trigger logs every change since (see ``models/queue.py``):

    place(entry)  = rank of the last snapshot row ahead of it + Σ changes ahead of it + 1
    active(list)  = tally at the rebuild + Σ changes to active on the list  (passive likewise)

Each is one or two index-range reads whatever the list's size, and exact at the moment it is read:
the snapshot and the changes it has absorbed are swapped in one transaction that holds off new
changes (``rebuild_list``). The changes are folded into a new snapshot nightly and whenever a
list has gathered ``REFRESH_AFTER_CHANGES`` (``waitinglists.queue_refresh``, every 10 minutes), so
the sums stay short; the fee cycle's deletion run, which deletes thousands at once, refreshes when
it is done.

On other databases (SQLite, the embedded demo) there is no trigger: places are counted per row,
which is what the demo's list sizes need.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, IntegerField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import Entry, EntryStatus, QueueChange, WaitingList

# A list's change log is folded into a new snapshot once it is this long: a place reads at most
# this many index entries, and rebuilding a 500,000-entry list takes about two seconds.
REFRESH_AFTER_CHANGES = 2000

# The tables are named in the SQL below as they are; the models are the ones in ``models/queue.py``.
_ENTRY = Entry._meta.db_table


def kept() -> bool:
    """Whether the database keeps places (the trigger exists on PostgreSQL only)."""
    return connection.vendor == "postgresql"


# --- Places --------------------------------------------------------------------------------------

# The entries ahead of the row (alias "e"), as the snapshot's rank plus the changes since. Row-value
# comparisons on (precedence, seniority_date, entry_id) are one range of each table's order index.
_AHEAD_SQL = """
    COALESCE((
        SELECT s.rank FROM waitinglists_queuesnapshot s
        WHERE s.waiting_list_id = {e}.waiting_list_id
          AND (s.precedence, s.seniority_date, s.entry_id)
              < (CASE WHEN {e}.listed_before_seniority_scheme THEN 0 ELSE 1 END, {e}.seniority_date, {e}.id)
        ORDER BY s.precedence DESC, s.seniority_date DESC, s.entry_id DESC
        LIMIT 1
    ), 0)
    + COALESCE((
        SELECT SUM(c.delta) FROM waitinglists_queuechange c
        WHERE c.waiting_list_id = {e}.waiting_list_id AND c.status = 'active'
          AND (c.precedence, c.seniority_date, c.entry_id)
              < (CASE WHEN {e}.listed_before_seniority_scheme THEN 0 ELSE 1 END, {e}.seniority_date, {e}.id)
    ), 0)
"""


def position_expression(alias: str = _ENTRY) -> RawSQL:
    """The place (1 = next) of each row of an Entry queryset; NULL when the entry is not active."""
    # ``alias`` is a table name of ours, never input.
    sql = f"CASE WHEN {alias}.status = 'active' THEN ({_AHEAD_SQL.format(e=alias)}) + 1 END"
    return RawSQL(sql, (), output_field=IntegerField())  # noqa: S611


def place_of(entry: Entry) -> int | None:
    """One entry's place on its list; None when it is not active. One query."""
    if entry.status != EntryStatus.ACTIVE:
        return None
    sql = "SELECT (" + _AHEAD_SQL.format(e="e") + ") + 1 FROM waitinglists_entry e WHERE e.id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
        row = cursor.fetchone()
    return int(row[0]) if row else None


# --- A page of the list in queue order -----------------------------------------------------------

Key = tuple  # (precedence, seniority_date, entry_id): the queue order, ascending


def page_ids(list_id: int, offset: int, limit: int) -> list[int]:
    """The ids of the living (active and passive) entries at rows offset+1 … offset+limit of the
    list in queue order — the list page's rows — in three queries whatever the page:

    1. the list's changes since the snapshot (at most ``REFRESH_AFTER_CHANGES`` or so);
    2. the snapshot rows around ``offset``: a row's number now is its ``living_rank`` at the
       snapshot plus the changes ahead of it, and the changes shift it by at most their number,
       so the last row at or before ``offset`` lies in a window that wide;
    3. from that row, the entries in queue order, skipping the few added since the snapshot.
    """
    changes = list(
        QueueChange.objects.filter(waiting_list_id=list_id)
        .order_by("precedence", "seniority_date", "entry_id")
        .values_list("precedence", "seniority_date", "entry_id", "delta")
    )
    keys = [(p, d, e) for p, d, e, _delta in changes]
    ahead_changes = [0]
    for *_key, delta in changes:
        ahead_changes.append(ahead_changes[-1] + delta)
    added = sum(1 for change in changes if change[3] > 0)
    removed = len(changes) - added
    with connection.cursor() as cursor:
        cursor.execute(
            """
            (SELECT living_rank, precedence, seniority_date, entry_id FROM waitinglists_queuesnapshot
             WHERE waiting_list_id = %(list)s AND living_rank BETWEEN %(low)s AND %(high)s)
            UNION ALL
            (SELECT living_rank, precedence, seniority_date, entry_id FROM waitinglists_queuesnapshot
             WHERE waiting_list_id = %(list)s ORDER BY living_rank DESC LIMIT 1)
            """,
            {"list": list_id, "low": max(1, offset + 1 - added), "high": offset + 1 + removed},
        )
        start, skip = None, offset
        for living_rank, *key in sorted(cursor.fetchall()):
            key = tuple(key)
            ahead_now = living_rank - 1 + ahead_changes[bisect_left(keys, key)]
            if ahead_now <= offset:
                start, skip = key, offset - ahead_now
        return _walk(cursor, list_id, start, skip, limit)


def _walk(cursor, list_id: int, start: Key | None, skip: int, limit: int) -> list[int]:
    """``limit`` living entries in queue order from ``start`` (inclusive), after ``skip``."""
    where = ["waiting_list_id = %(list)s", "status <> 'deleted'"]
    params = {"list": list_id, "skip": skip, "limit": limit}
    if start is not None:
        precedence, params["date"], params["id"] = start
        after = "(seniority_date, id) >= (%(date)s, %(id)s)"
        # precedence 0 (R9.4, listed_before_seniority_scheme) comes before 1 in the queue.
        where.append(
            f"((listed_before_seniority_scheme AND {after}) OR NOT listed_before_seniority_scheme)"
            if precedence == 0
            else f"(NOT listed_before_seniority_scheme AND {after})"
        )
    cursor.execute(
        "SELECT id FROM waitinglists_entry WHERE "  # noqa: S608 — fixed fragments only
        + " AND ".join(where)
        + " ORDER BY listed_before_seniority_scheme DESC, seniority_date, id OFFSET %(skip)s LIMIT %(limit)s",
        params,
    )
    return [row[0] for row in cursor.fetchall()]


# --- Counts --------------------------------------------------------------------------------------


def status_counts(list_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Active and passive entries per list, now: the tally plus the changes since. One query."""
    ids = list(list_ids)
    counts = {pk: {EntryStatus.ACTIVE: 0, EntryStatus.PASSIVE: 0} for pk in ids}
    if not ids:
        return counts
    sql = """
        SELECT l.id, COALESCE(t.active, 0) + COALESCE(ca.n, 0), COALESCE(t.passive, 0) + COALESCE(cp.n, 0)
        FROM unnest(%s::bigint[]) AS l(id)
        LEFT JOIN waitinglists_listtally t ON t.waiting_list_id = l.id
        LEFT JOIN LATERAL (SELECT SUM(delta) AS n FROM waitinglists_queuechange
                           WHERE waiting_list_id = l.id AND status = 'active') ca ON TRUE
        LEFT JOIN LATERAL (SELECT SUM(delta) AS n FROM waitinglists_queuechange
                           WHERE waiting_list_id = l.id AND status = 'passive') cp ON TRUE
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids])
        for pk, active, passive in cursor.fetchall():
            counts[pk] = {EntryStatus.ACTIVE: int(active), EntryStatus.PASSIVE: int(passive)}
    return counts


# --- Rebuilding ----------------------------------------------------------------------------------


def rebuild_list(list_id: int) -> int:
    """Fold a list's changes into a new snapshot and tally; returns the active entries.

    ``LOCK … IN EXCLUSIVE MODE`` on the change log waits for every transaction that has logged a
    change (they hold ROW EXCLUSIVE until they end) and holds off new ones until this one commits,
    so the snapshot read here has absorbed exactly the changes deleted here — whichever isolation
    level the caller runs at, inside or outside a transaction. Writers to entries wait for about a
    second on a 500,000-entry list; readers never wait."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE waitinglists_queuechange IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM waitinglists_queuesnapshot WHERE waiting_list_id = %s", [list_id])
        cursor.execute(
            """
            INSERT INTO waitinglists_queuesnapshot
                (entry_id, waiting_list_id, precedence, seniority_date, rank, living_rank)
            SELECT id, waiting_list_id, CASE WHEN listed_before_seniority_scheme THEN 0 ELSE 1 END,
                   seniority_date,
                   count(*) FILTER (WHERE status = 'active') OVER queue,
                   row_number() OVER queue
            FROM waitinglists_entry
            WHERE waiting_list_id = %s AND status <> 'deleted'
            WINDOW queue AS (ORDER BY listed_before_seniority_scheme DESC, seniority_date, id
                             ROWS UNBOUNDED PRECEDING)
            """,
            [list_id],
        )
        cursor.execute(
            "SELECT rank, living_rank FROM waitinglists_queuesnapshot WHERE waiting_list_id = %s "
            "ORDER BY living_rank DESC LIMIT 1",
            [list_id],
        )
        active, living = cursor.fetchone() or (0, 0)
        passive = living - active
        cursor.execute("DELETE FROM waitinglists_queuechange WHERE waiting_list_id = %s", [list_id])
        cursor.execute(
            """
            INSERT INTO waitinglists_listtally (waiting_list_id, active, passive, built_at)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (waiting_list_id)
            DO UPDATE SET active = EXCLUDED.active, passive = EXCLUDED.passive, built_at = EXCLUDED.built_at
            """,
            [list_id, active, passive, timezone.now()],
        )
    return active


def lists_to_refresh(min_changes: int = REFRESH_AFTER_CHANGES) -> list[int]:
    """Lists whose change log has reached ``min_changes`` rows (all lists with changes for 1)."""
    return list(
        QueueChange.objects.values_list("waiting_list_id", flat=True)
        .order_by("waiting_list_id")
        .annotate(n=Count("id"))
        .filter(n__gte=min_changes)
    )


def refresh(min_changes: int = REFRESH_AFTER_CHANGES) -> int:
    """Rebuild the lists with long change logs; returns how many. Nothing to do costs one query."""
    if not kept():
        return 0
    lists = lists_to_refresh(min_changes)
    for list_id in lists:
        rebuild_list(list_id)
    return len(lists)


def rebuild_all() -> int:
    """Rebuild every list (the nightly job, and after ``seed_scale``); returns how many."""
    if not kept():
        return 0
    ids = list(WaitingList.objects.order_by("pk").values_list("pk", flat=True))
    for list_id in ids:
        rebuild_list(list_id)
    return len(ids)
