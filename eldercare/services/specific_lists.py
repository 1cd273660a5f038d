"""Specific lists (§§ 20–21, R20.1, R21.1–R21.5): joining, leaving, the fee and the place on request.

* **Joining (R20.1, R21.1).** An applicant joins the specific list of the kommune where the wanted
  dwelling lies. The entry records whether the applicant lived inside or outside the kommune on the
  day of joining and, for an outsider, the home kommune. While a refuse-outsiders decision for the
  list's dwelling kind is in force (§ 22, R22.1), an outsider is refused unless an exemption of
  § 23 is recorded with its basis.
* **The fee (R21.2–R21.4).** When the list charges a fee and the applicant already stands on
  another of the kommune's specific lists, joining this one costs the fee: it falls due
  ``fee_due_after_days`` after joining. The reminder and the deletion on non-payment use the same
  machinery as the family lists' fees (``housing.fees``): reminded ``reminder_after_days`` after
  the due date, deleted when still unpaid after the reminder's deadline. § 21 names no reminder;
  the kommune's rules of the list give one so that nobody is deleted without warning.
* **The place on request (R21.5).** The applicant's number among the active entries, in the order
  they joined, in a letter (and on the entry's page). Vacant dwellings go to the greatest need
  (§ 20, stk. 2), so the letter says the place is no promise of when an offer comes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from housing import fees as housing_fees
from housing.audit import audited_save, require_reason, system_user
from housing.models import Kommune, Person
from letters import services as letters
from letters.formatting import letter_amount, letter_date

from ..models import (
    OutsiderExemption,
    SpecificEntryStatus,
    SpecificList,
    SpecificListEntry,
    SpecificListFeeCharge,
)
from . import outsiders
from .officers import require_officer


def _danish(message: str) -> str:
    """History reasons written by jobs are records, kept in Danish."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message)


# --- Joining -------------------------------------------------------------------------------------


@transaction.atomic
def entry_join(
    *,
    actor,
    reason: str,
    specific_list: SpecificList,
    person: Person,
    joined_on: datetime.date,
    home_kommune: Kommune | None = None,
    outsider_exemption: str = OutsiderExemption.NONE,
    outsider_exemption_note: str = "",
) -> SpecificListEntry:
    """Put ``person`` on ``specific_list`` (R20.1), recording inside/outside the kommune (R21.1);
    refuse an outsider while a refuse-outsiders decision is in force unless exempt (R22.1, R23);
    charge the fee when the applicant already stands on another specific list (R21.2–R21.4)."""
    reason = require_reason(reason)
    require_officer(actor, specific_list.kommune_id)
    specific_list = SpecificList.objects.select_related("kommune", "facility").get(pk=specific_list.pk)
    # The person row is locked, so two officers adding the same applicant at once queue up here.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.controller_id != specific_list.kommune.tenant_id:
        raise ValidationError({"person": _("The applicant must be registered with the kommune of the list.")})
    if not specific_list.is_open:
        raise ValidationError(_("The list is closed for new applicants."), code="closed")
    if joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The joining date cannot be in the future.")})
    home_kommune = home_kommune or person.kommune
    if home_kommune is None:
        raise ValidationError(
            {"home_kommune": _("Give the applicant's kommune of residence: the list must show it (R21.1).")}
        )
    inside = home_kommune.pk == specific_list.kommune_id
    if inside:
        outsider_exemption, outsider_exemption_note = OutsiderExemption.NONE, ""
    else:
        decision = outsiders.decision_in_force(
            kommune_id=specific_list.kommune_id, dwelling_kind=specific_list.facility.kind, day=joined_on
        )
        if decision is not None and not outsider_exemption:
            raise ValidationError(
                {
                    "home_kommune": _(
                        "The kommune has decided not to admit applicants from other kommuner to lists for "
                        "%(kind)s from %(start)s until %(end)s (§ 22). Record an exemption of § 23 if one "
                        "applies."
                    )
                    % {
                        "kind": decision.get_dwelling_kind_display(),
                        "start": housing_fees.ui_date(decision.effective_from),
                        "end": housing_fees.ui_date(decision.last_day),
                    }
                },
                code="outsiders_refused",
            )
    if SpecificListEntry.objects.filter(
        specific_list=specific_list, person=person, status=SpecificEntryStatus.ACTIVE
    ).exists():
        raise ValidationError({"person": _("The applicant is already on this list.")}, code="duplicate")
    entry = SpecificListEntry(
        specific_list=specific_list,
        person=person,
        joined_on=joined_on,
        lives_inside=inside,
        home_kommune=home_kommune,
        outsider_exemption=outsider_exemption,
        outsider_exemption_note=outsider_exemption_note.strip(),
    )
    try:
        with transaction.atomic():
            audited_save(entry, actor=actor, reason=reason)
    except IntegrityError as exc:  # the partial unique index: added a moment ago by someone else
        raise ValidationError(
            {"person": _("The applicant is already on this list.")}, code="duplicate"
        ) from exc
    if fee_applies(entry):
        charge = SpecificListFeeCharge(
            entry=entry,
            amount=specific_list.fee_amount,
            due_date=joined_on + datetime.timedelta(days=specific_list.fee_due_after_days),
        )
        audited_save(charge, actor=actor, reason=reason)
    return entry


