from .agreements import AgreementKind, LettingAgreement, VacancyCounter
from .vacancies import LettingChannel, Vacancy, VacancyState

__all__ = [
    "AgreementKind",
    "LettingAgreement",
    "LettingChannel",
    "Vacancy",
    "VacancyCounter",
    "VacancyState",
]
