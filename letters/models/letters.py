"""Letters: templates, the letters themselves, their delivery record and the print batches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import HousingOrganisation, Person, Tenant


class LetterKind(models.TextChoices):
    REGISTRATION_CONFIRMATION = "registration_confirmation", _("Registration confirmation with the fee rules")
    FEE_REMINDER = "fee_reminder", _("Fee reminder (warns of deletion)")
    DELETION_NOTICE = "deletion_notice", _("Deletion notice")
    WAITING_TIME = "waiting_time", _("Expected waiting time")
    OFFER = "offer", _("Offer of a dwelling")
    OFFER_OUTCOME = "offer_outcome", _("The dwelling was let to another applicant")
    LEASE_CONFIRMATION = "lease_confirmation", _("Lease signed (with the right to keep the seniority)")
    HOUSING_GUARANTEE = "housing_guarantee", _("Boliggarantibevis (R6)")
    REJECTION_DECISION = "rejection_decision", _("Rejection decision")
    KOMMUNE_DECISION = "kommune_decision", _("Kommune decision")
    KOMMUNE_DECISION_ORGANISATION = (
        "kommune_decision_organisation",
        _("Kommune decision on a letting, to the housing organisation (R42.3)"),
    )
    GUARANTEE_INFORMATION = "guarantee_information", _("Guarantee information")
    PAAKRAV = "paakrav", _("Påkrav (almenlejeloven § 89)")
    OPSIGELSE = "opsigelse", _("Opsigelse (almenlejeloven § 90, stk. 2)")
    # Elder housing (eldercare): the plejebolig guarantee (§§ 15–18) and the kommune's allocation (§ 24).
    ELDER_GENERAL_LIST = "elder_general_list", _("General list: the plejebolig guarantee and its deadline")
    ELDER_NO_GUARANTEE = "elder_no_guarantee", _("The plejebolig guarantee does not apply (R15.2)")
    ELDER_GUARANTEE_ENDED = "elder_guarantee_ended", _("The plejebolig guarantee has ended (R18)")
    ELDER_GENERAL_LIST_LEFT = (
        "elder_general_list_left",
        _("Place on the general list ended (withdrawn, moved away, need lapsed)"),
    )
    ELDER_OFFER = "elder_offer", _("Offer of an elder or nursing dwelling (with appeal guidance, R24)")
    ELDER_ALLOCATION_DECISION = "elder_allocation_decision", _("Allocation decision, elder dwelling (R24)")
    # Specific lists of elder housing (§ 21): the place on request, the fee reminder and the deletion.
    ELDER_LIST_POSITION = "elder_list_position", _("Place on a specific list (R21.5)")
    ELDER_LIST_FEE_REMINDER = "elder_list_fee_reminder", _("Specific list fee reminder (R21.3)")
    ELDER_LIST_DELETION = "elder_list_deletion", _("Deleted from a specific list for non-payment (R21.3)")
    ELDER_FREE_CHOICE_DECISION = "elder_free_choice_decision", _("Free-choice application decision (R19)")
    # The kommune's approval of a letting (approvals; templates from approvals' migrations).
    APPROVAL_APPROVED = (
        "approval_approved",
        _("The kommune approves a letting (R42.1, R36.1, R12.1, R12.4, R14.4)"),
    )
    APPROVAL_REFUSED = (
        "approval_refused",
        _("The kommune refuses a letting (R42.2, R42.4, R36.1, R12.1, R12.4, R14.4)"),
    )
    APPROVAL_LAPSED = "approval_lapsed", _("A letting is approved: the kommune's deadline lapsed (R42.3)")
    APPROVAL_REFUSED_ORGANISATION = (
        "approval_refused_organisation",
        _("The kommune refuses a letting, to the housing organisation (R42.3)"),
    )
    APPROVAL_LAPSED_ORGANISATION = (
        "approval_lapsed_organisation",
        _("The kommune's deadline lapsed, to the housing organisation (R42.3)"),
    )
    APPROVAL_PROMOTED = (
        "approval_promoted",
        _("The kommune refused the applicant before you: the dwelling is to be let to you"),
    )
    APPROVAL_OVERTURNED = (
        "approval_overturned",
        _("Ankestyrelsen overturned the kommune's refusal: the dwelling is to be let to you (R24)"),
    )
    APPROVAL_OVERTURNED_STEPPED_BACK = (
        "approval_overturned_stepped_back",
        _("Ankestyrelsen overturned the refusal of the applicant before you: not let to you (R24)"),
    )
    # Rejections (templates from rejections' migrations).
    REJECTION_CERTIFICATE_REQUEST = (
        "rejection_certificate_request",
        _("Request for criminal-record certificates (R29)"),
    )
    DISPENSATION_DECISION = "dispensation_decision", _("Kommune decision on a dispensation (R37.2)")
    GENERAL = "general", _("General letter")


# Legal notices: reminders that warn of deletion, decisions, påkrav and opsigelse (DP1). They are
# never sent by e-mail; an e-mail may at most say that a letter has been sent.
LEGAL_NOTICE_KINDS = frozenset(
    {
        LetterKind.FEE_REMINDER,
        LetterKind.DELETION_NOTICE,
        LetterKind.REJECTION_DECISION,
        LetterKind.KOMMUNE_DECISION,
        LetterKind.KOMMUNE_DECISION_ORGANISATION,
        LetterKind.PAAKRAV,
        LetterKind.OPSIGELSE,
        LetterKind.ELDER_NO_GUARANTEE,
        LetterKind.ELDER_GUARANTEE_ENDED,
        LetterKind.ELDER_GENERAL_LIST_LEFT,
        LetterKind.ELDER_ALLOCATION_DECISION,
        LetterKind.ELDER_LIST_FEE_REMINDER,
        LetterKind.ELDER_LIST_DELETION,
        LetterKind.ELDER_FREE_CHOICE_DECISION,
        LetterKind.APPROVAL_APPROVED,
        LetterKind.APPROVAL_REFUSED,
        LetterKind.APPROVAL_LAPSED,
        LetterKind.APPROVAL_REFUSED_ORGANISATION,
        LetterKind.APPROVAL_LAPSED_ORGANISATION,
        LetterKind.DISPENSATION_DECISION,
    }
)


class Channel(models.TextChoices):
    DIGITAL_POST = "digital_post", _("Digital Post")
    PHYSICAL = "physical", _("Physical post")


class LetterState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    PRINTED = "printed", _("Printed and posted")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class LetterTemplate(models.Model):
    """One version of the Danish template for a kind of letter.

    Versions are never edited in place: saving a change in the admin creates the next version,
    and every letter keeps the version it was rendered from.
    """

    kind = models.CharField(_("kind"), max_length=40, choices=LetterKind.choices)
    version = models.PositiveIntegerField(_("version"))
    subject = models.CharField(
        _("subject"),
        max_length=200,
        help_text=_("Django template syntax; the letter's context is available."),
    )
    body = models.TextField(_("body"), help_text=_("Django template syntax (HTML allowed); autoescaped."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="unique_template_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class PrintBatch(models.Model):
    """A day's physical letters: one merged PDF and a CSV manifest for the print room."""

    class State(models.TextChoices):
        READY = "ready", _("Ready to print")
        POSTED = "posted", _("Printed and posted")

    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="print_batches"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.READY)
    letter_count = models.PositiveIntegerField(_("letters"), default=0)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    pdf = models.FileField(_("merged PDF"), upload_to="print_batches/%Y/%m/", blank=True)
    manifest = models.FileField(_("manifest (CSV)"), upload_to="print_batches/%Y/%m/", blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(_("Print batch %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("letters:print_batch_detail", args=[self.pk])


class Letter(models.Model):
    """A letter to one person or to one housing organisation, with the delivery record that proves
    how it was sent (DP3).

    An organisation receives a letter where the law says it is told in writing — the kommune's
    refusal of a letting and the lapse of its deadline (§ 42, stk. 3, R42.3). Such a letter goes
    by Digital Post to the organisation's CVR when it is connected, otherwise by physical post, and
    belongs to the organisation as data controller (its outbox shows it)."""

    uuid = models.UUIDField(_("message UUID"), default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="letters"
    )
    sender = models.ForeignKey(
        Tenant, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="sent_letters"
    )
    recipient = models.ForeignKey(
        Person,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="letters",
        null=True,
        blank=True,
    )
    recipient_organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("recipient organisation"),
        on_delete=models.PROTECT,
        related_name="letters_received",
        null=True,
        blank=True,
    )
    # The applicant a letter to an organisation is about: reading it is reading their data (logged).
    concerns_person = models.ForeignKey(
        Person,
        verbose_name=_("concerns"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=40, choices=LetterKind.choices)
    template = models.ForeignKey(LetterTemplate, verbose_name=_("template version"), on_delete=models.PROTECT)
    context = models.JSONField(_("data used"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body_html = models.TextField(_("body"))
    # Snapshots: what was printed on the letter, even if the register changes later.
    sender_name = models.CharField(_("sender name"), max_length=200)
    sender_address = models.CharField(_("sender address"), max_length=300, blank=True)
    sender_identifier_type = models.CharField(max_length=20, default="CVR")
    sender_identifier = models.CharField(_("sender CVR"), max_length=20, blank=True)
    recipient_name = models.CharField(_("recipient name"), max_length=200)
    recipient_address = models.TextField(_("recipient address"), blank=True)
    legal_notice = models.BooleanField(_("legal notice"), default=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    channel_reason = models.CharField(_("why this channel"), max_length=500)
    email_notice = models.BooleanField(_("e-mail notice to be sent"), default=False)
    email_notice_sent_at = models.DateTimeField(_("e-mail notice sent"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=LetterState.choices, default=LetterState.QUEUED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    printed_at = models.DateTimeField(_("printed"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    failure_reason = models.CharField(_("failure"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    transport_reference = models.CharField(_("transport reference"), max_length=300, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    pdf_pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    print_batch = models.ForeignKey(
        PrintBatch,
        verbose_name=_("print batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    resend_of = models.ForeignKey(
        "self",
        verbose_name=_("resend of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resends",
    )
    # Work claims (a conditional UPDATE by the dispatcher); not part of the audited history.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["body_html", "context", "claim_token", "claimed_until"])

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["state", "channel", "id"], name="letter_queue_idx", condition=Q(state="queued")
            ),
            models.Index(fields=["controller", "-created_at"], name="letter_controller_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="printed") | Q(channel="physical"),
                name="only_physical_letters_are_printed",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, recipient_organisation__isnull=True)
                | Q(recipient__isnull=True, recipient_organisation__isnull=False),
                name="letter_has_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} – {self.recipient_name}"

    def get_absolute_url(self) -> str:
        return reverse("letters:letter_detail", args=[self.pk])

    @property
    def to_organisation(self) -> bool:
        return self.recipient_organisation_id is not None


class DeliveryEvent(models.Model):
    """One step in a letter's delivery record (DP3: how and when it was sent must be provable)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=20, choices=LetterState.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_state_display()}"


class SendAttempt(models.Model):
    """One attempt to hand a Digital Post letter to its transport, recorded before and after.

    The row is committed before the message leaves and finished right after the transport has
    accepted it (or refused it), so a worker killed at any point leaves a record that says what is
    known: a finished attempt the letter does not show yet is recorded from the attempt, without
    sending again; only an unfinished attempt — its outcome unknown — is sent again, under the same
    message UUID (Digital Post and the outbox take a repeated UUID as the same message), and that
    attempt is marked as a retry. Part of the delivery record (DP3): added to and finished, never
    edited, so it is not history-tracked.
    """

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="send_attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Blank while the attempt is in flight; left blank by a worker that died: the outcome is unknown.
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    is_retry = models.BooleanField(
        _("retry after an unknown outcome"),
        default=False,
        help_text=_("The previous attempt's outcome is unknown: its worker stopped mid-send."),
    )
    job_run = models.ForeignKey(
        "letters.JobRun",
        verbose_name=_("job run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="send_attempts",
    )
    reference = models.CharField(_("transport reference"), max_length=300, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("send attempt")
        verbose_name_plural = _("send attempts")
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="one_send_attempt_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} #{self.number} {self.outcome or '?'}"

    @property
    def outcome_known(self) -> bool:
        return self.finished_at is not None
