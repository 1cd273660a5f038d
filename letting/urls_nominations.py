"""Kommunal anvisning (R1.4): the kommune's queue, naming the tenant, and the lease (R1.10)."""

from django.urls import path

from .views import nominations

urlpatterns = [
    path("kommune/anvisning/", nominations.nomination_queue, name="nomination_queue"),
    path("kommune/anvisning/<int:pk>/", nominations.nomination_vacancy, name="nomination_vacancy"),
    path("kommune/anvisning/<int:pk>/lejekontrakt/", nominations.nomination_lease, name="nomination_lease"),
]
