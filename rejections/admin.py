"""Admin for the organisation's rejection settings (the R27.2 threshold of insignificant debt)."""

from __future__ import annotations

from django.contrib import admin

from housing.admin import AuditedAdmin

from .models import RejectionSettings


@admin.register(RejectionSettings)
class RejectionSettingsAdmin(AuditedAdmin):
    list_display = ["organisation", "insignificant_debt_threshold"]
    autocomplete_fields = ["organisation"]
