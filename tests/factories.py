"""factory_boy factories for the housing register, persons and staff.

Factories save directly (they are fixtures, not a write path), but every tracked row they create
gets the system user and the reason "Testdata" in its history row, so the audit trail of test
data looks like the real thing: one history row with a user and a reason.

CPR numbers: ``PersonFactory()`` makes a unique valid number; pass ``cpr="0101901234"`` for a
given number or ``born=datetime.date(...)`` (or ``birth_date=...``) for a given birth date.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.db import models
from factory.django import DjangoModelFactory
from stdnum.dk import cvr as stdnum_cvr

from housing import cpr
from housing.audit import system_user
from housing.models import (
    Department,
    Dwelling,
    DwellingKind,
    Household,
    HouseholdMember,
    HouseholdRelation,
    HousingOrganisation,
    Kommune,
    Membership,
    Person,
    Role,
    SharedListAssociation,
    Tenant,
)

User = get_user_model()
ModelT = TypeVar("ModelT", bound=models.Model)

TEST_PASSWORD = "test-password-123"
TEST_REASON = "Testdata"

_cvr_counter = itertools.count(2000000)
_cpr_counter = itertools.count(1)


def unique_cvr() -> str:
    """A valid CVR number (weights 2,7,6,5,4,3,2,1; sum mod 11 == 0) not used before in this run."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    while True:
        prefix = str(next(_cvr_counter))
        check = -sum(w * int(d) for w, d in zip(weights, prefix, strict=True)) % 11
        if check < 10:
            number = f"{prefix}{check}"
            assert stdnum_cvr.is_valid(number)
            return number


def unique_cpr(born: datetime.date | None = None) -> str:
    """A valid CPR number (no modulus 11) for ``born``, unique within the test run.

    The seventh digit follows the century rule of ``stdnum.dk.cpr.get_birth_date``: 3 for the
    1900s and 4 for 2000–2036. Fixed numbers in the tests use other seventh digits (e.g. 1 in
    0101901234), so generated numbers never collide with them.
    """
    serial = next(_cpr_counter)
    if born is None:  # adults born 1950–1999, spread out
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=(serial * 97) % 18000)
    if born.year < 1900 or born.year > 2036:
        raise ValueError("unique_cpr() supports birth years 1900–2036")
    seventh = "3" if born.year < 2000 else "4"
    number = f"{born:%d%m%y}{seventh}{serial % 1000:03d}"
    assert cpr.birth_date(number) == born
    return number


