"""Passing a waiting-list place to another person: only on the grounds of §§ 32–33 (R32–R34)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing import permissions
from housing.audit import audited_save, require_reason
from housing.models import Person
from housing.services import reserve_numbers

from .. import rules
from ..models import DeletionReason, Entry, EntryStatus, SeniorityBasis, SeniorityTransfer, TransferKind
from . import registration


def _refusal(verdict: rules.TransferVerdict, kind: str, relation: str) -> ValidationError:
    if verdict.rule == "R32":
        message = _("Seniority does not pass on an exchange of dwellings (bytning) (§ 32 — R32).")
    elif kind in (TransferKind.DEATH, TransferKind.CARE_MOVE):
        message = _(
            "Only the spouse, registered partner or an equivalent person can take over the place, "
            "not “%(relation)s”; no other transfers are allowed (§§ 33–34 — R34)."
        ) % {"relation": relation or "—"}
    else:
        message = _(
            "A waiting-list place passes only when the right of use passes permanently, on death, or on "
            "a move to a nursing home or elder dwelling; no other transfers are allowed (§ 34 — R34)."
        )
    return ValidationError(message, code="transfer_refused", params={"rule": verdict.rule})


@transaction.atomic
def transfer_seniority(
    *,
    actor,
    reason: str,
    entry: Entry,
    kind: str,
    to_person: Person,
    relation: str,
    occurred_on: datetime.date,
    is_exchange: bool = False,
    wishes: registration.Wishes | None = None,
    note: str = "",
) -> Entry:
    """Pass ``entry``'s place to ``to_person`` on the grounds of § 32 (the right of use passed
    permanently — never on an exchange), § 33, stk. 1 (death: to the surviving spouse, registered
    partner or equivalent) or § 33, stk. 2 (move to a nursing home or elder dwelling: to the same).

    The receiver gets a new entry on the same list with the same seniority date (basis TRANSFER);
    the old entry is deleted (TRANSFERRED) and the transfer recorded. The receiver keeps the
    giver's wishes unless ``wishes`` are given; no new registration fee is charged (the place is
    not a new registration), and fees paid so far follow the place.
    """
    waiting_list = entry.waiting_list
    permissions.require_write_tenant(actor, waiting_list.controller_id)
    require_reason(reason)
    verdict = rules.transfer_verdict(kind=kind, relation=relation, is_exchange=is_exchange)
    if not verdict.allowed:
        raise _refusal(verdict, kind, relation)
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date of the event cannot be in the future.")})
    if to_person.controller_id != waiting_list.controller_id:
        raise ValidationError(
            {"to_person": _("The person belongs to another data controller than the list.")}
        )
    entry = Entry.objects.select_for_update().select_related("person").get(pk=entry.pk)
    if to_person.pk == entry.person_id:
        raise ValidationError({"to_person": _("The place cannot be transferred to the applicant themself.")})
    if SeniorityTransfer.objects.filter(from_entry=entry).exists():
        raise ValidationError(_("This place has already been transferred."), code="already_transferred")
    if entry.status == EntryStatus.DELETED and not (
        kind == TransferKind.DEATH and entry.deletion_reason == DeletionReason.DEATH
    ):
        # After a death the entry may already have been deleted; the seniority still passes (§ 33).
        raise ValidationError(_("A deleted place cannot be transferred."), code="deleted")
    existing = (
        Entry.objects.filter(waiting_list=waiting_list, person=to_person)
        .exclude(status=EntryStatus.DELETED)
        .first()
    )
    if existing is not None:
        message = _(
            "%(name)s already has a place on %(list)s (entry %(entry)s, seniority from %(day)s); "
            "a person can have only one place on a list, so the transfer is refused."
        ) % {
            "name": to_person.full_name,
            "list": waiting_list.name,
            "entry": existing.pk,
            "day": date_format(existing.seniority_date, "SHORT_DATE_FORMAT"),
        }
        raise ValidationError({"to_person": ValidationError(message, code="duplicate")})

    old_departments = list(entry.departments.all()) if wishes is None else None
    registration.entry_delete(
        actor=actor, reason=reason, entry=entry, deletion_reason=DeletionReason.TRANSFERRED
    )
    wish_values = (
        {name: getattr(wishes, name) for name in registration.WISH_FIELDS}
        if wishes is not None
        else {name: getattr(entry, name) for name in registration.WISH_FIELDS}
    )
    new_entry = Entry(
        waiting_list=waiting_list,
        controller_id=waiting_list.controller_id,
        person=to_person,
        registered_on=timezone.localdate(),
        seniority_date=entry.seniority_date,
        seniority_basis=SeniorityBasis.TRANSFER,
        # The rank on the internal list passes with the place (§ 9, stk. 4).
        listed_before_seniority_scheme=entry.listed_before_seniority_scheme,
        paid_until=entry.paid_until,
        payment_reference=registration.payment_reference(
            controller_id=waiting_list.controller_id,
            number=reserve_numbers(tenant_id=waiting_list.controller_id, series="payment"),
        ),
        # § 3, stk. 1: no age limit for someone continuing a tenancy (almenlejeloven §§ 71–72).
        age_exception=kind == TransferKind.TAKEOVER,
        fee_exempt_registration=True,
        created_by=actor,
        **wish_values,
    )
    try:
        with transaction.atomic():
            audited_save(new_entry, actor=actor, reason=reason)
    except IntegrityError as exc:  # the receiver was registered on the list a moment ago
        raise ValidationError(
            {
                "to_person": _("%(name)s was registered on this list a moment ago.")
                % {"name": to_person.full_name}
            }
        ) from exc
    departments = wishes.departments if wishes is not None else old_departments
    if departments:
        # The M2M change writes its own history row: give it the actor and the reason too.
        new_entry._history_user, new_entry._change_reason = actor, reason
        try:
            new_entry.departments.set(departments)
        finally:
            del new_entry._history_user, new_entry._change_reason
    audited_save(
        SeniorityTransfer(
            kind=kind,
            from_entry=entry,
            to_entry=new_entry,
            occurred_on=occurred_on,
            relation=relation,
            note=note,
            created_by=actor,
        ),
        actor=actor,
        reason=reason,
    )
    return new_entry
