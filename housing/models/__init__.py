from .access_log import AccessKind, AccessPurpose, PersonalDataAccess
from .benefits import (
    BenefitKind,
    BenefitProvision,
    BenefitSource,
    BenefitStatus,
    ListedBenefit,
    listed_kinds_on,
)
from .closing_days import KommuneClosingDay
from .exports import PENDING_STATES, ExportJob, ExportState
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
from .state_changes import StateChange
from .submissions import FormSubmission
from .tenants import NumberSeries, Tenant

__all__ = [
    "PENDING_STATES",
    "AccessKind",
    "AccessPurpose",
    "AreaStatusKind",
    "BenefitKind",
    "BenefitProvision",
    "BenefitSource",
    "BenefitStatus",
    "Department",
    "DepartmentAreaStatus",
    "DigitalPostConsentMethod",
    "Dwelling",
    "DwellingKind",
    "ExportJob",
    "ExportState",
    "FormSubmission",
    "Household",
    "HouseholdMember",
    "HouseholdRelation",
    "HousingArea",
    "HousingOrganisation",
    "Kommune",
    "KommuneClosingDay",
    "LeaseScope",
    "ListedBenefit",
    "Membership",
    "NumberSeries",
    "OwnerKind",
    "Person",
    "PersonalDataAccess",
    "Role",
    "SharedListAssociation",
    "StateChange",
    "Tenant",
    "YouthKind",
    "listed_kinds_on",
]
