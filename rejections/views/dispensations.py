"""The R37.2 dispensation pages: the list (the organisation's requests, the kommune officer's to
decide), the request's page with the officer's decision and the complaints, and its history."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from allocation.views.actions import history_page, post_action
from housing import permissions, scoping
from housing.views.common import ordered, paginate
from rejections import dispensations
from rejections import selectors as selectors_rejections
from rejections.forms import DispensationDecideForm
from rejections.models import Dispensation, DispensationState


def dispensation_or_404(request, pk: int) -> Dispensation:
    try:
        return selectors_rejections.dispensation_detail(user=request.user, pk=pk)
    except Dispensation.DoesNotExist as exc:
        raise Http404 from exc


def _dispensation_tabs(dispensation: Dispensation, active: str) -> list[dict]:
    url = reverse("rejections:dispensation_detail", args=[dispensation.pk])
    return [
        {"url": url, "label": _("Overview"), "active": active == "overview"},
        {"url": url + "historik/", "label": _("History"), "active": active == "history"},
    ]


# --- R37.2 dispensations --------------------------------------------------------------------------

# Sortable columns (housing.views.common.ordered); by default the undecided first, newest first.
DISPENSATION_COLUMNS = (
    ("requested_on", "requested"),
    (("person__last_name", "person__first_name"), "applicant"),
    ("organisation__name", "organisation"),
    ("vacancy__dwelling__address_line", "dwelling"),
    ("state", "state"),
)


@require_GET
def dispensation_list(request):
    scope = scoping.scope_for(request.user)
    if not (scope.organisation_ids or scope.kommune_ids):
        raise PermissionDenied
    state = request.GET.get("state") or ""
    if state not in DispensationState.values:
        state = ""
    return render(
        request,
        "allocation/rejections/dispensation_list.html",
        {
            "page": paginate(
                request,
                ordered(
                    request,
                    selectors_rejections.dispensation_list(user=request.user, state=state),
                    DISPENSATION_COLUMNS,
                ),
            ),
            "states": DispensationState.choices,
            "state": state,
            "nav_section": "dispensations" if scope.is_kommune_officer else "allocation",
        },
    )


def dispensation_page(request, dispensation: Dispensation, *, status: int = 200, **bound):
    can_decide = dispensations.can_decide_dispensation(request.user, dispensation)
    context = {
        "dispensation": dispensation,
        "tabs": _dispensation_tabs(dispensation, "overview"),
        "can_decide": can_decide,
        "nav_section": "dispensations" if permissions.is_kommune_officer(request.user) else "allocation",
    }
    if can_decide:
        context.update(
            {
                "decide_form": bound.get("decide_form") or DispensationDecideForm(prefix="decide"),
                # A failed complaint or outcome submit (``complaints.views``) brings its bound form;
                # otherwise the complaints template tags give blank ones.
                "complaint_form": bound.get("complaint_form"),
                "outcome_form": bound.get("outcome_form"),
            }
        )
    return render(request, "allocation/rejections/dispensation_detail.html", context, status=status)


@require_GET
def dispensation_detail(request, pk: int):
    return dispensation_page(request, dispensation_or_404(request, pk))


@require_GET
def dispensation_history(request, pk: int):
    dispensation = dispensation_or_404(request, pk)
    return history_page(
        request,
        "allocation/rejections/dispensation_history.html",
        name="dispensation",
        obj=dispensation,
        tabs=_dispensation_tabs(dispensation, "history"),
    )


def dispensation_action(request, pk: int, **action):
    return post_action(
        request,
        load=lambda: dispensation_or_404(request, pk),
        allowed=lambda dispensation: dispensations.can_decide_dispensation(request.user, dispensation),
        page=lambda dispensation, **bound: dispensation_page(request, dispensation, **bound),
        **action,
    )


@require_POST
def dispensation_decide(request, pk: int):
    def run(dispensation, d):
        dispensations.dispensation_decide(
            actor=request.user,
            reason=d["change_reason"],
            dispensation=dispensation,
            grant=d["decision"] == "grant",
            work_or_education_prospect=d["work_or_education_prospect"],
            pension_prospect=d["pension_prospect"],
            housing_elsewhere_prospect=d["housing_elsewhere_prospect"],
            other_circumstances=d["other_circumstances"],
            decision_reasoning=d["decision_reasoning"],
        )

    return dispensation_action(
        request,
        pk,
        form_class=DispensationDecideForm,
        prefix="decide",
        key="decide_form",
        run=run,
        success=_("The decision is recorded and the letter queued."),
    )
