"""Permissions: the one place that answers "may this user do this?".

``housing.scoping`` decides which rows a user can *reach* (querysets); this module answers each
yes/no question about *acting* once, and every service and view asks it rather than recomputing
it from memberships. The questions:

* ``can_read_tenant`` / ``can_write_tenant`` — data of one data controller (dataansvarlig): any
  membership reads, a caseworker or kommune officer membership of *that* controller writes;
* ``can_read_person`` / ``can_write_person`` — a person's data, by the person's controller;
* ``can_write_organisation`` — the register and lettings of one housing organisation (its own
  caseworkers; administrators configure the register);
* ``can_act_for_kommune`` — the kommune's decisions (godkendelse, dispensation efter § 37, stk. 2,
  anvisning, visitation til ældreboliger, the complaints lodged with the kommune): only a
  *kommune officer membership of that kommune*. Being officer in one kommune gives nothing in
  another, whatever other memberships the user has there;
* ``is_auditor_of_tenant`` — the organisation's revisor (R38.3), for this controller only.

``require_*`` raise ``PermissionDenied`` (403) when the answer is no.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .scoping import scope_for


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Data controllers and persons ---------------------------------------------------------------


def can_read_tenant(user, tenant_id: int | None) -> bool:
    return tenant_id in scope_for(user).tenant_ids


def can_write_tenant(user, tenant_id: int | None) -> bool:
    return tenant_id in scope_for(user).writable_tenant_ids


def require_read_tenant(user, tenant_id: int | None) -> None:
    _require(can_read_tenant(user, tenant_id))


def require_write_tenant(user, tenant_id: int | None) -> None:
    """Refuse (403) a write to data of a controller the user may not change."""
    _require(can_write_tenant(user, tenant_id))


def can_read_person(user, person) -> bool:
    return can_read_tenant(user, person.controller_id)


def can_write_person(user, person) -> bool:
    return can_write_tenant(user, person.controller_id)


def is_auditor_of_tenant(user, tenant_id: int | None) -> bool:
    """R38.3: an auditor membership of this controller (not an auditor elsewhere)."""
    return tenant_id in scope_for(user).auditor_tenant_ids


# --- The register and lettings of an organisation ------------------------------------------------


def can_read_organisation(user, organisation_id: int | None) -> bool:
    scope = scope_for(user)
    return scope.is_administrator or organisation_id in scope.organisation_ids


def can_write_organisation(user, organisation_id: int | None) -> bool:
    scope = scope_for(user)
    return scope.is_administrator or organisation_id in scope.writable_organisation_ids


def require_write_organisation(user, organisation_id: int | None) -> None:
    _require(can_write_organisation(user, organisation_id))


def can_write_any_organisation(user) -> bool:
    scope = scope_for(user)
    return scope.is_administrator or bool(scope.writable_organisation_ids)


def can_create_organisation(user) -> bool:
    return scope_for(user).is_administrator


# --- The kommune -------------------------------------------------------------------------------


def officer_kommune_ids(user) -> frozenset[int]:
    """The kommuner the user is a kommune officer of (a KOMMUNE_OFFICER membership of the
    kommune's own data controller)."""
    return scope_for(user).kommune_ids


def is_kommune_officer(user) -> bool:
    """Officer of at least one kommune (for navigation; every act asks ``can_act_for_kommune``)."""
    return bool(officer_kommune_ids(user))


def can_act_for_kommune(user, kommune_id: int | None) -> bool:
    """Whether the user decides for this kommune: officer of exactly this kommune."""
    return kommune_id is not None and kommune_id in officer_kommune_ids(user)


def require_act_for_kommune(user, kommune_id: int | None) -> None:
    _require(can_act_for_kommune(user, kommune_id))


def require_kommune_officer(user) -> None:
    _require(is_kommune_officer(user))
