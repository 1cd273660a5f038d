"""The guarantee dashboard (the general list with its deadlines), the breach report as CSV, and one
elder's place on the general list with its periods (§§ 15–18)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from housing import csv_export
from housing.audit import history_rows
from housing.models import AccessKind, AccessPurpose, PersonalDataAccess
from housing.views.common import apply_service_errors, ordered, paginate

from .. import selectors
from ..forms_needs import BreachReportForm, GuaranteeLeaveForm
from ..models import ElderOffer, ElderOfferState, GuaranteeEntry, GuaranteeState
from ..rules.deadlines import days_left
from ..services import guarantee as guarantee_services
from ..services.guarantee import DEFAULT_WARNING_DAYS, policy_in_force
from .needs import NAV, require_officer_page

# The general list's sortable columns (housing.views.common.ordered); the days left follow the
# deadline. By default the earliest deadline first.
GUARANTEE_COLUMNS = (
    (("deadline", "pk"), "days_left"),
    (("person__last_name", "person__first_name"), "elder"),
    ("kommune__name", "kommune"),
    ("admitted_on", "admitted"),
    ("clock_started_on", "counted_from"),
    ("deadline", "deadline"),
    ("ready_by", "ready_by"),
)


def _warning_days(kommuner: list, today) -> int:
    if len(kommuner) == 1:
        policy = policy_in_force(kommune_id=kommuner[0].pk, day=today)
        if policy is not None:
            return policy.warning_days
    return DEFAULT_WARNING_DAYS


@require_GET
def dashboard(request):
    """Every elder on the general list, the earliest deadline first, with days left; overdue in red;
    breaches this quarter and this year; the daily job's latest warnings."""
    require_officer_page(request)
    today = timezone.localdate()
    kommuner = list(selectors.officer_kommuner(request.user)[:2])
    warning_days = _warning_days(kommuner, today)
    entries, stats, warnings = selectors.guarantee_dashboard(
        request.user, today=today, warning_days=warning_days
    )
    page_obj = paginate(request, ordered(request, entries, GUARANTEE_COLUMNS))
    rows = [
        {
            "entry": entry,
            "days_left": days_left(entry.deadline, today),
            "overdue": entry.deadline < today,
            "overdue_days": (today - entry.deadline).days,
            "due_soon": today <= entry.deadline <= today + timezone.timedelta(days=warning_days),
        }
        for entry in page_obj
    ]
    return render(
        request,
        "eldercare/guarantee/dashboard.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "stats": stats,
            "warnings": warnings,
            "warning_days": warning_days,
            "today": today,
            "several_kommuner": len(kommuner) > 1,
            "nav_section": NAV,
        },
    )


@require_GET
def breach_report(request):
    """The year's breaches of the guarantee as CSV (the press counts them). An export of personal
    data: one access-log row per elder in the file."""
    require_officer_page(request)
    today = timezone.localdate()
    form = BreachReportForm(request.GET or {"year": today.year})
    if not form.is_valid():
        response = HttpResponse(
            _("Give a year between 2000 and 2100."), status=400, content_type="text/plain; charset=utf-8"
        )
        return response
    year = form.cleaned_data["year"]
    periods = selectors.breach_report_rows(request.user, year=year, today=today)
    PersonalDataAccess.objects.bulk_create(
        [
            PersonalDataAccess(
                person_id=person_id,
                user=request.user,
                kind=AccessKind.EXPORT,
                purpose=AccessPurpose.CASE_HANDLING,
                detail=(_("Guarantee breach report %(year)s") % {"year": year})[:200],
            )
            for person_id in dict.fromkeys(p.entry.person_id for p in periods)
        ]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="garantibrud-{year}.csv"'
    response.write("\ufeff")
    writer = csv_export.writer(response)
    writer.writerow(
        [
            _("Kommune"),
            _("Applicant number"),
            _("Name"),
            _("Decision date"),
            _("Period"),
            _("Counted from"),
            _("Offer at the latest"),
            _("Offered on"),
            _("Ready at the latest"),
            _("Offered dwelling ready on"),
            _("Breach"),
            _("Days late"),
        ]
    )
    for period in periods:
        if period.offered_on is None:
            kind, late = (
                _("No offer by the deadline (R16.1)"),
                ((period.closed_on or today) - period.deadline).days,
            )
        elif period.offered_on > period.deadline:
            kind, late = _("Offer after the deadline (R16.1)"), (period.offered_on - period.deadline).days
        else:
            kind, late = (
                _("Dwelling not ready in time (R16.2)"),
                (period.offered_ready_on - period.ready_by).days,
            )
        person = period.entry.person
        writer.writerow(
            [
                period.kommune.name,
                person.applicant_number,
                person.full_name,
                period.entry.need_decision.decided_on.isoformat(),
                period.number,
                period.started_on.isoformat(),
                period.deadline.isoformat(),
                period.offered_on.isoformat() if period.offered_on else "",
                period.ready_by.isoformat(),
                period.offered_ready_on.isoformat() if period.offered_ready_on else "",
                kind,
                late,
            ]
        )
    return response


@require_GET
def guarantee_detail(request, pk: int):
    require_officer_page(request)
    try:
        entry = selectors.entry_detail(request.user, pk)
    except GuaranteeEntry.DoesNotExist as exc:
        raise Http404 from exc
    today = timezone.localdate()
    periods = selectors.entry_periods(entry)
    return render(
        request,
        "eldercare/guarantee/detail.html",
        {
            "entry": entry,
            "person": entry.person,
            "periods": [{"period": p, "breached": p.breached_on(today)} for p in periods],
            "offers": list(
                ElderOffer.objects.filter(guarantee_entry=entry)
                .select_related("vacancy__dwelling")
                .order_by("offered_on", "pk")
            ),
            "days_left": days_left(entry.deadline, today),
            "today": today,
            "history_rows": history_rows(entry),
            "nav_section": NAV,
        },
    )


@require_http_methods(["GET", "POST"])
def guarantee_leave(request, pk: int):
    """End a place on the general list: the elder withdrew, has died, moved away, or the need lapsed."""
    require_officer_page(request)
    try:
        entry = selectors.entry_detail(request.user, pk)
    except GuaranteeEntry.DoesNotExist as exc:
        raise Http404 from exc
    if entry.state != GuaranteeState.WAITING:
        messages.error(request, _("The elder is no longer on the general list."))
        return redirect(entry.get_absolute_url())
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = GuaranteeLeaveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                guarantee_services.guarantee_leave(
                    actor=request.user,
                    reason=data["change_reason"],
                    entry=entry,
                    cause=data["cause"],
                    day=data["day"],
                    note=data.get("note", ""),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The place on the general list has ended."))
                return redirect(entry.get_absolute_url())
        messages.error(request, _("The form has errors. Correct the fields marked below."))
        status = 400
    else:
        form = GuaranteeLeaveForm(initial={"day": today})
    return render(
        request,
        "eldercare/guarantee/leave.html",
        {
            "entry": entry,
            "person": entry.person,
            "form": form,
            "pending_offer": ElderOffer.objects.filter(
                guarantee_entry=entry, state=ElderOfferState.PENDING
            ).exists(),
            "nav_section": NAV,
        },
        status=status,
    )
