"""Pages of long lists that cost the same at page 1 and at the last page.

``DeferredJoinPaginator`` reads a page in two steps: first the ids of the page from a narrow query
(the list's filter and order only, which an index-only scan answers however deep the OFFSET),
then the full rows — person, wishes, annotations — of just those ids. Joining the person for every
skipped row was what made page 2,000 of a 200,000-entry list time out.

A search whose matches are many gets a capped count (``count_cap``): "over 10,000 matches" and
pages up to the cap, rather than counting every match to show a number nobody reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

# Beyond this many matches a search shows "more than N" and pages up to N. A search this wide is
# narrowed, not read page by page; counting the 20,000 "Han"s of a 500,000-entry list exactly
# would cost a walk of the whole list.
COUNT_CAP = 1000


class DeferredJoinPaginator(Paginator):
    """A paginator over ``ids`` (a queryset of the page's rows in order, narrow) that loads each
    page's full rows with ``load(ids)`` — returned in the order of ``ids``.

    ``count``: a count known without a query (a kept tally), else counted; ``count_cap``: count at
    most this many + 1 and treat the rest as beyond the last page; ``seek(offset, limit)``: the
    page's ids found without reading the rows before it (a kept order), instead of OFFSET."""

    def __init__(
        self,
        ids: QuerySet,
        per_page: int,
        *,
        load: Callable[[list[int]], Sequence],
        count: int | None = None,
        count_cap: int | None = None,
        seek: Callable[[int, int], list[int]] | None = None,
    ):
        super().__init__(ids, per_page)
        self._load = load
        self._seek = seek
        self._known_count = count
        self.count_cap = count_cap

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        matches = self.object_list.values("pk").order_by()
        if self.count_cap is not None:
            # Unordered, so the scan stops at the cap instead of sorting every match first.
            return matches[: self.count_cap + 1].count()
        return matches.count()

    @property
    def capped(self) -> bool:
        """True when there are more matches than the count shows (``count_cap`` + 1 counted)."""
        return self.count_cap is not None and self.count > self.count_cap

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return -(-self.count_cap // self.per_page)
        return super().num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        size = min(self.per_page, self.count_cap - bottom) if self.capped else self.per_page
        if self._seek is not None:
            ids = self._seek(bottom, size)
        else:
            ids = list(
                self.object_list.prefetch_related(None).values_list("pk", flat=True)[bottom : bottom + size]
            )
        rows = {row.pk: row for row in self._load(ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
