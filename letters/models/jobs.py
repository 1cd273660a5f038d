"""Job runs: every run of a background job, with progress, counts and errors, for the Kørsler page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask


class JobRun(models.Model):
    """One run of a registered job (see ``letters.jobs``). Operational data, not personal data:
    counts and errors name rows by id, never by person."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Started by a user")
        COMMAND = "command", _("Command line")
        EVENT = "event", _("Triggered by an event")
        RECOVERY = "recovery", _("Resumes a run whose worker stopped")

    job = models.CharField(_("job"), max_length=100, db_index=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.RUNNING)
    trigger = models.CharField(_("started by"), max_length=20, choices=Trigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # What the run could not do and a person must see to — not an error of the run itself
    # (e.g. a fee reminder that failed, so the deletion it would lead to is held back).
    attention = models.JSONField(_("needs attention"), default=list, blank=True)
    task_id = models.CharField(_("Celery task"), max_length=100, blank=True)
    # Set by the reaper (``letters.jobs.reap_stopped_runs``): the run stopped reporting because its
    # worker died (SIGKILL, lost power), not because its job raised.
    worker_lost = models.BooleanField(_("worker lost"), default=False)
    # When recovery asked for a new run to take over this stopped run's work (once per stopped run).
    resume_requested_at = models.DateTimeField(_("resumption requested"), null=True, blank=True)
    resumes = models.ForeignKey(
        "self",
        verbose_name=_("resumes run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resumed_by",
    )

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("letters:job_run_detail", args=[self.pk])

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.state != self.State.RUNNING else None
        return min(100, round(100 * self.done / self.total))

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class JobSchedule(PeriodicTask):
    """A periodic task that runs one of the registered jobs (``letters.run_job`` with the job's
    name as its argument), as the administrators see it: the job by its name, the time of day and
    the weekdays. A proxy, so django-celery-beat's scheduler keeps reading the same rows; the
    page that edits it is ``letters.admin.JobScheduleAdmin``."""

    class Meta:
        proxy = True
        verbose_name = _("job schedule")
        verbose_name_plural = _("job schedules")


class JobScheduleChange(models.Model):
    """The history of the job schedules: who changed which schedule, from what to what, and why.

    django-celery-beat's rows have no history of their own (and django-simple-history on them would
    write a row every time the scheduler records a run), so every change made through
    ``letters.schedules.schedule_save`` writes one row here."""

    schedule = models.ForeignKey(
        PeriodicTask,
        verbose_name=_("job schedule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schedule_changes",
    )
    job = models.CharField(_("job"), max_length=100)
    before = models.CharField(_("before"), max_length=300, blank=True)
    after = models.CharField(_("after"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("change of a job schedule")
        verbose_name_plural = _("changes of job schedules")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.job}: {self.before} → {self.after}"
