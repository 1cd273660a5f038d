"""The applicant page (one entry) with its history, and the actions on it: wishes, active/passive,
delete, reinstate, a payment, the waiting-time letter. Every action is a POST with a reason,
handled by a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from housing import confirmation
from housing.audit import history_rows
from housing.views.common import apply_service_errors, object_tabs
from letters import selectors as letter_selectors

from .. import positions, selectors
from ..forms import (
    EntryDeleteForm,
    EntryStatusForm,
    EntryWishesForm,
    KeepSeniorityForm,
    PaymentForm,
    ReasonForm,
)
from ..models import DeletionReason, EntryStatus, ListKind
from ..services import fees, registration, seniority
from .common import entry_or_404, require_entry_write

LETTERS_SHOWN = 10


def _payment_initial(entry) -> dict:
    """Today's payment for one year, as the fee service will want it (the open charges first)."""
    initial = {"years": 1, "paid_on": timezone.localdate()}
    if entry.status == EntryStatus.DELETED:
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
        "keep_form": KeepSeniorityForm(prefix="keep", initial={"requested_on": timezone.localdate()}),
    }
    forms.update(bound)
    return forms


def _detail_context(request, entry, **bound_forms) -> dict:
    can_write = selectors.can_write_entry(request.user, entry)
    context = {
        "entry": entry,
        "person": entry.person,
        "tabs": object_tabs(entry, "overview"),
        "can_write": can_write,
        "position": positions.list_position(entry),
        "estimates": list(positions.waiting_estimates(entry)),
        "other_entries": selectors.with_positions(
            selectors.person_entries(user=request.user, person=entry.person).exclude(pk=entry.pk)
        ),
        "letters": letter_selectors.person_letters(user=request.user, person=entry.person)[:LETTERS_SHOWN],
        "is_deleted": entry.status == EntryStatus.DELETED,
        # A place a lease ended comes back only through the tenant's timely wish (R3.6–R3.7).
        "deleted_by_lease": entry.deletion_reason == DeletionReason.LEASE_SIGNED,
        "keep_rights": selectors.entry_keep_rights(entry),
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


def _entry_action(request, pk: int, *, form_class, prefix: str, call, success: str, confirm=None):
    """One of the applicant page's small forms: bind it, hand the cleaned data with the user and
    the reason to one service, then back to the page — with the errors next to the fields.
    ``confirm(request, entry, data)`` renders a confirmation page shown before the service runs
    until the user confirms (``housing.confirmation``)."""
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if confirm is not None and not confirmation.is_confirmed(request):
                confirmation.dry_run(
                    lambda: call(actor=request.user, reason=data["change_reason"], entry=entry, data=data)
                )
                return confirm(request, entry, data)
            call(actor=request.user, reason=data["change_reason"], entry=entry, data=data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, entry, success)
    return _failed(request, entry, **{f"{prefix}_form": form})


@require_POST
def entry_status(request, pk: int):
    return _entry_action(
        request,
        pk,
        form_class=EntryStatusForm,
        prefix="status",
        success=_("The status was changed."),
        call=lambda *, data, **kw: registration.entry_set_status(
            status=data["status"], note=data["note"], **kw
        ),
    )


@require_POST
def entry_delete(request, pk: int):
    """Deleting loses the seniority: the form leads to a confirmation page first
    (``housing.confirmation``); only its confirm button deletes."""
    return _entry_action(
        request,
        pk,
        form_class=EntryDeleteForm,
        prefix="delete",
        success=_("The entry was deleted."),
        call=lambda *, data, **kw: registration.entry_delete(deletion_reason=data["deletion_reason"], **kw),
        confirm=_confirm_delete,
    )


def _confirm_delete(request, entry, data):
    return confirmation.confirmation_page(
        request,
        title=_("Confirm the deletion"),
        consequences=[
            _("The entry of %(name)s (applicant number %(number)s) on %(list)s is deleted.")
            % {
                "name": entry.person.full_name,
                "number": entry.person.applicant_number,
                "list": entry.waiting_list.name,
            },
            _("The seniority is lost with the entry. Reason for the deletion: %(reason)s.")
            % {"reason": DeletionReason(data["deletion_reason"]).label},
            _("No letter is sent."),
        ],
        action_url=request.path,
        cancel_url=entry.get_absolute_url(),
        confirm_label=_("Delete the entry"),
        nav_section="waitinglists",
    )


@require_POST
def entry_reinstate(request, pk: int):
    return _entry_action(
        request,
        pk,
        form_class=ReasonForm,
        prefix="reinstate",
        success=_("The entry was reinstated with its seniority."),
        call=lambda *, data, **kw: fees.entry_reinstate(**kw),
    )


@require_POST
def entry_keep_seniority(request, pk: int):
    """Record the tenant's wish to keep the seniority after the lease (R3.6–R3.7)."""
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    right = entry.keep_rights.filter(requested_on__isnull=True).order_by("-lease_signed_on", "-id").first()
    if right is None:
        messages.error(request, _("The lease gave no right to keep the seniority on this list (R3.5)."))
        return redirect(entry)
    return _entry_action(
        request,
        pk,
        form_class=KeepSeniorityForm,
        prefix="keep",
        success=_("The wish was recorded: the entry is back on the list with its seniority."),
        call=lambda *, data, entry, **kw: seniority.lease_keep_seniority(
            right=right, requested_on=data["requested_on"], **kw
        ),
    )


@require_POST
def entry_payment(request, pk: int):
    return _entry_action(
        request,
        pk,
        form_class=PaymentForm,
        prefix="payment",
        success=_("The payment was registered."),
        call=lambda *, data, **kw: fees.payment_register(
            amount=data["amount"], paid_on=data["paid_on"], years=data["years"], **kw
        ),
    )


@require_POST
def entry_waiting_time_letter(request, pk: int):
    """Send the applicant their positions and expected waiting times (R3.4) as a letter."""
    entry = entry_or_404(request, pk)
    require_entry_write(request, entry)
    try:
        positions.waiting_time_letter(actor=request.user, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(entry)
    return _done(request, entry, _("The letter with the expected waiting times was sent."))
