"""The person page's *Priority* tab: the documented need behind R5/R10 (health data: each showing is
logged), the separation priority (R8.2) and the boliggarantibeviser (R6) the ranking places the
person by. Every change is a POST with a reason, handled by ``allocation.services.needs``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing import permissions
from housing.audit import history_rows
from housing.views.common import apply_service_errors
from housing.views.persons import person_or_404, person_tabs

from ..forms_needs import PriorityNeedForm, ReasonForm, SeparationEndForm, SeparationPriorityForm
from ..models import SeparationPriority
from ..services import needs

TAB = "priorities"


def _page(request, person, *, status: int = 200, **bound):
    need = needs.priority_need_read(
        actor=request.user, person=person, purpose_text=_("The person page's Priority tab")
    )
    can_write = permissions.can_write_person(request.user, person)
    today = timezone.localdate()
    separations = list(needs.person_separations(actor=request.user, person=person))
    separation_history = list(
        SeparationPriority.history.filter(person_id=person.pk)
        .select_related("history_user", "organisation", "kommune")
        .order_by("-history_date", "-history_id")
    )
    context = {
        "person": person,
        "tabs": person_tabs(person, TAB),
        "need": need,
        "need_history": history_rows(need) if need is not None else [],
        "separations": separations,
        "separation_history": separation_history,
        "guarantees": list(needs.person_guarantees(actor=request.user, person=person)),
        "can_write": can_write,
        "today": today,
    }
    if can_write:
        initial = {"documented_on": today}
        if need is not None:
            initial = {
                "elderly_or_disabled": need.elderly_or_disabled,
                "mobility_impaired": need.mobility_impaired,
                "household_member_mobility_impaired": need.household_member_mobility_impaired,
                "documentation": need.documentation,
                "documented_on": need.documented_on,
            }
        departments = needs.separation_departments(request.user)
        context.update(
            {
                "need_form": bound.get("need_form") or PriorityNeedForm(prefix="need", initial=initial),
                "remove_form": bound.get("remove_form") or ReasonForm(prefix="remove"),
                "separation_form": bound.get("separation_form")
                or SeparationPriorityForm(prefix="separation", departments=departments),
                "end_form": bound.get("end_form")
                or SeparationEndForm(
                    prefix="end",
                    initial={"ends_on": today},
                    separations=needs.person_separations(actor=request.user, person=person).filter(
                        valid_until__gt=today
                    ),
                ),
            }
        )
    return render(request, "allocation/person_priorities.html", context, status=status)


@require_GET
def person_priorities(request, pk: int):
    return _page(request, person_or_404(request, pk))


def _post(request, pk: int, *, form, key: str, run, success: str):
    """Validate, call the service, put its errors next to the fields; nothing is saved on error."""
    person = person_or_404(request, pk)
    if not permissions.can_write_person(request.user, person):
        raise PermissionDenied
    if form.is_valid():
        try:
            run(person, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("allocation:person_priorities", person.pk)
    return _page(request, person, status=400, **{key: form})


@require_POST
def person_need_save(request, pk: int):
    return _post(
        request,
        pk,
        form=PriorityNeedForm(request.POST, prefix="need"),
        key="need_form",
        run=lambda person, d: needs.priority_need_save(
            actor=request.user,
            reason=d["change_reason"],
            person=person,
            elderly_or_disabled=d["elderly_or_disabled"],
            mobility_impaired=d["mobility_impaired"],
            household_member_mobility_impaired=d["household_member_mobility_impaired"],
            documentation=d["documentation"],
            documented_on=d["documented_on"],
        ),
        success=_("The documented need is saved."),
    )


@require_POST
def person_need_remove(request, pk: int):
    return _post(
        request,
        pk,
        form=ReasonForm(request.POST, prefix="remove"),
        key="remove_form",
        run=lambda person, d: needs.priority_need_remove(
            actor=request.user, reason=d["change_reason"], person=person
        ),
        success=_("The documented need is removed."),
    )


@require_POST
def person_separation_add(request, pk: int):
    return _post(
        request,
        pk,
        form=SeparationPriorityForm(
            request.POST, prefix="separation", departments=needs.separation_departments(request.user)
        ),
        key="separation_form",
        run=lambda person, d: needs.separation_priority_add(
            actor=request.user,
            reason=d["change_reason"],
            person=person,
            child_department=d["child_department"],
            left_on=d["left_on"],
            valid_until=d["valid_until"],
            child_under_18_with_other_parent=d["child_under_18_with_other_parent"],
            note=d["note"],
        ),
        success=_("The separation priority is recorded."),
    )


@require_POST
def person_separation_end(request, pk: int):
    person = person_or_404(request, pk)
    form = SeparationEndForm(
        request.POST,
        prefix="end",
        separations=needs.person_separations(actor=request.user, person=person),
    )
    return _post(
        request,
        pk,
        form=form,
        key="end_form",
        run=lambda person, d: needs.separation_priority_end(
            actor=request.user, reason=d["change_reason"], separation=d["separation"], ends_on=d["ends_on"]
        ),
        success=_("The separation priority is ended."),
    )
