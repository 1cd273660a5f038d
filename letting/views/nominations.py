"""Pages of kommunal anvisning (R1.4): the kommune officer's queue, and one page per vacancy where
the officer names the tenant and the organisation's caseworker makes the lease with them (R1.10).

Reads and writes go through ``allocation.services.nominations``; a vacancy the user may not see
is a 404, an action the user may not take on a vacancy they see is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation.forms_nominations import NominationForm, NominationLeaseForm
from allocation.models import Lease, Vacancy, VacancyState
from allocation.services import nominations as services
from housing import permissions, scoping
from housing.audit import history_rows
from housing.views.common import apply_service_errors, ordered, paginate

from .. import workflow

# The queue's sortable columns (housing.views.common.ordered); by default the earliest vacant first.
QUEUE_COLUMNS = (
    ("move_out_date", "vacant_from"),
    ("dwelling__address_line", "dwelling"),
    (("dwelling__department__number", "dwelling__address_line"), "department"),
    ("dwelling__rooms", "rooms"),
    ("dwelling__monthly_rent", "rent"),
    ("named", "named"),
)


def _vacancy_or_404(request, pk: int) -> Vacancy:
    try:
        return services.nomination_vacancy(user=request.user, pk=pk)
    except Vacancy.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
def nomination_queue(request):
    """The vacancies at the kommune's disposal, the earliest vacant first."""
    return render(
        request,
        "allocation/nominations/queue.html",
        {
            "page_obj": paginate(
                request, ordered(request, services.kommune_queue(request.user), QUEUE_COLUMNS)
            ),
            "is_officer": permissions.is_kommune_officer(request.user),
        },
    )


def _page(request, vacancy: Vacancy, *, status: int = 200, nomination_form=None, lease_form=None):
    nomination = services.nomination_of(vacancy)
    is_open = vacancy.state == VacancyState.OPEN
    is_officer = services.is_officer_for(request.user, vacancy)
    can_name = is_open and is_officer
    can_sign = (
        is_open
        and nomination is not None
        and permissions.can_write_organisation(request.user, vacancy.organisation_id)
    )
    hint = services.children_agreement_hint(vacancy) if is_officer else ""
    if can_name and nomination_form is None:
        nomination_form = NominationForm(
            instance=services.nomination_of(vacancy),
            changing=nomination is not None,
            children_agreement_applies=bool(hint),
        )
    if can_sign and lease_form is None:
        today = timezone.localdate()
        lease_form = NominationLeaseForm(
            initial={"signed_on": today, "starts_on": max(today, vacancy.move_out_date)}
        )
    lease = Lease.objects.filter(vacancy=vacancy).select_related("person").first()
    for shown, form in ((can_name, nomination_form), (can_sign, lease_form)):
        if form is not None and not shown and form.errors:
            # The form's panel is not on the page (e.g. the dwelling was let meanwhile): say why on top.
            for error in form.non_field_errors():
                messages.error(request, error)
    context = {
        "vacancy": vacancy,
        "dwelling": vacancy.dwelling,
        "nomination": nomination,
        "cpr_masked": services.nomination_cpr_masked(nomination) if nomination else "",
        "children_agreement_hint": hint,
        "can_name": can_name,
        "can_sign": can_sign,
        "nomination_form": nomination_form if can_name else None,
        "lease_form": lease_form if can_sign else None,
        "lease": lease,
        "lease_person_visible": lease is not None
        and lease.person.controller_id in scoping.scope_for(request.user).tenant_ids,
        # The ground (the social need) and its history are the kommune's: the organisation needs
        # only whom to make the lease with.
        "is_officer": is_officer,
        "history_rows": history_rows(nomination) if nomination and is_officer else [],
    }
    return render(request, "allocation/nominations/vacancy.html", context, status=status)


@require_http_methods(["GET", "POST"])
def nomination_vacancy(request, pk: int):
    """GET: the vacancy and whom the kommune named. POST: the kommune officer names (or changes)
    the tenant."""
    vacancy = _vacancy_or_404(request, pk)
    if request.method == "GET":
        return _page(request, vacancy)
    if not services.is_officer_for(request.user, vacancy):
        raise PermissionDenied
    nomination = services.nomination_of(vacancy)
    hint = services.children_agreement_hint(vacancy)
    form = NominationForm(
        request.POST,
        instance=services.nomination_of(vacancy),
        changing=nomination is not None,
        children_agreement_applies=bool(hint),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.nomination_record(
                actor=request.user,
                reason=data["change_reason"],
                vacancy=vacancy,
                cpr_number=data["cpr"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                household_size=data["household_size"],
                ground=data["ground"],
                follows_children_agreement=data.get("follows_children_agreement", True),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The kommune's tenant was saved."))
            return redirect("letting:nomination_vacancy", pk=vacancy.pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return _page(request, vacancy, status=400, nomination_form=form)


@require_POST
def nomination_lease(request, pk: int):
    """The organisation's caseworker makes the lease with the person the kommune named."""
    vacancy = _vacancy_or_404(request, pk)
    if not permissions.can_write_organisation(request.user, vacancy.organisation_id):
        raise PermissionDenied
    nomination = services.nomination_of(vacancy)
    form = NominationLeaseForm(request.POST)
    if nomination is None:
        form.is_valid()
        form.add_error(None, _("The kommune has not named a tenant for this dwelling yet."))
    elif form.is_valid():
        data = form.cleaned_data
        try:
            workflow.nomination_lease(
                actor=request.user,
                reason=data["change_reason"],
                nomination=nomination,
                signed_on=data["signed_on"],
                starts_on=data["starts_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The lease was signed with the person the kommune named."))
            return redirect("letting:nomination_vacancy", pk=vacancy.pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return _page(request, vacancy, status=400, lease_form=form)