class AuditedFactory(DjangoModelFactory[ModelT]):
    """Saves through ``Model.save`` with the system user and a reason on the history row."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type[ModelT], *args: Any, **kwargs: Any) -> ModelT:
        instance = model_class(*args, **kwargs)
        instance._history_user = system_user()
        instance._change_reason = TEST_REASON
        instance.save()
        return instance


# --- Data controllers and the register -------------------------------------------------------


class TenantFactory(AuditedFactory[Tenant]):
    class Meta:
        model = Tenant

    kind = Tenant.Kind.ORGANISATION
    name = factory.Sequence(lambda n: f"Dataansvarlig {n}")


class KommuneFactory(AuditedFactory[Kommune]):
    """A kommune. Real codes (``KommuneFactory(code="0751")``) return the migrated kommune;
    new codes (default: 9001, 9002, …, never a real one) get a new kommune with its tenant."""

    class Meta:
        model = Kommune

    code = factory.Sequence(lambda n: f"{9001 + n}")
    name = factory.LazyAttribute(lambda o: f"Testkommune {o.code}")
    region = "Region Midtjylland"
    tenant = None  # created in _create, only when the kommune does not exist yet

    @classmethod
    def _create(cls, model_class: type[Kommune], *args: Any, **kwargs: Any) -> Kommune:
        existing = model_class.objects.filter(code=kwargs["code"]).first()
        if existing is not None:
            return existing
        if kwargs.get("tenant") is None:
            kwargs["tenant"] = TenantFactory(kind=Tenant.Kind.KOMMUNE, name=f"{kwargs['name']} Kommune")
        return super()._create(model_class, *args, **kwargs)


def aarhus() -> Kommune:
    return KommuneFactory(code="0751", name="Aarhus", region="Region Midtjylland")


def odense() -> Kommune:
    return KommuneFactory(code="0461", name="Odense", region="Region Syddanmark")


class SharedListAssociationFactory(AuditedFactory[SharedListAssociation]):
    class Meta:
        model = SharedListAssociation

    name = factory.Sequence(lambda n: f"Fælles venteliste {n}")
    tenant = factory.SubFactory(
        TenantFactory, kind=Tenant.Kind.ASSOCIATION, name=factory.SelfAttribute("..name")
    )


class HousingOrganisationFactory(AuditedFactory[HousingOrganisation]):
    class Meta:
        model = HousingOrganisation

    name = factory.Sequence(lambda n: f"Boligorganisation {n}")
    cvr = factory.LazyFunction(unique_cvr)
    address_line = "Banegårdspladsen 1"
    postal_code = "8000"
    city = "Aarhus C"
    email = factory.LazyAttribute(lambda o: f"post{o.cvr}@example.com")
    phone = "86 00 00 00"
    digital_post_connected_from = None
    shared_list = None
    tenant = factory.SubFactory(
        TenantFactory, kind=Tenant.Kind.ORGANISATION, name=factory.SelfAttribute("..name")
    )


class DepartmentFactory(AuditedFactory[Department]):
    class Meta:
        model = Department

    organisation = factory.SubFactory(HousingOrganisationFactory)
    number = factory.Sequence(lambda n: f"{500 + n}")  # clear of the numbers tests choose (101, 201, …)
    name = factory.Sequence(lambda n: f"Afdeling {n}")
    kommune = factory.LazyFunction(aarhus)
    address_line = factory.Sequence(lambda n: f"Parkvej {n + 1}")
    postal_code = "8000"
    city = "Aarhus C"


class DwellingFactory(AuditedFactory[Dwelling]):
    class Meta:
        model = Dwelling

    department = factory.SubFactory(DepartmentFactory)
    number = factory.Sequence(lambda n: f"{n + 1:04d}")
    address_line = factory.Sequence(lambda n: f"Parkvej {n + 1}, st. th.")
    floor = 0
    has_elevator = False
    kind = DwellingKind.FAMILY
    rooms = 3
    gross_floor_area = Decimal("78.0")
    monthly_rent = Decimal("6850.00")


# --- Persons and households ------------------------------------------------------------------


class PersonFactory(AuditedFactory[Person]):
    class Meta:
        model = Person

    class Params:
        born = None  # a birth date to make the CPR number for

    controller = factory.SubFactory(TenantFactory)
    applicant_number = factory.Sequence(lambda n: f"{n + 1:07d}")
    first_name = factory.Faker("first_name", locale="da_DK")
    last_name = factory.Faker("last_name", locale="da_DK")
    address_line = factory.Faker("street_address", locale="da_DK")
    postal_code = "8000"
    city = "Aarhus C"
    cpr = factory.LazyAttribute(lambda o: unique_cpr(o.born))

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        # ``cpr`` is not a model field: it becomes the encrypted number, the hash and the birth date.
        number = cpr.normalise(kwargs.pop("cpr"))
        born = kwargs.pop("birth_date", None)
        if born is not None and cpr.birth_date(number) != born:
            number = unique_cpr(born)
        kwargs["cpr_encrypted"] = cpr.encrypt(number)
        kwargs["cpr_hash"] = cpr.lookup_hash(number)
        kwargs["birth_date"] = cpr.birth_date(number)
        return kwargs


class HouseholdFactory(AuditedFactory[Household]):
    class Meta:
        model = Household

    controller = factory.SubFactory(TenantFactory)


class HouseholdMemberFactory(AuditedFactory[HouseholdMember]):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory, controller=factory.SelfAttribute("..household.controller"))
    relation = HouseholdRelation.APPLICANT


# --- Staff -----------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory[Any]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"bruger{n}")
    first_name = factory.Faker("first_name", locale="da_DK")
    last_name = factory.Faker("last_name", locale="da_DK")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(TEST_PASSWORD)
    is_staff = False
    is_superuser = False


class MembershipFactory(AuditedFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.CASEWORKER
