"""Tenant scoping: the one place that decides which rows a staff user may see and change.

Every selector and view that touches personal data or the register starts from these
querysets. A user sees

* persons and households of the data controllers (tenants) they are members of;
* organisations they are members of, or whose shared-list association they are members of,
  and — read-only, for the kommune's supervision and approvals — organisations with a
  department in a kommune they are an officer of;
* departments and dwellings of those organisations (kommune officers: only those in their kommune).

Administrators configure rules in the Django admin; they see the register in full but, like
everybody else, persons only through memberships: being an administrator is not a reason to
read personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import Department, Dwelling, HousingOrganisation, Membership, Person, Role, Tenant

_CACHE_ATTR = "_staff_scope"


@dataclass(frozen=True)
class StaffScope:
    """What one user may reach, computed once per request."""

    tenant_ids: frozenset[int] = frozenset()
    writable_tenant_ids: frozenset[int] = frozenset()
    # Kommuner the user is an officer of: a KOMMUNE_OFFICER membership of the kommune's own
    # tenant. Any other membership of a kommune's tenant (possible in the database, refused by
    # Membership.clean) reads that tenant's persons but never acts for the kommune.
    kommune_ids: frozenset[int] = frozenset()
    organisation_ids: frozenset[int] = frozenset()  # organisations reached through membership
    writable_organisation_ids: frozenset[int] = frozenset()
    auditor_tenant_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    tenant_names: tuple[str, ...] = field(default_factory=tuple)
    is_administrator: bool = False

    @property
    def is_caseworker(self) -> bool:
        return Role.CASEWORKER in self.roles

    @property
    def is_kommune_officer(self) -> bool:
        # The same answer as housing.permissions.is_kommune_officer: officer of some kommune.
        return bool(self.kommune_ids)

    @property
    def is_read_only(self) -> bool:
        return bool(self.roles) and self.roles <= {Role.READ_ONLY, Role.AUDITOR}

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.roles


def scope_for(user: AbstractBaseUser | AnonymousUser) -> StaffScope:
    if not getattr(user, "is_authenticated", False):
        return StaffScope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user=user).select_related(
            "tenant", "tenant__organisation", "tenant__kommune", "tenant__association"
        )
    )
    tenant_ids = {m.tenant_id for m in memberships}
    writable = {m.tenant_id for m in memberships if m.can_write}
    kommune_ids = {
        m.tenant.kommune.pk
        for m in memberships
        if m.tenant.kind == Tenant.Kind.KOMMUNE and m.role == Role.KOMMUNE_OFFICER
    }
    association_tenants = [m.tenant_id for m in memberships if m.tenant.kind == Tenant.Kind.ASSOCIATION]
    org_rows = HousingOrganisation.objects.filter(
        Q(tenant_id__in=tenant_ids) | Q(shared_list__tenant_id__in=association_tenants)
    ).values_list("pk", "tenant_id")
    organisation_ids = {org_id for org_id, _tenant in org_rows}
    # The register of an organisation is edited by its own caseworkers, not the association's.
    writable_orgs = {org_id for org_id, org_tenant in org_rows if org_tenant in writable}
    scope = StaffScope(
        tenant_ids=frozenset(tenant_ids),
        writable_tenant_ids=frozenset(writable),
        kommune_ids=frozenset(kommune_ids),
        organisation_ids=frozenset(organisation_ids),
        writable_organisation_ids=frozenset(writable_orgs),
        auditor_tenant_ids=frozenset(m.tenant_id for m in memberships if m.role == Role.AUDITOR),
        roles=frozenset(m.role for m in memberships),
        tenant_names=tuple(sorted(m.tenant.name for m in memberships)),
        is_administrator=bool(user.is_staff and user.is_superuser),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope (after memberships change within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- Personal data ---------------------------------------------------------------------------


def persons_for(user) -> QuerySet[Person]:
    return Person.objects.filter(controller_id__in=scope_for(user).tenant_ids)


def writable_controllers_for(user) -> QuerySet[Tenant]:
    """Controllers a user may register persons under."""
    return Tenant.objects.filter(pk__in=scope_for(user).writable_tenant_ids)


# --- The register ----------------------------------------------------------------------------


def organisations_for(user) -> QuerySet[HousingOrganisation]:
    scope = scope_for(user)
    if scope.is_administrator:
        return HousingOrganisation.objects.all()
    return HousingOrganisation.objects.filter(
        Q(pk__in=scope.organisation_ids) | Q(departments__kommune_id__in=scope.kommune_ids)
    ).distinct()


def departments_for(user) -> QuerySet[Department]:
    scope = scope_for(user)
    if scope.is_administrator:
        return Department.objects.all()
    return Department.objects.filter(
        Q(organisation_id__in=scope.organisation_ids) | Q(kommune_id__in=scope.kommune_ids)
    )


def dwellings_for(user) -> QuerySet[Dwelling]:
    scope = scope_for(user)
    if scope.is_administrator:
        return Dwelling.objects.all()
    return Dwelling.objects.filter(
        Q(department__organisation_id__in=scope.organisation_ids)
        | Q(department__kommune_id__in=scope.kommune_ids)
    )
