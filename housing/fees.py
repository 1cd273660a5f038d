"""The fee machinery shared by every list that charges a fee and deletes on non-payment.

The family lists (§ 3, stk. 3, R3.3: registration and yearly update fees) and the kommune's
specific lists for elder housing (§ 21, stk. 2–4, R21.2–R21.4: a fee for joining several lists)
follow the same course: a charge falls due; unpaid some days after the due date it is reminded,
with a deadline; still unpaid after the deadline, the applicant is deleted from the list. What
differs — which entries are charged, the letters, what deletion means for the entry — stays in
``waitinglists`` and ``eldercare``; the list-independent parts live here:

* the charge states and an abstract charge model (``AbstractFeeCharge``) with the state fields
  and the reminder/deadline invariant;
* ``FeeTermsMixin``: the reminder and deadline terms of a fee rule;
* the pure date rules (reminder date, deletion deadline, whether the deletion is due);
* amount and date formatting for messages;
* claiming the rows of a daily fee job batch by batch (``claim_batches``), so two workers never
  process the same charge and a re-run finds nothing left to do.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

BATCH_SIZE = 1000


class ChargeState(models.TextChoices):
    OPEN = "open", _("Open")
    REMINDED = "reminded", _("Reminder sent")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    DELETED = "deleted", _("Entry deleted for non-payment")


OPEN_STATES = (ChargeState.OPEN, ChargeState.REMINDED)


class FeeTermsMixin(models.Model):
    """How long an unpaid fee may stay unpaid: a reminder this many days after the due date, and
    deletion when still unpaid this many days after the reminder."""

    reminder_after_days = models.PositiveSmallIntegerField(
        _("reminder when unpaid this many days after the due date"), default=14
    )
    pay_within_days = models.PositiveSmallIntegerField(
        _("days to pay after the reminder before deletion"), default=21, validators=[MinValueValidator(1)]
    )

    class Meta:
        abstract = True


class AbstractFeeCharge(models.Model):
    """One fee owed by one list entry. Concrete models add the entry and their own unique key,
    and the constraint ``reminded_has_deadline(name)``."""

    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    due_date = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=20, choices=ChargeState.choices, default=ChargeState.OPEN)
    reminded_on = models.DateField(_("reminder sent"), null=True, blank=True)
    reminder_deadline = models.DateField(_("pay at the latest (after reminder)"), null=True, blank=True)
    paid_on = models.DateField(_("paid"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def mark_reminded(self, *, today: datetime.date, pay_within_days: int) -> None:
        self.state = ChargeState.REMINDED
        self.reminded_on = today
        self.reminder_deadline = deletion_due(reminded_on=today, pay_within_days=pay_within_days)

    def mark_paid(self, *, paid_on: datetime.date) -> None:
        self.state, self.paid_on = ChargeState.PAID, paid_on


def reminded_has_deadline(name: str) -> models.CheckConstraint:
    """A reminded charge always names the day it was reminded and its deadline."""
    return models.CheckConstraint(
        condition=~Q(state="reminded") | Q(reminded_on__isnull=False, reminder_deadline__isnull=False),
        name=name,
    )


# --- The date rules ------------------------------------------------------------------------------


def reminder_due(*, due_date: datetime.date, after_days: int) -> datetime.date:
    """An unpaid fee gets a reminder this many days after the due date."""
    return due_date + datetime.timedelta(days=after_days)


def deletion_due(*, reminded_on: datetime.date, pay_within_days: int) -> datetime.date:
    """Still unpaid despite the reminder → deleted; the reminder names this date as the deadline."""
    return reminded_on + datetime.timedelta(days=pay_within_days)


def deletion_is_due(*, reminder_deadline: datetime.date, today: datetime.date) -> bool:
    """The deadline day itself still counts: deleted only from the day after."""
    return reminder_deadline < today


def reminder_candidates(*, today: datetime.date, after_days: int) -> Q:
    """Open charges whose reminder date (``reminder_due``) has come."""
    return Q(state=ChargeState.OPEN, due_date__lte=today - datetime.timedelta(days=after_days))


def expired_reminders(*, today: datetime.date, prefix: str = "") -> Q:
    """Reminded charges past their deadline (``deletion_is_due``); ``prefix`` for a related lookup."""
    return Q(**{f"{prefix}state": ChargeState.REMINDED, f"{prefix}reminder_deadline__lt": today})


# --- Formatting ----------------------------------------------------------------------------------


def ui_amount(amount: Decimal) -> str:
    """An amount in kroner as the active language writes it (1.234,50 in Danish)."""
    return number_format(amount, decimal_pos=2, force_grouping=True)


def ui_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- Claiming the work of a daily fee job --------------------------------------------------------


def claim_ids(queryset: QuerySet, size: int = BATCH_SIZE) -> list[int]:
    """Ids of the next ``size`` candidates, locked for this transaction. On PostgreSQL rows that
    another worker (or a caseworker's payment) holds are skipped — they are done by that worker,
    or by tomorrow's run."""
    ids = queryset.order_by("id").values_list("id", flat=True)
    if connection.features.has_select_for_update_skip_locked:
        ids = ids.select_for_update(skip_locked=True, of=("self",))
    return list(ids[:size])


def claim_batches(candidates: QuerySet, progress=None, size: int = BATCH_SIZE) -> Iterable[list[int]]:
    """Claim the candidates batch by batch. The caller's loop body runs inside the batch's
    transaction (an exception rolls the batch back); keyset pagination on id, so each batch query
    starts where the last one ended instead of rescanning the rows already done.

    One transaction per batch, not per run: with millions of entries a single transaction would
    hold millions of row locks for the whole run and lose all work on a crash."""
    last_id = 0
    while True:
        with transaction.atomic():
            ids = claim_ids(candidates.filter(id__gt=last_id), size)
            if not ids:
                return
            last_id = ids[-1]
            yield ids
        if progress is not None:
            progress.advance(len(ids))
