"""Pages of the needs decisions (*visitation*): the list, a new decision, one decision (its
assessment read through the access log), a changed need, and the history.

Only kommune officers reach these pages (403 for other staff); a decision of another kommune is a
404. Bad input is shown next to the field; a service's ValidationError lands on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from housing.audit import history_rows
from housing.views.common import apply_service_errors, ordered, paginate

from .. import selectors
from ..forms_needs import NeedDecisionForm
from ..models import GuaranteeEntry, NeedDecision
from ..services import needs as services

NAV = "eldercare"


def require_officer_page(request) -> None:
    if not selectors.is_officer(request.user):
        raise PermissionDenied


def _decision_or_404(request, pk: int) -> NeedDecision:
    require_officer_page(request)
    try:
        return selectors.need_decisions_for(request.user).select_related("person", "kommune").get(pk=pk)
    except NeedDecision.DoesNotExist as exc:
        raise Http404 from exc


def _tabs(decision: NeedDecision, active: str) -> list[dict]:
    return [
        {
            "url": reverse("eldercare:need_detail", args=[decision.pk]),
            "label": _("Overview"),
            "active": active == "overview",
        },
        {
            "url": reverse("eldercare:need_history", args=[decision.pk]),
            "label": _("History"),
            "active": active == "history",
        },
    ]


# The needs decisions' sortable columns (housing.views.common.ordered); by default the newest first.
NEED_COLUMNS = (
    ("decided_on", "decided"),
    (("person__last_name", "person__first_name"), "citizen"),
    ("kind", "need"),
    ("kommune__name", "kommune"),
    ("guarantee_choice", "general_list"),
)


@require_GET
def need_list(request):
    require_officer_page(request)
    return render(
        request,
        "eldercare/needs/list.html",
        {
            "page_obj": paginate(
                request, ordered(request, selectors.need_decision_list(request.user), NEED_COLUMNS)
            ),
            "nav_section": NAV,
        },
    )


def _assessment(data: dict) -> services.Assessment:
    return services.Assessment(
        social=data["social_score"],
        physical=data["physical_score"],
        mental=data["mental_score"],
        economic=data["economic_score"],
        notes=data.get("assessment_notes", ""),
        far_reaching_disability=data.get("far_reaching_disability", False),
    )


def _household(data: dict) -> services.Household:
    return services.Household(
        relation=data.get("partner_relation") or "", name=data.get("partner_name") or ""
    )


def _decision_fields(data: dict) -> dict:
    """What a new and a changed needs decision both take from the form."""
    return {
        "kind": data["kind"],
        "decided_on": data["decided_on"],
        "assessment": _assessment(data),
        "household": _household(data),
        "guarantee_choice": data.get("guarantee_choice", ""),
        "chosen_dwelling": data.get("chosen_dwelling", ""),
    }


@require_http_methods(["GET", "POST"])
def need_create(request):
    require_officer_page(request)
    kommuner = selectors.officer_kommuner(request.user)
    if not kommuner.exists():
        raise PermissionDenied
    if request.method == "GET":
        form = NeedDecisionForm(kommuner=kommuner, initial={"decided_on": timezone.localdate()})
        return render(
            request, "eldercare/needs/form.html", {"form": form, "nav_section": NAV, "creating": True}
        )
    form = NeedDecisionForm(request.POST, kommuner=kommuner)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the citizen is registered only together with the decision
                person = services.citizen_find_or_register(
                    actor=request.user,
                    reason=data["change_reason"],
                    kommune=data["kommune"],
                    cpr_number=data["cpr"],
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                )
                decision = services.need_decision_record(
                    actor=request.user,
                    reason=data["change_reason"],
                    kommune=data["kommune"],
                    person=person,
                    **_decision_fields(data),
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The needs decision was recorded."))
            return redirect(decision.get_absolute_url())
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request, "eldercare/needs/form.html", {"form": form, "nav_section": NAV, "creating": True}, status=400
    )


@require_GET
def need_detail(request, pk: int):
    decision = _decision_or_404(request, pk)
    services.need_decision_read(actor=request.user, decision=decision, purpose_text=_("Needs decision page"))
    entry = GuaranteeEntry.objects.filter(need_decision=decision).first()
    return render(
        request,
        "eldercare/needs/detail.html",
        {
            "decision": decision,
            "person": decision.person,
            "entry": entry,
            "decisions": selectors.need_history(decision),
            "tabs": _tabs(decision, "overview"),
            "nav_section": NAV,
        },
    )


@require_http_methods(["GET", "POST"])
def need_change(request, pk: int):
    decision = _decision_or_404(request, pk)
    if decision.state != "in_force":
        messages.error(request, _("Only the decision in force can be changed."))
        return redirect(decision.get_absolute_url())
    pending_offer = selectors.pending_guarantee_offer(decision)
    context = {"decision": decision, "person": decision.person, "nav_section": NAV, "creating": False}
    if request.method == "GET":
        services.need_decision_read(
            actor=request.user, decision=decision, purpose_text=_("Changing the need")
        )
        form = NeedDecisionForm(
            changing=True,
            pending_offer=pending_offer,
            initial={
                "kind": decision.kind,
                "decided_on": timezone.localdate(),
                "social_score": decision.social_score,
                "physical_score": decision.physical_score,
                "mental_score": decision.mental_score,
                "economic_score": decision.economic_score,
                "assessment_notes": decision.assessment_notes,
                "far_reaching_disability": decision.far_reaching_disability,
                "partner_relation": decision.partner_relation,
                "partner_name": decision.partner_name,
                "guarantee_choice": decision.guarantee_choice,
                "chosen_dwelling": decision.chosen_dwelling,
                "offer_received_on": pending_offer and pending_offer.received_on,
            },
        )
        return render(request, "eldercare/needs/form.html", {**context, "form": form})
    form = NeedDecisionForm(request.POST, changing=True, pending_offer=pending_offer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = services.need_decision_change(
                actor=request.user,
                reason=data["change_reason"],
                decision=decision,
                offer_received_on=data.get("offer_received_on"),
                offer_not_received=bool(data.get("offer_not_received")),
                **_decision_fields(data),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The changed need was recorded."))
            return redirect(new.get_absolute_url())
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(request, "eldercare/needs/form.html", {**context, "form": form}, status=400)


@require_GET
def need_history(request, pk: int):
    decision = _decision_or_404(request, pk)
    # The history shows the assessment's changes: a read of the assessment like the page itself.
    services.need_decision_read(
        actor=request.user, decision=decision, purpose_text=_("Needs decision history")
    )
    return render(
        request,
        "eldercare/needs/history.html",
        {
            "decision": decision,
            "person": decision.person,
            "history_rows": history_rows(decision),
            "tabs": _tabs(decision, "history"),
            "nav_section": NAV,
        },
    )
