"""URLs of the allocation app's own pages: priority needs. The
vacancy pages are ``letting``'s; rejections, approvals and complaints have their own apps."""

from django.urls import include, path

app_name = "allocation"

urlpatterns = [
    path("", include("allocation.urls_needs")),
]
