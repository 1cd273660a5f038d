"""Every write in letters/: creating, dispatching, printing and resending letters; templates.

Letters are created queued, with their channel chosen by the DP rules, and are sent by the
dispatch job, which claims them with a conditional UPDATE (``SKIP LOCKED``) and a lease. Every
send attempt is recorded before and after it (``SendAttempt``), so after a worker is killed only a
letter whose attempt never finished — its outcome unknown — is sent again, under the same message
UUID and marked as a retry; a letter whose attempt finished is recorded from the attempt without
being sent again. Sending is idempotent by the UUID as well: the filesystem outbox writes
``<uuid>.xml`` (a second write replaces the first) and Digital Post takes a second message with
the same UUID as the same message, so the recipient never receives a letter twice.
"""

from __future__ import annotations

import functools
import io
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from housing import csv_export, permissions
from housing.audit import audited_save, require_reason, system_user
from housing.models import HousingOrganisation, Person, Tenant

from . import channels
from .memo import build_memo
from .models import (
    LEGAL_NOTICE_KINDS,
    Channel,
    DeliveryEvent,
    Letter,
    LetterState,
    LetterTemplate,
    PrintBatch,
    SendAttempt,
)
from .rendering import render_letter_html, render_pdf
from .tasks import run_job_task
from .transports import get_transport

logger = logging.getLogger(__name__)


