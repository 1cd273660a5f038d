"""URLs of the letting work. Each part of the letting has its own module of routes."""

from django.urls import include, path

app_name = "allocation"

urlpatterns = [
    path("", include("allocation.urls_vacancies")),
    path("", include("allocation.urls_adverts")),
    path("", include("allocation.urls_nominations")),
    path("", include("allocation.urls_approvals")),
    path("", include("allocation.urls_rejections")),
    path("", include("allocation.urls_needs")),
    path("", include("allocation.urls_supervision")),
]
