"""Seniority schemes (R3.7, R9.3) and what they do to entries: the change limits (R3.9, R9.6),
informing the tenants (R9.5), internal seniority from the general-list date (R9.3) with the
precedence of those already on the internal list (R9.4), keeping one's seniority on signing a
lease (R3.5–R3.7), seniority from a takeover (R3.8) and the rehoused tenant (R9.2)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from housing import permissions
from housing.audit import audited_save, require_reason
from housing.models import HousingOrganisation, Person
from letters import selectors as letters_selectors

from .. import rules
from ..models import (
    DeletionReason,
    Entry,
    EntryStatus,
    KeepRule,
    KeepSeniorityRight,
    ListKind,
    SchemeKind,
    SeniorityBasis,
    SeniorityScheme,
    WaitingList,
)
from . import registration
from .seniority_dates import general_dates_subquery, general_list_controllers, scheme_in_force

# The 2010 andels members of § 2, stk. 3–4 and § 3, stk. 6: members on this day.
ANDELS_CUTOFF = datetime.date(2010, 1, 1)


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- Schemes (R3.7, R9.3) and their change limits (R3.9, R9.6) ----------------------------------


def _change_rule(kind: str) -> str:
    if kind == SchemeKind.KEEP_ON_LEASE:
        return _("§ 3, stk. 9 — R3.9")
    return _("§ 9, stk. 6 — R9.6")


@transaction.atomic
def scheme_decide(
    *,
    actor,
    reason: str,
    organisation: HousingOrganisation,
    kind: str,
    enabled: bool,
    decided_on: datetime.date,
    effective_from: datetime.date,
    note: str = "",
) -> SeniorityScheme:
    """Record the organisation's decision to introduce, change or abolish a seniority scheme.

    Every decision after the first is a change: the first change may take effect 5 years after
    the scheme took effect, every later change 10 years after the latest change took effect
    (§ 3, stk. 9 for R3.7 schemes; § 9, stk. 6 for R9.3 schemes).
    """
    if not permissions.can_write_organisation(actor, organisation.pk):
        raise PermissionDenied
    require_reason(reason)
    if kind not in SchemeKind.values:
        raise ValidationError({"kind": _("Choose a seniority scheme.")})
    # Lock the organisation so two decisions cannot both pass the change limit at once.
    HousingOrganisation.objects.select_for_update().filter(pk=organisation.pk).first()
    previous = list(
        SeniorityScheme.objects.filter(organisation=organisation, kind=kind).values_list(
            "effective_from", flat=True
        )
    )
    earliest = rules.earliest_scheme_change(previous)
    if earliest is not None and effective_from < earliest:
        message = _(
            "The scheme was last decided with effect from %(last)s; a change can take effect on "
            "%(earliest)s at the earliest (%(rule)s: the first change after 5 years, later "
            "changes 10 years after the latest change took effect)."
        ) % {"last": _day(max(previous)), "earliest": _day(earliest), "rule": _change_rule(kind)}
        raise ValidationError({"effective_from": ValidationError(message, code="scheme_change_too_early")})
    scheme = SeniorityScheme(
        organisation=organisation,
        kind=kind,
        enabled=enabled,
        decided_on=decided_on,
        effective_from=effective_from,
        note=note,
    )
    return audited_save(scheme, actor=actor, reason=reason)


@transaction.atomic
def scheme_record_information(
    *, actor, reason: str, scheme: SeniorityScheme, informed_on: datetime.date
) -> SeniorityScheme:
    """R9.5: the day the tenants were told of their rights under the decision."""
    if not permissions.can_write_organisation(actor, scheme.organisation_id):
        raise PermissionDenied
    if informed_on < scheme.decided_on:
        raise ValidationError(
            {
                "tenants_informed_on": _("The tenants cannot be informed before the decision (%(day)s).")
                % {"day": _day(scheme.decided_on)}
            }
        )
    scheme = SeniorityScheme.objects.select_for_update().get(pk=scheme.pk)
    scheme.tenants_informed_on = informed_on
    return audited_save(scheme, actor=actor, reason=reason)


def information_overdue(scheme: SeniorityScheme, today: datetime.date) -> bool:
    """R9.5: an R9.3 decision whose tenants have not been told within 4 weeks of the decision
    (on the last day of the 4 weeks it is not yet overdue). R3.7 schemes have no such duty:
    there the information is given per lease (R3.6)."""
    if scheme.kind != SchemeKind.INTERNAL_FROM_GENERAL or scheme.tenants_informed_on is not None:
        return False
    return today > rules.inform_tenants_by(scheme.decided_on)


# --- Internal seniority from the general-list date (R9.3, R9.4) ---------------------------------


@transaction.atomic
def apply_internal_from_general_scheme(*, actor, reason: str, scheme: SeniorityScheme) -> int:
    """R9.3–R9.4 when an INTERNAL_FROM_GENERAL scheme takes effect: every living entry on the
    organisation's internal list(s) counts from the person's general-list date when that is
    earlier (basis GENERAL_LIST_DATE), and the entries that stood on the internal list before the
    scheme took effect go before those covered by it (``listed_before_seniority_scheme``).

    Set-based: one read, one bulk update with one history row per changed entry. Running it again
    changes nothing, so a job may run it for entries registered after the effective date as well.
    Returns the number of entries changed."""
    if not permissions.can_write_organisation(actor, scheme.organisation_id):
        raise PermissionDenied
    require_reason(reason)
    if scheme.kind != SchemeKind.INTERNAL_FROM_GENERAL or not scheme.enabled:
        raise ValidationError(
            _("Only an R9.3 scheme in use (internal seniority from the general list) applies.")
        )
    if scheme.effective_from > timezone.localdate():
        raise ValidationError(
            _("The scheme takes effect on %(day)s; apply it from that day.")
            % {"day": _day(scheme.effective_from)}
        )
    organisation = scheme.organisation
    entries = list(
        Entry.objects.select_for_update(of=("self",))
        .filter(waiting_list__kind=ListKind.INTERNAL, waiting_list__organisation=organisation)
        .exclude(status=EntryStatus.DELETED)
        .annotate(general=general_dates_subquery(organisation))
        .order_by("pk")
    )
    changed = []
    for entry in entries:
        dirty = False
        if entry.general and entry.general < entry.seniority_date:
            entry.seniority_date, entry.seniority_basis = entry.general, SeniorityBasis.GENERAL_LIST_DATE
            dirty = True
        # § 9, stk. 4: those on the internal list when the decision takes effect go first.
        if entry.registered_on < scheme.effective_from and not entry.listed_before_seniority_scheme:
            entry.listed_before_seniority_scheme = True
            dirty = True
        if dirty:
            changed.append(entry)
    if changed:
        bulk_update_with_history(
            changed,
            Entry,
            ["seniority_date", "seniority_basis", "listed_before_seniority_scheme"],
            default_user=actor,
            default_change_reason=reason.strip(),
        )
    return len(changed)


# --- Signing a lease (R3.5–R3.8) ---------------------------------------------------------------


def _landlord(entry_list: WaitingList, organisation: HousingOrganisation | None) -> HousingOrganisation:
    """The organisation whose R3.7 scheme applies: the one named, the list's, or the controller's."""
    if organisation is not None:
        return organisation
    if entry_list.organisation_id is not None:
        return entry_list.organisation
    found = HousingOrganisation.objects.filter(tenant_id=entry_list.controller_id).first()
    if found is None:
        raise ValidationError(
            {
                "organisation": _(
                    "The list is shared by several organisations: name the landlord of the lease."
                )
            }
        )
    return found


def is_andels_2010_member(entry: Entry) -> bool:
    """§ 2, stk. 3–4 and § 3, stk. 6: a member of an almen andelsboligorganisation on 1 January 2010."""
    return entry.andels_member_since is not None and entry.andels_member_since <= ANDELS_CUTOFF


def keep_right_basis(
    *, entry: Entry, organisation: HousingOrganisation, lease_signed_on: datetime.date
) -> tuple[str, SeniorityScheme | None] | None:
    """Whether the entry's place may be kept when its holder signs a lease with ``organisation``
    on ``lease_signed_on``, and under which rule — or None.

    § 3, stk. 6 (R3.6): a member of an almen andelsboligorganisation on 1 January 2010 who signs
    a lease after that date, by right. § 3, stk. 7 (R3.7): anyone else where the organisation has
    decided a scheme in force on the signing day. Only the general list: § 3, stk. 10 applies
    stk. 2–5, not stk. 6–7, to the internal list (R3.10)."""
    if entry.waiting_list.kind != ListKind.GENERAL:
        return None
    if is_andels_2010_member(entry) and lease_signed_on > ANDELS_CUTOFF:
        return KeepRule.ANDELS_2010, None
    scheme = scheme_in_force(
        organisation_id=organisation.pk, kind=SchemeKind.KEEP_ON_LEASE, on=lease_signed_on
    )
    if scheme is not None:
        return KeepRule.SCHEME, scheme
    return None


def _landlord_lists(organisation: HousingOrganisation) -> list[WaitingList]:
    """The lists a lease with ``organisation`` ends a place on (§ 3, stk. 5, and stk. 10): its
    general list — its own, or the shared list of its association (§ 3, stk. 2) — and its
    internal list. Youth lists follow their own rules (§§ 12–13)."""
    return list(
        WaitingList.objects.filter(
            Q(kind=ListKind.GENERAL, controller_id__in=general_list_controllers(organisation))
            & (Q(organisation__isnull=True) | Q(organisation=organisation))
            | Q(kind=ListKind.INTERNAL, organisation=organisation)
        )
    )


@transaction.atomic
def lease_signed_leave_lists(
    *,
    actor,
    reason: str,
    person: Person,
    organisation: HousingOrganisation,
    lease_signed_on: datetime.date,
    won_entry: Entry | None = None,
) -> list[KeepSeniorityRight]:
    """§ 3, stk. 5 (R3.5, and R3.10 for the internal list): "Når en boligsøgende indgår aftale om
    leje af en bolig, slettes den pågældende på ventelisten, og den oparbejdede anciennitet
    bortfalder" — whichever way the dwelling was let. The person's places on the landlord's
    general and internal lists end (found by CPR, since a shared list's controller holds its own
    person row), and the entry the lease was won from wherever it stands. Where the place may
    be kept (``keep_right_basis``), a ``KeepSeniorityRight`` is made: the caller sends the
    written information with the lease and names the letter (``keep_rights_inform``).

    The deletions are the lease's consequence, not the signing caseworker's choice: they are
    made for the landlord's own lists (including the shared list it uses) and recorded with the
    caseworker and the reason."""
    require_reason(reason)
    lists = _landlord_lists(organisation)
    # The same human is one person row per controller; without a CPR number only this row.
    same_person = Q(person__cpr_hash=person.cpr_hash) if person.cpr_hash else Q(person=person)
    entries = Entry.objects.select_for_update(of=("self",)).filter(same_person, waiting_list__in=lists)
    if won_entry is not None:
        entries = entries | Entry.objects.select_for_update(of=("self",)).filter(pk=won_entry.pk)
    rights = []
    for entry in entries.exclude(status=EntryStatus.DELETED).select_related("waiting_list").order_by("pk"):
        entry.status, entry.deleted_on, entry.deletion_reason = (
            EntryStatus.DELETED,
            lease_signed_on,
            DeletionReason.LEASE_SIGNED,
        )
        audited_save(entry, actor=actor, reason=reason)
        basis = keep_right_basis(entry=entry, organisation=organisation, lease_signed_on=lease_signed_on)
        if basis is not None:
            rule, scheme = basis
            rights.append(
                audited_save(
                    KeepSeniorityRight(
                        entry=entry,
                        controller_id=entry.controller_id,
                        organisation=organisation,
                        rule=rule,
                        scheme=scheme,
                        lease_signed_on=lease_signed_on,
                    ),
                    actor=actor,
                    reason=reason,
                )
            )
    return rights


@transaction.atomic
def keep_rights_inform(*, actor, reason: str, rights: list[KeepSeniorityRight], letter) -> None:
    """Name the letter that informs the tenant in writing of the right (§ 3, stk. 6, 3. pkt.)."""
    for right in rights:
        right.information_letter = letter
        audited_save(right, actor=actor, reason=reason)


@dataclass(frozen=True)
class KeepWindow:
    """The 8 days of § 3, stk. 6, 2. pkt., as the delivery record of the information has them.

    ``informed_on`` is None while the written information has not left (queued or failed): the
    window has not started, and the tenant's wish is in time whenever it comes."""

    informed_on: datetime.date | None
    deadline: datetime.date | None
    sending: str | None  # letters.selectors.Sending, or None when no letter was made


