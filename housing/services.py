"""Every write to the register and to persons. Views, admin, commands and jobs call these.

Each function takes the acting user and a reason, checks the user's right to write in
``housing.scoping``, validates, and saves once so that exactly one history row is written.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import cpr, permissions, scoping
from .audit import audited_save, require_reason
from .models import (
    AccessKind,
    AccessPurpose,
    Department,
    Dwelling,
    HouseholdMember,
    HousingOrganisation,
    NumberSeries,
    Person,
    PersonalDataAccess,
    SharedListAssociation,
    Tenant,
)

# --- Organisations ---------------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, actor, reason: str, organisation: HousingOrganisation) -> HousingOrganisation:
    """Create a housing organisation together with the data controller its data belongs to."""
    if not permissions.can_create_organisation(actor):
        raise PermissionDenied
    require_reason(reason)
    organisation.full_clean(exclude=["tenant"])
    tenant = audited_save(
        Tenant(kind=Tenant.Kind.ORGANISATION, name=organisation.name), actor=actor, reason=reason
    )
    organisation.tenant = tenant
    return audited_save(organisation, actor=actor, reason=reason)


@transaction.atomic
def organisation_update(*, actor, reason: str, organisation: HousingOrganisation) -> HousingOrganisation:
    if not permissions.can_write_organisation(actor, organisation.pk):
        raise PermissionDenied
    audited_save(organisation, actor=actor, reason=reason)
    if organisation.tenant.name != organisation.name:
        tenant = organisation.tenant
        tenant.name = organisation.name
        audited_save(tenant, actor=actor, reason=reason)
    return organisation


@transaction.atomic
def association_create(*, actor, reason: str, name: str) -> SharedListAssociation:
    if not permissions.can_create_organisation(actor):
        raise PermissionDenied
    tenant = audited_save(Tenant(kind=Tenant.Kind.ASSOCIATION, name=name), actor=actor, reason=reason)
    return audited_save(SharedListAssociation(name=name, tenant=tenant), actor=actor, reason=reason)


# --- Departments and dwellings ---------------------------------------------------------------


@transaction.atomic
def department_save(*, actor, reason: str, department: Department) -> Department:
    """Create or change a department (*afdeling*) of an organisation the actor works for."""
    if not permissions.can_write_organisation(actor, department.organisation_id):
        raise PermissionDenied
    if department.pk:
        # A department cannot be moved to another organisation through an edit.
        stored = Department.objects.only("organisation_id").get(pk=department.pk)
        if stored.organisation_id != department.organisation_id:
            raise ValidationError(
                {"organisation": _("A department cannot be moved to another organisation.")}
            )
    return audited_save(department, actor=actor, reason=reason)


@transaction.atomic
def dwelling_save(*, actor, reason: str, dwelling: Dwelling) -> Dwelling:
    department = Department.objects.only("organisation_id").get(pk=dwelling.department_id)
    if not permissions.can_write_organisation(actor, department.organisation_id):
        raise PermissionDenied
    if dwelling.pk:
        stored = Dwelling.objects.select_related("department").get(pk=dwelling.pk)
        if stored.department.organisation_id != department.organisation_id:
            raise ValidationError({"department": _("A dwelling cannot be moved to another organisation.")})
    return audited_save(dwelling, actor=actor, reason=reason)


# --- Persons ---------------------------------------------------------------------------------


def reserve_numbers(*, tenant_id: int, series: str, count: int = 1, at_least: int = 1) -> int:
    """Take ``count`` consecutive numbers of a controller's series (applicant numbers, payment
    references) under ``select_for_update`` and return the first, so two registrations at the
    same moment never share a number. ``at_least`` first moves the series past imported numbers."""
    counter, _created = NumberSeries.objects.select_for_update().get_or_create(
        tenant_id=tenant_id, name=series
    )
    first = max(counter.next_value, at_least)
    counter.next_value = first + count
    counter.save(update_fields=["next_value"])
    return first


def person_find_by_cpr(*, actor, cpr_number: str) -> Person | None:
    """Look a person up by CPR through the keyed hash, inside the actor's controllers only."""
    normalised = cpr.normalise(cpr_number)
    return scoping.persons_for(actor).filter(cpr_hash=cpr.lookup_hash(normalised)).first()


