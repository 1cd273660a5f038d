"""Recording a complaint against a decision and the body's outcome (R11, R24). The forms sit on the
page of the decision complained about; after a failed submit that page is drawn again with the
bound form, through the decision app's own page function."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from approvals import selectors as approval_selectors
from approvals import views as approval_views
from housing.views.common import apply_service_errors
from rejections import selectors as rejection_selectors
from rejections.views import cases as case_views
from rejections.views import dispensations as dispensation_views

from . import services
from .forms import ComplaintForm, ComplaintOutcomeForm
from .models import Complaint

FORM_ERRORS = gettext_lazy("The form has errors. Correct the fields marked below.")


def _record(request, against: str):
    """The service call of a complaint form against the page's object — ``against`` names it:
    "case", "dispensation" or "approval"."""

    def run(obj, d):
        return services.complaint_record(
            actor=request.user,
            reason=d["change_reason"],
            received_on=d["received_on"],
            sent_to_body_on=d["sent_to_body_on"],
            summary=d["summary"],
            **{against: obj},
        )

    return run


def _complaint_action(action, request, pk: int, against: str):
    return action(
        request,
        pk,
        form_class=ComplaintForm,
        prefix="complaint",
        key="complaint_form",
        run=_record(request, against),
        success=_("The complaint is recorded."),
    )


@require_POST
def rejection_complaint(request, pk: int):
    """A complaint to beboerklagenævnet against a decided rejection (R11)."""
    return _complaint_action(case_views.case_action, request, pk, "case")


@require_POST
def dispensation_complaint(request, pk: int):
    """A complaint to Ankestyrelsen against the kommune's R37.2 decision (R24)."""
    return _complaint_action(dispensation_views.dispensation_action, request, pk, "dispensation")


@require_POST
def approval_complaint(request, pk: int):
    """The kommune officer records a complaint to Ankestyrelsen against a refusal (R24)."""
    return _complaint_action(approval_views.officer_action, request, pk, "approval")


def _visible(request, complaint: Complaint) -> bool:
    if complaint.approval_id:
        return approval_selectors.visible_requests(request.user).filter(pk=complaint.approval_id).exists()
    if complaint.rejection_id:
        return rejection_selectors.rejections_for(request.user).filter(pk=complaint.rejection_id).exists()
    return rejection_selectors.dispensations_for(request.user).filter(pk=complaint.dispensation_id).exists()


@require_POST
def complaint_outcome(request, pk: int):
    """The outcome of a complaint (against a rejection, a dispensation decision or a refusal)."""
    complaint = (
        Complaint.objects.select_related("rejection", "dispensation", "approval").filter(pk=pk).first()
    )
    if complaint is None or not _visible(request, complaint):
        raise Http404
    if not services.can_write_complaint(request.user, complaint):
        raise PermissionDenied
    form = ComplaintOutcomeForm(request.POST, prefix="outcome")
    if complaint.approval_id:
        target = reverse("approvals:approval_detail", args=[complaint.approval_id])
    elif complaint.rejection_id:
        target = reverse("rejections:rejection_detail", args=[complaint.rejection_id])
    else:
        target = reverse("rejections:dispensation_detail", args=[complaint.dispensation_id])
    if form.is_valid():
        try:
            services.complaint_outcome_record(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                complaint=complaint,
                outcome=form.cleaned_data["outcome"],
                outcome_on=form.cleaned_data["outcome_on"],
                outcome_text=form.cleaned_data["outcome_text"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The outcome of the complaint is recorded."))
            return redirect(target)
    messages.error(request, FORM_ERRORS)
    if complaint.approval_id:
        approval = approval_views.request_or_404(request, complaint.approval_id)
        return approval_views.approval_page(request, approval, status=400, outcome_form=form)
    if complaint.rejection_id:
        case = case_views.case_or_404(request, complaint.rejection_id)
        return case_views.case_page(request, case, status=400, outcome_form=form)
    dispensation = dispensation_views.dispensation_or_404(request, complaint.dispensation_id)
    return dispensation_views.dispensation_page(request, dispensation, status=400, outcome_form=form)
