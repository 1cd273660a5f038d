"""The kommune's supervision of lettings (R39)."""

from django.urls import path

from .views import supervision

urlpatterns = [
    path("kommune/tilsyn/", supervision.supervision_page, name="supervision"),
]
