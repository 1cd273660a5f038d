from django.urls import path

from .views import exports, persons, pickers, register

app_name = "housing"

urlpatterns = [
    path("personer/", persons.person_search, name="person_search"),
    path("personer/ny/", persons.person_create, name="person_create"),
    path("personer/<int:pk>/", persons.person_detail, name="person_detail"),
    path("personer/<int:pk>/rediger/", persons.person_edit, name="person_edit"),
    path("personer/<int:pk>/samliv/", persons.person_cohabitation, name="person_cohabitation"),
    path("personer/<int:pk>/cpr/", persons.person_reveal_cpr, name="person_reveal_cpr"),
    path("personer/<int:pk>/historik/", persons.person_history, name="person_history"),
    path("personer/<int:pk>/adgangslog/", persons.person_access_log, name="person_access_log"),
    path("personer/<int:pk>/adgangslog.csv", persons.person_access_log_csv, name="person_access_log_csv"),
    path("eksporter/<int:pk>/", exports.export_job, name="export_job"),
    path("eksporter/<int:pk>/hent/", exports.export_download, name="export_download"),
    path("organisationer/", register.organisation_list, name="organisation_list"),
    path("organisationer/ny/", register.organisation_create, name="organisation_create"),
    path("organisationer/<int:pk>/", register.organisation_detail, name="organisation_detail"),
    path("organisationer/<int:pk>/rediger/", register.organisation_edit, name="organisation_edit"),
    path("organisationer/<int:pk>/historik/", register.organisation_history, name="organisation_history"),
    path("afdelinger/", register.department_list, name="department_list"),
    path("afdelinger/ny/", register.department_create, name="department_create"),
    path("afdelinger/<int:pk>/", register.department_detail, name="department_detail"),
    path("afdelinger/<int:pk>/rediger/", register.department_edit, name="department_edit"),
    path("afdelinger/<int:pk>/historik/", register.department_history, name="department_history"),
    path("boliger/", register.dwelling_list, name="dwelling_list"),
    path("boliger/soeg.json", pickers.dwelling_picker, name="dwelling_picker"),
    path("boliger/ny/", register.dwelling_create, name="dwelling_create"),
    path("boliger/<int:pk>/", register.dwelling_detail, name="dwelling_detail"),
    path("boliger/<int:pk>/rediger/", register.dwelling_edit, name="dwelling_edit"),
    path("boliger/<int:pk>/historik/", register.dwelling_history, name="dwelling_history"),
]
