from .access_log import AccessKind, AccessPurpose, PersonalDataAccess
from .persons import DigitalPostConsentMethod, Household, HouseholdMember, HouseholdRelation, Person
from .register import (
    AreaStatusKind,
    Department,
    DepartmentAreaStatus,
    Dwelling,
    DwellingKind,
    HousingArea,
    HousingOrganisation,
    Kommune,
    LeaseScope,
    OwnerKind,
    SharedListAssociation,
    YouthKind,
)
from .staff import Membership, Role
from .tenants import NumberSeries, Tenant

__all__ = [
    "AccessKind",
    "AccessPurpose",
    "AreaStatusKind",
    "Department",
    "DepartmentAreaStatus",
    "DigitalPostConsentMethod",
    "Dwelling",
    "DwellingKind",
    "Household",
    "HouseholdMember",
    "HouseholdRelation",
    "HousingArea",
    "HousingOrganisation",
    "Kommune",
    "LeaseScope",
    "Membership",
    "NumberSeries",
    "OwnerKind",
    "Person",
    "PersonalDataAccess",
    "Role",
    "SharedListAssociation",
    "Tenant",
    "YouthKind",
]
