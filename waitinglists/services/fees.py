"""Fees and payments (R3.3, § 3, stk. 3): payments, the bank file and the yearly fee cycle.

The law: a registration fee (*optagelsesgebyr*) at registration; an update fee
(*ajourføringsgebyr*) once a year, or by prior agreement for a longer period of at most 5 years;
an unpaid fee gets a reminder that states the deletion rule; still unpaid despite the reminder,
the applicant is deleted from the list. Admitted without a registration fee: tenants under 65 on
the internal list in a *hårdt ghettoområde* (§ 2, stk. 2, R2.2) and 2010 andels members on the
internal list (§ 2, stk. 4, R2.3–R2.4) — they pay update fees like everybody else.

**Payments.** A payment settles all open charges of the entry (registration fee first, then the
update fees, oldest first) and covers ``years`` fee years: the open charges pay for the current
year, every further year costs the update fee in force on the payment day (with nothing open,
every year costs the update fee). ``Entry.paid_until`` becomes the day before the first update-fee
due date that is not covered; the yearly cycle does not charge an entry paid beyond the due date.

**The bank file** (``bank_file_import``) is UTF-8 text, ``;``-separated, first line the header::

    date;amount;reference;transaction_id
    2026-03-02;150,00;0000000017;BANK-2026-000123

* ``date`` — the payment day, ``YYYY-MM-DD``;
* ``amount`` — kroner, positive, with ``,`` or ``.`` before at most two decimals and no thousands
  separator (``150``, ``150,00``, ``1234.50``);
* ``reference`` — the entry's payment reference (``Entry.payment_reference``);
* ``transaction_id`` — the bank's unique id of the transaction: a transaction already registered
  is a duplicate and is never registered twice.

Fields may be quoted (``"…"``); blank lines are ignored; line numbers count from the header (1).
A malformed line refuses the whole file (nothing is imported, every bad line is named). A
reference that is unknown — or belongs to a data controller the importing user cannot write
for — is *unmatched* (the result does not reveal whether it exists elsewhere). A matched line
whose amount does not fit, or whose entry is deleted, is *rejected* for manual handling; the rest
of the file is imported as one transaction.

**The yearly cycle** is three idempotent, set-based functions run daily as jobs
(``waitinglists.fee_charge`` → ``fee_remind`` → ``fee_delete``). Each works in batches: one
transaction per batch, candidates claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) so
a second worker skips rows the first holds, and each batch leaves the candidate set (a charge
exists / the state changed), so a re-run on the same day finds nothing to do. A batch
transaction, not one transaction for the whole run: with ~2.5 million entries a single
transaction would hold millions of row locks for the whole run and lose all work on a crash.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from housing import fees as housing_fees
from housing import permissions, scoping
from housing.audit import audited_save, require_reason, system_user
from letters import selectors as letters_selectors
from letters import services as letters
from letters.formatting import letter_amount, letter_date

from .. import queue, rules
from ..models import (
    ChargeKind,
    ChargeState,
    DeletionReason,
    Entry,
    EntryStatus,
    FeeCharge,
    FeeSchedule,
    Payment,
    PaymentSource,
)
from .registration import fee_schedule_on

OPEN_STATES = housing_fees.OPEN_STATES
LIVING_STATUSES = (EntryStatus.ACTIVE, EntryStatus.PASSIVE)
BATCH_SIZE = housing_fees.BATCH_SIZE


# --- Formatting --------------------------------------------------------------------------------


def _fee_name(kind: str) -> str:
    """The fee's name as the Danish letter says it (letter text is always Danish)."""
    return "opskrivningsgebyret" if kind == ChargeKind.REGISTRATION else "opdateringsgebyret"


_ui_amount = housing_fees.ui_amount
_ui_date = housing_fees.ui_date


