from django.urls import path

from . import views

app_name = "simulation"

urlpatterns = [
    path("scenarier/", views.scenario_list, name="scenario_list"),
    path("scenarier/ny/", views.scenario_create, name="scenario_create"),
    path("scenarier/<int:pk>/", views.scenario_detail, name="scenario_detail"),
    path("scenarier/<int:pk>/ret/", views.scenario_edit, name="scenario_edit"),
    path("scenarier/<int:pk>/aendringer/ny/", views.change_add, name="change_add"),
    path("scenarier/<int:pk>/aendringer/fjern/", views.change_remove, name="change_remove"),
    path("scenarier/<int:pk>/koer/", views.run_start, name="run_start"),
    path("scenarier/koersel/<int:pk>/", views.run_detail, name="run_detail"),
    path("scenarier/koersel/<int:pk>/ledige-boliger.csv", views.run_vacancies_csv, name="run_vacancies_csv"),
    path("scenarier/koersel/<int:pk>/tal.csv", views.run_figures_csv, name="run_figures_csv"),
]
