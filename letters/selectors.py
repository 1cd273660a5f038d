"""Reads for the letters pages, scoped to the acting user, each costing a fixed number of queries.

Letters and print batches belong to a data controller (``Letter.controller``,
``PrintBatch.controller``): a user sees those of the controllers they are a member of
(``housing.scoping.scope_for(user).tenant_ids``) and may act on them — resend a letter, download
or confirm a print batch — only with write rights (``writable_tenant_ids``). Being an
administrator is not a reason to read letters. Job runs are operational data without personal
data and are visible to all staff.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from housing import scoping
from housing.models import Person, Tenant

from .models import DeliveryEvent, JobRun, Letter, PrintBatch

# Columns the lists never show; the body and the rendering context can be large.
_LIST_DEFERRED = ("body_html", "context")


# --- Letters ---------------------------------------------------------------------------------


def letters_for(*, user) -> QuerySet[Letter]:
    return Letter.objects.filter(controller_id__in=scoping.scope_for(user).tenant_ids)


def can_write_letter(user, letter: Letter) -> bool:
    return letter.controller_id in scoping.scope_for(user).writable_tenant_ids


def outbox(*, user) -> QuerySet[Letter]:
    """The outbox: every letter the user may see, newest first. The table shows the snapshot
    fields (recipient and sender name as printed on the letter), so no joins are needed."""
    return letters_for(user=user).defer(*_LIST_DEFERRED).order_by("-created_at", "-id")


def person_letters(*, user, person: Person) -> QuerySet[Letter]:
    return outbox(user=user).filter(recipient=person)


def letter_detail(*, user, pk: int) -> Letter:
    """One letter with everything its page shows. Raises ``Letter.DoesNotExist`` outside the scope."""
    return (
        letters_for(user=user)
        .select_related("template", "created_by", "resend_of", "print_batch", "controller")
        .prefetch_related(
            Prefetch("events", queryset=DeliveryEvent.objects.order_by("at", "id")),
            Prefetch("resends", queryset=Letter.objects.defer(*_LIST_DEFERRED).order_by("created_at", "id")),
        )
        .get(pk=pk)
    )


def sender_choices(*, user) -> QuerySet[Tenant]:
    """The senders the outbox can be filtered by: the user's own data controllers."""
    return Tenant.objects.filter(pk__in=scoping.scope_for(user).tenant_ids).order_by("name")


# --- Print batches ---------------------------------------------------------------------------


def print_batches_for(*, user) -> QuerySet[PrintBatch]:
    return PrintBatch.objects.filter(controller_id__in=scoping.scope_for(user).tenant_ids)


def can_write_print_batch(user, batch: PrintBatch) -> bool:
    return batch.controller_id in scoping.scope_for(user).writable_tenant_ids


def print_batch_list(*, user) -> QuerySet[PrintBatch]:
    return (
        print_batches_for(user=user).select_related("controller", "posted_by").order_by("-created_at", "-id")
    )


def print_batch_detail(*, user, pk: int) -> PrintBatch:
    """Raises ``PrintBatch.DoesNotExist`` outside the user's scope."""
    return print_batches_for(user=user).select_related("controller", "posted_by").get(pk=pk)


def print_batch_letters(*, batch: PrintBatch) -> QuerySet[Letter]:
    """The batch's letters in the order of the merged PDF and the manifest."""
    return batch.letters.defer(*_LIST_DEFERRED).order_by("recipient_address", "id")


# --- Job runs --------------------------------------------------------------------------------


def job_run_list() -> QuerySet[JobRun]:
    return JobRun.objects.select_related("triggered_by").order_by("-started_at", "-id")


def job_run_detail(*, pk: int) -> JobRun:
    return JobRun.objects.select_related("triggered_by").get(pk=pk)
