from .access_log import AccessKind, AccessPurpose, PersonalDataAccess
from .benefits import LISTED_BENEFIT_KINDS, BenefitKind, BenefitSource, BenefitStatus
from .closing_days import KommuneClosingDay
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
    "LISTED_BENEFIT_KINDS",
    "AccessKind",
    "AccessPurpose",
    "AreaStatusKind",
    "BenefitKind",
    "BenefitSource",
    "BenefitStatus",
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
    "KommuneClosingDay",
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