def in_danish(func):
    """What a letter records — the channel reason, delivery events, history reasons — is part of
    the letter's record and written in Danish, whatever language the acting user's screen is in."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


def _danish(message: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(message)


# --- Templates -------------------------------------------------------------------------------


def template_current(kind: str) -> LetterTemplate:
    template = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
    if template is None:
        raise ValidationError(_("There is no letter template for this kind of letter."))
    return template


@transaction.atomic
def template_new_version(*, actor, reason: str, kind: str, subject: str, body: str) -> LetterTemplate:
    """Save a changed template as the next version; earlier versions stay as letters used them."""
    for label, source in ((_("subject"), subject), (_("body"), body)):
        try:
            Template(source)
        except Exception as exc:  # TemplateSyntaxError and friends: tell the administrator where
            raise ValidationError(
                _("The %(part)s is not a valid template: %(error)s") % {"part": label, "error": exc}
            ) from exc
    last = LetterTemplate.objects.select_for_update().filter(kind=kind).order_by("-version").first()
    template = LetterTemplate(
        kind=kind,
        version=(last.version + 1) if last else 1,
        subject=subject,
        body=body,
        created_by=actor,
        note=reason,
    )
    return audited_save(template, actor=actor, reason=reason)


@functools.lru_cache(maxsize=128)
def _compiled(source: str) -> Template:
    # Template versions never change once saved, so a mass mailing compiles each one once.
    return Template(source)


def _render(source: str, context: dict) -> str:
    return _compiled(source).render(Context(context, autoescape=True))


# --- Creating letters ------------------------------------------------------------------------


def _recipient_address(person: Person | HousingOrganisation) -> str:
    lines = [person.address_line, f"{person.postal_code} {person.city}".strip()]
    return "\n".join(line for line in lines if line)


@in_danish
def letter_create(
    *,
    actor,
    reason: str,
    sender: Tenant,
    kind: str,
    context: dict,
    idempotency_key: str,
    recipient: Person | None = None,
    recipient_organisation: HousingOrganisation | None = None,
    concerns_person: Person | None = None,
    dispatch: bool = True,
) -> Letter:
    """Create a queued letter, or return the existing one with the same idempotency key.

    The key names the business event (e.g. ``fee-reminder:entry-17:2026``), so a job that runs
    twice, or a caseworker who clicks twice, cannot create the same letter twice.

    The recipient is a person or (``recipient_organisation``) a housing organisation; a letter to an
    organisation belongs to the organisation as data controller and shows in its outbox, and
    ``concerns_person`` names the applicant it is about (reading it is logged as a read of their data).
    """
    require_reason(reason)
    if (recipient is None) == (recipient_organisation is None):
        raise ValueError("A letter has one recipient: a person or an organisation.")
    existing = Letter.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    template = template_current(kind)
    today = timezone.localdate()
    sender_name, sender_address, sender_cvr = channels.sender_identity(sender)
    legal_notice = kind in LEGAL_NOTICE_KINDS
    if recipient is not None:
        decision = channels.choose_channel(
            channels.facts_for(sender=sender, recipient=recipient, legal_notice=legal_notice, day=today)
        )
        recipient_name, applicant_number = recipient.full_name, recipient.applicant_number
        controller_id = recipient.controller_id
    else:
        decision = channels.choose_channel_for_organisation(
            channels.organisation_facts_for(sender=sender, recipient=recipient_organisation, day=today)
        )
        recipient_name, applicant_number = recipient_organisation.name, ""
        controller_id = recipient_organisation.tenant_id
    full_context = {
        **context,
        "recipient_name": recipient_name,
        "applicant_number": applicant_number,
        "sender_name": sender_name,
        "today": today.isoformat(),
    }
    letter = Letter(
        idempotency_key=idempotency_key,
        controller_id=controller_id,
        sender=sender,
        recipient=recipient,
        recipient_organisation=recipient_organisation,
        concerns_person=concerns_person,
        kind=kind,
        template=template,
        context=full_context,
        subject=_render(template.subject, full_context).strip(),
        body_html=_render(template.body, full_context),
        sender_name=sender_name,
        sender_address=sender_address,
        sender_identifier_type="CVR",
        sender_identifier=sender_cvr,
        recipient_name=recipient_name,
        recipient_address=_recipient_address(recipient or recipient_organisation),
        legal_notice=legal_notice,
        channel=decision.channel,
        channel_reason=decision.reason,
        email_notice=decision.email_notice,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            audited_save(letter, actor=actor, reason=reason)
            DeliveryEvent.objects.create(letter=letter, state=LetterState.QUEUED, detail=decision.reason)
    except IntegrityError:  # a concurrent call with the same key won
        return Letter.objects.get(idempotency_key=idempotency_key)
    if dispatch and letter.channel == Channel.DIGITAL_POST:
        request_dispatch()
    return letter


def _enqueue_dispatch() -> None:
    run_job_task.delay("letters.dispatch", trigger="event")


def request_dispatch() -> None:
    """Ask for a dispatch run once the current transaction commits — once per transaction, so a
    job creating a thousand letters enqueues one run, not a thousand. A rolled-back transaction
    drops the request with everything else (Django clears its on-commit list)."""
    if any(entry[1] is _enqueue_dispatch for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_dispatch)


@transaction.atomic
def letter_resend(*, actor, reason: str, letter: Letter) -> Letter:
    """Send a letter again as a new letter (e.g. returned mail, a new address), with the reason.

    The channel is chosen anew from today's facts; the original keeps its own record.
    """
    permissions.require_write_tenant(actor, letter.controller_id)
    # Resends of one letter are numbered one at a time (concurrent ones would share a number and
    # its idempotency key); a repeated submit of the same form is answered by housing.idempotency.
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    number = Letter.objects.filter(resend_of=letter).count() + 1
    resent = letter_create(
        actor=actor,
        reason=reason,
        sender=letter.sender,
        recipient=letter.recipient,
        recipient_organisation=letter.recipient_organisation,
        concerns_person=letter.concerns_person,
        kind=letter.kind,
        context=dict(letter.context),
        idempotency_key=f"resend:{letter.pk}:{number}",
    )
    resent.resend_of = letter
    return audited_save(resent, actor=actor, reason=reason, validate=False)


# --- Dispatching Digital Post ----------------------------------------------------------------


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0


# Claim tokens of job runs: derived from the run, so the work a stopped run had claimed can be
# found and given back (``dispatch_claims_release``).
_CLAIM_NAMESPACE = uuid.UUID("6f0c5f3e-2b7e-4d0a-9a53-4c1e0f6f2d11")


def claim_token_for(run) -> uuid.UUID:
    return uuid.uuid5(_CLAIM_NAMESPACE, f"job-run:{run.pk}")


def _claim_batch(*, token: uuid.UUID, size: int) -> list[int]:
    """Claim up to ``size`` queued Digital Post letters for this run: a conditional UPDATE.

    Letters claimed by a run whose lease ran out (its worker died) are claimable again. On
    PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers claim side by side. The claim
    fields are excluded from the letter's history: a claim is work in progress, not letter data.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.LETTERS_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        candidates = (
            Letter.objects.filter(state=LetterState.QUEUED, channel=Channel.DIGITAL_POST)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("id")
            .values_list("id", flat=True)
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates[:size])
        if not ids:
            return []
        Letter.objects.filter(id__in=ids).update(claim_token=token, claimed_until=lease)
    return ids


def dispatch_claims_release(run) -> int:
    """Give back the letters a stopped dispatch run had claimed and not recorded, so the run that
    takes over sends them now rather than when the lease runs out. What the stopped run did
    send is in its finished send attempts; the next run records those without sending again."""
    return Letter.objects.filter(claim_token=claim_token_for(run), state=LetterState.QUEUED).update(
        claim_token=None, claimed_until=None
    )


