"""Pages of the kommune's approval of lettings: the officer's queue sorted by deadline with the
countdown in working days, the decision page (income assessment, approve or refuse with reasons),
the request's history, and the R36.2 annual report (page and CSV).

Reads go through ``approvals.selectors``; writes through ``approvals.services``, ``approvals.creation``
(the organisation's own request) and ``approvals.reversions`` (R12.5). A request the user may not see
is a 404, a decision by someone who is not the kommune's officer a 403."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation import selectors
from allocation.models import Vacancy, VacancyState
from allocation.views.actions import history_page, post_action
from approvals import rules
from approvals.forms import ApprovalDecisionForm, ApprovalRequestForm, YouthReversionForm
from approvals.models import ApprovalRequest, ApprovalState
from housing import permissions
from housing.views.common import apply_service_errors, object_tabs, ordered, paginate

from . import creation, reports, reversions, services
from . import selectors as selectors_approvals

# The queue's sortable columns (housing.views.common.ordered; the queue is a list of
# selectors.QueueRow, sorted in Python); by default the earliest deadline first.
QUEUE_COLUMNS = (
    ("request__deadline", "deadline"),
    ("days_left", "days_left"),
    (("request__person__last_name", "request__person__first_name"), "applicant"),
    ("request__vacancy__dwelling__address_line", "dwelling"),
    ("request__received_on", "received"),
)


def request_or_404(request, pk: int) -> ApprovalRequest:
    try:
        return selectors_approvals.request_detail(user=request.user, pk=pk)
    except ApprovalRequest.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
def approval_queue(request):
    """The pending requests to the officer's kommune(s), the earliest deadline first."""
    permissions.require_kommune_officer(request.user)
    return render(
        request,
        "allocation/approvals/queue.html",
        {
            "rows": paginate(
                request, ordered(request, selectors_approvals.kommune_queue(request.user), QUEUE_COLUMNS)
            ),
            "recent": selectors_approvals.recent_decisions(request.user),
            "nav_section": "approvals",
        },
    )


def _tabs(approval: ApprovalRequest, active: str) -> list[dict]:
    return object_tabs(approval, active)


# Any reversion decided, whatever date it applies from, is shown on the request.
date_max = datetime.date.max


