"""Admin for the letting agreements with the kommune (the configuration that decides channels)."""

from django.contrib import admin

from housing.admin import AuditedAdmin

from .models import LettingAgreement


@admin.register(LettingAgreement)
class LettingAgreementAdmin(AuditedAdmin):
    list_display = ["organisation", "kommune", "department", "kind", "every_nth", "valid_from", "valid_until"]
    list_filter = ["kind", "kommune"]
    autocomplete_fields = ["organisation", "kommune", "department"]