def _ensure_pdf(letter: Letter) -> bytes:
    """The letter's PDF: rendered once, stored on the letter (saved with the next audited save)."""
    if letter.pdf:
        with letter.pdf.open("rb") as handle:
            return handle.read()
    pdf, pages = render_pdf(render_letter_html(letter))
    letter.pdf.save(f"{letter.uuid}.pdf", ContentFile(pdf), save=False)
    letter.pdf_pages = pages
    return pdf


def _send_one(letter: Letter, transport) -> tuple[str, str]:
    """Render, build the MeMo message and hand it to the transport. Returns (reference, state)."""
    pdf = _ensure_pdf(letter)
    if letter.recipient_organisation_id is not None:
        memo_xml = build_memo(letter, pdf=pdf, recipient_cvr=letter.recipient_organisation.cvr)
    else:
        number = letter.recipient.cpr_reveal().replace("-", "")
        memo_xml = build_memo(letter, pdf=pdf, recipient_cpr=number)
    result = transport.send(message_uuid=str(letter.uuid), memo_xml=memo_xml)
    return result.reference, (LetterState.DELIVERED if result.delivered else LetterState.SENT)


@dataclass(frozen=True)
class _Outcome:
    letter: Letter
    attempt: int  # the attempt's number, recorded as the letter's ``attempts``
    reference: str
    state: str  # LetterState.SENT / DELIVERED / FAILED
    error: str = ""


_STATE_OF_OUTCOME = {
    SendAttempt.Outcome.SENT: LetterState.SENT,
    SendAttempt.Outcome.DELIVERED: LetterState.DELIVERED,
    SendAttempt.Outcome.FAILED: LetterState.FAILED,
}


def _unrecorded_attempts(ids: list[int]) -> dict[int, SendAttempt]:
    """Per letter, its latest send attempt that the letter does not record yet (the attempt's
    number is above the letter's ``attempts``): one its run started and could not record."""
    latest: dict[int, SendAttempt] = {}
    for attempt in SendAttempt.objects.filter(letter_id__in=ids, number__gt=F("letter__attempts")).order_by(
        "letter_id", "number"
    ):
        latest[attempt.letter_id] = attempt
    return latest


def _attempt(letter: Letter, transport, *, earlier: SendAttempt | None, run) -> _Outcome | None:
    """Send one letter as a recorded attempt — or, when an earlier attempt already knows the
    outcome, record that outcome without sending. None when another run is sending it."""
    if earlier is not None and earlier.outcome_known:
        return _Outcome(
            letter, earlier.number, earlier.reference, _STATE_OF_OUTCOME[earlier.outcome], earlier.error
        )
    try:
        with transaction.atomic():
            # Committed before the message leaves: a worker killed from here on leaves an attempt
            # without an outcome, and only such a letter is sent again.
            attempt = SendAttempt.objects.create(
                letter=letter,
                number=(earlier.number if earlier is not None else letter.attempts) + 1,
                started_at=timezone.now(),
                is_retry=earlier is not None,
                job_run=run,
            )
    except IntegrityError:  # a run that took the letter over has just started the same attempt
        return None
    try:
        reference, state = _send_one(letter, transport)
    except Exception as exc:  # one bad letter must not stop the others
        logger.exception("letter %s could not be sent", letter.pk)
        error = f"{type(exc).__name__}: {exc}"[:500]
        SendAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=timezone.now(), outcome=SendAttempt.Outcome.FAILED, error=error
        )
        return _Outcome(letter, attempt.number, "", LetterState.FAILED, error)
    SendAttempt.objects.filter(pk=attempt.pk).update(
        finished_at=timezone.now(), outcome=state, reference=(reference or "")[:300]
    )
    return _Outcome(letter, attempt.number, reference or "", state)


