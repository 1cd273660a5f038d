from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("udlejning/afvisninger/<int:pk>/klage/", views.rejection_complaint, name="rejection_complaint"),
    path(
        "udlejning/dispensationer/<int:pk>/klage/",
        views.dispensation_complaint,
        name="dispensation_complaint",
    ),
    path("kommune/godkendelser/<int:pk>/klage/", views.approval_complaint, name="approval_complaint"),
    path("udlejning/klager/<int:pk>/udfald/", views.complaint_outcome, name="complaint_outcome"),
]
