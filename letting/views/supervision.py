"""The kommune's supervision of lettings (§ 39, R39): counts per channel and rule over a period, the
individual lettings with flags, and the same as CSV. Kommune officers only (everybody else 403);
only the officer's own kommune(s). No names or CPR numbers: the applicant number identifies the
applicant towards the organisation, which is the data controller."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from housing import csv_export
from housing.views.common import ordered, paginate

from .. import selectors_supervision as supervision
from ..forms_supervision import SupervisionFilterForm

# The lettings table's sortable columns (housing.views.common.ordered).
LETTING_COLUMNS = (
    ("signed_on", "signed"),
    ("landlord__name", "organisation"),
    (("dwelling__department__number", "dwelling__department__name"), "department"),
    ("letting_basis", "basis"),
    ("rule", "rule"),
    ("person__applicant_number", "applicant_number"),
)


def _csv(queryset) -> str:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(
        [
            _("Signed on"),
            _("Housing organisation"),
            _("Department"),
            _("Tenancy number"),
            _("Channel"),
            _("Basis"),
            _("Rule"),
            _("Applicant number"),
            _("Approval lapsed (R42.3)"),
            _("R37.2 dispensation"),
            _("Deserves a look"),
        ]
    )
    for lease in queryset.iterator(chunk_size=500):
        writer.writerow(
            [
                lease.signed_on.isoformat(),
                lease.landlord.name,
                str(lease.dwelling.department),
                lease.dwelling.number,
                lease.channel,
                str(supervision.BASES.get(lease.letting_basis, lease.letting_basis)),
                lease.rule,
                lease.person.applicant_number,
                _("yes") if lease.approval_lapsed else "",
                _("yes") if lease.benefit_dispensation else "",
                " ".join(str(flag) for flag in supervision.letting_flags(lease)),
            ]
        )
    return out.getvalue()


@require_GET
def supervision_page(request):
    kommune_ids = supervision.officer_kommune_ids(request.user)
    form = SupervisionFilterForm(request.GET or None, kommune_ids=kommune_ids)
    if request.GET and not form.is_valid():
        return render(
            request,
            "allocation/supervision/page.html",
            {"filter": {"form": form}, "nav_section": "supervision"},
            status=400,
        )
    if not request.GET:
        form = SupervisionFilterForm({}, kommune_ids=kommune_ids)
        form.is_valid()
    data = form.cleaned_data
    period = supervision.Period(
        kommune_ids=form.chosen_kommune_ids(), date_from=data["date_from"], date_to=data["date_to"]
    )
    queryset = supervision.lettings(request.user, period=period)
    if request.GET.get("format") == "csv":
        response = HttpResponse(_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="tilsyn-udlejning-{period.date_from}-{period.date_to}.csv"'
        )
        return response
    page_obj = paginate(request, ordered(request, queryset, LETTING_COLUMNS))
    rows = [{"lease": lease, "flags": supervision.letting_flags(lease)} for lease in page_obj]
    return render(
        request,
        "allocation/supervision/page.html",
        {
            "filter": {"form": form},
            "period": period,
            "summary": supervision.summary(queryset),
            "groups": supervision.by_channel_and_rule(queryset),
            "rows": rows,
            "page_obj": page_obj,
            "bases": supervision.BASES,
            "nav_section": "supervision",
        },
    )