def letters_dispatch(
    *, progress=None, batch_size: int | None = None, limit: int | None = None
) -> DispatchResult:
    """Send queued Digital Post letters until none are left (or ``limit`` are done)."""
    transport = get_transport()
    actor = system_user()
    run = progress.run if progress is not None else None
    token = claim_token_for(run) if run is not None else uuid.uuid4()
    size = batch_size or settings.LETTERS_DISPATCH_BATCH_SIZE
    result = DispatchResult()
    if progress is not None:
        progress.set_total(
            Letter.objects.filter(state=LetterState.QUEUED, channel=Channel.DIGITAL_POST).count()
        )
    while limit is None or result.sent + result.failed < limit:
        ids = _claim_batch(token=token, size=size)
        if not ids:
            break
        letters = (
            Letter.objects.filter(id__in=ids, claim_token=token)
            .select_related("recipient", "recipient_organisation")
            .order_by("id")
        )
        earlier = _unrecorded_attempts(ids)
        outcomes = []
        for letter in letters:
            outcome = _attempt(letter, transport, earlier=earlier.get(letter.pk), run=run)
            if outcome is not None:
                outcomes.append(outcome)
        transport.flush()
        sent, failed = _record_outcomes(outcomes, token=token, actor=actor)
        result.sent += sent
        result.failed += failed
        if progress is not None:
            progress.advance(sent + failed, sent=sent, failed=failed)
    return result


@in_danish
def _record_outcomes(outcomes, *, token: uuid.UUID, actor) -> tuple[int, int]:
    """Record a batch's results — but only for letters this run still holds. A run whose lease
    was taken over (it was too slow, or presumed dead) records nothing for those letters.

    One locked read, one bulk update with its history rows and one bulk insert of delivery
    events per batch: recording must cost little next to rendering the PDFs.
    """
    now = timezone.now()
    sent = failed = 0
    with transaction.atomic():
        held = set(
            Letter.objects.select_for_update()
            .filter(id__in=[o.letter.pk for o in outcomes], claim_token=token, state=LetterState.QUEUED)
            .values_list("id", flat=True)
        )
        changed, events = [], []
        for outcome in outcomes:
            letter, reference, state, error = outcome.letter, outcome.reference, outcome.state, outcome.error
            if letter.pk not in held:
                continue
            letter.attempts = outcome.attempt
            letter.claim_token = None
            letter.claimed_until = None
            letter._history_user = actor
            if state == LetterState.FAILED:
                letter.state, letter.failed_at, letter.failure_reason = state, now, error[:500]
                letter._change_reason = _("Sending failed")
                events.append(DeliveryEvent(letter=letter, state=state, detail=error[:500]))
                failed += 1
            else:
                letter.state, letter.sent_at, letter.transport_reference = state, now, reference or ""
                letter._change_reason = _("Sent by Digital Post")
                events.append(DeliveryEvent(letter=letter, state=LetterState.SENT, detail=reference or ""))
                if state == LetterState.DELIVERED:
                    letter.delivered_at = now
                    events.append(
                        DeliveryEvent(letter=letter, state=LetterState.DELIVERED, detail=reference or "")
                    )
                sent += 1
            changed.append(letter)
        if changed:
            _bulk_write(changed)
            Letter.history.bulk_history_create(changed, update=True, default_user=actor)
            DeliveryEvent.objects.bulk_create(events)
    for letter in changed:
        if letter.state != LetterState.FAILED and letter.email_notice:
            _send_email_notice(letter, actor=actor)
    return sent, failed


# What dispatching changes on a letter (written by _bulk_write).
RECORDED_FIELDS = [
    "state",
    "attempts",
    "claim_token",
    "claimed_until",
    "sent_at",
    "delivered_at",
    "failed_at",
    "failure_reason",
    "transport_reference",
    "pdf",
    "pdf_pages",
]


