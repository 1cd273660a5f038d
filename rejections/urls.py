from django.urls import path

from .views import benefits, cases, dispensations, reports

app_name = "rejections"

urlpatterns = [
    path("udlejning/afvisninger/", cases.rejection_list, name="rejection_list"),
    path("udlejning/<int:pk>/afvis/", cases.rejection_open, name="rejection_open"),
    path("udlejning/afvisninger/<int:pk>/", cases.rejection_detail, name="rejection_detail"),
    path("udlejning/afvisninger/<int:pk>/historik/", cases.rejection_history, name="rejection_history"),
    path(
        "udlejning/afvisninger/<int:pk>/straffeattest/",
        cases.rejection_criminal_record,
        name="rejection_criminal_record",
    ),
    path(
        "udlejning/afvisninger/<int:pk>/dispensation/",
        cases.rejection_dispensation,
        name="rejection_dispensation",
    ),
    path("udlejning/afvisninger/<int:pk>/luk/", cases.rejection_withdraw, name="rejection_withdraw"),
    path("udlejning/dispensationer/", dispensations.dispensation_list, name="dispensation_list"),
    path("udlejning/dispensationer/<int:pk>/", dispensations.dispensation_detail, name="dispensation_detail"),
    path(
        "udlejning/dispensationer/<int:pk>/historik/",
        dispensations.dispensation_history,
        name="dispensation_history",
    ),
    path(
        "udlejning/dispensationer/<int:pk>/afgoerelse/",
        dispensations.dispensation_decide,
        name="dispensation_decide",
    ),
    path("udlejning/afvisninger/rapporter/r28/", reports.termination_reports, name="termination_reports"),
    path(
        "udlejning/afvisninger/rapporter/r28/<int:pk>/videresendt/",
        reports.termination_report_forward_view,
        name="termination_report_forward",
    ),
    path("udlejning/afvisninger/rapporter/r37-3/", reports.dispensation_reports, name="dispensation_reports"),
    path("personer/<int:pk>/ydelser/", benefits.person_benefits, name="person_benefits"),
]
