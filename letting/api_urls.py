"""The JSON API (version 1), included at ``/api/v1/``.

The views are exempt from the site's login redirect: DRF itself refuses anyone not signed in,
with a JSON 403 rather than a redirect to the login page.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from .api import VacancyRankingView

app_name = "api"

urlpatterns = [
    path(
        "vacancies/<int:pk>/ranking/",
        login_not_required(VacancyRankingView.as_view()),
        name="vacancy_ranking",
    ),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
]
