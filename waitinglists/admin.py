"""Django admin for the waiting-list rules: fee schedules, seniority schemes and the lists.

Entries, payments and fee charges are personal data and deliberately not here: they are reached
only through the tenant-scoped staff pages. Every change asks for a reason (AuditedAdminMixin).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from housing.admin import AuditedAdminMixin, AuditedModelForm
from housing.models import Tenant

from .models import FeeSchedule, SeniorityScheme, WaitingList
from .services import seniority

LIST_CONTROLLER_KINDS = (Tenant.Kind.ORGANISATION, Tenant.Kind.ASSOCIATION)


class _ListControllerMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "controller":
            # Waiting lists and their fees belong to an organisation or a shared-list association.
            kwargs["queryset"] = Tenant.objects.filter(kind__in=LIST_CONTROLLER_KINDS).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FeeSchedule)
class FeeScheduleAdmin(_ListControllerMixin, AuditedAdminMixin, SimpleHistoryAdmin):
    """Dated versions: a change of the fees is a new row from a new date, so the rules behind every
    charge can always be found."""

    list_display = ["controller", "valid_from", "registration_fee", "update_fee", "due_month", "due_day"]
    list_filter = ["controller"]
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request, obj=None):
        # A version that may have been charged from is not rewritten: add a new version instead.
        if obj is not None:
            return ["controller", "valid_from", "registration_fee", "update_fee", "due_month", "due_day"]
        return []


class SeniorityDecisionForm(AuditedModelForm):
    """A new decision goes through ``services.seniority.scheme_decide`` already when the form is
    validated (in a savepoint that is rolled back), so the 5/10-year limit on changes (R3.9, R9.6)
    is shown on the form instead of as an error page."""

    class Meta:
        model = SeniorityScheme
        fields = "__all__"

    def clean(self):
        data = super().clean()
        user = getattr(self, "request_user", None)
        if self.instance.pk or self.errors or user is None:
            return data
        try:
            with transaction.atomic():
                seniority.scheme_decide(**_decision_kwargs(user, data))
                transaction.set_rollback(True)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
            else:
                self.add_error(None, error.messages)
        return data


def _decision_kwargs(user, data) -> dict:
    return {
        "actor": user,
        "reason": data["change_reason"],
        "organisation": data["organisation"],
        "kind": data["kind"],
        "enabled": data.get("enabled", False),
        "decided_on": data["decided_on"],
        "effective_from": data["effective_from"],
        "note": data.get("note", ""),
    }


@admin.register(SeniorityScheme)
class SeniorityDecisionAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    form = SeniorityDecisionForm
    list_display = ["organisation", "kind", "enabled", "decided_on", "effective_from", "tenants_informed_on"]
    list_filter = ["kind", "organisation"]

    def get_readonly_fields(self, request, obj=None):
        # A decision is not rewritten; a later decision is a change (with its own limits).
        if obj is not None:
            return ["organisation", "kind", "enabled", "decided_on", "effective_from"]
        return []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = seniority.scheme_decide(**_decision_kwargs(request.user, form.cleaned_data))
        obj.pk = saved.pk


@admin.register(WaitingList)
class WaitingListAdmin(_ListControllerMixin, AuditedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "controller", "organisation"]
    list_filter = ["kind", "controller"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        # Entries carry the list's controller: a list does not move to another controller.
        return ["controller"] if obj is not None else []