def fee_applies(entry: SpecificListEntry) -> bool:
    """R21.2: a fee may be charged when an applicant wants to be on several specific lists — here:
    the list charges one, and the applicant already stands on another of the kommune's lists."""
    fee = entry.specific_list.fee_amount
    if not fee or fee <= 0:
        return False
    return (
        SpecificListEntry.objects.filter(person_id=entry.person_id, status=SpecificEntryStatus.ACTIVE)
        .exclude(pk=entry.pk)
        .exists()
    )


# --- Leaving -------------------------------------------------------------------------------------


def _locked(entry: SpecificListEntry) -> SpecificListEntry:
    return SpecificListEntry.objects.select_for_update().select_related("specific_list").get(pk=entry.pk)


def _close_open_fee(entry: SpecificListEntry, *, actor, reason: str) -> None:
    charge = SpecificListFeeCharge.objects.select_for_update().filter(entry=entry).first()
    if charge is not None and charge.is_open:
        charge.state = housing_fees.ChargeState.CANCELLED
        audited_save(charge, actor=actor, reason=reason)


@transaction.atomic
def entry_remove(
    *, actor, reason: str, entry: SpecificListEntry, left_on: datetime.date | None = None
) -> SpecificListEntry:
    """Take an applicant off the list (withdrawn, moved, died); an open fee is cancelled."""
    reason = require_reason(reason)
    require_officer(actor, entry.specific_list.kommune_id)
    entry = _locked(entry)
    if entry.status != SpecificEntryStatus.ACTIVE:
        raise ValidationError(_("The applicant is no longer on the list."), code="not_active")
    left_on = left_on or timezone.localdate()
    if left_on < entry.joined_on:
        raise ValidationError({"left_on": _("Cannot be before the applicant joined the list.")})
    entry.status, entry.left_on = SpecificEntryStatus.REMOVED, left_on
    audited_save(entry, actor=actor, reason=reason)
    _close_open_fee(entry, actor=actor, reason=reason)
    return entry


@transaction.atomic
def entry_mark_housed(
    *, actor, reason: str, entry: SpecificListEntry, housed_on: datetime.date
) -> SpecificListEntry:
    """The applicant got a dwelling (R20.2, decided in the allocation): the entry leaves the list with
    the date, which the published waiting times (R25.4) and the monitor (R22.2) are computed from."""
    reason = require_reason(reason)
    require_officer(actor, entry.specific_list.kommune_id)
    entry = _locked(entry)
    if entry.status != SpecificEntryStatus.ACTIVE:
        raise ValidationError(_("The applicant is no longer on the list."), code="not_active")
    entry.status, entry.housed_on, entry.left_on = SpecificEntryStatus.HOUSED, housed_on, housed_on
    audited_save(entry, actor=actor, reason=reason)
    _close_open_fee(entry, actor=actor, reason=reason)
    return entry


