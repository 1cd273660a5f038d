"""URLs of the elder-housing app. Each part has its own list of routes under its own prefix, so
the parts can be added side by side: the kommune officer's pages live under ``kommune/aeldre/``."""

from django.urls import include, path

from .views import allocation, free_choice, guarantee, lists, needs, outsiders

app_name = "eldercare"

# Needs decisions (visitation), the general list and its dashboard, allocation (kommune officers).
staff_urlpatterns = [
    path("", guarantee.dashboard, name="dashboard"),
    path("garantibrud.csv", guarantee.breach_report, name="breach_report"),
    path("venteliste/<int:pk>/", guarantee.guarantee_detail, name="guarantee_detail"),
    path("venteliste/<int:pk>/afslut/", guarantee.guarantee_leave, name="guarantee_leave"),
    path("visitation/", needs.need_list, name="need_list"),
    path("visitation/ny/", needs.need_create, name="need_create"),
    path("visitation/<int:pk>/", needs.need_detail, name="need_detail"),
    path("visitation/<int:pk>/aendr/", needs.need_change, name="need_change"),
    path("visitation/<int:pk>/historik/", needs.need_history, name="need_history"),
    path("ledige/", allocation.vacancy_list, name="vacancy_list"),
    path("ledige/<int:pk>/", allocation.vacancy_detail, name="vacancy_detail"),
    path("ledige/<int:pk>/tilbud/", allocation.vacancy_offer, name="vacancy_offer"),
    path("ledige/<int:pk>/tilbud/<int:offer_pk>/svar/", allocation.offer_answer, name="offer_answer"),
    path("ledige/<int:pk>/lejekontrakt/", allocation.vacancy_lease, name="vacancy_lease"),
    path(
        "ledige/<int:pk>/ingen-berettigede/",
        allocation.vacancy_eligible_not_found,
        name="vacancy_eligible_not_found",
    ),
    path("ledige/<int:pk>/udlej-til-andre/", allocation.vacancy_let_to_others, name="vacancy_let_to_others"),
]

# Specific lists (§§ 20–21), free choice (§ 19), refuse-outsiders decisions (§ 22) for kommune officers.
lists_urlpatterns = [
    path("specifikke-lister/", lists.specific_list_index, name="specific_list_index"),
    path("specifikke-lister/<int:pk>/", lists.specific_list_detail, name="specific_list_detail"),
    path("specifikke-lister/<int:pk>/tilfoej/", lists.entry_add, name="specific_entry_add"),
    path("specifikke-lister/<int:pk>/<int:entry_pk>/", lists.entry_detail, name="specific_entry_detail"),
    path(
        "specifikke-lister/<int:pk>/<int:entry_pk>/fjern/", lists.entry_remove, name="specific_entry_remove"
    ),
    path(
        "specifikke-lister/<int:pk>/<int:entry_pk>/placering/",
        lists.entry_place_letter,
        name="specific_entry_place_letter",
    ),
    path(
        "specifikke-lister/<int:pk>/<int:entry_pk>/gebyr/", lists.entry_fee_pay, name="specific_entry_fee_pay"
    ),
    path("frit-valg/", free_choice.free_choice_list, name="free_choice_list"),
    path("frit-valg/ny/", free_choice.free_choice_create, name="free_choice_create"),
    path("frit-valg/<int:pk>/", free_choice.free_choice_detail, name="free_choice_detail"),
    path("frit-valg/<int:pk>/bopaelskommune/", free_choice.free_choice_home, name="free_choice_home"),
    path(
        "frit-valg/<int:pk>/vurdering/", free_choice.free_choice_destination, name="free_choice_destination"
    ),
    path("frit-valg/<int:pk>/afgoerelse/", free_choice.free_choice_decide, name="free_choice_decide"),
    path("afvis-udefrakommende/", outsiders.outsiders, name="outsiders"),
    path("afvis-udefrakommende/<int:pk>/forlaeng/", outsiders.decision_extend, name="outsiders_extend"),
]

urlpatterns = [
    path("kommune/aeldre/", include(staff_urlpatterns)),
    # Specific lists, free choice, refuse-outsiders decisions and the public § 25 page: add below.
    path("kommune/aeldre/", include(lists_urlpatterns)),
]
