"""Benefit status (*ydelsesstatus*): recording it, and reading it with the access log.

Benefit data is sensitive: every read of a person's benefit status goes through
``household_benefits_on`` (or ``person_benefits``), which writes one access-log row per person
whose status was read, in the same transaction as the read. Writes go through
``benefit_status_record`` / ``benefit_status_end`` with the acting user and a reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import scoping
from .audit import audited_save, require_reason
from .models import (
    LISTED_BENEFIT_KINDS,
    AccessKind,
    AccessPurpose,
    BenefitStatus,
    HouseholdRelation,
    Person,
    PersonalDataAccess,
)

# The household members whose benefit counts under R37.1 ("the applicant and any spouse"):
# a registered partner is treated as a spouse; a cohabitant is not (the law says ægtefælle).
SPOUSE_RELATIONS = frozenset({HouseholdRelation.SPOUSE, HouseholdRelation.PARTNER})


@dataclass(frozen=True)
class HouseholdBenefit:
    """One benefit period in force on the day asked about, with who in the household gets it."""

    person: Person
    relation: str  # HouseholdRelation value ("applicant" when the person has no household)
    status: BenefitStatus

    @property
    def is_listed(self) -> bool:
        return self.status.kind in LISTED_BENEFIT_KINDS


def _household_of(person: Person) -> list[tuple[Person, str]]:
    membership = getattr(person, "household_membership", None)
    if membership is None:
        return [(person, HouseholdRelation.APPLICANT)]
    members = list(membership.household.members.select_related("person"))
    return [(m.person, m.relation) for m in members]


def _check_read(actor, person: Person, check_scope: bool) -> None:
    if check_scope and person.controller_id not in scoping.scope_for(actor).tenant_ids:
        raise PermissionDenied


def _log(*, actor, persons: list[Person], purpose: str, purpose_text: str, detail: str) -> None:
    if purpose not in AccessPurpose.values:
        raise ValidationError({"purpose": _("Choose the purpose of the access.")})
    if purpose == AccessPurpose.OTHER and not purpose_text.strip():
        raise ValidationError({"purpose_text": _("Describe the purpose when you choose 'Other'.")})
    PersonalDataAccess.objects.bulk_create(
        [
            PersonalDataAccess(
                person=p,
                user=actor,
                kind=AccessKind.SENSITIVE_READ,
                purpose=purpose,
                purpose_text=purpose_text.strip()[:300],
                detail=detail[:200],
            )
            for p in persons
        ]
    )


@transaction.atomic
def household_benefits_on(
    *,
    actor,
    person: Person,
    day: datetime.date,
    purpose: str,
    purpose_text: str = "",
    check_scope: bool = True,
) -> list[HouseholdBenefit]:
    """The benefits in force on ``day`` for ``person`` and the members of their household.

    Writes one access-log row per person read (whether or not a benefit was found: the look-up
    itself is the access). ``check_scope=False`` only for services that have already decided the
    actor may handle the case (e.g. a kommune officer's approval of a letting in his kommune)."""
    _check_read(actor, person, check_scope)
    household = _household_of(person)
    persons = [p for p, _relation in household]
    relation_of = {p.pk: relation for p, relation in household}
    statuses = (
        BenefitStatus.objects.filter(person__in=persons, valid_from__lte=day)
        .exclude(valid_until__lt=day)
        .order_by("person_id", "kind", "valid_from")
    )
    by_id = {p.pk: p for p in persons}
    _log(
        actor=actor,
        persons=persons,
        purpose=purpose,
        purpose_text=purpose_text,
        detail=_("Benefit status on %(day)s") % {"day": day.isoformat()},
    )
    return [HouseholdBenefit(by_id[s.person_id], relation_of[s.person_id], s) for s in statuses]


def r37_benefit_condition(benefits: list[HouseholdBenefit], *, applicant: Person) -> bool:
    """R37.1 / § 37, stk. 1: the applicant **and** the applicant's spouse, if any, receive
    integrationsydelse, uddannelseshjælp or kontanthjælp. Pure: give it the result of
    ``household_benefits_on`` for the applicant."""
    listed = {b.person.pk for b in benefits if b.is_listed}
    if applicant.pk not in listed:
        return False
    membership = getattr(applicant, "household_membership", None)
    if membership is None:
        return True
    spouses = [m.person_id for m in membership.household.members.all() if m.relation in SPOUSE_RELATIONS]
    return all(pk in listed for pk in spouses)


@transaction.atomic
def person_benefits(*, actor, person: Person, purpose: str, purpose_text: str = "") -> list[BenefitStatus]:
    """All benefit periods recorded for ``person`` (the person's benefit tab), logged."""
    _check_read(actor, person, True)
    _log(
        actor=actor,
        persons=[person],
        purpose=purpose,
        purpose_text=purpose_text,
        detail=_("Benefit status (all periods)"),
    )
    return list(BenefitStatus.objects.filter(person=person).select_related("recorded_by"))


@transaction.atomic
def benefit_status_record(
    *,
    actor,
    reason: str,
    person: Person,
    kind: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    source: str,
    note: str = "",
) -> BenefitStatus:
    """Record that ``person`` receives ``kind`` from ``valid_from`` (until ``valid_until``)."""
    require_reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    scoping.require_write(actor, person.controller_id)
    overlapping = BenefitStatus.objects.filter(person=person, kind=kind)
    if valid_until is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_until)
    overlapping = overlapping.exclude(valid_until__lt=valid_from)
    if overlapping.exists():
        raise ValidationError(
            {"valid_from": _("The person already has this benefit recorded for part of the period.")}
        )
    return audited_save(
        BenefitStatus(
            controller_id=person.controller_id,
            person=person,
            kind=kind,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            note=note.strip(),
            recorded_by=actor,
        ),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def benefit_status_end(
    *, actor, reason: str, status: BenefitStatus, valid_until: datetime.date
) -> BenefitStatus:
    """Record the last day of a benefit period."""
    require_reason(reason)
    status = BenefitStatus.objects.select_for_update().get(pk=status.pk)
    scoping.require_write(actor, status.controller_id)
    status.valid_until = valid_until
    return audited_save(status, actor=actor, reason=reason)
