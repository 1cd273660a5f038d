"""R35: the ministry's area list, imported into dated department area statuses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AreaListImport(models.Model):
    """R35: the ministry's area list (published each 1 December), uploaded in the admin and applied
    to the departments as dated area statuses (``allocation.services.area_lists``)."""

    published_on = models.DateField(_("published on"), help_text=_("The list is published each 1 December."))
    valid_from = models.DateField(_("applies from"))
    kinds = models.CharField(
        _("statuses the list covers"),
        max_length=200,
        help_text=_("Statuses of these kinds not on the list end the day before the list applies."),
    )
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    started = models.PositiveIntegerField(_("statuses started"), default=0)
    ended = models.PositiveIntegerField(_("statuses ended"), default=0)
    unchanged = models.PositiveIntegerField(_("statuses unchanged"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("R35 area list import")
        verbose_name_plural = _("R35 area list imports")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.published_on} ({self.file_name})"
