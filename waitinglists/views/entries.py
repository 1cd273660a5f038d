"""The applicant page (one entry) with its history, and the actions on it: wishes, active/passive,
delete, reinstate, a payment, the waiting-time letter. Every action is a POST with a reason,
handled by a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from housing.audit import history_rows
from housing.views.common import apply_service_errors, object_tabs
from letters import selectors as letter_selectors

from .. import selectors
from ..forms import EntryDeleteForm, EntryStatusForm, EntryWishesForm, PaymentForm, ReasonForm
from ..models import EntryStatus, ListKind
from ..services import registration
from .common import entry_or_404, optional_module, require_entry_write

LETTERS_SHOWN = 10


def _positions():
    return optional_module("waitinglists.positions")


def _fees():
    return optional_module("waitinglists.services.fees")


def _payment_initial(entry) -> dict:
    """Today's payment for one year, as the fee service will want it (the open charges first)."""
    initial = {"years": 1, "paid_on": timezone.localdate()}
    fees = _fees()
    if fees is None or not hasattr(fees, "payment_quote") or entry.status == EntryStatus.DELETED:
        return initial
    try:
        quote = fees.payment_quote(entry=entry, years=1, paid_on=initial["paid_on"])
    except ValidationError:  # no fee rules: the form says so when it is sent
        return initial
    return {**initial, "amount": quote.expected}


def _forms(entry, **bound) -> dict:
    forms = {
        "status_form": EntryStatusForm(prefix="status", initial={"status": entry.status}),
        "delete_form": EntryDeleteForm(prefix="delete"),
        "payment_form": PaymentForm(prefix="payment", initial=_payment_initial(entry)),
        "reinstate_form": ReasonForm(prefix="reinstate"),
    }
    forms.update(bound)
    return forms


def _detail_context(request, entry, **bound_forms) -> dict:
    positions = _positions()
    can_write = selectors.can_write_entry(request.user, entry)
    context = {
        "entry": entry,
        "person": entry.person,
        "tabs": object_tabs(entry, "overview"),
        "can_write": can_write,
        "positions_available": positions is not None,
        "position": positions.list_position(entry) if positions else None,
        "estimates": list(positions.waiting_estimates(entry)) if positions else [],
        "fees_available": _fees() is not None,
        "other_entries": selectors.with_positions(
            selectors.person_entries(user=request.user, person=entry.person).exclude(pk=entry.pk)
        ),
        "letters": letter_selectors.person_letters(user=request.user, person=entry.person)[:LETTERS_SHOWN],
        "is_deleted": entry.status == EntryStatus.DELETED,
    }
    if can_write:
        context.update(_forms(entry, **bound_forms))
    return context


@require_GET
def entry_detail(request, pk: int):
    entry = entry_or_404(request, pk)
    return render(request, "waitinglists/entry_detail.html", _detail_context(request, entry))


@require_GET
def entry_history(request, pk: int):
    entry = entry_or_404(request, pk)
    return render(
        request,
        "housing/history.html",
        {"object": entry, "history_rows": history_rows(entry), "tabs": object_tabs(entry, "history")},
    )


def _done(request, entry, text: str):
    messages.success(request, text)
    return redirect(entry)


def _failed(request, entry, **bound_forms):
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request, "waitinglists/entry_detail.html", _detail_context(request, entry, **bound_forms), status=400
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request, pk: int):
    """Change the wishes (departments, kinds, rooms, rent, floor, elevator; youth fields)."""
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    form = EntryWishesForm(
        request.POST or None,
        initial=EntryWishesForm.initial_from(entry),
        departments=selectors.list_departments(entry.waiting_list),
        youth=entry.waiting_list.kind == ListKind.YOUTH,
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration.entry_update_wishes(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                entry=entry,
                wishes=form.wishes(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, entry, _("The wishes were saved."))
    if request.method == "POST":
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "waitinglists/entry_form.html",
        {"entry": entry, "form": form, "title": _("Change wishes")},
        status=400 if form.errors else 200,
    )


@require_POST
def entry_status(request, pk: int):
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    form = EntryStatusForm(request.POST, prefix="status")
    if form.is_valid():
        try:
            registration.entry_set_status(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                entry=entry,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, entry, _("The status was changed."))
    return _failed(request, entry, status_form=form)


@require_POST
def entry_delete(request, pk: int):
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    form = EntryDeleteForm(request.POST, prefix="delete")
    if form.is_valid():
        try:
            registration.entry_delete(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                entry=entry,
                deletion_reason=form.cleaned_data["deletion_reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, entry, _("The entry was deleted."))
    return _failed(request, entry, delete_form=form)


@require_POST
def entry_reinstate(request, pk: int):
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    fees = _fees()
    if fees is None or not hasattr(fees, "entry_reinstate"):
        raise Http404
    form = ReasonForm(request.POST, prefix="reinstate")
    if form.is_valid():
        try:
            fees.entry_reinstate(actor=request.user, reason=form.cleaned_data["change_reason"], entry=entry)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, entry, _("The entry was reinstated with its seniority."))
    return _failed(request, entry, reinstate_form=form)


@require_POST
def entry_payment(request, pk: int):
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    fees = _fees()
    if fees is None or not hasattr(fees, "payment_register"):
        raise Http404
    form = PaymentForm(request.POST, prefix="payment")
    if form.is_valid():
        try:
            fees.payment_register(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                entry=entry,
                amount=form.cleaned_data["amount"],
                paid_on=form.cleaned_data["paid_on"],
                years=form.cleaned_data["years"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, entry, _("The payment was registered."))
    return _failed(request, entry, payment_form=form)


@require_POST
def entry_waiting_time_letter(request, pk: int):
    """Send the applicant their positions and expected waiting times (R3.4) as a letter."""
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    positions = _positions()
    if positions is None or not hasattr(positions, "waiting_time_letter"):
        raise Http404
    try:
        positions.waiting_time_letter(actor=request.user, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(entry)
    return _done(request, entry, _("The letter with the expected waiting times was sent."))
