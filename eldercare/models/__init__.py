from .allocation import (
    ElderLease,
    ElderOffer,
    ElderOfferState,
    ElderVacancy,
    ElderVacancyState,
    OfferSource,
    OtherLettingBasis,
)
from .facilities import Facility, FacilityDwelling, FacilityKind
from .free_choice import FreeChoiceApplication, FreeChoiceState
from .guarantee import (
    DeadlineWarning,
    EldercarePolicy,
    EndCause,
    GuaranteeEntry,
    GuaranteePeriod,
    GuaranteeState,
    PeriodOutcome,
)
from .needs import GuaranteeChoice, NeedDecision, NeedKind, NeedState, PartnerRelation
from .outsiders import RefuseOutsidersDecision
from .specific_lists import (
    OutsiderExemption,
    SpecificEntryStatus,
    SpecificList,
    SpecificListEntry,
    SpecificListFeeCharge,
)

__all__ = [
    "DeadlineWarning",
    "ElderLease",
    "ElderOffer",
    "ElderOfferState",
    "ElderVacancy",
    "ElderVacancyState",
    "EldercarePolicy",
    "EndCause",
    "Facility",
    "FacilityDwelling",
    "FacilityKind",
    "FreeChoiceApplication",
    "FreeChoiceState",
    "GuaranteeChoice",
    "GuaranteeEntry",
    "GuaranteePeriod",
    "GuaranteeState",
    "NeedDecision",
    "NeedKind",
    "NeedState",
    "OfferSource",
    "OtherLettingBasis",
    "OutsiderExemption",
    "PartnerRelation",
    "PeriodOutcome",
    "RefuseOutsidersDecision",
    "SpecificEntryStatus",
    "SpecificList",
    "SpecificListEntry",
    "SpecificListFeeCharge",
]
