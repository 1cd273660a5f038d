"""Print batches for physical post: list, one batch, its merged PDF and manifest, confirm posted."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing.views.common import ordered, paginate

from .. import selectors, services
from ..forms import ReasonForm
from ..models import PrintBatch

# Sortable columns (housing.views.common.ordered): the batches, and one batch's letters (by default
# in the order of the merged PDF and the manifest).
BATCH_COLUMNS = (
    ("pk", "batch"),
    ("created_at", "created"),
    ("controller__name", "controller"),
    ("state", "state"),
    ("letter_count", "letters"),
    ("page_count", "pages"),
    ("posted_at", "posted"),
)
BATCH_LETTER_COLUMNS = (
    ("subject", "letter"),
    ("recipient_name", "recipient"),
    ("recipient_address", "address"),
    ("kind", "kind"),
    ("pdf_pages", "pages"),
    ("state", "state"),
)


def _batch(request, pk: int) -> PrintBatch:
    try:
        return selectors.print_batch_detail(user=request.user, pk=pk)
    except PrintBatch.DoesNotExist as exc:
        raise Http404 from exc


def _writable_batch(request, pk: int) -> PrintBatch:
    """The batch, for acting on it or downloading its letters: needs write rights on its controller."""
    batch = _batch(request, pk)
    if not selectors.can_write_print_batch(request.user, batch):
        raise PermissionDenied
    return batch


@require_GET
def print_batches(request):
    return render(
        request,
        "letters/print_batch_list.html",
        {
            "page_obj": paginate(
                request, ordered(request, selectors.print_batch_list(user=request.user), BATCH_COLUMNS)
            )
        },
    )


def _detail(request, batch: PrintBatch, *, form: ReasonForm | None = None, status: int = 200):
    can_write = selectors.can_write_print_batch(request.user, batch)
    can_confirm = can_write and batch.state == PrintBatch.State.READY
    return render(
        request,
        "letters/print_batch_detail.html",
        {
            "batch": batch,
            "page_obj": paginate(
                request, ordered(request, selectors.print_batch_letters(batch=batch), BATCH_LETTER_COLUMNS)
            ),
            "can_download": can_write,
            "confirm_form": form or (ReasonForm() if can_confirm else None),
        },
        status=status,
    )


@require_GET
def print_batch_detail(request, pk: int):
    return _detail(request, _batch(request, pk))


def _download(field, filename: str, content_type: str) -> FileResponse:
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def print_batch_pdf(request, pk: int):
    batch = _writable_batch(request, pk)
    return _download(batch.pdf, f"udskrift-{batch.pk}.pdf", "application/pdf")


@require_GET
def print_batch_manifest(request, pk: int):
    batch = _writable_batch(request, pk)
    return _download(batch.manifest, f"udskrift-{batch.pk}.csv", "text/csv; charset=utf-8")


@require_POST
def print_batch_confirm(request, pk: int):
    batch = _writable_batch(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form has errors. Correct the fields marked below."))
        return _detail(request, batch, form=form, status=400)
    try:
        services.print_batch_confirm_posted(
            actor=request.user, reason=form.cleaned_data["change_reason"], batch=batch
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The batch was confirmed as posted; its letters are marked as printed and posted.")
        )
    return redirect(batch)
