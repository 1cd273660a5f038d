"""Admin for the upload of the ministry's R35 area list, applied to departments as dated area
statuses (``allocation.services.area_lists``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from housing.admin import AuditedAdmin, AuditedModelForm

from .models import AreaListImport
from .services import area_lists


class _DryRun(Exception):
    pass


class AreaListImportForm(AuditedModelForm):
    kinds_chosen = forms.MultipleChoiceField(
        label=_("Statuses the list covers"),
        choices=[(k.value, k.label) for k in area_lists.LIST_KINDS],
        initial=[k.value for k in area_lists.LIST_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    file = forms.FileField(
        label=_("The list (CSV: cvr;afdeling;status)"),
        help_text=_(
            "UTF-8 with a header row. Every bad row is reported; nothing is saved unless all rows are good."
        ),
    )

    class Meta:
        model = AreaListImport
        fields = ["published_on", "valid_from"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "valid_from" in self.fields:
            self.fields["valid_from"].required = False
            self.fields["valid_from"].help_text = _("Empty: from the publication date.")

    def clean(self):
        data = super().clean()
        if not data.get("valid_from") and data.get("published_on"):
            data["valid_from"] = data["published_on"]
        upload = data.get("file")
        if upload is None or not data.get("published_on") or not data.get("kinds_chosen"):
            return data
        try:
            self.text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("file", _("The file is not UTF-8 text."))
            return data
        # A dry run in a rolled-back transaction: every problem shows on the form, nothing is saved.
        try:
            with transaction.atomic():
                area_lists.area_list_import(
                    actor=self.request_user,
                    reason=data.get("change_reason") or "-",
                    text=self.text,
                    kinds=data["kinds_chosen"],
                    published_on=data["published_on"],
                    valid_from=data.get("valid_from"),
                )
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    self.add_error(
                        "kinds_chosen" if field == "kinds" else field if field in self.fields else "file",
                        messages,
                    )
            else:
                self.add_error("file", error.messages)
        return data


@admin.register(AreaListImport)
class AreaListImportAdmin(AuditedAdmin):
    form = AreaListImportForm
    list_display = [
        "published_on",
        "valid_from",
        "kinds",
        "rows",
        "started",
        "ended",
        "unchanged",
        "uploaded_by",
    ]
    readonly_fields = [
        "kinds",
        "file_name",
        "rows",
        "started",
        "ended",
        "unchanged",
        "uploaded_by",
        "uploaded_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["published_on", "valid_from", "kinds_chosen", "file", "change_reason"]
        return ["published_on", "valid_from", *self.readonly_fields]

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": self.get_fields(request, obj)})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return False  # an applied list is history; a correction is a new upload

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        result = area_lists.area_list_import(
            actor=request.user,
            reason=data["change_reason"],
            text=form.text,
            kinds=data["kinds_chosen"],
            published_on=data["published_on"],
            valid_from=data.get("valid_from"),
            file_name=data["file"].name,
        )
        obj.pk = obj.id = result.pk