def _bulk_write(letters: list[Letter]) -> None:
    """One parameterised UPDATE per letter, sent with ``executemany`` (pipelined by psycopg 3):
    Django's ``bulk_update`` builds a CASE expression per field and row, which costs more
    Python time than rendering the letter's PDF is allowed to."""
    table = connection.ops.quote_name(Letter._meta.db_table)
    fields = [Letter._meta.get_field(name) for name in RECORDED_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    rows = [
        [field.get_db_prep_save(getattr(letter, field.attname), connection) for field in fields] + [letter.pk]
        for letter in letters
    ]
    with connection.cursor() as cursor:
        # Identifiers come from the model's own metadata; values are parameters.
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608


@in_danish
def _send_email_notice(letter: Letter, *, actor) -> None:
    """The only e-mail we ever send: a notice that a letter exists, never its content (DP1)."""
    email = letter.recipient.email if letter.recipient_id is not None else ""
    if not email or letter.email_notice_sent_at:
        return
    where = _("in Digital Post") if letter.channel == Channel.DIGITAL_POST else _("by post")
    send_mail(
        subject=_("You have a letter from %(sender)s") % {"sender": letter.sender_name},
        message=_(
            "%(sender)s has sent you a letter %(where)s. For your security the letter itself is not sent "
            "by e-mail."
        )
        % {"sender": letter.sender_name, "where": where},
        from_email=None,
        recipient_list=[email],
        fail_silently=True,
    )
    letter.email_notice_sent_at = timezone.now()
    audited_save(letter, actor=actor, reason=_("E-mail notice sent"), validate=False)


# --- Physical post ---------------------------------------------------------------------------


@in_danish
def print_batches_create(*, actor, progress=None) -> list[PrintBatch]:
    """Today's print batches: one per data controller with queued physical letters not yet in a
    batch, each with one merged PDF and a CSV manifest for the print room."""
    controllers = list(
        Letter.objects.filter(state=LetterState.QUEUED, channel=Channel.PHYSICAL, print_batch__isnull=True)
        .order_by()
        .values_list("controller_id", flat=True)
        .distinct()
    )
    if progress is not None:
        progress.set_total(
            Letter.objects.filter(
                state=LetterState.QUEUED, channel=Channel.PHYSICAL, print_batch__isnull=True
            ).count()
        )
    batches = []
    for controller_id in controllers:
        batch = _print_batch_create(actor=actor, controller_id=controller_id, progress=progress)
        if batch is not None:
            batches.append(batch)
    return batches


@transaction.atomic
def _print_batch_create(*, actor, controller_id: int, progress=None) -> PrintBatch | None:
    # lazy: pypdf costs ~0.2 s to import and only the print-batch job needs it, not every process
    # that imports the letter services at start-up.
    from pypdf import PdfWriter

    letters = list(
        Letter.objects.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        .filter(
            controller_id=controller_id,
            state=LetterState.QUEUED,
            channel=Channel.PHYSICAL,
            print_batch__isnull=True,
        )
        .order_by("recipient_address", "id")
    )
    if not letters:
        return None
    batch = audited_save(
        PrintBatch(controller_id=controller_id, letter_count=len(letters)),
        actor=actor,
        reason=_("Daily print batch"),
    )
    writer = PdfWriter()
    manifest = io.StringIO()
    rows = csv_export.writer(manifest)
    rows.writerow(["letter", "uuid", "recipient", "address", "kind", "pages", "first_page"])
    page = 1
    for letter in letters:
        writer.append(io.BytesIO(_ensure_pdf(letter)))
        rows.writerow(
            [
                letter.pk,
                letter.uuid,
                letter.recipient_name,
                letter.recipient_address.replace("\n", ", "),
                letter.get_kind_display(),
                letter.pdf_pages,
                page,
            ]
        )
        page += letter.pdf_pages or 1
        letter.print_batch = batch
        audited_save(
            letter, actor=actor, reason=_("Added to print batch %(id)s") % {"id": batch.pk}, validate=False
        )
        DeliveryEvent.objects.create(
            letter=letter, state=LetterState.QUEUED, detail=_("In print batch %(id)s") % {"id": batch.pk}
        )
        if progress is not None:
            progress.advance(1, batched=1)
    merged = io.BytesIO()
    writer.write(merged)
    batch.page_count = page - 1
    batch.pdf.save(f"udskrift-{batch.pk}.pdf", ContentFile(merged.getvalue()), save=False)
    batch.manifest.save(
        f"udskrift-{batch.pk}.csv", ContentFile(("\ufeff" + manifest.getvalue()).encode()), save=False
    )
    return audited_save(batch, actor=actor, reason=_("Merged PDF and manifest made"), validate=False)


@transaction.atomic
def print_batch_confirm_posted(*, actor, reason: str, batch: PrintBatch) -> PrintBatch:
    """A caseworker confirms the batch was printed and posted: its letters become 'printed'."""
    batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == PrintBatch.State.POSTED:
        raise ValidationError(_("This batch has already been confirmed as posted."))
    require_reason(reason)
    now = timezone.now()
    permissions.require_write_tenant(actor, batch.controller_id)
    letters = list(batch.letters.filter(state=LetterState.QUEUED))
    for letter in letters:
        letter.state, letter.printed_at = LetterState.PRINTED, now
        audited_save(letter, actor=actor, reason=reason, validate=False)
    DeliveryEvent.objects.bulk_create(
        [
            DeliveryEvent(
                letter=letter,
                state=LetterState.PRINTED,
                detail=_danish(gettext_noop("Print batch %(id)s")) % {"id": batch.pk},
            )
            for letter in letters
        ]
    )
    batch.state, batch.posted_at, batch.posted_by = PrintBatch.State.POSTED, now, actor
    audited_save(batch, actor=actor, reason=reason, validate=False)
    for letter in letters:
        if letter.email_notice:
            _send_email_notice(letter, actor=actor)
    return batch
