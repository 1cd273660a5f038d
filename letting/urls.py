"""URLs of the letting of a vacancy: the board and the vacancy page with its offer rounds and
lease, advertising and the lottery, and the kommune's nominations."""

from django.urls import include, path

app_name = "letting"

urlpatterns = [
    path("", include("letting.urls_vacancies")),
    path("", include("letting.urls_adverts")),
    path("", include("letting.urls_nominations")),
    path("", include("letting.urls_supervision")),
]
