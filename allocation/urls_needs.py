"""The person page's *Priority* tab (R5, R8.2, R10, R6)."""

from django.urls import path

from .views import needs

urlpatterns = [
    path("personer/<int:pk>/fortrin/", needs.person_priorities, name="person_priorities"),
    path("personer/<int:pk>/fortrin/behov/", needs.person_need_save, name="person_need_save"),
    path("personer/<int:pk>/fortrin/behov/fjern/", needs.person_need_remove, name="person_need_remove"),
    path(
        "personer/<int:pk>/fortrin/samlivsophaevelse/",
        needs.person_separation_add,
        name="person_separation_add",
    ),
    path(
        "personer/<int:pk>/fortrin/samlivsophaevelse/afslut/",
        needs.person_separation_end,
        name="person_separation_end",
    ),
]
