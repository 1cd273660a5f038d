"""Pages of the refuse-outsiders decisions (§ 22, R22.1–R22.8): the monitor per dwelling kind, the
decisions with their dates, making a decision and extending one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from housing.views.common import apply_service_errors

from .. import selectors, selectors_lists
from ..forms_lists import DecisionForm, ExtensionForm
from ..models import RefuseOutsidersDecision
from ..rules import outsiders as rules
from ..services import outsiders as services
from .lists import list_tabs
from .needs import require_officer_page

NAV = "eldercare"


def _monitor(request, kommuner, today):
    """Per kommune: the § 22, stk. 2 figures per dwelling kind, and the stk. 5 figures of each
    decision that can still be extended."""
    return [
        (
            kommune,
            list(services.outsiders_monitor(kommune_id=kommune.pk, day=today).values()),
            services.extension_monitor(kommune_id=kommune.pk, day=today),
        )
        for kommune in kommuner
    ]


@require_http_methods(["GET", "POST"])
def outsiders(request):
    require_officer_page(request)
    kommuner = list(selectors.officer_kommuner(request.user))
    if not kommuner:
        raise PermissionDenied
    today = timezone.localdate()
    form = DecisionForm(kommuner=selectors.officer_kommuner(request.user), initial={"decided_on": today})
    status = 200
    if request.method == "POST":
        form = DecisionForm(request.POST, kommuner=selectors.officer_kommuner(request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.decision_make(
                    actor=request.user,
                    reason=data["change_reason"],
                    kommune=data["kommune"],
                    dwelling_kind=data["dwelling_kind"],
                    decided_on=data["decided_on"],
                    documentation=form.documentation(),
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request, _("The decision was recorded and is published on the kommune's page.")
                )
                return redirect("eldercare:outsiders")
        messages.error(request, _("The form has errors. Correct the fields marked below."))
        status = 400
    decisions = list(
        selectors_lists.decisions_for(request.user)
        .select_related("kommune", "extends")
        .order_by("-decided_on", "-pk")
    )
    for decision in decisions:
        decision.earliest_extension = rules.earliest_extension(decision.lapses_on)
        decision.is_in_force = decision.in_force_on(today)
    return render(
        request,
        "eldercare/lists/outsiders.html",
        {
            "monitor": _monitor(request, kommuner, today),
            "decisions": decisions,
            "form": form,
            "today": today,
            "tabs": list_tabs("outsiders"),
            "nav_section": NAV,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def decision_extend(request, pk: int):
    require_officer_page(request)
    try:
        decision = selectors_lists.decisions_for(request.user).select_related("kommune").get(pk=pk)
    except RefuseOutsidersDecision.DoesNotExist as exc:
        raise Http404 from exc
    today = timezone.localdate()
    stk5 = next(
        (
            x
            for x in services.extension_monitor(kommune_id=decision.kommune_id, day=today)
            if x.decision == decision
        ),
        None,
    )
    context = {
        "decision": decision,
        "earliest": rules.earliest_extension(decision.lapses_on),
        "stk5": stk5,
        "nav_section": NAV,
    }
    if request.method == "GET":
        form = ExtensionForm(initial={"decided_on": today})
        return render(request, "eldercare/lists/extension_form.html", {**context, "form": form})
    form = ExtensionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_extend(
                actor=request.user,
                reason=data["change_reason"],
                decision=decision,
                decided_on=data["decided_on"],
                documentation=form.documentation(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The extension was recorded and is published on the kommune's page."))
            return redirect("eldercare:outsiders")
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(request, "eldercare/lists/extension_form.html", {**context, "form": form}, status=400)
