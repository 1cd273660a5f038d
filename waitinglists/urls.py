from django.urls import path

from .views import entries, lists, persons, registration

app_name = "waitinglists"

urlpatterns = [
    path("ventelister/", lists.lists, name="lists"),
    path("ventelister/<int:pk>/", lists.list_overview, name="list_overview"),
    path("ventelister/<int:pk>/eksport.csv", lists.entry_export, name="entry_export"),
    path("ventelister/<int:pk>/tilmeld/", registration.entry_register, name="entry_register"),
    path("ventelister/tilmelding/<int:pk>/", entries.entry_detail, name="entry_detail"),
    path("ventelister/tilmelding/<int:pk>/historik/", entries.entry_history, name="entry_history"),
    path("ventelister/tilmelding/<int:pk>/rediger/", entries.entry_edit, name="entry_edit"),
    path("ventelister/tilmelding/<int:pk>/status/", entries.entry_status, name="entry_status"),
    path("ventelister/tilmelding/<int:pk>/slet/", entries.entry_delete, name="entry_delete"),
    path("ventelister/tilmelding/<int:pk>/genoptag/", entries.entry_reinstate, name="entry_reinstate"),
    path(
        "ventelister/tilmelding/<int:pk>/behold-anciennitet/",
        entries.entry_keep_seniority,
        name="entry_keep_seniority",
    ),
    path("ventelister/tilmelding/<int:pk>/betaling/", entries.entry_payment, name="entry_payment"),
    path(
        "ventelister/tilmelding/<int:pk>/ventetidsbrev/",
        entries.entry_waiting_time_letter,
        name="entry_waiting_time_letter",
    ),
    path("personer/<int:pk>/ventelister/", persons.person_entries, name="person_entries"),
]
