"""The JSON API (version 1)."""

urlpatterns: list = []
