"""The public § 25 pages and open data (no login)."""

from django.urls import path

from .views import public

app_name = "eldercare_public"

urlpatterns = [
    path("", public.public_index, name="index"),
    path("<str:code>/", public.public_kommune, name="kommune"),
    path("<str:code>/ventelister.json", public.public_kommune_json, name="kommune_json"),
    path("<str:code>/ventelister.csv", public.public_kommune_csv, name="kommune_csv"),
]
