"""Export jobs: a large file of personal data (a waiting list as CSV) made in the background.

A technical record, like ``FormSubmission``: it says who asked for which file and where the file
is, not a change of case data, so it has no history of its own. The file itself is personal data:
only the user who asked may fetch it, every fetch is written to the access log
(``PersonalDataAccess``), and files older than ``EXPORT_RETENTION_DAYS`` are deleted
(``housing.exports``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# A job in one of these states is still coming: asking again for the same file gets this job.
PENDING_STATES = (ExportState.QUEUED, ExportState.RUNNING)


class ExportJob(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="export_jobs",
    )
    # The data controller whose data the file holds: fetching it needs write rights there still.
    tenant = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=50)
    # What to export, as the kind reads it (a waiting list's id and the list page's filter query
    # string). Never a CPR number: the filters search by name and applicant number only.
    parameters = models.JSONField(_("parameters"), default=dict)
    # A digest of kind and parameters: the partial unique constraint below makes a repeated or
    # concurrent start of the same export find the pending job instead of starting a second one.
    parameters_key = models.CharField(max_length=64, editable=False)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    state = models.CharField(
        _("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED
    )
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    # Relative to settings.EXPORT_ROOT; empty until the file is complete and after it is deleted.
    file_path = models.CharField(_("file"), max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    # For the administrators: the exception's type and message, CPR-shaped digits redacted.
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "tenant", "kind", "parameters_key"],
                condition=Q(state__in=PENDING_STATES),
                name="one_pending_export_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("housing:export_job", args=[self.pk])

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def downloadable(self) -> bool:
        return self.state == ExportState.DONE and bool(self.file_path)
