from .adverts import Advert, Interest, LotteryDraw
from .agreements import AgreementKind, LettingAgreement, VacancyCounter
from .approvals import (
    ApprovalRequest,
    ApprovalState,
    BenefitFinding,
    CombinedLettingPetition,
    PetitionState,
    RefusalGround,
    YouthReversion,
)
from .needs import GuaranteeSetAside, GuaranteeState, HousingGuarantee, PriorityNeed, SeparationPriority
from .nominations import Nomination
from .offers import Answer, Offer, OfferRound, RoundState
from .policies import KommuneLettingDecision, OrganisationLettingPolicy
from .rejections import (
    AreaListImport,
    Complaint,
    ComplaintBody,
    ComplaintOutcome,
    DebtOrigin,
    Dispensation,
    DispensationReport,
    DispensationState,
    RejectionCase,
    RejectionGround,
    RejectionSettings,
    RejectionState,
    TerminationGround,
    TerminationRejectionReport,
    TerminationRejectionReportBatch,
)
from .tenancies import Lease
from .vacancies import LettingChannel, Vacancy, VacancyState
from .youth import YouthLettingGuideline, YouthPriorityGroup

__all__ = [
    "Advert",
    "AgreementKind",
    "Answer",
    "ApprovalRequest",
    "ApprovalState",
    "AreaListImport",
    "BenefitFinding",
    "CombinedLettingPetition",
    "Complaint",
    "ComplaintBody",
    "ComplaintOutcome",
    "DebtOrigin",
    "Dispensation",
    "DispensationReport",
    "DispensationState",
    "GuaranteeSetAside",
    "GuaranteeState",
    "HousingGuarantee",
    "Interest",
    "KommuneLettingDecision",
    "Lease",
    "LettingAgreement",
    "LettingChannel",
    "LotteryDraw",
    "Nomination",
    "Offer",
    "OfferRound",
    "OrganisationLettingPolicy",
    "PetitionState",
    "PriorityNeed",
    "RefusalGround",
    "RejectionCase",
    "RejectionGround",
    "RejectionSettings",
    "RejectionState",
    "RoundState",
    "SeparationPriority",
    "TerminationGround",
    "TerminationRejectionReport",
    "TerminationRejectionReportBatch",
    "Vacancy",
    "VacancyCounter",
    "VacancyState",
    "YouthLettingGuideline",
    "YouthPriorityGroup",
    "YouthReversion",
]
