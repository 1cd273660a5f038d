"""Django admin for administrators: the register and staff memberships.

Persons and households are deliberately not in the admin: personal data is reached only through
the tenant-scoped staff pages, where every access is scoped and logged.
Every admin change asks for a reason, which goes into the history row with the user.
"""

from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .forms import ReasonFormMixin
from .models import (
    Department,
    DepartmentAreaStatus,
    Dwelling,
    HousingArea,
    HousingOrganisation,
    Kommune,
    KommuneClosingDay,
    ListedBenefit,
    Membership,
    SharedListAssociation,
    StateChange,
    Tenant,
)


class AuditedModelForm(ReasonFormMixin, forms.ModelForm):
    """Admin forms carry the same mandatory reason as the staff pages."""


class AuditedAdminMixin:
    """Adds a mandatory 'reason for the change' to the change form and hands it, with the user,
    to django-simple-history for the object and for every inline row saved with it."""

    form = AuditedModelForm
    change_reason_field = "change_reason"

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = {f for _name, opts in fieldsets for f in opts.get("fields", ())}
        if self.change_reason_field not in names:
            fieldsets.append((_("Audit"), {"fields": [self.change_reason_field]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        obj._change_reason = form.cleaned_data[self.change_reason_field]
        request._admin_change_reason = obj._change_reason
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get(self.change_reason_field, "")
        instances = formset.save(commit=False)
        for instance in instances:
            instance._history_user = request.user
            instance._change_reason = reason
            instance.save()
        for deleted in formset.deleted_objects:
            deleted._history_user = request.user
            deleted._change_reason = reason
            deleted.delete()
        formset.save_m2m()

    def delete_model(self, request, obj):
        obj._history_user = request.user
        obj._change_reason = str(_("Deleted in the administration"))
        super().delete_model(request, obj)


class AuditedAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    pass


@admin.register(Kommune)
class KommuneAdmin(AuditedAdmin):
    list_display = ["code", "name", "region"]
    search_fields = ["code", "name"]
    list_filter = ["region"]
    readonly_fields = ["tenant"]

    def has_add_permission(self, request):  # the 98 kommuner come from the official list
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharedListAssociation)
class SharedListAssociationAdmin(AuditedAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    readonly_fields = ["tenant"]

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data[self.change_reason_field]
        if change:
            super().save_model(request, obj, form, change)
        else:  # the association's data-controller row is created with it
            created = services.association_create(actor=request.user, reason=reason, name=obj.name)
            obj.pk, obj.tenant = created.pk, created.tenant


@admin.register(HousingOrganisation)
class HousingOrganisationAdmin(AuditedAdmin):
    list_display = ["name", "cvr", "city", "shared_list", "digital_post_connected_from"]
    search_fields = ["name", "cvr"]
    list_filter = ["shared_list"]
    readonly_fields = ["tenant"]

    def save_model(self, request, obj, form, change):
        # Through the services, so the data-controller row is created and renamed with it.
        reason = form.cleaned_data[self.change_reason_field]
        if change:
            services.organisation_update(actor=request.user, reason=reason, organisation=obj)
        else:
            services.organisation_create(actor=request.user, reason=reason, organisation=obj)


@admin.register(HousingArea)
class HousingAreaAdmin(AuditedAdmin):
    list_display = ["name", "kommune"]
    search_fields = ["name"]
    autocomplete_fields = ["kommune"]


@admin.register(KommuneClosingDay)
class KommuneClosingDayAdmin(AuditedAdmin):
    """The kommune's closing days (lukkedage): shown beside its deadlines, never moving them (R42.3)."""

    list_display = ["kommune", "day", "note"]
    list_filter = ["kommune"]
    date_hierarchy = "day"
    autocomplete_fields = ["kommune"]


@admin.register(ListedBenefit)
class ListedBenefitAdmin(AuditedAdmin):
    """The benefits almenboligloven §§ 51 b and 51 c name, dated (R36.1, R37.1): a case is judged
    by the rows in force on its date, so a change of the law is a new row from its date, not an edit
    of the old one."""

    list_display = ["provision", "kind", "valid_from", "valid_until", "legal_source"]
    list_filter = ["provision", "kind"]
    date_hierarchy = "valid_from"


class DepartmentAreaStatusInline(admin.TabularInline):
    model = DepartmentAreaStatus
    extra = 0
    autocomplete_fields = ["housing_area"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["number", "name", "organisation", "kommune", "beboermaksimum_applied"]
    search_fields = ["name", "number"]
    list_filter = ["organisation", "kommune", "beboermaksimum_applied"]
    autocomplete_fields = ["kommune", "organisation"]
    inlines = [DepartmentAreaStatusInline]


@admin.register(Dwelling)
class DwellingAdmin(AuditedAdmin):
    list_display = ["number", "address_line", "department", "kind", "rooms", "monthly_rent"]
    search_fields = ["number", "address_line"]
    list_filter = ["kind", "youth_kind", "owner_kind", "department__organisation"]
    autocomplete_fields = ["department"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "tenant", "role"]
    list_filter = ["role", "tenant__kind"]
    search_fields = ["user__username", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(StateChange)
class StateChangeAdmin(admin.ModelAdmin):
    """The state-change log, read only: rows are written by ``StateMachine.move`` and never changed."""

    list_display = ["at", "content_type", "object_id", "field_shown", "from_shown", "to_shown", "actor"]
    list_filter = ["content_type", "field"]
    fields = ["at", "content_type", "object_id", "field_shown", "from_shown", "to_shown", "actor", "reason"]
    readonly_fields = fields

    # The states by their names, not their codes (the log keeps the codes).
    @admin.display(description=_("field"), ordering="field")
    def field_shown(self, obj):
        return capfirst(obj.field_label)

    @admin.display(description=_("from state"), ordering="from_state")
    def from_shown(self, obj):
        return obj.from_state_label

    @admin.display(description=_("to state"), ordering="to_state")
    def to_shown(self, obj):
        return obj.to_state_label

    date_hierarchy = "at"
    list_select_related = ["content_type", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-axes' "Clean up expired attempts" reads request attributes that only its login handling
# sets, so the button answered a 500 (found by tests/system/test_hostile_walk.py).
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)

    @admin.register(AccessAttempt)
    class CheckedAccessAttemptAdmin(AccessAttemptAdmin):
        @admin.action(description=_("Clean up expired attempts"))
        def cleanup_expired_attempts(self, request, queryset):
            AxesProxyHandler.update_request(request)
            return super().cleanup_expired_attempts(request, queryset)