def approval_page(request, approval: ApprovalRequest, *, form=None, status: int = 200, **bound):
    is_officer = selectors_approvals.is_officer_for(request.user, approval)
    can_decide = is_officer and approval.state == ApprovalState.PENDING
    today = timezone.localdate()
    if can_decide and form is None:
        form = ApprovalDecisionForm(
            initial={
                "household_income": approval.household_income,
                "income_assessment": approval.income_assessment,
                "is_refugee": approval.is_refugee,
            }
        )
    services.log_benefit_finding_read(request.user, approval)
    context = {
        "approval": approval,
        "vacancy": approval.vacancy,
        "dwelling": approval.vacancy.dwelling,
        "tabs": _tabs(approval, "overview"),
        "is_officer": is_officer,
        "form": form if can_decide else None,
        "days_left": selectors_approvals.countdown(approval, today=today)
        if approval.state == ApprovalState.PENDING
        else None,
        # R42.3: past the deadline the income and refugee refusals are gone; the request lapses
        # into approval only under the § 42 scheme alone (R12.1, R12.4/R14.4, R36.1 never lapse).
        "may_refuse": rules.may_refuse(today=today, deadline=approval.deadline),
        "lapses": rules.lapses_into_approval(approval.grounds),
        # The kommune's own closing days in the period: information, they do not move the deadline.
        "closing_days": selectors_approvals.closing_days_in_period(approval),
        "rent_share": rules.rent_share_of_income(
            monthly_rent=approval.monthly_rent, yearly_income=approval.household_income
        ),
        "nav_section": "approvals" if is_officer else "allocation",
        # R24: a complaint against a refusal is lodged with the kommune, which records it and the
        # outcome (an overturned refusal approves the letting).
        "may_complain": is_officer and approval.state == ApprovalState.REFUSED,
        "may_record_outcome": is_officer,
        # A failed complaint or outcome submit (``complaints.views``) brings its bound form;
        # otherwise the complaints template tags give blank ones.
        "complaint_form": bound.get("complaint_form"),
        "outcome_form": bound.get("outcome_form"),
        # R12.5: the youth dwelling let out of kind is let as a youth dwelling again.
        "reversion": selectors_approvals.youth_reversion_in_force(
            dwelling_id=approval.vacancy.dwelling_id, day=date_max
        )
        if "R12.4" in approval.grounds
        else None,
    }
    context["reversion_form"] = (
        (bound.get("reversion_form") or YouthReversionForm(prefix="revert", initial={"valid_from": today}))
        if is_officer
        and "R12.4" in approval.grounds
        and approval.allows_letting
        and context["reversion"] is None
        else None
    )
    return render(request, "allocation/approvals/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def approval_detail(request, pk: int):
    """GET: the request. POST: the kommune officer approves or refuses."""
    approval = request_or_404(request, pk)
    if request.method == "GET":
        return approval_page(request, approval)
    if not selectors_approvals.is_officer_for(request.user, approval):
        raise PermissionDenied
    form = ApprovalDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.approval_decide(
                actor=request.user,
                reason=data["change_reason"],
                request=approval,
                approve=data["decision"] == "approve",
                refusal_ground=data["refusal_ground"],
                decision_reasons=data["decision_reasons"],
                household_income=data["household_income"],
                income_assessment=data["income_assessment"],
                is_refugee=data["is_refugee"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The kommune's decision was saved and the applicant told in writing.")
            )
            return redirect("approvals:approval_detail", pk=approval.pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    approval = request_or_404(request, pk)
    return approval_page(request, approval, form=form, status=400)


def officer_action(request, pk: int, **action):
    return post_action(
        request,
        load=lambda: request_or_404(request, pk),
        allowed=lambda approval: selectors_approvals.is_officer_for(request.user, approval),
        page=lambda approval, **bound: approval_page(request, approval, **bound),
        **action,
    )


@require_POST
def approval_youth_revert(request, pk: int):
    """R12.5: the kommune officer decides that the youth dwelling is let as a youth dwelling again."""
    return officer_action(
        request,
        pk,
        form_class=YouthReversionForm,
        prefix="revert",
        key="reversion_form",
        run=lambda approval, d: reversions.youth_reversion_decide(
            actor=request.user,
            reason=d["change_reason"],
            request=approval,
            valid_from=d["valid_from"],
            reasons=d["reasons"],
        ),
        success=_("The decision is recorded: the dwelling is let as a youth dwelling again."),
    )


@require_GET
def approval_history(request, pk: int):
    approval = request_or_404(request, pk)
    return history_page(
        request,
        "allocation/approvals/history.html",
        name="approval",
        obj=approval,
        tabs=_tabs(approval, "history"),
        nav_section="approvals"
        if selectors_approvals.is_officer_for(request.user, approval)
        else "allocation",
    )


@require_GET
def approval_report(request):
    """R36.2: the annual report to the ministry, per kommune of the officer (page and CSV)."""
    permissions.require_kommune_officer(request.user)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year - 1)
    except ValueError:
        year = this_year - 1
    if not 2000 <= year <= this_year:
        year = this_year - 1
    rows = reports.annual_report(user=request.user, year=year)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(reports.annual_report_pdf(rows, year=year), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="indberetning-36-2-{year}.pdf"'
        return response
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            reports.annual_report_csv(rows, year=year), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="indberetning-36-2-{year}.csv"'
        return response
    return render(
        request,
        "allocation/approvals/report.html",
        {
            "rows": rows,
            "year": year,
            "years": list(range(this_year, this_year - 6, -1)),
            "generated": datetime.datetime.now(tz=datetime.UTC),
            "nav_section": "approvals",
        },
    )


@require_http_methods(["GET", "POST"])
def approval_request_new(request, pk: int):
    """The organisation's caseworker sends a letting of this vacancy to the kommune for approval."""
    try:
        vacancy = selectors.vacancy_detail(user=request.user, pk=pk)
    except Vacancy.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.can_write_vacancy(request.user, vacancy) or vacancy.state != VacancyState.OPEN:
        raise PermissionDenied
    form = ApprovalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = selectors_approvals.applicant_for(vacancy=vacancy, applicant_number=data["applicant_number"])
        if person is None:
            form.add_error(
                "applicant_number", _("No applicant with this number in the organisation's registers.")
            )
        else:
            try:
                approval = creation.approval_request_create(
                    actor=request.user,
                    reason=data["change_reason"],
                    vacancy=vacancy,
                    person=person,
                    let_as=data["let_as"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The letting was sent to the kommune; it may refuse until %(day)s.")
                    % {"day": date_format(approval.deadline, "SHORT_DATE_FORMAT")},
                )
                return redirect("letting:vacancy_detail", pk=vacancy.pk)
    if form.errors:
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "allocation/approvals/request_new.html",
        {"vacancy": vacancy, "dwelling": vacancy.dwelling, "form": form, "nav_section": "allocation"},
        status=400 if form.errors else 200,
    )