@transaction.atomic
def person_create(*, actor, reason: str, controller: Tenant, cpr_number: str, person: Person) -> Person:
    """Register a person under a data controller the actor may write for.

    The same CPR number can only be registered once per controller; the error names the
    existing person's applicant number so the caseworker can open it instead.
    """
    permissions.require_write_tenant(actor, controller.pk)
    person.controller = controller
    try:
        person.set_cpr(cpr_number)
    except ValidationError as exc:
        raise ValidationError({"cpr": exc.messages}) from exc
    existing = Person.objects.filter(controller=controller, cpr_hash=person.cpr_hash).first()
    if existing is not None:
        raise ValidationError(
            {
                "cpr": _("This CPR number is already registered as applicant number %(number)s.")
                % {"number": existing.applicant_number}
            },
            code="duplicate",
        )
    person.applicant_number = f"{reserve_numbers(tenant_id=controller.pk, series='applicant'):07d}"
    try:
        with transaction.atomic():
            return audited_save(person, actor=actor, reason=reason)
    except IntegrityError as exc:  # a concurrent registration of the same CPR won the race
        raise ValidationError({"cpr": _("This CPR number was registered a moment ago.")}) from exc


@transaction.atomic
def person_update(*, actor, reason: str, person: Person) -> Person:
    if not permissions.can_write_person(actor, person):
        raise PermissionDenied
    return audited_save(person, actor=actor, reason=reason)


@transaction.atomic
def household_member_add(*, actor, reason: str, member: HouseholdMember) -> HouseholdMember:
    if not permissions.can_write_person(actor, member.person):
        raise PermissionDenied
    if member.household.controller_id != member.person.controller_id:
        raise ValidationError(_("A household and its members belong to the same data controller."))
    return audited_save(member, actor=actor, reason=reason)


@transaction.atomic
def household_cohabitation_record(*, actor, reason: str, member: HouseholdMember) -> HouseholdMember:
    """Record since when a cohabitant has lived with the applicant (``member.cohabiting_since``):
    after 2 years the cohabitant counts as a spouse under almenboligloven §§ 51 b and 51 c (R36.1,
    R37.1). Only a cohabitant's membership carries the date (``HouseholdMember.clean``)."""
    if not permissions.can_write_person(actor, member.person):
        raise PermissionDenied
    require_reason(reason)
    return audited_save(member, actor=actor, reason=reason)


# --- The personal-data access log ------------------------------------------------------------


def access_log_record(
    *, actor, person: Person, kind: str, purpose: str, purpose_text: str = "", detail: str = ""
) -> PersonalDataAccess:
    """Record one access to personal data. Used for full CPR views and every sensitive read."""
    if purpose not in AccessPurpose.values:
        raise ValidationError({"purpose": _("Choose the purpose of the access.")})
    if purpose == AccessPurpose.OTHER and not purpose_text.strip():
        raise ValidationError({"purpose_text": _("Describe the purpose when you choose 'Other'.")})
    return PersonalDataAccess.objects.create(
        person=person,
        user=actor,
        kind=kind,
        purpose=purpose,
        purpose_text=purpose_text.strip(),
        detail=detail,
    )


@transaction.atomic
def person_reveal_cpr(*, actor, person: Person, purpose: str, purpose_text: str = "") -> str:
    """Return the full CPR number, logging who saw it and why. The log row is written first:
    if logging fails, the number is not shown."""
    permissions.require_read_tenant(actor, person.controller_id)
    access_log_record(
        actor=actor,
        person=person,
        kind=AccessKind.CPR_REVEALED,
        purpose=purpose,
        purpose_text=purpose_text,
        detail="CPR",
    )
    return person.cpr_reveal()
