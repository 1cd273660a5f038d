"""Person search, the person page, CPR reveal (logged) and the personal-data access log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import csv_export, permissions, scoping, selectors, services
from ..audit import history_rows
from ..forms import CohabitationForm, CprSearchForm, PersonCreateForm, PersonForm, RevealCprForm
from ..models import AccessKind, AccessPurpose, HouseholdMember, HouseholdRelation, Person
from ..paging import COUNT_CAP, DeferredJoinPaginator
from ..person_tabs import extra_person_tabs
from .common import PAGE_SIZE, audited_form_view, object_tabs, ordered, paginate

# Sortable columns of the person search and of a person's access log (housing.views.common.ordered).
PERSON_COLUMNS = (
    (("last_name", "first_name"), "name"),
    ("applicant_number", "applicant_number"),
    (("address_line", "postal_code"), "address"),
    ("controller__name", "controller"),
)
ACCESS_COLUMNS = (
    ("accessed_at", "time"),
    (("user__last_name", "user__first_name", "user__username"), "user"),
    ("kind", "kind"),
    ("purpose", "purpose"),
    ("detail", "detail"),
)


def person_or_404(request, pk: int) -> Person:
    try:
        return selectors.person_detail(user=request.user, pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


def person_tabs(person: Person, active: str) -> list[dict]:
    url = person.get_absolute_url()
    extra = [*extra_person_tabs(person.pk), ("access_log", _("Access log"), url + "adgangslog/")]
    return object_tabs(person, active, extra=extra)


@require_http_methods(["GET", "POST"])
def _result_page(request, results):
    """A page of the matches: their ids first, then the rows; "more than 1,000" rather than
    counting every "Hansen" (housing.paging)."""
    return DeferredJoinPaginator(
        ordered(request, results, PERSON_COLUMNS),
        PAGE_SIZE,
        load=selectors.persons_by_id,
        count_cap=COUNT_CAP,
    ).get_page(request.GET.get("page"))


def person_search(request):
    """Search by name or applicant number (GET) or by CPR number (POST, so it never enters a URL).
    A CPR typed into the GET field never reaches this view: housing.cpr_in_urls redirects it away."""
    query = request.GET.get("q", "")
    cpr_form = CprSearchForm(request.POST or None)
    results = selectors.person_search(user=request.user, query=query).order_by(
        "last_name", "first_name", "pk"
    )
    if request.method == "POST" and cpr_form.is_valid():
        person = services.person_find_by_cpr(actor=request.user, cpr_number=cpr_form.cleaned_data["cpr"])
        if person is not None:
            return redirect(person)
        messages.info(request, _("No person with that CPR number is registered with you."))
        cpr_form = CprSearchForm()
    return render(
        request,
        "housing/person_search.html",
        {
            "query": query,
            "cpr_form": cpr_form,
            "page_obj": _result_page(request, results) if query else None,
            "can_create": bool(scoping.scope_for(request.user).writable_tenant_ids),
        },
        status=400 if cpr_form.errors else 200,
    )


def person_detail(request, pk: int):
    person = person_or_404(request, pk)
    return render(
        request,
        "housing/person_detail.html",
        {
            "person": person,
            "household": selectors.household_members(person=person),
            "reveal_form": RevealCprForm(),
            "tabs": person_tabs(person, "overview"),
            "can_edit": permissions.can_write_person(request.user, person),
        },
    )


@require_POST
def person_reveal_cpr(request, pk: int):
    """Show the full CPR number once a purpose is stated; the access is logged first."""
    person = person_or_404(request, pk)
    form = RevealCprForm(request.POST)
    revealed = None
    if form.is_valid():
        revealed = services.person_reveal_cpr(
            actor=request.user,
            person=person,
            purpose=form.cleaned_data["purpose"],
            purpose_text=form.cleaned_data["purpose_text"],
        )
    context = {"person": person, "reveal_form": form, "revealed_cpr": revealed}
    if request.htmx:
        return render(request, "housing/partials/cpr_reveal.html", context, status=200 if revealed else 400)
    return render(
        request,
        "housing/person_detail.html",
        {
            **context,
            "household": selectors.household_members(person=person),
            "tabs": person_tabs(person, "overview"),
            "can_edit": permissions.can_write_person(request.user, person),
        },
        status=200 if revealed else 400,
    )


def person_history(request, pk: int):
    person = person_or_404(request, pk)
    return render(
        request,
        "housing/history.html",
        {
            "object": person,
            "history_rows": history_rows(person),
            "tabs": person_tabs(person, "history"),
        },
    )


def person_access_log(request, pk: int):
    person = person_or_404(request, pk)
    return render(
        request,
        "housing/person_access_log.html",
        {
            "person": person,
            "page_obj": paginate(
                request, ordered(request, selectors.person_accesses(person=person), ACCESS_COLUMNS)
            ),
            "tabs": person_tabs(person, "access_log"),
        },
    )


@require_POST
def person_access_log_csv(request, pk: int):
    """The access log as CSV for the person's access request. Exporting is itself logged."""
    person = person_or_404(request, pk)
    services.access_log_record(
        actor=request.user,
        person=person,
        kind=AccessKind.EXPORT,
        purpose=AccessPurpose.ACCESS_REQUEST,
        detail="access log CSV",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="adgangslog-{person.applicant_number}-{stamp}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 with æøå correctly only with a BOM.
    writer = csv_export.writer(response)
    writer.writerow(
        [_("Time"), _("User"), _("Access"), _("Purpose"), _("Purpose described"), _("What was read")]
    )
    for access in selectors.person_accesses(person=person).order_by("accessed_at", "id"):
        writer.writerow(
            [
                timezone.localtime(access.accessed_at).strftime("%Y-%m-%d %H:%M:%S"),
                access.user.get_full_name() or access.user.get_username(),
                access.get_kind_display(),
                access.get_purpose_display(),
                access.purpose_text,
                access.detail,
            ]
        )
    return response


@require_http_methods(["GET", "POST"])
def person_create(request):
    controllers = scoping.writable_controllers_for(request.user).order_by("name")
    if not controllers.exists():
        raise PermissionDenied
    form = PersonCreateForm(
        request.POST or None, controllers=controllers, initial={"change_reason": _("New person registered")}
    )
    return audited_form_view(
        request,
        form=form,
        save=lambda *, actor, reason, instance: services.person_create(
            actor=actor,
            reason=reason,
            controller=form.cleaned_data["controller"],
            cpr_number=form.cleaned_data["cpr"],
            person=instance,
        ),
        template="housing/form.html",
        context={"title": _("Register a person"), "cancel_url": "housing:person_search"},
        success_message=lambda person: (
            _("The person was registered with applicant number %(number)s.")
            % {"number": person.applicant_number}
        ),
    )


@require_http_methods(["GET", "POST"])
@require_http_methods(["GET", "POST"])
def person_cohabitation(request, pk: int):
    """Since when the person (a cohabitant in a household) has lived with the applicant (§ 51 b,
    stk. 1, 4. pkt.; § 51 c, stk. 2)."""
    person = person_or_404(request, pk)
    if not permissions.can_write_person(request.user, person):
        raise PermissionDenied
    member = HouseholdMember.objects.filter(person=person, relation=HouseholdRelation.COHABITANT).first()
    if member is None:
        raise Http404
    return audited_form_view(
        request,
        form=CohabitationForm(request.POST or None, instance=member),
        save=lambda *, actor, reason, instance: services.household_cohabitation_record(
            actor=actor, reason=reason, member=instance
        ),
        template="housing/form.html",
        context={
            "title": _("Cohabitation of %(name)s with the applicant") % {"name": person.full_name},
            "object": person,
        },
        success_message=_("The start of the cohabitation is recorded."),
    )


def person_edit(request, pk: int):
    person = person_or_404(request, pk)
    if not permissions.can_write_person(request.user, person):
        raise PermissionDenied
    return audited_form_view(
        request,
        form=PersonForm(request.POST or None, instance=person),
        save=lambda *, actor, reason, instance: services.person_update(
            actor=actor, reason=reason, person=instance
        ),
        template="housing/form.html",
        context={"title": _("Edit %(name)s") % {"name": person.full_name}, "object": person},
        success_message=_("The changes were saved."),
    )
