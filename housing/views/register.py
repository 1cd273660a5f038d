"""Register pages: organisations, departments (afdelinger) and dwellings — list, view, create, edit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import permissions, scoping, selectors, services
from ..audit import history_rows
from ..filters import DepartmentFilter, DwellingFilter, OrganisationFilter
from ..forms import DepartmentForm, DwellingForm, OrganisationForm
from ..models import Department, Dwelling, HousingOrganisation
from .common import audited_form_view, object_tabs, ordered, paginate

# Each list's sortable columns (?ordering=, see housing.views.common.ordered).
ORGANISATION_COLUMNS = (
    ("name", "name"),
    ("cvr", "cvr"),
    ("city", "city"),
    ("shared_list__name", "shared_list"),
    ("department_count", "departments"),
)
DEPARTMENT_COLUMNS = (
    ("number", "number"),
    ("name", "name"),
    ("organisation__name", "organisation"),
    ("kommune__name", "kommune"),
    ("address_line", "address"),
    ("dwelling_count", "dwellings"),
)
DWELLING_COLUMNS = (
    ("number", "number"),
    ("address_line", "address"),
    (("department__number", "number"), "department"),
    ("kind", "kind"),
    ("rooms", "rooms"),
    ("gross_floor_area", "area"),
    ("monthly_rent", "rent"),
)

# --- Organisations ---------------------------------------------------------------------------


def organisation_list(request):
    queryset = selectors.organisation_list(user=request.user)
    filterset = OrganisationFilter(request.GET or None, queryset=queryset.order_by("name"))
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset.order_by("name")
    rows = ordered(request, rows, ORGANISATION_COLUMNS)
    return render(
        request,
        "housing/organisation_list.html",
        {
            "filter": filterset,
            "page_obj": paginate(request, rows),
            "can_create": permissions.can_create_organisation(request.user),
        },
    )


def _organisation(request, pk: int) -> HousingOrganisation:
    return get_object_or_404(scoping.organisations_for(request.user).select_related("shared_list"), pk=pk)


def organisation_detail(request, pk: int):
    organisation = _organisation(request, pk)
    departments = (
        selectors.department_list(user=request.user).filter(organisation=organisation).order_by("number")
    )
    return render(
        request,
        "housing/organisation_detail.html",
        {
            "organisation": organisation,
            "departments": departments,
            "tabs": object_tabs(organisation, "overview"),
            "can_edit": permissions.can_write_organisation(request.user, organisation.pk),
        },
    )


def organisation_history(request, pk: int):
    organisation = _organisation(request, pk)
    return render(
        request,
        "housing/history.html",
        {
            "object": organisation,
            "history_rows": history_rows(organisation),
            "tabs": object_tabs(organisation, "history"),
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_create(request):
    if not permissions.can_create_organisation(request.user):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, initial={"change_reason": _("New organisation")})
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.organisation_create(
            actor=actor, reason=reason, organisation=instance
        ),
        template="housing/form.html",
        context={"title": _("New housing organisation"), "cancel_url": "housing:organisation_list"},
        success_message=_("The organisation was created."),
    )


@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    organisation = _organisation(request, pk)
    if not permissions.can_write_organisation(request.user, organisation.pk):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.organisation_update(
            actor=actor, reason=reason, organisation=instance
        ),
        template="housing/form.html",
        context={"title": _("Edit %(name)s") % {"name": organisation.name}, "object": organisation},
        success_message=_("The changes were saved."),
    )


# --- Departments -----------------------------------------------------------------------------


def department_list(request):
    organisations = scoping.organisations_for(request.user).order_by("name")
    queryset = selectors.department_list(user=request.user).order_by("organisation__name", "number")
    filterset = DepartmentFilter(request.GET or None, queryset=queryset, organisations=organisations)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    rows = ordered(request, rows, DEPARTMENT_COLUMNS)
    return render(
        request,
        "housing/department_list.html",
        {
            "filter": filterset,
            "page_obj": paginate(request, rows),
            "can_create": bool(scoping.scope_for(request.user).writable_organisation_ids)
            or scoping.scope_for(request.user).is_administrator,
        },
    )


def _department(request, pk: int) -> Department:
    try:
        return selectors.department_detail(user=request.user, pk=pk)
    except Department.DoesNotExist as exc:
        raise Http404 from exc


def department_detail(request, pk: int):
    department = _department(request, pk)
    dwellings = selectors.dwelling_list(user=request.user).filter(department=department).order_by("number")
    dwellings = ordered(request, dwellings, DWELLING_COLUMNS)
    return render(
        request,
        "housing/department_detail.html",
        {
            "department": department,
            "page_obj": paginate(request, dwellings),
            "tabs": object_tabs(department, "overview"),
            "can_edit": permissions.can_write_organisation(request.user, department.organisation_id),
        },
    )


def department_history(request, pk: int):
    department = _department(request, pk)
    return render(
        request,
        "housing/history.html",
        {
            "object": department,
            "history_rows": history_rows(department),
            "tabs": object_tabs(department, "history"),
        },
    )


def _writable_organisations(user):
    scope = scoping.scope_for(user)
    organisations = scoping.organisations_for(user)
    if scope.is_administrator:
        return organisations.order_by("name")
    return organisations.filter(pk__in=scope.writable_organisation_ids).order_by("name")


@require_http_methods(["GET", "POST"])
def department_create(request):
    organisations = _writable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    form = DepartmentForm(
        request.POST or None,
        organisations=organisations,
        initial={"change_reason": _("New department"), "organisation": organisations.first()},
    )
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.department_save(
            actor=actor, reason=reason, department=instance
        ),
        template="housing/form.html",
        context={"title": _("New department"), "cancel_url": "housing:department_list"},
        success_message=_("The department was created."),
    )


@require_http_methods(["GET", "POST"])
def department_edit(request, pk: int):
    department = _department(request, pk)
    if not permissions.can_write_organisation(request.user, department.organisation_id):
        raise PermissionDenied
    form = DepartmentForm(
        request.POST or None, instance=department, organisations=_writable_organisations(request.user)
    )
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.department_save(
            actor=actor, reason=reason, department=instance
        ),
        template="housing/form.html",
        context={"title": _("Edit department %(name)s") % {"name": department}, "object": department},
        success_message=_("The changes were saved."),
    )


# --- Dwellings -------------------------------------------------------------------------------


def dwelling_list(request):
    # The filter's department options: their number and name (Department.__str__) are all it shows.
    departments = (
        scoping.departments_for(request.user)
        .only("pk", "number", "name")
        .order_by("organisation__name", "number")
    )
    queryset = selectors.dwelling_list(user=request.user).order_by("department__number", "number")
    filterset = DwellingFilter(request.GET or None, queryset=queryset, departments=departments)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    rows = ordered(request, rows, DWELLING_COLUMNS)
    return render(
        request,
        "housing/dwelling_list.html",
        {
            "filter": filterset,
            "page_obj": paginate(request, rows),
            "can_create": bool(scoping.scope_for(request.user).writable_organisation_ids)
            or scoping.scope_for(request.user).is_administrator,
        },
    )


def _dwelling(request, pk: int) -> Dwelling:
    return get_object_or_404(
        selectors.dwelling_list(user=request.user).select_related("department__kommune"), pk=pk
    )


def dwelling_detail(request, pk: int):
    dwelling = _dwelling(request, pk)
    return render(
        request,
        "housing/dwelling_detail.html",
        {
            "dwelling": dwelling,
            "tabs": object_tabs(dwelling, "overview"),
            "can_edit": permissions.can_write_organisation(request.user, dwelling.department.organisation_id),
        },
    )


def dwelling_history(request, pk: int):
    dwelling = _dwelling(request, pk)
    return render(
        request,
        "housing/history.html",
        {
            "object": dwelling,
            "history_rows": history_rows(dwelling),
            "tabs": object_tabs(dwelling, "history"),
        },
    )


def _writable_departments(user):
    return (
        scoping.departments_for(user)
        .filter(organisation__in=_writable_organisations(user))
        .order_by("organisation__name", "number")
    )


@require_http_methods(["GET", "POST"])
def dwelling_create(request):
    departments = _writable_departments(request.user)
    if not departments.exists():
        raise PermissionDenied
    initial = {"change_reason": _("New dwelling")}
    wanted = request.GET.get("department", "")
    if wanted.isdigit() and departments.filter(pk=int(wanted)).exists():
        initial["department"] = int(wanted)
    form = DwellingForm(request.POST or None, departments=departments, initial=initial)
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.dwelling_save(
            actor=actor, reason=reason, dwelling=instance
        ),
        template="housing/form.html",
        context={"title": _("New dwelling"), "cancel_url": "housing:dwelling_list"},
        success_message=_("The dwelling was created."),
    )


@require_http_methods(["GET", "POST"])
def dwelling_edit(request, pk: int):
    dwelling = _dwelling(request, pk)
    if not permissions.can_write_organisation(request.user, dwelling.department.organisation_id):
        raise PermissionDenied
    form = DwellingForm(
        request.POST or None, instance=dwelling, departments=_writable_departments(request.user)
    )
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.dwelling_save(
            actor=actor, reason=reason, dwelling=instance
        ),
        template="housing/form.html",
        context={"title": _("Edit dwelling %(name)s") % {"name": dwelling}, "object": dwelling},
        success_message=_("The changes were saved."),
    )
