"""Recording the facts a ranking places applicants by: the documented need behind the priorities of
§§ 5 and 10 (R5.1–R5.3, R10.2–R10.4), the separation priority (R8.2), and reading the person's
boliggarantibeviser (R6; they are issued from the vacancy page, ``leases.guarantee_issue``).

The documented need is health data (GDPR art. 9): only staff of the person's data controller reach
it (the person must be in their scope), and every reading and every change writes a row to the
personal-data access log — the change also gets its history row with user and reason."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing import permissions, scoping
from housing.audit import audited_delete, audited_save, require_reason
from housing.deadlines import add_calendar_months
from housing.models import AccessKind, AccessPurpose, Department, Person, PersonalDataAccess

from ..models import HousingGuarantee, PriorityNeed, SeparationPriority
from .policies import kommune_decision_in_force, policy_in_force

SEPARATION_MONTHS = 12  # R8.2: "for up to 1 year"


def _require_reach(actor, person: Person) -> None:
    """Only staff of the person's data controller see the person's priority facts."""
    permissions.require_read_tenant(actor, person.controller_id)


def _require_write(actor, person: Person) -> None:
    if not permissions.can_write_person(actor, person):
        raise PermissionDenied


def _log(actor, person: Person, detail: str, purpose_text: str, *, write: bool = False) -> None:
    PersonalDataAccess.objects.create(
        person=person,
        user=actor,
        kind=AccessKind.SENSITIVE_WRITE if write else AccessKind.SENSITIVE_READ,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=purpose_text.strip()[:300],
        detail=detail[:200],
    )


# --- The documented need (R5, R10) ------------------------------------------------------------------


def priority_need_read(*, actor, person: Person, purpose_text: str) -> PriorityNeed | None:
    """The person's documented need, or ``None``. A need that is read is logged (one row per
    reading, written before the data is returned)."""
    _require_reach(actor, person)
    need = PriorityNeed.objects.filter(person=person).first()
    if need is not None:
        _log(actor, person, _("Documented priority need (R5, R10) read"), purpose_text)
    return need


@transaction.atomic
def priority_need_save(
    *,
    actor,
    reason: str,
    person: Person,
    elderly_or_disabled: bool,
    mobility_impaired: bool,
    household_member_mobility_impaired: bool,
    documentation: str,
    documented_on: datetime.date,
    today: datetime.date | None = None,
) -> PriorityNeed:
    """Record or change the documented need behind R5.1–R5.3 and R10.2–R10.4."""
    require_reason(reason)
    _require_write(actor, person)
    today = today or timezone.localdate()
    if not (elderly_or_disabled or mobility_impaired or household_member_mobility_impaired):
        raise ValidationError(_("Tick at least one need. To withdraw a documented need, remove it instead."))
    if documented_on > today:
        raise ValidationError({"documented_on": _("The documentation cannot be dated in the future.")})
    if not documentation.strip():
        raise ValidationError({"documentation": _("Name the documentation (e.g. a medical certificate).")})
    need = PriorityNeed.objects.select_for_update().filter(person=person).first()
    created = need is None
    if created:
        need = PriorityNeed(person=person, controller_id=person.controller_id)
    need.elderly_or_disabled = elderly_or_disabled
    need.mobility_impaired = mobility_impaired
    need.household_member_mobility_impaired = household_member_mobility_impaired
    need.documentation = documentation.strip()
    need.documented_on = documented_on
    audited_save(need, actor=actor, reason=reason)
    _log(
        actor,
        person,
        _("Documented priority need (R5, R10) recorded")
        if created
        else _("Documented priority need (R5, R10) changed"),
        reason,
        write=True,
    )
    return need


@transaction.atomic
def priority_need_remove(*, actor, reason: str, person: Person) -> None:
    """Withdraw the documented need (the history keeps what it was, with who and why)."""
    require_reason(reason)
    _require_write(actor, person)
    need = PriorityNeed.objects.select_for_update().filter(person=person).first()
    if need is None:
        raise ValidationError(_("No documented need is recorded for this person."))
    audited_delete(need, actor=actor, reason=reason)
    _log(actor, person, _("Documented priority need (R5, R10) removed"), reason, write=True)


def priority_need_history(*, actor, person: Person) -> QuerySet:
    """The need's history rows (health data too: read only together with a logged reading)."""
    _require_reach(actor, person)
    return (
        PriorityNeed.history.filter(person_id=person.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


# --- The separation priority (R8.2) -----------------------------------------------------------------


def separation_departments(actor) -> QuerySet[Department]:
    """Departments a child's home may be recorded in: those of organisations the user works for."""
    scope = scoping.scope_for(actor)
    return (
        Department.objects.filter(organisation_id__in=scope.organisation_ids)
        .select_related("organisation", "kommune")
        .order_by("organisation__name", "number")
    )


@transaction.atomic
def separation_priority_add(
    *,
    actor,
    reason: str,
    person: Person,
    child_department: Department,
    left_on: datetime.date,
    child_under_18_with_other_parent: bool,
    valid_until: datetime.date | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> SeparationPriority:
    """R8.2: the applicant left a dwelling of the organisation after a separation, divorce or broken
    relationship, and their child under 18 still lives with the other parent in one of the
    organisation's departments in the kommune — priority to the organisation's dwellings in that
    kommune for up to 1 year, if the organisation has decided so (and the kommune has not switched
    it off, R40)."""
    require_reason(reason)
    _require_write(actor, person)
    today = today or timezone.localdate()
    if not permissions.can_read_organisation(actor, child_department.organisation_id):
        raise PermissionDenied
    if left_on > today:
        raise ValidationError({"left_on": _("The move-out date cannot be in the future.")})
    latest = add_calendar_months(left_on, SEPARATION_MONTHS)
    if valid_until is None:
        valid_until = latest
    if valid_until < left_on:
        raise ValidationError({"valid_until": _("The priority cannot end before the move-out.")})
    if valid_until > latest:
        raise ValidationError(
            {
                "valid_until": _("The priority lasts at most 1 year from the move-out: until %(day)s (R8.2).")
                % {"day": date_format(latest, "SHORT_DATE_FORMAT")}
            }
        )
    if not child_under_18_with_other_parent:
        raise ValidationError(
            {
                "child_under_18_with_other_parent": _(
                    "The priority requires a child under 18 living with the other parent in the "
                    "department (R8.2)."
                )
            }
        )
    organisation_id = child_department.organisation_id
    kommune_id = child_department.kommune_id
    policy = policy_in_force(organisation_id=organisation_id, day=left_on)
    if policy is None or not policy.separation_priority:
        raise ValidationError(
            _("The organisation has not decided to give priority after a separation (R8.2).")
        )
    decision = kommune_decision_in_force(kommune_id=kommune_id, day=left_on)
    if decision is not None and decision.separation_priority_off:
        raise ValidationError(_("The kommune has decided that the separation priority does not apply (R40)."))
    # Lock the person so two simultaneous recordings cannot both pass the overlap check.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if SeparationPriority.objects.filter(
        person=person,
        organisation_id=organisation_id,
        kommune_id=kommune_id,
        valid_until__gte=left_on,
        left_on__lte=valid_until,
    ).exists():
        raise ValidationError(
            _("A separation priority with this organisation and kommune is already recorded for the period.")
        )
    return audited_save(
        SeparationPriority(
            person=person,
            controller_id=person.controller_id,
            organisation_id=organisation_id,
            kommune_id=kommune_id,
            left_on=left_on,
            valid_until=valid_until,
            child_department=child_department,
            note=note.strip(),
        ),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def separation_priority_end(
    *, actor, reason: str, separation: SeparationPriority, ends_on: datetime.date
) -> SeparationPriority:
    """End a separation priority early (the child moved, the applicant was rehoused, …)."""
    require_reason(reason)
    separation = SeparationPriority.objects.select_for_update().select_related("person").get(pk=separation.pk)
    _require_write(actor, separation.person)
    if ends_on < separation.left_on:
        raise ValidationError({"ends_on": _("The priority cannot end before the move-out.")})
    if ends_on >= separation.valid_until:
        raise ValidationError(
            {
                "ends_on": _("The priority already ends on %(day)s.")
                % {"day": separation.valid_until.isoformat()}
            }
        )
    separation.valid_until = ends_on
    return audited_save(separation, actor=actor, reason=reason)


# --- Reads -------------------------------------------------------------------------------------------


def person_separations(*, actor, person: Person) -> QuerySet[SeparationPriority]:
    _require_reach(actor, person)
    return (
        SeparationPriority.objects.filter(person=person)
        .select_related("organisation", "kommune", "child_department")
        .order_by("-valid_until", "-pk")
    )


def person_guarantees(*, actor, person: Person) -> QuerySet[HousingGuarantee]:
    _require_reach(actor, person)
    return (
        HousingGuarantee.objects.filter(person=person)
        .select_related("organisation", "department", "lease__dwelling")
        .order_by("-valid_until", "-pk")
    )
