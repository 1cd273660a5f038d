"""Pages of the specific lists (§§ 20–21) for kommune officers: the lists, one list's entries with
inside/outside the kommune (R21.1), adding an applicant, one entry with its place on the list
(R21.5), its fee (R21.2–R21.4) and its history, and taking an applicant off the list.

Only kommune officers reach these pages (403 for other staff); a list of another kommune is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from housing.audit import history_rows
from housing.views.common import apply_service_errors, ordered, paginate

from .. import selectors_lists as selectors
from ..forms_lists import EntryJoinForm, EntryRemoveForm, FeePaymentForm, PlaceLetterForm
from ..models import SpecificEntryStatus, SpecificList, SpecificListEntry
from ..services import needs as need_services
from ..services import outsiders as outsider_services
from ..services import specific_lists as services
from .needs import require_officer_page

NAV = "eldercare"


def applicant_find_or_register(request, data: dict, specific_list: SpecificList):
    """The applicant of a specific-list entry or a free-choice application: found in the list
    kommune's register by CPR, or registered there with the home kommune as the kommune of residence
    (the applicant may live in another kommune, R19, R21.1). Call inside the transaction that saves
    the entry or application, so nobody is registered alone."""
    return need_services.citizen_find_or_register(
        actor=request.user,
        reason=data["change_reason"],
        kommune=specific_list.kommune,
        cpr_number=data["cpr"],
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        residence=data["home_kommune"],
    )


def _list_or_404(request, pk: int) -> SpecificList:
    require_officer_page(request)
    try:
        return selectors.specific_lists_for(request.user).select_related("kommune", "facility").get(pk=pk)
    except SpecificList.DoesNotExist as exc:
        raise Http404 from exc


def _entry_or_404(request, pk: int, entry_pk: int) -> SpecificListEntry:
    require_officer_page(request)
    try:
        return (
            selectors.entries_for(request.user)
            .select_related("specific_list__kommune", "specific_list__facility", "person", "home_kommune")
            .get(pk=entry_pk, specific_list_id=pk)
        )
    except SpecificListEntry.DoesNotExist as exc:
        raise Http404 from exc


# Sortable columns (housing.views.common.ordered) of the specific lists and of one list's entries.
# An entry's place is its place in the order of joining, numbered before any sorting.
SPECIFIC_LIST_COLUMNS = (
    ("name", "name"),
    ("facility__name", "facility"),
    ("facility__kind", "kind"),
    ("kommune__name", "kommune"),
    ("active_count", "active"),
    ("inside_count", "inside"),
    ("outside_count", "outside"),
    ("fee_amount", "fee"),
)
SPECIFIC_ENTRY_COLUMNS = (
    (("joined_on", "pk"), "place"),
    ("joined_on", "joined"),
    (("person__last_name", "person__first_name"), "applicant"),
    ("lives_inside", "lives"),
    ("home_kommune__name", "home_kommune"),
    ("status", "status"),
)


@require_GET
def specific_list_index(request):
    require_officer_page(request)
    return render(
        request,
        "eldercare/lists/index.html",
        {
            "lists": list(
                ordered(request, selectors.specific_list_overview(request.user), SPECIFIC_LIST_COLUMNS)
            ),
            "tabs": list_tabs("lists"),
            "nav_section": NAV,
        },
    )


STATUS_FILTERS = [("active", SpecificEntryStatus.ACTIVE), ("all", "")]


@require_GET
def specific_list_detail(request, pk: int):
    specific_list = _list_or_404(request, pk)
    show = request.GET.get("show", "active")
    status = dict(STATUS_FILTERS).get(show, SpecificEntryStatus.ACTIVE)
    entries = list(selectors.list_entries(specific_list, status=status))
    for place, entry in enumerate(entries, start=1):
        entry.place = place
    today = timezone.localdate()
    decision = outsider_services.decision_in_force(
        kommune_id=specific_list.kommune_id, dwelling_kind=specific_list.facility.kind, day=today
    )
    return render(
        request,
        "eldercare/lists/detail.html",
        {
            "specific_list": specific_list,
            "entries": paginate(request, ordered(request, entries, SPECIFIC_ENTRY_COLUMNS)),
            "show": show,
            "inside": sum(1 for e in entries if e.status == SpecificEntryStatus.ACTIVE and e.lives_inside),
            "outside": sum(
                1 for e in entries if e.status == SpecificEntryStatus.ACTIVE and not e.lives_inside
            ),
            "decision": decision,
            "nav_section": NAV,
        },
    )


@require_http_methods(["GET", "POST"])
def entry_add(request, pk: int):
    specific_list = _list_or_404(request, pk)
    context = {"specific_list": specific_list, "nav_section": NAV}
    if request.method == "GET":
        form = EntryJoinForm(
            initial={"joined_on": timezone.localdate(), "home_kommune": specific_list.kommune}
        )
        return render(request, "eldercare/lists/entry_form.html", {**context, "form": form})
    form = EntryJoinForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the citizen is registered only together with the entry
                person = applicant_find_or_register(request, data, specific_list)
                entry = services.entry_join(
                    actor=request.user,
                    reason=data["change_reason"],
                    specific_list=specific_list,
                    person=person,
                    joined_on=data["joined_on"],
                    home_kommune=data["home_kommune"],
                    outsider_exemption=data.get("outsider_exemption") or "",
                    outsider_exemption_note=data.get("outsider_exemption_note") or "",
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The applicant was put on the list."))
            return redirect("eldercare:specific_entry_detail", pk=specific_list.pk, entry_pk=entry.pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(request, "eldercare/lists/entry_form.html", {**context, "form": form}, status=400)


def _charge_of(entry: SpecificListEntry):
    # A reverse one-to-one raises RelatedObjectDoesNotExist (an AttributeError) when there is none.
    return getattr(entry, "fee_charge", None)


def _entry_context(entry: SpecificListEntry, **forms) -> dict:
    charge = _charge_of(entry)
    return {
        "entry": entry,
        "specific_list": entry.specific_list,
        "place": services.entry_place(entry),
        "charge": charge,
        "history": history_rows(entry),
        "remove_form": forms.get("remove_form") or EntryRemoveForm(initial={"left_on": timezone.localdate()}),
        "place_form": forms.get("place_form") or PlaceLetterForm(prefix="place"),
        "fee_form": forms.get("fee_form")
        or FeePaymentForm(
            prefix="fee",
            initial={"paid_on": timezone.localdate(), "amount": charge.amount if charge else None},
        ),
        "nav_section": NAV,
    }


@require_GET
def entry_detail(request, pk: int, entry_pk: int):
    entry = _entry_or_404(request, pk, entry_pk)
    return render(request, "eldercare/lists/entry_detail.html", _entry_context(entry))


@require_POST
def entry_remove(request, pk: int, entry_pk: int):
    entry = _entry_or_404(request, pk, entry_pk)
    form = EntryRemoveForm(request.POST)
    if form.is_valid():
        try:
            services.entry_remove(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                entry=entry,
                left_on=form.cleaned_data["left_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The applicant was taken off the list."))
            return redirect("eldercare:specific_list_detail", pk=pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request, "eldercare/lists/entry_detail.html", _entry_context(entry, remove_form=form), status=400
    )


@require_POST
def entry_place_letter(request, pk: int, entry_pk: int):
    entry = _entry_or_404(request, pk, entry_pk)
    form = PlaceLetterForm(request.POST, prefix="place")
    if form.is_valid():
        try:
            services.entry_place_send(
                actor=request.user, reason=form.cleaned_data["change_reason"], entry=entry
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("A letter with the place on the list was sent (R21.5)."))
            return redirect("eldercare:specific_entry_detail", pk=pk, entry_pk=entry_pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request, "eldercare/lists/entry_detail.html", _entry_context(entry, place_form=form), status=400
    )


@require_POST
def entry_fee_pay(request, pk: int, entry_pk: int):
    entry = _entry_or_404(request, pk, entry_pk)
    charge = _charge_of(entry)
    if charge is None:
        raise Http404
    form = FeePaymentForm(request.POST, prefix="fee")
    if form.is_valid():
        try:
            services.fee_charge_pay(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                charge=charge,
                paid_on=form.cleaned_data["paid_on"],
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The payment of the fee was registered."))
            return redirect("eldercare:specific_entry_detail", pk=pk, entry_pk=entry_pk)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request, "eldercare/lists/entry_detail.html", _entry_context(entry, fee_form=form), status=400
    )


def list_tabs(active: str) -> list[dict]:
    return [
        {
            "url": reverse("eldercare:specific_list_index"),
            "label": _("Specific lists"),
            "active": active == "lists",
        },
        {"url": reverse("eldercare:free_choice_list"), "label": _("Free choice"), "active": active == "free"},
        {
            "url": reverse("eldercare:outsiders"),
            "label": _("Refusing outsiders"),
            "active": active == "outsiders",
        },
    ]
