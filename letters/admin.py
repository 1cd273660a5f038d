"""Django admin for the letters app: the Danish letter templates and (read-only) the job runs.

Letters, their delivery record and print batches are deliberately not in the admin: they are
personal data and are reached only through the tenant-scoped staff pages.

A letter template is never edited in place. Every letter keeps the template version it was
rendered from, so saving a template in the admin — a new one, a change, even a revert from its
history — always goes through ``services.template_new_version`` and makes the next version.
"""

import contextlib

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from housing.admin import AuditedAdmin

from . import complaint_guidance, placeholders, previews, schedules, services
from .forms import ComplaintGuidanceAdminForm, JobScheduleForm, LetterTemplateAdminForm
from .jobs import registered_jobs
from .models import ComplaintGuidance, JobRun, JobSchedule, JobScheduleChange, LetterKind, LetterTemplate

# One way to change when a job runs: the job schedules below. django-celery-beat's own screens
# (cron expressions, a pop-up for the crontab, the job's name in JSON, no reason asked) are gone.
for _model in (PeriodicTask, CrontabSchedule, IntervalSchedule, SolarSchedule, ClockedSchedule):
    with contextlib.suppress(NotRegistered):
        admin.site.unregister(_model)


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

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name=f"{prefix}_preview"),
            path("<path:object_id>/preview/", preview, name=f"{prefix}_preview_version"),
            *super().get_urls(),
        ]

    def _kind_for(self, request, obj) -> str:
        if obj is not None:
            return obj.kind
        kind = request.POST.get("kind") or request.GET.get("kind") or ""
        return kind if kind in LetterKind.values else ""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        kind = self._kind_for(request, obj)
        context.update(
            {
                "letter_kind": kind,
                "placeholders": placeholders.placeholders_for(kind) if kind else [],
                "common_placeholders": [placeholders.PLACEHOLDERS[name] for name in placeholders.COMMON],
                "unknown_names": self._unknown_names(kind, obj),
                "preview_url": reverse("admin:letters_lettertemplate_preview_version", args=[obj.pk])
                if obj is not None
                else reverse("admin:letters_lettertemplate_preview"),
            }
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def _unknown_names(kind: str, obj) -> list[str]:
        """Names the shown version reads that letters of its kind never get (they print empty)."""
        if obj is None or not kind:
            return []
        try:
            used = placeholders.template_names(obj.subject) | placeholders.template_names(obj.body)
        except Exception:  # an old version that no longer compiles: the form says so on save
            return []
        return placeholders.undeclared(kind, used)

    def preview_view(self, request, object_id=None):
        """The template as it stands in the form, rendered with demo data to the letter's PDF."""
        obj = None
        if object_id is not None:
            obj = self.get_object(request, object_id)
            if obj is None:
                raise Http404
        allowed = (
            self.has_add_permission(request)
            if obj is None
            else self.has_view_or_change_permission(request, obj)
        )
        if not allowed:
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:letters_lettertemplate_change", args=[obj.pk])
                if obj is not None
                else reverse("admin:letters_lettertemplate_add")
            )
        kind = self._kind_for(request, obj)
        subject = request.POST.get("subject", obj.subject if obj else "")
        body = request.POST.get("body", obj.body if obj else "")
        errors: list[str] = []
        if not kind:
            errors.append(_("Choose the kind of letter first: the demo data depend on it."))
        else:
            try:
                pdf = previews.template_preview_pdf(kind=kind, subject=subject, body=body)
            except ValidationError as exc:
                errors.extend(
                    f"{_(label)}: {message}"
                    for label, messages_ in exc.message_dict.items()
                    for message in messages_
                )
            else:
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'inline; filename="forhaandsvisning-{kind}.pdf"'
                return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("The preview could not be made"),
            "errors": errors,
            "original": obj,
        }
        return TemplateResponse(request, "admin/letters/lettertemplate/preview_errors.html", context)

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


@admin.register(JobSchedule)
class JobScheduleAdmin(admin.ModelAdmin):
    """When each job runs, in Danish: the list names every job with its time of day and weekdays,
    whether it is on, and its last run; the form chooses the job by name and asks for a reason,
    which is kept with the user in ``JobScheduleChange`` (``letters.schedules.schedule_save``)."""

    change_list_template = "admin/letters/jobschedule/change_list.html"
    change_form_template = "admin/letters/jobschedule/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(task=schedules.RUN_JOB_TASK)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a schedule off instead; its history stays with it

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Job schedules"),
            "rows": schedules.schedule_rows(),
            "has_add_permission": self.has_add_permission(request),
            "has_change_permission": self.has_change_permission(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_list_template, context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._schedule_view(request, None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        if task is None:
            raise Http404
        if not self.has_view_or_change_permission(request, task):
            raise PermissionDenied
        return self._schedule_view(request, task)

    def _schedule_view(self, request, task):
        jobs = registered_jobs()
        can_change = self.has_change_permission(request, task) if task else True
        job = request.GET.get("job", "")
        initial = schedules.schedule_initial(task, job if job in jobs else "")
        form = JobScheduleForm(request.POST if request.method == "POST" else None, initial=initial, jobs=jobs)
        if request.method == "POST" and can_change and form.is_valid():
            data = form.cleaned_data
            try:
                saved = schedules.schedule_save(
                    actor=request.user,
                    reason=data["change_reason"],
                    task=task,
                    job=data["job"],
                    frequency=data["frequency"],
                    enabled=data["enabled"],
                    time=data.get("time"),
                    weekdays=form.weekday_numbers(),
                    every_minutes=data.get("every_minutes"),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                if task is None:
                    self.log_addition(request, saved, data["change_reason"])
                else:
                    self.log_change(request, saved, data["change_reason"])
                self.message_user(
                    request,
                    _("The schedule of “%(job)s” is saved: %(when)s.")
                    % {"job": jobs[data["job"]].label, "when": schedules.describe(saved)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:letters_jobschedule_changelist"))
        elif request.method == "POST" and not can_change:
            raise PermissionDenied
        changes = (
            JobScheduleChange.objects.filter(schedule=task).select_related("changed_by")[:50] if task else []
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Change the schedule of a job") if task else _("Schedule a job"),
            "form": form,
            "task": task,
            "when": schedules.describe(task) if task else "",
            "changes": changes,
            "can_change": can_change,
            "original": task,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)

    def history_view(self, request, object_id, extra_context=None):
        return HttpResponseRedirect(reverse("admin:letters_jobschedule_change", args=[object_id]))