def keep_window(right: KeepSeniorityRight) -> KeepWindow:
    record = letters_selectors.sending_record(right.information_letter)
    informed_on = record.sent_on if record is not None else None
    deadline = (
        rules.keep_seniority_deadline(lease_signed_on=right.lease_signed_on, informed_on=informed_on)
        if informed_on is not None
        else None
    )
    return KeepWindow(informed_on=informed_on, deadline=deadline, sending=record.state if record else None)


def _rule_label(right: KeepSeniorityRight) -> str:
    return _("§ 3, stk. 6 — R3.6") if right.rule == KeepRule.ANDELS_2010 else _("§ 3, stk. 7 and 6 — R3.7")


@transaction.atomic
def lease_keep_seniority(
    *, actor, reason: str, right: KeepSeniorityRight, requested_on: datetime.date
) -> Entry:
    """Record the tenant's wish to stay on the general list with their seniority after signing a
    lease (§ 3, stk. 6–7, R3.6–R3.7), and put the entry back with its seniority.

    "Det er en betingelse, at den pågældende meddeler sit ønske til boligorganisationen senest
    8 dage efter lejeaftalens indgåelse" — day 8 is in time, day 9 late. "Overholder
    boligorganisationen ikke den nævnte frist, udsættes den pågældende lejers frist …
    tilsvarende": the 8 days run from the day the written information actually left, when that
    was after the signing; while it has not left, the window has not started. The information
    day comes from the letter's delivery record, never from the caller."""
    permissions.require_write_tenant(actor, right.controller_id)
    require_reason(reason)
    right = KeepSeniorityRight.objects.select_for_update().select_related("entry__person").get(pk=right.pk)
    entry = Entry.objects.select_for_update().select_related("person").get(pk=right.entry_id)
    rule = _rule_label(right)
    if right.requested_on is not None:
        raise ValidationError(
            _("The wish was already recorded (received on %(day)s).") % {"day": _day(right.requested_on)},
            code="already_recorded",
        )
    if requested_on > timezone.localdate():
        raise ValidationError({"requested_on": _("The day the wish was received cannot be in the future.")})
    if requested_on < right.lease_signed_on:
        raise ValidationError(
            {
                "requested_on": _("The wish follows the lease: it cannot be received before %(day)s.")
                % {"day": _day(right.lease_signed_on)}
            }
        )
    window = keep_window(right)
    if not rules.keep_seniority_in_time(
        requested_on=requested_on, lease_signed_on=right.lease_signed_on, informed_on=window.informed_on
    ):
        message = _(
            "The wish came on %(requested)s; the deadline was %(deadline)s: 8 days after the lease was "
            "signed on %(signed)s, or after the day the written information was sent (%(informed)s) if "
            "that was later (%(rule)s). The seniority lapsed with the lease (§ 3, stk. 5 — R3.5)."
        ) % {
            "requested": _day(requested_on),
            "deadline": _day(window.deadline),
            "signed": _day(right.lease_signed_on),
            "informed": _day(window.informed_on),
            "rule": rule,
        }
        raise ValidationError({"requested_on": ValidationError(message, code="too_late")})
    if entry.status != EntryStatus.DELETED or entry.deletion_reason != DeletionReason.LEASE_SIGNED:
        raise ValidationError(_("The entry is no longer the one the lease ended."), code="changed")
    other = (
        Entry.objects.filter(waiting_list=entry.waiting_list_id, person=entry.person_id)
        .exclude(status=EntryStatus.DELETED)
        .first()
    )
    if other is not None:
        raise ValidationError(
            _("%(name)s already has another place on this list (entry %(entry)s).")
            % {"name": entry.person.full_name, "entry": other.pk}
        )
    entry.status, entry.deleted_on, entry.deletion_reason = EntryStatus.ACTIVE, None, ""
    entry.seniority_basis = SeniorityBasis.KEPT_ON_LEASE
    audited_save(entry, actor=actor, reason=reason)
    right.informed_on, right.requested_on, right.recorded_by = window.informed_on, requested_on, actor
    audited_save(right, actor=actor, reason=reason)
    return entry


