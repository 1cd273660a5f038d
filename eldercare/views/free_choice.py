"""Pages of free choice across kommuner (§ 19, R19.1–R19.4): the applications, a new one, and one
application with both kommuner's assessments and the decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from housing.audit import history_rows
from housing.views.common import apply_service_errors, ordered, paginate

from .. import selectors, selectors_lists
from ..forms_lists import (
    DestinationAssessmentForm,
    FreeChoiceDecideForm,
    FreeChoiceReceiveForm,
    HomeAssessmentForm,
)
from ..models import FreeChoiceApplication, NeedState
from ..services import free_choice as services
from .lists import applicant_find_or_register, list_tabs
from .needs import require_officer_page

NAV = "eldercare"


def _application_or_404(request, pk: int) -> FreeChoiceApplication:
    require_officer_page(request)
    try:
        return (
            selectors_lists.free_choice_for(request.user)
            .select_related(
                "specific_list__kommune",
                "specific_list__facility",
                "person",
                "home_kommune",
                "entry",
                "destination_need_decision",
            )
            .get(pk=pk)
        )
    except FreeChoiceApplication.DoesNotExist as exc:
        raise Http404 from exc


# The applications' sortable columns (housing.views.common.ordered); by default the newest first.
FREE_CHOICE_COLUMNS = (
    ("received_on", "received"),
    (("person__last_name", "person__first_name"), "applicant"),
    ("home_kommune__name", "home_kommune"),
    ("specific_list__name", "specific_list"),
    ("state", "state"),
)


@require_GET
def free_choice_list(request):
    require_officer_page(request)
    applications = (
        selectors_lists.free_choice_for(request.user)
        .select_related("specific_list", "person", "home_kommune")
        .order_by("-received_on", "-pk")
    )
    return render(
        request,
        "eldercare/lists/free_choice_list.html",
        {
            "page_obj": paginate(request, ordered(request, applications, FREE_CHOICE_COLUMNS)),
            "tabs": list_tabs("free"),
            "nav_section": NAV,
        },
    )


@require_http_methods(["GET", "POST"])
def free_choice_create(request):
    require_officer_page(request)
    lists = selectors_lists.specific_lists_for(request.user).select_related("kommune").order_by("name")
    if not lists.exists():
        raise PermissionDenied
    context = {"nav_section": NAV}
    if request.method == "GET":
        form = FreeChoiceReceiveForm(lists=lists, initial={"received_on": timezone.localdate()})
        return render(request, "eldercare/lists/free_choice_form.html", {**context, "form": form})
    form = FreeChoiceReceiveForm(request.POST, lists=lists)
    if form.is_valid():
        data = form.cleaned_data
        specific_list = data["specific_list"]
        try:
            with transaction.atomic():  # the citizen is registered only together with the application
                person = applicant_find_or_register(request, data, specific_list)
                application = services.free_choice_receive(
                    actor=request.user,
                    reason=data["change_reason"],
                    specific_list=specific_list,
                    person=person,
                    home_kommune=data["home_kommune"],
                    received_on=data["received_on"],
                    outsider_exemption=data.get("outsider_exemption") or "",
                    outsider_exemption_note=data.get("outsider_exemption_note") or "",
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The free-choice application was recorded."))
            return redirect(application.get_absolute_url())
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(request, "eldercare/lists/free_choice_form.html", {**context, "form": form}, status=400)


def _need_decisions(request, application):
    return selectors.need_decisions_for(request.user).filter(
        person_id=application.person_id, state=NeedState.IN_FORCE
    )


def _context(request, application, **forms) -> dict:
    today = timezone.localdate()
    return {
        "application": application,
        "history": history_rows(application),
        "home_form": forms.get("home_form")
        or HomeAssessmentForm(prefix="home", initial={"assessed_on": today}),
        "destination_form": forms.get("destination_form")
        or DestinationAssessmentForm(
            prefix="dest",
            need_decisions=_need_decisions(request, application),
            initial={"assessed_on": today},
        ),
        "decide_form": forms.get("decide_form")
        or FreeChoiceDecideForm(prefix="decide", initial={"decided_on": today}),
        "nav_section": NAV,
    }


@require_GET
def free_choice_detail(request, pk: int):
    application = _application_or_404(request, pk)
    return render(request, "eldercare/lists/free_choice_detail.html", _context(request, application))


def _post(request, application, form, key, call, success):
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(application.get_absolute_url())
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "eldercare/lists/free_choice_detail.html",
        _context(request, application, **{key: form}),
        status=400,
    )


@require_POST
def free_choice_home(request, pk: int):
    application = _application_or_404(request, pk)
    form = HomeAssessmentForm(request.POST, prefix="home")
    return _post(
        request,
        application,
        form,
        "home_form",
        lambda data: services.free_choice_assess_home(
            actor=request.user,
            reason=data["change_reason"],
            application=application,
            conditions_met=data["conditions_met"] == "yes",
            assessed_on=data["assessed_on"],
            case_reference=data.get("case_reference", ""),
            note=data.get("note", ""),
        ),
        _("The home kommune's assessment was recorded."),
    )


@require_POST
def free_choice_destination(request, pk: int):
    application = _application_or_404(request, pk)
    form = DestinationAssessmentForm(
        request.POST, prefix="dest", need_decisions=_need_decisions(request, application)
    )
    return _post(
        request,
        application,
        form,
        "destination_form",
        lambda data: services.free_choice_assess_destination(
            actor=request.user,
            reason=data["change_reason"],
            application=application,
            need_decision=data.get("need_decision"),
            conditions_met=data["conditions_met"] == "yes",
            assessed_on=data["assessed_on"],
            same_guidelines=data["same_guidelines"],
            note=data.get("note", ""),
        ),
        _("This kommune's assessment was recorded."),
    )


@require_POST
def free_choice_decide(request, pk: int):
    application = _application_or_404(request, pk)
    form = FreeChoiceDecideForm(request.POST, prefix="decide")
    return _post(
        request,
        application,
        form,
        "decide_form",
        lambda data: services.free_choice_decide(
            actor=request.user,
            reason=data["change_reason"],
            application=application,
            decided_on=data["decided_on"],
        ),
        _("The application was decided and the applicant told by letter."),
    )
