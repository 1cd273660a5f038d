"""Queue positions and list counts kept by the database (``waitinglists.queue``).

A place on a list (R3.4, R9.4) is the number of active entries ahead plus one. Counting them per
row costs a scan of the list; at a Copenhagen-sized shared list (500,000 entries) a page of 100
rows took seconds. So the database keeps:

- ``QueueSnapshot``: every living (active or passive) entry's place at the last rebuild
  (``queue.rebuild_list``), among the active and among the living;
- ``QueueChange``: every change since then that moved an entry into or out of a status or a place
  (written by a trigger on ``waitinglists_entry``, so no code path can forget it — services, the
  admin, COPY imports and raw SQL alike);
- ``ListTally``: each list's active and passive counts at the rebuild.

A place now = the rank of the last snapshot row ahead + the sum of the changes ahead + 1; a count
now = the tally + the sum of the changes. Both are exact at the moment they are read. These rows
are derived data (an index the database maintains), not a record of anyone's decision, so they
carry no history rows; the entries they are derived from do.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .lists import WaitingList


class QueueSnapshot(models.Model):
    """One living entry on its list at the last rebuild: ``rank`` = the active entries up to and
    including it (its place when it is active), ``living_rank`` = the living entries up to and
    including it (its row on the list page in queue order). Keyed by list and entry: an entry
    moved to another list stays in the old list's snapshot until that list is rebuilt (a -1
    change there accounts for it)."""

    pk = models.CompositePrimaryKey("waiting_list_id", "entry_id")
    waiting_list_id = models.BigIntegerField()
    entry_id = models.BigIntegerField()
    # 0: precedes under R9.4 (``listed_before_seniority_scheme``), 1: the others — so the queue order is
    # ascending (precedence, seniority_date, entry_id) and one index range answers "ahead of".
    precedence = models.SmallIntegerField()
    seniority_date = models.DateField()
    rank = models.IntegerField()
    living_rank = models.IntegerField()

    class Meta:
        verbose_name = _("queue snapshot row")
        verbose_name_plural = _("queue snapshot rows")
        indexes = [
            models.Index(
                fields=["waiting_list_id", "precedence", "seniority_date", "entry_id"],
                include=["rank"],
                name="queue_snapshot_order_idx",
            ),
            # The list page's seek: the n-th living entry (queue.page_ids).
            models.Index(
                fields=["waiting_list_id", "living_rank"],
                include=["precedence", "seniority_date", "entry_id"],
                name="queue_snapshot_living_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.rank}: {self.entry_id}"


class QueueChange(models.Model):
    """+1 or -1 for an entry entering or leaving (list, status, place) since the last rebuild."""

    waiting_list_id = models.BigIntegerField()
    entry_id = models.BigIntegerField()
    status = models.CharField(max_length=10)
    precedence = models.SmallIntegerField()
    seniority_date = models.DateField()
    delta = models.SmallIntegerField()
    changed_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        verbose_name = _("queue change")
        verbose_name_plural = _("queue changes")
        indexes = [
            models.Index(
                fields=["waiting_list_id", "status", "precedence", "seniority_date", "entry_id"],
                include=["delta"],
                name="queue_change_order_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.status}: {self.entry_id}"


class ListTally(models.Model):
    """A list's active and passive entries at the last rebuild (the changes since add up to now)."""

    waiting_list = models.OneToOneField(
        WaitingList, on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    active = models.IntegerField(default=0)
    passive = models.IntegerField(default=0)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("list tally")
        verbose_name_plural = _("list tallies")

    def __str__(self) -> str:
        return f"{self.waiting_list_id}: {self.active} / {self.passive}"
