"""The report pages of the rejections (counts and facts only, no names): R28.2, the reports of
rejections under § 28 that the kommune forwards to the ministry, and R37.3, the kommune's yearly
reports of dispensations — each as a page, CSV or PDF."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing import csv_export, permissions, scoping
from housing.views.common import apply_service_errors
from letters.rendering import render_pdf
from rejections import reports
from rejections import selectors as selectors_rejections
from rejections.forms import ForwardForm

# --- Reports ------------------------------------------------------------------------------------


def _csv_response(header: list[str], rows: list[list], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv_export.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse:
    pdf, _pages = render_pdf(render_to_string(template, context, request=request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def termination_reports(request):
    """R28.2: the reports of § 28 rejections — only the fact of the rejection on that ground."""
    scope = scoping.scope_for(request.user)
    if not (scope.kommune_ids or scope.organisation_ids):
        raise PermissionDenied
    reports = list(selectors_rejections.termination_reports_for(request.user))
    header = [
        _("Kommune"),
        _("Housing organisation"),
        _("Ground"),
        _("Rejected on"),
        _("Reported on"),
        _("Forwarded on"),
    ]
    rows = [
        [
            r.kommune.name,
            r.organisation.name,
            "§ 28, stk. 1",
            r.rejected_on.isoformat(),
            r.reported_on.isoformat(),
            r.forwarded_on.isoformat() if r.forwarded_on else "",
        ]
        for r in reports
    ]
    context = {"header": header, "rows": rows, "title": _("R28.2 reports of rejections under § 28")}
    fmt = request.GET.get("format")
    if fmt == "csv":
        return _csv_response(header, rows, "indberetning-28-2.csv")
    if fmt == "pdf":
        return _pdf_response(
            request, "allocation/rejections/report_pdf.html", context, "indberetning-28-2.pdf"
        )
    forwardable = {
        r.pk
        for r in reports
        if r.forwarded_on is None and permissions.can_act_for_kommune(request.user, r.kommune_id)
    }
    return render(
        request,
        "allocation/rejections/termination_reports.html",
        {
            "reports": reports,
            "batches": list(selectors_rejections.termination_report_batches_for(request.user)[:24]),
            "forwardable": forwardable,
            "forward_form": ForwardForm(prefix="forward", initial={"forwarded_on": timezone.localdate()}),
            "nav_section": "approvals" if scope.is_kommune_officer else "allocation",
        },
    )


@require_POST
def termination_report_forward_view(request, pk: int):
    report = selectors_rejections.termination_reports_for(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    permissions.require_act_for_kommune(request.user, report.kommune_id)
    form = ForwardForm(request.POST, prefix="forward")
    if form.is_valid():
        try:
            reports.termination_report_forward(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                report=report,
                forwarded_on=form.cleaned_data["forwarded_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The forwarding is recorded."))
            return redirect("rejections:termination_reports")
    for message in [m for errors in form.errors.values() for m in errors]:
        messages.error(request, message)
    return redirect("rejections:termination_reports")


@require_GET
def dispensation_reports(request):
    """R37.3: the yearly reports of dispensations (made by the job from 1 July)."""
    permissions.require_kommune_officer(request.user)
    reports = list(selectors_rejections.dispensation_reports_for(request.user))
    header = [_("Kommune"), _("From"), _("To"), _("Dispensations granted"), _("Requests refused")]
    rows = [
        [r.kommune.name, r.period_start.isoformat(), r.period_end.isoformat(), r.granted, r.refused]
        for r in reports
    ]
    context = {"header": header, "rows": rows, "title": _("R37.3 reports of dispensations")}
    fmt = request.GET.get("format")
    if fmt == "csv":
        return _csv_response(header, rows, "indberetning-37-3.csv")
    if fmt == "pdf":
        return _pdf_response(
            request, "allocation/rejections/report_pdf.html", context, "indberetning-37-3.pdf"
        )
    return render(
        request,
        "allocation/rejections/dispensation_reports.html",
        {"reports": reports, "nav_section": "dispensations"},
    )
