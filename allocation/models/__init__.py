from .adverts import Advert, Interest, LotteryDraw
from .agreements import AgreementKind, LettingAgreement, VacancyCounter
from .needs import GuaranteeState, HousingGuarantee, PriorityNeed, SeparationPriority
from .nominations import Nomination
from .offers import Answer, Offer, OfferRound, RoundState
from .policies import KommuneLettingDecision, OrganisationLettingPolicy
from .tenancies import Lease
from .vacancies import LettingChannel, Vacancy, VacancyState

__all__ = [
    "Advert",
    "AgreementKind",
    "Answer",
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
    "VacancyState",
]
