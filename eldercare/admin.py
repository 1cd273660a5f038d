"""Django admin for the kommune's elder-housing configuration.

Facilities carry the § 25 user information (R25.2–R25.3) the kommune keeps here; specific lists
their fee and the published consequences of refusing an offer. Entries are personal data and are
reached only through the tenant-scoped staff pages. Every change asks for a reason.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from housing.admin import AuditedAdminMixin

from .models import EldercarePolicy, Facility, FacilityDwelling, SpecificList


class FacilityDwellingInline(admin.TabularInline):
    model = FacilityDwelling
    extra = 0
    autocomplete_fields = ["dwelling"]


@admin.register(Facility)
class FacilityAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "kommune", "dwelling_count", "dwellings_for_two", "published"]
    list_filter = ["kind", "published", "kommune"]
    search_fields = ["name", "address_line"]
    autocomplete_fields = ["kommune"]
    inlines = [FacilityDwellingInline]


@admin.register(SpecificList)
class SpecificListAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kommune", "facility", "is_open", "fee_amount"]
    list_filter = ["is_open", "kommune"]
    search_fields = ["name"]
    autocomplete_fields = ["kommune", "facility"]


@admin.register(EldercarePolicy)
class EldercarePolicyAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    """The kommune's local practice for the general list (dated; off by default) and the warning days."""

    list_display = ["kommune", "valid_from", "second_refusal_reassessment", "warning_days"]
    list_filter = ["second_refusal_reassessment", "kommune"]
    autocomplete_fields = ["kommune"]
