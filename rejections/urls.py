from django.urls import path

from . import views as rejections

app_name = "rejections"

urlpatterns = [
    path("udlejning/afvisninger/", rejections.rejection_list, name="rejection_list"),
    path("udlejning/<int:pk>/afvis/", rejections.rejection_open, name="rejection_open"),
    path("udlejning/afvisninger/<int:pk>/", rejections.rejection_detail, name="rejection_detail"),
    path("udlejning/afvisninger/<int:pk>/historik/", rejections.rejection_history, name="rejection_history"),
    path(
        "udlejning/afvisninger/<int:pk>/straffeattest/",
        rejections.rejection_criminal_record,
        name="rejection_criminal_record",
    ),
    path(
        "udlejning/afvisninger/<int:pk>/dispensation/",
        rejections.rejection_dispensation,
        name="rejection_dispensation",
    ),
    path("udlejning/afvisninger/<int:pk>/luk/", rejections.rejection_withdraw, name="rejection_withdraw"),
    path("udlejning/dispensationer/", rejections.dispensation_list, name="dispensation_list"),
    path("udlejning/dispensationer/<int:pk>/", rejections.dispensation_detail, name="dispensation_detail"),
    path(
        "udlejning/dispensationer/<int:pk>/historik/",
        rejections.dispensation_history,
        name="dispensation_history",
    ),
    path(
        "udlejning/dispensationer/<int:pk>/afgoerelse/",
        rejections.dispensation_decide,
        name="dispensation_decide",
    ),
    path("udlejning/afvisninger/rapporter/r28/", rejections.termination_reports, name="termination_reports"),
    path(
        "udlejning/afvisninger/rapporter/r28/<int:pk>/videresendt/",
        rejections.termination_report_forward_view,
        name="termination_report_forward",
    ),
    path(
        "udlejning/afvisninger/rapporter/r37-3/", rejections.dispensation_reports, name="dispensation_reports"
    ),
    path("personer/<int:pk>/ydelser/", rejections.person_benefits, name="person_benefits"),
]
