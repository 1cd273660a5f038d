"""The lists with their counts, one list's overview with the entry search, and its CSV export."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from housing import csv_export
from housing.models import Department
from housing.paging import COUNT_CAP, DeferredJoinPaginator
from housing.views.common import PAGE_SIZE, ordered

from .. import selectors
from ..filters import EntryFilter
from ..models import EntryStatus
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
    narrowed them (else they are the list's active and passive entries, whose number is kept)."""
    queryset = selectors.list_entries(user=request.user, waiting_list=waiting_list)
    filterset = EntryFilter(
        request.GET or None,
        queryset=queryset,
        departments=selectors.list_departments(waiting_list),
    )
    if filterset.is_bound and filterset.is_valid():
        narrowed = any(value not in (None, "") for value in filterset.form.cleaned_data.values())
        return filterset, filterset.qs, narrowed
    return filterset, queryset.exclude(status=EntryStatus.DELETED), False  # the default: active and passive


@require_GET
def list_overview(request, pk: int):
    """One list: its counts and the entry search, in queue order (or sorted by a column), a page
    of housing.views.common.PAGE_SIZE at a time."""
    waiting_list = waiting_list_or_404(request, pk)
    filterset, rows, narrowed = _filtered(request, waiting_list)
    # A whole list this long is read in queue order; another column's order would sort every
    # entry on each page (a second on a 500,000-entry list), so it applies to a search's matches.
    sortable = narrowed or waiting_list.active_count + waiting_list.passive_count <= SORTABLE_LIMIT
    if sortable:
        rows = ordered(request, rows, ENTRY_COLUMNS)
    in_queue_order = not narrowed and rows.query.order_by == selectors.QUEUE_ORDER
    paginator = DeferredJoinPaginator(
        rows,
        PAGE_SIZE,
        load=selectors.entry_rows,
        # Unfiltered: the active and passive counts the page shows anyway; a search: capped.
        count=None if narrowed else waiting_list.active_count + waiting_list.passive_count,
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
            "export_query": request.GET.urlencode(),
        },
    )


@require_GET
def entry_export(request, pk: int):
    """The filtered entries as CSV (``;``, UTF-8 with BOM for Excel). Masked CPR only. Exporting a
    list is not a read of one person's data, so nothing is logged per person; it takes write rights."""
    waiting_list = waiting_list_or_404(request, pk)
    require_list_write(request, waiting_list)
    _filterset, rows, _narrowed = _filtered(request, waiting_list)
    rows = rows.select_related("person").prefetch_related(
        Prefetch("departments", queryset=Department.objects.order_by("number"))
    )
    positions = selectors.queue_positions(waiting_list)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="venteliste-{waiting_list.pk}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv_export.writer(response)
    writer.writerow(
        [
            _("Position"),
            _("Applicant number"),
            _("Name"),
            _("CPR number"),
            _("Seniority date"),
            _("Status"),
            _("Fees paid until"),
            _("Wanted departments"),
        ]
    )
    for entry in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                positions.get(entry.pk, ""),
                entry.person.applicant_number,
                entry.person.full_name,
                entry.person.cpr_masked,
                entry.seniority_date.isoformat(),
                entry.get_status_display(),
                entry.paid_until.isoformat() if entry.paid_until else "",
                ", ".join(f"{d.number} {d.name}" for d in entry.departments.all()),
            ]
        )
    return response
