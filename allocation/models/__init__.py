from .adverts import Advert, Interest, LotteryDraw
from .agreements import AgreementKind, LettingAgreement, VacancyCounter
from .area_lists import AreaListImport
from .needs import GuaranteeSetAside, GuaranteeState, HousingGuarantee, PriorityNeed, SeparationPriority
from .nominations import Nomination
from .offers import Answer, Offer, OfferRound, RoundState
from .policies import KommuneLettingDecision, OrganisationLettingPolicy
from .tenancies import Lease
from .vacancies import LettingChannel, Vacancy, VacancyStage, VacancyState, state_for_stage
from .youth import YouthLettingGuideline, YouthPriorityGroup

__all__ = [
    "Advert",
    "AgreementKind",
    "Answer",
    "AreaListImport",
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
    "PriorityNeed",
    "RoundState",
    "SeparationPriority",
    "Vacancy",
    "VacancyCounter",
    "VacancyStage",
    "VacancyState",
    "YouthLettingGuideline",
    "YouthPriorityGroup",
    "state_for_stage",
]