def _danish(message: str) -> str:
    """History reasons and letter reasons written by jobs are records, kept in Danish."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message)


def _due(schedule: FeeSchedule, year: int) -> datetime.date:
    return rules.update_fee_due(year=year, month=schedule.due_month, day=schedule.due_day)


# --- Payments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentQuote:
    """What a payment covering ``years`` fee years must amount to, and what it covers."""

    years: int
    open_charges: list[FeeCharge]
    open_total: Decimal
    extra_years: int  # years paid at the update fee, beyond the open charges
    update_fee: Decimal
    expected: Decimal
    paid_until: datetime.date


def _open_charges(entry: Entry, *, lock: bool) -> list[FeeCharge]:
    charges = entry.charges.filter(state__in=OPEN_STATES).order_by(
        Case(
            When(kind=ChargeKind.REGISTRATION, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        "period",
        "id",
    )
    if lock:
        charges = charges.select_for_update()
    return list(charges)


def _first_uncovered_due(entry: Entry, schedule: FeeSchedule) -> datetime.date:
    """The first update-fee due date that nothing pays for yet (no open charges): after
    ``paid_until``, after the latest paid update fee, and never in the registration year (the
    registration letter names the first update fee in the year after)."""
    candidates = [_due(schedule, entry.registered_on.year + 1)]
    if entry.paid_until is not None:
        due = _due(schedule, entry.paid_until.year)
        candidates.append(due if due > entry.paid_until else _due(schedule, entry.paid_until.year + 1))
    last_paid = entry.charges.filter(kind=ChargeKind.UPDATE, state=ChargeState.PAID).aggregate(
        last=Max("period")
    )["last"]
    if last_paid is not None:
        candidates.append(_due(schedule, last_paid + 1))
    return max(candidates)


def payment_quote(*, entry: Entry, years: int, paid_on: datetime.date, _lock: bool = False) -> PaymentQuote:
    """The exact amount a payment for ``years`` fee years must have on ``paid_on`` (a read;
    ``payment_register`` refuses any other amount and names this one)."""
    schedule = fee_schedule_on(entry.controller_id, paid_on)
    if schedule is None:
        raise ValidationError(
            _("There are no fee rules in force on %(day)s; an administrator adds them in the admin.")
            % {"day": _ui_date(paid_on)}
        )
    open_charges = _open_charges(entry, lock=_lock)
    open_total = sum((charge.amount for charge in open_charges), Decimal("0.00"))
    if open_charges:
        # The open charges pay for the current fee year; each further year costs the update fee.
        next_due = _due(schedule, max(charge.period for charge in open_charges) + 1)
        extra = years - 1
    else:
        next_due = _first_uncovered_due(entry, schedule)
        extra = years
    paid_until = _due(schedule, next_due.year + extra) - datetime.timedelta(days=1)
    if entry.paid_until is not None:
        paid_until = max(paid_until, entry.paid_until)
    return PaymentQuote(
        years=years,
        open_charges=open_charges,
        open_total=open_total,
        extra_years=extra,
        update_fee=schedule.update_fee,
        expected=open_total + extra * schedule.update_fee,
        paid_until=paid_until,
    )


def prepaid_until_limit(schedule: FeeSchedule, paid_on: datetime.date) -> datetime.date:
    """R3.3, § 3, stk. 3: "opkræve ajourføringsgebyret for en længere periode, dog højst for en
    periode på 5 år" — the update fees paid ahead on ``paid_on``, by all payments together, cover
    at most 5 fee years not yet due: the entry may be paid until the day before the 5th due date
    after the next one."""
    next_year = paid_on.year if _due(schedule, paid_on.year) > paid_on else paid_on.year + 1
    return _due(schedule, next_year + rules.MAX_PREPAID_YEARS) - datetime.timedelta(days=1)


def _check_years(years: int) -> None:
    if rules.prepayment_allowed(years):
        return
    if years > rules.MAX_PREPAID_YEARS:
        message = _(
            "The update fee can be paid in advance by agreement for at most %(max)s years "
            "(§ 3, stk. 3 — R3.3); %(years)s years were asked for."
        ) % {"max": rules.MAX_PREPAID_YEARS, "years": years}
    else:
        message = _("A payment covers at least one year.")
    raise ValidationError({"years": message}, code="prepayment_limit")


@transaction.atomic
def payment_register(
    *,
    actor,
    reason: str,
    entry: Entry,
    amount: Decimal,
    paid_on: datetime.date,
    years: int = 1,
    source: str = PaymentSource.MANUAL,
    bank_reference: str = "",
) -> Payment:
    """Register a payment: it settles the open charges (registration fee first, then update fees,
    oldest first) and pays the update fee for ``years`` fee years — prepayment by agreement for
    at most 5 years (§ 3, stk. 3, R3.3). The amount must be exactly what that costs."""
    permissions.require_write_tenant(actor, entry.controller_id)
    reason = require_reason(reason)
    _check_years(years)
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than 0 kr.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    if source not in PaymentSource.values:
        raise ValidationError({"source": _("Unknown payment source.")})
    # Locks the entry (and below its open charges) against the deletion job running meanwhile.
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == EntryStatus.DELETED:
        raise ValidationError(
            _("The entry was deleted on %(day)s; reinstate it before registering a payment.")
            % {"day": _ui_date(entry.deleted_on)},
            code="deleted",
        )
    if bank_reference and Payment.objects.filter(bank_reference=bank_reference).exists():
        raise ValidationError(
            {
                "bank_reference": _("The bank transaction %(ref)s is already registered.")
                % {"ref": bank_reference}
            },
            code="duplicate",
        )
    quote = payment_quote(entry=entry, years=years, paid_on=paid_on, _lock=True)
    # Checked on the total under the entry's row lock: payments one after the other (or a
    # repeated submit) cannot together prepay more than 5 years.
    limit = prepaid_until_limit(fee_schedule_on(entry.controller_id, paid_on), paid_on)
    if quote.paid_until > limit:
        raise ValidationError(
            {
                "years": _(
                    "The update fee can be paid in advance for at most %(max)s years in total "
                    "(§ 3, stk. 3 — R3.3): the entry is paid until %(paid_until)s, and this payment "
                    "would cover until %(would)s; the latest allowed on %(day)s is %(limit)s."
                )
                % {
                    "max": rules.MAX_PREPAID_YEARS,
                    "paid_until": _ui_date(entry.paid_until) if entry.paid_until else "—",
                    "would": _ui_date(quote.paid_until),
                    "day": _ui_date(paid_on),
                    "limit": _ui_date(limit),
                }
            },
            code="prepayment_limit",
        )
    if amount != quote.expected:
        raise ValidationError(
            {
                "amount": _(
                    "The amount must be %(expected)s kr. for %(years)s year(s): open charges "
                    "%(open)s kr. plus %(extra)s × the update fee of %(fee)s kr."
                )
                % {
                    "expected": _ui_amount(quote.expected),
                    "years": years,
                    "open": _ui_amount(quote.open_total),
                    "extra": quote.extra_years,
                    "fee": _ui_amount(quote.update_fee),
                }
            },
            code="amount_mismatch",
        )
    for charge in quote.open_charges:
        charge.mark_paid(paid_on=paid_on)
        audited_save(charge, actor=actor, reason=reason)
    payment = Payment(
        entry=entry,
        amount=amount,
        paid_on=paid_on,
        years=years,
        source=source,
        bank_reference=bank_reference,
        registered_by=actor,
    )
    audited_save(payment, actor=actor, reason=reason)
    if entry.paid_until != quote.paid_until:
        entry.paid_until = quote.paid_until
        audited_save(entry, actor=actor, reason=reason)
    return payment


# --- The bank file -----------------------------------------------------------------------------

BANK_FILE_HEADER = ["date", "amount", "reference", "transaction_id"]
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT_RE = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


@dataclass
class BankLine:
    line_no: int
    paid_on: datetime.date | None = None
    amount: Decimal | None = None
    reference: str = ""
    transaction_id: str = ""
    entry_id: int | None = None
    payment_id: int | None = None
    message: str = ""


@dataclass
class BankImportResult:
    dry_run: bool
    matched: list[BankLine] = field(default_factory=list)  # registered (or would be, in a dry run)
    unmatched: list[BankLine] = field(default_factory=list)  # no entry the user may write for
    duplicates: list[BankLine] = field(default_factory=list)  # transaction already registered
    rejected: list[BankLine] = field(default_factory=list)  # matched, but the payment does not fit
    errors: list[BankLine] = field(default_factory=list)  # malformed: the file is refused

    @property
    def imported(self) -> bool:
        """Whether the payments were saved (no malformed line, not a dry run)."""
        return not self.dry_run and not self.errors


def _parse_bank_file(file_text: str, result: BankImportResult) -> list[BankLine]:
    reader = csv.reader(io.StringIO(file_text.lstrip("\ufeff")), delimiter=";")
    header = next(reader, None)
    if header is None or [name.strip().lower() for name in header] != BANK_FILE_HEADER:
        result.errors.append(
            BankLine(
                line_no=1,
                message=_("Line %(line)s: the first line must be the header %(header)s.")
                % {"line": 1, "header": ";".join(BANK_FILE_HEADER)},
            )
        )
        return []
    lines: list[BankLine] = []
    for row in reader:
        line_no = reader.line_num
        if not any(value.strip() for value in row):
            continue
        problems: list[str] = []
        line = BankLine(line_no=line_no)
        if len(row) != len(BANK_FILE_HEADER):
            problems.append(
                _("expected %(expected)s fields separated by ';', found %(found)s")
                % {"expected": len(BANK_FILE_HEADER), "found": len(row)}
            )
        else:
            raw_date, raw_amount, reference, transaction_id = (value.strip() for value in row)
            try:
                if not _DATE_RE.match(raw_date):
                    raise ValueError
                line.paid_on = datetime.date.fromisoformat(raw_date)
            except ValueError:
                problems.append(_("the date “%(value)s” is not a date (YYYY-MM-DD)") % {"value": raw_date})
            if _AMOUNT_RE.match(raw_amount) and Decimal(raw_amount.replace(",", ".")) > 0:
                line.amount = Decimal(raw_amount.replace(",", ".")).quantize(Decimal("0.01"))
            else:
                problems.append(
                    _("the amount “%(value)s” is not a positive amount in kroner (e.g. 150,00)")
                    % {"value": raw_amount}
                )
            if not reference:
                problems.append(_("the payment reference is missing"))
            if not transaction_id:
                problems.append(_("the transaction id is missing"))
            elif len(transaction_id) > Payment._meta.get_field("bank_reference").max_length:
                problems.append(_("the transaction id is longer than 100 characters"))
            line.reference, line.transaction_id = reference, transaction_id
        if problems:
            line.message = _("Line %(line)s: %(problems)s.") % {
                "line": line_no,
                "problems": "; ".join(problems),
            }
            result.errors.append(line)
        else:
            lines.append(line)
    return lines


def _years_for_amount(entry: Entry, amount: Decimal, paid_on: datetime.date) -> int:
    """The number of years a bank payment covers: the one whose exact price it is (1 when none
    is, so ``payment_register`` refuses it with the expected amount)."""
    for years in range(1, rules.MAX_PREPAID_YEARS + 1):
        if payment_quote(entry=entry, years=years, paid_on=paid_on).expected == amount:
            return years
    return 1


@transaction.atomic
def bank_file_import(*, actor, file_text: str, dry_run: bool = False) -> BankImportResult:
    """Import a bank file of fee payments (format in the module docstring): all or nothing per
    file; ``dry_run`` reports what would happen and saves nothing."""
    result = BankImportResult(dry_run=dry_run)
    lines = _parse_bank_file(file_text, result)
    if result.errors:
        return result
    reason = _("Payment from the bank file")
    writable = scoping.scope_for(actor).writable_tenant_ids
    # Only entries of controllers the user writes for: anything else is "unmatched", exactly
    # like a reference that does not exist, so the file reveals nothing about other tenants.
    entries = {
        entry.payment_reference: entry
        for entry in Entry.objects.filter(
            payment_reference__in={line.reference for line in lines}, controller_id__in=writable
        )
    }
    known = set(
        Payment.objects.filter(bank_reference__in={line.transaction_id for line in lines}).values_list(
            "bank_reference", flat=True
        )
    )
    for line in lines:
        entry = entries.get(line.reference)
        if entry is None:
            result.unmatched.append(line)
            continue
        line.entry_id = entry.pk
        if line.transaction_id in known:
            result.duplicates.append(line)
            continue
        known.add(line.transaction_id)
        try:
            with transaction.atomic():
                payment = payment_register(
                    actor=actor,
                    reason=reason,
                    entry=entry,
                    amount=line.amount,
                    paid_on=line.paid_on,
                    years=_years_for_amount(entry, line.amount, line.paid_on),
                    source=PaymentSource.BANK_FILE,
                    bank_reference=line.transaction_id,
                )
        except ValidationError as exc:
            line.message = _("Line %(line)s: %(problems)s") % {
                "line": line.line_no,
                "problems": " ".join(exc.messages),
            }
            result.rejected.append(line)
            continue
        line.payment_id = payment.pk
        result.matched.append(line)
    if dry_run:
        transaction.set_rollback(True)
        for line in result.matched:
            line.payment_id = None
    return result


# --- The yearly cycle --------------------------------------------------------------------------


def _controllers_with_schedules(today: datetime.date) -> list[int]:
    return list(
        FeeSchedule.objects.filter(valid_from__lte=today)
        .order_by("controller_id")
        .values_list("controller_id", flat=True)
        .distinct()
    )


def _update_fee_candidates(controller_id: int, year: int, due: datetime.date) -> QuerySet[Entry]:
    already_charged = FeeCharge.objects.filter(entry=OuterRef("pk"), kind=ChargeKind.UPDATE, period=year)
    return Entry.objects.filter(
        controller_id=controller_id,
        status__in=LIVING_STATUSES,
        # The first update fee falls due in the year after registration (as the letter says).
        registered_on__lt=datetime.date(year, 1, 1),
    ).filter(Q(paid_until__isnull=True) | Q(paid_until__lt=due), ~Exists(already_charged))


def fee_cycle_charge(*, today: datetime.date, progress=None) -> int:
    """Charge this year's update fee (R3.3) to every active or passive entry whose controller's
    due date has come, that has not been charged for this year and is not prepaid past the due
    date. Idempotent: an entry with a charge for (UPDATE, year) is no longer a candidate, and the
    unique constraint ``one_charge_per_entry_and_period`` guards the rest. Returns the number of
    charges created."""
    actor = system_user()
    reason = _danish(gettext_noop("Yearly update fee charged (R3.3)"))
    plans = []
    for controller_id in _controllers_with_schedules(today):
        schedule = fee_schedule_on(controller_id, today)
        due = _due(schedule, today.year)
        if due > today or schedule.update_fee <= 0:
            continue
        plans.append((schedule, due, _update_fee_candidates(controller_id, today.year, due)))
    if progress is not None:
        progress.set_total(sum(candidates.count() for _schedule, _due_date, candidates in plans))
    created = 0
    for schedule, due, candidates in plans:
        for ids in housing_fees.claim_batches(candidates, progress):
            charges = [
                FeeCharge(
                    entry_id=entry_id,
                    kind=ChargeKind.UPDATE,
                    period=today.year,
                    amount=schedule.update_fee,
                    due_date=due,
                    state=ChargeState.OPEN,
                )
                for entry_id in ids
            ]
            # No ignore_conflicts: the candidates are locked and have no charge, so every row is
            # new, and each gets exactly one history row. A conflict is a bug and rolls back.
            bulk_create_with_history(
                charges, FeeCharge, batch_size=BATCH_SIZE, default_user=actor, default_change_reason=reason
            )
            created += len(charges)
    return created


def _reminder_plans(today: datetime.date) -> list[tuple[FeeSchedule, QuerySet[FeeCharge]]]:
    """Open charges whose reminder date has come, per fee-rule version: a charge follows the
    rules in force on its due date (a charge from before the first version follows the first)."""
    plans = []
    for controller_id in _controllers_with_schedules(today):
        versions = list(FeeSchedule.objects.filter(controller_id=controller_id).order_by("valid_from"))
        for index, schedule in enumerate(versions):
            charges = FeeCharge.objects.filter(
                housing_fees.reminder_candidates(today=today, after_days=schedule.reminder_after_days),
                entry__controller_id=controller_id,
                entry__status__in=LIVING_STATUSES,
            )
            if index > 0:
                charges = charges.filter(due_date__gte=schedule.valid_from)
            if index + 1 < len(versions):
                charges = charges.filter(due_date__lt=versions[index + 1].valid_from)
            plans.append((schedule, charges))
    return plans


def fee_cycle_remind(*, today: datetime.date, progress=None) -> int:
    """Make the reminder (R3.3) for every open charge whose reminder date has come: a
    ``fee_reminder`` letter stating the deletion rule and the deadline, and the charge becomes
    REMINDED naming that letter. The reminder day and the deadline are set only when the letter
    has actually left (``fee_cycle_record_sent_reminders``): "skal boligorganisationen sende en
    påmindelse" — a reminder queued in the outbox has not been sent. Idempotent: a reminded
    charge is no longer open, and the letter's key ``fee-reminder:<charge>`` makes a second
    letter impossible. Returns the number of reminders."""
    actor = system_user()
    reason = _danish(gettext_noop("Reminder of an unpaid fee (R3.3)"))
    plans = _reminder_plans(today)
    if progress is not None:
        progress.set_total(sum(charges.count() for _schedule, charges in plans))
    reminded = 0
    for schedule, candidates in plans:
        for ids in housing_fees.claim_batches(candidates, progress):
            charges = list(
                FeeCharge.objects.filter(id__in=ids)
                .select_related("entry__person", "entry__controller__organisation", "entry__waiting_list")
                .order_by("id")
            )
            for charge in charges:
                letter = letters.letter_create(
                    actor=actor,
                    reason=reason,
                    sender=charge.entry.controller,
                    recipient=charge.entry.person,
                    kind="fee_reminder",
                    context={
                        "fee_name": _fee_name(charge.kind),
                        "amount": letter_amount(charge.amount),
                        "due_date": letter_date(charge.due_date),
                        # The deadline if the letter leaves today; the letter says it moves
                        # with a later sending, as the deletion run counts it.
                        "deadline": letter_date(
                            housing_fees.deletion_due(
                                reminded_on=today, pay_within_days=schedule.pay_within_days
                            )
                        ),
                        "pay_within_days": schedule.pay_within_days,
                        "list_name": charge.entry.waiting_list.name,
                    },
                    idempotency_key=f"fee-reminder:{charge.pk}",
                    dispatch=False,
                )
                charge.mark_reminder_made(letter=letter)
            bulk_update_with_history(
                charges,
                FeeCharge,
                ["state", "reminded_on", "reminder_deadline", "reminder_letter"],
                batch_size=BATCH_SIZE,
                default_user=actor,
                default_change_reason=reason,
            )
            reminded += len(charges)
    if reminded:
        letters.request_dispatch()
    return reminded


def _schedule_for_due(controller_id: int, due_date: datetime.date) -> FeeSchedule | None:
    """The fee rules a charge follows: those in force on its due date (a charge from before
    the first version follows the first), as ``_reminder_plans`` chose them."""
    return fee_schedule_on(controller_id, due_date) or (
        FeeSchedule.objects.filter(controller_id=controller_id).order_by("valid_from").first()
    )


@dataclass
class ReminderSending:
    """What ``fee_cycle_record_sent_reminders`` found: reminders that have now left (their
    deadline set from that day), and those that hold back a deletion — failed, or still waiting
    in the outbox or for their print batch to be posted — with the letter ids to look at."""

    sent: int = 0
    failed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)


def fee_cycle_record_sent_reminders(*, today: datetime.date) -> ReminderSending:
    """R3.3: a reminder counts from the day it actually left. For every reminded charge whose
    letter has not been recorded as sent: when the letter — or a resend of it — has left by
    Digital Post or in a print batch confirmed as posted, the charge gets that day as its
    reminder day and the deadline counted from it; otherwise it is reported (and cannot lead
    to deletion). Idempotent: a charge with a reminder day is no longer a candidate."""
    actor = system_user()
    reason = _danish(
        gettext_noop("The reminder was sent; the deadline counts from the day it was sent (R3.3)")
    )
    result = ReminderSending()
    candidates = FeeCharge.objects.filter(
        state=ChargeState.REMINDED,
        reminded_on__isnull=True,
        reminder_letter__isnull=False,
        entry__status__in=LIVING_STATUSES,
    )
    for ids in housing_fees.claim_batches(candidates):
        charges = list(FeeCharge.objects.filter(id__in=ids).select_related("entry").order_by("id"))
        records = letters_selectors.sending_records(charge.reminder_letter_id for charge in charges)
        changed = []
        for charge in charges:
            record = records[charge.reminder_letter_id]
            if record.state == letters_selectors.Sending.FAILED:
                result.failed.append(charge.reminder_letter_id)
                continue
            if record.state == letters_selectors.Sending.WAITING:
                result.waiting.append(charge.reminder_letter_id)
                continue
            schedule = _schedule_for_due(charge.entry.controller_id, charge.due_date)
            charge.mark_reminded(today=record.sent_on, pay_within_days=schedule.pay_within_days)
            changed.append(charge)
        if changed:
            bulk_update_with_history(
                changed,
                FeeCharge,
                ["reminded_on", "reminder_deadline"],
                batch_size=BATCH_SIZE,
                default_user=actor,
                default_change_reason=reason,
            )
            result.sent += len(changed)
    return result


def _report_held_back(progress, sending: ReminderSending) -> None:
    """The reminders that hold back a deletion, as counts and as what needs attention."""
    if progress is None:
        return
    if sending.sent:
        progress.count("reminders_sent", sending.sent)
    if sending.failed:
        progress.count("reminders_failed", len(sending.failed))
        progress.attention(
            _danish(
                gettext_noop(
                    "%(n)s fee reminders could not be sent (letters %(ids)s). Nobody is deleted for "
                    "non-payment before the reminder has been sent (R3.3): resend them from the outbox."
                )
            )
            % {"n": len(sending.failed), "ids": _letter_ids(sending.failed)}
        )
    if sending.waiting:
        progress.count("reminders_waiting", len(sending.waiting))
        progress.attention(
            _danish(
                gettext_noop(
                    "%(n)s fee reminders have not been sent yet: they wait in the outbox or for their "
                    "print batch to be confirmed as posted (letters %(ids)s). The deadline counts from "
                    "the day they are sent (R3.3)."
                )
            )
            % {"n": len(sending.waiting), "ids": _letter_ids(sending.waiting)}
        )


def _letter_ids(ids: list[int], shown: int = 20) -> str:
    text = ", ".join(str(pk) for pk in sorted(ids)[:shown])
    return text + (" …" if len(ids) > shown else "")


def fee_cycle_delete(*, today: datetime.date, progress=None) -> int:
    """Delete from the list every entry with a reminded charge still unpaid after its deadline
    (R3.3: "Betaler den boligsøgende ikke trods påmindelsen, slettes den boligsøgende fra
    ventelisten"). First the reminders that have left since the last run get their reminder day
    and deadline (``fee_cycle_record_sent_reminders``); a reminder that failed or still waits
    has no deadline, so it holds the deletion back, and the run reports it as needing
    attention. The deadline day itself still counts: deleted only when deadline < today.
    The charges become DELETED and a ``deletion_notice`` letter is sent. Idempotent: a deleted
    entry is no longer a candidate, and the letter key ``deletion:<entry>:<charge>`` is unique.
    Returns the number of entries deleted."""
    _report_held_back(progress, fee_cycle_record_sent_reminders(today=today))
    actor = system_user()
    reason = _danish(gettext_noop("Deleted from the list: fee unpaid despite a reminder (R3.3)"))
    expired = FeeCharge.objects.filter(housing_fees.expired_reminders(today=today), entry=OuterRef("pk"))
    # Entries, not charges, are claimed: an entry with two expired charges is deleted once, and
    # the lock on the entry is the one payment_register takes, so a payment being registered
    # right now is either committed first (then the charge is paid) or skipped until tomorrow.
    candidates = Entry.objects.filter(status__in=LIVING_STATUSES).filter(Exists(expired))
    if progress is not None:
        progress.set_total(candidates.count())
    deleted = 0
    for ids in housing_fees.claim_batches(candidates, progress):
        charges = list(
            FeeCharge.objects.select_for_update()
            .filter(housing_fees.expired_reminders(today=today), entry_id__in=ids)
            .order_by("entry_id", "due_date", "id")
        )
        first_charge: dict[int, FeeCharge] = {}
        for charge in charges:
            charge.state = ChargeState.DELETED
            first_charge.setdefault(charge.entry_id, charge)
        entries = list(
            Entry.objects.filter(id__in=first_charge)
            .select_related("person", "controller__organisation", "waiting_list")
            .order_by("id")
        )
        for entry in entries:
            entry.status = EntryStatus.DELETED
            entry.deleted_on = today
            entry.deletion_reason = DeletionReason.UNPAID_FEE
        bulk_update_with_history(
            charges,
            FeeCharge,
            ["state"],
            batch_size=BATCH_SIZE,
            default_user=actor,
            default_change_reason=reason,
        )
        bulk_update_with_history(
            entries,
            Entry,
            ["status", "deleted_on", "deletion_reason"],
            batch_size=BATCH_SIZE,
            default_user=actor,
            default_change_reason=reason,
        )
        for entry in entries:
            letters.letter_create(
                actor=actor,
                reason=reason,
                sender=entry.controller,
                recipient=entry.person,
                kind="deletion_notice",
                context={
                    "deletion_date": letter_date(today),
                    "list_name": entry.waiting_list.name,
                    "deletion_reason": f"{_fee_name(first_charge[entry.pk].kind)} ikke er betalt",
                },
                idempotency_key=f"deletion:{entry.pk}:{first_charge[entry.pk].pk}",
                dispatch=False,
            )
        deleted += len(entries)
    if deleted:
        letters.request_dispatch()
        # A yearly run deletes thousands at once: fold them into the kept positions now rather
        # than have every list page sum them until the next refresh.
        queue.refresh()
    return deleted


# --- Reinstating -------------------------------------------------------------------------------


@transaction.atomic
def entry_reinstate(*, actor, reason: str, entry: Entry) -> Entry:
    """Put a wrongly deleted entry back on the list with its original seniority date (which a
    deletion never changes). Not an entry the lease deleted: that is ``lease_keep_seniority``.
    Charges the deletion closed become reminded again, with a fresh
    deadline from today, so the next night's deletion run does not delete the entry again
    before the caseworker has registered the payment."""
    permissions.require_write_tenant(actor, entry.controller_id)
    reason = require_reason(reason)
    entry = Entry.objects.select_for_update().select_related("person", "waiting_list").get(pk=entry.pk)
    if entry.status != EntryStatus.DELETED:
        raise ValidationError(_("Only a deleted entry can be reinstated."), code="not_deleted")
    if entry.deletion_reason == DeletionReason.LEASE_SIGNED:
        # § 3, stk. 5–7: seniority survives a lease only by the tenant's timely wish, recorded
        # with its date and checked against the 8 days (R3.6–R3.7) — never by reinstating.
        raise ValidationError(
            _(
                "The entry was deleted because %(name)s signed a lease (§ 3, stk. 5 — R3.5). The seniority "
                "is kept only if the wish to keep it came in time (§ 3, stk. 6–7 — R3.6, R3.7): record the "
                "wish on the applicant's page instead."
            )
            % {"name": entry.person.full_name},
            code="lease_signed",
        )
    other = (
        Entry.objects.filter(waiting_list_id=entry.waiting_list_id, person_id=entry.person_id)
        .exclude(status=EntryStatus.DELETED)
        .exclude(pk=entry.pk)
        .first()
    )
    duplicate_message = _(
        "%(name)s already has a place on %(list)s (entry %(entry)s, seniority from %(day)s); a person can "
        "have only one place per list. Delete that entry first if this one should be reinstated."
    )
    if other is not None:
        raise ValidationError(
            duplicate_message
            % {
                "name": entry.person.full_name,
                "list": entry.waiting_list.name,
                "entry": other.pk,
                "day": _ui_date(other.seniority_date),
            },
            code="duplicate",
            params={"entry": other.pk},
        )
    entry.status, entry.deleted_on, entry.deletion_reason = EntryStatus.ACTIVE, None, ""
    try:
        with transaction.atomic():
            audited_save(entry, actor=actor, reason=reason)
    except IntegrityError as exc:  # another place was registered at this very moment
        raise ValidationError(
            _("%(name)s was registered on %(list)s a moment ago; the entry cannot be reinstated.")
            % {"name": entry.person.full_name, "list": entry.waiting_list.name},
            code="duplicate",
        ) from exc
    today = timezone.localdate()
    schedule = fee_schedule_on(entry.controller_id, today)
    for charge in entry.charges.select_for_update().filter(state=ChargeState.DELETED):
        charge.state = ChargeState.REMINDED
        if schedule is not None:
            fresh = housing_fees.deletion_due(reminded_on=today, pay_within_days=schedule.pay_within_days)
            charge.reminder_deadline = max(charge.reminder_deadline or fresh, fresh)
        audited_save(charge, actor=actor, reason=reason)
    return entry
