"""Registration on a waiting list and the entry's status: active, passive (i bero), deleted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing import permissions
from housing import services as housing_services
from housing.audit import audited_save, require_reason
from housing.models import Department, Household, Person
from housing.services import reserve_numbers
from letters import services as letters
from letters.formatting import letter_amount, letter_long_date

from .. import rules
from ..models import (
    ChargeKind,
    DeletionReason,
    Entry,
    EntryStatus,
    FeeCharge,
    FeeSchedule,
    KeepRule,
    KeepSeniorityRight,
    ListKind,
    SeniorityBasis,
    WaitingList,
)
from .seniority_dates import internal_seniority_date


@dataclass
class Wishes:
    """What the applicant wants (R3.2: one list for all departments; wishes narrow the offers)."""

    departments: list[Department] = field(default_factory=list)
    dwelling_kinds: list[str] = field(default_factory=list)
    rooms_min: int = 1
    rooms_max: int = 6
    max_rent: Decimal | None = None
    floor_max: int | None = None
    needs_elevator: bool = False
    education_institution: str = ""
    education_expected_end: datetime.date | None = None
    special_need: str = ""
    needs_support: bool = False
    # § 12, stk. 2 (R12.2): the facts a youth letting guideline weighs.
    education_level: str = ""
    annual_income: Decimal | None = None
    social_need: str = ""


WISH_FIELDS = [
    "dwelling_kinds",
    "rooms_min",
    "rooms_max",
    "max_rent",
    "floor_max",
    "needs_elevator",
    "education_institution",
    "education_expected_end",
    "special_need",
    "needs_support",
    "education_level",
    "annual_income",
    "social_need",
]


def payment_reference(*, controller_id: int, number: int) -> str:
    """The reference an applicant pays with: unique across controllers (the controller's id
    first), numeric so it fits a bank transfer's reference field."""
    return f"{controller_id:05d}{number:07d}"


def _set_departments(entry: Entry, departments, *, actor, reason: str) -> None:
    # simple-history records the wish change as a history row of the entry: give it the same
    # user and reason as the change it belongs to.
    entry._history_user, entry._change_reason = actor, reason
    try:
        entry.departments.set(departments)
    finally:
        del entry._history_user, entry._change_reason


