"""Fees (R3.3): the organisation's dated fee rules, the charges per entry and period, payments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.fees import AbstractFeeCharge, FeeTermsMixin
from housing.fees import ChargeState as ChargeState  # re-exported: waitinglists.models.ChargeState
from housing.models import Tenant

from .lists import Entry


class FeeSchedule(FeeTermsMixin, models.Model):
    """The fee rules of a list's controller from a date (a new row for every change, so the rules
    that applied to a charge can always be found)."""

    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="fee_schedules"
    )
    valid_from = models.DateField(_("valid from"))
    registration_fee = models.DecimalField(
        _("registration fee (optagelsesgebyr)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    update_fee = models.DecimalField(
        _("yearly update fee (ajourføringsgebyr)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    due_month = models.PositiveSmallIntegerField(
        _("update fee due month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    due_day = models.PositiveSmallIntegerField(
        _("update fee due day"),
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1–28, so the day exists in every month."),
    )
    # reminder_after_days, pay_within_days: FeeTermsMixin (shared with the specific lists' fees).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["controller", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["controller", "valid_from"], name="unique_fee_schedule_date")
        ]

    def __str__(self) -> str:
        return f"{self.controller} {self.valid_from}"


class ChargeKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration fee")
    UPDATE = "update", _("Update fee")


class FeeCharge(AbstractFeeCharge):
    """One fee for one entry and period. The unique key (entry, kind, period) is what makes the
    yearly cycle idempotent: charging twice on the same day finds the charge already there."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="charges"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeKind.choices)
    period = models.PositiveSmallIntegerField(_("fee year"))
    # amount, due_date, state, reminded_on, reminder_deadline, paid_on: AbstractFeeCharge.
    # R3.3: "sende en påmindelse". A REMINDED charge names its reminder letter; ``reminded_on``
    # is the day that letter (or a resend of it) actually left — by Digital Post or in a print
    # batch confirmed as posted — and the deadline counts from that day. Until then both are
    # empty and the charge cannot lead to deletion.
    reminder_letter = models.ForeignKey(
        "letters.Letter",
        verbose_name=_("reminder letter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fee charge")
        verbose_name_plural = _("fee charges")
        ordering = ["-period", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "kind", "period"], name="one_charge_per_entry_and_period"
            ),
            # Reminded: either the reminder has left (the day and the deadline are known) or its
            # letter is named and still on its way (neither is known yet).
            models.CheckConstraint(
                condition=~Q(state="reminded")
                | Q(reminded_on__isnull=False, reminder_deadline__isnull=False)
                | Q(reminder_letter__isnull=False, reminded_on__isnull=True, reminder_deadline__isnull=True),
                name="reminded_charge_sent_or_on_its_way",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_date"], name="charge_cycle_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}: {self.amount}"

    def mark_reminder_made(self, *, letter) -> None:
        """The reminder letter exists but has not left yet: no reminder day, no deadline."""
        self.state, self.reminder_letter = ChargeState.REMINDED, letter
        self.reminded_on = self.reminder_deadline = None


class PaymentSource(models.TextChoices):
    MANUAL = "manual", _("Registered by hand")
    BANK_FILE = "bank_file", _("Bank file")


class Payment(models.Model):
    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(
        _("amount"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    paid_on = models.DateField(_("paid on"))
    years = models.PositiveSmallIntegerField(
        _("update-fee years covered"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Prepayment by agreement covers at most 5 years (R3.3)."),
    )
    source = models.CharField(_("source"), max_length=20, choices=PaymentSource.choices)
    bank_reference = models.CharField(
        _("bank transaction id"),
        max_length=100,
        blank=True,
        help_text=_("From the bank file; the same transaction is never registered twice."),
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_reference"], condition=~Q(bank_reference=""), name="bank_transaction_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.paid_on})"
