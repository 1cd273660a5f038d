"""Django admin for the kommune's elder-housing configuration.

Facilities carry the § 25 user information (R25.2–R25.3) the kommune keeps here; specific lists
their fee and the published consequences of refusing an offer. Entries are personal data and are
reached only through the tenant-scoped staff pages. Every change asks for a reason.

Refuse-outsiders decisions (§ 22) and free-choice applications (§ 19) are shown read-only, so
administrators can see them; they are made and changed only through the services (the kommune
officer's pages), which compute the dates and write the letters. Search goes by name, applicant
number and list, never by CPR; the assessment notes are left out.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from housing.admin import AuditedAdminMixin

from .models import (
    EldercarePolicy,
    Facility,
    FacilityDwelling,
    FreeChoiceApplication,
    RefuseOutsidersDecision,
    SpecificList,
)


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


class ReadOnlyAdminMixin:
    """Seen in the admin, changed only through the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RefuseOutsidersDecision)
class RefuseOutsidersDecisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """§ 22: decided on, in force from 1 month later, lapsing 6 months after that; extensions."""

    list_display = [
        "kommune",
        "dwelling_kind",
        "decided_on",
        "effective_from",
        "lapses_on",
        "increase_percent",
        "is_extension",
    ]
    list_filter = ["dwelling_kind", ("extends", admin.EmptyFieldListFilter), "kommune"]
    search_fields = ["kommune__name", "kommune__code", "justification"]
    date_hierarchy = "decided_on"
    list_select_related = ["kommune"]
    fields = [
        "kommune",
        "dwelling_kind",
        "extends",
        "decided_on",
        "effective_from",
        "lapses_on",
        "own_average_wait_days",
        "baseline_average_wait_days",
        "increase_percent",
        "outsiders_joined_recent",
        "outsiders_joined_before",
        "outsiders_housed_recent",
        "justification",
        "not_short_term",
        "not_demographic",
        "not_lenient_assessment",
        "decided_by",
    ]

    @admin.display(boolean=True, description=_("extension"))
    def is_extension(self, obj) -> bool:
        return obj.extends_id is not None


@admin.register(FreeChoiceApplication)
class FreeChoiceApplicationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """§ 19: both kommuner's assessments and the decision (the notes stay on the officer's pages)."""

    list_display = [
        "received_on",
        "applicant",
        "home_kommune",
        "specific_list",
        "home_conditions_met",
        "destination_conditions_met",
        "state",
        "decided_on",
    ]
    list_filter = ["state", "home_conditions_met", "destination_conditions_met", "specific_list__kommune"]
    search_fields = [
        "person__first_name",
        "person__last_name",
        "person__applicant_number",
        "specific_list__name",
        "home_kommune__name",
    ]
    date_hierarchy = "received_on"
    list_select_related = ["person", "home_kommune", "specific_list"]
    fields = [
        "specific_list",
        "applicant",
        "home_kommune",
        "received_on",
        "home_conditions_met",
        "home_assessed_on",
        "home_case_reference",
        "destination_conditions_met",
        "destination_assessed_on",
        "same_guidelines_confirmed",
        "outsider_exemption",
        "state",
        "decided_on",
        "decision_reason",
        "entry",
    ]
    readonly_fields = ["applicant"]

    @admin.display(description=_("applicant"), ordering="person__last_name")
    def applicant(self, obj) -> str:
        # Name and applicant number only: no CPR, not even masked, in the admin lists.
        return f"{obj.person.full_name} ({obj.person.applicant_number})"