def fee_schedule_on(controller_id: int, day: datetime.date) -> FeeSchedule | None:
    """The fee rules in force for a controller on ``day`` (the latest version from before it)."""
    return (
        FeeSchedule.objects.filter(controller_id=controller_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


# § 2, stk. 3–4 (R2.3–R2.4) and § 3, stk. 6 (R3.6): members on this day, on the general list by the next.
ANDELS_MEMBER_ON = datetime.date(2010, 1, 1)
ANDELS_GENERAL_LIST_BY = datetime.date(2010, 6, 1)


def andels_check(
    *,
    waiting_list: WaitingList,
    person: Person,
    member_since: datetime.date,
    tenant_on_cutoff: bool,
    general_list_on: datetime.date | None,
) -> None:
    """Refuse, next to the field and with the reason, an andels membership the order gives no
    effect to.

    Every list: "Personer, der den 1. januar 2010 var medlemmer af en almen
    andelsboligorganisation" — a membership from a later day counts for nothing (§ 2, stk. 3–4;
    § 3, stk. 6). On the internal list, where the membership date becomes the seniority, either
    § 2, stk. 3: a tenant on 1 January 2010 ("og som var lejere på dette tidspunkt") admitted to
    the general list "senest den 1. juni 2010"; or § 2, stk. 4: a member who later signed a lease
    and kept the general-list seniority under § 3, stk. 6 (found on the organisation's general
    list)."""

    def day(value):
        return date_format(value, "SHORT_DATE_FORMAT")

    if member_since > ANDELS_MEMBER_ON:
        raise ValidationError(
            {
                "andels_member_since": ValidationError(
                    _(
                        "A membership from %(day)s gives no seniority: § 2, stk. 3–4 and § 3, stk. 6 cover "
                        "only persons who were members of an almen andelsboligorganisation on 1 January "
                        "2010 (R2.3–R2.4)."
                    )
                    % {"day": day(member_since)},
                    code="andels_member_too_late",
                )
            }
        )
    if waiting_list.kind != ListKind.INTERNAL:
        return
    if tenant_on_cutoff and general_list_on is not None and general_list_on <= ANDELS_GENERAL_LIST_BY:
        return  # § 2, stk. 3
    if _kept_general_seniority_as_andels_member(waiting_list, person):
        return  # § 2, stk. 4
    if tenant_on_cutoff and general_list_on is None:
        raise ValidationError(
            {
                "andels_general_list_on": ValidationError(
                    _(
                        "Give the day %(name)s was admitted to the general list: § 2, stk. 3 requires it "
                        "to be 1 June 2010 at the latest (R2.3)."
                    )
                    % {"name": person.full_name},
                    code="andels_general_list_missing",
                )
            }
        )
    if tenant_on_cutoff:
        raise ValidationError(
            {
                "andels_general_list_on": ValidationError(
                    _(
                        "Admitted to the general list on %(day)s: § 2, stk. 3 requires admission by "
                        "1 June 2010 at the latest (R2.3), and %(name)s has not kept a general-list "
                        "seniority after a lease under § 3, stk. 6 (§ 2, stk. 4 — R2.4). The internal "
                        "seniority counts from the registration."
                    )
                    % {"day": day(general_list_on), "name": person.full_name},
                    code="andels_general_list_too_late",
                )
            }
        )
    raise ValidationError(
        {
            "andels_tenant_on_cutoff": ValidationError(
                _(
                    "%(name)s was not a tenant on 1 January 2010, which § 2, stk. 3 requires (R2.3), and has "
                    "not kept a general-list seniority after a lease under § 3, stk. 6, which § 2, stk. 4 "
                    "requires (R2.4). The internal seniority counts from the registration."
                )
                % {"name": person.full_name},
                code="andels_not_tenant",
            )
        }
    )


def _kept_general_seniority_as_andels_member(waiting_list: WaitingList, person: Person) -> bool:
    """§ 2, stk. 4: the person's place on the organisation's general list (its own or its
    association's shared list) was kept after a lease under § 3, stk. 6 — a right recorded for
    a 2010 andels member whose wish came in time."""
    organisation = waiting_list.organisation
    controllers = [pk for pk in (organisation.tenant_id, organisation.list_tenant_id) if pk is not None]
    same_person = Q(person__cpr_hash=person.cpr_hash) if person.cpr_hash else Q(person=person)
    general = Entry.objects.filter(
        same_person,
        waiting_list__kind=ListKind.GENERAL,
        controller_id__in=controllers,
        status__in=(EntryStatus.ACTIVE, EntryStatus.PASSIVE),
    )
    recorded = KeepSeniorityRight.objects.filter(
        rule=KeepRule.ANDELS_2010, requested_on__isnull=False, entry__in=general
    ).exists()
    # Kept before the rights were recorded here (imported): the general entry says so itself.
    return recorded or general.filter(seniority_basis=SeniorityBasis.KEPT_ON_LEASE).exists()


@transaction.atomic
def entry_register(
    *,
    actor,
    reason: str,
    waiting_list: WaitingList,
    person: Person,
    wishes: Wishes,
    registered_on: datetime.date | None = None,
    household: Household | None = None,
    age_exception: bool = False,
    andels_member_since: datetime.date | None = None,
    andels_tenant_on_cutoff: bool = False,
    andels_general_list_on: datetime.date | None = None,
    fee_exempt_registration: bool = False,
    send_letter: bool = True,
) -> Entry:
    """Put a person on a list: age (R3.1), no second place on the same list, seniority from today
    (or from the andels membership, R2.3–R2.4), the registration fee charged (R3.3) and the
    written information on fees, reminder and deletion sent as a letter (R3.3)."""
    permissions.require_write_tenant(actor, waiting_list.controller_id)
    require_reason(reason)
    day = registered_on or timezone.localdate()
    if person.controller_id != waiting_list.controller_id:
        raise ValidationError(_("The person belongs to another data controller than the list."))
    if not rules.may_register(birth_date=person.birth_date, on=day, continues_tenancy=age_exception):
        message = _("%(name)s is under 15 on %(day)s and cannot be registered (§ 3, stk. 1 — R3.1).") % {
            "name": person.full_name,
            "day": date_format(day, "SHORT_DATE_FORMAT"),
        }
        raise ValidationError({"person": ValidationError(message, code="too_young")})
    existing = (
        Entry.objects.filter(waiting_list=waiting_list, person=person)
        .exclude(status=EntryStatus.DELETED)
        .first()
    )
    if existing is not None:
        message = _("%(name)s is already on %(list)s (entry %(entry)s).") % {
            "name": person.full_name,
            "list": waiting_list.name,
            "entry": existing.pk,
        }
        raise ValidationError(
            {
                "person": ValidationError(
                    message,
                    code="duplicate",
                    params={"entry": existing.pk, "url": existing.get_absolute_url()},
                )
            }
        )
    schedule = fee_schedule_on(waiting_list.controller_id, day)
    if schedule is None:
        raise ValidationError(
            _("%(controller)s has no fee rules on %(day)s; an administrator adds them in the admin.")
            % {"controller": waiting_list.controller, "day": date_format(day, "SHORT_DATE_FORMAT")}
        )
    seniority_date, basis = day, SeniorityBasis.REGISTRATION
    if andels_member_since:
        andels_check(
            waiting_list=waiting_list,
            person=person,
            member_since=andels_member_since,
            tenant_on_cutoff=andels_tenant_on_cutoff,
            general_list_on=andels_general_list_on,
        )
    if andels_member_since and waiting_list.kind == ListKind.INTERNAL:
        # R2.3–R2.4: andels members of 1 January 2010 count internal seniority from membership,
        # and join the internal list without a registration fee (but pay update fees).
        seniority_date, basis, fee_exempt_registration = andels_member_since, SeniorityBasis.ANDELS_2010, True
    entry = Entry(
        waiting_list=waiting_list,
        controller_id=waiting_list.controller_id,
        person=person,
        household=household,
        registered_on=day,
        seniority_date=seniority_date,
        seniority_basis=basis,
        payment_reference=payment_reference(
            controller_id=waiting_list.controller_id,
            number=reserve_numbers(tenant_id=waiting_list.controller_id, series="payment"),
        ),
        age_exception=age_exception,
        andels_member_since=andels_member_since,
        andels_tenant_on_cutoff=andels_tenant_on_cutoff,
        andels_general_list_on=andels_general_list_on,
        fee_exempt_registration=fee_exempt_registration,
        created_by=actor,
        **{name: getattr(wishes, name) for name in WISH_FIELDS},
    )
    try:
        with transaction.atomic():
            audited_save(entry, actor=actor, reason=reason)
    except IntegrityError as exc:  # registered twice at the same moment: the other one won
        raise ValidationError(
            {"person": _("%(name)s was registered on this list a moment ago.") % {"name": person.full_name}}
        ) from exc
    if wishes.departments:
        _set_departments(entry, wishes.departments, actor=actor, reason=reason)
    if waiting_list.kind == ListKind.INTERNAL and basis == SeniorityBasis.REGISTRATION:
        # R9.3: under the organisation's scheme, internal seniority counts from the general list.
        internal = internal_seniority_date(entry=entry, on=day)
        if internal < entry.seniority_date:
            entry.seniority_date, entry.seniority_basis = internal, SeniorityBasis.GENERAL_LIST_DATE
            audited_save(entry, actor=actor, reason=reason)
    if not fee_exempt_registration and schedule.registration_fee > 0:
        audited_save(
            FeeCharge(
                entry=entry,
                kind=ChargeKind.REGISTRATION,
                period=day.year,
                amount=schedule.registration_fee,
                due_date=day + datetime.timedelta(days=schedule.reminder_after_days),
            ),
            actor=actor,
            reason=reason,
        )
    if send_letter:
        registration_letter(actor=actor, entry=entry, schedule=schedule)
    return entry


@dataclass
class Consent:
    """Digital Post consent as captured at registration (DP2)."""

    date: datetime.date | None
    method: str
    exempt: bool


@transaction.atomic
def applicant_register(
    *,
    actor,
    reason: str,
    waiting_list: WaitingList,
    wishes: Wishes,
    existing_person: Person | None = None,
    new_person: Person | None = None,
    cpr_number: str = "",
    consent: Consent | None = None,
    **entry_options,
) -> Entry:
    """Registration at the counter, by phone or from a paper form, in one transaction: an
    existing person of the list's controller (their consent updated when given now, DP2) or a new
    person, then the entry, its fee and the registration letter — or nothing at all."""
    if existing_person is not None:
        person = existing_person
        if consent is not None:
            person.digital_post_consent_date = consent.date
            person.digital_post_consent_method = consent.method
            person.digital_post_exempt = consent.exempt
            housing_services.person_update(actor=actor, reason=reason, person=person)
    elif new_person is not None:
        if consent is not None:
            new_person.digital_post_consent_date = consent.date
            new_person.digital_post_consent_method = consent.method
            new_person.digital_post_exempt = consent.exempt
        person = housing_services.person_create(
            actor=actor,
            reason=reason,
            controller=waiting_list.controller,
            cpr_number=cpr_number,
            person=new_person,
        )
    else:
        raise ValueError("applicant_register needs an existing or a new person")
    return entry_register(
        actor=actor, reason=reason, waiting_list=waiting_list, person=person, wishes=wishes, **entry_options
    )


def registration_letter(*, actor, entry: Entry, schedule: FeeSchedule):
    """R3.3: at registration the applicant is told in writing about the update fee, the reminder
    and the deletion rule."""
    next_due = rules.update_fee_due(
        year=entry.registered_on.year + 1, month=schedule.due_month, day=schedule.due_day
    )
    return letters.letter_create(
        actor=actor,
        reason=_("Registration on the waiting list"),
        sender=entry.waiting_list.controller,
        recipient=entry.person,
        kind="registration_confirmation",
        context={
            "list_name": entry.waiting_list.name,
            "seniority_date": letter_long_date(entry.seniority_date),
            "registration_fee": letter_amount(schedule.registration_fee),
            "update_fee": letter_amount(schedule.update_fee),
            # Day and month only, in Danish whatever the language of the user registering.
            "update_due": letter_long_date(next_due).rsplit(" ", 1)[0],
            "reminder_days": schedule.pay_within_days,
        },
        idempotency_key=f"registration:{entry.pk}",
    )


@transaction.atomic
def entry_update_wishes(*, actor, reason: str, entry: Entry, wishes: Wishes) -> Entry:
    permissions.require_write_tenant(actor, entry.controller_id)
    for name in WISH_FIELDS:
        setattr(entry, name, getattr(wishes, name))
    audited_save(entry, actor=actor, reason=reason)
    _set_departments(entry, wishes.departments, actor=actor, reason=reason)
    return entry


@transaction.atomic
def entry_set_status(*, actor, reason: str, entry: Entry, status: str, note: str = "") -> Entry:
    """Active or passive (*i bero*): a passive entry keeps its seniority but gets no offers."""
    permissions.require_write_tenant(actor, entry.controller_id)
    if entry.status == EntryStatus.DELETED:
        raise ValidationError(_("A deleted entry is reinstated, not reactivated."))
    if status not in (EntryStatus.ACTIVE, EntryStatus.PASSIVE):
        raise ValidationError(_("Choose active or passive."))
    entry.status, entry.status_note = status, note
    return audited_save(entry, actor=actor, reason=reason)


@transaction.atomic
def entry_delete(
    *, actor, reason: str, entry: Entry, deletion_reason: str, on: datetime.date | None = None
) -> Entry:
    """Delete an entry (the seniority is lost with it, R3.5 on a lease)."""
    permissions.require_write_tenant(actor, entry.controller_id)
    if deletion_reason not in DeletionReason.values:
        raise ValidationError({"deletion_reason": _("Choose why the entry is deleted.")})
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == EntryStatus.DELETED:
        return entry
    entry.status, entry.deleted_on, entry.deletion_reason = (
        EntryStatus.DELETED,
        on or timezone.localdate(),
        deletion_reason,
    )
    return audited_save(entry, actor=actor, reason=reason)