# --- The fee -------------------------------------------------------------------------------------


@transaction.atomic
def fee_charge_pay(
    *, actor, reason: str, charge: SpecificListFeeCharge, paid_on: datetime.date, amount: Decimal
) -> SpecificListFeeCharge:
    """Register the payment of the fee; the amount must be the fee charged."""
    reason = require_reason(reason)
    require_officer(actor, charge.entry.specific_list.kommune_id)
    charge = SpecificListFeeCharge.objects.select_for_update().select_related("entry").get(pk=charge.pk)
    if not charge.is_open:
        raise ValidationError(_("The fee is not open for payment."), code="not_open")
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    if Decimal(amount) != charge.amount:
        raise ValidationError(
            {
                "amount": _("The amount must be %(amount)s kr.")
                % {"amount": housing_fees.ui_amount(charge.amount)}
            }
        )
    charge.mark_paid(paid_on=paid_on)
    audited_save(charge, actor=actor, reason=reason)
    return charge


def _reminder_candidates(today: datetime.date) -> list[tuple[int, int, QuerySet]]:
    """Per list (its terms): open charges of active entries whose reminder date has come."""
    plans = []
    terms = (
        SpecificList.objects.filter(
            Exists(
                SpecificListFeeCharge.objects.filter(
                    entry__specific_list=OuterRef("pk"), state=housing_fees.ChargeState.OPEN
                )
            )
        )
        .order_by("pk")
        .values_list("pk", "reminder_after_days", "pay_within_days")
    )
    for list_id, after_days, pay_within in terms:
        charges = SpecificListFeeCharge.objects.filter(
            housing_fees.reminder_candidates(today=today, after_days=after_days),
            entry__specific_list_id=list_id,
            entry__status=SpecificEntryStatus.ACTIVE,
        )
        plans.append((list_id, pay_within, charges))
    return plans


def fee_cycle_remind(*, today: datetime.date, progress=None) -> int:
    """Remind every open fee whose reminder date has come: the charge becomes REMINDED with its
    deadline and an ``elder_list_fee_reminder`` letter warns of the deletion (R21.3). Idempotent:
    a reminded charge is no longer open, and the letter key is unique per charge."""
    actor = system_user()
    reason = _danish(gettext_noop("Reminder of an unpaid specific list fee (R21.3)"))
    plans = _reminder_candidates(today)
    if progress is not None:
        progress.set_total(sum(charges.count() for _list, _days, charges in plans))
    reminded = 0
    for _list_id, pay_within, candidates in plans:
        for ids in housing_fees.claim_batches(candidates, progress):
            charges = list(
                SpecificListFeeCharge.objects.filter(id__in=ids)
                .select_related("entry__person", "entry__specific_list__kommune__tenant")
                .order_by("id")
            )
            for charge in charges:
                charge.mark_reminded(today=today, pay_within_days=pay_within)
            bulk_update_with_history(
                charges,
                SpecificListFeeCharge,
                ["state", "reminded_on", "reminder_deadline"],
                default_user=actor,
                default_change_reason=reason,
            )
            for charge in charges:
                letters.letter_create(
                    actor=actor,
                    reason=reason,
                    sender=charge.entry.specific_list.kommune.tenant,
                    recipient=charge.entry.person,
                    kind="elder_list_fee_reminder",
                    context={
                        "amount": letter_amount(charge.amount),
                        "due_date": letter_date(charge.due_date),
                        "deadline": letter_date(charge.reminder_deadline),
                        "list_name": charge.entry.specific_list.name,
                    },
                    idempotency_key=f"elder-list-fee-reminder:{charge.pk}",
                    dispatch=False,
                )
            reminded += len(charges)
    if reminded:
        letters.request_dispatch()
    return reminded


