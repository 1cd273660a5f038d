from django.urls import path

from .views import vacancies

urlpatterns = [
    path("udlejning/", vacancies.board, name="board"),
    path("udlejning/ny/", vacancies.vacancy_open, name="vacancy_open"),
    path("udlejning/<int:pk>/", vacancies.vacancy_detail, name="vacancy_detail"),
    path("udlejning/<int:pk>/historik/", vacancies.vacancy_history, name="vacancy_history"),
    path("udlejning/<int:pk>/tilbudsrunde/", vacancies.round_open, name="round_open"),
    path("udlejning/<int:pk>/tilbudsrunde/<int:round_pk>/luk/", vacancies.round_close, name="round_close"),
    path(
        "udlejning/<int:pk>/tilbudsrunde/<int:round_pk>/svar/", vacancies.round_answers, name="round_answers"
    ),
    path("udlejning/<int:pk>/lejekontrakt/", vacancies.lease_sign, name="lease_sign"),
    path(
        "udlejning/<int:pk>/lejekontrakt-uden-for-listen/",
        vacancies.lease_sign_outside,
        name="lease_sign_outside",
    ),
    path("udlejning/<int:pk>/uden-for-maalgruppen/", vacancies.vacancy_fallback, name="vacancy_fallback"),
    path("udlejning/<int:pk>/annuller/", vacancies.vacancy_cancel, name="vacancy_cancel"),
    path("udlejning/<int:pk>/boliggaranti/", vacancies.guarantee_issue, name="guarantee_issue"),
    path("lejemaal/<int:pk>/", vacancies.lease_detail, name="lease_detail"),
]
