"""The lists with their counts, one list's overview with the entry search, and its CSV export."""

from __future__ import annotations

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from housing import exports as housing_exports
from housing.paging import COUNT_CAP, DeferredJoinPaginator
from housing.tasks import enqueue_export
from housing.views.common import PAGE_SIZE, ordered

from .. import exports, selectors
from .common import require_list_write, waiting_list_or_404

# Sortable columns (housing.views.common.ordered). "position" is the queue order itself
# (selectors.QUEUE_ORDER). The position shown is each entry's own place on the list
# (selectors.with_positions, kept by the database), so it stays right whatever the rows are sorted by.
LIST_COLUMNS = (
    ("name", "name"),
    ("kind", "kind"),
    ("controller__name", "controller"),
    ("active_count", "active"),
    ("passive_count", "passive"),
    ("arrears_count", "arrears"),
    ("new_count", "new"),
)
# Above this many living entries a whole list is shown in queue order only (see list_overview).
SORTABLE_LIMIT = 10_000
ENTRY_COLUMNS = (
    (("-listed_before_seniority_scheme", "seniority_date", "id"), "position"),
    ("person__applicant_number", "applicant_number"),
    (("person__last_name", "person__first_name"), "name"),
    ("seniority_date", "seniority"),
    ("status", "status"),
    ("paid_until", "paid_until"),
)


@require_GET
def lists(request):
    return render(
        request,
        "waitinglists/list_list.html",
        {
            "lists": ordered(
                request, selectors.with_counts(selectors.list_overview(user=request.user)), LIST_COLUMNS
            )
        },
    )


def _filtered(request, waiting_list):
    """The filter form and the matching rows (narrow, in queue order), and whether a filter
    narrowed them (else they are the list's active and passive entries, whose number is kept).
    The export reads the same rows (``exports.filtered_entries``)."""
    return exports.filtered_entries(user=request.user, waiting_list=waiting_list, data=request.GET)


@require_GET
def list_overview(request, pk: int):
    """One list: its counts and the entry search, in queue order (or sorted by a column), a page
    of housing.views.common.PAGE_SIZE at a time."""
    waiting_list = waiting_list_or_404(request, pk)
    filterset, rows, narrowed = _filtered(request, waiting_list)
    living = waiting_list.active_count + waiting_list.passive_count
    # A whole list this long is read in queue order; another column's order would sort every
    # entry on each page (a second on a 500,000-entry list), so it applies to a search's matches.
    sortable = narrowed or living <= SORTABLE_LIMIT
    if sortable:
        rows = ordered(request, rows, ENTRY_COLUMNS)
    in_queue_order = not narrowed and rows.query.order_by == selectors.QUEUE_ORDER
    paginator = DeferredJoinPaginator(
        rows,
        PAGE_SIZE,
        load=selectors.entry_rows,
        # Unfiltered: the active and passive counts the page shows anyway; a search: capped.
        count=None if narrowed else living,
        count_cap=COUNT_CAP if narrowed else None,
        # The whole list in queue order: its pages are found in the kept order, not by OFFSET.
        seek=selectors.list_page_seek(waiting_list) if in_queue_order else None,
    )
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "waitinglists/list_overview.html",
        {
            "waiting_list": waiting_list,
            "filter": filterset,
            "page_obj": page_obj,
            "can_write": selectors.can_write_list(request.user, waiting_list),
            "sortable": sortable,
            "sortable_limit": SORTABLE_LIMIT,
            "export_query": exports.filter_query(request.GET),
        },
    )


@require_POST
def entry_export(request, pk: int):
    """Export the list page's search result as CSV (``waitinglists.exports``). Masked CPR only;
    it takes write rights. Fewer than EXPORT_INLINE_MAX_ROWS rows are streamed straight back;
    more become an export job, and the user is sent to its progress page. Either way every
    person in the file gets a row in the access log (for the job: when the file is fetched)."""
    waiting_list = waiting_list_or_404(request, pk)
    require_list_write(request, waiting_list)
    _filterset, rows, _narrowed = _filtered(request, waiting_list)
    limit = settings.EXPORT_INLINE_MAX_ROWS
    if exports.capped_count(rows, limit + 1) < limit:
        housing_exports.log_export(
            actor=request.user,
            person_ids=exports.person_ids(rows),
            detail=exports.access_detail(waiting_list),
        )
        response = StreamingHttpResponse(
            exports.stream_entries(waiting_list, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{exports.file_name(waiting_list.pk)}"'
        response["Cache-Control"] = "private, no-store"
        return response
    job, _created = housing_exports.export_start(
        actor=request.user,
        kind=exports.ENTRY_EXPORT,
        tenant_id=waiting_list.controller_id,
        parameters=exports.export_parameters(waiting_list, request.GET),
        enqueue=enqueue_export,
    )
    return redirect(job)
