"""Reads for the letters pages, scoped to the acting user, each costing a fixed number of queries.

Letters and print batches belong to a data controller (``Letter.controller``,
``PrintBatch.controller``): a user sees those of the controllers they are a member of
(``housing.scoping.scope_for(user).tenant_ids``) and may act on them — resend a letter, download
or confirm a print batch — only with write rights (``writable_tenant_ids``). Being an
administrator is not a reason to read letters. Job runs are operational data without personal
data and are visible to all staff.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing import permissions, scoping
from housing.models import Person, Tenant

from .models import DeliveryEvent, JobRun, Letter, LetterState, PrintBatch, SendAttempt

# Columns the lists never show; the body and the rendering context can be large.
_LIST_DEFERRED = ("body_html", "context")


# --- Letters ---------------------------------------------------------------------------------


def letters_for(*, user) -> QuerySet[Letter]:
    return Letter.objects.filter(controller_id__in=scoping.scope_for(user).tenant_ids)


def can_write_letter(user, letter: Letter) -> bool:
    return permissions.can_write_tenant(user, letter.controller_id)


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
            Prefetch("send_attempts", queryset=SendAttempt.objects.order_by("number")),
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
    return permissions.can_write_tenant(user, batch.controller_id)


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
    return JobRun.objects.select_related("triggered_by", "resumes").prefetch_related("resumed_by").get(pk=pk)


# --- Whether a letter has actually left ------------------------------------------------------


class Sending(models.TextChoices):
    """Where a letter (with its resends) stands: a legal step that needs the letter *sent* —
    a fee reminder before deletion (§ 3, stk. 3), the written information before a deadline
    runs (§ 3, stk. 6) — reads this, never the day the letter was queued."""

    SENT = "sent", _("Sent")
    WAITING = "waiting", _("Waiting in the outbox or for the print batch to be posted")
    FAILED = "failed", _("Failed: resend it")


@dataclass(frozen=True)
class SendingRecord:
    state: str
    sent_on: datetime.date | None = None


def _left_on(letter: Letter) -> datetime.date | None:
    """The day the letter left, by its delivery record: handed to Digital Post (sent, or
    delivered where the transport itself is the end point) or printed in a batch confirmed as
    posted. A queued or failed letter has not left."""
    if letter.state in (LetterState.SENT, LetterState.DELIVERED) and letter.sent_at is not None:
        return timezone.localtime(letter.sent_at).date()
    if letter.state == LetterState.PRINTED and letter.printed_at is not None:
        return timezone.localtime(letter.printed_at).date()
    return None


def sending_records(letter_ids: Iterable[int]) -> dict[int, SendingRecord]:
    """For each letter id: whether it — or a resend of it (``letter_resend``, followed through
    resends of resends) — has actually been sent, and the first day one of them left.

    SENT when one of them left (the earliest day counts); else WAITING while one is still
    queued; else FAILED. A few queries per chain depth, whatever the number of letters."""
    roots = {pk: pk for pk in letter_ids}
    if not roots:
        return {}
    found: dict[int, list[Letter]] = {pk: [] for pk in roots}
    fields = ("id", "resend_of_id", "state", "sent_at", "printed_at")
    layer = list(Letter.objects.filter(id__in=list(roots)).only(*fields))
    while layer:
        for letter in layer:
            root = roots[letter.pk] if letter.pk in roots else roots[letter.resend_of_id]
            roots[letter.pk] = root
            found[root].append(letter)
        layer = list(Letter.objects.filter(resend_of_id__in=[letter.pk for letter in layer]).only(*fields))
    records = {}
    for root, chain in found.items():
        days = [day for day in (_left_on(letter) for letter in chain) if day is not None]
        if days:
            records[root] = SendingRecord(Sending.SENT, min(days))
        elif any(letter.state == LetterState.QUEUED for letter in chain):
            records[root] = SendingRecord(Sending.WAITING)
        else:
            records[root] = SendingRecord(Sending.FAILED)
    return records


def sending_record(letter: Letter | None) -> SendingRecord | None:
    if letter is None:
        return None
    return sending_records([letter.pk])[letter.pk]