def fee_cycle_delete(*, today: datetime.date, progress=None) -> int:
    """Delete from the list every active entry whose fee is still unpaid after the reminder's
    deadline (§ 21, stk. 3–4: *Manglende betaling af gebyr medfører sletning på ventelisten*).
    The deadline day itself still counts. Idempotent: a deleted entry is no longer a candidate."""
    actor = system_user()
    reason = _danish(gettext_noop("Deleted from the specific list: fee unpaid despite a reminder (R21.3)"))
    candidates = SpecificListEntry.objects.filter(
        housing_fees.expired_reminders(today=today, prefix="fee_charge__"), status=SpecificEntryStatus.ACTIVE
    )
    if progress is not None:
        progress.set_total(candidates.count())
    deleted = 0
    for ids in housing_fees.claim_batches(candidates, progress):
        charges = list(
            SpecificListFeeCharge.objects.select_for_update()
            .filter(housing_fees.expired_reminders(today=today), entry_id__in=ids)
            .select_related("entry__person", "entry__specific_list__kommune__tenant")
            .order_by("entry_id")
        )
        entries = [charge.entry for charge in charges]
        for charge in charges:
            charge.state = housing_fees.ChargeState.DELETED
            charge.entry.status = SpecificEntryStatus.DELETED_NON_PAYMENT
            charge.entry.left_on = today
        bulk_update_with_history(
            charges, SpecificListFeeCharge, ["state"], default_user=actor, default_change_reason=reason
        )
        bulk_update_with_history(
            entries,
            SpecificListEntry,
            ["status", "left_on"],
            default_user=actor,
            default_change_reason=reason,
        )
        for charge in charges:
            letters.letter_create(
                actor=actor,
                reason=reason,
                sender=charge.entry.specific_list.kommune.tenant,
                recipient=charge.entry.person,
                kind="elder_list_deletion",
                context={
                    "deletion_date": letter_date(today),
                    "amount": letter_amount(charge.amount),
                    "list_name": charge.entry.specific_list.name,
                },
                idempotency_key=f"elder-list-deletion:{charge.entry_id}:{charge.pk}",
                dispatch=False,
            )
        deleted += len(entries)
    if deleted:
        letters.request_dispatch()
    return deleted


# --- The place on the list (R21.5) ---------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    position: int
    total: int
    as_of: datetime.date


def entry_place(entry: SpecificListEntry, *, as_of: datetime.date | None = None) -> Place | None:
    """The entry's number among the list's active entries in the order they joined (ties by the
    order they were recorded); None when the entry is no longer on the list. Two counts in one query."""
    if entry.status != SpecificEntryStatus.ACTIVE:
        return None
    ahead = Q(joined_on__lt=entry.joined_on) | Q(joined_on=entry.joined_on, pk__lt=entry.pk)
    counts = SpecificListEntry.objects.filter(
        specific_list_id=entry.specific_list_id, status=SpecificEntryStatus.ACTIVE
    ).aggregate(total=Count("pk"), ahead=Count("pk", filter=ahead))
    return Place(position=counts["ahead"] + 1, total=counts["total"], as_of=as_of or timezone.localdate())


@transaction.atomic
def entry_place_send(*, actor, reason: str, entry: SpecificListEntry):
    """R21.5: on the applicant's request, tell them their place on the list by letter."""
    reason = require_reason(reason)
    require_officer(actor, entry.specific_list.kommune_id)
    entry = SpecificListEntry.objects.select_related("specific_list__kommune__tenant", "person").get(
        pk=entry.pk
    )
    place = entry_place(entry)
    if place is None:
        raise ValidationError(_("The applicant is no longer on the list."), code="not_active")
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=entry.specific_list.kommune.tenant,
        recipient=entry.person,
        kind="elder_list_position",
        context={
            "list_name": entry.specific_list.name,
            "position": place.position,
            "total": place.total,
            "as_of": letter_date(place.as_of),
            "joined_on": letter_date(entry.joined_on),
        },
        idempotency_key=f"elder-list-position:{entry.pk}:{place.as_of.isoformat()}:{place.position}",
    )
