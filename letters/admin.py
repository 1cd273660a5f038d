"""Django admin for the letters app: the Danish letter templates and (read-only) the job runs.

Letters, their delivery record and print batches are deliberately not in the admin: they are
personal data and are reached only through the tenant-scoped staff pages.

A letter template is never edited in place. Every letter keeps the template version it was
rendered from, so saving a template in the admin — a new one, a change, even a revert from its
history — always goes through ``services.template_new_version`` and makes the next version.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from housing.admin import AuditedAdmin

from . import complaint_guidance, services
from .forms import ComplaintGuidanceAdminForm, LetterTemplateAdminForm
from .models import ComplaintGuidance, JobRun, LetterTemplate


class VersionedAdmin(AuditedAdmin):
    """An admin whose rows are never edited in place: saving makes the next version through a
    service (``new_version``), and the admin logs and redirects to that new row. Subclasses say
    which service makes the version and what the saved message calls it."""

    readonly_fields = ["version", "created_at", "created_by", "note"]

    def new_version(self, request, obj, form):
        raise NotImplementedError

    def saved_label(self, obj) -> str:
        raise NotImplementedError

    def has_delete_permission(self, request, obj=None):
        return False  # letters were rendered or sent with every version

    def save_model(self, request, obj, form, change):
        """Never save ``obj`` itself: make the next version through the service."""
        created = self.new_version(request, obj, form)
        # The admin logs and redirects to the object it was handed: make that the new version.
        obj.pk, obj.version, obj.created_at = created.pk, created.version, created.created_at
        obj.created_by, obj.note = created.created_by, created.note
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # no inlines or many-to-many fields; nothing may touch the old row

    def response_change(self, request, obj):
        self.message_user(
            request,
            _("Saved as version %(version)s of “%(label)s”.")
            % {"version": obj.version, "label": self.saved_label(obj)},
            messages.SUCCESS,
        )
        opts = obj._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )


@admin.register(LetterTemplate)
class LetterTemplateAdmin(VersionedAdmin):
    form = LetterTemplateAdminForm
    list_display = ["kind", "version", "created_at", "created_by", "note"]
    list_filter = ["kind"]
    search_fields = ["subject", "body", "note"]
    ordering = ["kind", "-version"]
    fieldsets = [
        (None, {"fields": ["kind", "subject", "body"]}),
        (gettext_lazy("Version"), {"fields": ["version", "created_at", "created_by", "note"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # A new version continues the same kind of letter.
        return [*self.readonly_fields, "kind"] if obj is not None else self.readonly_fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            template = self.get_object(request, object_id)
            if template is not None:
                latest = LetterTemplate.objects.filter(kind=template.kind).order_by("-version").first()
                text = (
                    _("Saving creates version %(next)s; this version stays as it is.")
                    if latest is not None and latest.pk == template.pk
                    else _(
                        "This is an old version (the newest is v%(latest)s). Saving creates version "
                        "%(next)s from what you see here; this version stays as it is."
                    )
                )
                latest_version = latest.version if latest is not None else template.version
                self.message_user(
                    request, text % {"latest": latest_version, "next": latest_version + 1}, messages.INFO
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def new_version(self, request, obj, form):
        return services.template_new_version(
            actor=request.user,
            reason=form.cleaned_data[self.change_reason_field],
            kind=obj.kind,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )

    def saved_label(self, obj) -> str:
        return obj.get_kind_display()


@admin.register(ComplaintGuidance)
class ComplaintGuidanceAdmin(VersionedAdmin):
    """The complaint guidance of each decision type (R11, R24), with its legal source beside it.
    Like a letter template it is never edited in place: saving makes the next version, which
    applies to decisions from its "applies from" day; letters keep the text they were sent with."""

    form = ComplaintGuidanceAdminForm
    list_display = ["decision_type", "version", "valid_from", "legal_source", "created_at", "note"]
    list_filter = ["decision_type"]
    search_fields = ["text", "legal_source", "note"]
    ordering = ["decision_type", "-version"]
    fieldsets = [
        (None, {"fields": ["decision_type", "valid_from", "legal_source", "text"]}),
        (gettext_lazy("Version"), {"fields": ["version", "created_at", "created_by", "note"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "decision_type"] if obj is not None else self.readonly_fields

    def new_version(self, request, obj, form):
        return complaint_guidance.guidance_new_version(
            actor=request.user,
            reason=form.cleaned_data[self.change_reason_field],
            decision_type=obj.decision_type,
            text=form.cleaned_data["text"],
            legal_source=form.cleaned_data["legal_source"],
            valid_from=form.cleaned_data["valid_from"],
        )

    def saved_label(self, obj) -> str:
        return obj.get_decision_type_display()


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Read-only: runs are recorded by ``letters.jobs.run_job``; the staff page is *Kørsler*."""

    list_display = [
        "id",
        "job",
        "state",
        "trigger",
        "triggered_by",
        "started_at",
        "finished_at",
        "done",
        "total",
    ]
    list_filter = ["state", "job", "trigger"]
    search_fields = ["job", "task_id"]
    date_hierarchy = "started_at"
    list_select_related = ["triggered_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