@transaction.atomic
def lease_signed_delete(*, actor, reason: str, entry: Entry, lease_signed_on: datetime.date) -> Entry:
    """R3.5 (and R3.10 for the internal list): signing a lease deletes the place and its
    seniority. Keeping it is a wish recorded afterwards (``lease_keep_seniority``)."""
    permissions.require_write_tenant(actor, entry.controller_id)
    require_reason(reason)
    return registration.entry_delete(
        actor=actor,
        reason=reason,
        entry=entry,
        deletion_reason=DeletionReason.LEASE_SIGNED,
        on=lease_signed_on,
    )


@transaction.atomic
def takeover_seniority(
    *,
    actor,
    reason: str,
    waiting_list: WaitingList,
    person: Person,
    taken_over_on: datetime.date,
    wishes: registration.Wishes,
    organisation: HousingOrganisation | None = None,
) -> Entry:
    """R3.8: a tenant who took over a dwelling other than from the list stands on the general
    list with seniority from the takeover — where the organisation has an R3.7 scheme."""
    permissions.require_write_tenant(actor, waiting_list.controller_id)
    require_reason(reason)
    if waiting_list.kind != ListKind.GENERAL:
        raise ValidationError(
            _("Seniority from a takeover applies to the general list (§ 3, stk. 8 — R3.8).")
        )
    if taken_over_on > timezone.localdate():
        raise ValidationError({"taken_over_on": _("The takeover date cannot be in the future.")})
    landlord = _landlord(waiting_list, organisation)
    if scheme_in_force(organisation_id=landlord.pk, kind=SchemeKind.KEEP_ON_LEASE, on=taken_over_on) is None:
        raise ValidationError(
            _(
                "%(org)s had no scheme letting applicants keep their seniority in force on %(day)s, so a "
                "takeover gives no seniority (§ 3, stk. 7–8 — R3.8)."
            )
            % {"org": landlord.name, "day": _day(taken_over_on)},
            code="no_scheme",
        )
    entry = registration.entry_register(
        actor=actor, reason=reason, waiting_list=waiting_list, person=person, wishes=wishes
    )
    entry.seniority_date, entry.seniority_basis = taken_over_on, SeniorityBasis.TAKEOVER
    return audited_save(entry, actor=actor, reason=reason)


# --- Rehoused outside the organisation (R9.2) -------------------------------------------------


@transaction.atomic
def mark_rehoused(*, actor, reason: str, entry: Entry) -> Entry:
    """R9.2: a tenant rehoused outside the organisation (almenlejeloven § 86) keeps the internal
    seniority as long as the update fee is paid (the fee cycle deletes them when it is not)."""
    permissions.require_write_tenant(actor, entry.controller_id)
    require_reason(reason)
    if entry.waiting_list.kind != ListKind.INTERNAL:
        raise ValidationError(
            _("Only a place on the internal list is kept on rehousing (§ 9, stk. 2 — R9.2).")
        )
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == EntryStatus.DELETED:
        raise ValidationError(_("A deleted entry cannot be kept."))
    entry.rehoused_outside = True
    return audited_save(entry, actor=actor, reason=reason)
