"""Admin for the organisation's petition that the kommune decide on kombineret udlejning (R36.3)."""

from django.contrib import admin

from housing.admin import AuditedAdmin

from .models import CombinedLettingPetition


@admin.register(CombinedLettingPetition)
class CombinedLettingPetitionAdmin(AuditedAdmin):
    """R36.3: an organisation's petition that the kommune decide on kombineret udlejning; a refusal
    needs the kommune's reasons (checked by the model and the database)."""

    list_display = ["organisation", "kommune", "requested_on", "state", "decided_on"]
    list_filter = ["state", "kommune"]
    autocomplete_fields = ["organisation", "kommune"]
